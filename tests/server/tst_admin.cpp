// SPDX-License-Identifier: MIT
// The operator feed end to end over real sockets, on SQLite and PostgreSQL: the snapshot
// (connections with address, client and heartbeat round trip), live events as other clients
// act, stats ticks, many events to several subscribers, FORBIDDEN for non-admins; feed 2's
// batched events (a storm, each event once and in order) and paged snapshot.
// Admin REST actions: tst_adminrest.
#include "admintestsupport.h"

#include "hub/adminfeed.h"
#include "hub/hub.h"
#include "hub/roomservice.h"
#include "net/session.h"
#include "protocol/protocol.h"

#include <algorithm>
#include <vector>

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;

namespace {

void shortHeartbeat(Config &c)
{
    c.heartbeatIntervalMs = 200;
    c.heartbeatTimeoutMs = 10000;
}

// The feed's frames (events alone or in batches) a client received.
qsizetype eventFrames(const WsClient &c)
{
    return c.eventsOfType(QStringLiteral("admin_event")).size()
        + c.eventsOfType(QStringLiteral("admin_events")).size();
}

QJsonObject subscribeBatched(WsClient &admin)
{
    return request(admin, "admin_subscribe",
                   {{QStringLiteral("feed"), 2}, {QStringLiteral("stats_interval_ms"), 60000}},
                   "admin_snapshot");
}

} // namespace

class tst_Admin : public QObject
{
    Q_OBJECT

private slots:
    void snapshotAndLiveEvents_data() { addBackendRows(); }
    void snapshotAndLiveEvents();
    void statsTicksAndUnsubscribe();
    void nonAdminsAreRefused();
    void manyEventsReachEverySubscriber();
    void arrivalCarriesRooms();
    void stormIsBatchedEachEventOnceInOrder();
    void loneEventGoesAtOnce();
    void snapshotInPages();
};

