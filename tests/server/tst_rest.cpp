// SPDX-License-Identifier: MIT
// End-to-end REST tests over real HTTP, on SQLite and PostgreSQL.
#include "testsupport.h"

#include <QJsonArray>
#include <QTcpSocket>
#include <QLoggingCategory>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;

class tst_Rest : public QObject
{
    Q_OBJECT

private slots:
    void loginFlow_data() { addBackendRows(); }
    void loginFlow();
    void accessControl_data() { addBackendRows(); }
    void accessControl();
    void presence_data() { addBackendRows(); }
    void presence();
    void broadcastAliases_data() { addBackendRows(); }
    void broadcastAliases();
    void sendToUserAliases_data() { addBackendRows(); }
    void sendToUserAliases();
    void directMessagesAndOfflinePull_data() { addBackendRows(); }
    void directMessagesAndOfflinePull();
    void httpErrors();
    void health();
    void tokensNeverLogged();
};

void tst_Rest::loginFlow()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const QByteArray key = server.config().apiKey.toUtf8();
    HttpResult r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/users")),
                            {{QStringLiteral("username"), QStringLiteral("alice")},
                             {QStringLiteral("password"), QStringLiteral("correct horse")}},
                            key);
    QCOMPARE(r.status, 201);
    const qint64 id = r.json.value(QStringLiteral("user_id")).toInteger();
    r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/users")),
                 {{QStringLiteral("username"), QStringLiteral("alice")},
                  {QStringLiteral("password"), QStringLiteral("other password")}},
                 key);
    QCOMPARE(r.status, 409);

    r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/users/login")),
                 {{QStringLiteral("username"), QStringLiteral("alice")},
                  {QStringLiteral("password"), QStringLiteral("correct horse")}});
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("user_id")).toInteger(), id);
    QVERIFY(r.json.value(QStringLiteral("expires_at")).toInteger()
            > QDateTime::currentSecsSinceEpoch());
    const QString token = r.json.value(QStringLiteral("token")).toString();
    QVERIFY(!token.isEmpty());
    WsClient c;
    QVERIFY(c.open(server.wsUrl(token)));
    const QJsonObject user
        = c.waitFor(QStringLiteral("connected")).value(QStringLiteral("user")).toObject();
    QCOMPARE(user.value(QStringLiteral("id")).toInteger(), id);
    QCOMPARE(user.value(QStringLiteral("name")).toString(), QStringLiteral("alice"));

    r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/users/login")),
                 {{QStringLiteral("username"), QStringLiteral("alice")},
                  {QStringLiteral("password"), QStringLiteral("wrong")}});
    QCOMPARE(r.status, 401);
    QCOMPARE(errorCode(r), QStringLiteral("UNAUTHORIZED"));
    r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/users/login")),
                 {{QStringLiteral("username"), QStringLiteral("nobody")},
                  {QStringLiteral("password"), QStringLiteral("whatever")}});
    QCOMPARE(r.status, 401);
    r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/users/login")),
                 {{QStringLiteral("username"), 5}});
    QCOMPARE(r.status, 400);
    QCOMPARE(errorCode(r), QStringLiteral("VALIDATION_ERROR"));
}

