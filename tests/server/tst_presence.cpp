// SPDX-License-Identifier: MIT
// Presence and typing end to end over real sockets, on SQLite and PostgreSQL: audience (room
// peers and admins, never strangers), transitions with several connections of one user,
// presence queries per room and per user list, typing delivery, rate limit and expiry.
#include "testsupport.h"

#include "protocol/protocol.h"

#include <algorithm>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;

namespace {

QJsonObject userIn(const QJsonObject &list, qint64 userId)
{
    for (const QJsonValue &u : list.value(QStringLiteral("users")).toArray()) {
        if (num(u.toObject(), "user_id") == userId)
            return u.toObject();
    }
    return {};
}

bool join(WsClient &c, const char *room)
{
    return errorCode(request(c, "room_join", {{QStringLiteral("room_id"), QLatin1StringView(room)}},
                             "room_joined"))
        .isEmpty();
}

} // namespace

class tst_Presence : public QObject
{
    Q_OBJECT

private slots:
    void transitionsReachRoomPeersOnly_data() { addBackendRows(); }
    void transitionsReachRoomPeersOnly();
    void statusChanges_data() { addBackendRows(); }
    void statusChanges();
    void presenceQueries_data() { addBackendRows(); }
    void presenceQueries();
    void typingInRoom_data() { addBackendRows(); }
    void typingInRoom();
    void typingDirectAndExpiry();
    void typingStopsWhenTypistLeaves();
    void badInput();
    void queriesAnswerRoomPeersOnly_data() { addBackendRows(); }
    void queriesAnswerRoomPeersOnly();
    void onlineListHidesNames_data() { addBackendRows(); }
    void onlineListHidesNames();
    void sendReplyAndRoomCountsFollowRule_data() { addBackendRows(); }
    void sendReplyAndRoomCountsFollowRule();
};

void tst_Presence::transitionsReachRoomPeersOnly()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto alice = connectAs(server, 1), stranger = connectAs(server, 3);
    QVERIFY(alice && stranger);
    QVERIFY(join(*alice, "general"));
    {
        // Bob becomes a member of general (alice sees user_joined, then his first session end).
        auto bob0 = connectAs(server, 2, false, QStringLiteral("room_id=general"));
        QVERIFY(bob0);
        QCOMPARE(num(alice->waitFor(QStringLiteral("user_joined")), "user_id"), 2);
    }
    QCOMPARE(str(alice->waitFor(QStringLiteral("user_status")), "status"),
             QStringLiteral("offline"));
    // Membership is persistent: alice shares a room with bob from his next first frame.
    auto bob1 = connectAs(server, 2);
    QVERIFY(bob1);
    QJsonObject s = alice->waitFor(QStringLiteral("user_status"));
    QCOMPARE(num(s, "user_id"), 2);
    QCOMPARE(str(s, "status"), QStringLiteral("online"));
    auto bob2 = connectAs(server, 2);
    QVERIFY(bob2);
    QVERIFY(alice->noEventOfType(QStringLiteral("user_status"), 200)); // second device: silent
    bob1.reset();
    QVERIFY(alice->noEventOfType(QStringLiteral("user_status"), 300)); // one device left
    bob2.reset();
    s = alice->waitFor(QStringLiteral("user_status"));
    QCOMPARE(num(s, "user_id"), 2);
    QCOMPARE(str(s, "status"), QStringLiteral("offline"));
    QVERIFY(num(s, "last_seen") > 0);
    QCOMPARE(alice->eventsOfType(QStringLiteral("user_status")).size(), 3);
    // The stranger shares no room with bob and is no admin: it heard nothing at all.
    QVERIFY(stranger->noEventOfType(QStringLiteral("user_status"), 100));
    QVERIFY(stranger->eventsOfType(QStringLiteral("presence")).isEmpty());
}

