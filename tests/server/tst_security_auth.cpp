// SPDX-License-Identifier: MIT
// Authentication hardening over real sockets (issue 12, items 1, 2 and 7): argon2id off the
// store thread, the same time for known and unknown usernames, throttled failures with 429 +
// Retry-After, and revocation: a disabled or password-changed user's old token is refused on
// every path (REST 401/403, WebSocket 4003), roles come from the account.
#include "testsupport.h"

#include "config/config.h"

#include <algorithm>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;

namespace {

QByteArray loginBody(const QString &user, const QString &password)
{
    return QJsonDocument(QJsonObject {{QStringLiteral("username"), user},
                                      {QStringLiteral("password"), password}})
        .toJson(QJsonDocument::Compact);
}

HttpResult login(TestServer &server, const QString &user, const QString &password)
{
    return http("POST", server.httpUrl(QStringLiteral("/api/v1/users/login")),
                loginBody(user, password));
}

qint64 createUser(TestServer &server, const QString &name, const QString &password,
                  bool admin = false)
{
    const HttpResult r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/users")),
                                  {{QStringLiteral("username"), name},
                                   {QStringLiteral("password"), password},
                                   {QStringLiteral("admin"), admin}},
                                  server.config().apiKey.toUtf8());
    return r.status == 201 ? r.json.value(QStringLiteral("user_id")).toInteger() : -1;
}

// Many requests truly in parallel (QNetworkAccessManager would hold all but six per host back):
// one raw socket each, written at once, read later.
class RawRequests
{
public:
    RawRequests(quint16 port, const QByteArray &request, int count)
    {
        for (int i = 0; i < count; ++i) {
            auto s = std::make_unique<QTcpSocket>();
            s->connectToHost(QHostAddress::LocalHost, port);
            m_sockets.push_back(std::move(s));
        }
        for (auto &s : m_sockets) {
            if (s->waitForConnected(3000))
                s->write(request);
        }
    }
    // The status of every answer (0: none within the time).
    QList<int> statuses(int timeoutMs)
    {
        QDeadlineTimer deadline(timeoutMs);
        QList<int> out;
        for (auto &s : m_sockets) {
            QByteArray answer = s->readAll();
            while (!answer.contains("\r\n\r\n") && !deadline.hasExpired()) {
                QTest::qWait(5);
                answer += s->readAll();
            }
            out << (answer.startsWith("HTTP/1.1 ") ? answer.mid(9, 3).toInt() : 0);
        }
        return out;
    }

private:
    std::vector<std::unique_ptr<QTcpSocket>> m_sockets;
};

