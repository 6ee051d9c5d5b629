// SPDX-License-Identifier: MIT
// switchboard-loadtest as an operator runs it, against the real switchboardd binary (SQLite in
// a temporary data dir, a known JWT secret): every test type with small numbers and its JSON
// result, several rooms and threads, refusals with clear messages, and the pieces its numbers
// rest on (percentiles, frame scanning, framing).
#include "framescan.h"
#include "histogram.h"
#include "tokenminter.h"
#include "wsframe.h"

#include <algorithm>
#include <random>

#include <QCryptographicHash>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <sys/resource.h>

using namespace Switchboard::LoadTest;

namespace {

constexpr const char *SECRET = "loadtest-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

quint16 freePort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

struct Run
{
    int exitCode = -1;
    QList<QJsonObject> results;
    QByteArray out;
    QByteArray err;
};

// A small WebSocket server written for this test on a plain QTcpServer, so the bytes on the
// wire are under control: it answers every `echo` as three fragments with a ping between
// them, checks that every client frame is masked and that pongs return the ping's payload,
// and completes the close handshake.
class FragmentingPeer : public QObject
{
public:
    FragmentingPeer()
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                auto *buffer = new QByteArray;
                connect(s, &QTcpSocket::readyRead, s, [this, s, buffer] { onData(s, buffer); });
                connect(s, &QTcpSocket::disconnected, s, [s, buffer] {
                    delete buffer;
                    s->deleteLater();
                });
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }

    int unmaskedFrames = 0, pongsMatching = 0, pongsWrong = 0, closes = 0, echoes = 0;

private:
    static QByteArray frame(int opcode, bool fin, const QByteArray &payload)
    {
        QByteArray f;
        f.append(char((fin ? 0x80 : 0) | opcode));
        if (payload.size() < 126) {
            f.append(char(payload.size()));
        } else {
            f.append(char(126));
            f.append(char(payload.size() >> 8));
            f.append(char(payload.size() & 0xFF));
        }
        return f + payload;
    }

    void onData(QTcpSocket *s, QByteArray *in)
    {
        in->append(s->readAll());
        if (!s->property("upgraded").toBool()) {
            const qsizetype end = in->indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QByteArray head = in->left(end);
            const qsizetype k = head.indexOf("Sec-WebSocket-Key: ");
            const QByteArray key = head.mid(k + 19, head.indexOf("\r\n", k) - k - 19);
            const QByteArray accept
                = QCryptographicHash::hash(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11",
                                           QCryptographicHash::Sha1)
                      .toBase64();
            s->write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: "
                     "Upgrade\r\nSec-WebSocket-Accept: "
                     + accept + "\r\n\r\n");
            s->setProperty("upgraded", true);
            in->remove(0, end + 4);
        }
        while (in->size() >= 2) {
            const auto b1 = quint8(in->at(1));
            qsizetype len = b1 & 0x7F, header = 2;
            if (len == 126) {
                if (in->size() < 4)
                    return;
                len = (quint8(in->at(2)) << 8) | quint8(in->at(3));
                header = 4;
            }
            const bool masked = b1 & 0x80;
            if (!masked)
                ++unmaskedFrames;
            const qsizetype total = header + (masked ? 4 : 0) + len;
            if (in->size() < total)
                return;
            QByteArray payload = in->mid(header + (masked ? 4 : 0), len);
            for (qsizetype i = 0; masked && i < len; ++i)
                payload[i] = char(payload[i] ^ in->at(header + i % 4));
            const int opcode = quint8(in->at(0)) & 0x0F;
            in->remove(0, total);
            if (opcode == 0x1) {
                ++echoes;
                const QByteArray ping = "p" + QByteArray::number(echoes);
                s->setProperty("ping", ping);
                const qsizetype third = payload.size() / 3;
                s->write(frame(0x1, false, payload.left(third)) + frame(0x9, true, ping)
                         + frame(0x0, false, payload.mid(third, third))
                         + frame(0x0, true, payload.mid(2 * third)));
            } else if (opcode == 0xA) {
                ++(payload == s->property("ping").toByteArray() ? pongsMatching : pongsWrong);
            } else if (opcode == 0x8) {
                ++closes;
                s->write(frame(0x8, true, payload.left(2)));
                s->disconnectFromHost();
                return;
            }
        }
    }

    QTcpServer m_server;
};

} // namespace