void tst_Admin::snapshotAndLiveEvents()
{
    QFETCH(QString, backend);
    TestServer server(backend, shortHeartbeat);
    START_SERVER(server);
    auto bob = connectAs(server, 2, false, QStringLiteral("client=test-bot%2F1.0"));
    auto admin = connectAs(server, 1, true);
    QVERIFY(bob && admin);
    // The heartbeat runs every 200 ms: wait for bob's first measured round trip.
    QTRY_VERIFY_WITH_TIMEOUT(!server.app()->hub()->sessionsOf(2).isEmpty()
                                 && server.app()->hub()->sessionsOf(2).first()->lastRttMs() >= 0,
                             10000);

    const QJsonObject snap = request(*admin, "admin_subscribe", {}, "admin_snapshot");
    QCOMPARE(str(snap, "type"), QStringLiteral("admin_snapshot"));
    const QJsonObject info = snap.value(QStringLiteral("server")).toObject();
    QCOMPARE(str(info, "storage"), backend);
    QVERIFY(!str(info, "version").isEmpty());
    QVERIFY(str(info, "listen").endsWith(QLatin1Char(':') + QString::number(server.port())));
    QVERIFY(num(info, "started_at") > 0);
    QVERIFY(info.value(QStringLiteral("uptime_ms")).isDouble());
    const QJsonObject totals = snap.value(QStringLiteral("totals")).toObject();
    QCOMPARE(num(totals, "connections"), 2);
    QCOMPARE(num(totals, "users_online"), 2);
    QCOMPARE(num(totals, "rooms"), qint64(server.app()->rooms()->roomCount()));
    QVERIFY(totals.value(QStringLiteral("messages_stored")).isDouble());
    const QJsonObject bobEntry = findUser(snap.value(QStringLiteral("users")).toArray(), 2);
    QCOMPARE(str(bobEntry, "role"), QStringLiteral("user"));
    QCOMPARE(str(bobEntry, "status"), QStringLiteral("online"));
    QVERIFY(bobEntry.value(QStringLiteral("rooms")).isArray());
    const QJsonArray bobConnections = bobEntry.value(QStringLiteral("connections")).toArray();
    QCOMPARE(bobConnections.size(), 1);
    const QJsonObject conn = bobConnections.first().toObject();
    QVERIFY2(str(conn, "address").startsWith(QStringLiteral("127.0.0.1:")),
             qPrintable(str(conn, "address")));
    QCOMPARE(str(conn, "client"), QStringLiteral("test-bot/1.0"));
    QVERIFY2(conn.value(QStringLiteral("rtt_ms")).isDouble(), "rtt_ms is measured by now");
    QVERIFY(num(conn, "rtt_ms") >= 0);
    QVERIFY(conn.value(QStringLiteral("queue_bytes")).isDouble());
    QVERIFY(num(conn, "connected_at") > 0);
    QCOMPARE(str(findUser(snap.value(QStringLiteral("users")).toArray(), 1), "role"),
             QStringLiteral("admin"));
    QVERIFY(!snap.value(QStringLiteral("rooms")).toArray().isEmpty()); // the default rooms
    const QJsonObject general = snap.value(QStringLiteral("rooms")).toArray().first().toObject();
    for (const char *key : {"room_id", "name", "private", "post_policy", "max_members", "members",
                            "online_members", "messages"})
        QVERIFY2(general.contains(QLatin1StringView(key)), key);

    // Carol arrives with a User-Agent and no ?client=.
    WsClient carol;
    QVERIFY(carol.open(server.wsUrl(QString::fromLatin1(server.token(3, QStringLiteral("carol")))),
                       5000, {{"User-Agent", "carol-agent/2"}}));
    QVERIFY(!carol.waitFor(QStringLiteral("connected")).isEmpty());
    const QJsonObject opened = waitEvent(*admin, "connection_opened", forUser(3));
    QCOMPARE(str(opened, "name"), QStringLiteral("carol"));
    QCOMPARE(str(opened, "role"), QStringLiteral("user"));
    const QJsonObject carolConn = opened.value(QStringLiteral("connection")).toObject();
    QCOMPARE(str(carolConn, "client"), QStringLiteral("carol-agent/2"));
    // Not measured yet, unless the first ping's pong beat the event (a loaded machine).
    const QJsonValue carolRtt = carolConn.value(QStringLiteral("rtt_ms"));
    QVERIFY2(carolRtt.isNull() || (carolRtt.isDouble() && carolRtt.toDouble() >= 0),
             qPrintable(QJsonDocument(carolConn).toJson(QJsonDocument::Compact)));
    QVERIFY(!str(carolConn, "connection_id").isEmpty());
    QVERIFY(!waitEvent(*admin, "user_status", [](const QJsonObject &e) {
                 return num(e, "user_id") == 3 && str(e, "status") == QLatin1StringView("online");
             }).isEmpty());

    // Status with data, seen although the admin shares no room with carol.
    carol.send(frame("presence",
                     {{QStringLiteral("status"), QStringLiteral("away")},
                      {QStringLiteral("data"),
                       QJsonObject {{QStringLiteral("note"), QStringLiteral("lunch")}}}}));
    const QJsonObject away = waitEvent(*admin, "user_status", [](const QJsonObject &e) {
        return num(e, "user_id") == 3 && str(e, "status") == QLatin1StringView("away");
    });
    QCOMPARE(str(away.value(QStringLiteral("status_data")).toObject(), "note"),
             QStringLiteral("lunch"));
    QVERIFY(num(away, "last_seen") > 0);

    // Rooms: created, joined, left, updated, deleted.
    QCOMPARE(replyType(request(carol, "room_create",
                               {{QStringLiteral("room_id"), QStringLiteral("ops")}}, "room")),
             QStringLiteral("room"));
    const QJsonObject created = waitEvent(*admin, "room_created");
    QCOMPARE(str(created.value(QStringLiteral("room")).toObject(), "room_id"),
             QStringLiteral("ops"));
    QCOMPARE(num(created.value(QStringLiteral("room")).toObject(), "members"), 1);
    QCOMPARE(
        replyType(request(*bob, "room_join", {{QStringLiteral("room_id"), QStringLiteral("ops")}},
                          "room_joined")),
        QStringLiteral("room_joined"));
    const QJsonObject joined = waitEvent(*admin, "room_member", forUser(2));
    QCOMPARE(str(joined, "room_id"), QStringLiteral("ops"));
    QCOMPARE(joined.value(QStringLiteral("joined")).toBool(false), true);
    QCOMPARE(replyType(request(*bob, "room_leave",
                               {{QStringLiteral("room_id"), QStringLiteral("ops")}}, "room_left")),
             QStringLiteral("room_left"));
    QVERIFY(!waitEvent(*admin, "room_member", [](const QJsonObject &e) {
                 return num(e, "user_id") == 2 && !e.value(QStringLiteral("joined")).toBool(true);
             }).isEmpty());
    QCOMPARE(replyType(request(carol, "room_update",
                               {{QStringLiteral("room_id"), QStringLiteral("ops")},
                                {QStringLiteral("post_policy"), QStringLiteral("owners")}},
                               "room")),
             QStringLiteral("room"));
    const QJsonObject updated = waitEvent(*admin, "room_updated");
    QCOMPARE(str(updated.value(QStringLiteral("room")).toObject(), "post_policy"),
             QStringLiteral("owners"));

    // Broadcasts: the admin's own over WebSocket, and one to a room over REST.
    QCOMPARE(str(request(*admin, "broadcast",
                         {{QStringLiteral("content"), QStringLiteral("hi all")}}, "ack"),
                 "type"),
             QStringLiteral("ack"));
    const QJsonObject toAll = waitEvent(*admin, "broadcast");
    QCOMPARE(str(toAll, "target"), QStringLiteral("all"));
    QCOMPARE(num(toAll, "recipients"), 3);
    QCOMPARE(num(toAll, "from_user_id"), 1);
    const HttpResult roomCast
        = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/broadcast")),
                   {{QStringLiteral("target"), QStringLiteral("room")},
                    {QStringLiteral("room_id"), QStringLiteral("ops")},
                    {QStringLiteral("kind"), QStringLiteral("notification")},
                    {QStringLiteral("title"), QStringLiteral("Maintenance")},
                    {QStringLiteral("message"), QStringLiteral("at noon")},
                    {QStringLiteral("priority"), QStringLiteral("high")}},
                   apiKey(server));
    QCOMPARE(roomCast.status, 202);
    QCOMPARE(num(roomCast.json, "recipients"), 1);
    const QJsonObject note = carol.waitFor(QStringLiteral("notification"));
    QCOMPARE(str(note, "room_id"), QStringLiteral("ops"));
    QCOMPARE(str(note.value(QStringLiteral("data")).toObject(), "title"),
             QStringLiteral("Maintenance"));
    QVERIFY(bob->noEventOfType(QStringLiteral("notification"), 200));
    const QJsonObject toRoom = waitEvent(*admin, "broadcast", [](const QJsonObject &e) {
        return str(e, "target") == QLatin1StringView("room");
    });
    QCOMPARE(str(toRoom, "room_id"), QStringLiteral("ops"));
    QCOMPARE(str(toRoom, "kind"), QStringLiteral("notification"));
    QCOMPARE(num(toRoom, "recipients"), 1);

    // An error sent to a client.
    carol.send(frame("no_such_frame"));
    QCOMPARE(errorCode(carol.waitFor(QStringLiteral("error"))),
             QStringLiteral("UNKNOWN_MESSAGE_TYPE"));
    const QJsonObject error = waitEvent(*admin, "error_sent", forUser(3));
    QCOMPARE(str(error, "code"), QStringLiteral("UNKNOWN_MESSAGE_TYPE"));
    QCOMPARE(str(error, "connection_id"), str(carolConn, "connection_id"));

    QCOMPARE(str(request(carol, "room_delete", {{QStringLiteral("room_id"), QStringLiteral("ops")}},
                         "room_deleted"),
                 "type"),
             QStringLiteral("room_deleted"));
    QCOMPARE(str(waitEvent(*admin, "room_deleted"), "room_id"), QStringLiteral("ops"));

    // Carol leaves: her connection closes, then she is offline.
    carol.socket().close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("done"));
    const QJsonObject closed = waitEvent(*admin, "connection_closed", forUser(3));
    QCOMPARE(num(closed, "code"), 1000);
    QCOMPARE(str(closed, "connection_id"), str(carolConn, "connection_id"));
    const QJsonObject offline = waitEvent(*admin, "user_status", [](const QJsonObject &e) {
        return num(e, "user_id") == 3 && str(e, "status") == QLatin1StringView("offline");
    });
    QVERIFY(num(offline, "last_seen") > 0);
}

