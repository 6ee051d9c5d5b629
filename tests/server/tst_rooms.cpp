// SPDX-License-Identifier: MIT
// Rooms end to end over real sockets, on SQLite and PostgreSQL: fan-out without echo, privacy,
// read-only rooms, membership events, persistence across a restart, limits, REST and seed paths.
#include "testsupport.h"

#include "protocol/protocol.h"

#include <QJsonArray>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;

class tst_Rooms : public QObject
{
    Q_OBJECT

private slots:
    void defaultRooms_data() { addBackendRows(); }
    void defaultRooms();
    void fanOutWithoutEcho_data() { addBackendRows(); }
    void fanOutWithoutEcho();
    void privateRooms_data() { addBackendRows(); }
    void privateRooms();
    void readOnlyRoom_data() { addBackendRows(); }
    void readOnlyRoom();
    void membershipEventsAndErrors_data() { addBackendRows(); }
    void membershipEventsAndErrors();
    void membershipSurvivesRestart_data() { addBackendRows(); }
    void membershipSurvivesRestart();
    void limits();
    void restAndSeedPaths_data() { addBackendRows(); }
    void restAndSeedPaths();
    void seed003RestEnvelope_data() { addBackendRows(); }
    void seed003RestEnvelope();
    void creationBudget_data() { addBackendRows(); }
    void creationBudget();
    void ownershipPassesOn_data() { addBackendRows(); }
    void ownershipPassesOn();
};

void tst_Rooms::defaultRooms()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto c = connectAs(server, 1);
    QVERIFY(c);
    const QJsonObject rooms = request(*c, "room_list", {}, "rooms");
    QCOMPARE(num(rooms, "count"), 3);
    QStringList ids;
    for (const QJsonValue &r : rooms.value(QStringLiteral("rooms")).toArray())
        ids << str(r.toObject(), "room_id");
    // In configuration order.
    QCOMPARE(ids,
             (QStringList {QStringLiteral("general"), QStringLiteral("announcements"),
                           QStringLiteral("support")}));
    const QJsonObject ann = request(
        *c, "room_get", {{QStringLiteral("room_id"), QStringLiteral("announcements")}}, "room");
    QCOMPARE(str(ann.value(QStringLiteral("room")).toObject(), "post_policy"),
             QStringLiteral("admins"));
}

void tst_Rooms::fanOutWithoutEcho()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto a1 = connectAs(server, 1), a2 = connectAs(server, 1), bob = connectAs(server, 2),
         carol = connectAs(server, 3), dave = connectAs(server, 4);
    QVERIFY(a1 && a2 && bob && carol && dave);
    QJsonObject created = request(*a1, "room_create",
                                  {{QStringLiteral("room_id"), QStringLiteral("team")},
                                   {QStringLiteral("name"), QStringLiteral("The team 团队")}},
                                  "room");
    QCOMPARE(str(created.value(QStringLiteral("room")).toObject(), "role"),
             QStringLiteral("owner"));
    QVERIFY(errorCode(request(*bob, "room_join",
                              {{QStringLiteral("room_id"), QStringLiteral("team")}}, "room_joined"))
                .isEmpty());
    QVERIFY(errorCode(request(*carol, "room_join",
                              {{QStringLiteral("room_id"), QStringLiteral("team")}}, "room_joined"))
                .isEmpty());
    request(*bob, "room_create", {{QStringLiteral("room_id"), QStringLiteral("other")}}, "room");
    QVERIFY(
        errorCode(request(*carol, "room_join",
                          {{QStringLiteral("room_id"), QStringLiteral("other")}}, "room_joined"))
            .isEmpty());

    const QJsonObject ack = request(*a1, "room_send",
                                    {{QStringLiteral("room_id"), QStringLiteral("team")},
                                     {QStringLiteral("content"), QStringLiteral("hello team")}},
                                    "ack");
    QVERIFY2(errorCode(ack).isEmpty(), qPrintable(str(ack, "message")));
    const qint64 messageId = num(ack, "message_id");
    QVERIFY(messageId > 0);
    QCOMPARE(str(ack, "stream"), QStringLiteral("r:team"));
    QCOMPARE(num(ack, "seq"), 1);
    for (WsClient *c : {a2.get(), bob.get(), carol.get()}) {
        const QJsonObject m = c->waitFor(QStringLiteral("room_message"));
        QCOMPARE(num(m, "message_id"), messageId);
        QCOMPARE(str(m, "room_id"), QStringLiteral("team"));
        QCOMPARE(str(m, "content"), QStringLiteral("hello team"));
        QCOMPARE(num(m, "from"), 1);
        QCOMPARE(str(m, "stream"), QStringLiteral("r:team"));
        QCOMPARE(num(m, "seq"), 1);
    }
    QVERIFY(a1->noEventOfType(QStringLiteral("room_message"), 200)); // not echoed to the sender
    QVERIFY(dave->noEventOfType(QStringLiteral("room_message"), 50)); // not a member

    request(*carol, "room_send",
            {{QStringLiteral("room_id"), QStringLiteral("other")},
             {QStringLiteral("content"), QStringLiteral("psst")}},
            "ack");
    const QJsonObject other = bob->waitFor(QStringLiteral("room_message"));
    QCOMPARE(str(other, "room_id"), QStringLiteral("other"));
    QVERIFY(a2->noEventOfType(QStringLiteral("room_message"), 200));
    QCOMPARE(a2->eventsOfType(QStringLiteral("room_message")).size(), 1);

    // A non-member cannot post; an idempotent retry is stored once.
    QCOMPARE(errorCode(request(*dave, "room_send",
                               {{QStringLiteral("room_id"), QStringLiteral("team")},
                                {QStringLiteral("content"), QStringLiteral("x")}},
                               "ack")),
             QStringLiteral("FORBIDDEN"));
    const QJsonObject first = request(*bob, "room_send",
                                      {{QStringLiteral("room_id"), QStringLiteral("team")},
                                       {QStringLiteral("content"), QStringLiteral("once")},
                                       {QStringLiteral("idempotency_key"), QStringLiteral("k1")}},
                                      "ack");
    const QJsonObject retry = request(*bob, "room_send",
                                      {{QStringLiteral("room_id"), QStringLiteral("team")},
                                       {QStringLiteral("content"), QStringLiteral("once")},
                                       {QStringLiteral("idempotency_key"), QStringLiteral("k1")}},
                                      "ack");
    QCOMPARE(num(retry, "message_id"), num(first, "message_id"));
    QCOMPARE(retry.value(QStringLiteral("duplicate")).toBool(), true);
    QVERIFY(carol->noEventOfType(QStringLiteral("__none__"), 200));
    int onces = 0;
    for (const QJsonObject &e : carol->eventsOfType(QStringLiteral("room_message")))
        onces += str(e, "content") == QLatin1StringView("once");
    QCOMPARE(onces, 1);
}

