// SPDX-License-Identifier: MIT
// The same daemon behaviour over both WebSocket transports on plain TCP: the native epoll one
// (the default) and Qt's QWebSocket (native_transport=false, what TLS always uses): welcome,
// messages and acks, refusals before the upgrade, REST on the same port, heartbeat round trips,
// the operator's view of a connection, TCP_NODELAY on every accepted socket, and a drain at
// shutdown.
#include "testsupport.h"

#include "app/application.h"
#include "net/connectionmanager.h"
#include "protocol/protocol.h"

#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;

class tst_Transports : public QObject
{
    Q_OBJECT

private slots:
    void sameBehaviour_data();
    void sameBehaviour();
    void manyClientsFanOut_data() { sameBehaviour_data(); }
    void manyClientsFanOut();
};

void tst_Transports::sameBehaviour_data()
{
    QTest::addColumn<bool>("native");
    QTest::newRow("native") << true;
    QTest::newRow("qt") << false;
}

void tst_Transports::sameBehaviour()
{
    QFETCH(bool, native);
    TestServer server(QStringLiteral("sqlite"), [native](Config &c) {
        c.nativeTransport = native;
        c.ioThreads = 2;
        c.heartbeatIntervalMs = 200;
    });
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto alice = connectAs(server, 1, false, QStringLiteral("client=transport-test"));
    auto bob = connectAs(server, 2);
    QVERIFY(alice && bob);

    // Small replies leave at once: with Nagle's algorithm a reply waits for the ACK of the
    // previous one, which the client delays (a 10 ms p50 in the harness's echo at 10k/s).
    const AcceptedSockets accepted = acceptedSockets(server.port());
    QVERIFY2(accepted.total >= 2, qPrintable(QString::number(accepted.total)));
    QCOMPARE(accepted.withoutNoDelay, 0);

    const QJsonObject ack = request(
        *alice, "send",
        {{QStringLiteral("to"), 2}, {QStringLiteral("content"), QStringLiteral("héllo 你好")}},
        "ack");
    QVERIFY(num(ack, "message_id") > 0);
    const QJsonObject got = bob->waitFor(QStringLiteral("message"));
    QCOMPARE(str(got, "content"), QStringLiteral("héllo 你好"));

    // Refusals before any upgrade, and REST on the same port.
    QVERIFY(rawUpgrade(server.port(), "/ws?token=not-a-token").startsWith("HTTP/1.1 401"));
    QVERIFY(rawUpgrade(server.port(), "/elsewhere").startsWith("HTTP/1.1 404"));
    QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/healthz"))).status, 200);

    // What operators see of a connection: address, client, a measured round trip.
    const qint64 id = str(alice->events().first(), "connection_id").toLongLong();
    Session *session = server.app()->connections()->session(quint64(id));
    QVERIFY(session);
    QCOMPARE(session->client(), QStringLiteral("transport-test"));
    QVERIFY2(session->address().startsWith(QStringLiteral("127.0.0.1:")),
             qPrintable(session->address()));
    QTRY_VERIFY_WITH_TIMEOUT(session->lastRttMs() >= 0, 5000);
    QCOMPARE(session->queueBytes(), 0);

    // A malformed frame gets an error and the connection goes on.
    alice->sendRaw("{not json");
    QCOMPARE(errorCode(alice->waitFor(QStringLiteral("error"))), QStringLiteral("INVALID_JSON"));
    QVERIFY(!request(*alice, "ping", {}, "pong").isEmpty());

    // Shutdown drains: every client gets 1001.
    server.stop();
    QCOMPARE(alice->waitClosed(), Protocol::CloseCode::GOING_AWAY);
    QCOMPARE(bob->waitClosed(), Protocol::CloseCode::GOING_AWAY);
}

void tst_Transports::manyClientsFanOut()
{
    QFETCH(bool, native);
    TestServer server(QStringLiteral("sqlite"), [native](Config &c) {
        c.nativeTransport = native;
        c.ioThreads = 2;
        c.allowUserBroadcast = true;
    });
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    constexpr int CLIENTS = 40;
    std::vector<std::unique_ptr<WsClient>> clients;
    for (int i = 0; i < CLIENTS; ++i) {
        clients.push_back(connectAs(server, 100 + i));
        QVERIFY(clients.back());
    }
    for (int n = 0; n < 5; ++n) {
        QVERIFY(!request(*clients.front(), "broadcast",
                         {{QStringLiteral("content"), QStringLiteral("round %1").arg(n)}}, "ack")
                     .isEmpty());
    }
    // Everyone but the sender's connection gets all five, in order.
    for (int i = 1; i < CLIENTS; ++i) {
        QTRY_COMPARE_WITH_TIMEOUT(
            clients[size_t(i)]->eventsOfType(QStringLiteral("broadcast")).size(), 5, 10000);
        const auto events = clients[size_t(i)]->eventsOfType(QStringLiteral("broadcast"));
        for (int n = 0; n < 5; ++n)
            QCOMPARE(str(events[n], "content"), QStringLiteral("round %1").arg(n));
    }
}

QTEST_GUILESS_MAIN(tst_Transports)
#include "tst_transports.moc"
