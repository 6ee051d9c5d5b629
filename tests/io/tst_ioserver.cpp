// SPDX-License-Identifier: MIT
// The native transport end to end over loopback: real QWebSocket clients and raw sockets
// against IoServer's epoll threads: upgrade, refusal, hand-over of plain HTTP, echo, fan-out
// over two threads, close handshakes both ways, protocol violations and slow consumers.
#include "io/ioserver.h"
#include "io/sendbatch.h"
#include "io/wsprotocol.h"

#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QUrlQuery>
#include <QWebSocket>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Switchboard::Io;

namespace {

// The logic thread's side: drains the I/O threads' events on the Qt event loop and echoes.
class Pump : public QObject
{
    Q_OBJECT

public:
    explicit Pump(int threads, Limits limits = {})
        : server(threads, limits, &Pump::decide,
                 [this] { QMetaObject::invokeMethod(this, &Pump::drain, Qt::QueuedConnection); })
    { }

    static Verdict decide(const UpgradeRequest &request, const QHostAddress &)
    {
        Verdict verdict;
        if (!request.wantsWebSocket()) {
            verdict.kind = Verdict::HandOff;
            return verdict;
        }
        const QByteArray problem = request.upgradeProblem();
        const QUrlQuery query(QString::fromUtf8(request.query));
        if (!problem.isEmpty()) {
            verdict.body = problem;
        } else if (query.queryItemValue(QStringLiteral("token")) != QLatin1StringView("good")) {
            verdict.status = 401;
            verdict.reason = QByteArrayLiteral("Unauthorized");
            verdict.body = QByteArrayLiteral(R"({"error":{"code":"UNAUTHORIZED"}})");
        } else {
            verdict.kind = Verdict::Accept;
            verdict.context
                = std::make_shared<QString>(query.queryItemValue(QStringLiteral("who")));
        }
        return verdict;
    }

    void drain()
    {
        if (hold)
            return; // a busy logic thread: the events wait in the I/O threads
        std::vector<IoEvent> events = server.takeEvents();
        lastTakenBytes = 0;
        for (const IoEvent &event : events)
            lastTakenBytes += event.data.size();
        for (IoEvent &event : events) {
            switch (event.kind) {
            case IoEvent::Opened:
                open << event.id;
                names[event.id] = *std::static_pointer_cast<QString>(event.context);
                queued[event.id] = event.queued;
                flows[event.id] = event.flow;
                break;
            case IoEvent::Message:
                messages << event.data;
                if (echo)
                    server.send(event.id, event.binary ? Ws::BINARY : Ws::TEXT,
                                "echo:" + event.data);
                break;
            case IoEvent::Pong:
                pongs << event.data;
                break;
            case IoEvent::Closed:
                open.removeOne(event.id);
                closed << qMakePair(event.id, event.code);
                break;
            case IoEvent::HandedOff:
                handedOff << event.fd;
                break;
            case IoEvent::CloseRequested:
                // Whatever the frames before it caused is queued by now: close behind it.
                server.close(event.id, event.code, event.data);
                break;
            case IoEvent::Drained:
                ++drained;
                break;
            }
        }
    }

