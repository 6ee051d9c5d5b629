// SPDX-License-Identifier: MIT
#include "redisbus.h"

#include "hub/localbus.h"
#include "hub/roomchange.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcBus, "switchboard.bus")

namespace Switchboard {

namespace {

const QByteArray PREFIX = QByteArrayLiteral("switchboard:");
const QByteArray ALL = PREFIX + "all";

} // namespace

RedisBus::RedisBus(const RedisEndpoint &endpoint, const QString &nodeId, LocalBus *local,
                   QObject *parent)
    : DeliveryBus(parent)
    , m_local(local)
    , m_node(nodeId.toUtf8().left(255))
    , m_publisher(endpoint)
    , m_subscriber(endpoint)
{
    // Presence stays each node's own in this version (see the header).
    connect(local, &DeliveryBus::userOnline, this, &DeliveryBus::userOnline);
    connect(local, &DeliveryBus::userOffline, this, &DeliveryBus::userOffline);
    connect(&m_subscriber, &RedisClient::patternMessage, this,
            [this](const QByteArray &, const QByteArray &, const QByteArray &payload) {
                received(payload);
            });
    connect(&m_subscriber, &RedisClient::resubscribed, this, [this]() {
        m_subscribed = true;
        updateState();
    });
    auto lost = [this](bool subscriber, const QString &reason) {
        if (subscriber)
            m_subscribed = false;
        if (m_up)
            qCWarning(lcBus) << "Redis lost:" << reason
                             << "(events from other nodes stop until it is back)";
        updateState();
    };
    connect(&m_subscriber, &RedisClient::disconnected, this,
            [lost](const QString &reason) { lost(true, reason); });
    connect(&m_publisher, &RedisClient::disconnected, this,
            [lost](const QString &reason) { lost(false, reason); });
    connect(&m_publisher, &RedisClient::connected, this, &RedisBus::updateState);
}

void RedisBus::start()
{
    m_subscriber.psubscribe(PREFIX + '*');
    m_subscriber.connectToServer();
    m_publisher.connectToServer();
}

bool RedisBus::connected() const
{
    return m_publisher.isConnected() && m_subscriber.isConnected() && m_subscribed;
}

QString RedisBus::degradedReason() const
{
    if (connected())
        return QString();
    const QString why
        = !m_publisher.isConnected() ? m_publisher.lastError() : m_subscriber.lastError();
    return QStringLiteral("Redis %1 unreachable%2: events from other nodes are not received")
        .arg(m_publisher.endpoint().toDisplayString(),
             why.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(why));
}

void RedisBus::updateState()
{
    const bool up = connected();
    if (up == m_up)
        return;
    m_up = up;
    if (up) {
        qCInfo(lcBus) << "node" << m_node << "on Redis" << m_publisher.endpoint().toDisplayString();
        emit redisRestored();
    } else {
        emit redisLost(m_publisher.isConnected() ? m_subscriber.lastError()
                                                 : m_publisher.lastError());
    }
}

QByteArray RedisBus::userChannel(qint64 userId)
{
    return PREFIX + "user:" + QByteArray::number(quint64(userId) % USER_SHARDS);
}

QByteArray RedisBus::roomChannel(const QString &roomId)
{
    return PREFIX + "room:" + roomId.toUtf8();
}

void RedisBus::publish(const QByteArray &channel, BusEvent event)
{
    event.origin = m_node;
    ++m_published;
    m_publisher.publish(channel, event.encode(), [this](const RedisReply &reply) {
        if (reply.isError())
            ++m_publishFailures;
    });
}

void RedisBus::received(const QByteArray &payload)
{
    const std::optional<BusEvent> e = BusEvent::decode(payload);
    if (!e) {
        qCWarning(lcBus) << "a message on Redis that is not a bus event was ignored ("
                         << payload.size() << "bytes)";
        return;
    }
    if (e->origin == m_node)
        return; // delivered here when it was published
    ++m_received;
    switch (e->kind) {
    case BusEvent::Kind::User:
        // No connection left out: the one the publisher left out is on its own node.
        m_local->publishToUser(e->id, e->payload, 0, e->name, e->seq);
        break;
    case BusEvent::Kind::Room:
        m_local->publishToRoom(e->name, e->payload, 0, e->seq);
        break;
    case BusEvent::Kind::All:
        m_local->publishToAll(e->payload);
        break;
    case BusEvent::Kind::Dialect:
        if (e->id >= 0 && e->id < Protocol::DIALECT_COUNT)
            m_local->publishToDialect(Protocol::Dialect(e->id), e->payload);
        break;
    case BusEvent::Kind::Operators:
        m_local->publishToOperators(e->payload);
        break;
    case BusEvent::Kind::RoomChange:
        if (const auto change = RoomChange::decode(e->payload))
            m_local->applyRoomChange(*change);
        break;
    case BusEvent::Kind::CloseUser:
        m_local->closeUser(e->id, e->code, QString::fromUtf8(e->payload));
        break;
    }
}

void RedisBus::publishToUser(qint64 userId, const QByteArray &frame, quint64 exceptConnection,
                             const QString &stream, qint64 seq)
{
    m_local->publishToUser(userId, frame, exceptConnection, stream, seq);
    BusEvent e;
    e.kind = BusEvent::Kind::User;
    e.id = userId;
    e.name = stream;
    e.seq = seq;
    e.payload = frame;
    publish(userChannel(userId), std::move(e));
}

int RedisBus::publishToRoom(const QString &roomId, const QByteArray &frame,
                            quint64 exceptConnection, qint64 seq)
{
    const int here = m_local->publishToRoom(roomId, frame, exceptConnection, seq);
    BusEvent e;
    e.kind = BusEvent::Kind::Room;
    e.name = roomId;
    e.seq = seq;
    e.payload = frame;
    publish(roomChannel(roomId), std::move(e));
    return here;
}

void RedisBus::publishToAll(const QByteArray &frame)
{
    m_local->publishToAll(frame);
    BusEvent e;
    e.kind = BusEvent::Kind::All;
    e.payload = frame;
    publish(ALL, std::move(e));
}

void RedisBus::publishToDialect(Protocol::Dialect dialect, const QByteArray &frame)
{
    m_local->publishToDialect(dialect, frame);
    BusEvent e;
    e.kind = BusEvent::Kind::Dialect;
    e.id = qint64(dialect);
    e.payload = frame;
    publish(ALL, std::move(e));
}

void RedisBus::publishToOperators(const QByteArray &frame)
{
    m_local->publishToOperators(frame);
    BusEvent e;
    e.kind = BusEvent::Kind::Operators;
    e.payload = frame;
    publish(ALL, std::move(e));
}

void RedisBus::publishRoomChange(const RoomChange &change)
{
    BusEvent e;
    e.kind = BusEvent::Kind::RoomChange;
    e.name = change.roomId;
    e.payload = change.encode();
    // The room's channel: its messages published after the change follow it.
    publish(roomChannel(change.roomId), std::move(e));
}

bool RedisBus::closeConnection(quint64 connectionId, int code, const QString &reason)
{
    return m_local->closeConnection(connectionId, code, reason);
}

int RedisBus::closeUser(qint64 userId, int code, const QString &reason)
{
    const int here = m_local->closeUser(userId, code, reason);
    BusEvent e;
    e.kind = BusEvent::Kind::CloseUser;
    e.id = userId;
    e.code = code;
    e.payload = reason.toUtf8();
    publish(ALL, std::move(e));
    return here;
}

} // namespace Switchboard