class tst_LoadTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void everyTestType();
    void roomsAndThreads();
    void roomsKeptWithKeep();
    void directMessages();
    void refusedToken();
    void badUrl();
    void severalUrls();
    void missingSecret();
    void tooManyConnectionsForOneProcess();
    void histogramMatchesSortedSamples();
    void frameScan();
    void framing();
    void fragmentsPingsAndClose();

private:
    Run loadtest(const QStringList &args, const QByteArray &secret = SECRET,
                 bool lowFileLimit = false);
    QString url() const { return QStringLiteral("ws://127.0.0.1:%1/ws").arg(m_port); }
    static void checkKeys(const QJsonObject &r);
    static void checkOrdered(const QJsonObject &r);
    QStringList roomIds() const; // GET /api/v1/rooms as a user, over a plain socket

    QTemporaryDir m_dir;
    QProcess m_daemon;
    quint16 m_port = 0;
};

void tst_LoadTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_port = freePort();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("SWITCHBOARD_JWT_SECRET"), QString::fromLatin1(SECRET));
    m_daemon.setProcessEnvironment(env);
    m_daemon.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_daemon.start(QStringLiteral(SWITCHBOARDD_PATH),
                   {QStringLiteral("--data-dir"), m_dir.path(), QStringLiteral("--listen"),
                    QStringLiteral("127.0.0.1:%1").arg(m_port), QStringLiteral("--log-level"),
                    QStringLiteral("warning")});
    QVERIFY(m_daemon.waitForStarted());
    // Ready once /healthz answers 200 over a plain socket.
    QDeadlineTimer deadline(30000);
    bool ready = false;
    while (!ready && !deadline.hasExpired() && m_daemon.state() == QProcess::Running) {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_port);
        if (s.waitForConnected(1000)) {
            s.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            while (s.waitForReadyRead(2000) && !s.peek(64).contains("\r\n")) { }
            ready = s.readAll().startsWith("HTTP/1.1 200");
        }
        if (!ready)
            QTest::qWait(100);
    }
    QVERIFY2(ready, "switchboardd did not become ready");
}

void tst_LoadTest::cleanupTestCase()
{
    m_daemon.terminate();
    if (!m_daemon.waitForFinished(10000))
        m_daemon.kill();
}

Run tst_LoadTest::loadtest(const QStringList &args, const QByteArray &secret, bool lowFileLimit)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("SWITCHBOARD_JWT_SECRET"));
    if (!secret.isEmpty())
        env.insert(QStringLiteral("SWITCHBOARD_JWT_SECRET"), QString::fromLatin1(secret));
    p.setProcessEnvironment(env);
    if (lowFileLimit)
        p.setChildProcessModifier([] {
            rlimit rl {64, 64};
            setrlimit(RLIMIT_NOFILE, &rl);
        });
    // Generous limits: on a loaded machine (parallel ctest, sanitizers) deliveries may lag, and
    // the tool stops waiting for them only after --drain seconds.
    p.start(QStringLiteral(LOADTEST_PATH),
            args
                + QStringList {QStringLiteral("--drain"), QStringLiteral("30"),
                               QStringLiteral("--connect-timeout"), QStringLiteral("60")});
    Run r;
    if (!p.waitForStarted() || !p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    for (const QByteArray &line : r.out.split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        QJsonParseError e;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &e);
        if (e.error == QJsonParseError::NoError && doc.isObject())
            r.results.append(doc.object());
        else
            r.results.append(QJsonObject {{QStringLiteral("unparsed"), QString::fromUtf8(line)}});
    }
    return r;
}

// Exactly the keys of issue #5, with the types they promise.
void tst_LoadTest::checkKeys(const QJsonObject &r)
{
    QStringList keys = r.keys();
    keys.sort();
    QStringList expected {"test_type",    "connections",  "connect_per_sec",   "handshake_ms",
                          "sent",         "delivered",    "delivered_per_sec", "loss",
                          "latency_ms",   "errors",       "refused",           "connections_lost",
                          "client_cpu_s", "server_cpu_s", "server_rss_bytes",  "saturated"};
    expected.sort();
    QCOMPARE(keys, expected);
    QCOMPARE(r[QStringLiteral("handshake_ms")].toObject().keys(), (QStringList {"p50", "p99"}));
    QStringList lat = r[QStringLiteral("latency_ms")].toObject().keys();
    lat.sort();
    QCOMPARE(lat, (QStringList {"max", "p50", "p90", "p99", "p999"}));
    QVERIFY(r[QStringLiteral("saturated")].isBool());
    QVERIFY(r[QStringLiteral("client_cpu_s")].toDouble(-1) >= 0);
    // --server-pid is always given here: the daemon's CPU and memory are read from /proc.
    QVERIFY(r[QStringLiteral("server_cpu_s")].toDouble(-1) >= 0);
    QVERIFY(r[QStringLiteral("server_rss_bytes")].toDouble() > 1e6);
}

