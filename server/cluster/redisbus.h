// SPDX-License-Identifier: MIT
#pragma once

#include "cluster/busevent.h"
#include "cluster/redisclient.h"
#include "hub/deliverybus.h"
#include "store/store.h"

#include <array>

#include <QHash>
#include <QPointer>
#include <QSet>
#include <QTimer>

namespace Switchboard {

class AsyncStore;
class LocalBus;

// The bus of several nodes on one Redis (issue #15). Every event is delivered to this node's
// connections at once (through the LocalBus given) and published once on Redis, where every
// other node delivers it to its own; a node skips the events it published itself, so no
// connection gets a frame twice.
//
// Channels (after the deployment's prefix, redis_prefix: "switchboard:" by default):
// `user:<user id mod 64>` for a user's events, `room:<id>` for a room's events, `all` for
// broadcasts, dialect announcements, the operator feed, room changes, presence, closes and
// questions to every node (askNodes: each answers on the asker's `to:<node id>`). A
// node subscribes to `all`, to the shards of the users connected to it (live or activating)
// and to the rooms those users are members of, and drops a channel when its last such user
// goes; what it receives of other users and rooms is dropped.
// Starting to follow a stream (a user's inbox, a room) is lossless: the node subscribes, and
// once Redis confirms it reads where the stream stands in the store (or takes the seq a join
// was stored at, RoomChange::seq, and reads on from there); events that come meanwhile wait.
// whenFollowing() tells a connection when its replay may read the store, and a join when it
// may be stored: what is stored after that comes through the subscription.
// Redis pub/sub is at most once and keeps the order of one publisher's events.
//
// Presence across nodes: each node keeps, in Redis, which of its users are online
// (`switchboard:presence:<user>`: a hash of the nodes that have the user; `switchboard:node:
// <id>:users`; `switchboard:online`: every user online anywhere) and a heartbeat key with a
// time-to-live. A node's first connection of a user that no other node has is the user's
// online transition, its last one the offline transition (decided atomically by a script);
// only the node that sees a transition emits userOnline / userOffline (presence, seed 000's
// announcements and last_seen follow them, once), and it tells the others (isOnline). A node
// whose heartbeat key expired is dead: the first survivor to notice takes its users out and
// announces those left with no connection anywhere. Within 2 × HEARTBEAT_MS.
//
// Lossless although pub/sub is at most once: stored events carry (stream, seq), and each node
// follows the last seq it delivered of every stream it follows (those of its connections).
// An event past the next one (a publish lost while Redis was away, a subscriber Redis dropped,
// or another node's post that is simply slower) is held; if the missing ones have not come
// within FILL_GRACE_MS they are read from the store, and everything goes out in order, once.
// When Redis is back after an outage, every followed stream is compared with the store.
//
// While Redis is away, a node announces its own presence transitions as a single node would,
// and registers its users again once it is back.
class RedisBus : public DeliveryBus
{
    Q_OBJECT

public:
    static constexpr int USER_SHARDS = 64;
    // The node's heartbeat: its key is refreshed every HEARTBEAT_MS and lives 1.5 × that;
    // every node looks for dead ones every HEARTBEAT_MS / 2.
    static constexpr int HEARTBEAT_MS = 2000;
    // Gap fill: the wait for a missing event before the store is asked, the entries per read,
    // and the events one stream holds while it fills (past it they are let go: the store has
    // them, the fill reads on). The streams followed are those of this node's connections.
    static constexpr int FILL_GRACE_MS = 50;
    static constexpr int FILL_BATCH = 500;
    static constexpr int MAX_HELD_PER_STREAM = 10'000;
    // A gap the store does not fill either (its messages were purged) is passed after this
    // many reads, FILL_GRACE_MS apart.
    static constexpr int FILL_ATTEMPTS = 5;
    // whenFollowing() answers after this long even if Redis has not confirmed (a hung Redis
    // must not hold connections; the sweep after it is back catches up).
    static constexpr int FOLLOW_TIMEOUT_MS = 3000;
    // A room's events delivered here lately (younger than RECENT_MS, at most RECENT_PER_ROOM,
    // RECENT_MAX_BYTES of frames over all rooms): a join made through another node that
    // arrives after a post it precedes (the post came faster, through a third node) gets the
    // member what it missed from these, in order, before the room's next event.
    // A room's push-back across nodes: a node whose members of a room are behind reports
    // them at once, each change at once (at most every LOAD_REPORT_MIN_MS) and every
    // LOAD_REPORT_MS while they are (measured again each time, as their queues drain), then
    // once more when they caught up; while any node reports a room,
    // every node with members in it reports its recipients too. A report older than
    // 3 × LOAD_REPORT_MS no longer counts (its node stopped, or Redis is away).
    static constexpr int LOAD_REPORT_MS = 100;
    static constexpr int LOAD_REPORT_MIN_MS
        = 10; // a change is reported at once, at most this often
    static constexpr int RECENT_MS = 2000;
    static constexpr int RECENT_PER_ROOM = 256;
    static constexpr qint64 RECENT_MAX_BYTES = 16 * 1024 * 1024;

