// SPDX-License-Identifier: MIT
// String user ids (issue 16): tokens a backend mints with its own ids ("user123", UUIDs) work
// over a real loopback WebSocket and REST; the ids are mapped to internal ones once, shown back
// as given in the seed dialects and REST, kept as numbers for canonical clients, and the same
// after a restart. On SQLite and PostgreSQL.
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;

class tst_ExternalIds : public QObject
{
    Q_OBJECT

private slots:
    void directMessageIn004_data() { addBackendRows(); }
    void directMessageIn004();
    void restSend_data() { addBackendRows(); }
    void restSend();
    void mappingSurvivesRestart_data() { addBackendRows(); }
    void mappingSurvivesRestart();
    void restPresenceByExternalId_data() { addBackendRows(); }
    void restPresenceByExternalId();
    void restShowsExternalIdAfterRestart_data() { addBackendRows(); }
    void restShowsExternalIdAfterRestart();
    void restConversationByExternalId_data() { addBackendRows(); }
    void restConversationByExternalId();
    void restActingAndNotifyingByExternalId_data() { addBackendRows(); }
    void restActingAndNotifyingByExternalId();
    void restRoomInviteByExternalId_data() { addBackendRows(); }
    void restRoomInviteByExternalId();
    void wsFramesByExternalId_data() { addBackendRows(); }
    void wsFramesByExternalId();
    void dialectReplayAfterRestart_data() { addBackendRows(); }
    void dialectReplayAfterRestart();
};

namespace {

std::unique_ptr<WsClient> open(TestServer &server, const QString &sub, const QString &path)
{
    auto c = std::make_unique<WsClient>();
    if (!c->open(server.wsUrl(QString::fromLatin1(server.externalToken(sub)), path)))
        return nullptr;
    if (c->waitFor(QStringLiteral("connected")).isEmpty())
        return nullptr;
    return c;
}

// Signs an external id in once over REST (its first sight maps it), as a backend's user does.
bool signIn(TestServer &server, const QString &sub)
{
    return http("GET", server.httpUrl(QStringLiteral("/api/v1/online/count")), {},
                server.externalToken(sub))
               .status
        == 200;
}

// The internal id of an external one, as a canonical connection's welcome shows it.
qint64 internalIdOf(TestServer &server, const QString &sub)
{
    auto c = open(server, sub, QStringLiteral("/ws"));
    return c ? c->events().first().value(u"user").toObject().value(u"id").toInteger() : -1;
}

} // namespace

// Seed 004's own users on its endpoint: user456 writes to "user123" and the chat arrives
// `from: "user456"`, `to: "user123"`; the answer goes back the same way.
void tst_ExternalIds::directMessageIn004()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto a = open(server, QStringLiteral("user123"), QStringLiteral("/api/ws/connect"));
    QVERIFY(a);
    auto b = open(server, QStringLiteral("user456"), QStringLiteral("/api/ws/connect"));
    QVERIFY(b);
    b->send({{"type", "chat"}, {"to", "user123"}, {"content", "Hello!"}});
    const QJsonObject chat = a->waitFor(QStringLiteral("chat"));
    QCOMPARE(chat.value(u"from"), QJsonValue(QStringLiteral("user456")));
    QCOMPARE(chat.value(u"to"), QJsonValue(QStringLiteral("user123")));
    QCOMPARE(str(chat, "content"), QStringLiteral("Hello!"));
    a->send({{"type", "chat"}, {"to", "user456"}, {"content", "Hi back"}});
    const QJsonObject back = b->waitFor(QStringLiteral("chat"));
    QCOMPARE(back.value(u"from"), QJsonValue(QStringLiteral("user123")));
    QCOMPARE(str(back, "content"), QStringLiteral("Hi back"));

    // A canonical client of the same user keeps numbers.
    auto canonical = open(server, QStringLiteral("user123"), QStringLiteral("/ws"));
    QVERIFY(canonical);
    const QJsonObject connected = canonical->events().first();
    QCOMPARE(str(connected, "type"), QStringLiteral("connected"));
    QVERIFY(connected.value(u"user").toObject().value(u"id").isDouble());
    const qint64 internal123 = connected.value(u"user").toObject().value(u"id").toInteger();
    QVERIFY(internal123 > 0);
    b->send({{"type", "chat"}, {"to", "user123"}, {"content", "again"}});
    const QJsonObject message = canonical->waitFor(QStringLiteral("message"));
    QVERIFY(message.value(u"from").isDouble());
    QCOMPARE(message.value(u"to").toInteger(), internal123);
    QCOMPARE(str(a->waitFor(QStringLiteral("chat")), "content"), QStringLiteral("again"));

    // A text that names no user that signed in is refused like any `to` that is no user id
    // (accept_unknown_recipients is off).
    b->send({{"type", "chat"}, {"id", "n1"}, {"to", "nobody"}, {"content", "?"}});
    const QJsonObject error = b->waitFor(QStringLiteral("error"));
    QCOMPARE(str(error, "code"), QStringLiteral("VALIDATION_ERROR"));
}

