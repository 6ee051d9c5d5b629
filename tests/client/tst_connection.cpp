// SPDX-License-Identifier: MIT
// The client library against a real in-process server: login, refusals that must not
// reconnect, request correlation, and reconnects that resume exactly where they stopped.
#include "connection.h"

#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;
using Client::Connection;
using Client::ConnectionOptions;

namespace {

const QByteArray API_KEY = QByteArrayLiteral("test-api-key-0123456789-abcdefghij");

qint64 createUser(TestServer &server, const QString &name, const QString &password)
{
    const HttpResult r = httpJson(
        "POST", server.httpUrl(QStringLiteral("/api/v1/users")),
        {{QStringLiteral("username"), name}, {QStringLiteral("password"), password}}, API_KEY);
    return r.status == 201 ? num(r.json, "user_id") : 0;
}

// The `content` of every direct message an event list holds, in arrival order.
QStringList contents(const QList<QJsonObject> &events)
{
    QStringList out;
    for (const QJsonObject &e : events) {
        if (str(e, "type") == QLatin1StringView("message"))
            out << str(e, "content");
    }
    return out;
}

} // namespace

class tst_Connection : public QObject
{
    Q_OBJECT

private slots:
    void loginAndCorrelation();
    void wrongPasswordDoesNotRetry();
    void expiredTokenLogsInAgain();
    void refusedTokenDoesNotRetry();
    void serverDownRetries();
    void silentServerTimesOut();
    void reconnectAfterDropResumes();
    void reopenResumesPastOtherDevice();
    void restOnSameServer();
};

void tst_Connection::loginAndCorrelation()
{
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    const qint64 alice
        = createUser(server, QStringLiteral("alice"), QStringLiteral("alice-pass-1"));
    QVERIFY(alice > 0);

    Connection c;
    ConnectionOptions o;
    o.url = server.wsUrl();
    o.username = QStringLiteral("alice");
    o.password = QStringLiteral("alice-pass-1");
    c.setOptions(o);
    QSignalSpy connectedSpy(&c, &Connection::connected);
    QSignalSpy pongs(&c, &Connection::pongReceived);
    QSignalSpy errors(&c, &Connection::errorReceived);
    QSignalSpy events(&c, &Connection::eventReceived);
    QCOMPARE(c.send({{QStringLiteral("type"), QStringLiteral("ping")}}), QString());
    c.open();
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.size(), 1, 10000);
    QCOMPARE(c.state(), Connection::State::Connected);
    QCOMPARE(c.userId(), alice);
    QVERIFY(!c.token().isEmpty());
    QCOMPARE(str(c.welcome().value(QStringLiteral("user")).toObject(), "name"),
             QStringLiteral("alice"));

    // Ids are added, kept when given, and come back on the answer.
    const QString pingId = c.send({{QStringLiteral("type"), QStringLiteral("ping")}});
    QVERIFY(!pingId.isEmpty());
    QTRY_COMPARE(pongs.size(), 1);
    QCOMPARE(pongs.at(0).at(0).toString(), pingId);
    QVERIFY(pongs.at(0).at(1).toDouble() >= 0);
    QCOMPARE(c.send({{QStringLiteral("type"), QStringLiteral("send")},
                     {QStringLiteral("id"), QStringLiteral("mine-7")},
                     {QStringLiteral("to"), QStringLiteral("nobody")},
                     {QStringLiteral("content"), QStringLiteral("x")}}),
             QStringLiteral("mine-7"));
    QTRY_COMPARE(errors.size(), 1);
    const QJsonObject error = errors.at(0).at(0).toJsonObject();
    QCOMPARE(str(error, "id"), QStringLiteral("mine-7"));
    QCOMPARE(errorCode(error), QStringLiteral("VALIDATION_ERROR"));
    // A raw frame as typed, seed 000's ping included, is timed like ours.
    QVERIFY(c.sendText(QStringLiteral(R"({"id":"raw1","message_type":"ping","data":{}})")));
    QTRY_COMPARE(pongs.size(), 2);
    QCOMPARE(pongs.at(1).at(0).toString(), QStringLiteral("raw1"));

    QSignalSpy disconnectedSpy(&c, &Connection::disconnected);
    c.close();
    QCOMPARE(c.state(), Connection::State::Disconnected);
    QCOMPARE(disconnectedSpy.size(), 1);
    QCOMPARE(c.send({{QStringLiteral("type"), QStringLiteral("ping")}}), QString());
}