void tst_Presence::statusChanges()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto alice = connectAs(server, 1), bob1 = connectAs(server, 2), bob2 = connectAs(server, 2),
         admin = connectAs(server, 9, true), stranger = connectAs(server, 3);
    QVERIFY(alice && bob1 && bob2 && admin && stranger);
    QVERIFY(join(*alice, "support"));
    QVERIFY(join(*bob1, "support"));

    const QJsonObject ack
        = request(*bob1, "presence",
                  {{QStringLiteral("status"), QStringLiteral("away")},
                   {QStringLiteral("data"),
                    QJsonObject {{QStringLiteral("note"), QStringLiteral("lunch 午饭")}}}},
                  "ack");
    QCOMPARE(str(ack, "type"), QStringLiteral("ack"));
    QCOMPARE(str(ack, "status"), QStringLiteral("away"));
    for (WsClient *c : {alice.get(), admin.get(), bob2.get()}) {
        const QJsonObject p = c->waitFor(QStringLiteral("presence"));
        QCOMPARE(num(p, "user_id"), 2);
        QCOMPARE(str(p, "status"), QStringLiteral("away"));
        QCOMPARE(str(p.value(QStringLiteral("data")).toObject(), "note"),
                 QStringLiteral("lunch 午饭"));
        QCOMPARE(num(p, "connections_count"), 2);
        QVERIFY(num(p, "ts") > 0);
    }
    QVERIFY(bob1->noEventOfType(QStringLiteral("presence"), 100)); // the sender got its ack
    QVERIFY(stranger->noEventOfType(QStringLiteral("presence"), 100));

    // Setting the same status again is not news.
    request(*bob1, "presence",
            {{QStringLiteral("status"), QStringLiteral("away")},
             {QStringLiteral("data"),
              QJsonObject {{QStringLiteral("note"), QStringLiteral("lunch 午饭")}}}},
            "ack");
    QVERIFY(alice->noEventOfType(QStringLiteral("presence"), 200));
    QCOMPARE(alice->eventsOfType(QStringLiteral("presence")).size(), 1);

    request(*bob2, "presence", {{QStringLiteral("status"), QStringLiteral("busy")}}, "ack");
    QCOMPARE(str(alice->waitFor(QStringLiteral("presence")), "status"), QStringLiteral("busy"));
    QCOMPARE(str(bob1->waitFor(QStringLiteral("presence")), "status"), QStringLiteral("busy"));

    // A status lasts while the user is connected; a new session starts "online".
    bob1.reset();
    bob2.reset();
    QCOMPARE(str(alice->waitFor(QStringLiteral("user_status")), "status"),
             QStringLiteral("offline"));
    auto bob3 = connectAs(server, 2);
    QVERIFY(bob3);
    const QJsonObject list = request(
        *alice, "presence_query", {{QStringLiteral("user_ids"), QJsonArray {2}}}, "presence_list");
    QCOMPARE(str(userIn(list, 2), "status"), QStringLiteral("online"));
    QVERIFY(!userIn(list, 2).contains(QStringLiteral("data")));
}

