// SPDX-License-Identifier: MIT
#include "redisbus.h"

#include "hub/hub.h"
#include "hub/messageservice.h"
#include "hub/localbus.h"
#include "hub/roomchange.h"
#include "protocol/events.h"
#include "protocol/protocol.h"
#include "store/asyncstore.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QPointer>
#include <QRandomGenerator>

Q_LOGGING_CATEGORY(lcBus, "switchboard.bus")

namespace Switchboard {

namespace {

// Keys and channels, after the deployment's prefix ("switchboard:" by default):
//   all                       channel: broadcasts, dialects, operators, closes, presence,
//                             room changes
//   user:<id mod 64>          channel: a user's events
//   room:<id>                 channel: a room's events
//   presence:<user>           hash node -> connections: the nodes that have the user
//   online                    hash user -> "<online since> <name>": online anywhere
//   nodes                     set of node ids
//   node:<id>:users, :alive   a node's users (hash user -> name), its heartbeat

// KEYS: presence:<user>, node:<id>:users, online; ARGV: node, user, name, the user's
// connections on this node, online since (ms). Returns how many nodes have the user now (1: it
// just came online anywhere).
const QByteArray ONLINE_SCRIPT = QByteArrayLiteral(R"(
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
local n = redis.call('HLEN', KEYS[1])
if n == 1 then redis.call('HSET', KEYS[3], ARGV[2], ARGV[5] .. ' ' .. ARGV[3]) end
return n)");

// KEYS: node:<id>:alive, node:<id>:owner, nodes; ARGV: the node's entry (JSON), time to live
// (ms), this process's instance token, the node id. Returns the owner token it replaced ('' for
// none): another process's, once this one has written its own, means two running nodes share
// the node id.
const QByteArray HEARTBEAT_SCRIPT = QByteArrayLiteral(R"(
local previous = redis.call('GET', KEYS[2])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[4])
return previous or '')");

// KEYS: presence:<user>...; ARGV: this node. Each user's connections on the other nodes.
const QByteArray COUNT_SCRIPT = QByteArrayLiteral(R"(
local out = {}
for i, k in ipairs(KEYS) do
  local n = 0
  local h = redis.call('HGETALL', k)
  for j = 1, #h, 2 do
    if h[j] ~= ARGV[1] then n = n + (tonumber(h[j + 1]) or 1) end
  end
  out[i] = n
end
return out)");

// The same keys; returns how many nodes still have the user (0: offline everywhere).
const QByteArray OFFLINE_SCRIPT = QByteArrayLiteral(R"(
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[2])
local n = redis.call('HLEN', KEYS[1])
if n == 0 then redis.call('HDEL', KEYS[3], ARGV[2]) end
return n)");

// KEYS: nodes, online; ARGV: this node, the key prefix, and whether this node itself is to be
// cleared (its own leftovers). Every other node whose alive key is gone (or this one, with
// ARGV[3] = 1) is taken out; returns the users left on no node, as user, name, user, name...
const QByteArray REAP_SCRIPT = QByteArrayLiteral(R"(
local gone = {}
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local dead
  if node == ARGV[1] then dead = ARGV[3] == '1'
  else dead = redis.call('EXISTS', ARGV[2] .. 'node:' .. node .. ':alive') == 0 end
  if dead then
    local usersKey = ARGV[2] .. 'node:' .. node .. ':users'
    local users = redis.call('HGETALL', usersKey)
    for i = 1, #users, 2 do
      local key = ARGV[2] .. 'presence:' .. users[i]
      redis.call('HDEL', key, node)
      if redis.call('HLEN', key) == 0 then
        redis.call('HDEL', KEYS[2], users[i])
        table.insert(gone, users[i])
        table.insert(gone, users[i + 1])
      end
    end
    redis.call('DEL', usersKey)
    if node ~= ARGV[1] then redis.call('SREM', KEYS[1], node) end
  end
end
return gone)");

} // namespace

RedisBus::RedisBus(const RedisEndpoint &endpoint, const QString &prefix, const QString &nodeId,
                   LocalBus *local, AsyncStore *store, QObject *parent)
    : DeliveryBus(parent)
    , m_local(local)
    , m_prefix(prefix.toUtf8() + ':')
    , m_node(nodeId.toUtf8().left(255))
    , m_publisher(endpoint)
    , m_subscriber(endpoint)
    , m_store(store)
    , m_instance(QByteArray::number(QRandomGenerator::system()->generate64(), 16))
{
    // The local bus reports this node's transitions; the user's are decided in Redis.
    connect(local, &DeliveryBus::userOnline, this, &RedisBus::localOnline);
    connect(local, &DeliveryBus::userOffline, this, &RedisBus::localOffline);
    connect(local->hub(), &Hub::connectionsChanged, this, &RedisBus::localConnections);
    m_heartbeat.setInterval(HEARTBEAT_MS);
    connect(&m_heartbeat, &QTimer::timeout, this, &RedisBus::heartbeat);
    m_reaper.setInterval(HEARTBEAT_MS / 2);
    connect(&m_reaper, &QTimer::timeout, this, &RedisBus::reapDead);
    connect(local, &LocalBus::userFollowed, this, &RedisBus::userFollowed);
    connect(local, &LocalBus::userUnfollowed, this, &RedisBus::userUnfollowed);
    connect(local, &LocalBus::membership, this, &RedisBus::membership);
    connect(&m_subscriber, &RedisClient::message, this,
            [this](const QByteArray &, const QByteArray &payload) { received(payload); });
    connect(&m_subscriber, &RedisClient::subscribed, this, &RedisBus::channelConfirmed);
    // What the other nodes ask of this one (askNodes).
    setAnswerer(QStringLiteral("close_user"), [this](const QJsonObject &args) {
        return QJsonObject {
            {QStringLiteral("closed"),
             m_local->closeUserHere(args.value(QStringLiteral("user_id")).toInteger(),
                                    args.value(QStringLiteral("code")).toInt(),
                                    args.value(QStringLiteral("reason")).toString())}};
    });
    setAnswerer(QStringLiteral("close_connection"), [this](const QJsonObject &args) {
        return QJsonObject {{QStringLiteral("closed"),
                             m_local->closeConnection(
                                 quint64(args.value(QStringLiteral("connection_id")).toInteger()),
                                 args.value(QStringLiteral("code")).toInt(),
                                 args.value(QStringLiteral("reason")).toString())}};
    });
    setAnswerer(QStringLiteral("connection_count"), [this](const QJsonObject &) {
        return QJsonObject {{QStringLiteral("connections"), m_local->hub()->connectionCount()}};
    });
    m_operatorTimer.setSingleShot(true);
    m_operatorTimer.setTimerType(Qt::PreciseTimer);
    m_operatorTimer.setInterval(OPERATOR_BATCH_MS);
    connect(&m_operatorTimer, &QTimer::timeout, this, &RedisBus::flushOperatorEvents);
    m_loadTimer.setInterval(LOAD_REPORT_MS);
    connect(&m_loadTimer, &QTimer::timeout, this, &RedisBus::reportLoads);
    m_waiterTimer.setInterval(100);
    connect(&m_waiterTimer, &QTimer::timeout, this, &RedisBus::checkWaiters);
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
    connect(&m_subscriber, &RedisClient::disconnected, this, [this, lost](const QString &reason) {
        lost(true, reason);
        // Streams that wait for their channel go on without it: the sweep once Redis is back
        // reads what they missed.
        for (const QStringList &streams : std::as_const(m_awaitingChannel))
            for (const QString &stream : streams)
                baselineLater(stream);
        m_awaitingChannel.clear();
    });
    connect(&m_publisher, &RedisClient::disconnected, this,
            [lost](const QString &reason) { lost(false, reason); });
    connect(&m_publisher, &RedisClient::connected, this, [this]() {
        register_();
        updateState();
    });
    connect(&m_publisher, &RedisClient::disconnected, this, [this]() { m_registered = false; });
}