    IoServer server;
    QList<ConnectionId> open;
    QHash<ConnectionId, QString> names;
    QHash<ConnectionId, std::shared_ptr<std::atomic<qint64>>> queued;
    QList<QByteArray> messages;
    QList<QByteArray> pongs;
    QList<QPair<ConnectionId, quint16>> closed;
    QList<int> handedOff;
    int drained = 0;
    QHash<ConnectionId, std::shared_ptr<Flow>> flows;
    bool echo = true;
    bool hold = false;
    qint64 lastTakenBytes = 0; // payload bytes of the last takeEvents()
};

QUrl wsUrl(quint16 port, const QString &token, const QString &who = QString())
{
    return QUrl(QStringLiteral("ws://127.0.0.1:%1/ws?token=%2&who=%3").arg(port).arg(token, who));
}

// An upgrade request with a good token, as a raw client sends it.
QByteArray upgradeRequest(const char *who)
{
    return QByteArray("GET /ws?token=good&who=") + who
        + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

// A raw client that did the upgrade by hand, for frames no polite client sends.
std::unique_ptr<QTcpSocket> rawUpgrade(quint16 port)
{
    auto socket = std::make_unique<QTcpSocket>();
    socket->connectToHost(QHostAddress::LocalHost, port);
    if (!socket->waitForConnected(5000))
        return nullptr;
    socket->write(upgradeRequest("raw"));
    QByteArray head;
    while (!head.contains("\r\n\r\n")) {
        if (!socket->waitForReadyRead(5000))
            return nullptr;
        head += socket->readAll();
    }
    if (!head.startsWith("HTTP/1.1 101"))
        return nullptr;
    return socket;
}

QByteArray masked(quint8 firstByte, const QByteArray &payload)
{
    QByteArray out;
    out.append(char(firstByte));
    out.append(char(0x80 | payload.size())); // short payloads only
    const quint32 mask = 0x5A5A1234;
    out.append(reinterpret_cast<const char *>(&mask), 4);
    QByteArray body = payload;
    Ws::unmask(body.data(), body.size(), mask);
    return out + body;
}

// Listens, and opens one raw client past its upgrade, once the owner saw it open; the pump
// echoes nothing. nullptr on failure.
std::unique_ptr<QTcpSocket> listenWithOneRawClient(Pump &pump)
{
    pump.echo = false;
    QString error;
    if (!pump.server.listen(QHostAddress::LocalHost, 0, 128, &error)) {
        qWarning() << error;
        return nullptr;
    }
    auto raw = rawUpgrade(pump.server.port());
    if (!raw || !QTest::qWaitFor([&] { return pump.open.size() == 1; }, 5000))
        return nullptr;
    return raw;
}

// A masked client frame with a payload of up to 65535 bytes.
QByteArray maskedFrame(quint8 firstByte, const QByteArray &payload)
{
    QByteArray out;
    out.append(char(firstByte));
    out.append(char(0x80 | 126));
    out.append(char(payload.size() >> 8));
    out.append(char(payload.size() & 0xFF));
    const quint32 mask = 0x5A5A1234;
    out.append(reinterpret_cast<const char *>(&mask), 4);
    QByteArray body = payload;
    Ws::unmask(body.data(), body.size(), mask);
    return out + body;
}

// Reads from a raw socket until it closes; returns the close code of the server's close frame.
int serverCloseCode(QTcpSocket &socket)
{
    QByteArray all;
    QElapsedTimer timer;
    timer.start();
    while (socket.state() == QAbstractSocket::ConnectedState && timer.elapsed() < 5000) {
        QTest::qWait(20); // the event loop runs: the pump answers CloseRequested
        all += socket.readAll();
    }
    all += socket.readAll();
    const qsizetype at = all.indexOf(char(0x88));
    if (at < 0 || all.size() < at + 4)
        return -1;
    return (quint8(all[at + 2]) << 8) | quint8(all[at + 3]);
}

// Reads from a raw socket until the server closes it; returns the server's frames in order.
QList<QPair<quint8, QByteArray>> serverFrames(QTcpSocket &socket)
{
    QByteArray all;
    QElapsedTimer timer;
    timer.start();
    while (socket.state() == QAbstractSocket::ConnectedState && timer.elapsed() < 5000) {
        QTest::qWait(20); // the event loop runs: the pump answers CloseRequested
        all += socket.readAll();
    }
    all += socket.readAll();
    QList<QPair<quint8, QByteArray>> frames;
    qsizetype at = 0;
    while (at + 2 <= all.size()) {
        qsizetype length = quint8(all[at + 1]) & 0x7F, header = 2;
        if (length == 126) {
            length = (quint8(all[at + 2]) << 8) | quint8(all[at + 3]);
            header = 4;
        }
        if (at + header + length > all.size())
            break;
        frames.append({quint8(all[at]) & 0x0F, all.mid(at + header, length)});
        at += header + length;
    }
    return frames;
}

} // namespace

class tst_IoServer : public QObject
{
    Q_OBJECT

private slots:
    void echoOverRealWebSockets();
    void refusedBeforeUpgrade();
    void plainHttpHandedOverUntouched();
    void fanOutOverTwoThreads();
    void serverClosesWithCode();
    void clientClosesWithCode();
    void messagesThenHangUp();
    void pingPongBothWays();
    void protocolViolations();
    void framesBeforeACloseAreAnswered_data();
    void framesBeforeACloseAreAnswered();
    void invalidUtf8FailsFast_data();
    void invalidUtf8FailsFast();
    void oversizedAndFragmented();
    void slowConsumerDropped();
    void inputHeldBackWhileTheOwnerIsBusy();
    void writtenAndDrained();
    void deadlines();
    void sendBatchHandsOverAtTheEnd();
};

void tst_IoServer::echoOverRealWebSockets()
{
    Pump pump(1);
    QString error;
    QVERIFY2(pump.server.listen(QHostAddress::LocalHost, 0, 128, &error), qPrintable(error));
    QWebSocket client;
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    QSignalSpy binaries(&client, &QWebSocket::binaryMessageReceived);
    client.open(wsUrl(pump.server.port(), QStringLiteral("good"), QStringLiteral("ann")));
    QTRY_COMPARE(client.state(), QAbstractSocket::ConnectedState);
    QTRY_COMPARE(pump.open.size(), 1);
    QCOMPARE(pump.names.value(pump.open.first()), QStringLiteral("ann"));
    client.sendTextMessage(QStringLiteral("你好"));
    client.sendBinaryMessage(QByteArray("\x00\x01", 2));
    QTRY_COMPARE(texts.size(), 1);
    QCOMPARE(texts.first().first().toString(), QStringLiteral("echo:你好"));
    QTRY_COMPARE(binaries.size(), 1);
    QCOMPARE(binaries.first().first().toByteArray(), QByteArray("echo:\x00\x01", 7));
    // A 60 KiB message (16-bit then 64-bit length forms on the way back).
    client.sendTextMessage(QString(60 * 1024, QLatin1Char('z')));
    QTRY_COMPARE(texts.size(), 2);
    QCOMPARE(texts.last().first().toString().size(), 60 * 1024 + 5);
    // A burst far larger than the socket buffers: partial writes resume in the middle of
    // headers and payloads, and every frame arrives whole and in order.
    texts.clear();
    const ConnectionId id = pump.open.first();
    for (int i = 0; i < 150; ++i) {
        const int size = i % 3 == 0 ? 70000 + i : (i % 3 == 1 ? 125 : 40000 + i);
        pump.server.send(id, Ws::TEXT, QByteArray(size, char('a' + i % 26)));
    }
    QTRY_COMPARE_WITH_TIMEOUT(texts.size(), 150, 20000);
    for (int i = 0; i < 150; ++i) {
        const int size = i % 3 == 0 ? 70000 + i : (i % 3 == 1 ? 125 : 40000 + i);
        QCOMPARE(texts.at(i).first().toString(), QString(size, QLatin1Char(char('a' + i % 26))));
    }
}

void tst_IoServer::refusedBeforeUpgrade()
{
    Pump pump(1);
    QString error;
    QVERIFY2(pump.server.listen(QHostAddress::LocalHost, 0, 128, &error), qPrintable(error));
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, pump.server.port());
    QVERIFY(socket.waitForConnected(5000));
    socket.write("GET /ws?token=bad HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                 "Sec-WebSocket-Version: 13\r\n\r\n");
    QByteArray reply;
    while (socket.waitForReadyRead(5000))
        reply += socket.readAll();
    QVERIFY2(reply.startsWith("HTTP/1.1 401 Unauthorized\r\n"), reply.constData());
    QVERIFY(reply.endsWith(R"({"error":{"code":"UNAUTHORIZED"}})"));
    QCOMPARE(socket.state(), QAbstractSocket::UnconnectedState); // closed after the answer
    QVERIFY(pump.open.isEmpty());
    QVERIFY(pump.closed.isEmpty()); // never opened, so never reported

    // A QWebSocket client sees the refusal as an error, never as a connection.
    QWebSocket client;
    QSignalSpy connected(&client, &QWebSocket::connected);
    client.open(wsUrl(pump.server.port(), QStringLiteral("bad")));
    QTRY_COMPARE(client.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(connected.size(), 0);
}

void tst_IoServer::plainHttpHandedOverUntouched()
{
    Pump pump(1);
    QString error;
    QVERIFY2(pump.server.listen(QHostAddress::LocalHost, 0, 128, &error), qPrintable(error));
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, pump.server.port());
    QVERIFY(client.waitForConnected(5000));
    const QByteArray request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    client.write(request);
    QTRY_COMPARE(pump.handedOff.size(), 1);
    QCOMPARE(pump.server.connectionCount(), 0);
    // The logic thread owns the socket now, with the request still unread in it.
    QTcpSocket served;
    QVERIFY(served.setSocketDescriptor(pump.handedOff.first()));
    QTRY_COMPARE(served.bytesAvailable(), qint64(request.size()));
    QCOMPARE(served.readAll(), request);
    served.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    QVERIFY(served.waitForBytesWritten(5000));
    served.disconnectFromHost();
    QByteArray reply;
    while (client.waitForReadyRead(5000))
        reply += client.readAll();
    QVERIFY2(reply.endsWith("\r\n\r\nok"), reply.constData());

    // Not HTTP at all (a TLS ClientHello): handed over at the first byte, for the TLS server.
    QTcpSocket tls;
    tls.connectToHost(QHostAddress::LocalHost, pump.server.port());
    QVERIFY(tls.waitForConnected(5000));
    tls.write(QByteArray("\x16\x03\x01\x02\x00\x01", 6));
    QTRY_COMPARE(pump.handedOff.size(), 2);
    QTcpSocket servedTls;
    QVERIFY(servedTls.setSocketDescriptor(pump.handedOff.last()));
    QTRY_COMPARE(servedTls.bytesAvailable(), qint64(6));
}

void tst_IoServer::fanOutOverTwoThreads()
{
    Pump pump(2);
    QString error;
    QVERIFY2(pump.server.listen(QHostAddress::LocalHost, 0, 128, &error), qPrintable(error));
    constexpr int CLIENTS = 60;
    std::vector<std::unique_ptr<QWebSocket>> clients;
    int received = 0;
    for (int i = 0; i < CLIENTS; ++i) {
        clients.push_back(std::make_unique<QWebSocket>());
        connect(clients.back().get(), &QWebSocket::textMessageReceived, this,
                [&received](const QString &text) {
                    if (text == QLatin1StringView("to everyone"))
                        ++received;
                });
        clients.back()->open(wsUrl(pump.server.port(), QStringLiteral("good")));
    }
    QTRY_COMPARE_WITH_TIMEOUT(pump.open.size(), CLIENTS, 10000);
    // A second server cannot take the port (no SO_REUSEPORT sharing with strangers).
    Pump intruder(1);
    QVERIFY(!intruder.server.listen(QHostAddress::LocalHost, pump.server.port(), 128, &error));
    QVERIFY2(error.contains(QLatin1StringView("bind")), qPrintable(error));
    // Both threads got a share (the accepting thread deals connections round-robin).
    QSet<int> threads;
    for (ConnectionId id : pump.open)
        threads.insert(IoThread::threadOf(id));
    QCOMPARE(threads.size(), 2);
    // One encoding, shared by every connection.
    const QByteArray payload("to everyone");
    for (ConnectionId id : pump.open)
        pump.server.send(id, Ws::TEXT, payload);
    QTRY_COMPARE_WITH_TIMEOUT(received, CLIENTS, 10000);
}

void tst_IoServer::serverClosesWithCode()
{
    Pump pump(1);
    QString error;
    QVERIFY2(pump.server.listen(QHostAddress::LocalHost, 0, 128, &error), qPrintable(error));
    QWebSocket client;
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    client.open(wsUrl(pump.server.port(), QStringLiteral("good")));
    QTRY_COMPARE(pump.open.size(), 1);
    const ConnectionId id = pump.open.first();
    // The frame queued before the close arrives before it.
    pump.server.send(id, Ws::TEXT, QByteArray("last words"));
    pump.server.close(id, 4001, "token expired");
    QTRY_COMPARE(client.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(texts.size(), 1);
    QCOMPARE(int(client.closeCode()), 4001);
    QCOMPARE(client.closeReason(), QStringLiteral("token expired"));
    QTRY_COMPARE(pump.closed.size(), 1);
    QCOMPARE(pump.closed.first(), qMakePair(id, quint16(4001)));
    QCOMPARE(pump.server.connectionCount(), 0);
    pump.server.send(id, Ws::TEXT, QByteArray("nobody")); // a gone id is ignored
}

void tst_IoServer::clientClosesWithCode()
{
    Pump pump(1);
    QString error;
    QVERIFY2(pump.server.listen(QHostAddress::LocalHost, 0, 128, &error), qPrintable(error));
    QWebSocket client;
    client.open(wsUrl(pump.server.port(), QStringLiteral("good")));
    QTRY_COMPARE(pump.open.size(), 1);
    client.close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("bye"));
    QTRY_COMPARE(pump.closed.size(), 1);
    QCOMPARE(pump.closed.first().second, quint16(1001));
    QTRY_COMPARE(client.state(), QAbstractSocket::UnconnectedState);
    QTRY_COMPARE(pump.server.connectionCount(), 0);

    // A client that just goes away is reported with 1006.
    auto raw = rawUpgrade(pump.server.port());
    QVERIFY(raw);
    QTRY_COMPARE(pump.open.size(), 1);
    raw->abort();
    QTRY_COMPARE(pump.closed.size(), 2);
    QCOMPARE(pump.closed.last().second, quint16(1006));
}

void tst_IoServer::messagesThenHangUp()
{
    // Frames and the client's FIN arriving together: a read shorter than the buffer usually
    // ends a read round, but with the hang-up reported the I/O thread reads on until it sees
    // the end, so the frames are delivered and the connection closed, not left open.
    Pump pump(1);
    pump.echo = false;
    QString error;
    QVERIFY2(pump.server.listen(QHostAddress::LocalHost, 0, 128, &error), qPrintable(error));
    QList<QByteArray> expected;
    for (int round = 0; round < 5; ++round) {
        auto raw = rawUpgrade(pump.server.port());
        QVERIFY(raw);
        QTRY_COMPARE(pump.open.size(), 1);
        const QByteArray one = "one " + QByteArray::number(round);
        const QByteArray two = "two " + QByteArray::number(round);
        raw->write(masked(0x81, one) + masked(0x81, two));
        QVERIFY(raw->flush());
        QCOMPARE(::shutdown(int(raw->socketDescriptor()), SHUT_WR), 0);
        expected << one << two;
        QTRY_COMPARE(pump.closed.size(), round + 1);
        QCOMPARE(pump.closed.last().second, quint16(1006));
        QCOMPARE(pump.messages, expected);
        QTRY_COMPARE(pump.server.connectionCount(), 0);
    }
}

void tst_IoServer::pingPongBothWays()
{
    Pump pump(1);
    QString error;
    QVERIFY2(pump.server.listen(QHostAddress::LocalHost, 0, 128, &error), qPrintable(error));
    QWebSocket client;
    QSignalSpy pongs(&client, &QWebSocket::pong);
    client.open(wsUrl(pump.server.port(), QStringLiteral("good")));
    QTRY_COMPARE(pump.open.size(), 1);
    client.ping("abc"); // answered by the I/O thread itself
    QTRY_COMPARE(pongs.size(), 1);
    QCOMPARE(pongs.first().at(1).toByteArray(), QByteArray("abc"));
    // The server's heartbeat ping: QWebSocket answers, the pong comes back as an event.
    pump.server.send(pump.open.first(), Ws::PING, QByteArray("hb-1"));
    QTRY_COMPARE(pump.pongs.size(), 1);
    QCOMPARE(pump.pongs.first(), QByteArray("hb-1"));
}

void tst_IoServer::protocolViolations()
{
    Pump pump(1);
    QString error;
    QVERIFY2(pump.server.listen(QHostAddress::LocalHost, 0, 128, &error), qPrintable(error));
    struct Case
    {
        const char *name;
        QByteArray bytes;
        int code;
    };
    const QList<Case> cases {
        {"unmasked", QByteArray("\x81\x02hi", 4), 1002},
        {"invalid utf-8", masked(0x81, "\xC0\xAF"), 1007},
        {"stray continuation", masked(0x80, "x"), 1002},
        {"bad close code", masked(0x88, QByteArray("\x03\xED", 2)), 1002},
    };
    for (const Case &c : cases) {
        auto raw = rawUpgrade(pump.server.port());
        QVERIFY2(raw, c.name);
        raw->write(c.bytes);
        QCOMPARE(serverCloseCode(*raw), c.code);
    }
    QTRY_COMPARE(pump.closed.size(), cases.size());
    QVERIFY(pump.messages.isEmpty());
    // Still serving.
    QWebSocket client;
    QSignalSpy texts(&client, &QWebSocket::textMessageReceived);
    client.open(wsUrl(pump.server.port(), QStringLiteral("good")));
    QTRY_COMPARE(client.state(), QAbstractSocket::ConnectedState);
    client.sendTextMessage(QStringLiteral("fine"));
    QTRY_COMPARE(texts.size(), 1);
}

void tst_IoServer::framesBeforeACloseAreAnswered_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("code");
    const QByteArray first = masked(0x81, "a") + masked(0x89, "p") + masked(0x82, "b");
    QTest::newRow("reserved bits") << first + masked(0xC1, "x") << 1002;
    QTest::newRow("reserved opcode") << first + masked(0x83, "") << 1002;
    QTest::newRow("unmasked") << first + QByteArray("\x81\x01x", 3) << 1002;
    QTest::newRow("stray continuation") << first + masked(0x80, "x") << 1002;
    QTest::newRow("invalid utf-8") << first + masked(0x81, "\xC0\xAF") << 1007;
    QTest::newRow("bad close code") << first + masked(0x88, QByteArray("\x03\xED", 2)) << 1002;
    QTest::newRow("the client's close") << first + masked(0x88, QByteArray("\x03\xE8", 2)) << 1000;
    QTest::newRow("empty close") << first + masked(0x88, QByteArray()) << 1000;
}