void tst_Presence::presenceQueries()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    // Real accounts, so that last_seen of an offline user comes from the store.
    QList<qint64> ids;
    for (const char *name : {"quinn", "rhea", "sol"}) {
        const HttpResult r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/users")),
                                      {{QStringLiteral("username"), QLatin1StringView(name)},
                                       {QStringLiteral("password"), QStringLiteral("pass-word-1")}},
                                      server.config().apiKey.toUtf8());
        QCOMPARE(r.status, 201);
        ids << num(r.json, "user_id");
    }
    auto quinn = connectAs(server, ids[0]), rhea = connectAs(server, ids[1]);
    auto sol = connectAs(server, ids[2]);
    QVERIFY(quinn && rhea && sol);
    QVERIFY(join(*quinn, "general"));
    QVERIFY(join(*rhea, "general"));
    QVERIFY(join(*sol, "general"));
    request(*rhea, "presence", {{QStringLiteral("status"), QStringLiteral("busy")}}, "ack");
    sol.reset();
    QCOMPARE(num(quinn->waitFor(QStringLiteral("user_status")), "user_id"), ids[2]);

    const QJsonObject room
        = request(*quinn, "presence_query",
                  {{QStringLiteral("room_id"), QStringLiteral("general")}}, "presence_list");
    QCOMPARE(str(room, "room_id"), QStringLiteral("general"));
    QCOMPARE(room.value(QStringLiteral("users")).toArray().size(), 3);
    QCOMPARE(str(userIn(room, ids[0]), "status"), QStringLiteral("online"));
    QCOMPARE(str(userIn(room, ids[1]), "status"), QStringLiteral("busy"));
    QCOMPARE(num(userIn(room, ids[1]), "connections_count"), 1);
    const QJsonObject solEntry = userIn(room, ids[2]);
    QCOMPARE(str(solEntry, "status"), QStringLiteral("offline"));
    QCOMPARE(solEntry.value(QStringLiteral("online")).toBool(true), false);
    QCOMPARE(num(solEntry, "connections_count"), 0);
    QVERIFY2(num(solEntry, "last_seen") > 0, "an offline user's last_seen comes from the store");

    const QJsonObject listed
        = request(*quinn, "presence_query",
                  {{QStringLiteral("user_ids"), QJsonArray {ids[1], 424242}}}, "presence_list");
    const QJsonArray users = listed.value(QStringLiteral("users")).toArray();
    QCOMPARE(users.size(), 2);
    QCOMPARE(num(users[0].toObject(), "user_id"), ids[1]); // in the order asked
    // A user quinn shares no room with (here: none exists) is unknown, not "offline".
    QCOMPARE(str(users[1].toObject(), "status"), QStringLiteral("unknown"));
    QVERIFY(!users[1].toObject().contains(QStringLiteral("last_seen")));

    // Over REST: per list and per room, with the same entries.
    const QByteArray key = server.config().apiKey.toUtf8();
    HttpResult r = http(
        "GET",
        server.httpUrl(QStringLiteral("/api/v1/presence?user_ids=%1,%2").arg(ids[0]).arg(ids[1])),
        {}, key);
    QCOMPARE(r.status, 200);
    QCOMPARE(str(userIn(r.json, ids[1]), "status"), QStringLiteral("busy"));
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/presence?room_id=general")), {}, key);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("users")).toArray().size(), 3);
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/status/%1").arg(ids[1])), {}, key);
    QCOMPARE(r.status, 200);
    QCOMPARE(str(r.json, "status"), QStringLiteral("busy"));
    QCOMPARE(r.json.value(QStringLiteral("online")).toBool(), true);
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/presence?room_id=nowhere")), {}, key);
    QCOMPARE(r.status, 404);
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/presence?user_ids=1,x")), {}, key);
    QCOMPARE(r.status, 400);
}