void tst_Rooms::privateRooms()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    // Invitations are for users that exist: alice and bob are real accounts (ids 1 and 2).
    for (const char *name : {"alice", "bob"}) {
        const HttpResult created
            = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/users")),
                       {{QStringLiteral("username"), QLatin1StringView(name)},
                        {QStringLiteral("password"), QStringLiteral("pass-word-1")}},
                       server.config().apiKey.toUtf8());
        QCOMPARE(created.status, 201);
    }
    auto alice = connectAs(server, 1), bob = connectAs(server, 2), carol = connectAs(server, 3),
         admin = connectAs(server, 9, true);
    QVERIFY(alice && bob && carol && admin);
    request(
        *alice, "room_create",
        {{QStringLiteral("room_id"), QStringLiteral("secret")}, {QStringLiteral("private"), true}},
        "room");
    QCOMPARE(
        errorCode(request(*bob, "room_join",
                          {{QStringLiteral("room_id"), QStringLiteral("secret")}}, "room_joined")),
        QStringLiteral("FORBIDDEN"));
    // Invisible to others in lists and lookups.
    for (const QJsonValue &r :
         request(*bob, "room_list", {}, "rooms").value(QStringLiteral("rooms")).toArray())
        QVERIFY(str(r.toObject(), "room_id") != QLatin1StringView("secret"));
    QCOMPARE(errorCode(request(*bob, "room_get",
                               {{QStringLiteral("room_id"), QStringLiteral("secret")}}, "room")),
             QStringLiteral("NOT_FOUND"));
    // Only an owner invites, and only users that exist.
    QCOMPARE(errorCode(request(*carol, "room_invite",
                               {{QStringLiteral("room_id"), QStringLiteral("secret")},
                                {QStringLiteral("user_id"), 3}},
                               "ack")),
             QStringLiteral("FORBIDDEN"));
    QCOMPARE(errorCode(request(*alice, "room_invite",
                               {{QStringLiteral("room_id"), QStringLiteral("secret")},
                                {QStringLiteral("user_id"), 4242}},
                               "ack")),
             QStringLiteral("NOT_FOUND"));
    const QJsonObject invited = request(
        *alice, "room_invite",
        {{QStringLiteral("room_id"), QStringLiteral("secret")}, {QStringLiteral("user_id"), 2}},
        "ack");
    QVERIFY2(errorCode(invited).isEmpty(), qPrintable(str(invited, "message")));
    QCOMPARE(str(bob->waitFor(QStringLiteral("room_invited")), "room_id"),
             QStringLiteral("secret"));
    QVERIFY(
        errorCode(request(*bob, "room_join",
                          {{QStringLiteral("room_id"), QStringLiteral("secret")}}, "room_joined"))
            .isEmpty());
    QCOMPARE(
        errorCode(request(*carol, "room_join",
                          {{QStringLiteral("room_id"), QStringLiteral("secret")}}, "room_joined")),
        QStringLiteral("FORBIDDEN"));
    // Admins may enter any room.
    QVERIFY(
        errorCode(request(*admin, "room_join",
                          {{QStringLiteral("room_id"), QStringLiteral("secret")}}, "room_joined"))
            .isEmpty());
    const QJsonObject details = request(
        *alice, "room_get", {{QStringLiteral("room_id"), QStringLiteral("secret")}}, "room");
    QCOMPARE(details.value(QStringLiteral("members")).toArray().size(), 3);
}

