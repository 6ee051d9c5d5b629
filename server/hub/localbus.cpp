// SPDX-License-Identifier: MIT
#include "localbus.h"

#include "hub/adminfeed.h"
#include "hub/hub.h"
#include "hub/presenceservice.h"
#include "hub/roomservice.h"

namespace Switchboard {

LocalBus::LocalBus(Hub *hub, QObject *parent)
    : DeliveryBus(parent)
    , m_hub(hub)
{
    // On one node, the node's first and last connections are the user's.
    connect(hub, &Hub::userOnline, this, &DeliveryBus::userOnline);
    connect(hub, &Hub::userOffline, this, &DeliveryBus::userOffline);
    connect(hub, &Hub::userFollowed, this, &LocalBus::userFollowed);
    connect(hub, &Hub::userUnfollowed, this, &LocalBus::userUnfollowed);
}

void LocalBus::setRooms(RoomService *rooms)
{
    m_rooms = rooms;
    connect(rooms, &RoomService::membership, this, &LocalBus::membership);
}

QStringList LocalBus::roomsOf(qint64 userId) const
{
    return m_rooms ? m_rooms->roomsOf(userId) : QStringList();
}

bool LocalBus::isFollowed(qint64 userId) const
{
    return m_hub->isFollowed(userId);
}

void LocalBus::publishToUser(qint64 userId, const QByteArray &frame, quint64 exceptConnection,
                             const QString &stream, qint64 seq)
{
    m_hub->deliverToUser(BusKey(), userId, frame, exceptConnection, stream, seq);
}

int LocalBus::publishToRoom(const QString &roomId, const QByteArray &frame,
                            quint64 exceptConnection, qint64 seq)
{
    return m_rooms ? m_rooms->deliverToRoom(BusKey(), roomId, frame, exceptConnection, seq) : 0;
}

void LocalBus::publishToAll(const QByteArray &frame)
{
    m_hub->deliverToAll(BusKey(), frame);
}

void LocalBus::publishToDialect(Protocol::Dialect dialect, const QByteArray &frame)
{
    m_hub->deliverToDialect(BusKey(), dialect, frame);
}

void LocalBus::publishToOperators(const QByteArray &frame)
{
    if (m_operators)
        m_operators->deliverToOperators(BusKey(), frame);
}

void LocalBus::applyOperatorsListening()
{
    if (m_operators)
        m_operators->operatorsListeningElsewhere(BusKey());
}

void LocalBus::publishToAdmins(qint64 aboutUser, const QByteArray &frame)
{
    for (qint64 admin : m_hub->onlineAdmins()) {
        if (admin != aboutUser && !(m_rooms && m_rooms->shareRoom(admin, aboutUser)))
            m_hub->deliverToUser(BusKey(), admin, frame, 0);
    }
}

bool LocalBus::closeConnection(quint64 connectionId, int code, const QString &reason)
{
    return m_hub->closeConnection(BusKey(), connectionId, code, reason);
}

int LocalBus::closeUserHere(qint64 userId, int code, const QString &reason)
{
    return m_hub->closeUser(BusKey(), userId, code, reason);
}

void LocalBus::closeUser(qint64 userId, int code, const QString &reason, QObject *,
                         std::function<void(int, bool)> done)
{
    done(closeUserHere(userId, code, reason), true);
}

void LocalBus::closeConnectionOn(const QString &nodeId, quint64 connectionId, int code,
                                 const QString &reason, QObject *,
                                 std::function<void(std::optional<bool>)> done)
{
    done(nodeId.isEmpty() || nodeId == this->nodeId() ? closeConnection(connectionId, code, reason)
                                                      : false);
}

void LocalBus::connectionTotal(QObject *, std::function<void(int, bool)> done)
{
    done(m_hub->connectionCount(), true);
}

void LocalBus::publishAccountChange(qint64 userId)
{
    if (m_accountChanged)
        m_accountChanged(userId);
}

QJsonObject LocalBus::nodeInfo() const
{
    QJsonObject o = m_nodeInfo ? m_nodeInfo() : QJsonObject();
    o.insert(QStringLiteral("node_id"), nodeId());
    o.insert(QStringLiteral("alive"), true);
    return o;
}

void LocalBus::nodes(QObject *, std::function<void(QJsonArray)> done)
{
    done(QJsonArray {nodeInfo()});
}

void LocalBus::applyStatus(qint64 userId, const QString &status, const QJsonObject &data)
{
    if (m_presence)
        m_presence->applyStatus(BusKey(), userId, status, data);
}

bool LocalBus::isOnline(qint64 userId) const
{
    return m_hub->isOnline(userId);
}

QList<OnlineUser> LocalBus::onlineUsers(int limit) const
{
    return m_hub->onlineUsers(limit);
}

int LocalBus::onlineCount() const
{
    return m_hub->userCount();
}

void LocalBus::connectionCounts(const QList<qint64> &userIds, QObject *,
                                std::function<void(QHash<qint64, int>)> done)
{
    QHash<qint64, int> counts;
    for (qint64 id : userIds)
        counts.insert(id, m_hub->connectionsOf(id));
    done(counts);
}

FanoutLoad LocalBus::measureRoom(const QString &roomId) const
{
    return m_rooms ? m_rooms->measureRoom(roomId) : FanoutLoad {};
}

void LocalBus::applyRoomChange(const RoomChange &change)
{
    if (m_rooms)
        m_rooms->applyChange(BusKey(), change);
}

} // namespace Switchboard