void tst_Presence::typingInRoom()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto alice1 = connectAs(server, 1), alice2 = connectAs(server, 1), bob = connectAs(server, 2),
         carol = connectAs(server, 3);
    QVERIFY(alice1 && alice2 && bob && carol);
    QVERIFY(join(*alice1, "general"));
    QVERIFY(join(*bob, "general"));
    QVERIFY(join(*carol, "support")); // not in general: hears nothing

    alice1->send(frame("typing", {{QStringLiteral("context"), QStringLiteral("room:general")}}));
    const QJsonObject t = bob->waitFor(QStringLiteral("typing"));
    QCOMPARE(num(t, "user_id"), 1);
    QCOMPARE(str(t, "context"), QStringLiteral("room:general"));
    QCOMPARE(str(t, "room_id"), QStringLiteral("general"));
    QCOMPARE(t.value(QStringLiteral("is_typing")).toBool(), true);
    QCOMPARE(num(t, "expires_in_ms"), server.config().typingTimeoutMs);
    QVERIFY(carol->noEventOfType(QStringLiteral("typing"), 100));
    QVERIFY(alice1->eventsOfType(QStringLiteral("typing")).isEmpty()); // never to the typist
    QVERIFY(alice2->eventsOfType(QStringLiteral("typing")).isEmpty());
    QVERIFY(alice1->eventsOfType(QStringLiteral("error")).isEmpty());

    // Keystrokes within typing_interval are folded into the indicator already shown.
    for (int i = 0; i < 5; ++i)
        alice1->send(frame("typing", {{QStringLiteral("room_id"), QStringLiteral("general")}}));
    QVERIFY(bob->noEventOfType(QStringLiteral("typing"), 200));
    QCOMPARE(bob->eventsOfType(QStringLiteral("typing")).size(), 1);

    // An explicit stop goes out at once.
    alice1->send(frame("typing",
                       {{QStringLiteral("room_id"), QStringLiteral("general")},
                        {QStringLiteral("is_typing"), false}}));
    const QJsonObject stop = bob->waitFor(QStringLiteral("typing"));
    QCOMPARE(stop.value(QStringLiteral("is_typing")).toBool(true), false);
    QVERIFY(!stop.contains(QStringLiteral("expires_in_ms")));
    // A stop when nothing is shown is not news.
    alice1->send(frame("typing",
                       {{QStringLiteral("room_id"), QStringLiteral("general")},
                        {QStringLiteral("is_typing"), false}}));
    QVERIFY(bob->noEventOfType(QStringLiteral("typing"), 200));
}

void tst_Presence::typingDirectAndExpiry()
{
    TestServer server(QStringLiteral("sqlite"), [](Config &c) {
        c.typingTimeoutMs = 600;
        c.typingIntervalMs = 200;
    });
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto alice = connectAs(server, 1), bob = connectAs(server, 2), carol = connectAs(server, 3);
    QVERIFY(alice && bob && carol);
    QElapsedTimer clock;
    clock.start();
    alice->send(frame("typing", {{QStringLiteral("to"), 2}}));
    const QJsonObject t = bob->waitFor(QStringLiteral("typing"));
    QCOMPARE(str(t, "context"), QStringLiteral("user:1")); // the conversation seen from bob's side
    QCOMPARE(t.value(QStringLiteral("is_typing")).toBool(), true);
    QCOMPARE(num(t, "expires_in_ms"), 600);
    // No refresh: the indicator expires by itself after typing_timeout (checked every 250 ms).
    const QJsonObject expired = bob->waitFor(QStringLiteral("typing"), 3000);
    QCOMPARE(expired.value(QStringLiteral("is_typing")).toBool(true), false);
    QCOMPARE(str(expired, "context"), QStringLiteral("user:1"));
    QVERIFY2(clock.elapsed() >= 600, qPrintable(QString::number(clock.elapsed())));
    QVERIFY(carol->eventsOfType(QStringLiteral("typing")).isEmpty());

    // Refreshed past the interval, it is forwarded again and the expiry moves.
    alice->send(frame("typing", {{QStringLiteral("context"), QStringLiteral("user:2")}}));
    QCOMPARE(bob->waitFor(QStringLiteral("typing")).value(QStringLiteral("is_typing")).toBool(),
             true);
    QTest::qWait(300);
    alice->send(frame("typing", {{QStringLiteral("context"), QStringLiteral("user:2")}}));
    QCOMPARE(bob->waitFor(QStringLiteral("typing")).value(QStringLiteral("is_typing")).toBool(),
             true);
    QTest::qWait(400); // 700 ms after the first keystroke, 400 after the refresh: still typing
    QCOMPARE(bob->eventsOfType(QStringLiteral("typing")).size(), 4);
    QCOMPARE(bob->waitFor(QStringLiteral("typing"), 3000)
                 .value(QStringLiteral("is_typing"))
                 .toBool(true),
             false);
}

