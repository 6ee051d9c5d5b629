// SPDX-License-Identifier: MIT
// The switchboardd executable as an operator runs it: user and access commands, start-up errors,
// the generated secret, and a graceful SIGTERM that loses nothing.
#include "testsupport.h"

#include "protocol/protocol.h"

#include <QFileInfo>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <csignal>

using namespace Switchboard;
using namespace Switchboard::Test;

namespace {

quint16 freePort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runDaemon(const QStringList &args, const QByteArray &stdinData = {},
              const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(SWITCHBOARDD_PATH), args);
    p.waitForStarted();
    p.write(stdinData);
    p.closeWriteChannel();
    p.waitForFinished(60000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

class Daemon
{
public:
    Daemon(const QStringList &args, quint16 port)
        : m_port(port)
    {
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start(QStringLiteral(SWITCHBOARDD_PATH),
                        args
                            + QStringList {QStringLiteral("--listen"),
                                           QStringLiteral("127.0.0.1:%1").arg(port)});
    }
    ~Daemon()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    bool waitReady()
    {
        QDeadlineTimer deadline(20000);
        while (!deadline.hasExpired() && m_process.state() != QProcess::NotRunning) {
            if (http("GET", url(QStringLiteral("/healthz")), {}, {}, 1000).status == 200)
                return true;
            QTest::qWait(50);
        }
        return false;
    }
    QUrl url(const QString &path) const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path));
    }
    QUrl ws(const QString &token) const
    {
        return QUrl(QStringLiteral("ws://127.0.0.1:%1/ws?token=%2").arg(m_port).arg(token));
    }
    QProcess &process() { return m_process; }
    // True once the process has exited, whether it already did while a test waited on the
    // event loop (then waitForFinished() alone would report false) or does within the time.
    bool waitExited(int timeoutMs)
    {
        return m_process.state() == QProcess::NotRunning || m_process.waitForFinished(timeoutMs);
    }

private:
    QProcess m_process;
    quint16 m_port;
};

// The storage a daemon of this test runs on, for the backend row: a temporary data dir and,
// on PostgreSQL, a database of its own that is dropped afterwards. `args` are its options.
struct DaemonStorage
{
    QTemporaryDir dir;
    QString dbName;
    QStringList args;

    ~DaemonStorage()
    {
        if (!dbName.isEmpty())
            dropDatabase(dbName);
    }
    bool prepare(const QString &backend, QString *why)
    {
        args = QStringList {QStringLiteral("--data-dir"), dir.path()};
        if (backend != QLatin1StringView("postgres"))
            return true;
        const QString url = createDatabase(&dbName, why);
        args << QStringLiteral("--database-url") << url;
        return !url.isEmpty();
    }
};

// Declares `storage` for the row's backend (PostgreSQL skipped or failed as elsewhere).
#define DAEMON_STORAGE(storage)                                                                    \
    QFETCH(QString, backend);                                                                      \
    DaemonStorage storage;                                                                         \
    do {                                                                                           \
        QString why_;                                                                              \
        if (backend == QLatin1StringView("postgres") && !postgresAvailable(&why_)) {               \
            if (qEnvironmentVariableIntValue("SWITCHBOARD_REQUIRE_POSTGRES"))                      \
                QFAIL(qPrintable(why_));                                                           \
            QSKIP(qPrintable(why_));                                                               \
        }                                                                                          \
        QVERIFY2(storage.prepare(backend, &why_), qPrintable(why_));                               \
    } while (false)

} // namespace

class tst_Daemon : public QObject
{
    Q_OBJECT

private slots:
    void userCommands_data() { addBackendRows(); }
    void userCommands();
    void accessCommands_data() { addBackendRows(); }
    void accessCommands();
    void invalidConfigRefused();
    void generatedSecretIsKept();
    void sigtermDrainsAndLosesNothing_data() { addBackendRows(); }
    void sigtermDrainsAndLosesNothing();
};