void tst_Rest::accessControl()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const QUrl stats = server.httpUrl(QStringLiteral("/api/v1/stats"));
    QCOMPARE(http("GET", stats).status, 401);
    QCOMPARE(http("GET", stats, {}, server.token(1)).status, 403);
    QCOMPARE(http("GET", stats, {}, "not-a-token").status, 401);
    QCOMPARE(http("GET", stats, {}, "test-api-key-wrong-0000").status, 401);
    const HttpResult admin = http("GET", stats, {}, server.token(1, {}, true));
    QCOMPARE(admin.status, 200);
    const HttpResult key = http("GET", server.httpUrl(QStringLiteral("/ws/stats")), {},
                                server.config().apiKey.toUtf8());
    QCOMPARE(key.status, 200);
    for (const char *field :
         {"connections", "users_online", "messages_stored", "uptime_seconds", "storage", "version"})
        QVERIFY2(key.json.contains(QLatin1StringView(field)), field);
    QCOMPARE(key.json.value(QStringLiteral("storage")).toString(), backend);
    // Expired token on REST: 401 with TOKEN_EXPIRED.
    TokenSettings s;
    s.secret = TestServer::SECRET;
    TokenClaims c;
    c.userId = 1;
    c.expiresAt = QDateTime::currentSecsSinceEpoch() - 3600;
    const HttpResult expired = http("GET", server.httpUrl(QStringLiteral("/api/v1/online")), {},
                                    TokenService(s).issue(c, c.expiresAt - 60));
    QCOMPARE(expired.status, 401);
    QCOMPARE(errorCode(expired), QStringLiteral("TOKEN_EXPIRED"));
}

void tst_Rest::presence()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    // An admin: a user sees names and other users' presence only where it shares a room with
    // them (tst_presence covers that rule).
    const QByteArray t = server.token(1, QString(), true);
    auto b1 = std::make_unique<WsClient>();
    auto b2 = std::make_unique<WsClient>();
    QVERIFY(b1->open(server.wsUrl(QString::fromLatin1(server.token(7, QStringLiteral("bob"))))));
    QVERIFY(b2->open(server.wsUrl(QString::fromLatin1(server.token(7, QStringLiteral("bob"))))));
    QVERIFY(!b2->waitFor(QStringLiteral("connected")).isEmpty());
    QVERIFY(!b1->waitFor(QStringLiteral("connected")).isEmpty());

    HttpResult r = http("GET", server.httpUrl(QStringLiteral("/api/v1/online?limit=10")), {}, t);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("count")).toInt(), 1);
    const QJsonObject bob = r.json.value(QStringLiteral("users")).toArray().first().toObject();
    QCOMPARE(bob.value(QStringLiteral("user_id")).toInteger(), 7);
    QCOMPARE(bob.value(QStringLiteral("connections_count")).toInt(), 2);
    QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/ws/online")), {}, t)
                 .json.value(QStringLiteral("count"))
                 .toInt(),
             1);
    QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/api/v1/online?limit=abc")), {}, t).status,
             400);
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/online/count")), {}, t);
    QCOMPARE(r.json.value(QStringLiteral("count")).toInt(), 1);
    QCOMPARE(r.json.value(QStringLiteral("connections")).toInt(), 2);
    r = http("GET", server.httpUrl(QStringLiteral("/api/ws/status")), {}, t);
    QCOMPARE(r.json.value(QStringLiteral("online_count")).toInt(), 1);
    QCOMPARE(r.json.value(QStringLiteral("online_users")).toArray().first().toInteger(), 7);
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/status/7")), {}, t);
    QCOMPARE(r.json.value(QStringLiteral("online")).toBool(), true);
    QCOMPARE(r.json.value(QStringLiteral("connections_count")).toInt(), 2);
    QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/api/v1/status/x")), {}, t).status, 400);

    // last_seen is kept for stored users when their last connection closes.
    const HttpResult created
        = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/users")),
                   {{QStringLiteral("username"), QStringLiteral("carol")},
                    {QStringLiteral("password"), QStringLiteral("password-1")}},
                   server.config().apiKey.toUtf8());
    const qint64 carol = created.json.value(QStringLiteral("user_id")).toInteger();
    {
        WsClient c;
        QVERIFY(c.open(server.wsUrl(QString::fromLatin1(server.token(carol)))));
        QVERIFY(!c.waitFor(QStringLiteral("connected")).isEmpty());
    }
    QTRY_VERIFY_WITH_TIMEOUT(
        http("GET", server.httpUrl(QStringLiteral("/api/v1/status/%1").arg(carol)), {}, t)
                .json.value(QStringLiteral("last_seen"))
                .toInteger()
            > 0,
        3000);
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/status/%1").arg(carol)), {}, t);
    QCOMPARE(r.json.value(QStringLiteral("online")).toBool(), false);
    QCOMPARE(r.json.value(QStringLiteral("connections_count")).toInt(), 0);
}