void tst_Connection::wrongPasswordDoesNotRetry()
{
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    QVERIFY(createUser(server, QStringLiteral("bob"), QStringLiteral("bob-pass-12")) > 0);

    Connection c;
    ConnectionOptions o;
    o.url = server.wsUrl();
    o.username = QStringLiteral("bob");
    o.password = QStringLiteral("not-his-password");
    c.setOptions(o);
    QSignalSpy failed(&c, &Connection::failed);
    QSignalSpy retries(&c, &Connection::reconnectScheduled);
    c.open();
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10000);
    QVERIFY2(failed.at(0).at(0).toString().contains(QLatin1StringView("401")),
             qPrintable(failed.at(0).at(0).toString()));
    QCOMPARE(c.state(), Connection::State::Disconnected);
    QTest::qWait(1000); // longer than the first backoff (at most 625 ms)
    QCOMPARE(retries.size(), 0);
    QCOMPARE(failed.size(), 1);
}

void tst_Connection::expiredTokenLogsInAgain()
{
    // Tokens from this server live 3 s: the live connection is closed with 4002 (no leeway:
    // a live session ends at exp + token_leeway, like every other token check), and a
    // client that knows the password logs in again instead of giving up. (`exp` is in whole
    // seconds: a 1 s token could expire a few ms after the login, before its upgrade on a
    // slow sanitizer build, and a fresh token refused is rightly not retried.)
    TestServer server(QStringLiteral("sqlite"), [](Config &c) {
        c.tokenTtlSeconds = 3;
        c.tokenLeewaySeconds = 0;
    });
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    QVERIFY(createUser(server, QStringLiteral("erin"), QStringLiteral("erin-pass-1")) > 0);
    Connection c;
    ConnectionOptions o;
    o.url = server.wsUrl();
    o.username = QStringLiteral("erin");
    o.password = QStringLiteral("erin-pass-1");
    c.setOptions(o);
    QSignalSpy connectedSpy(&c, &Connection::connected);
    QSignalSpy disconnectedSpy(&c, &Connection::disconnected);
    QSignalSpy failed(&c, &Connection::failed);
    c.open();
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.size(), 1, 10000);
    const QString first = c.token();
    QTRY_COMPARE_WITH_TIMEOUT(disconnectedSpy.size(), 1, 10000);
    QCOMPARE(disconnectedSpy.at(0).at(0).toInt(), 4002);
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.size(), 2, 10000);
    QVERIFY(c.token() != first);
    QCOMPARE(failed.size(), 0);
    c.close();

    // With a bare token there is nothing to renew it with.
    Connection bare;
    o.username.clear();
    o.password.clear();
    o.token = QString::fromLatin1(server.token(9, {}, false, 1));
    bare.setOptions(o);
    QSignalSpy bareFailed(&bare, &Connection::failed);
    bare.open();
    QTRY_COMPARE_WITH_TIMEOUT(bareFailed.size(), 1, 10000);
    QCOMPARE(bare.state(), Connection::State::Disconnected);
    QVERIFY(bare.refused());
}

void tst_Connection::refusedTokenDoesNotRetry()
{
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));

    Connection c;
    ConnectionOptions o;
    o.url = server.wsUrl();
    o.token = QString::fromLatin1(server.token(5, {}, false, -120)); // expired
    c.setOptions(o);
    QSignalSpy failed(&c, &Connection::failed);
    QSignalSpy retries(&c, &Connection::reconnectScheduled);
    QSignalSpy connectedSpy(&c, &Connection::connected);
    c.open();
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10000);
    QVERIFY2(failed.at(0).at(0).toString().contains(QLatin1StringView("refused")),
             qPrintable(failed.at(0).at(0).toString()));
    QCOMPARE(c.state(), Connection::State::Disconnected);
    QVERIFY(c.refused());
    QTest::qWait(1000);
    QCOMPARE(retries.size(), 0);
    QCOMPARE(connectedSpy.size(), 0);
}

