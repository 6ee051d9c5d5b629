// SPDX-License-Identifier: MIT
// End-to-end WebSocket tests over real loopback sockets, on SQLite and PostgreSQL.
#include "testsupport.h"

#include "hub/hub.h"
#include "store/asyncstore.h"
#include "protocol/protocol.h"

#include <memory>

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSqlDatabase>
#include <QSslError>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTcpSocket>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;

class tst_WebSocket : public QObject
{
    Q_OBJECT

private slots:
    void welcome_data() { addBackendRows(); }
    void welcome();
    void tokenPlaces_data() { addBackendRows(); }
    void tokenPlaces();
    void authFrame_data() { addBackendRows(); }
    void authFrame();
    void badTokensRefusedBeforeUpgrade_data();
    void badTokensRefusedBeforeUpgrade();
    void unsupportedVersionGets426_data();
    void unsupportedVersionGets426();
    void appPing_data() { addBackendRows(); }
    void appPing();
    void directMessageFanOut_data() { addBackendRows(); }
    void directMessageFanOut();
    void userStatusTransitions_data() { addBackendRows(); }
    void userStatusTransitions();
    void offlineDelivery_data() { addBackendRows(); }
    void offlineDelivery();
    void idempotentSend_data() { addBackendRows(); }
    void idempotentSend();
    void storeFailureIsUnavailable_data() { addBackendRows(); }
    void storeFailureIsUnavailable();
    void broadcastNeedsAdmin_data() { addBackendRows(); }
    void broadcastNeedsAdmin();
    void notifications_data() { addBackendRows(); }
    void notifications();
    void seedFrames_data() { addBackendRows(); }
    void seedFrames();
    void badInputKeepsServing_data() { addBackendRows(); }
    void badInputKeepsServing();
    void oversizedFrameCloses_data() { addBackendRows(); }
    void oversizedFrameCloses();
    void tokenExpiryAndRefresh_data() { addBackendRows(); }
    void tokenExpiryAndRefresh();
    void heartbeatTimeout_data() { addBackendRows(); }
    void heartbeatTimeout();
    void disabledUserRefused_data() { addBackendRows(); }
    void disabledUserRefused();
    void connectionLimit_data() { addBackendRows(); }
    void connectionLimit();
    void idleHttpConnectionClosed();
    void tlsOnTheSamePort();
    void tlsUnmaskedFrameFails();
};

void tst_WebSocket::welcome()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    WsClient a;
    QVERIFY(a.open(server.wsUrl(QString::fromLatin1(server.token(11, QStringLiteral("alice"))))));
    const QJsonObject w = a.waitFor(QStringLiteral("connected"));
    QVERIFY(!w.isEmpty());
    QCOMPARE(num(w.value(QStringLiteral("user")).toObject(), "id"), 11);
    QCOMPARE(str(w.value(QStringLiteral("user")).toObject(), "name"), QStringLiteral("alice"));
    QCOMPARE(num(w, "protocol"), 1);
    QCOMPARE(num(w, "online_count"), 1);
    QVERIFY(!str(w, "connection_id").isEmpty());
    QVERIFY(num(w, "ts") > 0);
    QCOMPARE(num(w.value(QStringLiteral("data")).toObject(), "online_count"), 1);
    QVERIFY(!a.waitFor(QStringLiteral("sync_complete")).isEmpty());

    WsClient b;
    QVERIFY(b.open(server.wsUrl(QString::fromLatin1(server.token(12)))));
    QCOMPARE(num(b.waitFor(QStringLiteral("connected")), "online_count"), 2);
}

void tst_WebSocket::tokenPlaces()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const QByteArray token = server.token(5);
    // Authorization header, and the seeds' endpoint paths.
    WsClient h;
    QVERIFY(h.open(server.wsUrl(), 5000, {{"Authorization", "Bearer " + token}}));
    QCOMPARE(
        num(h.waitFor(QStringLiteral("connected")).value(QStringLiteral("user")).toObject(), "id"),
        5);
    for (const QString &path : {QStringLiteral("/api/v1/ws"), QStringLiteral("/api/ws/connect")}) {
        WsClient c;
        QVERIFY(c.open(server.wsUrl(QString::fromLatin1(token), path)));
        QVERIFY2(!c.waitFor(QStringLiteral("connected")).isEmpty(), qPrintable(path));
    }
    // An unknown path is a JSON 404 before any upgrade.
    QVERIFY(rawUpgrade(server.port(), "/nope?token=" + token).startsWith("HTTP/1.1 404"));
}

void tst_WebSocket::unsupportedVersionGets426_data()
{
    QTest::addColumn<bool>("native");
    QTest::addColumn<QByteArray>("versionHeader");
    for (const bool native : {true, false}) {
        const char *transport = native ? "native" : "qt";
        QTest::addRow("%s 8", transport) << native << QByteArray("Sec-WebSocket-Version: 8\r\n");
        QTest::addRow("%s 14", transport) << native << QByteArray("Sec-WebSocket-Version: 14\r\n");
        QTest::addRow("%s 13,8", transport)
            << native << QByteArray("Sec-WebSocket-Version: 13, 8\r\n");
        QTest::addRow("%s missing", transport) << native << QByteArray();
    }
}