void tst_Presence::typingStopsWhenTypistLeaves()
{
    TestServer server(QStringLiteral("sqlite"), [](Config &c) { c.typingTimeoutMs = 30000; });
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto alice = connectAs(server, 1), bob = connectAs(server, 2);
    QVERIFY(alice && bob);
    alice->send(frame("typing", {{QStringLiteral("to"), 2}}));
    QCOMPARE(bob->waitFor(QStringLiteral("typing")).value(QStringLiteral("is_typing")).toBool(),
             true);
    alice.reset(); // last connection gone: the indicator stops now, not in 30 s
    const QJsonObject stop = bob->waitFor(QStringLiteral("typing"), 2000);
    QCOMPARE(stop.value(QStringLiteral("is_typing")).toBool(true), false);
}

void tst_Presence::badInput()
{
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto alice = connectAs(server, 1);
    QVERIFY(alice);
    const auto code = [&](const char *type, QJsonObject fields) {
        return errorCode(request(*alice, type, fields, "never"));
    };
    QCOMPARE(code("presence", {{QStringLiteral("status"), QStringLiteral("sleeping")}}),
             QStringLiteral("VALIDATION_ERROR"));
    QCOMPARE(code("presence", {{QStringLiteral("status"), 3}}), QStringLiteral("VALIDATION_ERROR"));
    QCOMPARE(code("presence", {}), QStringLiteral("VALIDATION_ERROR"));
    QCOMPARE(code("presence",
                  {{QStringLiteral("status"), QStringLiteral("away")},
                   {QStringLiteral("data"), QStringLiteral("x")}}),
             QStringLiteral("VALIDATION_ERROR"));
    QCOMPARE(code("presence",
                  {{QStringLiteral("status"), QStringLiteral("away")},
                   {QStringLiteral("data"),
                    QJsonObject {{QStringLiteral("blob"), QString(5000, QLatin1Char('x'))}}}}),
             QStringLiteral("TOO_LARGE"));
    QCOMPARE(code("presence_query", {}), QStringLiteral("VALIDATION_ERROR"));
    QCOMPARE(
        code("presence_query", {{QStringLiteral("user_ids"), QJsonArray {QStringLiteral("x")}}}),
        QStringLiteral("VALIDATION_ERROR"));
    QCOMPARE(code("presence_query", {{QStringLiteral("room_id"), QStringLiteral("nowhere")}}),
             QStringLiteral("NOT_FOUND"));
    QCOMPARE(code("typing", {}), QStringLiteral("VALIDATION_ERROR"));
    QCOMPARE(code("typing", {{QStringLiteral("context"), QStringLiteral("galaxy:1")}}),
             QStringLiteral("VALIDATION_ERROR"));
    QCOMPARE(code("typing", {{QStringLiteral("context"), QStringLiteral("room:nowhere")}}),
             QStringLiteral("NOT_FOUND"));
    QCOMPARE(code("typing", {{QStringLiteral("room_id"), QStringLiteral("general")}}),
             QStringLiteral("FORBIDDEN"));
    QCOMPARE(code("typing", {{QStringLiteral("to"), 1}}), QStringLiteral("VALIDATION_ERROR"));
    QCOMPARE(
        code("typing",
             {{QStringLiteral("to"), 2}, {QStringLiteral("is_typing"), QStringLiteral("yes")}}),
        QStringLiteral("VALIDATION_ERROR"));
    // Still serving.
    QCOMPARE(str(request(*alice, "ping", {}, "pong"), "type"), QStringLiteral("pong"));
}

namespace {

// An entry of a user the caller may not see: its id and "unknown", no presence data at all.
bool isUnknown(const QJsonObject &entry)
{
    return str(entry, "status") == QLatin1StringView("unknown")
        && !entry.contains(QStringLiteral("online"))
        && !entry.contains(QStringLiteral("connections_count"))
        && !entry.contains(QStringLiteral("last_seen")) && !entry.contains(QStringLiteral("data"));
}

QJsonObject memberIn(const QJsonObject &roomGet, qint64 userId)
{
    for (const QJsonValue &m : roomGet.value(QStringLiteral("members")).toArray()) {
        if (num(m.toObject(), "user_id") == userId)
            return m.toObject();
    }
    return {};
}

} // namespace