// REST: seed 004's push (`to: "user456"` with the API key) and a user's own send with an
// external token; both reply with the recipient as given. An unknown external id is a 400.
void tst_ExternalIds::restSend()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto b = open(server, QStringLiteral("user456"), QStringLiteral("/api/ws/connect"));
    QVERIFY(b);
    const HttpResult pushed
        = httpJson("POST", server.httpUrl(QStringLiteral("/api/ws/send")),
                   {{"type", "chat"}, {"to", "user456"}, {"content", "from the backend"}},
                   server.config().apiKey.toUtf8());
    QVERIFY2(pushed.status / 100 == 2, pushed.body.constData());
    QCOMPARE(pushed.json.value(u"to_user_id"), QJsonValue(QStringLiteral("user456")));
    const QJsonObject chat = b->waitFor(QStringLiteral("chat"));
    QCOMPARE(str(chat, "content"), QStringLiteral("from the backend"));
    QCOMPARE(chat.value(u"to"), QJsonValue(QStringLiteral("user456")));

    const HttpResult note
        = httpJson("POST", server.httpUrl(QStringLiteral("/api/ws/send")),
                   {{"type", "notification"}, {"to", "user456"}, {"content", "order shipped"}},
                   server.config().apiKey.toUtf8());
    QVERIFY2(note.status / 100 == 2, note.body.constData());
    QCOMPARE(str(b->waitFor(QStringLiteral("notification")), "content"),
             QStringLiteral("order shipped"));

    // user123 sends with its own token over REST.
    const HttpResult sent = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/messages")),
                                     {{"to_user_id", "user456"}, {"content", "rest hello"}},
                                     server.externalToken(QStringLiteral("user123")));
    QCOMPARE(sent.status, 201);
    QCOMPARE(sent.json.value(u"to_user_id"), QJsonValue(QStringLiteral("user456")));
    const QJsonObject restChat = b->waitFor(QStringLiteral("chat"));
    QCOMPARE(restChat.value(u"from"), QJsonValue(QStringLiteral("user123")));
    QCOMPARE(str(restChat, "content"), QStringLiteral("rest hello"));

    const HttpResult unknown = httpJson("POST", server.httpUrl(QStringLiteral("/api/ws/send")),
                                        {{"type", "chat"}, {"to", "nobody-yet"}, {"content", "?"}},
                                        server.config().apiKey.toUtf8());
    QCOMPARE(unknown.status, 400);
    QCOMPARE(errorCode(unknown), QStringLiteral("VALIDATION_ERROR"));
}

// The mapping is stored: after a restart user123 has the same internal id, and one an account
// created meanwhile does not get.
void tst_ExternalIds::mappingSurvivesRestart()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const auto internalId = [&server]() -> qint64 {
        auto c = open(server, QStringLiteral("user123"), QStringLiteral("/ws"));
        if (!c)
            return -1;
        return c->events().first().value(u"user").toObject().value(u"id").toInteger();
    };
    const qint64 before = internalId();
    QVERIFY(before > 0);
    QCOMPARE(internalId(), before);
    server.stop();
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    QCOMPARE(internalId(), before);
    auto seed = open(server, QStringLiteral("user123"), QStringLiteral("/api/ws/connect"));
    QVERIFY(seed);
    QCOMPARE(seed->events().first().value(u"user").toObject().value(u"id"),
             QJsonValue(QStringLiteral("user123")));
}