void tst_Rooms::readOnlyRoom()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto bob = connectAs(server, 2), admin = connectAs(server, 9, true);
    QVERIFY(bob && admin);
    QVERIFY(errorCode(request(*bob, "room_join",
                              {{QStringLiteral("room_id"), QStringLiteral("announcements")}},
                              "room_joined"))
                .isEmpty());
    QCOMPARE(errorCode(request(*bob, "room_send",
                               {{QStringLiteral("room_id"), QStringLiteral("announcements")},
                                {QStringLiteral("content"), QStringLiteral("me too")}},
                               "ack")),
             QStringLiteral("FORBIDDEN"));
    QVERIFY(errorCode(request(*admin, "room_send",
                              {{QStringLiteral("room_id"), QStringLiteral("announcements")},
                               {QStringLiteral("content"), QStringLiteral("maintenance at 22:00")}},
                              "ack"))
                .isEmpty());
    QCOMPARE(str(bob->waitFor(QStringLiteral("room_message")), "content"),
             QStringLiteral("maintenance at 22:00"));
    // Owners-only policy on a user's room.
    request(*bob, "room_create",
            {{QStringLiteral("room_id"), QStringLiteral("blog")},
             {QStringLiteral("post_policy"), QStringLiteral("owners")}},
            "room");
    auto reader = connectAs(server, 3);
    request(*reader, "room_join", {{QStringLiteral("room_id"), QStringLiteral("blog")}},
            "room_joined");
    QCOMPARE(errorCode(request(*reader, "room_send",
                               {{QStringLiteral("room_id"), QStringLiteral("blog")},
                                {QStringLiteral("content"), QStringLiteral("hi")}},
                               "ack")),
             QStringLiteral("FORBIDDEN"));
    QVERIFY(errorCode(request(*bob, "room_send",
                              {{QStringLiteral("room_id"), QStringLiteral("blog")},
                               {QStringLiteral("content"), QStringLiteral("post 1")}},
                              "ack"))
                .isEmpty());
}

void tst_Rooms::membershipEventsAndErrors()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto alice = connectAs(server, 1), bob = connectAs(server, 2), carol = connectAs(server, 3);
    QVERIFY(alice && bob && carol);
    request(*alice, "room_create", {{QStringLiteral("room_id"), QStringLiteral("club")}}, "room");
    request(*bob, "room_join", {{QStringLiteral("room_id"), QStringLiteral("club")}},
            "room_joined");
    QJsonObject joined = alice->waitFor(QStringLiteral("user_joined"));
    QCOMPARE(str(joined, "room_id"), QStringLiteral("club"));
    QCOMPARE(num(joined, "user_id"), 2);
    QVERIFY(bob->noEventOfType(QStringLiteral("user_joined"), 100)); // not told about itself
    QCOMPARE(
        errorCode(request(*bob, "room_join", {{QStringLiteral("room_id"), QStringLiteral("club")}},
                          "room_joined")),
        QStringLiteral("CONFLICT"));
    QCOMPARE(errorCode(request(*carol, "room_leave",
                               {{QStringLiteral("room_id"), QStringLiteral("club")}}, "room_left")),
             QStringLiteral("CONFLICT"));
    QCOMPARE(
        errorCode(request(*carol, "room_join",
                          {{QStringLiteral("room_id"), QStringLiteral("nowhere")}}, "room_joined")),
        QStringLiteral("NOT_FOUND"));
    QCOMPARE(
        errorCode(request(*carol, "room_join",
                          {{QStringLiteral("room_id"), QStringLiteral("bad id!")}}, "room_joined")),
        QStringLiteral("VALIDATION_ERROR"));
    QCOMPARE(
        errorCode(request(*carol, "room_join", {{QStringLiteral("room_id"), 42}}, "room_joined")),
        QStringLiteral("VALIDATION_ERROR"));
    QCOMPARE(
        errorCode(request(*carol, "room_create",
                          {{QStringLiteral("room_id"), QString(65, QLatin1Char('x'))}}, "room")),
        QStringLiteral("VALIDATION_ERROR"));
    QCOMPARE(errorCode(request(*carol, "room_create",
                               {{QStringLiteral("room_id"), QStringLiteral("ok")},
                                {QStringLiteral("name"), QString(101, QLatin1Char('n'))}},
                               "room")),
             QStringLiteral("VALIDATION_ERROR"));
    QCOMPARE(errorCode(request(*carol, "room_create",
                               {{QStringLiteral("room_id"), QStringLiteral("club")}}, "room")),
             QStringLiteral("CONFLICT"));
    QCOMPARE(errorCode(request(*carol, "room_send",
                               {{QStringLiteral("room_id"), QStringLiteral("nowhere")},
                                {QStringLiteral("content"), QStringLiteral("x")}},
                               "ack")),
             QStringLiteral("NOT_FOUND"));
    request(*bob, "room_leave", {{QStringLiteral("room_id"), QStringLiteral("club")}}, "room_left");
    QCOMPARE(num(alice->waitFor(QStringLiteral("user_left")), "user_id"), 2);
    // Only an owner (or an admin) deletes; members hear about it.
    request(*carol, "room_join", {{QStringLiteral("room_id"), QStringLiteral("club")}},
            "room_joined");
    QCOMPARE(
        errorCode(request(*carol, "room_delete",
                          {{QStringLiteral("room_id"), QStringLiteral("club")}}, "room_deleted")),
        QStringLiteral("FORBIDDEN"));
    QVERIFY(
        errorCode(request(*alice, "room_delete",
                          {{QStringLiteral("room_id"), QStringLiteral("club")}}, "room_deleted"))
            .isEmpty());
    QCOMPARE(str(carol->waitFor(QStringLiteral("room_deleted")), "room_id"),
             QStringLiteral("club"));
    QCOMPARE(errorCode(request(*carol, "room_get",
                               {{QStringLiteral("room_id"), QStringLiteral("club")}}, "room")),
             QStringLiteral("NOT_FOUND"));
    // The server kept serving all along.
    QVERIFY(!request(*carol, "ping", {}, "pong").isEmpty());
}