// RFC 6455 section 4.4: a version the server does not speak is answered 426 Upgrade Required
// with the version it does speak, on both transports (one rule: UpgradeRequest), over a real
// socket; a valid token does not change that, and nothing is upgraded.
void tst_WebSocket::unsupportedVersionGets426()
{
    QFETCH(bool, native);
    QFETCH(QByteArray, versionHeader);
    TestServer server(QStringLiteral("sqlite"),
                      [native](Config &c) { c.nativeTransport = native; });
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, server.port());
    QTRY_COMPARE_WITH_TIMEOUT(s.state(), QAbstractSocket::ConnectedState, 5000);
    s.write("GET /ws?token=" + server.token(1)
            + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + versionHeader + "\r\n");
    QByteArray answer;
    QTRY_VERIFY_WITH_TIMEOUT((answer += s.readAll()).contains("\r\n\r\n"), 5000);
    QVERIFY2(answer.startsWith("HTTP/1.1 426 Upgrade Required\r\n"), answer.constData());
    const QByteArray head = answer.left(answer.indexOf("\r\n\r\n") + 2).toLower();
    QVERIFY2(head.contains("\r\nsec-websocket-version: 13\r\n"), answer.constData());
    QVERIFY2(!head.contains("upgrade: websocket"), answer.constData());
    // The JSON error body names the problem, as for every other refused upgrade.
    QTRY_VERIFY_WITH_TIMEOUT((answer += s.readAll()).contains("Sec-WebSocket-Version"), 5000);
    QVERIFY(answer.contains("VALIDATION_ERROR"));
    QCOMPARE(server.app()->hub()->connectionCount(), 0);
}

void tst_WebSocket::authFrame()
{
    QFETCH(QString, backend);
    TestServer server(backend, [](Config &c) { c.authTimeoutMs = 400; });
    START_SERVER(server);
    WsClient ok;
    QVERIFY(ok.open(server.wsUrl()));
    ok.send({{QStringLiteral("type"), QStringLiteral("auth")},
             {QStringLiteral("token"), QString::fromLatin1(server.token(3))}});
    QCOMPARE(
        num(ok.waitFor(QStringLiteral("connected")).value(QStringLiteral("user")).toObject(), "id"),
        3);

    WsClient silent; // never authenticates
    QVERIFY(silent.open(server.wsUrl()));
    QCOMPARE(silent.waitClosed(3000), Protocol::CloseCode::UNAUTHORIZED);

    WsClient rude; // talks before authenticating
    QVERIFY(rude.open(server.wsUrl()));
    rude.send({{QStringLiteral("type"), QStringLiteral("ping")}});
    QCOMPARE(rude.waitClosed(), Protocol::CloseCode::UNAUTHORIZED);
    QCOMPARE(str(rude.waitFor(QStringLiteral("error")), "code"), QStringLiteral("UNAUTHORIZED"));

    WsClient forged; // auth frame with a bad token
    QVERIFY(forged.open(server.wsUrl()));
    forged.send({{QStringLiteral("type"), QStringLiteral("auth")},
                 {QStringLiteral("token"), QStringLiteral("a.b.c")}});
    QCOMPARE(forged.waitClosed(), Protocol::CloseCode::UNAUTHORIZED);
    QVERIFY(ok.isConnected());
}

void tst_WebSocket::badTokensRefusedBeforeUpgrade_data()
{
    QTest::addColumn<QByteArray>("token");
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const QJsonObject claims {{QStringLiteral("sub"), QStringLiteral("9")},
                              {QStringLiteral("exp"), now + 3600}};
    QTest::newRow("garbage") << QByteArray("not-a-token");
    QTest::newRow("three junk parts") << QByteArray("aaa.bbb.ccc");
    QTest::newRow("alg none") << handMadeToken({{QStringLiteral("alg"), QStringLiteral("none")},
                                                {QStringLiteral("typ"), QStringLiteral("JWT")}},
                                               claims);
    QTest::newRow("bad signature")
        << handMadeToken({{QStringLiteral("alg"), QStringLiteral("HS256")},
                          {QStringLiteral("typ"), QStringLiteral("JWT")}},
                         claims, QByteArray(32, 'x'));
    TokenSettings wrong;
    wrong.secret = "another-secret-another-secret-another-secret";
    TokenService other(wrong);
    TokenClaims c;
    c.userId = 9;
    QTest::newRow("wrong secret") << other.issue(c, now);
    TokenSettings right;
    right.secret = TestServer::SECRET;
    TokenService same(right);
    c.expiresAt = now - 3600;
    QTest::newRow("expired") << same.issue(c, now - 7200);
    c.expiresAt = now + 7200;
    c.notBefore = now + 3600;
    QTest::newRow("not yet valid") << same.issue(c, now);
}

