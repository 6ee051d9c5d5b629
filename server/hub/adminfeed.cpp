// SPDX-License-Identifier: MIT
#include "adminfeed.h"

#include "hub/endpoint.h"
#include "hub/hub.h"
#include "hub/presenceservice.h"
#include "hub/roomservice.h"
#include "protocol/adminframes.h"
#include "protocol/events.h"
#include "protocol/protocol.h"
#include "store/asyncstore.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <QFile>
#include <QLoggingCategory>
#include <QTimer>

#ifdef Q_OS_LINUX
#include <unistd.h>
#endif

Q_LOGGING_CATEGORY(lcAdmin, "switchboard.admin")

namespace Switchboard {

using namespace Protocol;

namespace {

// {"type":"admin_events","ts":<13 digits>,"events":[ ... ]} around the events: 53 bytes.
constexpr qsizetype BATCH_FRAME_OVERHEAD = 64;

// Resident set size from /proc (Linux); 0 elsewhere or when unreadable.
qint64 residentBytes()
{
#ifdef Q_OS_LINUX
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    if (fields.size() < 2)
        return 0;
    return fields.at(1).toLongLong() * qint64(sysconf(_SC_PAGESIZE));
#else
    return 0;
#endif
}

double perSecond(quint64 now, quint64 before, double seconds)
{
    const double rate = double(now - before) / seconds;
    return std::round(rate * 100.0) / 100.0;
}

// Admins see every room; the server as viewer (id 0) has no role of its own in any.
const Sender &operatorView()
{
    static const Sender viewer {0, QString(), true, 0};
    return viewer;
}

} // namespace

AdminFeed::AdminFeed(Hub *hub, DeliveryBus *bus, RoomService *rooms, PresenceService *presence,
                     AsyncStore *store, QObject *parent)
    : QObject(parent)
    , m_hub(hub)
    , m_bus(bus)
    , m_rooms(rooms)
    , m_presence(presence)
    , m_store(store)
    , m_startedAt(Events::nowMs())
{
    m_uptime.start();
    m_storedRefreshed.start();
    m_batchTimer = std::make_unique<QTimer>();
    m_batchTimer->setSingleShot(true);
    m_batchTimer->setInterval(BATCH_INTERVAL_MS);
    connect(m_batchTimer.get(), &QTimer::timeout, this, &AdminFeed::onBatchTimer);
    // The node's rates (nodeJson: the node list, a cluster node's heartbeat).
    const HubCounters &c = m_hub->counters();
    m_nodeRates.lastMessages = c.messagesStored;
    m_nodeRates.lastFramesIn = c.framesIn;
    m_nodeRates.lastFramesOut = c.framesOut;
    m_nodeRates.lastConnects = c.connectionsTotal;
    m_nodeRatesSince.start();
    m_nodeRatesTimer = std::make_unique<QTimer>();
    m_nodeRatesTimer->setInterval(NODE_RATES_MS);
    connect(m_nodeRatesTimer.get(), &QTimer::timeout, this, &AdminFeed::measureNodeRates);
    m_nodeRatesTimer->start();
    // What other nodes ask of this one (several nodes): the snapshot's users, the connections.
    m_bus->setAnswerer(QStringLiteral("operator_users"), [this](const QJsonObject &) {
        // An operator subscribes on the asking node: this node's events from now on go out.
        remoteOperatorsHeard();
        return QJsonObject {{QStringLiteral("users"), usersJson()},
                            {QStringLiteral("connections"), m_hub->connectionCount()}};
    });
    m_bus->setAnswerer(QStringLiteral("connections"), [this](const QJsonObject &) {
        return QJsonObject {{QStringLiteral("connections"), connectionsJson()}};
    });
}

AdminFeed::~AdminFeed() = default;

qint64 AdminFeed::remoteClock()
{
    return Events::nowMs();
}

void AdminFeed::remoteOperatorsHeard()
{
    if (m_clustered)
        m_remoteOperatorsUntil = remoteClock() + REMOTE_OPERATORS_MS;
}

void AdminFeed::operatorsListeningElsewhere(BusKey)
{
    remoteOperatorsHeard();
}

QJsonObject AdminFeed::serverJson() const
{
    return {{QStringLiteral("version"), QStringLiteral(SWITCHBOARD_VERSION)},
            {QStringLiteral("started_at"), m_startedAt},
            {QStringLiteral("uptime_ms"), m_uptime.elapsed()},
            {QStringLiteral("storage"), m_store->backendName()},
            {QStringLiteral("listen"), m_listen}};
}

QJsonObject AdminFeed::nodeJson() const
{
    QJsonObject o = serverJson();
    o.insert(QStringLiteral("connections"), m_hub->connectionCount());
    o.insert(QStringLiteral("users_online"), m_hub->userCount());
    o.insert(QStringLiteral("rss_bytes"), residentBytes());
    o.insert(QStringLiteral("messages_per_sec"), m_nodeRates.messages);
    o.insert(QStringLiteral("frames_in_per_sec"), m_nodeRates.framesIn);
    o.insert(QStringLiteral("frames_out_per_sec"), m_nodeRates.framesOut);
    o.insert(QStringLiteral("connects_per_sec"), m_nodeRates.connects);
    return o;
}

void AdminFeed::measureNodeRates()
{
    const double seconds = double(std::max<qint64>(m_nodeRatesSince.restart(), 1)) / 1000.0;
    const HubCounters &c = m_hub->counters();
    NodeRates &r = m_nodeRates;
    r.messages = perSecond(c.messagesStored, r.lastMessages, seconds);
    r.framesIn = perSecond(c.framesIn, r.lastFramesIn, seconds);
    r.framesOut = perSecond(c.framesOut, r.lastFramesOut, seconds);
    r.connects = perSecond(c.connectionsTotal, r.lastConnects, seconds);
    r.lastMessages = c.messagesStored;
    r.lastFramesIn = c.framesIn;
    r.lastFramesOut = c.framesOut;
    r.lastConnects = c.connectionsTotal;
}

QJsonObject AdminFeed::connectionJson(const Endpoint &s) const
{
    QJsonObject o = Admin::Connection {s.connectionId(), s.address(),   s.client(),
                                       s.connectedAt(),  s.lastRttMs(), s.queueBytes()}
                        .toJson();
    // Several nodes: which one has it (connection ids are each node's own).
    if (const QString node = m_bus->nodeId(); !node.isEmpty())
        o.insert(QStringLiteral("node_id"), node);
    return o;
}

QJsonObject AdminFeed::userJson(const OnlineUser &u, qint64 now) const
{
    bool admin = false;
    QJsonArray connections;
    for (const Endpoint *s : m_hub->sessionsOf(u.userId)) {
        admin = admin || s->isAdmin();
        connections.append(connectionJson(*s));
    }
    QJsonObject o = Admin::userStatus(u.userId, u.username, m_presence->statusOf(u.userId),
                                      m_presence->dataOf(u.userId), now);
    o.insert(QStringLiteral("role"), admin ? QStringLiteral("admin") : QStringLiteral("user"));
    o.insert(QStringLiteral("rooms"), QJsonArray::fromStringList(m_rooms->roomsOf(u.userId)));
    o.insert(QStringLiteral("connections"), connections);
    return o;
}

QJsonArray AdminFeed::usersJson() const
{
    QJsonArray users;
    const qint64 now = Events::nowMs();
    for (const OnlineUser &u : m_hub->onlineUsers(m_hub->userCount()))
        users.append(userJson(u, now));
    return users;
}

QJsonArray AdminFeed::connectionsJson() const
{
    QList<Endpoint *> sessions = m_hub->sessions().values();
    std::sort(sessions.begin(), sessions.end(),
              [](Endpoint *a, Endpoint *b) { return a->connectionId() < b->connectionId(); });
    QJsonArray list;
    for (const Endpoint *session : std::as_const(sessions)) {
        QJsonObject o = connectionJson(*session);
        o.insert(QStringLiteral("node_id"), m_bus->nodeId());
        o.insert(QStringLiteral("user_id"), session->userId());
        o.insert(QStringLiteral("name"), session->username());
        list.append(o);
    }
    return list;
}

void AdminFeed::sendClusterSnapshot(Endpoint *session, QJsonObject totals, const QJsonArray &rooms,
                                    const QJsonValue &id, bool batched,
                                    const QList<NodeAnswer> &answers, bool complete)
{
    // One entry per user: a user with connections on several nodes has them all.
    QMap<qint64, QJsonObject> users;
    const auto merge = [&users](const QJsonArray &list) {
        for (const QJsonValue &v : list) {
            const QJsonObject u = v.toObject();
            const qint64 userId = u.value(QStringLiteral("user_id")).toInteger();
            const auto it = users.find(userId);
            if (it == users.end()) {
                users.insert(userId, u);
                continue;
            }
            QJsonArray connections = it->value(QStringLiteral("connections")).toArray();
            for (const QJsonValue &c : u.value(QStringLiteral("connections")).toArray())
                connections.append(c);
            it->insert(QStringLiteral("connections"), connections);
            if (u.value(QStringLiteral("role")).toString() == QLatin1StringView("admin"))
                it->insert(QStringLiteral("role"), QStringLiteral("admin"));
        }
    };
    merge(usersJson());
    int connections = m_hub->connectionCount();
    for (const NodeAnswer &a : answers) {
        merge(a.answer.value(QStringLiteral("users")).toArray());
        connections += a.answer.value(QStringLiteral("connections")).toInt();
    }
    totals.insert(QStringLiteral("connections"), connections);
    totals.insert(QStringLiteral("users_online"), int(users.size()));
    if (!complete)
        totals.insert(QStringLiteral("incomplete"), true);
    const QList<QJsonObject> list = users.values();
    if (!batched) {
        QJsonArray all;
        for (const QJsonObject &u : list)
            all.append(u);
        session->sendFrame(Admin::snapshot(serverJson(), totals, all, rooms, id));
    } else {
        const int pages
            = std::max(1, int((list.size() + SNAPSHOT_PAGE_USERS - 1) / SNAPSHOT_PAGE_USERS));
        const auto page = [&list](int index) {
            QJsonArray users;
            const qsizetype end
                = std::min<qsizetype>(list.size(), qsizetype(index + 1) * SNAPSHOT_PAGE_USERS);
            for (qsizetype i = qsizetype(index) * SNAPSHOT_PAGE_USERS; i < end; ++i)
                users.append(list.at(i));
            return users;
        };
        session->sendFrame(Admin::snapshot(serverJson(), totals, page(0), rooms, id, pages));
        for (int p = 1; p < pages && session->attached(); ++p)
            session->sendFrame(Admin::snapshotPage(page(p), p + 1, pages, id));
    }
    // What the other nodes did after they answered, in each node's order.
    QList<QByteArray> later;
    for (const NodeAnswer &a : answers)
        later += a.laterOperatorEvents;
    if (later.isEmpty() || !session->attached())
        return;
    if (!batched) {
        for (const QByteArray &frame : std::as_const(later))
            session->sendFrame(frame);
        return;
    }
    for (qsizetype i = 0; i < later.size(); i += MAX_BATCH_EVENTS) {
        const QList<QByteArray> part = later.mid(i, MAX_BATCH_EVENTS);
        session->sendFrame(part.size() == 1 ? part.first() : Admin::eventBatch(part));
    }
}

void AdminFeed::sendPagedSnapshot(Endpoint *session, const QJsonObject &totals,
                                  const QJsonArray &rooms, const QJsonValue &id)
{
    // Who is online is taken once, so the pages add up to one moment's state; all pages go in
    // this event-loop turn, before any later event. The first page is on its way to the
    // socket while the next ones are encoded.
    const QList<OnlineUser> online = m_hub->onlineUsers(m_hub->userCount());
    const qint64 now = Events::nowMs();
    const int pages
        = std::max(1, int((online.size() + SNAPSHOT_PAGE_USERS - 1) / SNAPSHOT_PAGE_USERS));
    const auto page = [&](int index) {
        QJsonArray users;
        const qsizetype end
            = std::min<qsizetype>(online.size(), qsizetype(index + 1) * SNAPSHOT_PAGE_USERS);
        for (qsizetype i = qsizetype(index) * SNAPSHOT_PAGE_USERS; i < end; ++i)
            users.append(userJson(online.at(i), now));
        return users;
    };
    session->sendFrame(Admin::snapshot(serverJson(), totals, page(0), rooms, id, pages));
    for (int p = 1; p < pages && session->attached(); ++p)
        session->sendFrame(Admin::snapshotPage(page(p), p + 1, pages, id));
}

qint64 AdminFeed::messagesStored() const
{
    return m_storedBase + qint64(m_hub->counters().messagesStored - m_storedCounterBase);
}

void AdminFeed::subscribe(Endpoint *session, int statsIntervalMs, int feed, const QJsonValue &id)
{
    // The endpoint may be gone when the count arrives: its cancel flag outlives it (set when
    // it closed, at the latest when it was deleted).
    const auto closed = session->cancelFlag();
    m_store->run<qint64>(
        this, [](Store &store) { return store.messageCount(); },
        [this, session, closed, statsIntervalMs, feed, id](std::optional<qint64> count,
                                                           QString error) {
            if (closed->load(std::memory_order_acquire) || !session->attached())
                return;
            if (count) {
                m_storedBase = *count;
                m_storedCounterBase = m_hub->counters().messagesStored;
                m_storedRefreshed.restart();
            } else {
                qCWarning(lcAdmin) << "counting stored messages failed:" << error;
            }
            // Several nodes: the other nodes' users too (one node: answered at once, nobody
            // else to ask).
            m_bus->askNodes(
                QStringLiteral("operator_users"), {}, this,
                [this, session, closed, statsIntervalMs, feed, id](const QList<NodeAnswer> &answers,
                                                                   bool complete) {
                    if (closed->load(std::memory_order_acquire) || !session->attached())
                        return;
                    subscribed(session, statsIntervalMs, feed, id, answers, complete);
                },
                true);
        });
}

void AdminFeed::subscribed(Endpoint *session, int statsIntervalMs, int feed, const QJsonValue &id,
                           const QList<NodeAnswer> &answers, bool complete)
{
    // Events waiting for a batch are older than the snapshot: they go to the sessions
    // subscribed when they happened, not to a snapshot that already holds them.
    flushEvents();
    unsubscribe(session); // a second subscribe: leave the old interval's group
    QJsonArray rooms;
    for (const RoomView &v : m_rooms->list(operatorView()))
        rooms.append(RoomService::toJson(v));
    const QJsonObject totals {{QStringLiteral("connections"), m_hub->connectionCount()},
                              {QStringLiteral("users_online"), m_hub->userCount()},
                              {QStringLiteral("rooms"), m_rooms->roomCount()},
                              {QStringLiteral("messages_stored"), messagesStored()}};
    const bool batched = feed == Admin::FEED_BATCHED;
    if (!answers.isEmpty() || !complete)
        sendClusterSnapshot(session, totals, rooms, id, batched, answers, complete);
    else if (batched)
        sendPagedSnapshot(session, totals, rooms, id);
    else
        session->sendFrame(Admin::snapshot(serverJson(), totals, usersJson(), rooms, id));
    m_subscribers.insert(session, {statsIntervalMs, batched});
    m_batchedCount += batched;
    if (m_clustered && !m_keepalive) {
        // The other nodes publish their events while they hear from an operator.
        m_keepalive = std::make_unique<QTimer>();
        m_keepalive->setInterval(KEEPALIVE_MS);
        connect(m_keepalive.get(), &QTimer::timeout, this,
                [this]() { m_bus->publishOperatorsListening(); });
        m_keepalive->start();
    }
    StatsGroup &group = m_groups[statsIntervalMs];
    if (!group.timer) {
        const HubCounters &c = m_hub->counters();
        group.messages = c.messagesStored;
        group.framesIn = c.framesIn;
        group.framesOut = c.framesOut;
        group.connects = c.connectionsTotal;
        group.since.start();
        group.timer = std::make_unique<QTimer>();
        group.timer->setTimerType(Qt::PreciseTimer);
        connect(group.timer.get(), &QTimer::timeout, this,
                [this, statsIntervalMs]() { tick(statsIntervalMs); });
        group.timer->start(statsIntervalMs);
    }
    group.sessions.insert(session);
    qCInfo(lcAdmin) << "connection" << session->connectionId() << "of user" << session->userId()
                    << "subscribed, stats every" << statsIntervalMs << "ms, feed"
                    << (batched ? Admin::FEED_BATCHED : Admin::FEED_SINGLE);
}

void AdminFeed::unsubscribe(Endpoint *session)
{
    const auto it = m_subscribers.find(session);
    if (it == m_subscribers.end())
        return;
    const auto group = m_groups.find(it->statsIntervalMs);
    if (it->batched && --m_batchedCount == 0) {
        m_pendingEvents.clear(); // nobody left to read them
        m_pendingBytes = 0;
        m_batchTimer->stop();
    }
    m_subscribers.erase(it);
    if (m_subscribers.isEmpty())
        m_keepalive.reset();
    if (group == m_groups.end())
        return;
    group->second.sessions.remove(session);
    if (group->second.sessions.isEmpty())
        m_groups.erase(group);
}

void AdminFeed::publish(const QByteArray &frame)
{
    m_bus->publishToOperators(frame);
}

void AdminFeed::deliverToOperators(BusKey, const QByteArray &frame)
{
    if (m_batchedCount < m_subscribers.size()) {
        const auto sessions = m_subscribers.keys();
        for (Endpoint *s : sessions) {
            const auto it = m_subscribers.constFind(s); // a send may have closed an earlier one
            if (it != m_subscribers.cend() && !it->batched)
                s->sendFrame(frame);
        }
    }
    if (m_batchedCount == 0)
        return;
    if (!m_batchTimer->isActive()) {
        // Quiet for an interval: this one goes out at once, and the interval it opens gathers
        // what follows.
        sendToBatched(frame);
        m_batchTimer->start();
        return;
    }
    // m_pendingBytes: the batch frame's size so far (each event and its comma, the frame's
    // own fields within BATCH_FRAME_OVERHEAD).
    if (!m_pendingEvents.isEmpty()
        && BATCH_FRAME_OVERHEAD + m_pendingBytes + frame.size() + 1 > MAX_BATCH_BYTES)
        flushEvents();
    m_pendingEvents.append(frame);
    m_pendingBytes += frame.size() + 1;
    if (m_pendingEvents.size() >= MAX_BATCH_EVENTS)
        flushEvents();
}

void AdminFeed::sendToBatched(const QByteArray &frame)
{
    const auto sessions = m_subscribers.keys();
    for (Endpoint *s : sessions) {
        const auto it = m_subscribers.constFind(s);
        if (it != m_subscribers.cend() && it->batched)
            s->sendFrame(frame);
    }
}

void AdminFeed::flushEvents()
{
    if (m_pendingEvents.isEmpty())
        return;
    const QList<QByteArray> events = std::exchange(m_pendingEvents, {});
    m_pendingBytes = 0;
    // One event alone goes as itself: the same bytes feed 1 subscribers got.
    sendToBatched(events.size() == 1 ? events.first() : Admin::eventBatch(events));
}

void AdminFeed::onBatchTimer()
{
    if (m_pendingEvents.isEmpty())
        return; // quiet: the next event goes out at once
    flushEvents();
    m_batchTimer->start();
}

void AdminFeed::tick(int intervalMs)
{
    const auto it = m_groups.find(intervalMs);
    if (it == m_groups.end())
        return;
    StatsGroup &g = it->second;
    const double seconds = double(std::max<qint64>(g.since.restart(), 1)) / 1000.0;
    const HubCounters &c = m_hub->counters();
    Admin::Stats stats;
    stats.connections = m_hub->connectionCount();
    stats.usersOnline = m_hub->userCount();
    stats.rooms = m_rooms->roomCount();
    stats.messagesStored = messagesStored();
    stats.messagesPerSec = perSecond(c.messagesStored, g.messages, seconds);
    stats.framesInPerSec = perSecond(c.framesIn, g.framesIn, seconds);
    stats.framesOutPerSec = perSecond(c.framesOut, g.framesOut, seconds);
    stats.connectsPerSec = perSecond(c.connectionsTotal, g.connects, seconds);
    stats.rssBytes = residentBytes();
    g.messages = c.messagesStored;
    g.framesIn = c.framesIn;
    g.framesOut = c.framesOut;
    g.connects = c.connectionsTotal;
    auto send = [this, intervalMs](const QByteArray &frame) {
        const auto group = m_groups.find(intervalMs);
        if (group == m_groups.end())
            return; // nobody subscribes at this interval any more
        const QList<Endpoint *> sessions = group->second.sessions.values(); // may go meanwhile
        for (Endpoint *s : sessions) {
            if (m_subscribers.value(s).statsIntervalMs == intervalMs)
                s->sendFrame(frame);
        }
    };
    if (m_bus->nodeId().isEmpty()) {
        send(Admin::stats(stats));
    } else {
        // Several nodes: with every node's entry (GET /api/v1/nodes), from their heartbeats.
        m_bus->nodes(this, [send, fields = stats.toJson()](const QJsonArray &nodes) {
            QJsonObject withNodes = fields;
            withNodes.insert(QStringLiteral("nodes"), nodes);
            send(Events::encode(ServerType::ADMIN_STATS, withNodes));
        });
    }
    // Retention purges and other nodes' writes drift from the counter: recount now and then.
    if (m_storedRefreshed.elapsed() > 60'000)
        refreshStoredBase();
}

void AdminFeed::refreshStoredBase()
{
    if (m_refreshing)
        return;
    m_refreshing = true;
    m_store->run<qint64>(
        this, [](Store &store) { return store.messageCount(); },
        [this](std::optional<qint64> count, QString) {
            m_refreshing = false;
            m_storedRefreshed.restart();
            if (!count)
                return;
            m_storedBase = *count;
            m_storedCounterBase = m_hub->counters().messagesStored;
        });
}

// --- events

void AdminFeed::connectionOpened(const Endpoint *s)
{
    if (!active())
        return;
    publish(Admin::event(
        AdminEvent::CONNECTION_OPENED,
        {{QStringLiteral("user_id"), s->userId()},
         {QStringLiteral("name"), s->username()},
         {QStringLiteral("role"), s->isAdmin() ? QStringLiteral("admin") : QStringLiteral("user")},
         // Memberships persist: a user coming online is already in its rooms.
         {QStringLiteral("rooms"), QJsonArray::fromStringList(m_rooms->roomsOf(s->userId()))},
         {QStringLiteral("connection"), connectionJson(*s)}}));
}

void AdminFeed::connectionClosed(const Endpoint *s, int code, const QString &reason)
{
    if (!active())
        return;
    QJsonObject e = Admin::connectionClosed(s->userId(), s->connectionId(), code, reason);
    if (const QString node = m_bus->nodeId(); !node.isEmpty())
        e.insert(QStringLiteral("node_id"), node); // connection ids are each node's own
    publish(Admin::event(AdminEvent::CONNECTION_CLOSED, e));
}

void AdminFeed::userStatus(qint64 userId, const QString &name, const QString &status,
                           const QJsonObject &data, qint64 lastSeen)
{
    if (!active())
        return;
    publish(Admin::event(AdminEvent::USER_STATUS,
                         Admin::userStatus(userId, name, status, data, lastSeen)));
}

void AdminFeed::room(QLatin1StringView event, const QString &roomId)
{
    if (!active())
        return;
    const auto view = m_rooms->view(roomId, operatorView());
    if (!view)
        return;
    publish(Admin::event(event, {{QStringLiteral("room"), RoomService::toJson(*view)}}));
}

void AdminFeed::roomCreated(const QString &roomId)
{
    room(AdminEvent::ROOM_CREATED, roomId);
}

void AdminFeed::roomUpdated(const QString &roomId)
{
    room(AdminEvent::ROOM_UPDATED, roomId);
}

void AdminFeed::roomDeleted(const QString &roomId)
{
    if (!active())
        return;
    publish(Admin::event(AdminEvent::ROOM_DELETED, {{QStringLiteral("room_id"), roomId}}));
}

void AdminFeed::roomMember(const QString &roomId, qint64 userId, bool joined)
{
    if (!active())
        return;
    publish(Admin::event(AdminEvent::ROOM_MEMBER, Admin::roomMember(roomId, userId, joined)));
}

void AdminFeed::broadcast(qint64 fromUserId, const QString &target, const QString &roomId,
                          qint64 userId, int recipients, const QString &kind)
{
    if (!active())
        return;
    publish(Admin::event(AdminEvent::BROADCAST,
                         Admin::broadcast(fromUserId, target, roomId, userId, recipients, kind)));
}

void AdminFeed::userDisabled(qint64 userId)
{
    if (!active())
        return;
    publish(Admin::event(AdminEvent::USER_DISABLED, {{QStringLiteral("user_id"), userId}}));
}

void AdminFeed::errorSent(qint64 userId, quint64 connectionId, ErrorCode code)
{
    if (!active())
        return;
    QJsonObject e = Admin::errorSent(userId, connectionId, code);
    if (const QString node = m_bus->nodeId(); !node.isEmpty())
        e.insert(QStringLiteral("node_id"), node);
    publish(Admin::event(AdminEvent::ERROR_SENT, e));
}

} // namespace Switchboard