    // `prefix` starts every channel and key ("switchboard" → "switchboard:all", ...): the
    // nodes of one deployment share it, another deployment on the same Redis takes another.
    RedisBus(const RedisEndpoint &endpoint, const QString &prefix, const QString &nodeId,
             LocalBus *local, AsyncStore *store, QObject *parent = nullptr);

    // Connects both Redis connections (publishing and subscribed); reconnects by itself.
    void start();
    // Both connections are up and subscribed: events cross nodes.
    bool connected() const;
    QString nodeId() const override { return QString::fromUtf8(m_node); }
    QString degradedReason() const override;

    quint64 published() const { return m_published; }
    quint64 publishFailures() const { return m_publishFailures; }
    quint64 received() const { return m_received; }
    quint64 filled() const { return m_filled; } // events read from the store by gap fills
    // Events a late join's member got from the room's recent events, and those it could not
    // (no longer at hand: its clients get them when they resume).
    quint64 caughtUp() const { return m_caughtUp; }
    quint64 notCaughtUp() const { return m_notCaughtUp; }
    // The channels this node subscribes to (after the prefix), and the streams it follows.
    QSet<QByteArray> channels() const { return m_subscriber.channels(); }
    int followedStreams() const { return int(m_tracks.size()); }

    void publishToUser(qint64 userId, const QByteArray &frame, quint64 exceptConnection,
                       const QString &stream = QString(), qint64 seq = 0) override;
    int publishToRoom(const QString &roomId, const QByteArray &frame, quint64 exceptConnection,
                      qint64 seq = 0) override;
    void publishToAll(const QByteArray &frame) override;
    void publishToDialect(Protocol::Dialect dialect, const QByteArray &frame) override;
    // Operator events are gathered for OPERATOR_BATCH_MS from the first (at most
    // OPERATOR_BATCH_BYTES) and cross Redis as one message: a storm of refused posts is a
    // hundred PUBLISHes a second while an operator watches, not one per refusal. An answer to
    // a question sends them first: a snapshot's "later events" (recordOperatorEvent) stay
    // exact.
    void publishToOperators(const QByteArray &frame) override;
    static constexpr int OPERATOR_BATCH_MS = 10;
    static constexpr qsizetype OPERATOR_BATCH_BYTES = 64 * 1024;
    void publishOperatorsListening() override;
    void publishToAdmins(qint64 aboutUser, const QByteArray &frame) override;
    void publishRoomChange(const RoomChange &change) override;
    void publishAccountChange(qint64 userId) override;
    void publishAccessRulesChange() override;
    void publishStatus(qint64 userId, const QString &status, const QJsonObject &data) override;
    // Connection ids are this node's: a connection of another node is not found here.
    bool closeConnection(quint64 connectionId, int code, const QString &reason) override;
    void closeUser(qint64 userId, int code, const QString &reason, QObject *context,
                   std::function<void(int closed, bool complete)> done) override;
    void closeConnectionOn(const QString &nodeId, quint64 connectionId, int code,
                           const QString &reason, QObject *context,
                           std::function<void(std::optional<bool>)> done) override;
    void connectionTotal(QObject *context, std::function<void(int, bool)> done) override;
    void noteRoomLoad(const QString &roomId, const FanoutLoad &load) override;
    void addOtherNodesLoad(const QString &roomId, FanoutLoad &load) const override;
    // A Request on `all`; PUBLISH's reply says how many nodes got it (this one's subscriber
    // among them), so the asker knows how many answers to wait for.
    void askNodes(const QString &question, const QJsonObject &args, QObject *context,
                  std::function<void(QList<NodeAnswer>, bool complete)> done,
                  bool withOperatorEvents = false) override;
    // Operator events kept for one question's NodeAnswer::laterOperatorEvents, at most.
    static constexpr int MAX_LATER_EVENTS = 100'000;
    bool isOnline(qint64 userId) const override;
    QList<OnlineUser> onlineUsers(int limit) const override;
    int onlineCount() const override;
    void connectionCounts(const QList<qint64> &userIds, QObject *context,
                          std::function<void(QHash<qint64, int>)> done) override;
    void whenFollowing(qint64 userId, const QString &roomId, QObject *context,
                       std::function<void()> ready) override;
    // `<prefix>:claim:<name>`, SET NX PX (without Redis: true, as one node would).
    void claimOnce(const QString &name, int ttlMs, QObject *context,
                   std::function<void(bool)> done) override;
    void release(const QString &name) override;
    void nodes(QObject *context, std::function<void(QJsonArray)> done) override;

Q_SIGNALS:
    // Redis is lost / back (both connections up and subscribed again).
    void redisLost(const QString &reason);
    void redisRestored();

private:
    QByteArray key(const char *name) const { return m_prefix + name; }
    QByteArray userChannel(qint64 userId) const;
    QByteArray roomChannel(const QString &roomId) const;
    QByteArray nodeKey(const QByteArray &node, const char *what) const;
    void publish(const QByteArray &channel, BusEvent event);
    void received(const QByteArray &payload);
    void updateState();
    // This node's first / last connection of a user (from the hub, through the LocalBus).
    void localOnline(qint64 userId, const QString &username);
    void localOffline(qint64 userId, const QString &username);
    // The user's online or offline transition across nodes: announced here, told to the others.
    void transition(qint64 userId, const QString &username, bool online, qint64 since);
    void localConnections(qint64 userId, int count); // a change that leaves some
    void heartbeat();
    void reapDead();
    // After (re)connecting: this node's leftovers of an earlier life out, its users in again,
    // and who is online elsewhere.
    void register_();