// Autobahn 3.2-3.4, 4.1.3-4.2.5, 5.15 and 7.1.1: complete frames that arrived before a
// violation (or the client's close) are answered first, then the close frame goes out.
void tst_IoServer::framesBeforeACloseAreAnswered()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, code);
    Pump pump(1);
    QString error;
    QVERIFY2(pump.server.listen(QHostAddress::LocalHost, 0, 128, &error), qPrintable(error));
    auto raw = rawUpgrade(pump.server.port());
    QVERIFY(raw);
    raw->write(bytes);
    const auto frames = serverFrames(*raw);
    QCOMPARE(frames.size(), 4);
    // The I/O thread answers the ping itself, the owner the messages: both before the close.
    QCOMPARE(frames.at(0), qMakePair(quint8(Ws::PONG), QByteArray("p")));
    QCOMPARE(frames.at(1), qMakePair(quint8(Ws::TEXT), QByteArray("echo:a")));
    QCOMPARE(frames.at(2), qMakePair(quint8(Ws::BINARY), QByteArray("echo:b")));
    QCOMPARE(frames.at(3).first, quint8(Ws::CLOSE));
    QCOMPARE((quint8(frames.at(3).second[0]) << 8) | quint8(frames.at(3).second[1]), code);
    QTRY_COMPARE(pump.closed.size(), 1);
    QCOMPARE(pump.closed.first().second, quint16(code));
}