void RedisBus::start()
{
    m_heartbeat.start();
    m_reaper.start();
    m_subscriber.subscribe(key("all"));
    m_subscriber.subscribe(key("to:") + m_node); // answers to this node's questions
    m_subscriber.connectToServer();
    m_publisher.connectToServer();
}

bool RedisBus::connected() const
{
    return m_publisher.isConnected() && m_subscriber.isConnected() && m_subscribed;
}

QString RedisBus::degradedReason() const
{
    if (m_sharedIdUntil > Protocol::Events::nowMs())
        return QStringLiteral("node_id '%1' is also used by another running node: give each "
                              "node its own node_id (they ignore each other's events)")
            .arg(nodeId());
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
        if (std::exchange(m_wasUp, true))
            sweep(); // what other nodes stored meanwhile never came
        emit redisRestored();
    } else {
        emit redisLost(m_publisher.isConnected() ? m_subscriber.lastError()
                                                 : m_publisher.lastError());
    }
}

QByteArray RedisBus::userChannel(qint64 userId) const
{
    return m_prefix + "user:" + QByteArray::number(quint64(userId) % USER_SHARDS);
}

QByteArray RedisBus::roomChannel(const QString &roomId) const
{
    return m_prefix + "room:" + roomId.toUtf8();
}

QByteArray RedisBus::nodeKey(const QByteArray &node, const char *what) const
{
    return m_prefix + "node:" + node + ':' + what;
}

void RedisBus::publish(const QByteArray &channel, BusEvent event)
{
    // An answer to an operator's snapshot must follow the events its node published before
    // it (RedisBus::recordOperatorEvent counts what follows as later).
    if (event.kind == BusEvent::Kind::Answer && !m_operatorBatch.isEmpty())
        flushOperatorEvents();
    event.origin = m_node;
    ++m_published;
    m_publisher.publish(channel, event.encode(), [this](const RedisReply &reply) {
        if (reply.isError())
            ++m_publishFailures;
    });
}

// --- presence across nodes

bool RedisBus::isOnline(qint64 userId) const
{
    return m_local->isOnline(userId) || m_online.contains(userId);
}

void RedisBus::localOnline(qint64 userId, const QString &username)
{
    if (!m_registered) {
        // Redis is away: as one node would (registered again once it is back).
        emit userOnline(userId, username);
        return;
    }
    const QByteArray user = QByteArray::number(userId);
    const qint64 since = Protocol::Events::nowMs();
    m_publisher.command({"EVAL", ONLINE_SCRIPT, "3", key("presence:") + user,
                         nodeKey(m_node, "users"), key("online"), m_node, user, username.toUtf8(),
                         QByteArray::number(m_local->hub()->connectionsOf(userId)),
                         QByteArray::number(since)},
                        [this, userId, username, since](const RedisReply &reply) {
                            if (reply.isError()) {
                                emit userOnline(userId, username);
                                return;
                            }
                            if (reply.integer == 1) // replies come in order: an offline
                                transition(userId, username, true, since); // follows, if any
                        });
}

void RedisBus::localConnections(qint64 userId, int count)
{
    if (m_registered)
        m_publisher.command({"HSET", key("presence:") + QByteArray::number(userId), m_node,
                             QByteArray::number(count)});
}

void RedisBus::localOffline(qint64 userId, const QString &username)
{
    if (!m_registered) {
        emit userOffline(userId, username);
        return;
    }
    const QByteArray user = QByteArray::number(userId);
    m_publisher.command({"EVAL", OFFLINE_SCRIPT, "3", key("presence:") + user,
                         nodeKey(m_node, "users"), key("online"), m_node, user, username.toUtf8()},
                        [this, userId, username](const RedisReply &reply) {
                            if (reply.isError()) {
                                emit userOffline(userId, username);
                                return;
                            }
                            if (reply.integer == 0)
                                transition(userId, username, false, 0);
                        });
}

void RedisBus::transition(qint64 userId, const QString &username, bool online, qint64 since)
{
    if (online)
        m_online.insert(userId, Remote {username, since});
    else
        m_online.remove(userId);
    BusEvent e;
    e.kind = BusEvent::Kind::Presence;
    e.id = userId;
    e.code = online ? 1 : 0;
    e.name = username;
    e.seq = since;
    publish(key("all"), std::move(e));
    if (online)
        emit userOnline(userId, username);
    else
        emit userOffline(userId, username);
}

void RedisBus::heartbeat()
{
    // Rooms gone quiet let go of their recent events.
    const qint64 now = Protocol::Events::nowMs();
    for (Track &t : m_tracks)
        forgetOld(t, now);
    if (!m_publisher.isConnected())
        return;
    // The key says the node lives, and what operators see of it (nodes()).
    QJsonObject info = m_local->nodeInfo();
    info.insert(QStringLiteral("node_id"), nodeId());
    info.insert(QStringLiteral("updated_at"), Protocol::Events::nowMs());
    m_publisher.command(
        {"EVAL", HEARTBEAT_SCRIPT, "3", nodeKey(m_node, "alive"), nodeKey(m_node, "owner"),
         key("nodes"), QJsonDocument(info).toJson(QJsonDocument::Compact),
         QByteArray::number(HEARTBEAT_MS * 3 / 2), m_instance, m_node},
        [this](const RedisReply &reply) {
            if (!reply.isString())
                return;
            // An earlier life's token (killed, restarted within the key's life) is replaced
            // once; another's after this process wrote its own is a second running node.
            const bool other = !reply.string.isEmpty() && reply.string != m_instance;
            if (other && m_beats > 0) {
                if (!m_sharedIdUntil)
                    qCCritical(lcBus).noquote()
                        << "node_id" << nodeId()
                        << "is also used by another running node: give each node its own "
                           "node_id (they ignore each other's events)";
                m_sharedIdUntil = Protocol::Events::nowMs() + 3 * HEARTBEAT_MS;
            }
            ++m_beats;
        });
}