void tst_Rooms::membershipSurvivesRestart()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    {
        auto alice = connectAs(server, 1), bob = connectAs(server, 2);
        request(*alice, "room_create",
                {{QStringLiteral("room_id"), QStringLiteral("keep")},
                 {QStringLiteral("private"), true},
                 {QStringLiteral("max_members"), 5}},
                "room");
        request(*alice, "room_send",
                {{QStringLiteral("room_id"), QStringLiteral("keep")},
                 {QStringLiteral("content"), QStringLiteral("m1")}},
                "ack");
        request(*bob, "room_join", {{QStringLiteral("room_id"), QStringLiteral("general")}},
                "room_joined");
    }
    server.stop();
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto alice = connectAs(server, 1), bob = connectAs(server, 2);
    QVERIFY(alice && bob);
    const QJsonObject keep = request(*alice, "room_get",
                                     {{QStringLiteral("room_id"), QStringLiteral("keep")}}, "room");
    const QJsonObject room = keep.value(QStringLiteral("room")).toObject();
    QCOMPARE(str(room, "role"), QStringLiteral("owner"));
    QCOMPARE(room.value(QStringLiteral("private")).toBool(), true);
    QCOMPARE(num(room, "max_members"), 5);
    QCOMPARE(num(room, "messages"), 1);
    // Bob is still in general and gets its messages without joining again.
    auto admin = connectAs(server, 9, true);
    request(*admin, "room_send",
            {{QStringLiteral("room_id"), QStringLiteral("general")},
             {QStringLiteral("content"), QStringLiteral("after restart")}},
            "ack");
    QCOMPARE(str(bob->waitFor(QStringLiteral("room_message")), "content"),
             QStringLiteral("after restart"));
    const QJsonObject next = request(*alice, "room_send",
                                     {{QStringLiteral("room_id"), QStringLiteral("keep")},
                                      {QStringLiteral("content"), QStringLiteral("m2")}},
                                     "ack");
    QCOMPARE(num(next, "seq"), 2);
}

void tst_Rooms::limits()
{
    TestServer server(QStringLiteral("sqlite"), [](Config &c) {
        c.maxRooms = 5; // 3 default rooms + 2
        c.maxRoomsPerUser = 2;
        c.maxRoomMembers = 2;
    });
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto a = connectAs(server, 1), b = connectAs(server, 2), c = connectAs(server, 3);
    QVERIFY(a && b && c);
    QVERIFY(errorCode(request(*a, "room_create",
                              {{QStringLiteral("room_id"), QStringLiteral("r1")}}, "room"))
                .isEmpty());
    QVERIFY(errorCode(request(*a, "room_create",
                              {{QStringLiteral("room_id"), QStringLiteral("r2")}}, "room"))
                .isEmpty());
    // a is in two rooms: its per-user limit.
    QCOMPARE(
        errorCode(request(*a, "room_join", {{QStringLiteral("room_id"), QStringLiteral("general")}},
                          "room_joined")),
        QStringLiteral("LIMIT_REACHED"));
    // the server holds five rooms.
    QCOMPARE(errorCode(request(*b, "room_create",
                               {{QStringLiteral("room_id"), QStringLiteral("r3")}}, "room")),
             QStringLiteral("LIMIT_REACHED"));
    // r1 holds two members at most.
    QVERIFY(errorCode(request(*b, "room_join", {{QStringLiteral("room_id"), QStringLiteral("r1")}},
                              "room_joined"))
                .isEmpty());
    QCOMPARE(errorCode(request(*c, "room_join", {{QStringLiteral("room_id"), QStringLiteral("r1")}},
                               "room_joined")),
             QStringLiteral("LIMIT_REACHED"));
}