void tst_WebSocket::badTokensRefusedBeforeUpgrade()
{
    QFETCH(QByteArray, token);
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    const QByteArray answer = rawUpgrade(server.port(), "/ws?token=" + token.toPercentEncoding());
    QVERIFY2(answer.startsWith("HTTP/1.1 401"), answer.constData());
    QVERIFY(answer.contains("\"code\":\"UNAUTHORIZED\"") || answer.contains("TOKEN_EXPIRED"));
    QVERIFY(rawUpgrade(server.port(), "/ws", "Authorization: Bearer " + token + "\r\n")
                .startsWith("HTTP/1.1 401"));
    WsClient c;
    QVERIFY(!c.open(server.wsUrl(QString::fromLatin1(token)), 2000));
    QCOMPARE(server.app()->hub()->connectionCount(), 0);
    // The server still serves good clients.
    WsClient good;
    QVERIFY(good.open(server.wsUrl(QString::fromLatin1(server.token(1)))));
    QVERIFY(!good.waitFor(QStringLiteral("connected")).isEmpty());
}

void tst_WebSocket::appPing()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    WsClient a;
    QVERIFY(a.open(server.wsUrl(QString::fromLatin1(server.token(1)))));
    a.send({{QStringLiteral("type"), QStringLiteral("ping")},
            {QStringLiteral("id"), QStringLiteral("p-1")}});
    const QJsonObject pong = a.waitFor(QStringLiteral("pong"));
    QCOMPARE(str(pong, "id"), QStringLiteral("p-1"));
    QVERIFY(num(pong, "ts") > 0);
}

void tst_WebSocket::directMessageFanOut()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const QString alice = QString::fromLatin1(server.token(1, QStringLiteral("alice")));
    const QString bob = QString::fromLatin1(server.token(2, QStringLiteral("bob")));
    WsClient a1, a2, b1, b2, carol;
    for (auto [c, t] : {std::pair {&a1, alice}, {&a2, alice}, {&b1, bob}, {&b2, bob}}) {
        QVERIFY(c->open(server.wsUrl(t)));
        QVERIFY(!c->waitFor(QStringLiteral("sync_complete")).isEmpty());
    }
    QVERIFY(carol.open(server.wsUrl(QString::fromLatin1(server.token(3)))));
    QVERIFY(!carol.waitFor(QStringLiteral("sync_complete")).isEmpty());

    a1.send({{QStringLiteral("type"), QStringLiteral("send")},
             {QStringLiteral("id"), 7},
             {QStringLiteral("to"), 2},
             {QStringLiteral("content"), QStringLiteral("hello bob")},
             {QStringLiteral("data"), QJsonObject {{QStringLiteral("k"), QStringLiteral("v")}}}});
    const QJsonObject ack = a1.waitFor(QStringLiteral("ack"));
    QCOMPARE(num(ack, "id"), 7);
    const qint64 messageId = num(ack, "message_id");
    QVERIFY(messageId > 0);
    QCOMPARE(str(ack, "stream"), QStringLiteral("u:1"));
    for (WsClient *b : {&b1, &b2}) {
        const QJsonObject m = b->waitFor(QStringLiteral("message"));
        QCOMPARE(num(m, "message_id"), messageId);
        QCOMPARE(str(m, "content"), QStringLiteral("hello bob"));
        QCOMPARE(num(m, "from"), 1);
        QCOMPARE(str(m, "from_name"), QStringLiteral("alice"));
        QCOMPARE(str(m, "stream"), QStringLiteral("u:2"));
        QCOMPARE(num(m, "seq"), 1);
        QCOMPARE(str(m.value(QStringLiteral("data")).toObject(), "k"), QStringLiteral("v"));
    }
    const QJsonObject copy = a2.waitFor(QStringLiteral("message")); // sender's other device
    QCOMPARE(num(copy, "message_id"), messageId);
    QCOMPARE(str(copy, "stream"), QStringLiteral("u:1"));
    QVERIFY(a1.noEventOfType(QStringLiteral("message"))); // no echo to the sending connection
    QVERIFY(carol.noEventOfType(QStringLiteral("message"), 50)); // not addressed to carol
}

void tst_WebSocket::userStatusTransitions()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    // user_status goes to the users who share a room with bob and to admins (docs/PROTOCOL.md,
    // "Presence"): the admin watcher hears it, a stranger does not.
    WsClient watcher;
    QVERIFY(watcher.open(server.wsUrl(QString::fromLatin1(server.token(1, {}, true)))));
    QVERIFY(!watcher.waitFor(QStringLiteral("connected")).isEmpty());
    WsClient stranger;
    QVERIFY(stranger.open(server.wsUrl(QString::fromLatin1(server.token(3)))));
    QVERIFY(!stranger.waitFor(QStringLiteral("connected")).isEmpty());
    QCOMPARE(num(watcher.waitFor(QStringLiteral("user_status")), "user_id"), 3); // admins hear all
    const QString bob = QString::fromLatin1(server.token(2));
    auto b1 = std::make_unique<WsClient>();
    QVERIFY(b1->open(server.wsUrl(bob)));
    QJsonObject s = watcher.waitFor(QStringLiteral("user_status"));
    QCOMPARE(num(s, "user_id"), 2);
    QCOMPARE(str(s, "status"), QStringLiteral("online"));
    auto b2 = std::make_unique<WsClient>();
    QVERIFY(b2->open(server.wsUrl(bob)));
    QVERIFY(!b2->waitFor(QStringLiteral("connected")).isEmpty());
    QVERIFY(watcher.noEventOfType(QStringLiteral("user_status"), 200)); // second device: silent
    b1.reset();
    QVERIFY(watcher.noEventOfType(QStringLiteral("user_status"), 300)); // one device left
    b2.reset();
    s = watcher.waitFor(QStringLiteral("user_status"));
    QCOMPARE(num(s, "user_id"), 2);
    QCOMPARE(str(s, "status"), QStringLiteral("offline"));
    QCOMPARE(watcher.eventsOfType(QStringLiteral("user_status")).size(), 3);
    for (const QJsonObject &e : watcher.eventsOfType(QStringLiteral("user_status")))
        QVERIFY(num(e, "user_id") != 1); // nobody is told about their own transitions
    QVERIFY(stranger.eventsOfType(QStringLiteral("user_status")).isEmpty());
}