void RedisBus::nodes(QObject *context, std::function<void(QJsonArray)> done)
{
    QPointer<QObject> guard(context);
    auto answer = [this, guard, done](QJsonArray list) {
        if (!guard)
            return;
        // This node answers for itself with what it has now, Redis or not.
        QJsonObject self = m_local->nodeInfo();
        self.insert(QStringLiteral("node_id"), nodeId());
        self.insert(QStringLiteral("updated_at"), Protocol::Events::nowMs());
        bool found = false;
        for (auto it = list.begin(); it != list.end(); ++it) {
            if (it->toObject().value(QStringLiteral("node_id")).toString() == nodeId()) {
                *it = self;
                found = true;
            }
        }
        if (!found)
            list.prepend(self);
        done(list);
    };
    m_publisher.command({"SMEMBERS", key("nodes")}, [this, answer](const RedisReply &members) {
        if (members.isError() || members.elements.isEmpty()) {
            answer({});
            return;
        }
        QList<QByteArray> args {"MGET"};
        QList<QByteArray> ids;
        for (const RedisReply &m : members.elements) {
            ids << m.string;
            args << nodeKey(m.string, "alive");
        }
        m_publisher.command(args, [ids, answer](const RedisReply &values) {
            QJsonArray list;
            for (qsizetype i = 0; i < ids.size(); ++i) {
                const RedisReply v = i < values.elements.size() ? values.elements[i] : RedisReply();
                QJsonObject o
                    = v.isString() ? QJsonDocument::fromJson(v.string).object() : QJsonObject();
                o.insert(QStringLiteral("node_id"), QString::fromUtf8(ids[i]));
                // No heartbeat key: stopped beating (a survivor takes it out within a period).
                o.insert(QStringLiteral("alive"), v.isString());
                list.append(o);
            }
            answer(list);
        });
    });
}

void RedisBus::reapDead()
{
    if (!m_registered)
        return;
    m_publisher.command(
        {"EVAL", REAP_SCRIPT, "2", key("nodes"), key("online"), m_node, m_prefix, "0"},
        [this](const RedisReply &reply) {
            const QList<RedisReply> &gone = reply.elements;
            for (qsizetype i = 0; i + 1 < gone.size(); i += 2) {
                const qint64 userId = gone[i].string.toLongLong();
                if (userId == 0 || m_local->isOnline(userId))
                    continue;
                qCInfo(lcBus) << "user" << userId << "offline: its node stopped beating";
                transition(userId, QString::fromUtf8(gone[i + 1].string), false, 0);
            }
        });
}

void RedisBus::register_()
{
    heartbeat();
    // Commands run in order on the connection: what follows sees the registration.
    m_registered = true;
    // Whatever this node had in Redis goes first: an earlier life's (it may have been killed),
    // or, after an outage, users who have left meanwhile (announced then, as one node would:
    // not again). Users connected here now are registered again right after, unannounced.
    const bool announce = !std::exchange(m_everRegistered, true);
    m_publisher.command(
        {"EVAL", REAP_SCRIPT, "2", key("nodes"), key("online"), m_node, m_prefix, "1"},
        [this, announce](const RedisReply &reply) {
            if (!announce)
                return;
            const QList<RedisReply> &gone = reply.elements;
            for (qsizetype i = 0; i + 1 < gone.size(); i += 2) {
                const qint64 userId = gone[i].string.toLongLong();
                if (userId != 0 && !m_local->isOnline(userId))
                    transition(userId, QString::fromUtf8(gone[i + 1].string), false, 0);
            }
        });
    // This node's users now (connected while Redis was away, or before it first answered).
    for (const OnlineUser &u : m_local->hub()->onlineUsers(m_local->hub()->userCount())) {
        const QByteArray user = QByteArray::number(u.userId);
        m_publisher.command({"EVAL", ONLINE_SCRIPT, "3", key("presence:") + user,
                             nodeKey(m_node, "users"), key("online"), m_node, user,
                             u.username.toUtf8(), QByteArray::number(u.connections),
                             QByteArray::number(u.onlineSince)});
    }
    m_publisher.command({"HGETALL", key("online")}, [this](const RedisReply &reply) {
        if (reply.isError())
            return;
        m_online.clear();
        const QList<RedisReply> &all = reply.elements;
        for (qsizetype i = 0; i + 1 < all.size(); i += 2) {
            const QByteArray &value = all[i + 1].string; // "<since> <name>"
            const qsizetype space = value.indexOf(' ');
            m_online.insert(all[i].string.toLongLong(),
                            Remote {QString::fromUtf8(value.mid(space + 1)),
                                    space > 0 ? value.left(space).toLongLong() : 0});
        }
    });
}

QList<OnlineUser> RedisBus::onlineUsers(int limit) const
{
    // Sorted by id over every node, then cut (as one node's list is).
    QList<OnlineUser> users = m_local->onlineUsers(limit);
    for (auto it = m_online.cbegin(); it != m_online.cend(); ++it) {
        if (!m_local->isOnline(it.key()))
            users.append(OnlineUser {it.key(), it->name, 0, it->since});
    }
    std::sort(users.begin(), users.end(),
              [](const OnlineUser &a, const OnlineUser &b) { return a.userId < b.userId; });
    if (users.size() > limit)
        users.resize(std::max(0, limit));
    return users;
}

int RedisBus::onlineCount() const
{
    int count = m_local->onlineCount();
    for (auto it = m_online.cbegin(); it != m_online.cend(); ++it)
        count += m_local->isOnline(it.key()) ? 0 : 1;
    return count;
}