QByteArray rawLogin(const QString &user, const QString &password)
{
    const QByteArray body = loginBody(user, password);
    return "POST /api/v1/users/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
           "application/json\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

// One direct message from a to b: ms until the sender's ack (stored) and the recipient has it.
qint64 directRoundTrip(WsClient &a, WsClient &b, qint64 toUserId, int n)
{
    QElapsedTimer t;
    t.start();
    a.send({{QStringLiteral("type"), QStringLiteral("send")},
            {QStringLiteral("id"), n},
            {QStringLiteral("to"), toUserId},
            {QStringLiteral("content"), QStringLiteral("ping %1").arg(n)}});
    if (a.waitFor(QStringLiteral("ack"), 30000).isEmpty()
        || b.waitFor(QStringLiteral("message"), 30000).isEmpty())
        return 1'000'000;
    return t.elapsed();
}

qint64 median(QList<qint64> v)
{
    std::sort(v.begin(), v.end());
    return v.isEmpty() ? 0 : v.at(v.size() / 2);
}

// HS256 with the test server's secret, any claims (e.g. an exp no server would issue).
QByteArray signedToken(const QJsonObject &payload)
{
    const QJsonObject header {{QStringLiteral("alg"), QStringLiteral("HS256")},
                              {QStringLiteral("typ"), QStringLiteral("JWT")}};
    const auto enc = [](const QByteArray &b) {
        return b.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    };
    const QByteArray input = enc(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.'
        + enc(QJsonDocument(payload).toJson(QJsonDocument::Compact));
    return input + '.'
        + enc(QMessageAuthenticationCode::hash(input, TestServer::SECRET,
                                               QCryptographicHash::Sha256));
}

// A WebSocket with this token is refused: before the 101 (401/403), or closed with 4003/4001.
bool webSocketRefused(TestServer &server, const QByteArray &token, QString *how)
{
    const QByteArray answer = rawUpgrade(server.port(), "/ws?token=" + token);
    if (answer.startsWith("HTTP/1.1 401") || answer.startsWith("HTTP/1.1 403")) {
        *how = QString::fromLatin1(answer.left(12));
        return true;
    }
    WsClient c;
    if (!c.open(server.wsUrl(QString::fromLatin1(token)))) {
        *how = QStringLiteral("upgrade refused");
        return true;
    }
    const int code = c.waitClosed(5000);
    *how = QStringLiteral("closed %1").arg(code);
    return code == 4003 || code == 4001;
}

// The throttle out of the way, for tests about something else.
void noThrottle(Config &c)
{
    c.authFailuresPerUser = 1'000'000;
    c.authFailuresPerAddress = 1'000'000;
}

} // namespace

class tst_SecurityAuth : public QObject
{
    Q_OBJECT

private slots:
    void loginFloodDoesNotStallMessaging_data() { addBackendRows(); }
    void loginFloodDoesNotStallMessaging();
    void unknownAndKnownUsernamesTakeTheSameTime();
    void disabledAdminsOldTokenIsRefusedEverywhere_data() { addBackendRows(); }
    void disabledAdminsOldTokenIsRefusedEverywhere();
    void passwordChangeAndSignOutRevokeOldTokens_data() { addBackendRows(); }
    void passwordChangeAndSignOutRevokeOldTokens();
    void changeMadeElsewhereClosesLiveConnections_data() { addBackendRows(); }
    void changeMadeElsewhereClosesLiveConnections();
    void roleComesFromTheAccount();
    void tokenLifetimeIsBounded();
    void failedLoginsAreThrottledAndRecover();
    void failedApiKeysAreThrottledAndRecover();
    void shortApiKeyIsRefused();
};

void tst_SecurityAuth::loginFloodDoesNotStallMessaging()
{
    QFETCH(QString, backend);
    // A loaded machine may take longer than the idle timeout to answer 40 logins; this test
    // is about messaging meanwhile, so no login is cut off by it.
    TestServer server(backend, [](Config &c) {
        noThrottle(c);
        c.handshakeTimeoutMs = 120'000;
    });
    START_SERVER(server);
    QVERIFY(createUser(server, QStringLiteral("alice"), QStringLiteral("correct horse")) > 0);
    auto a = connectAs(server, 101);
    auto b = connectAs(server, 102);
    QVERIFY(a && b);
    QVERIFY(!b->waitFor(QStringLiteral("sync_complete")).isEmpty());
    QList<qint64> calm;
    for (int i = 0; i < 3; ++i)
        calm << directRoundTrip(*a, *b, 102, i);

    // 40 wrong passwords at once: each is one argon2id verification (~50-300 ms of CPU). On the
    // store's thread they queued in front of every message (seconds); on the pool they do not.
    RawRequests flood(server.port(), rawLogin(QStringLiteral("alice"), QStringLiteral("x")), 40);
    QTest::qWait(50); // the logins are read and their lookups queued
    QList<qint64> during;
    for (int i = 0; i < 5; ++i)
        during << directRoundTrip(*a, *b, 102, 10 + i);
    const QList<int> statuses = flood.statuses(120000);
    qInfo() << "direct message round trip, ms: calm" << calm << "during 40 logins" << during;
    for (int status : statuses)
        QVERIFY2(status == 401 || status == 503, qPrintable(QString::number(status)));
    // The target is 100 ms; the bound is generous for a loaded 2-core machine, while
    // with argon2id on the store's thread the first message waited for all 40 (7 s here). The
    // worst one counts: the queued hashing delays whichever message comes next.
    const qint64 worst = *std::max_element(during.cbegin(), during.cend());
    QVERIFY2(worst < 1500, qPrintable(QString::number(worst)));
}

void tst_SecurityAuth::unknownAndKnownUsernamesTakeTheSameTime()
{
    const QString backend = QStringLiteral("sqlite");
    TestServer server(backend, noThrottle);
    START_SERVER(server);
    QVERIFY(createUser(server, QStringLiteral("alice"), QStringLiteral("correct horse")) > 0);
    QList<qint64> known, unknown;
    for (int i = 0; i < 7; ++i) {
        for (const bool isKnown : {true, false}) {
            QElapsedTimer t;
            t.start();
            const HttpResult r = login(
                server, isKnown ? QStringLiteral("alice") : QStringLiteral("nobody%1").arg(i),
                QStringLiteral("wrong password"));
            QCOMPARE(r.status, 401);
            QCOMPARE(str(r.json.value(QStringLiteral("error")).toObject(), "message"),
                     QStringLiteral("wrong username or password"));
            (isKnown ? known : unknown) << t.elapsed();
        }
    }
    const qint64 k = qMax<qint64>(1, median(known)), u = qMax<qint64>(1, median(unknown));
    qInfo() << "login medians, ms: known" << k << "unknown" << u;
    // Before: ~300 ms against ~5 ms. Now both run one argon2id verification.
    QVERIFY2(u * 3 >= k && k * 3 >= u, qPrintable(QStringLiteral("%1 vs %2").arg(k).arg(u)));
}

void tst_SecurityAuth::disabledAdminsOldTokenIsRefusedEverywhere()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const QByteArray key = server.config().apiKey.toUtf8();
    const qint64 boss
        = createUser(server, QStringLiteral("boss"), QStringLiteral("boss password"), true);
    QVERIFY(boss > 0);
    HttpResult r = login(server, QStringLiteral("boss"), QStringLiteral("boss password"));
    QCOMPARE(r.status, 200);
    const QByteArray token = str(r.json, "token").toLatin1();
    WsClient live;
    QVERIFY(live.open(server.wsUrl(QString::fromLatin1(token))));
    QVERIFY(!live.waitFor(QStringLiteral("connected")).isEmpty());
    // The token works as an admin's before the account is disabled.
    QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/api/v1/users")), {}, token).status, 200);

    const QUrl disable = server.httpUrl(QStringLiteral("/api/v1/users/%1/disable").arg(boss));
    QCOMPARE(http("POST", disable, {}, key).status, 200);
    QCOMPARE(live.waitClosed(), 4003);

    // The reproduction: the old token re-enabled its own account (200) and created an admin.
    r = http("POST", server.httpUrl(QStringLiteral("/api/v1/users/%1/enable").arg(boss)), {},
             token);
    QVERIFY2(r.status == 401 || r.status == 403, r.body.constData());
    r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/users")),
                 {{QStringLiteral("username"), QStringLiteral("boss2")},
                  {QStringLiteral("password"), QStringLiteral("boss2 password")},
                  {QStringLiteral("admin"), true}},
                 token);
    QVERIFY2(r.status == 401 || r.status == 403, r.body.constData());
    QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/api/v1/users")), {}, token).status, 403);
    QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/api/v1/rooms")), {}, token).status, 403);
    QString how;
    QVERIFY2(webSocketRefused(server, token, &how), qPrintable(how));
    // Re-enabled by the API key, the same token works again (disabling is not revoking).
    QCOMPARE(
        http("POST", server.httpUrl(QStringLiteral("/api/v1/users/%1/enable").arg(boss)), {}, key)
            .status,
        200);
    QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/api/v1/users")), {}, token).status, 200);
}