void tst_LoadTest::checkOrdered(const QJsonObject &r)
{
    const QJsonObject hs = r[QStringLiteral("handshake_ms")].toObject();
    QVERIFY(hs[QStringLiteral("p50")].toDouble() > 0);
    QVERIFY(hs[QStringLiteral("p50")].toDouble() <= hs[QStringLiteral("p99")].toDouble());
    QVERIFY(r[QStringLiteral("connect_per_sec")].toDouble() > 0);
    const QJsonObject lat = r[QStringLiteral("latency_ms")].toObject();
    if (r[QStringLiteral("test_type")] == QLatin1StringView("storm")) {
        for (const QString &k : lat.keys())
            QVERIFY2(lat[k].isNull(), qPrintable(k));
        return;
    }
    double previous = 0;
    for (const char *k : {"p50", "p90", "p99", "p999", "max"}) {
        const double v = lat[QLatin1StringView(k)].toDouble(-1);
        QVERIFY2(v > 0 && v >= previous, k);
        previous = v;
    }
    QVERIFY(r[QStringLiteral("delivered_per_sec")].toDouble() > 0);
}

void tst_LoadTest::everyTestType()
{
    const Run r = loadtest(
        {QStringLiteral("--url"), url(), QStringLiteral("--test-type"), QStringLiteral("all"),
         QStringLiteral("--connections"), QStringLiteral("20"), QStringLiteral("--messages"),
         QStringLiteral("200"), QStringLiteral("--rate"), QStringLiteral("400"),
         QStringLiteral("--duration"), QStringLiteral("0.5"), QStringLiteral("--json"),
         QStringLiteral("--server-pid"), QString::number(m_daemon.processId())});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.results.size(), 5);
    const QStringList order {"storm", "throughput", "sustained", "fanout", "echo"};
    for (int i = 0; i < 5; ++i) {
        const QJsonObject &o = r.results[i];
        const QString type = o[QStringLiteral("test_type")].toString();
        QCOMPARE(type, order[i]);
        checkKeys(o);
        checkOrdered(o);
        QCOMPARE(o[QStringLiteral("connections")].toInt(), 20);
        QCOMPARE(o[QStringLiteral("errors")].toInt(), 0);
        QCOMPARE(o[QStringLiteral("loss")].toInt(), 0);
        const qint64 sent = o[QStringLiteral("sent")].toInteger();
        const qint64 delivered = o[QStringLiteral("delivered")].toInteger();
        if (type == QLatin1StringView("storm")) {
            QCOMPARE(sent, 0);
            QCOMPARE(delivered, 0);
        } else if (type == QLatin1StringView("echo")) {
            QCOMPARE(sent, 200); // 400/s for 0.5 s
            QCOMPARE(delivered, 200);
        } else {
            // One room of 20: every message reaches the 19 other members, nobody twice.
            QCOMPARE(sent, 200);
            QCOMPARE(delivered, 200 * 19);
        }
    }
}