void tst_Admin::statsTicksAndUnsubscribe()
{
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto admin = connectAs(server, 1, true);
    auto bob = connectAs(server, 2);
    QVERIFY(admin && bob);
    QVERIFY(!request(*admin, "admin_subscribe", {{QStringLiteral("stats_interval_ms"), 250}},
                     "admin_snapshot")
                 .isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(admin->eventsOfType(QStringLiteral("admin_stats")).size() >= 2, 10000);
    const QJsonObject stats = admin->eventsOfType(QStringLiteral("admin_stats")).last();
    QCOMPARE(num(stats, "connections"), 2);
    QCOMPARE(num(stats, "users_online"), 2);
    QCOMPARE(num(stats, "rooms"), qint64(server.app()->rooms()->roomCount()));
    for (const char *key : {"messages_stored", "messages_per_sec", "frames_in_per_sec",
                            "frames_out_per_sec", "connects_per_sec"})
        QVERIFY2(stats.value(QLatin1StringView(key)).isDouble(), key);
#ifdef Q_OS_LINUX
    QVERIFY(num(stats, "rss_bytes") > 0);
#endif

    // A stored message shows in the next ticks' total.
    const qint64 before = num(stats, "messages_stored");
    QCOMPARE(
        str(request(*bob, "send",
                    {{QStringLiteral("to"), 1}, {QStringLiteral("content"), QStringLiteral("x")}},
                    "ack"),
            "type"),
        QStringLiteral("ack"));
    QTRY_VERIFY_WITH_TIMEOUT(
        num(admin->eventsOfType(QStringLiteral("admin_stats")).last(), "messages_stored")
            == before + 1,
        10000);

    // Out of range intervals are refused by the codec.
    QCOMPARE(errorCode(request(*admin, "admin_subscribe",
                               {{QStringLiteral("stats_interval_ms"), 100}}, "admin_snapshot")),
             QStringLiteral("VALIDATION_ERROR"));

    QCOMPARE(str(request(*admin, "admin_unsubscribe", {}, "ack"), "type"), QStringLiteral("ack"));
    const qsizetype ticks = admin->eventsOfType(QStringLiteral("admin_stats")).size();
    QTest::qWait(800);
    QCOMPARE(admin->eventsOfType(QStringLiteral("admin_stats")).size(), ticks);
    // No subscriber left: events are not even encoded.
    QCOMPARE(server.app()->adminFeed()->subscriberCount(), 0);
}

void tst_Admin::nonAdminsAreRefused()
{
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto bob = connectAs(server, 2);
    QVERIFY(bob);
    QCOMPARE(errorCode(request(*bob, "admin_subscribe", {}, "admin_snapshot")),
             QStringLiteral("FORBIDDEN"));
    QVERIFY(bob->noEventOfType(QStringLiteral("admin_stats"), 1300));
    QVERIFY(bob->isConnected());
    const QByteArray userToken = server.token(2);
    for (const char *path : {"/api/v1/connections", "/api/v1/server", "/api/v1/audience"})
        QCOMPARE(http("GET", server.httpUrl(QLatin1StringView(path)), {}, userToken).status, 403);
}

void tst_Admin::manyEventsReachEverySubscriber()
{
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto a1 = connectAs(server, 1, true), a2 = connectAs(server, 4, true);
    auto carol = connectAs(server, 3);
    QVERIFY(a1 && a2 && carol);
    QVERIFY(!request(*a1, "admin_subscribe", {{QStringLiteral("stats_interval_ms"), 60000}},
                     "admin_snapshot")
                 .isEmpty());
    QVERIFY(!request(*a2, "admin_subscribe", {}, "admin_snapshot").isEmpty());
    constexpr int CHANGES = 300;
    for (int i = 0; i < CHANGES; ++i)
        carol->send(frame("presence",
                          {{QStringLiteral("status"),
                            i % 2 ? QStringLiteral("online") : QStringLiteral("busy")}}));
    auto statusCount = [](WsClient &c) {
        int n = 0;
        for (const QJsonObject &e : c.eventsOfType(QStringLiteral("admin_event")))
            n += str(e, "event") == QLatin1StringView("user_status") && num(e, "user_id") == 3;
        return n;
    };
    QTRY_COMPARE_WITH_TIMEOUT(statusCount(*a1), CHANGES, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(statusCount(*a2), CHANGES, 15000);
    // In order: the last one set "online" (i = 299 is odd).
    QJsonObject last;
    for (const QJsonObject &e : a2->eventsOfType(QStringLiteral("admin_event"))) {
        if (str(e, "event") == QLatin1StringView("user_status"))
            last = e;
    }
    QCOMPARE(str(last, "status"), QStringLiteral("online"));
}

void tst_Admin::arrivalCarriesRooms()
{
    // A user who comes online after the snapshot: its connection_opened says which rooms it is
    // in, so an operator's view of that user is complete without another snapshot.
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto admin = connectAs(server, 1, true);
    QVERIFY(admin);
    QVERIFY(!request(*admin, "admin_subscribe", {}, "admin_snapshot").isEmpty());
    {
        auto dave = connectAs(server, 4);
        QVERIFY(dave);
        QCOMPARE(replyType(request(*dave, "room_join",
                                   {{QStringLiteral("room_id"), QStringLiteral("support")}},
                                   "room_joined")),
                 QStringLiteral("room_joined"));
        const QJsonObject first = waitEvent(*admin, "connection_opened", forUser(4));
        QCOMPARE(first.value(QStringLiteral("rooms")).toArray(), QJsonArray());
    }
    QVERIFY(!waitEvent(*admin, "connection_closed", forUser(4)).isEmpty());
    auto again = connectAs(server, 4);
    QVERIFY(again);
    const QJsonObject second = waitEvent(*admin, "connection_opened", [](const QJsonObject &e) {
        return num(e, "user_id") == 4 && !e.value(QStringLiteral("rooms")).toArray().isEmpty();
    });
    QCOMPARE(second.value(QStringLiteral("rooms")).toArray(),
             QJsonArray {QStringLiteral("support")});
}

void tst_Admin::stormIsBatchedEachEventOnceInOrder()
{
    // Feed 2 batches a storm; feed 1 gets every event alone, as before. The same events reach
    // both, in the same order.
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto single = connectAs(server, 1, true), batched = connectAs(server, 2, true);
    QVERIFY(single && batched);
    QVERIFY(!request(*single, "admin_subscribe", {}, "admin_snapshot").isEmpty());
    QVERIFY(!subscribeBatched(*batched).isEmpty());
    constexpr qint64 FIRST_ID = 1000;
    constexpr int N = 300;
    auto clients = openStorm(server, FIRST_ID, N);
    QCOMPARE(int(clients.size()), N);
    for (const auto &c : clients)
        c->socket().close();
    // Per user: connection_opened, user_status online, connection_closed, user_status offline.
    const auto stormEvents = [](const WsClient &c) {
        QList<QJsonObject> events;
        for (const QJsonObject &e : adminEvents(c)) {
            if (num(e, "user_id") >= FIRST_ID)
                events.append(e);
        }
        return events;
    };
    QTRY_COMPARE_WITH_TIMEOUT(stormEvents(*single).size(), qsizetype(4 * N), 30000);
    QTRY_COMPARE_WITH_TIMEOUT(stormEvents(*batched).size(), qsizetype(4 * N), 30000);
    QTest::qWait(300); // nothing more comes: no event twice
    const QList<QJsonObject> reference = stormEvents(*single);
    QCOMPARE(stormEvents(*batched), reference); // the same events, once each, in order
    QCOMPARE(stormEvents(*single).size(), qsizetype(4 * N));
    QCOMPARE(eventFrames(*single), qsizetype(adminEvents(*single).size())); // feed 1: one each

    // Each connection opened once, then closed once; each user online once, then offline.
    QHash<qint64, QStringList> perUser;
    for (const QJsonObject &e : reference) {
        const QString what = str(e, "event") == QLatin1StringView("user_status") ? str(e, "status")
                                                                                 : str(e, "event");
        perUser[num(e, "user_id")].append(what);
    }
    QCOMPARE(perUser.size(), qsizetype(N));
    for (auto it = perUser.cbegin(); it != perUser.cend(); ++it) {
        QVERIFY2(
            it.value()
                == QStringList({QStringLiteral("connection_opened"), QStringLiteral("online"),
                                QStringLiteral("connection_closed"), QStringLiteral("offline")}),
            qPrintable(QString::number(it.key()) + QLatin1Char(' ')
                       + it.value().join(QLatin1Char(','))));
    }

    // Far fewer frames than events, each batch within its caps.
    const qsizetype frames = eventFrames(*batched);
    QVERIFY2(frames * 8 <= 4 * N,
             qPrintable(QStringLiteral("%1 frames for %2 events").arg(frames).arg(4 * N)));
    qsizetype batches = 0;
    for (const QJsonObject &b : batched->eventsOfType(QStringLiteral("admin_events"))) {
        const QJsonArray events = b.value(QStringLiteral("events")).toArray();
        QVERIFY(events.size() >= 2);
        QVERIFY(events.size() <= AdminFeed::MAX_BATCH_EVENTS);
        const qsizetype bytes = QJsonDocument(b).toJson(QJsonDocument::Compact).size();
        QVERIFY2(bytes <= AdminFeed::MAX_BATCH_BYTES, qPrintable(QString::number(bytes)));
        for (const QJsonValue &e : events)
            QCOMPARE(str(e.toObject(), "type"), QStringLiteral("admin_event"));
        ++batches;
    }
    QVERIFY(batches > 0);
}

void tst_Admin::loneEventGoesAtOnce()
{
    // After a quiet interval an event is not held for a batch: it reaches the subscriber
    // before the answer to a ping sent once the event happened.
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto admin = connectAs(server, 1, true), carol = connectAs(server, 3);
    QVERIFY(admin && carol);
    QVERIFY(!subscribeBatched(*admin).isEmpty());
    for (const char *room : {"support", "general"}) {
        QTest::qWait(3 * AdminFeed::BATCH_INTERVAL_MS); // quiet
        const qsizetype before = admin->events().size();
        QCOMPARE(replyType(request(*carol, "room_join",
                                   {{QStringLiteral("room_id"), QLatin1StringView(room)}},
                                   "room_joined")),
                 QStringLiteral("room_joined"));
        QVERIFY(!request(*admin, "ping", {}, "pong").isEmpty());
        const QList<QJsonObject> after = admin->events().mid(before);
        const auto pong = std::find_if(after.begin(), after.end(), [](const QJsonObject &e) {
            return str(e, "type") == QLatin1StringView("pong");
        });
        const auto member = std::find_if(after.begin(), after.end(), [](const QJsonObject &e) {
            return str(e, "type") == QLatin1StringView("admin_event")
                && str(e, "event") == QLatin1StringView("room_member");
        });
        QVERIFY2(member != after.end() && member < pong, room);
        QCOMPARE(str(*member, "room_id"), QString::fromLatin1(room));
    }
}

void tst_Admin::snapshotInPages()
{
    // More users than two pages: the first page comes with the snapshot, the rest in pages;
    // each online user is in exactly one. A feed 1 subscriber still gets one whole snapshot.
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto single = connectAs(server, 1, true), batched = connectAs(server, 2, true);
    QVERIFY(single && batched);
    constexpr int N = 2 * AdminFeed::SNAPSHOT_PAGE_USERS + 17;
    auto clients = openStorm(server, 1000, N);
    QCOMPARE(int(clients.size()), N);
    QSet<qint64> expected {1, 2};
    for (int i = 0; i < N; ++i)
        expected.insert(1000 + i);

    const QJsonObject snap = subscribeBatched(*batched);
    QCOMPARE(num(snap, "pages"), qint64(3));
    QCOMPARE(snap.value(QStringLiteral("users")).toArray().size(),
             qsizetype(AdminFeed::SNAPSHOT_PAGE_USERS));
    QTRY_COMPARE_WITH_TIMEOUT(batched->eventsOfType(QStringLiteral("admin_snapshot_page")).size(),
                              2, 10000);
    QList<qint64> ids;
    for (const QJsonValue &u : snap.value(QStringLiteral("users")).toArray())
        ids.append(num(u.toObject(), "user_id"));
    qint64 page = 1;
    for (const QJsonObject &p : batched->eventsOfType(QStringLiteral("admin_snapshot_page"))) {
        QCOMPARE(num(p, "page"), ++page);
        QCOMPARE(num(p, "pages"), qint64(3));
        QCOMPARE(num(p, "id"), num(snap, "id"));
        for (const QJsonValue &u : p.value(QStringLiteral("users")).toArray()) {
            const QJsonObject user = u.toObject();
            ids.append(num(user, "user_id"));
            QCOMPARE(user.value(QStringLiteral("connections")).toArray().size(), qsizetype(1));
        }
    }
    QCOMPARE(ids.size(), expected.size()); // no one twice
    QCOMPARE(QSet<qint64>(ids.begin(), ids.end()), expected);
    // The pages come before any later event.
    clients.pop_back();
    QVERIFY(!waitEvent(*batched, "connection_closed").isEmpty());
    qsizetype lastPage = -1, firstEvent = -1;
    for (qsizetype i = 0; i < batched->events().size(); ++i) {
        const QString type = str(batched->events().at(i), "type");
        if (type == QLatin1StringView("admin_snapshot_page"))
            lastPage = i;
        else if (firstEvent < 0 && type.startsWith(QLatin1StringView("admin_event")))
            firstEvent = i;
    }
    QVERIFY(lastPage >= 0 && firstEvent > lastPage);

    const QJsonObject whole = request(*single, "admin_subscribe", {}, "admin_snapshot");
    QVERIFY(!whole.contains(QStringLiteral("pages")));
    QCOMPARE(whole.value(QStringLiteral("users")).toArray().size(), expected.size() - 1);
    QVERIFY(single->noEventOfType(QStringLiteral("admin_snapshot_page"), 200));
}

QTEST_GUILESS_MAIN(tst_Admin)
#include "tst_admin.moc"