// Presence over REST names users by their external ids (?user_ids=, /status/{user_id}) and shows
// them back by those; one that never signed in is a VALIDATION_ERROR, as a recipient is.
void tst_ExternalIds::restPresenceByExternalId()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto a = open(server, QStringLiteral("user123"), QStringLiteral("/api/ws/connect"));
    QVERIFY(a);
    QVERIFY(signIn(server, QStringLiteral("user456")));
    const QByteArray key = server.config().apiKey.toUtf8();

    const HttpResult listed
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/presence?user_ids=user123,user456")),
               {}, key);
    QVERIFY2(listed.status == 200, listed.body.constData());
    const QJsonArray users = listed.json.value(u"users").toArray();
    QCOMPARE(users.size(), 2);
    QCOMPARE(users.at(0).toObject().value(u"user_id"), QJsonValue(QStringLiteral("user123")));
    QCOMPARE(users.at(0).toObject().value(u"online"), QJsonValue(true));
    QCOMPARE(users.at(1).toObject().value(u"user_id"), QJsonValue(QStringLiteral("user456")));
    QCOMPARE(users.at(1).toObject().value(u"online"), QJsonValue(false));

    const HttpResult status
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/status/user123")), {}, key);
    QVERIFY2(status.status == 200, status.body.constData());
    QCOMPARE(status.json.value(u"user_id"), QJsonValue(QStringLiteral("user123")));
    QCOMPARE(status.json.value(u"online"), QJsonValue(true));

    // By its number the user is shown by its external id too.
    const qint64 internal = internalIdOf(server, QStringLiteral("user123"));
    QVERIFY(internal > 0);
    const HttpResult byNumber
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/status/%1").arg(internal)), {}, key);
    QCOMPARE(byNumber.json.value(u"user_id"), QJsonValue(QStringLiteral("user123")));

    // The online lists, seed 004's among them, show it so too.
    const HttpResult online
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/online")), {}, key);
    QCOMPARE(online.json.value(u"users").toArray().first().toObject().value(u"user_id"),
             QJsonValue(QStringLiteral("user123")));
    const HttpResult status004
        = http("GET", server.httpUrl(QStringLiteral("/api/ws/status")), {}, key);
    QVERIFY(status004.json.value(u"online_users")
                .toArray()
                .contains(QJsonValue(QStringLiteral("user123"))));

    const HttpResult unknown = http(
        "GET", server.httpUrl(QStringLiteral("/api/v1/presence?user_ids=user123,nobody")), {}, key);
    QCOMPARE(unknown.status, 400);
    QCOMPARE(errorCode(unknown), QStringLiteral("VALIDATION_ERROR"));
    QVERIFY(unknown.body.contains("nobody"));
    const HttpResult unknownStatus
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/status/nobody")), {}, key);
    QCOMPARE(unknownStatus.status, 400);
    QCOMPARE(errorCode(unknownStatus), QStringLiteral("VALIDATION_ERROR"));
}

// After a restart nothing is in memory: a REST reply still shows an external user by its
// external id, read back from the store.
void tst_ExternalIds::restShowsExternalIdAfterRestart()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const qint64 internal = internalIdOf(server, QStringLiteral("user123"));
    QVERIFY(internal > 0);
    server.stop();
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    const QByteArray key = server.config().apiKey.toUtf8();
    const HttpResult listed
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/presence?user_ids=%1").arg(internal)),
               {}, key);
    QVERIFY2(listed.status == 200, listed.body.constData());
    QCOMPARE(listed.json.value(u"users").toArray().at(0).toObject().value(u"user_id"),
             QJsonValue(QStringLiteral("user123")));
    // A numeric user stays a number.
    QVERIFY(server.signIn({9001}));
    const HttpResult numeric
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/status/9001")), {}, key);
    QCOMPARE(numeric.json.value(u"user_id"), QJsonValue(9001));
}

// History by external ids: the conversation path names the peer, ?user_id= the owner; the page
// says `with` by the external id.
void tst_ExternalIds::restConversationByExternalId()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    QVERIFY(signIn(server, QStringLiteral("user123")));
    const HttpResult sent = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/messages")),
                                     {{"to_user_id", "user123"}, {"content", "history hello"}},
                                     server.externalToken(QStringLiteral("user456")));
    QCOMPARE(sent.status, 201);

    const HttpResult own
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/conversations/user456/messages")), {},
               server.externalToken(QStringLiteral("user123")));
    QVERIFY2(own.status == 200, own.body.constData());
    QCOMPARE(own.json.value(u"count").toInt(), 1);
    QCOMPARE(own.json.value(u"with"), QJsonValue(QStringLiteral("user456")));

    const QByteArray key = server.config().apiKey.toUtf8();
    const HttpResult admin = http(
        "GET",
        server.httpUrl(QStringLiteral("/api/v1/conversations/user456/messages?user_id=user123")),
        {}, key);
    QVERIFY2(admin.status == 200, admin.body.constData());
    QCOMPARE(admin.json.value(u"count").toInt(), 1);

    const HttpResult inbox
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/messages?user_id=user123")), {}, key);
    QVERIFY2(inbox.status == 200, inbox.body.constData());
    QCOMPARE(inbox.json.value(u"messages").toArray().size(), 1);

    const HttpResult unknown
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/conversations/nobody/messages")), {},
               server.externalToken(QStringLiteral("user123")));
    QCOMPARE(unknown.status, 400);
    QCOMPARE(errorCode(unknown), QStringLiteral("VALIDATION_ERROR"));
}