void tst_LoadTest::roomsAndThreads()
{
    // 30 connections in 3 rooms of 10, two I/O threads, 6 publishers (2 per room), 300 messages.
    const Run r = loadtest({QStringLiteral("--url"),
                            url(),
                            QStringLiteral("--test-type"),
                            QStringLiteral("fanout"),
                            QStringLiteral("--connections"),
                            QStringLiteral("30"),
                            QStringLiteral("--rooms"),
                            QStringLiteral("3"),
                            QStringLiteral("--publishers"),
                            QStringLiteral("6"),
                            QStringLiteral("--threads"),
                            QStringLiteral("2"),
                            QStringLiteral("--rate"),
                            QStringLiteral("300"),
                            QStringLiteral("--duration"),
                            QStringLiteral("1"),
                            QStringLiteral("--payload-bytes"),
                            QStringLiteral("300"),
                            QStringLiteral("--json"),
                            QStringLiteral("--server-pid"),
                            QString::number(m_daemon.processId())});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.results.size(), 1);
    const QJsonObject &o = r.results.first();
    checkKeys(o);
    checkOrdered(o);
    QCOMPARE(o[QStringLiteral("connections")].toInt(), 30);
    QCOMPARE(o[QStringLiteral("sent")].toInteger(), 300);
    QCOMPARE(o[QStringLiteral("delivered")].toInteger(), 300 * 9);
    QCOMPARE(o[QStringLiteral("loss")].toInt(), 0);
    QCOMPARE(o[QStringLiteral("errors")].toInt(), 0);
    // Issue 14: the tool deletes the rooms it created when it ends.
    const QStringList rooms = roomIds();
    QVERIFY2(!rooms.isEmpty(), "the room list could not be read");
    for (const QString &id : rooms)
        QVERIFY2(!id.startsWith(QLatin1StringView("lt-fanout-")), qPrintable(id));
}

void tst_LoadTest::roomsKeptWithKeep()
{
    const Run r
        = loadtest({QStringLiteral("--url"), url(), QStringLiteral("--test-type"),
                    QStringLiteral("throughput"), QStringLiteral("--connections"),
                    QStringLiteral("4"), QStringLiteral("--rooms"), QStringLiteral("2"),
                    QStringLiteral("--messages"), QStringLiteral("20"), QStringLiteral("--keep")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QVERIFY2(r.out.contains("rooms: 2 created, 0 deleted at the end (--keep keeps them)"),
             r.out.constData());
    const QStringList rooms = roomIds();
    QVERIFY2(rooms.contains(QStringLiteral("lt-throughput-0"))
                 && rooms.contains(QStringLiteral("lt-throughput-1")),
             qPrintable(rooms.join(u' ')));
}

QStringList tst_LoadTest::roomIds() const
{
    const std::string token
        = TokenMinter(SECRET).mint(42, "probe", QDateTime::currentSecsSinceEpoch(), 600);
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, m_port);
    if (!s.waitForConnected(5000))
        return {};
    s.write("GET /api/v1/rooms HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer "
            + QByteArray::fromStdString(token) + "\r\n\r\n");
    QByteArray reply;
    while (s.waitForReadyRead(5000))
        reply += s.readAll();
    reply += s.readAll();
    const qsizetype body = reply.indexOf("\r\n\r\n");
    if (!reply.startsWith("HTTP/1.1 200") || body < 0)
        return {};
    QStringList out;
    const QJsonArray rooms = QJsonDocument::fromJson(reply.mid(body + 4))
                                 .object()
                                 .value(QStringLiteral("rooms"))
                                 .toArray();
    for (const QJsonValue &v : rooms)
        out << v.toObject().value(QStringLiteral("room_id")).toString();
    return out;
}

void tst_LoadTest::directMessages()
{
    // 10 publishers each send their 20 messages to connection i+10 with `send`: stored, acked
    // after the commit, and delivered once to the one recipient.
    const Run r
        = loadtest({QStringLiteral("--url"), url(), QStringLiteral("--test-type"),
                    QStringLiteral("throughput"), QStringLiteral("--direct"),
                    QStringLiteral("--connections"), QStringLiteral("20"),
                    QStringLiteral("--messages"), QStringLiteral("200"), QStringLiteral("--json"),
                    QStringLiteral("--server-pid"), QString::number(m_daemon.processId())});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.results.size(), 1);
    const QJsonObject &o = r.results.first();
    checkKeys(o);
    checkOrdered(o);
    QCOMPARE(o[QStringLiteral("sent")].toInteger(), 200);
    QCOMPARE(o[QStringLiteral("delivered")].toInteger(), 200);
    QCOMPARE(o[QStringLiteral("loss")].toInt(), 0);
    QCOMPARE(o[QStringLiteral("errors")].toInt(), 0);
}

void tst_LoadTest::refusedToken()
{
    const Run r = loadtest({QStringLiteral("--url"), url(), QStringLiteral("--test-type"),
                            QStringLiteral("storm"), QStringLiteral("--connections"),
                            QStringLiteral("5"), QStringLiteral("--json")},
                           "another-secret-of-the-right-length-but-wrong-0123456789");
    QCOMPARE(r.exitCode, 3);
    QVERIFY(r.results.isEmpty());
    QVERIFY2(r.err.contains("none of the 5 connections"), r.err.constData());
    QVERIFY2(r.err.contains("5 x HTTP 401"), r.err.constData());
    QVERIFY2(r.err.contains("invalid token signature"), r.err.constData());
}