// Issue 12, item 6: presence queries answer only for users who share a room with the caller
// (admins and the API key see everyone), on WebSocket and REST.
void tst_Presence::queriesAnswerRoomPeersOnly()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto alice = connectAs(server, 1), bob = connectAs(server, 2), carol = connectAs(server, 3);
    auto admin = connectAs(server, 9, true);
    QVERIFY(alice && bob && carol && admin);
    QVERIFY(!request(*alice, "room_create", {{QStringLiteral("room_id"), QStringLiteral("team")}},
                     "room")
                 .isEmpty());
    QVERIFY(join(*bob, "team"));
    QVERIFY(join(*carol, "general")); // a public room alice is not in
    request(*carol, "presence",
            {{QStringLiteral("status"), QStringLiteral("busy")},
             {QStringLiteral("data"), QJsonObject {{QStringLiteral("note"), QStringLiteral("x")}}}},
            "ack");

    QJsonObject list
        = request(*alice, "presence_query", {{QStringLiteral("user_ids"), QJsonArray {2, 3, 1}}},
                  "presence_list");
    QCOMPARE(list.value(QStringLiteral("users")).toArray().size(), 3);
    QCOMPARE(str(userIn(list, 2), "status"), QStringLiteral("online")); // shares "team"
    QCOMPARE(num(userIn(list, 2), "connections_count"), 1);
    QVERIFY2(isUnknown(userIn(list, 3)), QJsonDocument(userIn(list, 3)).toJson().constData());
    QCOMPARE(str(userIn(list, 1), "status"), QStringLiteral("online")); // oneself
    // A room's member list tells no more than the per-user answer.
    list = request(*alice, "presence_query",
                   {{QStringLiteral("room_id"), QStringLiteral("general")}}, "presence_list");
    QVERIFY(isUnknown(userIn(list, 3)));
    const QJsonObject general = request(
        *alice, "room_get", {{QStringLiteral("room_id"), QStringLiteral("general")}}, "room");
    QVERIFY(!memberIn(general, 3).isEmpty());
    QVERIFY(!memberIn(general, 3).contains(QStringLiteral("online")));

    // REST, as alice: the same answers.
    const QByteArray aliceToken = server.token(1);
    HttpResult r = http("GET", server.httpUrl(QStringLiteral("/api/v1/presence?user_ids=2,3")), {},
                        aliceToken);
    QCOMPARE(r.status, 200);
    QCOMPARE(str(userIn(r.json, 2), "status"), QStringLiteral("online"));
    QVERIFY(isUnknown(userIn(r.json, 3)));
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/presence?room_id=general")), {},
             aliceToken);
    QVERIFY(isUnknown(userIn(r.json, 3)));
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/status/3")), {}, aliceToken);
    QCOMPARE(r.status, 200);
    QVERIFY2(isUnknown(r.json), r.body.constData());
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/users/3/status")), {}, aliceToken);
    QVERIFY(isUnknown(r.json));

    // Admins and the API key see everyone.
    list = request(*admin, "presence_query", {{QStringLiteral("user_ids"), QJsonArray {3}}},
                   "presence_list");
    QCOMPARE(str(userIn(list, 3), "status"), QStringLiteral("busy"));
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/presence?user_ids=3")), {},
             server.token(9, QStringLiteral("root"), true));
    QCOMPARE(str(userIn(r.json, 3), "status"), QStringLiteral("busy"));
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/presence?user_ids=3")), {},
             server.config().apiKey.toUtf8());
    QCOMPARE(str(userIn(r.json, 3), "status"), QStringLiteral("busy"));
    QCOMPARE(str(userIn(r.json, 3).value(QStringLiteral("data")).toObject(), "note"),
             QStringLiteral("x"));

    // Once alice shares a room with carol she sees her.
    QVERIFY(join(*alice, "general"));
    list = request(*alice, "presence_query", {{QStringLiteral("user_ids"), QJsonArray {3}}},
                   "presence_list");
    QCOMPARE(str(userIn(list, 3), "status"), QStringLiteral("busy"));
    QCOMPARE(num(userIn(list, 3), "connections_count"), 1);
}

