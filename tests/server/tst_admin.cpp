// SPDX-License-Identifier: MIT
// The operator feed and admin REST actions end to end over real sockets, on SQLite and
// PostgreSQL: snapshot (connections with address, client and heartbeat round trip), live
// events as other clients act, stats ticks, FORBIDDEN for non-admins; closing connections,
// disconnecting and disabling users, audiences, targeted broadcasts, minted tokens.
#include "testsupport.h"

#include "hub/adminfeed.h"
#include "hub/hub.h"
#include "hub/roomservice.h"
#include "net/session.h"
#include "protocol/protocol.h"

#include <functional>

#include <QJsonArray>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;

namespace {

using Match = std::function<bool(const QJsonObject &)>;

// The first admin_event named `event` that matches (waits up to timeoutMs); empty on timeout.
QJsonObject waitEvent(WsClient &c, const char *event, const Match &match = {},
                      int timeoutMs = 10000)
{
    QDeadlineTimer deadline(timeoutMs);
    do {
        for (const QJsonObject &e : c.events()) {
            if (str(e, "type") == QLatin1StringView("admin_event")
                && str(e, "event") == QLatin1StringView(event) && (!match || match(e)))
                return e;
        }
        QTest::qWait(5);
    } while (!deadline.hasExpired());
    return {};
}

Match forUser(qint64 userId)
{
    return [userId](const QJsonObject &e) { return num(e, "user_id") == userId; };
}

QJsonObject findUser(const QJsonArray &users, qint64 userId)
{
    for (const QJsonValue &u : users) {
        if (num(u.toObject(), "user_id") == userId)
            return u.toObject();
    }
    return {};
}

// The type of a reply: the expected one, "error", or "" on timeout.
QString replyType(const QJsonObject &reply)
{
    return str(reply, "type");
}

QByteArray apiKey(TestServer &server)
{
    return server.config().apiKey.toUtf8();
}

// Creates a user over REST; returns its id (0 on failure).
qint64 createUser(TestServer &server, const QString &name, bool admin = false)
{
    const HttpResult r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/users")),
                                  {{QStringLiteral("username"), name},
                                   {QStringLiteral("password"), QStringLiteral("password-123")},
                                   {QStringLiteral("admin"), admin}},
                                  apiKey(server));
    return r.status == 201 ? num(r.json, "user_id") : 0;
}

constexpr qint64 ADMIN_ID = 100;

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
    void closeAndDisconnect_data() { addBackendRows(); }
    void closeAndDisconnect();
    void disableAndEnable_data() { addBackendRows(); }
    void disableAndEnable();
    void audienceAndTargetedBroadcasts();
    void mintTokens_data() { addBackendRows(); }
    void mintTokens();
    void serverInfoAndUsers_data() { addBackendRows(); }
    void serverInfoAndUsers();
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
    QVERIFY(carolConn.value(QStringLiteral("rtt_ms")).isNull());
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