void tst_WebSocket::offlineDelivery()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    QVERIFY(server.signIn({2}));
    WsClient a;
    QVERIFY(a.open(server.wsUrl(QString::fromLatin1(server.token(1)))));
    QList<qint64> ids;
    for (int i = 0; i < 5; ++i) {
        a.send({{QStringLiteral("type"), QStringLiteral("send")},
                {QStringLiteral("id"), i},
                {QStringLiteral("to"), 2},
                {QStringLiteral("content"), QStringLiteral("m%1").arg(i)}});
        const QJsonObject ack = a.waitFor(QStringLiteral("ack"));
        QVERIFY(!ack.isEmpty());
        ids << num(ack, "message_id");
    }
    {
        WsClient b;
        QVERIFY(b.open(server.wsUrl(QString::fromLatin1(server.token(2)))));
        const QJsonObject sync = b.waitFor(QStringLiteral("sync_complete"));
        QCOMPARE(num(sync, "seq"), 5);
        QCOMPARE(str(sync, "stream"), QStringLiteral("u:2"));
        const auto got = b.eventsOfType(QStringLiteral("message"));
        QCOMPARE(got.size(), 5);
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(num(got[i], "message_id"), ids[i]);
            QCOMPARE(num(got[i], "seq"), i + 1);
            QCOMPARE(str(got[i], "content"), QStringLiteral("m%1").arg(i));
        }
    }
    QTest::qWait(250); // cursor writes are coalesced
    WsClient again;
    QVERIFY(again.open(server.wsUrl(QString::fromLatin1(server.token(2)))));
    const QJsonObject sync = again.waitFor(QStringLiteral("sync_complete"));
    QCOMPARE(num(sync, "seq"), 5);
    QVERIFY(again.eventsOfType(QStringLiteral("message")).isEmpty()); // nothing twice
}

void tst_WebSocket::idempotentSend()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    WsClient a, b;
    QVERIFY(a.open(server.wsUrl(QString::fromLatin1(server.token(1)))));
    QVERIFY(b.open(server.wsUrl(QString::fromLatin1(server.token(2)))));
    QVERIFY(!b.waitFor(QStringLiteral("sync_complete")).isEmpty());
    const QJsonObject frame {{QStringLiteral("type"), QStringLiteral("send")},
                             {QStringLiteral("to"), 2},
                             {QStringLiteral("content"), QStringLiteral("once")},
                             {QStringLiteral("idempotency_key"), QStringLiteral("k-1")}};
    a.send(frame);
    const QJsonObject first = a.waitFor(QStringLiteral("ack"));
    a.send(frame);
    const QJsonObject second = a.waitFor(QStringLiteral("ack"));
    QCOMPARE(num(second, "message_id"), num(first, "message_id"));
    QCOMPARE(second.value(QStringLiteral("duplicate")).toBool(), true);
    QVERIFY(!b.waitFor(QStringLiteral("message")).isEmpty());
    QVERIFY(b.noEventOfType(QStringLiteral("message"), 300));
    QCOMPARE(b.eventsOfType(QStringLiteral("message")).size(), 1);
}