// Seed 003's REST API as its document prints it: every reply in {success, data}, rooms with
// `id`, `client_count`, `message_count`; errors as {success: false, error}. Other paths stay
// canonical, and ?dialect= picks either on any path.
void tst_Rooms::seed003RestEnvelope()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const QByteArray alice = server.token(1, QStringLiteral("alice"));
    const QByteArray key = server.config().apiKey.toUtf8();
    auto dataOf
        = [](const HttpResult &r) { return r.json.value(QStringLiteral("data")).toObject(); };

    HttpResult r = httpJson("POST", server.httpUrl(QStringLiteral("/ws/rooms")),
                            {{QStringLiteral("id"), QStringLiteral("tech-support")},
                             {QStringLiteral("name"), QStringLiteral("Tech support")},
                             {QStringLiteral("description"), QStringLiteral("questions")}},
                            alice);
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json.value(QStringLiteral("success")), QJsonValue(true));
    QCOMPARE(str(dataOf(r).value(QStringLiteral("room")).toObject(), "id"),
             QStringLiteral("tech-support"));

    // Alice is online in `general` and posts there.
    auto ws = connectAs(server, 1, false, QStringLiteral("room_id=general"));
    QVERIFY(ws);
    QCOMPARE(str(ws->waitFor(QStringLiteral("room_joined")), "room_id"), QStringLiteral("general"));
    r = httpJson("POST", server.httpUrl(QStringLiteral("/ws/messages")),
                 {{QStringLiteral("type"), QStringLiteral("room_message")},
                  {QStringLiteral("content"), QStringLiteral("hello")},
                  {QStringLiteral("room_id"), QStringLiteral("general")}},
                 alice);
    QCOMPARE(r.status, 201);
    QCOMPARE(r.json.value(QStringLiteral("success")), QJsonValue(true));

    r = http("GET", server.httpUrl(QStringLiteral("/ws/rooms")), {}, alice);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("success")), QJsonValue(true));
    const QJsonArray rooms = dataOf(r).value(QStringLiteral("rooms")).toArray();
    QCOMPARE(num(dataOf(r), "total"), rooms.size());
    bool sawGeneral = false;
    for (const QJsonValue &v : rooms) {
        const QJsonObject room = v.toObject();
        QVERIFY(room.value(QStringLiteral("id")).isString());
        QVERIFY(room.value(QStringLiteral("created_at")).isString());
        if (str(room, "id") == QLatin1StringView("general")) {
            sawGeneral = true;
            QCOMPARE(num(room, "client_count"), 1);
            QCOMPARE(num(room, "message_count"), 1);
        }
    }
    QVERIFY(sawGeneral);

    r = http("GET", server.httpUrl(QStringLiteral("/ws/users/online")), {}, alice);
    QCOMPARE(r.status, 200);
    QCOMPARE(num(dataOf(r), "online_users"), 1); // a count, as the seed shows it
    QVERIFY(dataOf(r).value(QStringLiteral("timestamp")).isString());

    r = http("POST", server.httpUrl(QStringLiteral("/ws/rooms/nowhere/join")), {}, alice);
    QCOMPARE(r.status, 404);
    QCOMPARE(r.json.value(QStringLiteral("success")), QJsonValue(false));
    QVERIFY(!str(r.json, "error").isEmpty());
    QCOMPARE(str(r.json, "error_code"), QStringLiteral("NOT_FOUND"));

    // /ws/stats is seed 000's too, so canonical there unless ?dialect=003 asks.
    r = http("GET", server.httpUrl(QStringLiteral("/ws/stats")), {}, key);
    QCOMPARE(r.status, 200);
    QVERIFY(!r.json.contains(QStringLiteral("success")));
    QUrl url = server.httpUrl(QStringLiteral("/ws/stats"));
    url.setQuery(QStringLiteral("dialect=003"));
    r = http("GET", url, {}, key);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("success")), QJsonValue(true));
    QCOMPARE(num(dataOf(r), "online_users"), 1);
    QCOMPARE(num(dataOf(r), "total_messages"), 1);
    QCOMPARE(num(dataOf(r), "total_rooms"), rooms.size());
    const QJsonObject general = dataOf(r)
                                    .value(QStringLiteral("rooms"))
                                    .toObject()
                                    .value(QStringLiteral("general"))
                                    .toObject();
    QCOMPARE(num(general, "client_count"), 1);
    QCOMPARE(num(general, "message_count"), 1);
    QCOMPARE(str(general, "name"), QStringLiteral("general"));

    // Canonical paths and ?dialect=canonical answer canonically; an unknown dialect is refused.
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/rooms")), {}, alice);
    QCOMPARE(num(r.json, "count"), rooms.size());
    url = server.httpUrl(QStringLiteral("/ws/rooms"));
    url.setQuery(QStringLiteral("dialect=canonical"));
    r = http("GET", url, {}, alice);
    QCOMPARE(num(r.json, "count"), rooms.size());
    url.setQuery(QStringLiteral("dialect=klingon"));
    r = http("GET", url, {}, alice);
    QCOMPARE(r.status, 400);
    QCOMPARE(str(r.json.value(QStringLiteral("error")).toObject(), "code"),
             QStringLiteral("VALIDATION_ERROR"));
}