void tst_SecurityAuth::passwordChangeAndSignOutRevokeOldTokens()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const QByteArray key = server.config().apiKey.toUtf8();
    const qint64 alice = createUser(server, QStringLiteral("alice"), QStringLiteral("first pass"));
    QVERIFY(alice > 0);
    HttpResult r = login(server, QStringLiteral("alice"), QStringLiteral("first pass"));
    QCOMPARE(r.status, 200);
    const QByteArray old = str(r.json, "token").toLatin1();
    const QUrl rooms = server.httpUrl(QStringLiteral("/api/v1/rooms"));
    QCOMPARE(http("GET", rooms, {}, old).status, 200);
    WsClient live;
    QVERIFY(live.open(server.wsUrl(QString::fromLatin1(old))));
    QVERIFY(!live.waitFor(QStringLiteral("connected")).isEmpty());

    // The user changes its own password (it must know the current one).
    const QUrl password = server.httpUrl(QStringLiteral("/api/v1/users/%1/password").arg(alice));
    r = httpJson("POST", password,
                 {{QStringLiteral("password"), QStringLiteral("second pass")},
                  {QStringLiteral("current_password"), QStringLiteral("not it")}},
                 old);
    QCOMPARE(r.status, 403);
    r = httpJson("POST", password,
                 {{QStringLiteral("password"), QStringLiteral("second pass")},
                  {QStringLiteral("current_password"), QStringLiteral("first pass")}},
                 old);
    QCOMPARE(r.status, 200);
    QCOMPARE(live.waitClosed(), 4003);
    r = http("GET", rooms, {}, old);
    QCOMPARE(r.status, 401);
    QCOMPARE(str(r.json.value(QStringLiteral("error")).toObject(), "message"),
             QStringLiteral("token revoked"));
    QString how;
    QVERIFY2(webSocketRefused(server, old, &how), qPrintable(how));
    QCOMPARE(login(server, QStringLiteral("alice"), QStringLiteral("first pass")).status, 401);

    // A new login right away (same second) gets a token that works.
    r = login(server, QStringLiteral("alice"), QStringLiteral("second pass"));
    QCOMPARE(r.status, 200);
    const QByteArray fresh = str(r.json, "token").toLatin1();
    QCOMPARE(http("GET", rooms, {}, fresh).status, 200);
    WsClient again;
    QVERIFY(again.open(server.wsUrl(QString::fromLatin1(fresh))));
    QVERIFY(!again.waitFor(QStringLiteral("connected")).isEmpty());

    // Another user may not sign alice out; the API key (an operator) may.
    const QUrl signout = server.httpUrl(QStringLiteral("/api/v1/users/%1/signout").arg(alice));
    QCOMPARE(http("POST", signout, {}, server.token(999)).status, 403);
    r = http("POST", signout, {}, key);
    QCOMPARE(r.status, 200);
    QCOMPARE(num(r.json, "connections_closed"), 1);
    QCOMPARE(again.waitClosed(), 4003);
    QCOMPARE(http("GET", rooms, {}, fresh).status, 401);
    QVERIFY2(webSocketRefused(server, fresh, &how), qPrintable(how));

    // Sign out everywhere by the user itself.
    r = login(server, QStringLiteral("alice"), QStringLiteral("second pass"));
    QCOMPARE(r.status, 200);
    const QByteArray third = str(r.json, "token").toLatin1();
    QCOMPARE(http("POST", signout, {}, third).status, 200);
    QCOMPARE(http("GET", rooms, {}, third).status, 401);
}