void tst_Admin::closeAndDisconnect()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const qint64 alice = createUser(server, QStringLiteral("alice"));
    QVERIFY(alice > 0);
    auto admin = connectAs(server, ADMIN_ID, true); // no stored user: ids of created users differ
    QVERIFY(admin);
    QVERIFY(!request(*admin, "admin_subscribe", {}, "admin_snapshot").isEmpty());
    auto a1 = std::make_unique<WsClient>();
    QUrl a1Url = server.wsUrl(QString::fromLatin1(server.token(alice, QStringLiteral("alice"))));
    a1Url.setQuery(a1Url.query() + QStringLiteral("&client=phone"));
    QVERIFY(a1->open(a1Url));
    QVERIFY(!a1->waitFor(QStringLiteral("connected")).isEmpty());

    const HttpResult list
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/connections")), {}, apiKey(server));
    QCOMPARE(list.status, 200);
    QJsonObject mine;
    for (const QJsonValue &v : list.json.value(QStringLiteral("connections")).toArray()) {
        if (num(v.toObject(), "user_id") == alice)
            mine = v.toObject();
    }
    QCOMPARE(str(mine, "client"), QStringLiteral("phone"));
    QCOMPARE(str(mine, "name"), QStringLiteral("alice"));
    QVERIFY(str(mine, "address").startsWith(QStringLiteral("127.0.0.1:")));
    QVERIFY(mine.value(QStringLiteral("queue_bytes")).isDouble());
    QCOMPARE(list.json.value(QStringLiteral("connections")).toArray().size(), 2);

    // Close that one connection, with a reason.
    const QString id = str(mine, "connection_id");
    const HttpResult closed
        = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/connections/%1/close").arg(id)),
                   {{QStringLiteral("reason"), QStringLiteral("maintenance")}}, apiKey(server));
    QCOMPARE(closed.status, 200);
    QCOMPARE(num(closed.json, "closed"), 1);
    QCOMPARE(a1->waitClosed(), Protocol::CloseCode::KICKED);
    QCOMPARE(a1->socket().closeReason(), QStringLiteral("maintenance"));
    const QJsonObject event = waitEvent(*admin, "connection_closed", forUser(alice));
    QCOMPARE(num(event, "code"), Protocol::CloseCode::KICKED);
    QCOMPARE(str(event, "reason"), QStringLiteral("maintenance"));
    QCOMPARE(http("POST", server.httpUrl(QStringLiteral("/api/v1/connections/%1/close").arg(id)),
                  {}, apiKey(server))
                 .status,
             404);

    // Disconnect every connection of the user (default reason, empty body).
    auto b1 = connectAs(server, alice), b2 = connectAs(server, alice);
    QVERIFY(b1 && b2);
    const HttpResult all
        = http("POST", server.httpUrl(QStringLiteral("/api/v1/users/%1/disconnect").arg(alice)), {},
               apiKey(server));
    QCOMPARE(all.status, 200);
    QCOMPARE(num(all.json, "closed"), 2);
    QCOMPARE(b1->waitClosed(), Protocol::CloseCode::KICKED);
    QCOMPARE(b2->waitClosed(), Protocol::CloseCode::KICKED);
    QCOMPARE(b1->socket().closeReason(), QStringLiteral("closed by operator"));
    // They may come back: this is not a ban.
    QVERIFY(connectAs(server, alice));
    // An admin token works too; a user token does not.
    QCOMPARE(http("POST", server.httpUrl(QStringLiteral("/api/v1/users/%1/disconnect").arg(alice)),
                  {}, server.token(9, {}, true))
                 .status,
             200);
    QCOMPARE(http("POST", server.httpUrl(QStringLiteral("/api/v1/users/%1/disconnect").arg(alice)),
                  {}, server.token(9))
                 .status,
             403);
}

void tst_Admin::disableAndEnable()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const qint64 dave = createUser(server, QStringLiteral("dave"));
    QVERIFY(dave > 0);
    auto admin = connectAs(server, ADMIN_ID, true); // no stored user: ids of created users differ
    QVERIFY(admin);
    QVERIFY(!request(*admin, "admin_subscribe", {}, "admin_snapshot").isEmpty());
    auto d = connectAs(server, dave);
    QVERIFY(d);
    const QUrl disableUrl = server.httpUrl(QStringLiteral("/api/v1/users/%1/disable").arg(dave));
    QCOMPARE(http("POST", disableUrl, {}, apiKey(server)).status, 200);
    QCOMPARE(d->waitClosed(), Protocol::CloseCode::FORBIDDEN);
    QVERIFY(!waitEvent(*admin, "user_disabled", forUser(dave)).isEmpty());
    QCOMPARE(num(waitEvent(*admin, "connection_closed", forUser(dave)), "code"),
             Protocol::CloseCode::FORBIDDEN);

    const QJsonObject login {{QStringLiteral("username"), QStringLiteral("dave")},
                             {QStringLiteral("password"), QStringLiteral("password-123")}};
    const QUrl loginUrl = server.httpUrl(QStringLiteral("/api/v1/users/login"));
    QCOMPARE(httpJson("POST", loginUrl, login).status, 403);
    WsClient again;
    again.open(server.wsUrl(QString::fromLatin1(server.token(dave))));
    QCOMPARE(again.waitClosed(), Protocol::CloseCode::FORBIDDEN);

    QCOMPARE(http("POST", server.httpUrl(QStringLiteral("/api/v1/users/%1/enable").arg(dave)), {},
                  apiKey(server))
                 .status,
             200);
    const HttpResult ok = httpJson("POST", loginUrl, login);
    QCOMPARE(ok.status, 200);
    QVERIFY(connectAs(server, dave));
}