void tst_Rooms::restAndSeedPaths()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const QByteArray alice = server.token(1, QStringLiteral("alice"));
    const QByteArray bobToken = server.token(2, QStringLiteral("bob"));
    const QByteArray key = server.config().apiKey.toUtf8();

    // Seed 003: POST /ws/rooms creates, GET /ws/rooms lists.
    HttpResult r = httpJson("POST", server.httpUrl(QStringLiteral("/ws/rooms")),
                            {{QStringLiteral("id"), QStringLiteral("devs")},
                             {QStringLiteral("name"), QStringLiteral("Developers")}},
                            alice);
    QCOMPARE(r.status, 201);
    QCOMPARE(str(r.json.value(QStringLiteral("data"))
                     .toObject()
                     .value(QStringLiteral("room"))
                     .toObject(),
                 "role"),
             QStringLiteral("owner"));
    r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/rooms")),
                 {{QStringLiteral("room_id"), QStringLiteral("devs")}}, alice);
    QCOMPARE(r.status, 409);
    QCOMPARE(str(r.json.value(QStringLiteral("error")).toObject(), "code"),
             QStringLiteral("CONFLICT"));
    r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/rooms")),
                 {{QStringLiteral("room_id"), QStringLiteral("no way")}}, alice);
    QCOMPARE(r.status, 400);
    r = http("GET", server.httpUrl(QStringLiteral("/ws/rooms")), {}, bobToken);
    QCOMPARE(r.status, 200);
    QCOMPARE(num(r.json.value(QStringLiteral("data")).toObject(), "total"), 4);
    QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/api/v1/rooms"))).status, 401);

    // Bob connects with ?room_id= and is a member from then on.
    auto bob = connectAs(server, 2, false, QStringLiteral("room_id=devs"));
    QVERIFY(bob);
    QCOMPARE(str(bob->waitFor(QStringLiteral("room_joined")), "room_id"), QStringLiteral("devs"));
    r = http("POST", server.httpUrl(QStringLiteral("/ws/rooms/devs/join")), {}, bobToken);
    QCOMPARE(r.status, 409);

    // Seed 001: POST /api/v1/groups/{id}/messages; seed 003: POST /ws/messages room_message.
    r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/groups/devs/messages")),
                 {{QStringLiteral("content"), QStringLiteral("build is green")}}, alice);
    QCOMPARE(r.status, 201);
    QCOMPARE(num(r.json, "seq"), 1);
    QJsonObject m = bob->waitFor(QStringLiteral("room_message"));
    QCOMPARE(str(m, "content"), QStringLiteral("build is green"));
    QCOMPARE(str(m, "from_name"), QStringLiteral("alice"));
    r = httpJson("POST", server.httpUrl(QStringLiteral("/ws/messages")),
                 {{QStringLiteral("type"), QStringLiteral("room_message")},
                  {QStringLiteral("room_id"), QStringLiteral("devs")},
                  {QStringLiteral("content"), QStringLiteral("second")}},
                 alice);
    QCOMPARE(r.status, 201);
    QCOMPARE(num(bob->waitFor(QStringLiteral("room_message")), "seq"), 2);
    r = httpJson("POST", server.httpUrl(QStringLiteral("/ws/messages")),
                 {{QStringLiteral("type"), QStringLiteral("private_message")},
                  {QStringLiteral("to_user_id"), 2},
                  {QStringLiteral("content"), QStringLiteral("just you")}},
                 alice);
    QCOMPARE(r.status, 201);
    QCOMPARE(str(bob->waitFor(QStringLiteral("message")), "content"), QStringLiteral("just you"));
    r = httpJson("POST", server.httpUrl(QStringLiteral("/ws/messages")),
                 {{QStringLiteral("type"), QStringLiteral("broadcast")},
                  {QStringLiteral("content"), QStringLiteral("x")}},
                 alice);
    QCOMPARE(r.status, 403);
    r = httpJson("POST", server.httpUrl(QStringLiteral("/ws/messages")),
                 {{QStringLiteral("type"), QStringLiteral("shout")}}, alice);
    QCOMPARE(r.status, 400);
    // A backend posts with the API key (as the server) and acts for a user.
    r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/rooms/devs/messages")),
                 {{QStringLiteral("content"), QStringLiteral("deploy started")}}, key);
    QCOMPARE(r.status, 201);
    QCOMPARE(num(bob->waitFor(QStringLiteral("room_message")), "from"), 0);
    r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/rooms/devs/join")),
                 {{QStringLiteral("user_id"), 3}}, key);
    QCOMPARE(r.status, 200);
    QCOMPARE(num(bob->waitFor(QStringLiteral("user_joined")), "user_id"), 3);

    // Details, per-room stats, update, leave and delete.
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/rooms/devs")), {}, bobToken);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("members")).toArray().size(), 3);
    const QJsonObject room = r.json.value(QStringLiteral("room")).toObject();
    QCOMPARE(num(room, "members"), 3);
    QCOMPARE(num(room, "online_members"), 1); // bob; alice used REST only
    QCOMPARE(num(room, "messages"), 3);
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/stats")), {}, key);
    QCOMPARE(num(r.json, "rooms"), 4);
    bool found = false;
    for (const QJsonValue &v : r.json.value(QStringLiteral("room_stats")).toArray()) {
        if (str(v.toObject(), "room_id") == QLatin1StringView("devs")) {
            found = true;
            QCOMPARE(num(v.toObject(), "messages"), 3);
            QCOMPARE(num(v.toObject(), "members"), 3);
        }
    }
    QVERIFY(found);
    r = httpJson("PATCH", server.httpUrl(QStringLiteral("/api/v1/rooms/devs")),
                 {{QStringLiteral("post_policy"), QStringLiteral("owners")}}, bobToken);
    QCOMPARE(r.status, 403);
    r = httpJson("PATCH", server.httpUrl(QStringLiteral("/api/v1/rooms/devs")),
                 {{QStringLiteral("post_policy"), QStringLiteral("owners")},
                  {QStringLiteral("name"), QStringLiteral("Devs")}},
                 alice);
    QCOMPARE(r.status, 200);
    QCOMPARE(str(r.json.value(QStringLiteral("room")).toObject(), "post_policy"),
             QStringLiteral("owners"));
    r = httpJson("PATCH", server.httpUrl(QStringLiteral("/api/v1/rooms/devs")),
                 {{QStringLiteral("post_policy"), QStringLiteral("everyone")}}, alice);
    QCOMPARE(r.status, 400);
    r = http("POST", server.httpUrl(QStringLiteral("/ws/rooms/devs/leave")), {}, bobToken);
    QCOMPARE(r.status, 200);
    r = http("POST", server.httpUrl(QStringLiteral("/ws/rooms/devs/leave")), {}, bobToken);
    QCOMPARE(r.status, 409);
    r = http("DELETE", server.httpUrl(QStringLiteral("/api/v1/rooms/devs")), {}, alice);
    QCOMPARE(r.status, 200);
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/rooms/devs")), {}, alice);
    QCOMPARE(r.status, 404);
}