// A change the running server was not told of (the offline `user` command, another node) comes
// in when its cache entry expires and another path reads the account: live connections of that
// account close with 4003 at their next tick, and the others stay open.
void tst_SecurityAuth::changeMadeElsewhereClosesLiveConnections()
{
    QFETCH(QString, backend);
    TestServer server(backend, [](Config &c) {
        noThrottle(c);
        c.accountCacheTtlMs = 200;
    });
    START_SERVER(server);
    const qint64 alice = createUser(server, QStringLiteral("alice"), QStringLiteral("alice pass"));
    const qint64 bob = createUser(server, QStringLiteral("bob"), QStringLiteral("bob pass"));
    QVERIFY(alice > 0 && bob > 0);
    HttpResult r = login(server, QStringLiteral("alice"), QStringLiteral("alice pass"));
    QCOMPARE(r.status, 200);
    const QByteArray aliceToken = str(r.json, "token").toLatin1();
    r = login(server, QStringLiteral("bob"), QStringLiteral("bob pass"));
    QCOMPARE(r.status, 200);
    const QByteArray bobToken = str(r.json, "token").toLatin1();
    WsClient aliceLive;
    WsClient bobLive;
    QVERIFY(aliceLive.open(server.wsUrl(QString::fromLatin1(aliceToken))));
    QVERIFY(bobLive.open(server.wsUrl(QString::fromLatin1(bobToken))));
    QVERIFY(!aliceLive.waitFor(QStringLiteral("connected")).isEmpty());
    QVERIFY(!bobLive.waitFor(QStringLiteral("connected")).isEmpty());
    // Two ticks with nothing to look at.
    QTest::qWait(2100);
    QVERIFY(aliceLive.isConnected());

    {
        QSqlDatabase db = sideConnection(QStringLiteral("elsewhere"), server.config().dataDir,
                                         server.config().databaseUrl);
        QVERIFY2(db.open(), qPrintable(db.lastError().text()));
        QSqlQuery q(db);
        QVERIFY2(
            q.exec(QStringLiteral("UPDATE users SET disabled = TRUE WHERE id = %1").arg(alice)),
            qPrintable(q.lastError().text()));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("elsewhere"));
    QTest::qWait(300); // the cached state expires
    const QUrl rooms = server.httpUrl(QStringLiteral("/api/v1/rooms"));
    QCOMPARE(http("GET", rooms, {}, aliceToken).status, 403); // this read learns of it
    QCOMPARE(aliceLive.waitClosed(3000), 4003);
    QCOMPARE(http("GET", rooms, {}, bobToken).status, 200);
    QVERIFY(bobLive.isConnected());
}