void RedisBus::connectionCounts(const QList<qint64> &userIds, QObject *context,
                                std::function<void(QHash<qint64, int>)> done)
{
    QHash<qint64, int> here;
    for (qint64 id : userIds)
        here.insert(id, m_local->hub()->connectionsOf(id));
    if (userIds.isEmpty() || !m_registered) {
        // Without Redis: this node's, and at least one where another node has the user.
        for (qint64 id : userIds)
            if (here.value(id) == 0 && m_online.contains(id))
                here[id] = 1;
        done(here);
        return;
    }
    QList<QByteArray> args {"EVAL", COUNT_SCRIPT, QByteArray::number(userIds.size())};
    for (qint64 id : userIds)
        args << key("presence:") + QByteArray::number(id);
    args << m_node;
    QPointer<QObject> guard(context);
    m_publisher.command(args, [guard, userIds, here, done](const RedisReply &reply) {
        if (!guard)
            return;
        QHash<qint64, int> counts = here;
        for (qsizetype i = 0; i < userIds.size() && i < reply.elements.size(); ++i)
            counts[userIds[i]] += int(reply.elements[i].integer);
        done(counts);
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
    case BusEvent::Kind::Room:
        // A shard's or a room's other users (or one that just went): nobody here follows them.
        if (e->kind == BusEvent::Kind::User ? !m_local->isFollowed(e->id)
                                            : !m_roomUsers.contains(e->name))
            return;
        // No connection left out: the one the publisher left out is on its own node.
        if (e->seq > 0)
            stored(Pending {*e, 0});
        else
            deliverHere(Pending {*e, 0});
        break;
    case BusEvent::Kind::All:
        m_local->publishToAll(e->payload);
        break;
    case BusEvent::Kind::Dialect:
        if (e->id >= 0 && e->id < Protocol::DIALECT_COUNT)
            m_local->publishToDialect(Protocol::Dialect(e->id), e->payload);
        break;
    case BusEvent::Kind::Operators:
        if (e->code == 0) {
            m_local->publishToOperators(e->payload);
            recordOperatorEvent(e->origin, e->payload);
            break;
        }
        for (const QByteArray &frame : BusEvent::unpackFrames(e->payload, e->code)) {
            m_local->publishToOperators(frame);
            recordOperatorEvent(e->origin, frame);
        }
        break;
    case BusEvent::Kind::Request:
        requested(*e);
        break;
    case BusEvent::Kind::RoomLoad:
        loadsReported(*e);
        break;
    case BusEvent::Kind::OperatorsListening:
        m_local->applyOperatorsListening();
        break;
    case BusEvent::Kind::Answer:
        answered(*e);
        break;
    case BusEvent::Kind::Admins:
        m_local->publishToAdmins(e->id, e->payload);
        break;
    case BusEvent::Kind::RoomChange:
        if (const auto change = RoomChange::decode(e->payload))
            m_local->applyRoomChange(*change);
        break;
    case BusEvent::Kind::CloseUser:
        m_local->closeUserHere(e->id, e->code, QString::fromUtf8(e->payload));
        break;
    case BusEvent::Kind::CloseConnection:
        if (e->name == nodeId())
            m_local->closeConnection(quint64(e->id), e->code, QString::fromUtf8(e->payload));
        break;
    case BusEvent::Kind::Status:
        m_local->applyStatus(e->id, e->name, QJsonDocument::fromJson(e->payload).object());
        break;
    case BusEvent::Kind::AccessRules:
        m_local->applyAccessRulesChange();
        break;
    case BusEvent::Kind::AccountChange:
        m_local->publishAccountChange(e->id);
        break;
    case BusEvent::Kind::Presence:
        // The node that saw it announced it; this one answers isOnline() by it.
        if (e->code) {
            m_online.insert(e->id, Remote {e->name, e->seq});
        } else {
            m_online.remove(e->id);
            m_local->applyStatus(e->id, QString(), {}); // a status ends with the user's presence
        }
        break;
    }
}

void RedisBus::publishToUser(qint64 userId, const QByteArray &frame, quint64 exceptConnection,
                             const QString &stream, qint64 seq)
{
    BusEvent e;
    e.kind = BusEvent::Kind::User;
    e.id = userId;
    e.name = stream;
    e.seq = seq;
    e.payload = frame;
    if (seq > 0)
        stored(Pending {e, exceptConnection});
    else
        m_local->publishToUser(userId, frame, exceptConnection);
    publish(userChannel(userId), std::move(e));
}

int RedisBus::publishToRoom(const QString &roomId, const QByteArray &frame,
                            quint64 exceptConnection, qint64 seq)
{
    BusEvent e;
    e.kind = BusEvent::Kind::Room;
    e.name = roomId;
    e.seq = seq;
    e.payload = frame;
    const int here = seq > 0 ? stored(Pending {e, exceptConnection})
                             : m_local->publishToRoom(roomId, frame, exceptConnection);
    publish(roomChannel(roomId), std::move(e));
    return here;
}

// --- gap fill

QString RedisBus::streamOf(const BusEvent &event)
{
    return event.kind == BusEvent::Kind::Room ? Protocol::roomStream(event.name) : event.name;
}

int RedisBus::deliverHere(const Pending &p)
{
    const BusEvent &e = p.event;
    if (e.kind == BusEvent::Kind::Room) {
        if (e.seq > 0)
            if (const auto it = m_tracks.find(Protocol::roomStream(e.name)); it != m_tracks.end())
                remember(*it, e.seq, e.payload);
        return m_local->publishToRoom(e.name, e.payload, p.except, e.seq);
    }
    m_local->publishToUser(e.id, e.payload, p.except, e.name, e.seq);
    return 0;
}

void RedisBus::deliverEntry(const QString &stream, const StreamEntry &entry)
{
    const QByteArray frame = MessageService::encodeStored(entry);
    if (stream.startsWith(QLatin1StringView("r:"))) {
        if (const auto it = m_tracks.find(stream); it != m_tracks.end())
            remember(*it, entry.seq, frame);
        m_local->publishToRoom(stream.mid(2), frame, 0, entry.seq);
    } else if (stream.startsWith(QLatin1StringView("u:")))
        m_local->publishToUser(stream.mid(2).toLongLong(), frame, 0, stream, entry.seq);
}

int RedisBus::stored(Pending p)
{
    const QString stream = streamOf(p.event);
    const auto it = m_tracks.find(stream);
    if (it == m_tracks.end())
        return deliverHere(p); // nobody here follows it (published here: to other nodes' users)
    Track &t = *it;
    const qint64 seq = p.event.seq;
    if (t.baselining) {
        t.held.append(std::move(p)); // sorted out once the position is known
        return 0;
    }
    if (t.last >= 0 && seq <= t.last)
        return 0; // delivered already (a fill read it from the store)
    if (!t.filling && (t.last < 0 || seq == t.last + 1)) {
        t.last = seq;
        const int here = deliverHere(p);
        if (!t.held.isEmpty())
            releaseHeld(stream, t);
        return here;
    }
    // Past a gap: held until the missing events come, or the store is asked for them.
    if (t.held.size() >= MAX_HELD_PER_STREAM) {
        t.held.clear(); // the store has them: the fill reads on
        t.refill = true;
    } else {
        t.held.append(std::move(p));
    }
    if (!t.filling && !t.graceRunning)
        fillLater(stream, t);
    return 0;
}

// --- what this node follows

void RedisBus::userFollowed(qint64 userId)
{
    if (m_shardUsers[quint64(userId) % USER_SHARDS]++ == 0)
        m_subscriber.subscribe(userChannel(userId));
    follow(Protocol::userStream(userId), userChannel(userId), -1);
    for (const QString &room : m_local->roomsOf(userId))
        roomInterest(room, 1, -1);
}

void RedisBus::userUnfollowed(qint64 userId)
{
    for (const QString &room : m_local->roomsOf(userId))
        roomInterest(room, -1, -1);
    unfollow(Protocol::userStream(userId));
    int &users = m_shardUsers[quint64(userId) % USER_SHARDS];
    if (users > 0 && --users == 0)
        m_subscriber.unsubscribe(userChannel(userId));
}

void RedisBus::membership(const QString &roomId, qint64 userId, bool member, qint64 seq)
{
    if (!m_local->isFollowed(userId))
        return;
    roomInterest(roomId, member ? 1 : -1, seq);
    if (member && seq >= 0)
        catchUp(roomId, userId, seq);
}

void RedisBus::catchUp(const QString &roomId, qint64 userId, qint64 joinSeq)
{
    const QString stream = Protocol::roomStream(roomId);
    const auto it = m_tracks.find(stream);
    // Followed from the join on (baselining reads on from its seq), or nothing overtook it.
    if (it == m_tracks.end() || it->baselining || it->last <= joinSeq)
        return;
    qint64 next = joinSeq + 1;
    for (const Track::Recent &r : std::as_const(it->recent)) {
        if (r.seq < next)
            continue;
        if (r.seq > next)
            break;
        m_local->publishToUser(userId, r.frame, 0, stream, r.seq);
        ++m_caughtUp;
        ++next;
    }
    if (next <= it->last) {
        m_notCaughtUp += quint64(it->last - next + 1);
        qCWarning(lcBus) << "user" << userId << "joined" << roomId << "at seq" << joinSeq
                         << "through another node, but seq" << next << "to" << it->last
                         << "were delivered here before the join arrived and are no longer at "
                            "hand: its clients get them when they resume";
    }
}

void RedisBus::remember(Track &t, qint64 seq, const QByteArray &frame)
{
    const qint64 now = Protocol::Events::nowMs();
    forgetOld(t, now);
    while (!t.recent.isEmpty()
           && (t.recent.size() >= RECENT_PER_ROOM
               || m_recentBytes + frame.size() > RECENT_MAX_BYTES)) {
        m_recentBytes -= t.recent.first().frame.size();
        t.recent.removeFirst();
    }
    if (m_recentBytes + frame.size() > RECENT_MAX_BYTES)
        return; // other rooms hold the budget: a late join here catches up on resume
    m_recentBytes += frame.size();
    t.recent.append(Track::Recent {seq, now, frame});
}

void RedisBus::forgetOld(Track &t, qint64 now)
{
    qsizetype old = 0;
    while (old < t.recent.size() && now - t.recent[old].at > RECENT_MS) {
        m_recentBytes -= t.recent[old].frame.size();
        ++old;
    }
    t.recent.remove(0, old);
}

void RedisBus::roomInterest(const QString &roomId, int delta, qint64 seq)
{
    const auto it = m_roomUsers.find(roomId);
    if (delta > 0) {
        if (it != m_roomUsers.end()) {
            ++*it;
            return;
        }
        m_roomUsers.insert(roomId, 1);
        m_subscriber.subscribe(roomChannel(roomId));
        follow(Protocol::roomStream(roomId), roomChannel(roomId), seq);
    } else if (it != m_roomUsers.end() && --*it <= 0) {
        m_roomUsers.erase(it);
        m_subscriber.unsubscribe(roomChannel(roomId));
        unfollow(Protocol::roomStream(roomId));
    }
}

void RedisBus::follow(const QString &stream, const QByteArray &channel, qint64 since)
{
    Track t;
    t.since = since;
    t.channel = channel;
    t.generation = ++m_generation;
    unfollow(stream); // (its recent events' bytes)
    m_tracks.insert(stream, std::move(t));
    // Without Redis there is nothing to wait for (the sweep reads what was missed).
    if (!m_subscriber.isConnected() || m_subscriber.isSubscribed(channel))
        baselineLater(stream);
    else
        m_awaitingChannel[channel].append(stream);
}

void RedisBus::unfollow(const QString &stream)
{
    if (const auto it = m_tracks.find(stream); it != m_tracks.end())
        for (const Track::Recent &r : std::as_const(it->recent))
            m_recentBytes -= r.frame.size();
    m_tracks.remove(stream);
    m_toBaseline.remove(stream);
}

void RedisBus::channelConfirmed(const QByteArray &channel)
{
    for (const QString &stream : m_awaitingChannel.take(channel))
        baselineLater(stream);
}

void RedisBus::baselineLater(const QString &stream)
{
    m_toBaseline.insert(stream);
    if (std::exchange(m_baselineQueued, true))
        return;
    QTimer::singleShot(0, this, &RedisBus::baselineNow);
}

// The streams whose channel is confirmed learn where they stand, together in one store read
// (a join's seq needs none: what followed it is read on).
void RedisBus::baselineNow()
{
    m_baselineQueued = false;
    QHash<QString, quint64> toRead;
    for (const QString &stream : std::exchange(m_toBaseline, {})) {
        const auto it = m_tracks.find(stream);
        if (it == m_tracks.end() || !it->baselining)
            continue;
        if (it->since >= 0) {
            it->baselining = false;
            it->last = it->since;
            fill(stream);
            continue;
        }
        toRead.insert(stream, it->generation);
    }
    if (!toRead.isEmpty()) {
        const QStringList streams = toRead.keys();
        m_store->read<QHash<QString, qint64>>(
            this,
            [streams](Store &store) {
                QHash<QString, qint64> last;
                for (const QString &stream : streams)
                    last.insert(stream, store.lastSeq(stream));
                return last;
            },
            [this, toRead](std::optional<QHash<QString, qint64>> last, QString error) {
                if (!last)
                    qCWarning(lcBus)
                        << "reading where" << toRead.size() << "streams stand failed:" << error
                        << "(they go on from their next event)";
                for (auto s = toRead.cbegin(); s != toRead.cend(); ++s) {
                    const auto it = m_tracks.find(s.key());
                    if (it == m_tracks.end() || it->generation != s.value() || !it->baselining)
                        continue;
                    it->baselining = false;
                    it->last = last ? last->value(s.key()) : -1;
                    if (it->last < 0 && !it->held.isEmpty())
                        it->last = std::min_element(it->held.cbegin(), it->held.cend(),
                                                    [](const Pending &a, const Pending &b) {
                                                        return a.event.seq < b.event.seq;
                                                    })
                                       ->event.seq
                            - 1;
                    releaseHeld(s.key(), *it);
                    if (!it->held.isEmpty() && !it->filling && !it->graceRunning)
                        fillLater(s.key(), *it);
                }
                checkWaiters();
            });
    }
    checkWaiters();
}

bool RedisBus::ready(const QString &stream) const
{
    const auto it = m_tracks.constFind(stream);
    return it == m_tracks.cend() || !it->baselining;
}

void RedisBus::claimOnce(const QString &name, int ttlMs, QObject *context,
                         std::function<void(bool)> done)
{
    if (!m_publisher.isConnected()) {
        done(true);
        return;
    }
    QPointer<QObject> guard(context);
    m_publisher.command({"SET", key("claim:") + name.toUtf8(), "1", "NX", "PX",
                         QByteArray::number(std::max(1, ttlMs))},
                        [guard, done](const RedisReply &reply) {
                            if (guard) // nil: claimed already; an error: as one node would
                                done(!reply.isNil());
                        });
}

void RedisBus::release(const QString &name)
{
    if (m_publisher.isConnected())
        m_publisher.command({"DEL", key("claim:") + name.toUtf8()});
}

void RedisBus::whenFollowing(qint64 userId, const QString &roomId, QObject *context,
                             std::function<void()> ready)
{
    Waiter w {context, {}, std::move(ready), Protocol::Events::nowMs() + FOLLOW_TIMEOUT_MS};
    if (userId) {
        w.streams << Protocol::userStream(userId);
        for (const QString &room : m_local->roomsOf(userId))
            w.streams << Protocol::roomStream(room);
    }
    if (!roomId.isEmpty())
        w.streams << Protocol::roomStream(roomId);
    if (std::all_of(w.streams.cbegin(), w.streams.cend(),
                    [this](const QString &s) { return this->ready(s); })) {
        w.ready();
        return;
    }
    m_waiters.append(std::move(w));
    if (!m_waiterTimer.isActive())
        m_waiterTimer.start();
}

void RedisBus::checkWaiters()
{
    if (m_waiters.isEmpty()) {
        m_waiterTimer.stop();
        return;
    }
    const qint64 now = Protocol::Events::nowMs();
    QList<std::function<void()>> due;
    for (qsizetype i = 0; i < m_waiters.size();) {
        Waiter &w = m_waiters[i];
        const bool done = std::all_of(w.streams.cbegin(), w.streams.cend(),
                                      [this](const QString &s) { return ready(s); });
        if (!w.context || done || now >= w.deadline) {
            if (w.context && !done)
                qCWarning(lcBus) << "Redis did not confirm the subscriptions of" << w.streams
                                 << "within" << FOLLOW_TIMEOUT_MS
                                 << "ms: going on (the sweep catches up)";
            if (w.context)
                due.append(std::move(w.ready));
            m_waiters.removeAt(i);
        } else {
            ++i;
        }
    }
    if (m_waiters.isEmpty())
        m_waiterTimer.stop();
    for (const auto &ready : due)
        ready();
}

void RedisBus::fillLater(const QString &stream, Track &t)
{
    t.graceRunning = true;
    QTimer::singleShot(FILL_GRACE_MS, this, [this, stream, generation = t.generation]() {
        const auto it = m_tracks.find(stream);
        if (it == m_tracks.end() || it->generation != generation)
            return;
        it->graceRunning = false;
        if (!it->filling && (!it->held.isEmpty() || it->refill))
            fill(stream);
    });
}

void RedisBus::releaseHeld(const QString &stream, Track &t)
{
    std::stable_sort(t.held.begin(), t.held.end(),
                     [](const Pending &a, const Pending &b) { return a.event.seq < b.event.seq; });
    qsizetype i = 0;
    for (; i < t.held.size(); ++i) {
        const qint64 seq = t.held[i].event.seq;
        if (seq <= t.last)
            continue;
        if (seq != t.last + 1)
            break;
        t.last = seq;
        deliverHere(t.held[i]);
    }
    t.held.remove(0, i);
    Q_UNUSED(stream);
}

void RedisBus::fill(const QString &stream)
{
    Track &t = m_tracks[stream];
    t.filling = true;
    t.refill = false;
    const qint64 after = t.last;
    const quint64 generation = t.generation;
    m_store->read<QList<StreamEntry>>(
        this, [stream, after](Store &store) { return store.readStream(stream, after, FILL_BATCH); },
        [this, stream, generation](std::optional<QList<StreamEntry>> entries, QString error) {
            const auto it = m_tracks.find(stream);
            if (it == m_tracks.end() || it->generation != generation)
                return; // no longer followed (or followed again since)
            Track &t = *it;
            t.filling = false;
            if (!entries) {
                qCWarning(lcBus) << "reading" << stream << "to fill a gap failed:" << error
                                 << "(its clients get the missing messages when they resume)";
                entries.emplace();
            }
            for (const StreamEntry &entry : std::as_const(*entries)) {
                if (entry.seq <= t.last)
                    continue;
                t.last = entry.seq;
                ++m_filled;
                deliverEntry(stream, entry);
            }
            releaseHeld(stream, t);
            if (entries->size() == FILL_BATCH || t.refill) {
                fill(stream);
                return;
            }
            if (t.held.isEmpty()) {
                t.attempts = 0;
                return;
            }
            // The store does not have the missing seqs (yet): ask again a little later; past
            // FILL_ATTEMPTS they were purged, and the stream goes on from what is held.
            if (++t.attempts < FILL_ATTEMPTS) {
                fillLater(stream, t);
                return;
            }
            qCWarning(lcBus) << stream << "has no seq" << t.last + 1 << "to"
                             << t.held.first().event.seq - 1
                             << "in the store (purged?): going on from" << t.held.first().event.seq;
            t.attempts = 0;
            t.last = t.held.first().event.seq - 1;
            releaseHeld(stream, t);
        });
}

void RedisBus::sweep()
{
    QHash<QString, qint64> followed;
    for (auto it = m_tracks.cbegin(); it != m_tracks.cend(); ++it) {
        if (!it->filling && !it->baselining && it->last >= 0)
            followed.insert(it.key(), it->last);
    }
    if (followed.isEmpty())
        return;
    qCInfo(lcBus) << "Redis is back: comparing" << followed.size()
                  << "streams with the store for what other nodes stored meanwhile";
    m_store->read<QStringList>(
        this,
        [followed](Store &store) {
            QStringList behind;
            for (auto it = followed.cbegin(); it != followed.cend(); ++it) {
                if (store.lastSeq(it.key()) > it.value())
                    behind << it.key();
            }
            return behind;
        },
        [this](std::optional<QStringList> behind, QString error) {
            if (!behind) {
                qCWarning(lcBus) << "comparing streams with the store failed:" << error;
                return;
            }
            for (const QString &stream : std::as_const(*behind)) {
                const auto it = m_tracks.find(stream);
                if (it != m_tracks.end() && !it->filling)
                    fill(stream);
            }
        });
}

void RedisBus::publishToAll(const QByteArray &frame)
{
    m_local->publishToAll(frame);
    BusEvent e;
    e.kind = BusEvent::Kind::All;
    e.payload = frame;
    publish(key("all"), std::move(e));
}

void RedisBus::publishToDialect(Protocol::Dialect dialect, const QByteArray &frame)
{
    m_local->publishToDialect(dialect, frame);
    BusEvent e;
    e.kind = BusEvent::Kind::Dialect;
    e.id = qint64(dialect);
    e.payload = frame;
    publish(key("all"), std::move(e));
}

void RedisBus::publishToOperators(const QByteArray &frame)
{
    m_local->publishToOperators(frame);
    m_operatorBatch.append(frame);
    m_operatorBatchBytes += frame.size();
    if (m_operatorBatchBytes >= OPERATOR_BATCH_BYTES) {
        flushOperatorEvents();
    } else if (!m_operatorTimer.isActive()) {
        m_operatorTimer.start();
    }
}

// One frame as it was (`code` 0); several as `code` = their count (BusEvent::packFrames).
void RedisBus::flushOperatorEvents()
{
    m_operatorTimer.stop();
    if (m_operatorBatch.isEmpty())
        return;
    BusEvent e;
    e.kind = BusEvent::Kind::Operators;
    if (m_operatorBatch.size() == 1) {
        e.payload = m_operatorBatch.constFirst();
    } else {
        e.code = qint32(m_operatorBatch.size());
        e.payload = BusEvent::packFrames(m_operatorBatch);
    }
    m_operatorBatch.clear();
    m_operatorBatchBytes = 0;
    publish(key("all"), std::move(e));
}

void RedisBus::publishOperatorsListening()
{
    BusEvent e;
    e.kind = BusEvent::Kind::OperatorsListening;
    publish(key("all"), std::move(e));
}

void RedisBus::publishToAdmins(qint64 aboutUser, const QByteArray &frame)
{
    m_local->publishToAdmins(aboutUser, frame);
    BusEvent e;
    e.kind = BusEvent::Kind::Admins;
    e.id = aboutUser;
    e.payload = frame;
    publish(key("all"), std::move(e));
}

void RedisBus::publishRoomChange(const RoomChange &change)
{
    BusEvent e;
    e.kind = BusEvent::Kind::RoomChange;
    e.name = change.roomId;
    e.payload = change.encode();
    // Every node keeps every room's members (it follows a room once one of its users joins).
    // Pub/sub keeps one publisher's order across channels: the room's messages published
    // after the change come after it.
    publish(key("all"), std::move(e));
}

void RedisBus::publishAccountChange(qint64 userId)
{
    m_local->publishAccountChange(userId);
    BusEvent e;
    e.kind = BusEvent::Kind::AccountChange;
    e.id = userId;
    publish(key("all"), std::move(e));
}

void RedisBus::publishStatus(qint64 userId, const QString &status, const QJsonObject &data)
{
    BusEvent e;
    e.kind = BusEvent::Kind::Status;
    e.id = userId;
    e.name = status;
    e.payload = QJsonDocument(data).toJson(QJsonDocument::Compact);
    publish(key("all"), std::move(e));
}

void RedisBus::publishAccessRulesChange()
{
    BusEvent e;
    e.kind = BusEvent::Kind::AccessRules;
    publish(key("all"), std::move(e));
}

bool RedisBus::closeConnection(quint64 connectionId, int code, const QString &reason)
{
    return m_local->closeConnection(connectionId, code, reason);
}

void RedisBus::closeConnectionOn(const QString &nodeId, quint64 connectionId, int code,
                                 const QString &reason, QObject *context,
                                 std::function<void(std::optional<bool>)> done)
{
    if (nodeId.isEmpty() || nodeId == this->nodeId()) {
        done(m_local->closeConnection(connectionId, code, reason));
        return;
    }
    askNodes(QStringLiteral("close_connection"),
             {{QStringLiteral("node_id"), nodeId},
              {QStringLiteral("connection_id"), qint64(connectionId)},
              {QStringLiteral("code"), code},
              {QStringLiteral("reason"), reason}},
             context, [done](const QList<NodeAnswer> &answers, bool) {
                 if (answers.isEmpty())
                     done(std::nullopt);
                 else
                     done(answers.first().answer.value(QStringLiteral("closed")).toBool());
             });
}

void RedisBus::closeUser(qint64 userId, int code, const QString &reason, QObject *context,
                         std::function<void(int, bool)> done)
{
    const int here = m_local->closeUserHere(userId, code, reason);
    askNodes(QStringLiteral("close_user"),
             {{QStringLiteral("user_id"), userId},
              {QStringLiteral("code"), code},
              {QStringLiteral("reason"), reason}},
             context, [here, done](const QList<NodeAnswer> &answers, bool complete) {
                 int closed = here;
                 for (const NodeAnswer &a : answers)
                     closed += a.answer.value(QStringLiteral("closed")).toInt();
                 done(closed, complete);
             });
}

void RedisBus::connectionTotal(QObject *context, std::function<void(int, bool)> done)
{
    const int here = m_local->hub()->connectionCount();
    askNodes(QStringLiteral("connection_count"), {}, context,
             [here, done](const QList<NodeAnswer> &answers, bool complete) {
                 int total = here;
                 for (const NodeAnswer &a : answers)
                     total += a.answer.value(QStringLiteral("connections")).toInt();
                 done(total, complete);
             });
}

// --- push-back across nodes

void RedisBus::noteRoomLoad(const QString &roomId, const FanoutLoad &load)
{
    if (load.aboveLow == 0 && (m_ownLoads.isEmpty() || !m_ownLoads.contains(roomId)))
        return; // nobody behind here, and nothing reported: the common case
    const qint64 now = Protocol::Events::nowMs();
    const RoomLoad before = m_ownLoads.value(roomId);
    m_ownLoads.insert(roomId, RoomLoad {load.recipients, load.aboveHigh, load.aboveLow, now});
    // A change goes out at once (the other nodes' publishers act on it), but not more often
    // than every LOAD_REPORT_MIN_MS: a room whose members hover at a mark would report at
    // every fan-out. The timer reports every LOAD_REPORT_MS meanwhile.
    const bool changed = before.aboveHigh != load.aboveHigh || before.aboveLow != load.aboveLow;
    if (!m_loadTimer.isActive() || (changed && now - m_lastLoadReport >= LOAD_REPORT_MIN_MS))
        reportLoads();
}

void RedisBus::addOtherNodesLoad(const QString &roomId, FanoutLoad &load) const
{
    if (m_otherLoads.isEmpty())
        return;
    const auto it = m_otherLoads.constFind(roomId);
    if (it == m_otherLoads.cend())
        return;
    const qint64 now = Protocol::Events::nowMs();
    for (const RoomLoad &r : *it) {
        if (now - r.at > 3 * LOAD_REPORT_MS)
            continue;
        load.recipients += r.recipients;
        load.aboveHigh += r.aboveHigh;
        load.aboveLow += r.aboveLow;
    }
}

void RedisBus::reportLoads()
{
    const qint64 now = Protocol::Events::nowMs();
    // The rooms to report: those with members behind here (or just caught up), and those other
    // nodes report members behind in (this node's recipients count there too).
    QSet<QString> rooms;
    for (auto it = m_ownLoads.cbegin(); it != m_ownLoads.cend(); ++it)
        rooms.insert(it.key());
    for (auto it = m_otherLoads.begin(); it != m_otherLoads.end();) {
        for (auto n = it->begin(); n != it->end();) {
            if (now - n->at > 3 * LOAD_REPORT_MS) {
                n = it->erase(n);
                continue;
            }
            if (n->aboveLow > 0)
                rooms.insert(it.key());
            ++n;
        }
        it = it->isEmpty() ? m_otherLoads.erase(it) : std::next(it);
    }
    QJsonObject report;
    for (const QString &room : std::as_const(rooms)) {
        // Measured now: nothing is fanned out while publishers are held back, and the queues
        // drain meanwhile.
        const FanoutLoad load = m_local->measureRoom(room);
        const bool reported = m_ownLoads.contains(room);
        if (load.aboveLow > 0)
            m_ownLoads.insert(room, RoomLoad {load.recipients, load.aboveHigh, load.aboveLow, now});
        else
            m_ownLoads.remove(room);
        if (load.recipients == 0 && !reported)
            continue;
        report.insert(room, QJsonArray {load.recipients, load.aboveHigh, load.aboveLow});
    }
    if (!report.isEmpty() && m_publisher.isConnected()) {
        m_lastLoadReport = now;
        BusEvent e;
        e.kind = BusEvent::Kind::RoomLoad;
        e.payload = QJsonDocument(report).toJson(QJsonDocument::Compact);
        publish(key("all"), std::move(e));
    }
    if (m_ownLoads.isEmpty() && m_otherLoads.isEmpty())
        m_loadTimer.stop();
    else if (!m_loadTimer.isActive())
        m_loadTimer.start();
}

void RedisBus::loadsReported(const BusEvent &e)
{
    const QJsonObject report = QJsonDocument::fromJson(e.payload).object();
    const qint64 now = Protocol::Events::nowMs();
    bool behind = false;
    for (auto it = report.constBegin(); it != report.constEnd(); ++it) {
        const QJsonArray counts = it->toArray();
        const RoomLoad load {counts.at(0).toInt(), counts.at(1).toInt(), counts.at(2).toInt(), now};
        behind = behind || load.aboveLow > 0;
        m_otherLoads[it.key()].insert(e.origin, load);
    }
    // This node's members of those rooms count too: it reports them from now on.
    if (behind && !m_loadTimer.isActive())
        m_loadTimer.start();
}

// --- questions to every node

void RedisBus::askNodes(const QString &question, const QJsonObject &args, QObject *context,
                        std::function<void(QList<NodeAnswer>, bool)> done, bool withOperatorEvents)
{
    if (!connected()) {
        done({}, false); // no answer could come
        return;
    }
    const quint64 id = ++m_nextAsk;
    const bool one = !args.value(QStringLiteral("node_id")).toString().isEmpty();
    m_asks.insert(id, Ask {context, std::move(done), {}, -1, withOperatorEvents, 0});
    BusEvent e;
    e.kind = BusEvent::Kind::Request;
    e.origin = m_node;
    e.id = qint64(id);
    e.name = question;
    e.payload = QJsonDocument(args).toJson(QJsonDocument::Compact);
    if (!m_operatorBatch.isEmpty())
        flushOperatorEvents(); // earlier: published first
    ++m_published;
    m_publisher.publish(key("all"), e.encode(), [this, id, one](const RedisReply &reply) {
        const auto it = m_asks.find(id);
        if (it == m_asks.end())
            return;
        if (reply.isError()) {
            ++m_publishFailures;
            finishAsk(id, false);
            return;
        }
        // Every node's subscriber got it, this node's own among them (which ignores it).
        it->expected = one ? 1 : int(std::max<qint64>(0, reply.integer - 1));
        if (it->answers.size() >= it->expected)
            finishAsk(id, true);
    });
    QTimer::singleShot(ASK_TIMEOUT_MS, this, [this, id]() { finishAsk(id, false); });
}

void RedisBus::requested(const BusEvent &request)
{
    const QJsonObject args = QJsonDocument::fromJson(request.payload).object();
    const QString to = args.value(QStringLiteral("node_id")).toString();
    if (!to.isEmpty() && to != nodeId())
        return; // asked of another node
    BusEvent a;
    a.kind = BusEvent::Kind::Answer;
    a.id = request.id;
    a.name = request.name;
    a.payload = QJsonDocument(answer(request.name, args)).toJson(QJsonDocument::Compact);
    publish(key("to:") + request.origin, std::move(a));
}

void RedisBus::answered(const BusEvent &answer)
{
    const auto it = m_asks.find(quint64(answer.id));
    if (it == m_asks.end())
        return; // answered too late
    it->answers.append(NodeAnswer {
        QString::fromUtf8(answer.origin), QJsonDocument::fromJson(answer.payload).object(), {}});
    if (it->expected >= 0 && it->answers.size() >= it->expected)
        finishAsk(quint64(answer.id), true);
}

void RedisBus::recordOperatorEvent(const QByteArray &origin, const QByteArray &frame)
{
    // Pub/sub keeps one publisher's order across channels: an event of a node that answered
    // already was published after its answer.
    const QString node = QString::fromUtf8(origin);
    for (Ask &ask : m_asks) {
        if (!ask.withOperatorEvents)
            continue;
        for (NodeAnswer &a : ask.answers) {
            if (a.nodeId != node)
                continue;
            if (ask.laterEvents < MAX_LATER_EVENTS) {
                a.laterOperatorEvents.append(frame);
                ++ask.laterEvents;
            }
        }
    }
}

void RedisBus::finishAsk(quint64 id, bool complete)
{
    const auto it = m_asks.find(id);
    if (it == m_asks.end())
        return;
    Ask ask = std::move(*it);
    m_asks.erase(it);
    if (ask.laterEvents >= MAX_LATER_EVENTS) {
        qCWarning(lcBus) << "more than" << MAX_LATER_EVENTS
                         << "operator events came while the nodes answered: the rest are not in "
                            "the answers";
        complete = false;
    }
    if (!complete)
        qCWarning(lcBus).nospace()
            << ask.answers.size() << " of "
            << (ask.expected < 0 ? QStringLiteral("?") : QString::number(ask.expected))
            << " nodes answered within " << ASK_TIMEOUT_MS << " ms";
    if (ask.context)
        ask.done(std::move(ask.answers), complete);
}

} // namespace Switchboard