namespace {

QJsonObject roomArg(const QString &id)
{
    return {{QStringLiteral("room_id"), id}};
}

QString restCode(const HttpResult &r)
{
    return str(r.json.value(QStringLiteral("error")).toObject(), "code");
}

QString restMessage(const HttpResult &r)
{
    return str(r.json.value(QStringLiteral("error")).toObject(), "message");
}

} // namespace

// Issue 12, item 5: create a room, leave it, repeat -- the creator's budget counts the rooms it
// created that still exist, not its memberships, on WebSocket and REST, across a restart.
void tst_Rooms::creationBudget()
{
    QFETCH(QString, backend);
    TestServer server(backend, [](Config &c) {
        c.maxRoomsPerUser = 2; // memberships: leaving frees one
        c.maxRoomsCreatedPerUser = 3;
    });
    START_SERVER(server);
    {
        auto a = connectAs(server, 1), b = connectAs(server, 2);
        QVERIFY(a && b);
        for (int i = 0; i < 3; ++i) {
            const QString id = QStringLiteral("churn%1").arg(i);
            QVERIFY(errorCode(request(*a, "room_create", roomArg(id), "room")).isEmpty());
            QVERIFY(errorCode(request(*a, "room_leave", roomArg(id), "room_left")).isEmpty());
        }
        const QJsonObject refused
            = request(*a, "room_create", roomArg(QStringLiteral("churn3")), "room");
        QCOMPARE(errorCode(refused), QStringLiteral("LIMIT_REACHED"));
        QVERIFY2(str(refused, "message").contains(QLatin1StringView("max_rooms_created_per_user")),
                 qPrintable(str(refused, "message")));
        HttpResult r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/rooms")),
                                roomArg(QStringLiteral("churn3")), server.token(1));
        QCOMPARE(r.status, 409);
        QCOMPARE(restCode(r), QStringLiteral("LIMIT_REACHED"));
        QVERIFY2(restMessage(r).contains(QLatin1StringView("max_rooms_created_per_user")),
                 qPrintable(restMessage(r)));

        // The orphaned (empty) rooms stay their creator's: it may delete them, nobody else may.
        QCOMPARE(errorCode(
                     request(*b, "room_delete", roomArg(QStringLiteral("churn0")), "room_deleted")),
                 QStringLiteral("FORBIDDEN"));
        QVERIFY(
            errorCode(request(*a, "room_delete", roomArg(QStringLiteral("churn0")), "room_deleted"))
                .isEmpty());
        r = http("DELETE", server.httpUrl(QStringLiteral("/api/v1/rooms/churn1")), {},
                 server.token(1));
        QCOMPARE(r.status, 200);
        // Deleting gives the budget back.
        QVERIFY(errorCode(request(*a, "room_create", roomArg(QStringLiteral("churn3")), "room"))
                    .isEmpty());
        QVERIFY(errorCode(request(*a, "room_create", roomArg(QStringLiteral("churn4")), "room"))
                    .isEmpty());
        // Admins are not held to a user's budget (only to max_rooms).
        auto admin = connectAs(server, 9, true);
        QVERIFY(admin);
        for (int i = 0; i < 4; ++i) {
            const QString id = QStringLiteral("ops%1").arg(i);
            QVERIFY(errorCode(request(*admin, "room_create", roomArg(id), "room")).isEmpty());
            QVERIFY(errorCode(request(*admin, "room_leave", roomArg(id), "room_left")).isEmpty());
        }
    }
    // The count comes from the stored rooms: a restart does not reset it.
    server.stop();
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto a = connectAs(server, 1);
    QVERIFY(a);
    QCOMPARE(errorCode(request(*a, "room_create", roomArg(QStringLiteral("churn5")), "room")),
             QStringLiteral("LIMIT_REACHED"));
}