void tst_Admin::audienceAndTargetedBroadcasts()
{
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto u2 = connectAs(server, 2), u2b = connectAs(server, 2), u3 = connectAs(server, 3);
    QVERIFY(u2 && u2b && u3);
    QCOMPARE(replyType(request(*u3, "room_create",
                               {{QStringLiteral("room_id"), QStringLiteral("r1")}}, "room")),
             QStringLiteral("room"));
    auto audience = [&](const QString &query) {
        const HttpResult r = http(
            "GET", server.httpUrl(QStringLiteral("/api/v1/audience?") + query), {}, apiKey(server));
        return r.status == 200
            ? QPair<qint64, qint64>(num(r.json, "users"), num(r.json, "connections"))
            : QPair<qint64, qint64>(-r.status, -r.status);
    };
    QCOMPARE(audience(QStringLiteral("target=all")), (QPair<qint64, qint64>(2, 3)));
    QCOMPARE(audience(QStringLiteral("target=room&room_id=r1")), (QPair<qint64, qint64>(1, 1)));
    QCOMPARE(audience(QStringLiteral("target=user&user_id=2")), (QPair<qint64, qint64>(1, 2)));
    QCOMPARE(audience(QStringLiteral("target=user&user_id=77")), (QPair<qint64, qint64>(0, 0)));
    QCOMPARE(audience(QStringLiteral("target=room&room_id=nope")),
             (QPair<qint64, qint64>(-404, -404)));
    QCOMPARE(audience(QStringLiteral("target=planet")), (QPair<qint64, qint64>(-400, -400)));

    const QUrl url = server.httpUrl(QStringLiteral("/api/v1/broadcast"));
    // A system message to one user: stored, both of its connections get it.
    const HttpResult toUser = httpJson("POST", url,
                                       {{QStringLiteral("target"), QStringLiteral("user")},
                                        {QStringLiteral("user_id"), 2},
                                        {QStringLiteral("kind"), QStringLiteral("system")},
                                        {QStringLiteral("message"), QStringLiteral("only you")}},
                                       apiKey(server));
    QCOMPARE(toUser.status, 201);
    QCOMPARE(num(toUser.json, "recipients"), 2);
    QVERIFY(num(toUser.json, "message_id") > 0);
    QCOMPARE(str(u2->waitFor(QStringLiteral("system")), "content"), QStringLiteral("only you"));
    QCOMPARE(str(u2b->waitFor(QStringLiteral("system")), "content"), QStringLiteral("only you"));
    QVERIFY(u3->noEventOfType(QStringLiteral("system"), 200));

    // A notification to everyone.
    const HttpResult toAll
        = httpJson("POST", url,
                   {{QStringLiteral("target"), QStringLiteral("all")},
                    {QStringLiteral("kind"), QStringLiteral("notification")},
                    {QStringLiteral("title"), QStringLiteral("Hello")},
                    {QStringLiteral("message"), QStringLiteral("everyone")},
                    {QStringLiteral("link"), QStringLiteral("https://example.org")},
                    {QStringLiteral("priority"), QStringLiteral("low")}},
                   apiKey(server));
    QCOMPARE(toAll.status, 202);
    QCOMPARE(num(toAll.json, "recipients"), 3);
    const QJsonObject n = u3->waitFor(QStringLiteral("notification"));
    const QJsonObject data = n.value(QStringLiteral("data")).toObject();
    QCOMPARE(str(data, "title"), QStringLiteral("Hello"));
    QCOMPARE(str(data, "link"), QStringLiteral("https://example.org"));
    QCOMPARE(str(data, "priority"), QStringLiteral("low"));

    // A system message to a room's members only.
    const HttpResult toRoom = httpJson("POST", url,
                                       {{QStringLiteral("target"), QStringLiteral("room")},
                                        {QStringLiteral("room_id"), QStringLiteral("r1")},
                                        {QStringLiteral("kind"), QStringLiteral("system")},
                                        {QStringLiteral("message"), QStringLiteral("room note")}},
                                       apiKey(server));
    QCOMPARE(toRoom.status, 202);
    QCOMPARE(num(toRoom.json, "recipients"), 1);
    const QJsonObject sys = u3->waitFor(QStringLiteral("system"));
    QCOMPARE(str(sys, "content"), QStringLiteral("room note"));
    QCOMPARE(str(sys, "room_id"), QStringLiteral("r1"));

    // Bad bodies.
    QCOMPARE(httpJson("POST", url,
                      {{QStringLiteral("target"), QStringLiteral("all")},
                       {QStringLiteral("kind"), QStringLiteral("shout")},
                       {QStringLiteral("message"), QStringLiteral("x")}},
                      apiKey(server))
                 .status,
             400);
    QCOMPARE(httpJson("POST", url,
                      {{QStringLiteral("target"), QStringLiteral("all")},
                       {QStringLiteral("kind"), QStringLiteral("system")}},
                      apiKey(server))
                 .status,
             400);
}