void tst_Connection::serverDownRetries()
{
    // A port nobody listens on: a network failure, retried with a growing delay.
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    const QUrl url = server.wsUrl();
    server.stop();

    Connection c;
    ConnectionOptions o;
    o.url = url;
    o.token = QStringLiteral("irrelevant");
    c.setOptions(o);
    QSignalSpy failed(&c, &Connection::failed);
    QSignalSpy retries(&c, &Connection::reconnectScheduled);
    c.open();
    QTRY_VERIFY_WITH_TIMEOUT(retries.size() >= 2, 10000);
    QCOMPARE(retries.at(0).at(0).toInt(), 1);
    QCOMPARE(retries.at(1).at(0).toInt(), 2);
    QVERIFY(!c.refused());
    QVERIFY(retries.at(0).at(1).toInt() >= 250 && retries.at(0).at(1).toInt() <= 750);
    QVERIFY(retries.at(1).at(1).toInt() >= 750);
    QVERIFY(failed.size() >= 2);
    QCOMPARE(c.state(), Connection::State::Reconnecting);
    c.close();
    QCOMPARE(c.state(), Connection::State::Disconnected);
}

void tst_Connection::silentServerTimesOut()
{
    // Accepts TCP, never upgrades: the attempt must fail by itself and be retried.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    Connection c;
    ConnectionOptions o;
    o.url = QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(silent.serverPort()));
    o.token = QStringLiteral("irrelevant");
    o.connectTimeoutMs = 300;
    c.setOptions(o);
    QSignalSpy failed(&c, &Connection::failed);
    QSignalSpy retries(&c, &Connection::reconnectScheduled);
    c.open();
    QTRY_COMPARE_WITH_TIMEOUT(retries.size(), 1, 10000);
    QCOMPARE(failed.size(), 1);
    QVERIFY2(failed.at(0).at(0).toString().contains(QLatin1StringView("No welcome")),
             qPrintable(failed.at(0).at(0).toString()));
    QCOMPARE(c.state(), Connection::State::Reconnecting);
    c.close();
}

void tst_Connection::reconnectAfterDropResumes()
{
    // A fixed port, so the restarted server is where the client left it.
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    TestServer server(QStringLiteral("sqlite"), [port](Config &c) { c.listenPort = port; });
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto alice = connectAs(server, 1);
    QVERIFY(alice);

    Connection bob;
    ConnectionOptions o;
    o.url = server.wsUrl();
    o.token = QString::fromLatin1(server.token(2));
    bob.setOptions(o);
    QList<QJsonObject> received;
    connect(&bob, &Connection::eventReceived, this,
            [&received](const QJsonObject &e) { received.append(e); });
    QSignalSpy connectedSpy(&bob, &Connection::connected);
    QSignalSpy disconnectedSpy(&bob, &Connection::disconnected);
    bob.open();
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.size(), 1, 10000);
    QVERIFY(!request(*alice, "send",
                     {{QStringLiteral("to"), 2}, {QStringLiteral("content"), QStringLiteral("m1")}},
                     "ack")
                 .isEmpty());
    QTRY_COMPARE(contents(received), QStringList {QStringLiteral("m1")});
    QCOMPARE(bob.positions().value(QStringLiteral("u:2")), 1);

    // A frame over the limits the welcome announced is refused here, not sent (the server
    // would close with 1009, and a reconnect must not send it again).
    QString refused;
    QVERIFY(!bob.sendText(QStringLiteral("{\"type\":\"ping\",\"pad\":\"%1\"}")
                              .arg(QString(70 * 1024, QLatin1Char('x'))),
                          &refused));
    QVERIFY2(refused.contains(QLatin1StringView("max_frame_bytes")), qPrintable(refused));
    QCOMPARE(bob.state(), Connection::State::Connected);

    // The server goes away; messages sent meanwhile arrive after the reconnect, once each
    // and in order.
    alice.reset();
    server.stop();
    QTRY_COMPARE_WITH_TIMEOUT(disconnectedSpy.size(), 1, 10000);
    QVERIFY(bob.state() == Connection::State::Reconnecting);
    QVERIFY2(server.start(&why), qPrintable(why));
    alice = connectAs(server, 1);
    QVERIFY(alice);
    for (int i = 2; i <= 4; ++i)
        alice->send(frame("send",
                          {{QStringLiteral("to"), 2},
                           {QStringLiteral("content"), QStringLiteral("m%1").arg(i)}}));
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.size(), 2, 10000);
    const QStringList expected {QStringLiteral("m1"), QStringLiteral("m2"), QStringLiteral("m3"),
                                QStringLiteral("m4")};
    QTRY_COMPARE_WITH_TIMEOUT(contents(received), expected, 10000);
    QTest::qWait(300);
    QCOMPARE(contents(received), expected);
    QCOMPARE(bob.positions().value(QStringLiteral("u:2")), 4);
    QCOMPARE(bob.state(), Connection::State::Connected);
}

