// SPDX-License-Identifier: MIT
// String user ids (issue 16): tokens a backend mints with its own ids ("user123", UUIDs) work
// over a real loopback WebSocket and REST; the ids are mapped to internal ones once, shown back
// as given in the seed dialects and REST, kept as numbers for canonical clients, and the same
// after a restart. On SQLite and PostgreSQL.
#include "testsupport.h"

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

QTEST_GUILESS_MAIN(tst_ExternalIds)
#include "tst_externalids.moc"