void tst_Admin::mintTokens()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const qint64 ops = createUser(server, QStringLiteral("ops"), true);
    const qint64 eve = createUser(server, QStringLiteral("eve"));
    QVERIFY(ops > 0 && eve > 0);
    const QUrl url = server.httpUrl(QStringLiteral("/api/v1/tokens"));

    const HttpResult minted = httpJson(
        "POST", url,
        {{QStringLiteral("username"), QStringLiteral("ops")}, {QStringLiteral("ttl_s"), 600}},
        apiKey(server));
    QCOMPARE(minted.status, 201);
    QCOMPARE(num(minted.json, "user_id"), ops);
    QCOMPARE(str(minted.json, "role"), QStringLiteral("admin"));
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QVERIFY(qAbs(num(minted.json, "expires_at") - (now + 600)) <= 5);
    // The minted token opens the console's WebSocket as that admin.
    const QString token = str(minted.json, "token");
    WsClient console;
    QUrl wsUrl = server.wsUrl(token);
    wsUrl.setQuery(wsUrl.query() + QStringLiteral("&client=switchboard-console"));
    QVERIFY(console.open(wsUrl));
    QVERIFY(!console.waitFor(QStringLiteral("connected")).isEmpty());
    const QJsonObject snap = request(console, "admin_subscribe", {}, "admin_snapshot");
    QCOMPARE(str(snap, "type"), QStringLiteral("admin_snapshot"));
    QCOMPARE(str(findUser(snap.value(QStringLiteral("users")).toArray(), ops), "name"),
             QStringLiteral("ops"));

    // By id, a plain user gets a user token.
    const HttpResult byId
        = httpJson("POST", url, {{QStringLiteral("user_id"), eve}}, apiKey(server));
    QCOMPARE(byId.status, 201);
    QCOMPARE(str(byId.json, "role"), QStringLiteral("user"));

    // Refusals: tokens (even an admin's), unknown users, disabled users, bad ttl.
    QCOMPARE(httpJson("POST", url, {{QStringLiteral("user_id"), eve}}, token.toUtf8()).status, 403);
    QCOMPARE(httpJson("POST", url, {{QStringLiteral("user_id"), eve}}, server.token(eve)).status,
             403);
    QCOMPARE(httpJson("POST", url, {{QStringLiteral("user_id"), 9999}}, apiKey(server)).status,
             404);
    QCOMPARE(httpJson("POST", url, {{QStringLiteral("username"), QStringLiteral("nobody")}},
                      apiKey(server))
                 .status,
             404);
    QCOMPARE(httpJson("POST", url, {{QStringLiteral("user_id"), eve}, {QStringLiteral("ttl_s"), 5}},
                      apiKey(server))
                 .status,
             400);
    QCOMPARE(httpJson("POST", url, {}, apiKey(server)).status, 400);
    QCOMPARE(http("POST", server.httpUrl(QStringLiteral("/api/v1/users/%1/disable").arg(eve)), {},
                  apiKey(server))
                 .status,
             200);
    QCOMPARE(httpJson("POST", url, {{QStringLiteral("user_id"), eve}}, apiKey(server)).status, 403);
}

void tst_Admin::serverInfoAndUsers()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const HttpResult info
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/server")), {}, apiKey(server));
    QCOMPARE(info.status, 200);
    QCOMPARE(str(info.json, "storage"), backend);
    QVERIFY(!str(info.json, "version").isEmpty());
    QVERIFY(info.json.value(QStringLiteral("uptime_ms")).isDouble());
    QVERIFY(num(info.json, "started_at") <= QDateTime::currentMSecsSinceEpoch());
    QVERIFY(str(info.json, "listen").endsWith(QString::number(server.port())));

    const qint64 a = createUser(server, QStringLiteral("ann"));
    const qint64 b = createUser(server, QStringLiteral("ben"), true);
    const qint64 c = createUser(server, QStringLiteral("cid"));
    QVERIFY(a > 0 && b > 0 && c > 0);
    const HttpResult page
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/users?limit=1&offset=1")), {},
               apiKey(server));
    QCOMPARE(page.status, 200);
    const QJsonArray users = page.json.value(QStringLiteral("users")).toArray();
    QCOMPARE(users.size(), 1);
    const QJsonObject ben = users.first().toObject();
    QCOMPARE(num(ben, "user_id"), b);
    QCOMPARE(str(ben, "name"), QStringLiteral("ben"));
    QCOMPARE(str(ben, "role"), QStringLiteral("admin"));
    QCOMPARE(ben.value(QStringLiteral("disabled")).toBool(true), false);
    QVERIFY(num(ben, "created_at") > 0);
    QVERIFY(ben.contains(QStringLiteral("last_seen")));
    QCOMPARE(num(page.json, "total"), 3);
    const HttpResult all
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/users")), {}, apiKey(server));
    QCOMPARE(all.json.value(QStringLiteral("users")).toArray().size(), 3);
    QCOMPARE(
        http("GET", server.httpUrl(QStringLiteral("/api/v1/users?limit=x")), {}, apiKey(server))
            .status,
        400);
}

QTEST_GUILESS_MAIN(tst_Admin)
#include "tst_admin.moc"