void tst_SecurityAuth::roleComesFromTheAccount()
{
    const QString backend = QStringLiteral("sqlite");
    TestServer server(backend);
    START_SERVER(server);
    const qint64 carol = createUser(server, QStringLiteral("carol"), QStringLiteral("carol pass"));
    QVERIFY(carol > 0);
    // A token claiming the admin role for a user whose account is not an admin's.
    const QByteArray claimsAdmin = server.token(carol, QStringLiteral("carol"), true);
    QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/api/v1/users")), {}, claimsAdmin).status,
             403);
    // A user only a backend knows (not in the store) keeps the claim's role, as before.
    const QByteArray backendAdmin = server.token(5000, QStringLiteral("ops"), true);
    QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/api/v1/users")), {}, backendAdmin).status,
             200);
    auto c = std::make_unique<WsClient>();
    QVERIFY(c->open(server.wsUrl(QString::fromLatin1(claimsAdmin))));
    const QJsonObject connected = c->waitFor(QStringLiteral("connected"));
    QCOMPARE(str(connected.value(QStringLiteral("user")).toObject(), "role"),
             QStringLiteral("user"));
}

void tst_SecurityAuth::tokenLifetimeIsBounded()
{
    const QString backend = QStringLiteral("sqlite");
    TestServer server(backend);
    START_SERVER(server);
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const QUrl rooms = server.httpUrl(QStringLiteral("/api/v1/rooms"));
    // exp=9e12 was accepted.
    QByteArray t = signedToken(
        {{QStringLiteral("sub"), QStringLiteral("77")}, {QStringLiteral("exp"), 9e12}});
    HttpResult r = http("GET", rooms, {}, t);
    QCOMPARE(r.status, 401);
    QCOMPARE(str(r.json.value(QStringLiteral("error")).toObject(), "message"),
             QStringLiteral("token lifetime exceeds the maximum"));
    QString how;
    QVERIFY2(webSocketRefused(server, t, &how), qPrintable(how));
    t = signedToken({{QStringLiteral("sub"), QStringLiteral("77")},
                     {QStringLiteral("iat"), now},
                     {QStringLiteral("exp"), now + 3600}});
    QCOMPARE(http("GET", rooms, {}, t).status, 200);
    // Minting is bounded by token_max_lifetime too.
    r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/tokens")),
                 {{QStringLiteral("user_id"), 77}, {QStringLiteral("ttl_s"), 31 * 86400}},
                 server.config().apiKey.toUtf8());
    QCOMPARE(r.status, 400);
}