void tst_LoadTest::badUrl()
{
    // Nothing listens on a port that was free a moment ago.
    const QString closed = QStringLiteral("ws://127.0.0.1:%1/ws").arg(freePort());
    Run r = loadtest(
        {QStringLiteral("--url"), closed, QStringLiteral("--connections"), QStringLiteral("3")});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains("3 x connect: Connection refused"), r.err.constData());

    r = loadtest({QStringLiteral("--url"), QStringLiteral("http://127.0.0.1:1/ws")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("--url must start with ws://"), r.err.constData());
    r = loadtest({QStringLiteral("--url"), QStringLiteral("ws://example.invalid:80/ws")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("IPv4 address or localhost"), r.err.constData());
    r = loadtest(
        {QStringLiteral("--url"), url(), QStringLiteral("--test-type"), QStringLiteral("soak")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("--test-type must be"), r.err.constData());
    // Issue 14: --duration with the default test type (throughput) was silently ignored.
    r = loadtest(
        {QStringLiteral("--url"), url(), QStringLiteral("--duration"), QStringLiteral("30")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("--duration applies to the paced test types"), r.err.constData());
    // --help shows the defaults.
    r = loadtest({QStringLiteral("--help")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("Default: ws://127.0.0.1:8000/ws.")
                 && r.out.contains("Default: throughput."),
             r.out.constData());
}

// Several --url: connection i goes to URL i % n (the nodes of a cluster, issue 15). Half of
// the connections go to a port nothing listens on, the other half connect; two endpoints of
// one server take all of them.
void tst_LoadTest::severalUrls()
{
    const QString closed = QStringLiteral("ws://127.0.0.1:%1/ws").arg(freePort());
    Run r = loadtest({QStringLiteral("--url"), url(), QStringLiteral("--url"), closed,
                      QStringLiteral("--test-type"), QStringLiteral("storm"),
                      QStringLiteral("--connections"), QStringLiteral("10"),
                      QStringLiteral("--json")});
    QCOMPARE(r.results.size(), 1);
    QCOMPARE(r.results.first().value(QStringLiteral("connections")).toInt(), 5);
    QCOMPARE(r.results.first().value(QStringLiteral("errors")).toInt(), 5);
    QVERIFY2(r.err.contains("5/10 connected"), r.err.constData());

    const QString seed002 = QStringLiteral("ws://127.0.0.1:%1/api/v1/ws").arg(m_port);
    r = loadtest({QStringLiteral("--url"), url(), QStringLiteral("--url"), seed002,
                  QStringLiteral("--test-type"), QStringLiteral("storm"),
                  QStringLiteral("--connections"), QStringLiteral("10"), QStringLiteral("--json")});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.results.size(), 1);
    QCOMPARE(r.results.first().value(QStringLiteral("connections")).toInt(), 10);

    r = loadtest({QStringLiteral("--url"), closed, QStringLiteral("--url"), closed,
                  QStringLiteral("--connections"), QStringLiteral("2")});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains(qPrintable(QStringLiteral("to %1, %1 could").arg(closed))),
             r.err.constData());

    // --publisher-url: the publishers (connections 0 .. P-1), and only they, go there.
    r = loadtest({QStringLiteral("--url"), url(), QStringLiteral("--publisher-url"), closed,
                  QStringLiteral("--test-type"), QStringLiteral("throughput"),
                  QStringLiteral("--connections"), QStringLiteral("10"),
                  QStringLiteral("--publishers"), QStringLiteral("2"), QStringLiteral("--messages"),
                  QStringLiteral("100"), QStringLiteral("--json")});
    QCOMPARE(r.results.size(), 1);
    QCOMPARE(r.results.first().value(QStringLiteral("connections")).toInt(), 8);
    QCOMPARE(r.results.first().value(QStringLiteral("errors")).toInt(), 2);
    // The publishers own the rooms. On /api/v1/ws errors carry `error_code`, not `code`: a room
    // left by an earlier run (--keep) must still be joined, not refused (CI at 972f8d6).
    r = loadtest({QStringLiteral("--url"), url(), QStringLiteral("--test-type"),
                  QStringLiteral("throughput"), QStringLiteral("--connections"),
                  QStringLiteral("10"), QStringLiteral("--publishers"), QStringLiteral("2"),
                  QStringLiteral("--messages"), QStringLiteral("10"), QStringLiteral("--keep"),
                  QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    r = loadtest({QStringLiteral("--url"), url(), QStringLiteral("--publisher-url"), seed002,
                  QStringLiteral("--test-type"), QStringLiteral("throughput"),
                  QStringLiteral("--connections"), QStringLiteral("10"),
                  QStringLiteral("--publishers"), QStringLiteral("2"), QStringLiteral("--messages"),
                  QStringLiteral("100"), QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.results.first().value(QStringLiteral("connections")).toInt(), 10);
    QVERIFY(r.results.first().value(QStringLiteral("delivered")).toInteger() > 0);
    QCOMPARE(r.results.first().value(QStringLiteral("loss")).toInt(), 0);
}

void tst_LoadTest::missingSecret()
{
    const Run r = loadtest({QStringLiteral("--url"), url()}, QByteArray());
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("SWITCHBOARD_JWT_SECRET"), r.err.constData());
}

void tst_LoadTest::tooManyConnectionsForOneProcess()
{
    // A hard limit of 64 descriptors cannot hold 100 connections: refused up front, with why.
    const Run r = loadtest(
        {QStringLiteral("--url"), url(), QStringLiteral("--connections"), QStringLiteral("100")},
        SECRET, true);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains("at most 64") && r.err.contains("several processes"),
             r.err.constData());
}

void tst_LoadTest::histogramMatchesSortedSamples()
{
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> dist(12.0, 1.5); // ~160 us median, long tail
    Histogram h;
    std::vector<std::uint64_t> samples;
    for (int i = 0; i < 100000; ++i) {
        const auto v = std::uint64_t(dist(rng));
        samples.push_back(v);
        h.record(v);
    }
    std::sort(samples.begin(), samples.end());
    QCOMPARE(h.count(), std::uint64_t(samples.size()));
    QCOMPARE(h.max(), samples.back());
    for (double q : {0.5, 0.9, 0.99, 0.999}) {
        const std::uint64_t exact = samples[std::size_t(std::ceil(q * double(samples.size()))) - 1];
        const double got = double(*h.percentile(q));
        QVERIFY2(std::abs(got - double(exact)) <= double(exact) / 128.0 + 1,
                 qPrintable(QStringLiteral("q=%1 exact=%2 got=%3").arg(q).arg(exact).arg(got)));
    }
    // Bucket bounds tile the value range with no gap and no overlap.
    for (int i = 1; i < Histogram::BUCKETS; ++i)
        QCOMPARE(Histogram::lowestOf(i), Histogram::highestOf(i - 1) + 1);
    QVERIFY(!Histogram().percentile(0.5));
}

void tst_LoadTest::frameScan()
{
    std::string marker;
    FrameScan::appendMarker(marker, {7, 12, 345, 678901234567});
    // The server re-encodes `data` inside its own event; the marker survives untouched.
    const std::string event = R"({"created_at":1,"data":{"m":")" + marker
        + R"(","p":"xx"},"from":5,"room_id":"lt-0","type":"room_message"})";
    FrameScan::Marker m;
    QVERIFY(FrameScan::findMarker(event, &m));
    QCOMPARE(m.run, 7u);
    QCOMPARE(m.sender, 12u);
    QCOMPARE(m.seq, std::uint64_t(345));
    QCOMPARE(m.sentNs, std::uint64_t(678901234567));
    QVERIFY(!FrameScan::findMarker(R"({"type":"ack","id":"sbl1.7.x"})", &m));

    // Top-level keys only: nested objects and escaped quotes do not confuse the scan.
    const std::string_view ctl
        = R"({"data":{"type":"inner","code":"NO"},"message":"a \"type\": x","code":"CONFLICT","seq":42,"type":"error"})";
    QCOMPARE(FrameScan::topLevelString(ctl, "type"), std::string_view("error"));
    QCOMPARE(FrameScan::topLevelString(ctl, "code"), std::string_view("CONFLICT"));
    QCOMPARE(FrameScan::topLevelInteger(ctl, "seq"), 42LL);
    QVERIFY(FrameScan::topLevelString(ctl, "missing").empty());
    QVERIFY(FrameScan::topLevelString("not json", "type").empty());
}