// Issue 12, item 6: the online list names users only to admins (and the API key) unless
// public_online_list is set; everyone else gets the count.
void tst_Presence::onlineListHidesNames()
{
    QFETCH(QString, backend);
    for (const bool isPublic : {false, true}) {
        TestServer server(backend, [isPublic](Config &c) { c.publicOnlineList = isPublic; });
        START_SERVER(server);
        auto bob = connectAs(server, 7);
        QVERIFY(bob);
        const QByteArray user = server.token(1), admin = server.token(2, QString(), true);
        for (const char *path :
             {"/api/v1/online", "/api/v1/users/online", "/ws/online", "/ws/users/online"}) {
            // Seed 003's path answers in its {success, data} envelope (the same fields inside).
            const bool seed003 = QLatin1StringView(path) == QLatin1StringView("/ws/users/online");
            auto bodyOf = [seed003](const HttpResult &r) {
                return seed003 ? r.json.value(QStringLiteral("data")).toObject() : r.json;
            };
            HttpResult r = http("GET", server.httpUrl(QLatin1StringView(path)), {}, user);
            QCOMPARE(r.status, 200);
            QCOMPARE(r.json.contains(QStringLiteral("success")), seed003);
            QCOMPARE(num(bodyOf(r), "count"), 1);
            QCOMPARE(bodyOf(r).value(QStringLiteral("users")).toArray().size(), isPublic ? 1 : 0);
            r = http("GET", server.httpUrl(QLatin1StringView(path)), {}, admin);
            QCOMPARE(num(bodyOf(r).value(QStringLiteral("users")).toArray().first().toObject(),
                         "user_id"),
                     7);
        }
        HttpResult r = http("GET", server.httpUrl(QStringLiteral("/api/ws/status")), {}, user);
        QCOMPARE(r.json.value(QStringLiteral("online_count")).toInt(), 1);
        QCOMPARE(r.json.value(QStringLiteral("online_users")).toArray().size(), isPublic ? 1 : 0);
        r = http("GET", server.httpUrl(QStringLiteral("/api/ws/status")), {},
                 server.config().apiKey.toUtf8());
        QCOMPARE(r.json.value(QStringLiteral("online_users")).toArray().size(), 1);
        if (isPublic)
            continue;
        // A room peer is named to a plain user (the presence rule), a stranger still is not.
        auto alice = connectAs(server, 1);
        QVERIFY(alice && join(*alice, "support") && join(*bob, "support"));
        r = http("GET", server.httpUrl(QStringLiteral("/api/v1/online")), {}, user);
        QCOMPARE(num(r.json, "count"), 2);
        QList<qint64> named;
        for (const QJsonValue &u : r.json.value(QStringLiteral("users")).toArray())
            named << qint64(num(u.toObject(), "user_id"));
        std::sort(named.begin(), named.end());
        QCOMPARE(named, (QList<qint64> {1, 7}));
        r = http("GET", server.httpUrl(QStringLiteral("/api/v1/online")), {}, server.token(3));
        QCOMPARE(r.json.value(QStringLiteral("users")).toArray().size(), 0);
    }
}