void tst_Rest::broadcastAliases()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const QByteArray key = server.config().apiKey.toUtf8();
    WsClient c;
    QVERIFY(c.open(server.wsUrl(QString::fromLatin1(server.token(1)))));
    QVERIFY(!c.waitFor(QStringLiteral("connected")).isEmpty());
    HttpResult r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/broadcast")),
                            {{QStringLiteral("content"), QStringLiteral("canonical")}}, key);
    QCOMPARE(r.status, 202);
    QCOMPARE(r.json.value(QStringLiteral("recipients")).toInt(), 1);
    QCOMPARE(c.waitFor(QStringLiteral("broadcast")).value(QStringLiteral("content")).toString(),
             QStringLiteral("canonical"));
    r = httpJson("POST", server.httpUrl(QStringLiteral("/ws/broadcast")),
                 {{QStringLiteral("message_type"), QStringLiteral("system_message")},
                  {QStringLiteral("data"),
                   QJsonObject {{QStringLiteral("content"), QStringLiteral("maintenance")},
                                {QStringLiteral("priority"), QStringLiteral("high")}}}},
                 key);
    QCOMPARE(r.status, 202);
    const QJsonObject sys = c.waitFor(QStringLiteral("system"));
    QCOMPARE(sys.value(QStringLiteral("content")).toString(), QStringLiteral("maintenance"));
    QCOMPARE(
        sys.value(QStringLiteral("data")).toObject().value(QStringLiteral("priority")).toString(),
        QStringLiteral("high"));
    r = httpJson("POST", server.httpUrl(QStringLiteral("/api/ws/broadcast")),
                 {{QStringLiteral("type"), QStringLiteral("chat")},
                  {QStringLiteral("content"), QStringLiteral("seed 004")}},
                 key);
    QCOMPARE(r.status, 202);
    QCOMPARE(c.waitFor(QStringLiteral("broadcast")).value(QStringLiteral("content")).toString(),
             QStringLiteral("seed 004"));
    r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/broadcast")), {}, key);
    QCOMPARE(r.status, 400);
    QCOMPARE(httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/broadcast")),
                      {{QStringLiteral("content"), QStringLiteral("x")}}, server.token(1))
                 .status,
             403);
}

void tst_Rest::sendToUserAliases()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const QByteArray key = server.config().apiKey.toUtf8();
    WsClient c;
    QVERIFY(c.open(server.wsUrl(QString::fromLatin1(server.token(4)))));
    QVERIFY(!c.waitFor(QStringLiteral("sync_complete")).isEmpty());
    HttpResult r
        = httpJson("POST", server.httpUrl(QStringLiteral("/ws/send")),
                   {{QStringLiteral("to_user_id"), QStringLiteral("4")},
                    {QStringLiteral("message_type"), QStringLiteral("notification")},
                    {QStringLiteral("data"),
                     QJsonObject {{QStringLiteral("content"), QStringLiteral("new DM")},
                                  {QStringLiteral("type"), QStringLiteral("private_message")}}}},
                   key);
    QCOMPARE(r.status, 201);
    QVERIFY(r.json.value(QStringLiteral("message_id")).toInteger() > 0);
    QCOMPARE(r.json.value(QStringLiteral("recipient_online")).toBool(), true);
    QJsonObject n = c.waitFor(QStringLiteral("notification"));
    QCOMPARE(n.value(QStringLiteral("notification_type")).toString(),
             QStringLiteral("private_message"));
    QCOMPARE(n.value(QStringLiteral("data")).toObject().value(QStringLiteral("message")).toString(),
             QStringLiteral("new DM"));
    r = httpJson("POST", server.httpUrl(QStringLiteral("/api/ws/send")),
                 {{QStringLiteral("type"), QStringLiteral("order_status")},
                  {QStringLiteral("to"), 4},
                  {QStringLiteral("content"), QStringLiteral("shipped")}},
                 key);
    QCOMPARE(r.status, 201);
    n = c.waitFor(QStringLiteral("notification"));
    QCOMPARE(n.value(QStringLiteral("notification_type")).toString(),
             QStringLiteral("order_status"));
    r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/send")),
                 {{QStringLiteral("type"), QStringLiteral("text")},
                  {QStringLiteral("to_user_id"), 4},
                  {QStringLiteral("content"), QStringLiteral("from the backend")}},
                 key);
    QCOMPARE(r.status, 201);
    QCOMPARE(c.waitFor(QStringLiteral("message")).value(QStringLiteral("content")).toString(),
             QStringLiteral("from the backend"));
    r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/send")),
                 {{QStringLiteral("type"), QStringLiteral("text")},
                  {QStringLiteral("content"), QStringLiteral("x")}},
                 key);
    QCOMPARE(r.status, 400);
}

