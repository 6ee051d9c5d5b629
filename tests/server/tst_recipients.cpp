// SPDX-License-Identifier: MIT
// Who a message may go to (issue 14 item 3), end to end on SQLite and PostgreSQL: a message to
// an id that is no user is refused with NOT_FOUND on every path, instead of waiting for whoever
// gets that id later; a user that signed in with a token is a user (and keeps its id); with
// accept_unknown_recipients the first message reserves the id for the user it was meant for.
#include "testsupport.h"

#include <QJsonArray>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;

namespace {

// Creates an account over REST with the API key; its id (0 on failure).
qint64 createUser(TestServer &server, const QString &name)
{
    const HttpResult r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/users")),
                                  {{QStringLiteral("username"), name},
                                   {QStringLiteral("password"), QStringLiteral("password-123")}},
                                  server.config().apiKey.toUtf8());
    if (r.status != 201)
        qWarning("creating %s: %d %s", qPrintable(name), r.status, r.body.constData());
    return r.status == 201 ? num(r.json, "user_id") : 0;
}

HttpResult restSend(TestServer &server, qint64 to, const QByteArray &bearer)
{
    return httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/messages")),
                    {{QStringLiteral("to_user_id"), to}, {QStringLiteral("content"), "hello"}},
                    bearer);
}

QJsonObject wsSend(WsClient &c, qint64 to)
{
    return request(c, "send", {{QStringLiteral("to"), to}, {QStringLiteral("content"), "hello"}},
                   "ack");
}

} // namespace

class tst_Recipients : public QObject
{
    Q_OBJECT

private slots:
    void unknownRecipientIsNotFound_data() { addBackendRows(); }
    void unknownRecipientIsNotFound();
    void tokenUserIsARecipient_data() { addBackendRows(); }
    void tokenUserIsARecipient();
    void acceptUnknownReservesTheId_data() { addBackendRows(); }
    void acceptUnknownReservesTheId();
};

// Found: the README sent to user 2 while only user 1 existed; it was acked, and a user created
// later as id 2 received it on its first connect.
void tst_Recipients::unknownRecipientIsNotFound()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const qint64 alice = createUser(server, QStringLiteral("alice"));
    QVERIFY(alice > 0);
    auto a = connectAs(server, alice);
    QVERIFY(a);
    const qint64 next = alice + 1;

    QCOMPARE(errorCode(wsSend(*a, next)), QStringLiteral("NOT_FOUND"));
    QJsonObject e = request(*a, "notify",
                            {{QStringLiteral("to"), next}, {QStringLiteral("title"), "t"}}, "ack");
    QCOMPARE(errorCode(e), QStringLiteral("NOT_FOUND"));
    HttpResult r = restSend(server, next, server.token(alice, QStringLiteral("alice")));
    QCOMPARE(r.status, 404);
    QCOMPARE(errorCode(r), QStringLiteral("NOT_FOUND"));
    r = restSend(server, 99, server.config().apiKey.toUtf8());
    QCOMPARE(r.status, 404);
    r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/notifications")),
                 {{QStringLiteral("to_user_id"), 99}, {QStringLiteral("title"), "t"}},
                 server.config().apiKey.toUtf8());
    QCOMPARE(r.status, 404);

    // The user created next gets that id and nothing meant for "nobody".
    QCOMPARE(createUser(server, QStringLiteral("bob")), next);
    auto b = connectAs(server, next);
    QVERIFY(b);
    QVERIFY(b->noEventOfType(QStringLiteral("message"), 300));
    // ...and is a recipient now, on both paths.
    QVERIFY(errorCode(wsSend(*a, next)).isEmpty());
    QCOMPARE(restSend(server, next, server.config().apiKey.toUtf8()).status, 201);
    QTRY_COMPARE(b->eventsOfType(QStringLiteral("message")).size(), 2);
    // Sending to oneself needs no lookup.
    QVERIFY(errorCode(wsSend(*a, alice)).isEmpty());
}

// Users that only backends know (tokens minted with the API key or issued by an identity
// provider) have no account: the first sign-in makes them a user, across restarts, and their
// id is not handed to an account created later.
void tst_Recipients::tokenUserIsARecipient()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const QByteArray key = server.config().apiKey.toUtf8();
    QCOMPARE(restSend(server, 50, key).status, 404);
    {
        auto t = connectAs(server, 50);
        QVERIFY(t);
    }
    QCOMPARE(restSend(server, 50, key).status, 201);
    // A REST call with a token counts as a sign-in too.
    QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/api/v1/rooms")), {},
                  server.token(60, QStringLiteral("svc")))
                 .status,
             200);
    QCOMPARE(restSend(server, 60, key).status, 201);
    // Recorded, not only cached: after a restart both are still users.
    server.stop();
    START_SERVER(server);
    QCOMPARE(restSend(server, 50, key).status, 201);
    QCOMPARE(restSend(server, 60, key).status, 201);
    // A new account never takes a token user's id.
    QCOMPARE(createUser(server, QStringLiteral("carol")), 61);
    // And a token user can be invited to a private room.
    auto owner = connectAs(server, 61);
    QVERIFY(owner);
    QVERIFY(errorCode(request(*owner, "room_create",
                              {{QStringLiteral("room_id"), "p"}, {QStringLiteral("private"), true}},
                              "room"))
                .isEmpty());
    QVERIFY(errorCode(request(*owner, "room_invite",
                              {{QStringLiteral("room_id"), "p"}, {QStringLiteral("user_id"), 50}},
                              "ack"))
                .isEmpty());
    QCOMPARE(errorCode(request(*owner, "room_invite",
                               {{QStringLiteral("room_id"), "p"}, {QStringLiteral("user_id"), 77}},
                               "ack")),
             QStringLiteral("NOT_FOUND"));
}

// The opt-in for backends that address users before their first sign-in: the message is
// stored, the id is reserved by it (an account created later gets another), and the user it
// was meant for receives it when it connects.
void tst_Recipients::acceptUnknownReservesTheId()
{
    QFETCH(QString, backend);
    TestServer server(backend, [](Config &c) { c.acceptUnknownRecipients = true; });
    START_SERVER(server);
    const HttpResult r = restSend(server, 7, server.config().apiKey.toUtf8());
    QCOMPARE(r.status, 201);
    QCOMPARE(createUser(server, QStringLiteral("dave")), 8);
    auto seven = connectAs(server, 7);
    QVERIFY(seven);
    const QJsonObject m = seven->waitFor(QStringLiteral("message"));
    QCOMPARE(str(m, "content"), QStringLiteral("hello"));
}

QTEST_GUILESS_MAIN(tst_Recipients)
#include "tst_recipients.moc"