void tst_IoServer::invalidUtf8FailsFast_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("code");
    QTest::addColumn<QByteArray>("message");
    // The rest of the message never comes: the bad byte alone must fail the connection.
    QTest::newRow("bad fragment, message unfinished")
        << masked(0x01, "\xCE\xBA") + masked(0x00, "\xC0") << 1007 << QByteArray();
    QByteArray partial = masked(0x81, QByteArray("ab\xED\xA0\x80", 5) + QByteArray(20, 'c'));
    partial.chop(20);
    QTest::newRow("bad bytes, frame unfinished") << partial << 1007 << QByteArray();
    QByteArray cut = masked(0x01, "\xCE") + masked(0x89, "") + masked(0x80, "\xBA");
    QTest::newRow("character cut across fragments") << cut << 0 << QByteArray("echo:\xCE\xBA");
    QTest::newRow("message ends inside a character")
        << masked(0x01, "\xCE") + masked(0x80, "") << 1007 << QByteArray();
}

// Autobahn 6.4.1-6.4.4: invalid UTF-8 fails the connection at the first bad byte, even in a
// partial frame or an unfinished message, while a character cut across fragments is fine.
void tst_IoServer::invalidUtf8FailsFast()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, code);
    QFETCH(QByteArray, message);
    Pump pump(1);
    QString error;
    QVERIFY2(pump.server.listen(QHostAddress::LocalHost, 0, 128, &error), qPrintable(error));
    auto raw = rawUpgrade(pump.server.port());
    QVERIFY(raw);
    raw->write(bytes);
    if (code) {
        QCOMPARE(serverCloseCode(*raw), code);
        QVERIFY(pump.messages.isEmpty());
        return;
    }
    QByteArray got;
    QTRY_VERIFY((got += raw->readAll()).contains(message));
}