// A send the database cannot store (here: a lock held by another session, past SQLite's busy
// timeout or PostgreSQL's database_statement_timeout; a full disk and a restarting PostgreSQL
// fail the same way) is refused with UNAVAILABLE, the documented code for storage that is down,
// so clients retry it; once the database answers, the same send is stored. Fault suite: pg_hang,
// pg_restart, disk_full (they saw MESSAGE_PROCESSING_ERROR).
void tst_WebSocket::storeFailureIsUnavailable()
{
    QFETCH(QString, backend);
    TestServer server(backend, [](Config &c) { c.databaseStatementTimeoutMs = 500; });
    START_SERVER(server);
    WsClient a, b;
    QVERIFY(a.open(server.wsUrl(QString::fromLatin1(server.token(1)))));
    QVERIFY(b.open(server.wsUrl(QString::fromLatin1(server.token(2)))));
    QVERIFY(!a.waitFor(QStringLiteral("sync_complete")).isEmpty());
    QVERIFY(!b.waitFor(QStringLiteral("sync_complete")).isEmpty());

    {
        StoreLock lock(QStringLiteral("tst_websocket-locker"), server.config());
        QVERIFY2(lock.error().isEmpty(), qPrintable(lock.error()));

        const QJsonObject frame {{QStringLiteral("type"), QStringLiteral("send")},
                                 {QStringLiteral("id"), QStringLiteral("s1")},
                                 {QStringLiteral("to"), 2},
                                 {QStringLiteral("content"), QStringLiteral("when it is back")},
                                 {QStringLiteral("idempotency_key"), QStringLiteral("k-1")}};
        a.send(frame);
        // SQLite's busy timeout is 5 s; a generous bound for a loaded machine.
        const QJsonObject refused = a.waitFor(QStringLiteral("error"), 30000);
        QCOMPARE(refused.value(QStringLiteral("code")).toString(), QStringLiteral("UNAVAILABLE"));
        QCOMPARE(refused.value(QStringLiteral("id")).toString(), QStringLiteral("s1"));
        const qint64 retryAfterMs = refused.value(QStringLiteral("retry_after_ms")).toInteger();
        QVERIFY(retryAfterMs > 0);
        lock.release();

        // A client that honours the hint gets through: the fail-fast window after a stuck
        // statement (RELIABILITY.md) is over by then.
        QTest::qWait(int(retryAfterMs));
        a.send(frame);
        const QJsonObject ack = a.waitFor(QStringLiteral("ack"), 15000);
        QCOMPARE(ack.value(QStringLiteral("id")).toString(), QStringLiteral("s1"));
        QVERIFY(!b.waitFor(QStringLiteral("message")).isEmpty());
    }
}

void tst_WebSocket::broadcastNeedsAdmin()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    WsClient user, admin, other;
    QVERIFY(user.open(server.wsUrl(QString::fromLatin1(server.token(1)))));
    QVERIFY(admin.open(
        server.wsUrl(QString::fromLatin1(server.token(2, QStringLiteral("root"), true)))));
    QVERIFY(other.open(server.wsUrl(QString::fromLatin1(server.token(3)))));
    QVERIFY(!other.waitFor(QStringLiteral("connected")).isEmpty());
    user.send({{QStringLiteral("type"), QStringLiteral("broadcast")},
               {QStringLiteral("id"), 1},
               {QStringLiteral("content"), QStringLiteral("spam")}});
    QCOMPARE(str(user.waitFor(QStringLiteral("error")), "code"), QStringLiteral("FORBIDDEN"));
    admin.send({{QStringLiteral("type"), QStringLiteral("broadcast")},
                {QStringLiteral("id"), 2},
                {QStringLiteral("content"), QStringLiteral("hello all")}});
    QCOMPARE(num(admin.waitFor(QStringLiteral("ack")), "recipients"), 3);
    for (WsClient *c : {&user, &other, &admin}) {
        const QJsonObject b = c->waitFor(QStringLiteral("broadcast"));
        QCOMPARE(str(b, "content"), QStringLiteral("hello all"));
        QCOMPARE(num(b, "from"), 2);
    }
    QCOMPARE(other.eventsOfType(QStringLiteral("broadcast")).size(), 1);
}

void tst_WebSocket::notifications()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    WsClient a, b;
    QVERIFY(a.open(server.wsUrl(QString::fromLatin1(server.token(1)))));
    QVERIFY(b.open(server.wsUrl(QString::fromLatin1(server.token(2)))));
    QVERIFY(!b.waitFor(QStringLiteral("sync_complete")).isEmpty());
    a.send({{QStringLiteral("type"), QStringLiteral("notify")},
            {QStringLiteral("id"), 1},
            {QStringLiteral("to"), 2},
            {QStringLiteral("title"), QStringLiteral("Order")},
            {QStringLiteral("message"), QStringLiteral("shipped")},
            {QStringLiteral("link"), QStringLiteral("/orders/1")},
            {QStringLiteral("notification_type"), QStringLiteral("order_status")}});
    QVERIFY(num(a.waitFor(QStringLiteral("ack")), "message_id") > 0);
    const QJsonObject n = b.waitFor(QStringLiteral("notification"));
    QCOMPARE(str(n, "notification_type"), QStringLiteral("order_status"));
    const QJsonObject data = n.value(QStringLiteral("data")).toObject();
    QCOMPARE(str(data, "title"), QStringLiteral("Order"));
    QCOMPARE(str(data, "message"), QStringLiteral("shipped"));
    QCOMPARE(str(data, "link"), QStringLiteral("/orders/1"));
    QCOMPARE(str(data, "type"), QStringLiteral("order_status"));
    QVERIFY(num(data, "id") > 0);
    QVERIFY(num(data, "created_at") > 0);
    // Everyone: admin only.
    a.send({{QStringLiteral("type"), QStringLiteral("notify")},
            {QStringLiteral("id"), 2},
            {QStringLiteral("message"), QStringLiteral("all")}});
    QCOMPARE(str(a.waitFor(QStringLiteral("error")), "code"), QStringLiteral("FORBIDDEN"));
}

