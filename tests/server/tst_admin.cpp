// SPDX-License-Identifier: MIT
// The operator feed end to end over real sockets, on SQLite and PostgreSQL: the snapshot
// (connections with address, client and heartbeat round trip), live events as other clients
// act, stats ticks, many events to several subscribers, FORBIDDEN for non-admins.
// Admin REST actions: tst_adminrest.
#include "admintestsupport.h"

#include "hub/adminfeed.h"
#include "hub/hub.h"
#include "hub/roomservice.h"
#include "net/session.h"
#include "protocol/protocol.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;

namespace {

void shortHeartbeat(Config &c)
{
    c.heartbeatIntervalMs = 200;
    c.heartbeatTimeoutMs = 10000;
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

QTEST_GUILESS_MAIN(tst_Admin)
#include "tst_admin.moc"