// The API key acts for a backend's user named by its external id (`from_user_id`), and
// notifies one (`to`, and the targeted broadcast's `user_id`).
void tst_ExternalIds::restActingAndNotifyingByExternalId()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto a = open(server, QStringLiteral("user123"), QStringLiteral("/api/ws/connect"));
    QVERIFY(a);
    QVERIFY(signIn(server, QStringLiteral("user456")));
    const QByteArray key = server.config().apiKey.toUtf8();

    const HttpResult sent = httpJson(
        "POST", server.httpUrl(QStringLiteral("/api/v1/messages")),
        {{"from_user_id", "user456"}, {"to_user_id", "user123"}, {"content", "on behalf"}}, key);
    QVERIFY2(sent.status == 201, sent.body.constData());
    const QJsonObject chat = a->waitFor(QStringLiteral("chat"));
    QCOMPARE(chat.value(u"from"), QJsonValue(QStringLiteral("user456")));
    QCOMPARE(str(chat, "content"), QStringLiteral("on behalf"));

    const HttpResult noted = httpJson(
        "POST", server.httpUrl(QStringLiteral("/api/v1/notifications")),
        {{"from_user_id", "user456"}, {"to", "user123"}, {"title", "order shipped"}}, key);
    QVERIFY2(noted.status == 201, noted.body.constData());
    QCOMPARE(noted.json.value(u"to_user_id"), QJsonValue(QStringLiteral("user123")));
    QCOMPARE(str(a->waitFor(QStringLiteral("notification")), "title"),
             QStringLiteral("order shipped"));

    const HttpResult targeted = httpJson(
        "POST", server.httpUrl(QStringLiteral("/api/v1/broadcast")),
        {{"target", "user"}, {"user_id", "user123"}, {"kind", "notification"}, {"title", "t2"}},
        key);
    QVERIFY2(targeted.status == 201, targeted.body.constData());
    QCOMPARE(targeted.json.value(u"user_id"), QJsonValue(QStringLiteral("user123")));
    QCOMPARE(str(a->waitFor(QStringLiteral("notification")), "title"), QStringLiteral("t2"));

    const HttpResult unknown
        = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/messages")),
                   {{"from_user_id", "nobody"}, {"to_user_id", "user123"}, {"content", "?"}}, key);
    QCOMPARE(unknown.status, 400);
    QCOMPARE(errorCode(unknown), QStringLiteral("VALIDATION_ERROR"));

    // The operator's audience and disconnect name the user so too.
    const HttpResult audience = http(
        "GET", server.httpUrl(QStringLiteral("/api/v1/audience?target=user&user_id=user123")), {},
        key);
    QVERIFY2(audience.status == 200, audience.body.constData());
    QCOMPARE(audience.json.value(u"connections").toInt(), 1);
    const HttpResult disconnected = httpJson(
        "POST", server.httpUrl(QStringLiteral("/api/v1/users/user123/disconnect")), {}, key);
    QVERIFY2(disconnected.status == 200, disconnected.body.constData());
    QCOMPARE(disconnected.json.value(u"closed").toInt(), 1);
    QCOMPARE(a->waitClosed(), 4004);
}

// A private room's owner invites a backend's user by its external id.
void tst_ExternalIds::restRoomInviteByExternalId()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto a = open(server, QStringLiteral("user123"), QStringLiteral("/ws"));
    QVERIFY(a);
    const QByteArray owner = server.externalToken(QStringLiteral("user456"));
    const HttpResult created = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/rooms")),
                                        {{"room_id", "vip"}, {"private", true}}, owner);
    QVERIFY2(created.status == 201, created.body.constData());
    const HttpResult invited
        = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/rooms/vip/invite")),
                   {{"user_id", "user123"}}, owner);
    QVERIFY2(invited.status == 200, invited.body.constData());
    QCOMPARE(a->waitFor(QStringLiteral("room_invited")).value(u"room_id"),
             QJsonValue(QStringLiteral("vip")));
    // The members of a room are shown by their external ids.
    const HttpResult room
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/rooms/vip")), {}, owner);
    QVERIFY2(room.status == 200, room.body.constData());
    QCOMPARE(room.json.value(u"members").toArray().first().toObject().value(u"user_id"),
             QJsonValue(QStringLiteral("user456")));
    const HttpResult unknown
        = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/rooms/vip/invite")),
                   {{"user_id", "nobody"}}, owner);
    QCOMPARE(unknown.status, 400);
    QCOMPARE(errorCode(unknown), QStringLiteral("VALIDATION_ERROR"));
}