void tst_IoServer::oversizedAndFragmented()
{
    Limits limits;
    limits.maxFrameBytes = 1024;
    limits.maxMessageBytes = 2048;
    Pump pump(1, limits);
    QString error;
    QVERIFY2(pump.server.listen(QHostAddress::LocalHost, 0, 128, &error), qPrintable(error));
    // Fragments within the limits are joined, with a ping in between.
    auto raw = rawUpgrade(pump.server.port());
    QVERIFY(raw);
    raw->write(masked(0x01, "hel") + masked(0x89, "p") + masked(0x00, "lo ") + masked(0x80, "you"));
    QTRY_COMPARE(pump.messages.size(), 1);
    QCOMPARE(pump.messages.first(), QByteArray("hello you"));
    // One frame over the frame limit: 1009.
    QWebSocket big;
    big.open(wsUrl(pump.server.port(), QStringLiteral("good")));
    QTRY_COMPARE(big.state(), QAbstractSocket::ConnectedState);
    big.sendTextMessage(QString(1500, QLatin1Char('b')));
    QTRY_COMPARE(big.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(int(big.closeCode()), 1009);
    // Fragments adding up past the message limit: 1009 too.
    auto raw2 = rawUpgrade(pump.server.port());
    QVERIFY(raw2);
    const QByteArray piece(100, 'f');
    QByteArray frames = masked(0x01, piece);
    for (int i = 0; i < 25; ++i)
        frames += masked(0x00, piece);
    raw2->write(frames);
    QCOMPARE(serverCloseCode(*raw2), 1009);
    QCOMPARE(pump.messages.size(), 1);
}

void tst_IoServer::slowConsumerDropped()
{
    Limits limits;
    limits.maxQueueBytes = 256 * 1024;
    limits.slowConsumerCode = 4009;
    Pump pump(1, limits);
    auto raw = listenWithOneRawClient(pump); // a client that never reads
    QVERIFY(raw);
    const ConnectionId id = pump.open.first();
    const QByteArray payload(60000, 's');
    // Far more than loopback socket buffers hold: the queue grows past the limit.
    for (int i = 0; i < 1000 && pump.closed.isEmpty(); ++i) {
        pump.server.send(id, Ws::TEXT, payload);
        if (i % 50 == 0)
            QTest::qWait(5);
    }
    QTRY_COMPARE_WITH_TIMEOUT(pump.closed.size(), 1, 10000);
    QCOMPARE(pump.closed.first(), qMakePair(id, quint16(4009)));
    QCOMPARE(pump.queued.value(id)->load(), 0);
}

// A client that sends faster than the owner takes its events is held back by TCP: the I/O
// thread stops reading it past Limits::maxInputBytes until the owner has taken what was read,
// then reads on; every message arrives, in order.
void tst_IoServer::inputHeldBackWhileTheOwnerIsBusy()
{
    Limits limits;
    limits.maxInputBytes = 256 * 1024;
    Pump pump(1, limits);
    auto raw = listenWithOneRawClient(pump);
    QVERIFY(raw);
    pump.hold = true;
    const int frames = 300; // 18 MB: far more than the loopback socket buffers hold
    for (int i = 0; i < frames; ++i)
        raw->write(maskedFrame(0x81, QByteArray::number(i).leftJustified(60000, 'p')));
    QTest::qWait(1500); // the client writes what the kernel takes; the owner takes nothing
    QVERIFY2(raw->bytesToWrite() > 0, "the server read everything the client sent");
    pump.hold = false;
    pump.drain();
    // What was read while the owner was busy: the limit, the rest of the read that crossed it
    // (the I/O thread's 256 KiB buffer) and one frame.
    QVERIFY2(pump.lastTakenBytes > 0, "nothing was read");
    QVERIFY2(pump.lastTakenBytes <= limits.maxInputBytes + 256 * 1024 + 60000,
             qPrintable(QStringLiteral("%1 bytes waited for the owner").arg(pump.lastTakenBytes)));
    QTRY_COMPARE_WITH_TIMEOUT(pump.messages.size(), frames, 20000);
    for (int i = 0; i < frames; ++i)
        QVERIFY(pump.messages[i].startsWith(QByteArray::number(i) + 'p'));
    QVERIFY(pump.closed.isEmpty());
}

// Flow control: text bytes written are counted per connection, and one Drained event comes when
// the count reaches the mark the logic thread armed (never without one).
void tst_IoServer::writtenAndDrained()
{
    Pump pump(1, Limits {});
    pump.echo = false;
    QString error;
    QVERIFY2(pump.server.listen(QHostAddress::LocalHost, 0, 128, &error), qPrintable(error));
    auto raw = rawUpgrade(pump.server.port());
    QVERIFY(raw);
    QTRY_COMPARE(pump.open.size(), 1);
    const ConnectionId id = pump.open.first();
    std::shared_ptr<Flow> flow = pump.flows.value(id);
    QVERIFY(flow);
    pump.server.send(id, Ws::PING, QByteArray()); // not text: not counted
    pump.server.send(id, Ws::TEXT, QByteArray(1000, 'a'));
    QTRY_COMPARE(flow->written.load(), 1000);
    QTest::qWait(50);
    QCOMPARE(pump.drained, 0);
    flow->drainAt.store(3000);
    pump.server.send(id, Ws::TEXT, QByteArray(1000, 'b'));
    QTest::qWait(50);
    QCOMPARE(pump.drained, 0);
    pump.server.send(id, Ws::TEXT, QByteArray(1000, 'c'));
    QTRY_COMPARE(pump.drained, 1);
    QCOMPARE(flow->written.load(), 3000);
    QCOMPARE(flow->drainAt.load(), 0);
}

// Only connections with a deadline are swept: a silent TCP client is dropped when the upgrade
// times out, one that ignores our close frame when the close times out, while an open idle
// WebSocket stays, however long it is quiet.
void tst_IoServer::deadlines()
{
    Limits limits;
    limits.handshakeTimeoutMs = 400;
    limits.closeTimeoutMs = 400;
    Pump pump(1, limits);
    QString error;
    QVERIFY2(pump.server.listen(QHostAddress::LocalHost, 0, 128, &error), qPrintable(error));

    QWebSocket idle;
    idle.open(wsUrl(pump.server.port(), QStringLiteral("good"), QStringLiteral("idle")));
    QTRY_COMPARE_WITH_TIMEOUT(pump.open.size(), 1, 5000);

    QTcpSocket silent;
    silent.connectToHost(QHostAddress::LocalHost, pump.server.port());
    QVERIFY(silent.waitForConnected(5000));
    QElapsedTimer timer;
    timer.start();
    QTRY_COMPARE_WITH_TIMEOUT(silent.state(), QAbstractSocket::UnconnectedState, 5000);
    QVERIFY2(timer.elapsed() >= 300, qPrintable(QString::number(timer.elapsed())));

    // A client that never answers the close frame: a bare socket nobody reads (a QTcpSocket
    // would see the server's half-close and close too).
    const int deaf = ::socket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(deaf >= 0);
    sockaddr_in to {};
    to.sin_family = AF_INET;
    to.sin_port = htons(pump.server.port());
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::connect(deaf, reinterpret_cast<const sockaddr *>(&to), sizeof to), 0);
    const QByteArray upgrade = upgradeRequest("deaf");
    QCOMPARE(::write(deaf, upgrade.constData(), size_t(upgrade.size())), upgrade.size());
    QTRY_COMPARE_WITH_TIMEOUT(pump.open.size(), 2, 5000);
    const ConnectionId deafId = pump.names.key(QStringLiteral("deaf"));
    QVERIFY(deafId);
    pump.server.close(deafId, 4004, "bye");
    timer.restart();
    QTRY_VERIFY_WITH_TIMEOUT(!pump.open.contains(deafId), 5000);
    QVERIFY2(timer.elapsed() >= 300, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(pump.closed.last(), qMakePair(deafId, quint16(4004)));
    ::close(deaf);

    QTest::qWait(1000); // more than two deadlines' worth of sweeps
    QCOMPARE(idle.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(pump.open.size(), 1);
}

// Frames sent inside a SendBatch wait for its end, then go out in order; nested scopes hand
// over only when the outermost one ends.
void tst_IoServer::sendBatchHandsOverAtTheEnd()
{
    Pump pump(2);
    QString error;
    QVERIFY2(pump.server.listen(QHostAddress::LocalHost, 0, 128, &error), qPrintable(error));
    constexpr int CLIENTS = 4;
    std::vector<std::unique_ptr<QWebSocket>> clients;
    QList<QStringList> got(CLIENTS);
    for (int i = 0; i < CLIENTS; ++i) {
        clients.push_back(std::make_unique<QWebSocket>());
        connect(clients.back().get(), &QWebSocket::textMessageReceived, this,
                [&got, i](const QString &text) { got[i] << text; });
        clients.back()->open(wsUrl(pump.server.port(), QStringLiteral("good"), QString::number(i)));
    }
    QTRY_COMPARE_WITH_TIMEOUT(pump.open.size(), CLIENTS, 10000);
    {
        const SendBatch outer;
        {
            const SendBatch inner;
            for (int n = 0; n < 50; ++n)
                for (ConnectionId id : std::as_const(pump.open))
                    pump.server.send(id, Ws::TEXT, QByteArray::number(n));
        }
        QTest::qWait(300); // the inner end handed nothing over
        for (const QStringList &list : std::as_const(got))
            QVERIFY(list.isEmpty());
        for (ConnectionId id : std::as_const(pump.open))
            pump.server.send(id, Ws::TEXT, "last");
    }
    QStringList expected;
    for (int n = 0; n < 50; ++n)
        expected << QString::number(n);
    expected << QStringLiteral("last");
    for (int i = 0; i < CLIENTS; ++i)
        QTRY_COMPARE_WITH_TIMEOUT(got[i], expected, 10000);
}

QTEST_GUILESS_MAIN(tst_IoServer)
#include "tst_ioserver.moc"