// Issue 12, item 5: a room whose last owner leaves passes ownership to its oldest remaining
// member; an empty room can be deleted by its creator (and admins), not by other users.
void tst_Rooms::ownershipPassesOn()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    {
        auto a = connectAs(server, 1), older = connectAs(server, 5), younger = connectAs(server, 3);
        QVERIFY(a && older && younger);
        QVERIFY(errorCode(request(*a, "room_create", roomArg(QStringLiteral("team")), "room"))
                    .isEmpty());
        QVERIFY(
            errorCode(request(*older, "room_join", roomArg(QStringLiteral("team")), "room_joined"))
                .isEmpty());
        QTest::qWait(20); // distinct join times: the tie-break (user id) would pick the other
        QVERIFY(errorCode(
                    request(*younger, "room_join", roomArg(QStringLiteral("team")), "room_joined"))
                    .isEmpty());
        QVERIFY(errorCode(request(*a, "room_leave", roomArg(QStringLiteral("team")), "room_left"))
                    .isEmpty());
        const QJsonObject got
            = request(*older, "room_get", roomArg(QStringLiteral("team")), "room");
        QCOMPARE(str(got.value(QStringLiteral("room")).toObject(), "role"),
                 QStringLiteral("owner"));
        const QJsonObject other
            = request(*younger, "room_get", roomArg(QStringLiteral("team")), "room");
        QCOMPARE(str(other.value(QStringLiteral("room")).toObject(), "role"),
                 QStringLiteral("member"));
        // The new owner manages the room; the creator, gone, no longer does.
        QVERIFY(errorCode(request(*older, "room_update",
                                  {{QStringLiteral("room_id"), QStringLiteral("team")},
                                   {QStringLiteral("name"), QStringLiteral("Team")}},
                                  "room"))
                    .isEmpty());
        QCOMPARE(errorCode(request(*a, "room_update",
                                   {{QStringLiteral("room_id"), QStringLiteral("team")},
                                    {QStringLiteral("name"), QStringLiteral("Mine")}},
                                   "room")),
                 QStringLiteral("FORBIDDEN"));
    }
    // The new owner is stored.
    server.stop();
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto a = connectAs(server, 1), older = connectAs(server, 5), younger = connectAs(server, 3);
    auto stranger = connectAs(server, 4);
    QVERIFY(a && older && younger && stranger);
    const QJsonObject got = request(*older, "room_get", roomArg(QStringLiteral("team")), "room");
    QCOMPARE(str(got.value(QStringLiteral("room")).toObject(), "role"), QStringLiteral("owner"));
    // The last owner leaves again: the remaining member takes over; then the room empties.
    QVERIFY(errorCode(request(*older, "room_leave", roomArg(QStringLiteral("team")), "room_left"))
                .isEmpty());
    const QJsonObject next = request(*younger, "room_get", roomArg(QStringLiteral("team")), "room");
    QCOMPARE(str(next.value(QStringLiteral("room")).toObject(), "role"), QStringLiteral("owner"));
    QVERIFY(errorCode(request(*younger, "room_leave", roomArg(QStringLiteral("team")), "room_left"))
                .isEmpty());
    QCOMPARE(errorCode(request(*stranger, "room_delete", roomArg(QStringLiteral("team")),
                               "room_deleted")),
             QStringLiteral("FORBIDDEN"));
    HttpResult r
        = http("DELETE", server.httpUrl(QStringLiteral("/api/v1/rooms/team")), {}, server.token(4));
    QCOMPARE(r.status, 403);
    r = http("DELETE", server.httpUrl(QStringLiteral("/api/v1/rooms/team")), {}, server.token(1));
    QCOMPARE(r.status, 200);

    // A creator who rejoins its empty room is its owner again.
    QVERIFY(
        errorCode(request(*a, "room_create", roomArg(QStringLiteral("solo")), "room")).isEmpty());
    QVERIFY(errorCode(request(*a, "room_leave", roomArg(QStringLiteral("solo")), "room_left"))
                .isEmpty());
    const QJsonObject back
        = request(*a, "room_join", roomArg(QStringLiteral("solo")), "room_joined");
    QCOMPARE(str(back.value(QStringLiteral("room")).toObject(), "role"), QStringLiteral("owner"));
}

QTEST_GUILESS_MAIN(tst_Rooms)
#include "tst_rooms.moc"