void tst_SecurityAuth::failedLoginsAreThrottledAndRecover()
{
    const QString backend = QStringLiteral("sqlite");
    TestServer server(backend, [](Config &c) {
        c.authFailuresPerUser = 3;
        c.authFailuresPerAddress = 1000;
        c.authBackoffMs = 1000;
        c.authBackoffMaxMs = 2000;
    });
    START_SERVER(server);
    QVERIFY(createUser(server, QStringLiteral("alice"), QStringLiteral("correct horse")) > 0);
    QVERIFY(createUser(server, QStringLiteral("bob"), QStringLiteral("bob password")) > 0);
    for (int i = 0; i < 4; ++i)
        QCOMPARE(login(server, QStringLiteral("alice"), QStringLiteral("guess")).status, 401);
    // The fourth failure started the back-off: even the right password waits now.
    HttpResult r = login(server, QStringLiteral("alice"), QStringLiteral("correct horse"));
    QCOMPARE(r.status, 429);
    QCOMPARE(errorCode(r), QStringLiteral("RATE_LIMITED"));
    const int retryAfter = r.header("Retry-After").toInt();
    QVERIFY2(retryAfter >= 1 && retryAfter <= 2, r.header("Retry-After").constData());
    // Another username from the same address is not held up by alice's back-off.
    QCOMPARE(login(server, QStringLiteral("bob"), QStringLiteral("bob password")).status, 200);
    QTest::qWait(retryAfter * 1000 + 100);
    // Recovered; the success forgets the failures.
    QCOMPARE(login(server, QStringLiteral("alice"), QStringLiteral("correct horse")).status, 200);
    QCOMPARE(login(server, QStringLiteral("alice"), QStringLiteral("guess")).status, 401);

    // The back-off grows: failure 5 waits 1 s, failure 6 waits 2 s (the maximum).
    for (int i = 0; i < 4; ++i)
        login(server, QStringLiteral("alice"), QStringLiteral("guess"));
    r = login(server, QStringLiteral("alice"), QStringLiteral("guess"));
    QCOMPARE(r.status, 429);
}

void tst_SecurityAuth::failedApiKeysAreThrottledAndRecover()
{
    const QString backend = QStringLiteral("sqlite");
    TestServer server(backend, [](Config &c) {
        c.authFailuresPerAddress = 3;
        c.authBackoffMs = 1000;
        c.authBackoffMaxMs = 1000;
    });
    START_SERVER(server);
    const QByteArray key = server.config().apiKey.toUtf8();
    const QUrl users = server.httpUrl(QStringLiteral("/api/v1/users"));
    QByteArray wrong = key;
    wrong[wrong.size() - 1] = wrong.back() == 'x' ? 'y' : 'x';
    for (int i = 0; i < 4; ++i)
        QCOMPARE(http("GET", users, {}, wrong).status, 401);
    // In the back-off the right key is not even compared: guessing gains nothing.
    HttpResult r = http("GET", users, {}, key);
    QCOMPARE(r.status, 429);
    QVERIFY(r.header("Retry-After").toInt() >= 1);
    // A token that verifies still works from the address (users behind one NAT).
    QCOMPARE(
        http("GET", server.httpUrl(QStringLiteral("/api/v1/rooms")), {}, server.token(9)).status,
        200);
    QTest::qWait(1100);
    QCOMPARE(http("GET", users, {}, key).status, 200);
}

void tst_SecurityAuth::shortApiKeyIsRefused()
{
    ConfigLoader::Sources sources;
    sources.commandLine.insert(QStringLiteral("api_key"), QStringLiteral("k"));
    Config c;
    QString error;
    QVERIFY(!ConfigLoader::load(sources, &c, &error));
    QVERIFY2(error.contains(QLatin1StringView("api_key"))
                 && error.contains(QLatin1StringView("openssl rand -hex 32")),
             qPrintable(error));
    sources.commandLine.insert(QStringLiteral("api_key"), QString(32, u'k'));
    QVERIFY2(ConfigLoader::load(sources, &c, &error), qPrintable(error));
}

QTEST_GUILESS_MAIN(tst_SecurityAuth)
#include "tst_security_auth.moc"