void tst_Rest::directMessagesAndOfflinePull()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const QByteArray alice = server.token(1, QStringLiteral("alice"));
    const QByteArray bob = server.token(2, QStringLiteral("bob"));
    QVERIFY(server.signIn({2}));
    for (int i = 0; i < 3; ++i) {
        const HttpResult r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/messages")),
                                      {{QStringLiteral("to_user_id"), 2},
                                       {QStringLiteral("content"), QStringLiteral("dm %1").arg(i)}},
                                      alice);
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json.value(QStringLiteral("recipient_online")).toBool(), false);
    }
    HttpResult r
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/messages?after=0&limit=2")), {}, bob);
    QCOMPARE(r.status, 200);
    QJsonArray list = r.json.value(QStringLiteral("messages")).toArray();
    QCOMPARE(list.size(), 2);
    QCOMPARE(r.json.value(QStringLiteral("has_more")).toBool(), true);
    QCOMPARE(list[0].toObject().value(QStringLiteral("content")).toString(),
             QStringLiteral("dm 0"));
    QCOMPARE(list[0].toObject().value(QStringLiteral("from")).toInteger(), 1);
    const qint64 last = r.json.value(QStringLiteral("last_seq")).toInteger();
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/messages?after=%1").arg(last)), {}, bob);
    list = r.json.value(QStringLiteral("messages")).toArray();
    QCOMPARE(list.size(), 1);
    QCOMPARE(list[0].toObject().value(QStringLiteral("content")).toString(),
             QStringLiteral("dm 2"));
    QCOMPARE(r.json.value(QStringLiteral("has_more")).toBool(), false);
    // Pulled over HTTP = delivered: connecting afterwards replays nothing.
    QTest::qWait(250);
    WsClient c;
    QVERIFY(c.open(server.wsUrl(QString::fromLatin1(bob))));
    QCOMPARE(c.waitFor(QStringLiteral("sync_complete")).value(QStringLiteral("seq")).toInteger(),
             3);
    QVERIFY(c.eventsOfType(QStringLiteral("message")).isEmpty());
    // The API key reads any inbox; a user only its own.
    QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/api/v1/messages?user_id=2")), {},
                  server.config().apiKey.toUtf8())
                 .json.value(QStringLiteral("messages"))
                 .toArray()
                 .size(),
             3);
    QCOMPARE(
        http("GET", server.httpUrl(QStringLiteral("/api/v1/messages?user_id=2")), {}, alice).status,
        403);
    // Validation.
    QCOMPARE(httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/messages")),
                      {{QStringLiteral("to_user_id"), QStringLiteral("x")},
                       {QStringLiteral("content"), QStringLiteral("y")}},
                      alice)
                 .status,
             400);
    QCOMPARE(
        http("POST", server.httpUrl(QStringLiteral("/api/v1/messages")), "{broken", alice).status,
        400);
    QCOMPARE(httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/messages")),
                      {{QStringLiteral("to_user_id"), 2},
                       {QStringLiteral("content"), QStringLiteral("y")}})
                 .status,
             401);
}

