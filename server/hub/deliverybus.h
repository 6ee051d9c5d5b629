// SPDX-License-Identifier: MIT
#pragma once

#include "protocol/dialect.h"

#include <functional>
#include <optional>

#include <QByteArray>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QString>

namespace Switchboard {

// Proof that a delivery comes through a bus. The hub's, the rooms' and the operator feed's
// local deliveries take one, and only LocalBus can make one: the services cannot reach a
// connection of another user except through the bus (docs/ARCHITECTURE.md, "one bus").
struct RoomChange;
struct OnlineUser;
struct FanoutLoad;

// One other node's answer to DeliveryBus::askNodes(), and the operator feed's events that node
// published after it answered which reached this node before the last answer came (asked
// for): a snapshot made of the answers and followed by these events misses nothing and
// repeats nothing.
struct NodeAnswer
{
    QString nodeId;
    QJsonObject answer;
    QList<QByteArray> laterOperatorEvents;
};

class BusKey
{
    friend class LocalBus;
    BusKey() { } // user-provided: not an aggregate, so `BusKey {}` does not compile elsewhere
};

// Every event that leaves the logic for other connections: direct and stored messages, room
// fan-outs, broadcasts and notifications, presence and typing, the operator feed's events,
// and the closes operators and account changes ask for. The single-node bus (LocalBus) hands
// them to this process's hub; a cluster bus also publishes them so every node's hub delivers
// to its own connections, and it alone decides when a user comes online or goes offline.
class DeliveryBus : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    ~DeliveryBus() override = default;

    // Every connection of the user, except the connection id given (0 = none), on every node.
    // A stored message names its stream and seq (empty / 0 for live-only events): sessions use
    // them to keep each stream in order while they replay a backlog and to drop repeats.
    virtual void publishToUser(qint64 userId, const QByteArray &frame, quint64 exceptConnection,
                               const QString &stream = QString(), qint64 seq = 0)
        = 0;
    // Every connection of every member of the room, except one connection, on every node. A
    // stored message names its seq in the room's stream. Returns how many connections of this
    // node got it (the fan-out also measures their backlogs for the room's push-back).
    virtual int publishToRoom(const QString &roomId, const QByteArray &frame,
                              quint64 exceptConnection, qint64 seq = 0)
        = 0;
    virtual void publishToAll(const QByteArray &frame) = 0;
    // Every connection in this dialect, on every node (seed 000's announcements).
    virtual void publishToDialect(Protocol::Dialect dialect, const QByteArray &frame) = 0;
    // The operator feed's events, to every subscribed operator on every node.
    virtual void publishToOperators(const QByteArray &frame) = 0;
    // Several nodes: an operator is subscribed here (sent every AdminFeed::KEEPALIVE_MS while
    // one is), so the other nodes go on publishing their operator events. One node: no-op.
    virtual void publishOperatorsListening() { }
    // A presence change of `aboutUser` to every admin connected on any node who does not share
    // a room with that user (room peers get it with publishToUser) and is not that user.
    virtual void publishToAdmins(qint64 aboutUser, const QByteArray &frame) = 0;

    // A committed change to a room (members, roles, invitations, settings), already applied
    // to this node's room index: the other nodes apply it to theirs.
    virtual void publishRoomChange(const RoomChange &change) = 0;

    // A user's status (`presence`: away, busy, its data) as set here: the other nodes answer
    // presence queries with it. An empty status clears it (the user went offline).
    virtual void publishStatus(qint64 userId, const QString &status, const QJsonObject &data) = 0;

    // IP access rules were added or removed here: the other nodes read them again.
    virtual void publishAccessRulesChange() = 0;

    // An account's state changed (disabled, enabled, deleted, its role, its tokens revoked):
    // every node forgets what it cached of it (AccountCache) before it next judges a token.
    virtual void publishAccountChange(qint64 userId) = 0;

    // Operators and account changes: closes one connection of this node (false: it has none
    // by that id).
    virtual bool closeConnection(quint64 connectionId, int code, const QString &reason) = 0;
    // Closes every connection of a user on every node; `done` gets how many were closed, and
    // whether every node answered (false: the count leaves out the connections of a node that
    // did not answer within ASK_TIMEOUT_MS, or of every other node while Redis is away). Not
    // past `context`'s life (the closes happen regardless).
    virtual void closeUser(qint64 userId, int code, const QString &reason, QObject *context,
                           std::function<void(int closed, bool complete)> done)
        = 0;
    // Closes a connection of the node named (connection ids are each node's own; empty or
    // this node's id: here): `done(true)` once it closed it, `done(false)` when that node has
    // no such connection (or there is no such node), `done(std::nullopt)` when the node did not
    // answer within ASK_TIMEOUT_MS.
    virtual void closeConnectionOn(const QString &nodeId, quint64 connectionId, int code,
                                   const QString &reason, QObject *context,
                                   std::function<void(std::optional<bool> closed)> done)
        = 0;