void tst_WebSocket::seedFrames()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    WsClient a, b;
    QVERIFY(a.open(server.wsUrl(QString::fromLatin1(server.token(1)))));
    QVERIFY(b.open(server.wsUrl(QString::fromLatin1(server.token(2)))));
    QVERIFY(!b.waitFor(QStringLiteral("sync_complete")).isEmpty());
    a.sendRaw(R"({"type":"message","to_user_id":2,"message":"seed 002"})");
    a.sendRaw(R"({"type":"chat","to":"2","content":"seed 004"})");
    a.sendRaw(R"({"id":"x","message_type":"text","data":{"content":"seed 000","to_user_id":2}})");
    a.sendRaw(R"({"id":"y","message_type":"ping","data":{}})");
    QCOMPARE(str(b.waitFor(QStringLiteral("message")), "content"), QStringLiteral("seed 002"));
    QCOMPARE(str(b.waitFor(QStringLiteral("message")), "content"), QStringLiteral("seed 004"));
    QCOMPARE(str(b.waitFor(QStringLiteral("message")), "content"), QStringLiteral("seed 000"));
    QCOMPARE(str(a.waitFor(QStringLiteral("pong")), "id"), QStringLiteral("y"));
}

void tst_WebSocket::badInputKeepsServing()
{
    QFETCH(QString, backend);
    TestServer server(backend, [](Config &c) { c.maxContentChars = 100; });
    START_SERVER(server);
    WsClient a;
    QVERIFY(a.open(server.wsUrl(QString::fromLatin1(server.token(1)))));
    const struct
    {
        QByteArray frame;
        const char *code;
    } cases[] = {
        {"{oops", "INVALID_JSON"},
        {"[]", "INVALID_JSON"},
        {R"({"type":"fly","id":"u"})", "UNKNOWN_MESSAGE_TYPE"},
        {R"({"type":"send","to":"bob","content":"x"})", "VALIDATION_ERROR"},
        {R"({"type":"send","to":2,"content":{"a":[1]},"data":5})", "VALIDATION_ERROR"},
        {R"({"type":"send","to":2,"content":")" + QByteArray(101, 'x') + "\"}", "TOO_LARGE"},
        {R"({"type":"auth","token":"whatever"})", "VALIDATION_ERROR"},
        {"\xff\xfe garbage", "INVALID_JSON"},
    };
    for (const auto &c : cases) {
        a.sendRaw(c.frame);
        const QJsonObject e = a.waitFor(QStringLiteral("error"));
        QCOMPARE(str(e, "code"), QLatin1StringView(c.code));
        QVERIFY(!str(e, "message").isEmpty());
    }
    QCOMPARE(str(a.eventsOfType(QStringLiteral("error"))[2], "id"), QStringLiteral("u"));
    a.send({{QStringLiteral("type"), QStringLiteral("ping")}, {QStringLiteral("id"), 99}});
    QCOMPARE(num(a.waitFor(QStringLiteral("pong")), "id"), 99);
    QVERIFY(a.isConnected());
}

void tst_WebSocket::oversizedFrameCloses()
{
    QFETCH(QString, backend);
    TestServer server(backend, [](Config &c) {
        c.maxFrameBytes = 1024;
        c.maxMessageBytes = 1024;
    });
    START_SERVER(server);
    WsClient big;
    QVERIFY(big.open(server.wsUrl(QString::fromLatin1(server.token(1)))));
    QVERIFY(!big.waitFor(QStringLiteral("connected")).isEmpty());
    big.sendRaw(R"({"type":"send","to":2,"content":")" + QByteArray(4000, 'x') + "\"}");
    QCOMPARE(big.waitClosed(), Protocol::CloseCode::TOO_BIG);
    WsClient next;
    QVERIFY(next.open(server.wsUrl(QString::fromLatin1(server.token(2)))));
    QVERIFY(!next.waitFor(QStringLiteral("connected")).isEmpty());
}

void tst_WebSocket::tokenExpiryAndRefresh()
{
    QFETCH(QString, backend);
    TestServer server(backend, [](Config &c) {
        c.tokenLeewaySeconds = 0;
        c.heartbeatIntervalMs = 200;
        c.heartbeatTimeoutMs = 5000;
    });
    START_SERVER(server);
    WsClient shortLived, refreshed;
    QVERIFY(shortLived.open(server.wsUrl(QString::fromLatin1(server.token(1, {}, false, 2)))));
    QVERIFY(refreshed.open(server.wsUrl(QString::fromLatin1(server.token(2, {}, false, 2)))));
    QVERIFY(!shortLived.waitFor(QStringLiteral("token_expiring"), 3000).isEmpty());
    refreshed.send({{QStringLiteral("type"), QStringLiteral("refresh")},
                    {QStringLiteral("id"), 1},
                    {QStringLiteral("token"), QString::fromLatin1(server.token(2))}});
    QVERIFY(num(refreshed.waitFor(QStringLiteral("authenticated")), "expires_at") > 0);
    // Another user's token is not a refresh.
    refreshed.send({{QStringLiteral("type"), QStringLiteral("refresh")},
                    {QStringLiteral("id"), 2},
                    {QStringLiteral("token"), QString::fromLatin1(server.token(3))}});
    QCOMPARE(str(refreshed.waitFor(QStringLiteral("error")), "code"), QStringLiteral("FORBIDDEN"));
    QCOMPARE(shortLived.waitClosed(5000), Protocol::CloseCode::TOKEN_EXPIRED);
    QTest::qWait(500);
    QVERIFY(refreshed.isConnected());
}

