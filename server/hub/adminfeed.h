// SPDX-License-Identifier: MIT
#pragma once

#include "hub/deliverybus.h"
#include "protocol/errorcode.h"

#include <map>
#include <memory>

#include <QElapsedTimer>
#include <QHash>
#include <QList>
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
class Endpoint;
struct HubCounters;
struct OnlineUser;

// The operator feed: which admin connections subscribed, their snapshot, the live admin_event
// stream and the admin_stats ticks. Nothing is encoded when nobody subscribed; an event is
// encoded once and the same bytes go to every subscriber. Stats come from the hub's counters,
// once per interval (subscribers asking for the same interval share one timer and one frame).
// Feed 2 subscribers get events batched (one admin_events frame per interval while many are
// due, a lone event at once) and the snapshot in pages.
class AdminFeed : public QObject
{
    Q_OBJECT

public:
    // Feed 2: events due within this long of the last frame sent wait for the next batch.
    static constexpr int BATCH_INTERVAL_MS = 100;
    // nodeJson()'s rates are over this period (the last one measured).
    static constexpr int NODE_RATES_MS = 2000;
    // A batch goes out at once, before its interval ends, when it holds this many events or
    // one more would make its frame larger than MAX_BATCH_BYTES (a larger event goes alone).
    static constexpr int MAX_BATCH_EVENTS = 1000;
    static constexpr qsizetype MAX_BATCH_BYTES = 64 * 1024;
    // Feed 2: users per snapshot page; the first page goes out before the rest is encoded.
    static constexpr int SNAPSHOT_PAGE_USERS = 250;

    // Its events go out through the bus (publishToOperators), which hands them back to each
    // node's feed (deliverToOperators) for that node's subscribers.
    AdminFeed(Hub *hub, DeliveryBus *bus, RoomService *rooms, PresenceService *presence,
              AsyncStore *store, QObject *parent = nullptr);
    ~AdminFeed() override;

    // The bus's delivery of an event frame to this node's subscribers: at once to feed 1
    // subscribers; to feed 2 ones at once after a quiet interval, else in the next batch.
    void deliverToOperators(BusKey, const QByteArray &frame);

    // The listening URL shown in `server.listen` (set once the socket is bound).
    void setListen(const QString &listen) { m_listen = listen; }
    // Several nodes: an operator subscribed on a node asks every other node for its users
    // first (the answer starts their publishing), then tells them every KEEPALIVE_MS that it
    // still listens; a node stops publishing REMOTE_OPERATORS_MS after it last heard so.
    static constexpr int KEEPALIVE_MS = 2000;
    static constexpr int REMOTE_OPERATORS_MS = 3 * KEEPALIVE_MS;
    // Events are encoded and published while an operator here subscribes, or (several nodes:
    // setClustered(true)) while one on another node does.
    bool active() const
    {
        return !m_subscribers.isEmpty()
            || (m_remoteOperatorsUntil > 0 && m_remoteOperatorsUntil > remoteClock());
    }
    void setClustered(bool clustered) { m_clustered = clustered; }
    // The bus: an operator is subscribed on another node.
    void operatorsListeningElsewhere(BusKey);
    int subscriberCount() const { return int(m_subscribers.size()); }

    // Sends the snapshot (echoing `id`), then live events and stats every interval. A second
    // subscribe replaces the interval and the feed version and sends a fresh snapshot.
    void subscribe(Endpoint *session, int statsIntervalMs, int feed, const QJsonValue &id);
    void unsubscribe(Endpoint *session);

    // The snapshot's `server` object (also GET /api/v1/server).
    QJsonObject serverJson() const;
    // This node for the cluster's list (GET /api/v1/nodes): serverJson() with its
    // connections, users online, resident memory and rates (over the last NODE_RATES_MS).
    QJsonObject nodeJson() const;
    QJsonObject connectionJson(const Endpoint &session) const;
    // Online users as in the snapshot.
    QJsonArray usersJson() const;
    // This node's connections as GET /api/v1/connections lists them (connectionJson() with
    // user_id and name), by connection id.
    QJsonArray connectionsJson() const;

    // Events (each a no-op without subscribers).
    void connectionOpened(const Endpoint *session);
    void connectionClosed(const Endpoint *session, int code, const QString &reason);
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
    struct Subscription
    {
        int statsIntervalMs = 0;
        bool batched = false; // feed 2
    };
    // Subscribers sharing one stats interval, and the counters at their last tick.
    struct StatsGroup
    {
        std::unique_ptr<QTimer> timer;
        QSet<Endpoint *> sessions;
        QElapsedTimer since;
        quint64 messages = 0, framesIn = 0, framesOut = 0, connects = 0;
    };

    // An event frame, to the bus.
    void publish(const QByteArray &frame);
    void sendToBatched(const QByteArray &frame);
    void flushEvents();
    void onBatchTimer();
    QJsonObject userJson(const OnlineUser &user, qint64 now) const;
    void sendPagedSnapshot(Endpoint *session, const QJsonObject &totals, const QJsonArray &rooms,
                           const QJsonValue &id);
    // The snapshot once the other nodes answered (several nodes): their users merged with this
    // node's, then the events they published after answering.
    void sendClusterSnapshot(Endpoint *session, QJsonObject totals, const QJsonArray &rooms,
                             const QJsonValue &id, bool batched, const QList<NodeAnswer> &answers,
                             bool complete);
    void subscribed(Endpoint *session, int statsIntervalMs, int feed, const QJsonValue &id,
                    const QList<NodeAnswer> &answers, bool complete);
    void room(QLatin1StringView event, const QString &roomId);
    void tick(int intervalMs);
    void refreshStoredBase();
    qint64 messagesStored() const;

    Hub *m_hub;
    DeliveryBus *m_bus;
    bool m_clustered = false;
    qint64 m_remoteOperatorsUntil = 0; // remoteClock() ms; 0 = none heard of
    std::unique_ptr<QTimer> m_keepalive; // while an operator here subscribes (several nodes)
    static qint64 remoteClock();
    void remoteOperatorsHeard();
    RoomService *m_rooms;
    PresenceService *m_presence;
    AsyncStore *m_store;
    QString m_listen;
    qint64 m_startedAt = 0;
    QElapsedTimer m_uptime;
    QHash<Endpoint *, Subscription> m_subscribers;
    int m_batchedCount = 0;
    std::map<int, StatsGroup> m_groups;
    // Feed 2: event frames waiting for the batch; the timer runs while an interval is open.
    QList<QByteArray> m_pendingEvents;
    qsizetype m_pendingBytes = 0;
    std::unique_ptr<QTimer> m_batchTimer;
    struct NodeRates
    {
        double messages = 0, framesIn = 0, framesOut = 0, connects = 0;
        quint64 lastMessages = 0, lastFramesIn = 0, lastFramesOut = 0, lastConnects = 0;
    };
    void measureNodeRates();
    NodeRates m_nodeRates;
    QElapsedTimer m_nodeRatesSince;
    std::unique_ptr<QTimer> m_nodeRatesTimer;
    // messages_stored = the store's count at the last refresh + what the hub counted since.
    qint64 m_storedBase = 0;
    quint64 m_storedCounterBase = 0;
    QElapsedTimer m_storedRefreshed;
    bool m_refreshing = false;
};

} // namespace Switchboard