    // How long askNodes() waits for the nodes' answers.
    static constexpr int ASK_TIMEOUT_MS = 2000;
    // Asks the other nodes (args "node_id": only that one) a question about their own state;
    // each answers with what its answerer for the question (setAnswerer) returns for `args`.
    // `done` gets the answers that came, and whether every node asked answered within
    // ASK_TIMEOUT_MS (false also while Redis is away: there are no answers). With
    // `withOperatorEvents`, each answer carries the operator feed's events its node published
    // after answering, until the last answer came (see NodeAnswer). One node: nobody else to
    // ask, done({}, true) at once. Not past `context`'s life.
    virtual void askNodes(const QString &question, const QJsonObject &args, QObject *context,
                          std::function<void(QList<NodeAnswer>, bool complete)> done,
                          bool withOperatorEvents = false)
    {
        Q_UNUSED(question);
        Q_UNUSED(args);
        Q_UNUSED(context);
        Q_UNUSED(withOperatorEvents);
        done({}, true);
    }
    // What this node answers to a question (called with its args, on this node's thread).
    using Answerer = std::function<QJsonObject(const QJsonObject &args)>;
    void setAnswerer(const QString &question, Answerer answerer)
    {
        m_answerers.insert(question, std::move(answerer));
    }
    // Every connection on every node: `done(total, complete)` (see askNodes).
    virtual void connectionTotal(QObject *context, std::function<void(int, bool complete)> done)
        = 0;

    // Calls `ready` once this node receives every event of the streams named, so that a store
    // read made after it and the events that follow miss nothing between them: a user's inbox
    // and rooms (a connection before its replay reads the store: `userId`), or one room (a
    // join before it is stored: `roomId`). One node receives everything: at once. A cluster
    // bus subscribes first; not past `context`'s life.
    virtual void whenFollowing(qint64 userId, const QString &roomId, QObject *context,
                               std::function<void()> ready)
    {
        Q_UNUSED(userId);
        Q_UNUSED(roomId);
        Q_UNUSED(context);
        ready();
    }

    // Once per `ttlMs` across the service: `done(true)` for the first claim of `name` in that
    // time, `done(false)` for the others (typing's typing_interval when a user types on two
    // nodes at once). One node: always true (its callers keep the time themselves). release()
    // ends a claim early. Not past `context`'s life.
    virtual void claimOnce(const QString &name, int ttlMs, QObject *context,
                           std::function<void(bool)> done)
    {
        Q_UNUSED(name);
        Q_UNUSED(ttlMs);
        Q_UNUSED(context);
        done(true);
    }
    virtual void release(const QString &name) { Q_UNUSED(name); }

    // A room's push-back across nodes (docs/RELIABILITY.md, "Overload"): this node's last
    // measurement of its members' queues for the room (a stored message's fan-out), and the
    // other nodes' last reports of theirs added into `load` (their recipients, and how many of
    // them are behind), so that the room pushes back on its publishers for members on every
    // node. One node: there is no other.
    virtual void noteRoomLoad(const QString &roomId, const FanoutLoad &load)
    {
        Q_UNUSED(roomId);
        Q_UNUSED(load);
    }
    virtual void addOtherNodesLoad(const QString &roomId, FanoutLoad &load) const
    {
        Q_UNUSED(roomId);
        Q_UNUSED(load);
    }

    // Whether the user has a connection on any node (presence, rooms' online members).
    virtual bool isOnline(qint64 userId) const = 0;
    // Users online on any node (this node's first), at most `limit`, and how many there are.
    // With several nodes, another node's user has `connections` 0: connectionCounts() says.
    virtual QList<OnlineUser> onlineUsers(int limit) const = 0;
    virtual int onlineCount() const = 0;
    // Each user's connections on every node (0: none). Answers later with several nodes
    // (Redis keeps each node's count), unless `context` is gone by then.
    virtual void connectionCounts(const QList<qint64> &userIds, QObject *context,
                                  std::function<void(QHash<qint64, int>)> done)
        = 0;

    // Every node of the service as operators see it (GET /api/v1/nodes): node_id, alive,
    // listen, version, started_at, connections, users_online, rss_bytes, messages_per_sec,
    // frames_in_per_sec, frames_out_per_sec, connects_per_sec, updated_at. Answers
    // later (a cluster asks Redis), unless `context` is gone by then.
    virtual void nodes(QObject *context, std::function<void(QJsonArray)> done) = 0;

    // This node's name among several (empty: one node), and why events do not cross nodes
    // right now (empty: they do, or there is one node). /readyz and the stats show both.
    virtual QString nodeId() const { return QString(); }
    virtual QString degradedReason() const { return QString(); }

protected:
    // This node's answer to a question (an error object for one it has no answerer for).
    QJsonObject answer(const QString &question, const QJsonObject &args) const
    {
        const auto it = m_answerers.constFind(question);
        if (it == m_answerers.cend())
            return {{QStringLiteral("error"), QStringLiteral("unknown question")}};
        return (*it)(args);
    }

Q_SIGNALS:
    // The user's first connection anywhere opened / its last one anywhere closed (presence,
    // announcements and last_seen follow these, never a node's own transitions).
    void userOnline(qint64 userId, const QString &username);
    void userOffline(qint64 userId, const QString &username);

private:
    QHash<QString, Answerer> m_answerers;
};

} // namespace Switchboard