void tst_WebSocket::heartbeatTimeout()
{
    QFETCH(QString, backend);
    TestServer server(backend, [](Config &c) {
        c.heartbeatIntervalMs = 100;
        c.heartbeatTimeoutMs = 500;
    });
    START_SERVER(server);
    // A raw socket that completes the handshake and then never answers a ping.
    QTcpSocket dead;
    dead.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(dead.waitForConnected(3000));
    dead.write("GET /ws?token=" + server.token(4)
               + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                 "Sec-WebSocket-Version: 13\r\n\r\n");
    WsClient alive; // a normal client answers pings by itself and stays
    QVERIFY(alive.open(server.wsUrl(QString::fromLatin1(server.token(5)))));
    QTRY_COMPARE_WITH_TIMEOUT(server.app()->hub()->connectionCount(), 2, 3000);
    QTRY_COMPARE_WITH_TIMEOUT(server.app()->hub()->connectionCount(), 1, 4000);
    QTRY_VERIFY_WITH_TIMEOUT(dead.state() == QAbstractSocket::UnconnectedState, 3000);
    QVERIFY(alive.isConnected());
    QVERIFY(server.app()->hub()->isOnline(5));
    QVERIFY(!server.app()->hub()->isOnline(4));
}

void tst_WebSocket::disabledUserRefused()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const HttpResult created
        = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/users")),
                   {{QStringLiteral("username"), QStringLiteral("mallory")},
                    {QStringLiteral("password"), QStringLiteral("pass-word-1")}},
                   server.config().apiKey.toUtf8());
    QCOMPARE(created.status, 201);
    const qint64 id = created.json.value(QStringLiteral("user_id")).toInteger();
    WsClient live;
    QVERIFY(live.open(server.wsUrl(QString::fromLatin1(server.token(id)))));
    QVERIFY(!live.waitFor(QStringLiteral("connected")).isEmpty());
    const HttpResult disabled
        = http("POST", server.httpUrl(QStringLiteral("/api/v1/users/%1/disable").arg(id)), {},
               server.config().apiKey.toUtf8());
    QCOMPARE(disabled.status, 200);
    QCOMPARE(live.waitClosed(), Protocol::CloseCode::FORBIDDEN);
    WsClient again;
    // The account check runs right after the upgrade, so the close may already have arrived by
    // the time open() looks: only the close code and the absence of a welcome matter.
    again.open(server.wsUrl(QString::fromLatin1(server.token(id))));
    QCOMPARE(again.waitClosed(), Protocol::CloseCode::FORBIDDEN);
    QVERIFY(again.eventsOfType(QStringLiteral("connected")).isEmpty());
}

void tst_WebSocket::connectionLimit()
{
    QFETCH(QString, backend);
    TestServer server(backend, [](Config &c) { c.maxConnections = 2; });
    START_SERVER(server);
    WsClient a, b;
    QVERIFY(a.open(server.wsUrl(QString::fromLatin1(server.token(1)))));
    QVERIFY(b.open(server.wsUrl(QString::fromLatin1(server.token(2)))));
    QVERIFY(rawUpgrade(server.port(), "/ws?token=" + server.token(3)).startsWith("HTTP/1.1 503"));
    QVERIFY(a.isConnected() && b.isConnected());
}

void tst_WebSocket::idleHttpConnectionClosed()
{
    TestServer server(QStringLiteral("sqlite"), [](Config &c) { c.handshakeTimeoutMs = 300; });
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    QTcpSocket idle; // connects and never sends a request (slowloris)
    idle.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(idle.waitForConnected(3000));
    QTRY_VERIFY_WITH_TIMEOUT(idle.state() == QAbstractSocket::UnconnectedState, 3000);
    QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/healthz"))).status, 200);
}

namespace {

// A self-signed certificate for 127.0.0.1 in `dir`: 0 when openssl made it.
int makeCertificate(const QTemporaryDir &dir, QString *cert, QString *key)
{
    *cert = dir.filePath(QStringLiteral("cert.pem"));
    *key = dir.filePath(QStringLiteral("key.pem"));
    return QProcess::execute(
        QStringLiteral("openssl"),
        {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
         QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"),
         QStringLiteral("1"), QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1"),
         QStringLiteral("-keyout"), *key, QStringLiteral("-out"), *cert});
}

// One client text frame with FIN set, masked or (a protocol violation) not.
QByteArray clientTextFrame(const QByteArray &payload, bool masked)
{
    QByteArray frame;
    frame += char(0x81);
    Q_ASSERT(payload.size() < 126);
    frame += char((masked ? 0x80 : 0) | payload.size());
    const QByteArray mask("\x12\x34\x56\x78", 4);
    if (!masked)
        return frame + payload;
    frame += mask;
    for (qsizetype i = 0; i < payload.size(); ++i)
        frame += char(payload[i] ^ mask[i % 4]);
    return frame;
}

// A SQLite server with TLS on its one port (a fresh self-signed certificate in `dir`), started;
// null (with the failure reported) when the certificate or the start fails.
std::unique_ptr<TestServer> startTlsServer(const QTemporaryDir &dir)
{
    QString cert, key;
    if (makeCertificate(dir, &cert, &key) != 0) {
        qWarning("cannot make a certificate");
        return nullptr;
    }
    auto server = std::make_unique<TestServer>(QStringLiteral("sqlite"), [&](Config &c) {
        c.tlsCertFile = cert;
        c.tlsKeyFile = key;
    });
    QString why;
    if (!server->start(&why)) {
        qWarning("the TLS server did not start: %s", qPrintable(why));
        return nullptr;
    }
    return server;
}

} // namespace