// The frames that name a user take its external id as `send` does: room_invite, notify,
// presence_query, history's `with` and typing's `to`; one never seen is a VALIDATION_ERROR.
void tst_ExternalIds::wsFramesByExternalId()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto a = open(server, QStringLiteral("user123"), QStringLiteral("/ws"));
    QVERIFY(a);
    auto b = open(server, QStringLiteral("user456"), QStringLiteral("/ws"));
    QVERIFY(b);
    const qint64 internal123
        = a->events().first().value(u"user").toObject().value(u"id").toInteger();

    QCOMPARE(
        str(request(*b, "room_create", {{"room_id", "club"}, {"private", true}}, "room"), "type"),
        QStringLiteral("room"));
    const QJsonObject invited
        = request(*b, "room_invite", {{"room_id", "club"}, {"user_id", "user123"}}, "ack");
    QCOMPARE(str(invited, "type"), QStringLiteral("ack"));
    QCOMPARE(str(a->waitFor(QStringLiteral("room_invited")), "room_id"), QStringLiteral("club"));
    QCOMPARE(str(request(*a, "room_join", {{"room_id", "club"}}, "room_joined"), "type"),
             QStringLiteral("room_joined"));

    const QJsonObject noted
        = request(*b, "notify", {{"to", "user123"}, {"title", "order shipped"}}, "ack");
    QCOMPARE(str(noted, "type"), QStringLiteral("ack"));
    QCOMPARE(str(a->waitFor(QStringLiteral("notification")).value(u"data").toObject(), "title"),
             QStringLiteral("order shipped"));

    const QJsonObject presence
        = request(*b, "presence_query", {{"user_ids", QJsonArray {"user123"}}}, "presence_list");
    QCOMPARE(str(presence, "type"), QStringLiteral("presence_list"));
    const QJsonObject entry = presence.value(u"users").toArray().first().toObject();
    QCOMPARE(entry.value(u"user_id").toInteger(), internal123); // canonical: numbers
    QCOMPARE(entry.value(u"online"), QJsonValue(true));

    b->send(frame("send", {{"to", "user123"}, {"content", "in the history"}}));
    QCOMPARE(str(a->waitFor(QStringLiteral("message")), "content"),
             QStringLiteral("in the history"));
    const QJsonObject page = request(*a, "history", {{"with", "user456"}}, "history");
    QCOMPARE(str(page, "type"), QStringLiteral("history"));
    QVERIFY(!page.value(u"messages").toArray().isEmpty());

    a->send(frame("typing", {{"to", "user456"}}));
    QCOMPARE(b->waitFor(QStringLiteral("typing")).value(u"user_id").toInteger(), internal123);

    for (const auto &[type, fields] :
         {std::pair {"room_invite", QJsonObject {{"room_id", "club"}, {"user_id", "nobody"}}},
          std::pair {"notify", QJsonObject {{"to", "nobody"}, {"title", "?"}}},
          std::pair {"presence_query", QJsonObject {{"user_ids", QJsonArray {"nobody"}}}},
          std::pair {"history", QJsonObject {{"with", "nobody"}}}}) {
        const QJsonObject refused = request(*b, type, fields, "none");
        QVERIFY2(errorCode(refused) == QLatin1StringView("VALIDATION_ERROR"), type);
        QVERIFY2(str(refused, "message").contains(QLatin1StringView("nobody")), type);
    }
}

// What waited for a dialect connection is replayed with its senders' external ids, read from
// the store when nothing is in memory (a restart, a sender not connected).
void tst_ExternalIds::dialectReplayAfterRestart()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    QVERIFY(signIn(server, QStringLiteral("user123")));
    {
        auto b = open(server, QStringLiteral("user456"), QStringLiteral("/api/ws/connect"));
        QVERIFY(b);
        QCOMPARE(
            str(request(*b, "chat", {{"to", "user123"}, {"content", "while you were out"}}, "ack"),
                "type"),
            QStringLiteral("ack"));
    }
    server.stop();
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto a = open(server, QStringLiteral("user123"), QStringLiteral("/api/ws/connect"));
    QVERIFY(a);
    const QJsonObject chat = a->waitFor(QStringLiteral("chat"));
    QCOMPARE(str(chat, "content"), QStringLiteral("while you were out"));
    QCOMPARE(chat.value(u"from"), QJsonValue(QStringLiteral("user456")));
    QCOMPARE(chat.value(u"to"), QJsonValue(QStringLiteral("user123")));
}

QTEST_GUILESS_MAIN(tst_ExternalIds)
#include "tst_externalids.moc"
