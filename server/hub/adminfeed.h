// SPDX-License-Identifier: MIT
#pragma once

#include "protocol/errorcode.h"

#include <map>
#include <memory>

#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QSet>

class QTimer;

namespace Switchboard {

struct Config;
class AsyncStore;
class Hub;
class PresenceService;
class RoomService;
class Session;
struct HubCounters;

// The operator feed: which admin sessions subscribed, their snapshot, the live admin_event
// stream and the admin_stats ticks. Nothing is encoded when nobody subscribed; an event is
// encoded once and the same bytes go to every subscriber. Stats come from the hub's counters,
// once per interval (subscribers asking for the same interval share one timer and one frame).
class AdminFeed : public QObject
{
    Q_OBJECT

public:
    AdminFeed(Hub *hub, RoomService *rooms, PresenceService *presence, AsyncStore *store,
              QObject *parent = nullptr);
    ~AdminFeed() override;

    // The listening URL shown in `server.listen` (set once the socket is bound).
    void setListen(const QString &listen) { m_listen = listen; }
    bool active() const { return !m_subscribers.isEmpty(); }
    int subscriberCount() const { return int(m_subscribers.size()); }

    // Sends the snapshot (echoing `id`), then live events and stats every interval. A second
    // subscribe replaces the interval and sends a fresh snapshot.
    void subscribe(Session *session, int statsIntervalMs, const QJsonValue &id);
    void unsubscribe(Session *session);

    // The snapshot's `server` object (also GET /api/v1/server).
    QJsonObject serverJson() const;
    static QJsonObject connectionJson(const Session &session);
    // Online users as in the snapshot.
    QJsonArray usersJson() const;

    // Events (each a no-op without subscribers).
    void connectionOpened(const Session *session);
    void connectionClosed(const Session *session, int code, const QString &reason);
    void userStatus(qint64 userId, const QString &name, const QString &status,
                    const QJsonObject &data, qint64 lastSeen);
    void roomCreated(const QString &roomId);
    void roomUpdated(const QString &roomId);
    void roomDeleted(const QString &roomId);
    void roomMember(const QString &roomId, qint64 userId, bool joined);
    void broadcast(qint64 fromUserId, const QString &target, const QString &roomId, qint64 userId,
                   int recipients, const QString &kind);
    void userDisabled(qint64 userId);
    void errorSent(qint64 userId, quint64 connectionId, Protocol::ErrorCode code);

private:
    // Subscribers sharing one stats interval, and the counters at their last tick.
    struct StatsGroup
    {
        std::unique_ptr<QTimer> timer;
        QSet<Session *> sessions;
        QElapsedTimer since;
        quint64 messages = 0, framesIn = 0, framesOut = 0, connects = 0;
    };

    void publish(const QByteArray &frame);
    void room(QLatin1StringView event, const QString &roomId);
    void tick(int intervalMs);
    void refreshStoredBase();
    qint64 messagesStored() const;

    Hub *m_hub;
    RoomService *m_rooms;
    PresenceService *m_presence;
    AsyncStore *m_store;
    QString m_listen;
    qint64 m_startedAt = 0;
    QElapsedTimer m_uptime;
    QHash<Session *, int> m_subscribers; // -> stats interval
    std::map<int, StatsGroup> m_groups;
    // messages_stored = the store's count at the last refresh + what the hub counted since.
    qint64 m_storedBase = 0;
    quint64 m_storedCounterBase = 0;
    QElapsedTimer m_storedRefreshed;
    bool m_refreshing = false;
};

} // namespace Switchboard
