// SPDX-License-Identifier: MIT
#include "presenceservice.h"

#include "config/config.h"
#include "hub/deliverybus.h"
#include "hub/hub.h"
#include "hub/roomservice.h"
#include "protocol/events.h"
#include "protocol/protocol.h"
#include "store/asyncstore.h"

#include <QJsonDocument>
#include <QTimerEvent>

namespace Switchboard {

using namespace Protocol;

PresenceService::PresenceService(const Config *config, Hub *hub, DeliveryBus *bus,
                                 RoomService *rooms, AsyncStore *store, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_hub(hub)
    , m_bus(bus)
    , m_rooms(rooms)
    , m_store(store)
{
    connect(m_bus, &DeliveryBus::userOnline, this, &PresenceService::onUserOnline);
    connect(m_bus, &DeliveryBus::userOffline, this, &PresenceService::onUserOffline);
}

QString PresenceService::statusOf(qint64 userId) const
{
    if (!m_bus->isOnline(userId))
        return QStringLiteral("offline");
    const auto it = m_status.constFind(userId);
    return it == m_status.cend() ? QStringLiteral("online") : it->status;
}

QJsonObject PresenceService::dataOf(qint64 userId) const
{
    return m_status.value(userId).data;
}

void PresenceService::describe(const Sender &viewer, const QList<qint64> &userIds, QObject *context,
                               std::function<void(QJsonArray)> done) const
{
    QList<qint64> offline;
    QSet<qint64> hidden;
    for (qint64 id : userIds) {
        if (!m_rooms->presenceVisible(viewer, id))
            hidden.insert(id); // not even the store is asked: "unknown" says nothing
        else if (!m_bus->isOnline(id))
            offline << id;
    }
    auto build = [this, userIds, hidden](const QHash<qint64, qint64> &lastSeen,
                                         const QHash<qint64, int> &connections) {
        QJsonArray out;
        const qint64 now = Events::nowMs();
        for (qint64 id : userIds) {
            if (hidden.contains(id)) {
                out.append(QJsonObject {{QStringLiteral("user_id"), id},
                                        {QStringLiteral("status"), QStringLiteral("unknown")}});
                continue;
            }
            const bool online = m_bus->isOnline(id);
            QJsonObject o {{QStringLiteral("user_id"), id},
                           {QStringLiteral("online"), online},
                           {QStringLiteral("status"), statusOf(id)},
                           {QStringLiteral("connections_count"),
                            online ? std::max(1, connections.value(id)) : 0}};
            const qint64 seen = online ? now : lastSeen.value(id);
            o.insert(QStringLiteral("last_seen"), seen ? QJsonValue(seen) : QJsonValue());
            const QJsonObject data = dataOf(id);
            if (online && !data.isEmpty())
                o.insert(QStringLiteral("data"), data);
            out.append(o);
        }
        return out;
    };
    // Connections on every node (several nodes: from Redis), then last_seen of the others.
    QList<qint64> online;
    for (qint64 id : userIds)
        if (!hidden.contains(id) && !offline.contains(id))
            online << id;
    m_bus->connectionCounts(
        online, context, [this, context, offline, build, done](QHash<qint64, int> connections) {
            lastSeenOf(offline, context,
                       [build, done, connections](const QHash<qint64, qint64> &lastSeen) {
                           done(build(lastSeen, connections));
                       });
        });
}

void PresenceService::lastSeenOf(const QList<qint64> &offline, QObject *context,
                                 std::function<void(QHash<qint64, qint64>)> done) const
{
    if (offline.isEmpty()) {
        done({});
        return;
    }
    m_store->read<QHash<qint64, qint64>>(
        context,
        [offline, async = m_store](Store &store) {
            QHash<qint64, qint64> seen;
            for (qint64 id : offline) {
                qint64 ms = async->pendingLastSeen(id); // not written yet: newer than the row
                if (!ms) {
                    if (auto u = store.userById(id))
                        ms = u->lastSeen;
                }
                if (ms)
                    seen.insert(id, ms);
            }
            return seen;
        },
        [done](std::optional<QHash<qint64, qint64>> seen, QString) {
            done(seen.value_or(QHash<qint64, qint64>()));
        });
}

void PresenceService::publishPresence(qint64 userId, const QByteArray &frame)
{
    // Room peers by user (on every node); admins on every node through the bus, those who
    // are no peer (a peer admin gets it once, as a peer).
    QSet<qint64> peers;
    for (const QString &roomId : m_rooms->roomsOf(userId)) {
        for (const RoomMember &m : m_rooms->members(roomId))
            peers.insert(m.userId);
    }
    peers.remove(userId);
    for (qint64 to : std::as_const(peers))
        m_bus->publishToUser(to, frame, 0);
    m_bus->publishToAdmins(userId, frame);
}

void PresenceService::onUserOnline(qint64 userId, const QString &username)
{
    m_status.remove(userId);
    publishPresence(userId,
                    Events::encode(ServerType::USER_STATUS,
                                   {{QStringLiteral("user_id"), userId},
                                    {QStringLiteral("username"), username},
                                    {QStringLiteral("status"), QStringLiteral("online")}}));
    emit statusChanged(userId, username, QStringLiteral("online"), {}, Events::nowMs());
}

void PresenceService::onUserOffline(qint64 userId, const QString &username)
{
    m_status.remove(userId);
    // Whatever the user was typing stops with its last connection.
    QList<TypingKey> typing;
    for (auto it = m_typing.cbegin(); it != m_typing.cend(); ++it) {
        if (it.key().first == userId)
            typing << it.key();
    }
    for (const TypingKey &key : typing)
        stopTyping(key);
    publishPresence(userId,
                    Events::encode(ServerType::USER_STATUS,
                                   {{QStringLiteral("user_id"), userId},
                                    {QStringLiteral("username"), username},
                                    {QStringLiteral("status"), QStringLiteral("offline")},
                                    {QStringLiteral("last_seen"), Events::nowMs()}}));
    emit statusChanged(userId, username, QStringLiteral("offline"), {}, Events::nowMs());
}

std::optional<PresenceFailure> PresenceService::setStatus(const Sender &who,
                                                          const PresenceRequest &request)
{
    if (QJsonDocument(request.data).toJson(QJsonDocument::Compact).size() > 4096)
        return PresenceFailure {ErrorCode::TooLarge,
                                QStringLiteral("presence data is larger than 4096 bytes")};
    const Status before = m_status.value(who.userId, Status {QStringLiteral("online"), {}});
    if (before.status == request.status && before.data == request.data)
        return std::nullopt; // no change, nothing to tell
    m_status.insert(who.userId, Status {request.status, request.data});
    m_bus->publishStatus(who.userId, request.status, request.data);
    emit statusChanged(who.userId, who.username, request.status, request.data, Events::nowMs());
    // connections_count: the user's connections on every node (several: asked of Redis; its
    // answers come in order, so do the frames of quick successive changes).
    m_bus->connectionCounts(
        {who.userId}, this,
        [this, who, status = request.status, data = request.data](QHash<qint64, int> counts) {
            QJsonObject fields {
                {QStringLiteral("user_id"), who.userId},
                {QStringLiteral("username"), who.username},
                {QStringLiteral("status"), status},
                {QStringLiteral("connections_count"),
                 std::max(counts.value(who.userId), m_hub->connectionsOf(who.userId))}};
            if (!data.isEmpty())
                fields.insert(QStringLiteral("data"), data);
            const QByteArray frame = Events::encode(ServerType::PRESENCE, fields);
            publishPresence(who.userId, frame);
            // The user's other devices learn it too.
            m_bus->publishToUser(who.userId, frame, who.connectionId);
        });
    return std::nullopt;
}

void PresenceService::applyStatus(BusKey, qint64 userId, const QString &status,
                                  const QJsonObject &data)
{
    if (status.isEmpty())
        m_status.remove(userId);
    else
        m_status.insert(userId, Status {status, data});
}

std::optional<PresenceFailure> PresenceService::typing(const Sender &who,
                                                       const TypingRequest &request)
{
    QString context;
    if (!request.roomId.isEmpty()) {
        if (!m_rooms->exists(request.roomId))
            return PresenceFailure {ErrorCode::NotFound,
                                    QStringLiteral("no room '%1'").arg(request.roomId)};
        if (!m_rooms->isMember(request.roomId, who.userId))
            return PresenceFailure {ErrorCode::Forbidden,
                                    QStringLiteral("join room '%1' first").arg(request.roomId)};
        context = QStringLiteral("room:") + request.roomId;
    } else {
        if (request.toUserId == who.userId)
            return PresenceFailure {ErrorCode::ValidationError,
                                    QStringLiteral("typing to yourself goes nowhere")};
        context = QStringLiteral("user:") + QString::number(request.toUserId);
    }
    const TypingKey key {who.userId, context};
    const qint64 now = Events::nowMs();
    auto it = m_typing.find(key);
    if (!request.isTyping) {
        if (it != m_typing.end())
            stopTyping(key);
        return std::nullopt;
    }
    if (it != m_typing.end()) {
        it->expiresAt = now + m_config->typingTimeoutMs;
        if (now - it->lastForwardedAt < m_config->typingIntervalMs) {
            ++m_typingDropped; // still typing: the others know already
            return std::nullopt;
        }
        it->lastForwardedAt = now;
    } else {
        m_typing.insert(key, Typing {who.username, now + m_config->typingTimeoutMs, now});
        if (!m_typingTimer.isActive())
            m_typingTimer.start(250, Qt::CoarseTimer, this);
    }
    // The user may type on another node too (two devices): once per interval across nodes.
    m_bus->claimOnce(typingClaim(key), m_config->typingIntervalMs, this,
                     [this, userId = who.userId, username = who.username, context](bool first) {
                         if (first)
                             sendTyping(userId, username, context, true);
                         else
                             ++m_typingDropped;
                     });
    return std::nullopt;
}

QString PresenceService::typingClaim(const TypingKey &key)
{
    return QStringLiteral("typing:%1:%2").arg(key.first).arg(key.second);
}

void PresenceService::stopTyping(const TypingKey &key)
{
    const auto it = m_typing.find(key);
    if (it == m_typing.end())
        return;
    const QString username = it->username;
    m_typing.erase(it);
    m_bus->release(typingClaim(key)); // typing again right after a stop is news
    sendTyping(key.first, username, key.second, false);
}

void PresenceService::sendTyping(qint64 userId, const QString &username, const QString &context,
                                 bool isTyping)
{
    QJsonObject fields {{QStringLiteral("user_id"), userId},
                        {QStringLiteral("username"), username},
                        {QStringLiteral("is_typing"), isTyping}};
    if (isTyping)
        fields.insert(QStringLiteral("expires_in_ms"), m_config->typingTimeoutMs);
    if (context.startsWith(QLatin1StringView("room:"))) {
        const QString roomId = context.mid(5);
        fields.insert(QStringLiteral("context"), context);
        fields.insert(QStringLiteral("room_id"), roomId);
        const QByteArray frame = Events::encode(ServerType::TYPING, fields);
        for (const RoomMember &m : m_rooms->members(roomId)) {
            if (m.userId != userId)
                m_bus->publishToUser(m.userId, frame, 0);
        }
    } else {
        // The recipient sees the conversation from its side: "user:<the typist>".
        const qint64 to = context.mid(5).toLongLong();
        fields.insert(QStringLiteral("context"), QStringLiteral("user:") + QString::number(userId));
        m_bus->publishToUser(to, Events::encode(ServerType::TYPING, fields), 0);
    }
}

void PresenceService::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_typingTimer.timerId())
        return QObject::timerEvent(event);
    const qint64 now = Events::nowMs();
    QList<TypingKey> expired;
    for (auto it = m_typing.cbegin(); it != m_typing.cend(); ++it) {
        if (it->expiresAt <= now)
            expired << it.key();
    }
    for (const TypingKey &key : expired)
        stopTyping(key);
    if (m_typing.isEmpty())
        m_typingTimer.stop();
}

} // namespace Switchboard