void tst_Rest::httpErrors()
{
    TestServer server(QStringLiteral("sqlite"), [](Config &c) { c.maxBodyBytes = 4096; });
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    HttpResult r = http("GET", server.httpUrl(QStringLiteral("/no/such/path")));
    QCOMPARE(r.status, 404);
    QCOMPARE(errorCode(r), QStringLiteral("NOT_FOUND"));
    r = http("DELETE", server.httpUrl(QStringLiteral("/api/v1/online")), {}, server.token(1));
    QCOMPARE(r.status, 405);
    QCOMPARE(errorCode(r), QStringLiteral("METHOD_NOT_ALLOWED"));
    QCOMPARE(r.header("allow"), QByteArray("GET"));
    r = http("POST", server.httpUrl(QStringLiteral("/api/v1/messages")),
             "{\"to_user_id\":2,\"content\":\"" + QByteArray(8000, 'x') + "\"}", server.token(1));
    QCOMPARE(r.status, 413);
    QCOMPARE(errorCode(r), QStringLiteral("TOO_LARGE"));
    // A body far over the limit is cut off while it streams in.
    r = http("POST", server.httpUrl(QStringLiteral("/api/v1/messages")), QByteArray(1 << 20, 'x'),
             server.token(1));
    QCOMPARE(r.status, 413);
    QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/healthz"))).status, 200);
}

void tst_Rest::health()
{
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    HttpResult r = http("GET", server.httpUrl(QStringLiteral("/healthz")));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
    r = http("GET", server.httpUrl(QStringLiteral("/readyz")));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("status")).toString(), QStringLiteral("ready"));
}

namespace {
QStringList g_log;
QtMessageHandler g_previous = nullptr;
void captureLog(QtMsgType type, const QMessageLogContext &ctx, const QString &msg)
{
    g_log << msg;
    if (g_previous)
        g_previous(type, ctx, msg);
}
} // namespace

void tst_Rest::tokensNeverLogged()
{
    QLoggingCategory::setFilterRules(QStringLiteral("switchboard.*=true"));
    g_log.clear();
    g_previous = qInstallMessageHandler(captureLog);
    {
        TestServer server(QStringLiteral("sqlite"));
        QString why;
        QVERIFY2(server.start(&why), qPrintable(why));
        const QByteArray good = server.token(1);
        const QByteArray bad = good.left(good.size() - 4) + "abcd";
        WsClient a, b;
        QVERIFY(a.open(server.wsUrl(QString::fromLatin1(good))));
        QVERIFY(!a.waitFor(QStringLiteral("connected")).isEmpty());
        QVERIFY(!b.open(server.wsUrl(QString::fromLatin1(bad)), 2000));
        http("GET", server.httpUrl(QStringLiteral("/api/v1/online")), {}, bad);
        httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/users/login")),
                 {{QStringLiteral("username"), QStringLiteral("x")},
                  {QStringLiteral("password"), QStringLiteral("secret-password-123")}});
        QVERIFY(!g_log.isEmpty());
        for (const QString &line : std::as_const(g_log)) {
            QVERIFY2(!line.contains(QString::fromLatin1(good)), qPrintable(line));
            QVERIFY2(!line.contains(QString::fromLatin1(bad.right(40))), qPrintable(line));
            QVERIFY2(!line.contains(QStringLiteral("secret-password-123")), qPrintable(line));
            QVERIFY2(!line.contains(QString::fromLatin1(TestServer::SECRET)), qPrintable(line));
        }
    }
    qInstallMessageHandler(g_previous);
    QLoggingCategory::setFilterRules(QString());
}

QTEST_GUILESS_MAIN(tst_Rest)
#include "tst_rest.moc"