void tst_Connection::reopenResumesPastOtherDevice()
{
    // Bob's phone stays online and receives everything, so the stored cursor moves on; only
    // our own positions can bring back what this client missed.
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto alice = connectAs(server, 1);
    auto phone = connectAs(server, 2);
    QVERIFY(alice && phone);

    Connection bob;
    ConnectionOptions o;
    o.url = server.wsUrl();
    o.token = QString::fromLatin1(server.token(2));
    bob.setOptions(o);
    QList<QJsonObject> received;
    connect(&bob, &Connection::eventReceived, this,
            [&received](const QJsonObject &e) { received.append(e); });
    QSignalSpy connectedSpy(&bob, &Connection::connected);
    bob.open();
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.size(), 1, 10000);
    QVERIFY(!request(*alice, "send",
                     {{QStringLiteral("to"), 2}, {QStringLiteral("content"), QStringLiteral("a")}},
                     "ack")
                 .isEmpty());
    QTRY_COMPARE(contents(received), QStringList {QStringLiteral("a")});

    bob.close();
    for (const char *text : {"b", "c"})
        QVERIFY(!request(*alice, "send",
                         {{QStringLiteral("to"), 2},
                          {QStringLiteral("content"), QLatin1StringView(text)}},
                         "ack")
                     .isEmpty());
    QTRY_COMPARE(contents(phone->events()).size(), 3);
    QTest::qWait(1500); // the phone's cursor is saved about once a second

    bob.open();
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.size(), 2, 10000);
    const QStringList expected {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};
    QTRY_COMPARE_WITH_TIMEOUT(contents(received), expected, 10000);
    QCOMPARE(bob.positions().value(QStringLiteral("u:2")), 3);
}

void tst_Connection::restOnSameServer()
{
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    Connection c;
    ConnectionOptions o;
    o.url = server.wsUrl(QString(), QStringLiteral("/ws"));
    o.token = QString::fromLatin1(server.token(9, QStringLiteral("ivy")));
    c.setOptions(o);
    QCOMPARE(c.httpUrl(QStringLiteral("/api/v1/online?limit=5")),
             server.httpUrl(QStringLiteral("/api/v1/online?limit=5")));
    QSignalSpy connectedSpy(&c, &Connection::connected);
    c.open();
    QTRY_COMPARE_WITH_TIMEOUT(connectedSpy.size(), 1, 10000);
    std::unique_ptr<QNetworkReply> reply(c.rest("GET", QStringLiteral("/api/v1/online")));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    const QJsonObject online = QJsonDocument::fromJson(reply->readAll()).object();
    QCOMPARE(online.value(QStringLiteral("users"))
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(QStringLiteral("username"))
                 .toString(),
             QStringLiteral("ivy"));
}

QTEST_GUILESS_MAIN(tst_Connection)
#include "tst_connection.moc"