void tst_LoadTest::framing()
{
    // Client frames: FIN + opcode, MASK bit, length forms 7/16/64 bits; unmasking restores them.
    for (std::size_t size : {std::size_t(0), std::size_t(125), std::size_t(126), std::size_t(65535),
                             std::size_t(65536)}) {
        std::string payload(size, '\0');
        for (std::size_t i = 0; i < size; ++i)
            payload[i] = char('a' + i % 26);
        std::string out;
        WsFrame::appendFrame(out, WsFrame::TEXT, payload, 0xA1B2C3D4u);
        const auto *p = reinterpret_cast<const unsigned char *>(out.data());
        QCOMPARE(int(p[0]), 0x81);
        QVERIFY(p[1] & 0x80);
        const std::size_t header = size < 126 ? 2 : size <= 0xFFFF ? 4 : 10;
        QCOMPARE(out.size(), header + 4 + size);
        const unsigned char *key = p + header;
        for (std::size_t i = 0; i < size; ++i)
            QCOMPARE(char(p[header + 4 + i] ^ key[i % 4]), payload[i]);
    }
    // Server frames: unmasked; a masked one, reserved bits or a long control frame are refused.
    WsFrame::Header h;
    const char *why = nullptr;
    const std::string ok("\x81\x03"
                         "abc",
                         5);
    QCOMPARE(WsFrame::parseHeader(ok.data(), ok.size(), &h, &why), WsFrame::ParseResult::Complete);
    QCOMPARE(h.payloadBytes, std::uint64_t(3));
    QCOMPARE(WsFrame::parseHeader(ok.data(), 4, &h, &why), WsFrame::ParseResult::NeedMore);
    const std::string masked("\x81\x83"
                             "abcdxyz",
                             9);
    QCOMPARE(WsFrame::parseHeader(masked.data(), masked.size(), &h, &why),
             WsFrame::ParseResult::Invalid);
    const std::string rsv("\xC1\x00", 2);
    QCOMPARE(WsFrame::parseHeader(rsv.data(), rsv.size(), &h, &why), WsFrame::ParseResult::Invalid);
    const std::string fragmentedPing("\x09\x00", 2);
    QCOMPARE(WsFrame::parseHeader(fragmentedPing.data(), 2, &h, &why),
             WsFrame::ParseResult::Invalid);
    // RFC 6455 section 1.3's example key and answer.
    QCOMPARE(WsFrame::acceptFor("dGhlIHNhbXBsZSBub25jZQ=="),
             std::string("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
}

void tst_LoadTest::fragmentsPingsAndClose()
{
    FragmentingPeer peer;
    QProcess p;
    p.start(QStringLiteral(LOADTEST_PATH),
            {QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:%1/ws").arg(peer.port()),
             QStringLiteral("--protocol"), QStringLiteral("bench"), QStringLiteral("--test-type"),
             QStringLiteral("echo"), QStringLiteral("--connections"), QStringLiteral("2"),
             QStringLiteral("--rate"), QStringLiteral("20"), QStringLiteral("--duration"),
             QStringLiteral("0.5"), QStringLiteral("--payload-bytes"), QStringLiteral("200"),
             QStringLiteral("--json")});
    // The peer lives on this thread: keep the event loop turning while the tool runs.
    QTRY_VERIFY_WITH_TIMEOUT(p.state() == QProcess::NotRunning, 60000);
    const QByteArray err = p.readAllStandardError();
    QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, err.constData());
    const QJsonObject o = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
    QCOMPARE(o[QStringLiteral("sent")].toInt(), 10);
    QCOMPARE(o[QStringLiteral("delivered")].toInt(), 10); // reassembled from three fragments each
    QCOMPARE(o[QStringLiteral("errors")].toInt(), 0);
    QCOMPARE(peer.echoes, 12); // 10 + one warm-up per connection
    QCOMPARE(peer.unmaskedFrames, 0);
    QTRY_COMPARE(peer.pongsMatching, 12);
    QCOMPARE(peer.pongsWrong, 0);
    QTRY_COMPARE(peer.closes, 2); // the tool closes with 1000
}

QTEST_GUILESS_MAIN(tst_LoadTest)
#include "tst_loadtest.moc"