    // What this node follows (see above).
    void userFollowed(qint64 userId);
    void userUnfollowed(qint64 userId);
    void membership(const QString &roomId, qint64 userId, bool member, qint64 seq);
    void roomInterest(const QString &roomId, int delta, qint64 seq);
    void follow(const QString &stream, const QByteArray &channel, qint64 since);
    void unfollow(const QString &stream);
    void channelConfirmed(const QByteArray &channel);
    void baselineLater(const QString &stream);
    void baselineNow();
    void checkWaiters();
    bool ready(const QString &stream) const;

    // Gap fill (see above).
    struct Pending
    {
        BusEvent event;
        quint64 except = 0; // published here: the connection it leaves out
    };
    struct Track
    {
        qint64 last = 0; // the highest seq delivered here; 0 = none yet
        bool filling = false; // a store read is out
        bool graceRunning = false;
        bool refill = false; // events were let go while filling: read on
        int attempts = 0; // reads that found the gap still open
        QList<Pending> held; // past `last + 1`, waiting for the missing ones
        // Following starts: until the channel is confirmed and the position known, every
        // event is held. `since`: a join's seq to read on from (-1: the store's last seq).
        bool baselining = true;
        qint64 since = -1;
        QByteArray channel;
        quint64 generation = 0; // a store read answering for an earlier follow is void
        struct Recent
        {
            qint64 seq = 0;
            qint64 at = 0; // delivered (ms)
            QByteArray frame;
        };
        QList<Recent> recent; // a room's: see RECENT_MS
    };
    struct Waiter
    {
        QPointer<QObject> context;
        QStringList streams;
        std::function<void()> ready;
        qint64 deadline = 0;
    };
    static QString streamOf(const BusEvent &event);
    // A stored event, published here or received: delivered in its stream's order. Returns
    // how many connections here got it now (0 when it waits).
    int stored(Pending pending);
    int deliverHere(const Pending &pending);
    void deliverEntry(const QString &stream, const StreamEntry &entry);
    void releaseHeld(const QString &stream, Track &track);
    void fill(const QString &stream);
    void fillLater(const QString &stream, Track &track); // after FILL_GRACE_MS
    void sweep(); // after an outage: every followed stream against the store
    // A room's event delivered here (see RECENT_MS), and what is too old to keep.
    void remember(Track &track, qint64 seq, const QByteArray &frame);
    void forgetOld(Track &track, qint64 now);
    // A member who joined at `joinSeq` (as the joining node stored it) gets what this node
    // delivered of the room after that seq before it heard of the join.
    void catchUp(const QString &roomId, qint64 userId, qint64 joinSeq);