// SECURITY.md's remaining exposure (issue 12, item 6): the reply of POST /api/v1/messages told
// any sender whether any recipient was online, and a public room's online_members count went
// to non-members. Both follow the presence rule now.
void tst_Presence::sendReplyAndRoomCountsFollowRule()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto alice = connectAs(server, 1), bob = connectAs(server, 2), carol = connectAs(server, 3);
    QVERIFY(alice && bob && carol);
    QVERIFY(!request(*carol, "room_create", {{QStringLiteral("room_id"), QStringLiteral("lobby")}},
                     "room")
                 .isEmpty());
    QVERIFY(!request(*alice, "room_create", {{QStringLiteral("room_id"), QStringLiteral("team")}},
                     "room")
                 .isEmpty());
    QVERIFY(join(*bob, "team"));

    const QUrl messages = server.httpUrl(QStringLiteral("/api/v1/messages"));
    const auto sendTo = [&](qint64 to, const QByteArray &token) {
        return httpJson(
            "POST", messages,
            {{QStringLiteral("to_user_id"), to}, {QStringLiteral("content"), QStringLiteral("hi")}},
            token);
    };
    const QByteArray aliceToken = server.token(1, QStringLiteral("alice"));
    HttpResult r = sendTo(3, aliceToken); // carol shares no room with alice
    QCOMPARE(r.status, 201);
    QVERIFY2(!r.json.contains(QStringLiteral("recipient_online")), r.body.constData());
    r = sendTo(2, aliceToken); // bob shares "team"
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json.value(QStringLiteral("recipient_online")), QJsonValue(true));
    r = sendTo(1, aliceToken); // oneself
    QCOMPARE(r.json.value(QStringLiteral("recipient_online")), QJsonValue(true));
    r = sendTo(3, server.config().apiKey.toUtf8());
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json.value(QStringLiteral("recipient_online")), QJsonValue(true));
    r = sendTo(3, server.token(9, QStringLiteral("root"), true));
    QCOMPARE(r.json.value(QStringLiteral("recipient_online")), QJsonValue(true));

    // A public room's online count: members and admins only.
    const auto roomOf
        = [](const HttpResult &h) { return h.json.value(QStringLiteral("room")).toObject(); };
    const QUrl lobby = server.httpUrl(QStringLiteral("/api/v1/rooms/lobby"));
    r = http("GET", lobby, {}, aliceToken);
    QCOMPARE(r.status, 200);
    QCOMPARE(num(roomOf(r), "members"), 1);
    QVERIFY2(!roomOf(r).contains(QStringLiteral("online_members")), r.body.constData());
    r = http("GET", lobby, {}, server.token(3, QStringLiteral("carol")));
    QCOMPARE(num(roomOf(r), "online_members"), 1);
    r = http("GET", lobby, {}, server.config().apiKey.toUtf8());
    QCOMPARE(num(roomOf(r), "online_members"), 1);
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/rooms")), {}, aliceToken);
    for (const QJsonValue &v : r.json.value(QStringLiteral("rooms")).toArray()) {
        const QJsonObject room = v.toObject();
        // alice is a member of "team" only ("lobby" and the default "general" are not hers)
        QCOMPARE(room.contains(QStringLiteral("online_members")),
                 str(room, "room_id") == QLatin1StringView("team"));
    }
    QJsonObject got = request(*alice, "room_get",
                              {{QStringLiteral("room_id"), QStringLiteral("lobby")}}, "room");
    QVERIFY(!got.isEmpty());
    QVERIFY(!got.value(QStringLiteral("room")).toObject().contains(QStringLiteral("online_members"))
            && !got.contains(QStringLiteral("online_members")));
    got = request(*alice, "room_list", {}, "rooms");
    bool sawLobby = false;
    for (const QJsonValue &v : got.value(QStringLiteral("rooms")).toArray()) {
        const QJsonObject room = v.toObject();
        if (str(room, "room_id") == QLatin1StringView("lobby")) {
            sawLobby = true;
            QVERIFY(!room.contains(QStringLiteral("online_members")));
        }
    }
    QVERIFY(sawLobby);
    got = request(*carol, "room_get", {{QStringLiteral("room_id"), QStringLiteral("lobby")}},
                  "room");
    QCOMPARE(num(got.value(QStringLiteral("room")).toObject(), "online_members"), 1);
}

QTEST_GUILESS_MAIN(tst_Presence)
#include "tst_presence.moc"