void tst_Daemon::userCommands()
{
    DAEMON_STORAGE(storage);
    const QStringList base = storage.args;
    Run r = runDaemon(base
                          + QStringList {QStringLiteral("user"), QStringLiteral("add"),
                                         QStringLiteral("alice"), QStringLiteral("--admin"),
                                         QStringLiteral("--password-stdin")},
                      "first-password\n");
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QVERIFY(r.out.contains("created user alice"));
    r = runDaemon(
        base + QStringList {QStringLiteral("user"), QStringLiteral("add"), QStringLiteral("alice")},
        "another-password\n");
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.err.contains("exists"));
    r = runDaemon(
        base + QStringList {QStringLiteral("user"), QStringLiteral("add"), QStringLiteral("bob")},
        "short\n");
    QCOMPARE(r.exitCode, 1);
    r = runDaemon(base
                      + QStringList {QStringLiteral("user"), QStringLiteral("add"),
                                     QStringLiteral("bad name!")},
                  "long-enough-password\n");
    QCOMPARE(r.exitCode, 1);
    r = runDaemon(base
                      + QStringList {QStringLiteral("user"), QStringLiteral("passwd"),
                                     QStringLiteral("alice")},
                  "second-password\n");
    QVERIFY2(r.exitCode == 0, r.err.constData());
    r = runDaemon(base + QStringList {QStringLiteral("user"), QStringLiteral("list")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains("alice"));
    QVERIFY(r.out.contains("admin"));
    QVERIFY(!r.out.contains("first-password") && !r.out.contains("argon2"));

    const quint16 port = freePort();
    {
        Daemon d(base, port);
        QVERIFY(d.waitReady());
        HttpResult login
            = httpJson("POST", d.url(QStringLiteral("/api/v1/users/login")),
                       {{QStringLiteral("username"), QStringLiteral("alice")},
                        {QStringLiteral("password"), QStringLiteral("first-password")}});
        QCOMPARE(login.status, 401);
        login = httpJson("POST", d.url(QStringLiteral("/api/v1/users/login")),
                         {{QStringLiteral("username"), QStringLiteral("alice")},
                          {QStringLiteral("password"), QStringLiteral("second-password")}});
        QCOMPARE(login.status, 200);
        QCOMPARE(login.json.value(QStringLiteral("role")).toString(), QStringLiteral("admin"));
        // Disabling through the CLI while the daemon runs on the same store.
        r = runDaemon(base
                      + QStringList {QStringLiteral("user"), QStringLiteral("disable"),
                                     QStringLiteral("alice")});
        QCOMPARE(r.exitCode, 0);
        login = httpJson("POST", d.url(QStringLiteral("/api/v1/users/login")),
                         {{QStringLiteral("username"), QStringLiteral("alice")},
                          {QStringLiteral("password"), QStringLiteral("second-password")}});
        QCOMPARE(login.status, 403);
    }
    r = runDaemon(base
                  + QStringList {QStringLiteral("user"), QStringLiteral("disable"),
                                 QStringLiteral("nobody")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.err.contains("no user"));
}

// The way back in after a lockout: the rules on the store, no server needed.
void tst_Daemon::accessCommands()
{
    DAEMON_STORAGE(storage);
    const QStringList base = storage.args;
    const auto access = [&base](const QStringList &args) {
        return runDaemon(base + QStringList {QStringLiteral("access")} + args);
    };
    Run r = access({QStringLiteral("add"), QStringLiteral("deny"), QStringLiteral("127.0.0.0/8"),
                    QStringLiteral("--note"), QStringLiteral("locks everyone out")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QVERIFY2(r.out.contains("added access rule 1: deny 127.0.0.0/8"), r.out.constData());
    r = access({QStringLiteral("add"), QStringLiteral("deny"), QStringLiteral("10.1.2.3/8")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("the network is 10.0.0.0/8"), r.err.constData());
    r = access({QStringLiteral("add"), QStringLiteral("block"), QStringLiteral("10.0.0.0/8")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("'action' must be allow or deny"), r.err.constData());
    r = access({QStringLiteral("add"), QStringLiteral("allow"), QStringLiteral("2001:db8::/32"),
                QStringLiteral("--expires-in"), QStringLiteral("3600")});
    QVERIFY2(r.exitCode == 0, r.err.constData());

    // The daemon applies what the command stored: loopback is refused.
    const quint16 port = freePort();
    {
        Daemon d(base, port);
        // Refused = accepted and closed without a word, once the daemon listens.
        QTcpSocket probe;
        bool refused = false;
        QDeadlineTimer deadline(10000);
        while (!refused && !deadline.hasExpired()) {
            probe.connectToHost(QHostAddress::LocalHost, port);
            if (probe.waitForConnected(1000)) {
                probe.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
                probe.waitForReadyRead(2000);
                refused
                    = probe.readAll().isEmpty() && probe.state() != QAbstractSocket::ConnectedState;
            }
            probe.abort();
            if (!refused)
                QTest::qWait(100);
        }
        QVERIFY2(refused, "the daemon answered a refused address");
    }

    r = access({QStringLiteral("list")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("deny") && r.out.contains("127.0.0.0/8")
                 && r.out.contains("locks everyone out") && r.out.contains("2001:db8::/32"),
             r.out.constData());
    r = access({QStringLiteral("remove"), QStringLiteral("1")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    r = access({QStringLiteral("remove"), QStringLiteral("1")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.err.contains("no access rule 1"));
    r = access({QStringLiteral("list")});
    QVERIFY(!r.out.contains("127.0.0.0/8"));
    {
        Daemon d(base, port);
        QVERIFY(d.waitReady()); // /healthz from loopback answers again
    }
}

void tst_Daemon::invalidConfigRefused()
{
    QTemporaryDir dir;
    Run r = runDaemon({QStringLiteral("--data-dir"), dir.path(),
                       QStringLiteral("--max-connections"), QStringLiteral("lots")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("'max_connections'"), r.err.constData());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("SWITCHBOARD_HEARTBEAT_INTERVAL"), QStringLiteral("often"));
    r = runDaemon({QStringLiteral("--data-dir"), dir.path()}, {}, env);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("'heartbeat_interval'")
                 && r.err.contains("SWITCHBOARD_HEARTBEAT_INTERVAL"),
             r.err.constData());
    r = runDaemon({QStringLiteral("--config"), dir.filePath(QStringLiteral("missing.ini"))});
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err.contains("missing.ini"));

    // Issue 14: start-up refusals caused by the configuration exit 2 (not 1, which systemd
    // restarts in a loop), naming the key and saying why.
    const QString fresh = dir.filePath(QStringLiteral("fresh"));
    const QStringList base {QStringLiteral("--data-dir"), fresh, QStringLiteral("--listen"),
                            QStringLiteral("127.0.0.1:0")};
    const struct
    {
        QStringList args;
        const char *says;
    } refusals[] = {
        {{QStringLiteral("--jwt-secret"), QStringLiteral("short")}, "'jwt_secret'"},
        {{QStringLiteral("--tls-cert-file"), dir.filePath(QStringLiteral("none.pem")),
          QStringLiteral("--tls-key-file"), dir.filePath(QStringLiteral("none.key"))},
         "'tls_cert_file'"},
        {{QStringLiteral("--database-url"), QStringLiteral("mysql://x")}, "'database_url'"},
        {{QStringLiteral("--data-dir"), QStringLiteral("/proc/switchboard/data")},
         "cannot create data_dir '/proc/switchboard/data': /proc/switchboard: No such file"},
    };
    for (const auto &refusal : refusals) {
        r = runDaemon(base + refusal.args);
        QVERIFY2(r.exitCode == 2, qPrintable(refusal.args.join(' ') + ": " + r.err));
        QVERIFY2(r.err.contains(refusal.says), r.err.constData());
    }

    // A second server on a busy port fails (exit 1: the port may come free) before it
    // creates any file.
    QTcpServer busy;
    QVERIFY(busy.listen(QHostAddress::LocalHost, 0));
    const QString untouched = dir.filePath(QStringLiteral("untouched"));
    r = runDaemon({QStringLiteral("--data-dir"), untouched, QStringLiteral("--listen"),
                   QStringLiteral("127.0.0.1:%1").arg(busy.serverPort())});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("(setting 'listen')"), r.err.constData());
    QVERIFY(!QFileInfo::exists(untouched));
}

void tst_Daemon::generatedSecretIsKept()
{
    QTemporaryDir dir;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("SWITCHBOARD_JWT_SECRET"));
    const quint16 port = freePort();
    const QStringList args {QStringLiteral("--data-dir"), dir.path()};
    QByteArray secret;
    {
        Daemon d(args, port);
        QVERIFY(d.waitReady());
        QFile f(dir.filePath(QStringLiteral("jwt_secret")));
        QVERIFY(f.exists());
        QCOMPARE(f.permissions() & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteOther),
                 QFile::Permissions());
        QVERIFY(f.open(QIODevice::ReadOnly));
        secret = f.readAll().trimmed();
        QVERIFY(secret.size() >= 32);
        ::kill(pid_t(d.process().processId()), SIGTERM);
        QVERIFY(d.waitExited(10000));
    }
    Daemon again(args, port);
    QVERIFY(again.waitReady());
    QFile f(dir.filePath(QStringLiteral("jwt_secret")));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll().trimmed(), secret);
}

void tst_Daemon::sigtermDrainsAndLosesNothing()
{
    DAEMON_STORAGE(storage);
    const QStringList args = storage.args
        + QStringList {QStringLiteral("--jwt-secret"), QString::fromLatin1(TestServer::SECRET)};
    TestServer minter(QStringLiteral("sqlite")); // only mints tokens with the same secret
    const quint16 port = freePort();
    const int burst = 50;
    {
        Daemon d(args, port);
        QVERIFY(d.waitReady());
        // User 2 is a backend's user: it signs in once, and may be messaged from then on.
        QCOMPARE(http("GET", d.url(QStringLiteral("/api/v1/rooms")), {}, minter.token(2)).status,
                 200);
        WsClient sender;
        QVERIFY(sender.open(d.ws(QString::fromLatin1(minter.token(1)))));
        QVERIFY(!sender.waitFor(QStringLiteral("connected")).isEmpty());
        for (int i = 0; i < burst; ++i)
            sender.send({{QStringLiteral("type"), QStringLiteral("send")},
                         {QStringLiteral("id"), i},
                         {QStringLiteral("to"), 2},
                         {QStringLiteral("content"), QStringLiteral("m%1").arg(i)}});
        // Every message acknowledged was stored; SIGTERM right after the last ack.
        QTRY_COMPARE_WITH_TIMEOUT(sender.eventsOfType(QStringLiteral("ack")).size(), burst, 10000);
        QElapsedTimer timer;
        timer.start();
        ::kill(pid_t(d.process().processId()), SIGTERM);
        QCOMPARE(sender.waitClosed(10000), Protocol::CloseCode::GOING_AWAY);
        QVERIFY(d.waitExited(10000));
        QCOMPARE(d.process().exitStatus(), QProcess::NormalExit);
        QCOMPARE(d.process().exitCode(), 0);
        QVERIFY(timer.elapsed() < 10000);
    }
    Daemon d(args, port);
    QVERIFY(d.waitReady());
    WsClient receiver;
    QVERIFY(receiver.open(d.ws(QString::fromLatin1(minter.token(2)))));
    QCOMPARE(receiver.waitFor(QStringLiteral("sync_complete"), 10000)
                 .value(QStringLiteral("seq"))
                 .toInteger(),
             burst);
    const auto messages = receiver.eventsOfType(QStringLiteral("message"));
    QCOMPARE(messages.size(), burst);
    for (int i = 0; i < burst; ++i)
        QCOMPARE(messages[i].value(QStringLiteral("content")).toString(),
                 QStringLiteral("m%1").arg(i));
}

QTEST_GUILESS_MAIN(tst_Daemon)
#include "tst_daemon.moc"