    // askNodes(): the questions out, by number.
    struct Ask
    {
        QPointer<QObject> context;
        std::function<void(QList<NodeAnswer>, bool)> done;
        QList<NodeAnswer> answers;
        int expected = -1; // answers to wait for (-1: PUBLISH has not replied yet)
        bool withOperatorEvents = false;
        int laterEvents = 0;
    };
    void answered(const BusEvent &answer);
    void requested(const BusEvent &request);
    void finishAsk(quint64 id, bool complete);
    void recordOperatorEvent(const QByteArray &origin, const QByteArray &frame);

    // Push-back across nodes (LOAD_REPORT_MS).
    struct RoomLoad
    {
        int recipients = 0;
        int aboveHigh = 0;
        int aboveLow = 0;
        qint64 at = 0;
    };
    void reportLoads();
    void loadsReported(const BusEvent &event);

    LocalBus *m_local;
    QByteArray m_prefix; // with its ':'
    QByteArray m_node;
    RedisClient m_publisher;
    RedisClient m_subscriber;
    bool m_subscribed = false;
    bool m_up = false;
    void flushOperatorEvents();
    QList<QByteArray> m_operatorBatch;
    qsizetype m_operatorBatchBytes = 0;
    QTimer m_operatorTimer;
    quint64 m_published = 0;
    quint64 m_publishFailures = 0;
    quint64 m_received = 0;
    // Users online on other nodes (and maybe here), by the transitions the others told.
    struct Remote
    {
        QString name;
        qint64 since = 0; // online since (ms), as the node that saw it said
    };
    QHash<qint64, Remote> m_online;
    AsyncStore *m_store;
    QHash<QString, Track> m_tracks; // the streams followed here
    std::array<int, USER_SHARDS> m_shardUsers {}; // users followed here, per shard
    QHash<QString, int> m_roomUsers; // rooms: their members followed here
    QSet<QString> m_toBaseline; // read together on the next turn of the event loop
    bool m_baselineQueued = false;
    quint64 m_generation = 0;
    QList<Waiter> m_waiters;
    QHash<QByteArray, QStringList> m_awaitingChannel; // streams waiting for a SUBSCRIBE
    QTimer m_waiterTimer;
    quint64 m_filled = 0;
    quint64 m_caughtUp = 0;
    quint64 m_notCaughtUp = 0;
    qint64 m_recentBytes = 0;
    bool m_registered = false; // this node's users are in Redis
    bool m_everRegistered = false;
    bool m_wasUp = false;
    QTimer m_heartbeat;
    // This process among nodes with the same node_id (HEARTBEAT_SCRIPT): a second running one
    // is reported (degradedReason) until 3 heartbeats after it was last seen.
    QByteArray m_instance;
    quint64 m_beats = 0;
    qint64 m_sharedIdUntil = 0;
    QTimer m_reaper;
    QHash<QString, RoomLoad> m_ownLoads; // rooms with members here behind (or just caught up)
    QHash<QString, QHash<QByteArray, RoomLoad>> m_otherLoads; // room -> node -> its report
    QTimer m_loadTimer;
    qint64 m_lastLoadReport = 0;
    QHash<quint64, Ask> m_asks;
    quint64 m_nextAsk = 0;
};

} // namespace Switchboard