void tst_WebSocket::tlsOnTheSamePort()
{
    QTemporaryDir dir;
    const std::unique_ptr<TestServer> tls = startTlsServer(dir);
    QVERIFY(tls);
    TestServer &server = *tls;
    WsClient c;
    connect(&c.socket(), &QWebSocket::sslErrors, &c.socket(),
            [&c](const QList<QSslError> &) { c.socket().ignoreSslErrors(); });
    QUrl url = server.wsUrl(QString::fromLatin1(server.token(1)));
    url.setScheme(QStringLiteral("wss"));
    QVERIFY(c.open(url));
    QCOMPARE(c.waitFor(QStringLiteral("connected"))
                 .value(QStringLiteral("user"))
                 .toObject()
                 .value(QStringLiteral("id"))
                 .toInt(),
             1);
    // Replies leave at once on TLS too (see tst_transports).
    const AcceptedSockets accepted = acceptedSockets(server.port());
    QVERIFY2(accepted.total >= 1, qPrintable(QString::number(accepted.total)));
    QCOMPARE(accepted.withoutNoDelay, 0);
    // Plain ws:// to the TLS port does not get through.
    WsClient plain;
    QVERIFY(!plain.open(server.wsUrl(QString::fromLatin1(server.token(2))), 2000));
}

// QWebSocket 6.4 takes unmasked client frames; on TLS the server's frame filter reads the
// decrypted headers first: the frame before the unmasked one is answered, then 1002.
void tst_WebSocket::tlsUnmaskedFrameFails()
{
    QTemporaryDir dir;
    const std::unique_ptr<TestServer> tls = startTlsServer(dir);
    QVERIFY(tls);
    TestServer &server = *tls;
    QSslSocket s;
    connect(&s, &QSslSocket::sslErrors, &s,
            [&s](const QList<QSslError> &) { s.ignoreSslErrors(); });
    s.connectToHostEncrypted(QStringLiteral("127.0.0.1"), server.port());
    // The server runs in this thread: wait with the event loop, never with waitFor*().
    QByteArray in;
    connect(&s, &QIODevice::readyRead, &s, [&] { in += s.readAll(); });
    QTRY_VERIFY_WITH_TIMEOUT(s.isEncrypted(), 10000);
    s.write("GET /ws?token=" + server.token(1)
            + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(in.contains("\r\n\r\n"), 10000);
    QVERIFY2(in.startsWith("HTTP/1.1 101"), in.constData());
    in.remove(0, in.indexOf("\r\n\r\n") + 4);
    QStringList types, pongs;
    int closeCode = 0;
    // Server frames: unmasked, FIN set, 7- or 16-bit lengths here.
    const auto parse = [&] {
        while (in.size() >= 2) {
            qsizetype at = 2;
            qint64 length = quint8(in[1]) & 0x7F;
            if (length == 126) {
                if (in.size() < 4)
                    return;
                length = (quint8(in[2]) << 8) | quint8(in[3]);
                at = 4;
            }
            if (length > 125 && at == 2)
                QFAIL("unexpected 64-bit length");
            if (in.size() < at + length)
                return;
            const QByteArray payload = in.mid(at, length);
            const int opcode = quint8(in[0]) & 0x0F;
            in.remove(0, at + length);
            if (opcode == 0x1) {
                const QJsonObject o = QJsonDocument::fromJson(payload).object();
                types << o.value(QStringLiteral("type")).toString();
                if (types.last() == QLatin1String("pong"))
                    pongs << o.value(QStringLiteral("id")).toString();
            } else if (opcode == 0x8 && payload.size() >= 2) {
                closeCode = (quint8(payload[0]) << 8) | quint8(payload[1]);
            }
        }
    };
    // Frames sent before the session is active wait for it; send once it is.
    QTRY_VERIFY_WITH_TIMEOUT((parse(), types.contains(QStringLiteral("connected"))), 15000);
    s.write(clientTextFrame(R"({"type":"ping","id":"first"})", true)
            + clientTextFrame(R"({"type":"ping","id":"second"})", false));
    QTRY_VERIFY_WITH_TIMEOUT((parse(), s.state() == QAbstractSocket::UnconnectedState), 15000);
    parse();
    QCOMPARE(pongs, QStringList {QStringLiteral("first")});
    QCOMPARE(closeCode, 1002);
    QCOMPARE(s.state(), QAbstractSocket::UnconnectedState); // and the server ended TCP
}

QTEST_GUILESS_MAIN(tst_WebSocket)
#include "tst_websocket.moc"
