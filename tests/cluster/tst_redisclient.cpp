// SPDX-License-Identifier: MIT
// RedisClient against a real redis-server (scripts/with-redis.sh): URLs, replies, pub/sub,
// failing fast while disconnected, and coming back after the server restarts or kills it.
#include "cluster/redisclient.h"
#include "redistestsupport.h"

#include <memory>
#include <optional>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(Switchboard::RedisEndpoint)

namespace {

constexpr int REPLY_TIMEOUT_MS = 10000;
constexpr int RECONNECT_TIMEOUT_MS = 15000;

// Waits for the completion of one command; an error reply of its own when none comes.
RedisReply call(RedisClient &client, const QList<QByteArray> &args)
{
    auto result = std::make_shared<std::optional<RedisReply>>();
    client.command(args, [result](const RedisReply &reply) { *result = reply; });
    if (!QTest::qWaitFor([&] { return result->has_value(); }, REPLY_TIMEOUT_MS))
        return RedisReply::error("test: no reply within 10 s");
    return **result;
}

// A port nothing listens on (bound, then released).
quint16 closedPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost);
    return server.serverPort();
}

} // namespace

#define REQUIRE_REDIS()                                                                            \
    do {                                                                                           \
        if (!m_endpoint) {                                                                         \
            if (qEnvironmentVariableIntValue("SWITCHBOARD_REQUIRE_REDIS"))                         \
                QFAIL("SWITCHBOARD_REQUIRE_REDIS=1 but SWITCHBOARD_TEST_REDIS_URL is not set");    \
            QSKIP("Redis not available (run through scripts/with-redis.sh)");                      \
        }                                                                                          \
    } while (false)

#define VERIFY_REPLY(reply, expectedType)                                                          \
    QVERIFY2((reply).type == (expectedType), qPrintable((reply).toDebugString()))

class TestRedisClient : public QObject
{
    Q_OBJECT

private:
    std::optional<RedisEndpoint> m_endpoint;
    QByteArray m_prefix; // keys and channels of this run

    QByteArray key(const char *name) const { return m_prefix + name; }

    std::unique_ptr<RedisClient> makeClient(const RedisEndpoint &endpoint)
    {
        auto client = std::make_unique<RedisClient>(endpoint);
        client->setReconnectDelays(20ms, 300ms);
        return client;
    }

    std::unique_ptr<RedisClient> connectedClient()
    {
        auto client = makeClient(*m_endpoint);
        client->connectToServer();
        if (!QTest::qWaitFor([&] { return client->isConnected(); }, REPLY_TIMEOUT_MS))
            qWarning("not connected: %s", qPrintable(client->lastError()));
        return client;
    }

    bool serverListening() const { return redisListening(m_endpoint->port); }

    // Starts the with-redis server again, with its own options, on the same port.
    bool startServer() const { return restartTestRedis(); }

private slots:
    void initTestCase()
    {
        const QString url = qEnvironmentVariable("SWITCHBOARD_TEST_REDIS_URL");
        if (url.isEmpty())
            return;
        QString error;
        m_endpoint = RedisEndpoint::fromUrl(url, &error);
        QVERIFY2(m_endpoint, qPrintable(error));
        m_prefix
            = "tst_redisclient:" + QByteArray::number(QCoreApplication::applicationPid()) + ':';
    }

    // A test that stopped the server and failed before starting it again must not take the
    // following ones down with it.
    void cleanup()
    {
        if (m_endpoint && !serverListening())
            QVERIFY2(startServer(), "could not start the Redis server again");
    }

    void goodUrls_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<RedisEndpoint>("expected");
        const auto row = [](const char *name, const char *url, const char *host, quint16 port,
                            const char *path = "", QByteArray user = {}, QByteArray password = {},
                            int database = 0) {
            RedisEndpoint e;
            e.host = QString::fromUtf8(host);
            e.port = port;
            e.socketPath = QString::fromUtf8(path);
            e.username = user;
            e.password = password;
            e.database = database;
            QTest::newRow(name) << QString::fromUtf8(url) << e;
        };
        row("host:port", "redis://127.0.0.1:6380", "127.0.0.1", 6380);
        row("default port", "redis://redis.internal", "redis.internal", 6379);
        row("password and db", "redis://:s%40cret@10.0.0.5:7000/3", "10.0.0.5", 7000, "", {},
            "s@cret", 3);
        row("acl user", "redis://node:pw@localhost/0", "localhost", 6379, "", "node", "pw");
        row("ipv6", "redis://[::1]:6390", "::1", 6390);
        row("trailing slash", "REDIS://h:1/", "h", 1);
        row("unix", "unix:///run/redis/redis.sock", "", 0, "/run/redis/redis.sock");
    }

    void goodUrls()
    {
        QFETCH(QString, url);
        QString error;
        const std::optional<RedisEndpoint> endpoint = RedisEndpoint::fromUrl(url, &error);
        QVERIFY2(endpoint, qPrintable(error));
        QFETCH(RedisEndpoint, expected);
        QCOMPARE(endpoint->host, expected.host);
        QCOMPARE(endpoint->port, expected.port);
        QCOMPARE(endpoint->socketPath, expected.socketPath);
        QCOMPARE(endpoint->username, expected.username);
        QCOMPARE(endpoint->password, expected.password);
        QCOMPARE(endpoint->database, expected.database);
        if (!expected.password.isEmpty())
            QVERIFY(!endpoint->toDisplayString().contains(QString::fromUtf8(expected.password)));
    }

    void badUrls_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("why"); // words the error must contain
        const auto row = [](const char *name, const char *url, const char *why) {
            QTest::newRow(name) << QString::fromUtf8(url) << QString::fromUtf8(why);
        };
        row("empty", "", "empty");
        row("tls", "rediss://h:6380", "TLS");
        row("http", "http://h:6379", "scheme");
        row("no scheme", "127.0.0.1:6379", "redis://");
        row("no host", "redis://:6379", "host");
        row("port 0", "redis://h:0", "port");
        row("db not a number", "redis://h:6379/zero", "database");
        row("negative db", "redis://h:6379/-1", "database");
        row("db path", "redis://h:6379/0/1", "database");
        row("query", "redis://h:6379?db=1", "query");
        row("user without password", "redis://user@h:6379", "password");
        row("unix relative", "unix:redis.sock", "absolute");
        row("unix with host", "unix://h/redis.sock", "path only");
    }

    void badUrls()
    {
        QFETCH(QString, url);
        QFETCH(QString, why);
        QString error;
        QVERIFY(!RedisEndpoint::fromUrl(url, &error));
        QVERIFY2(error.contains(why, Qt::CaseInsensitive), qPrintable(error));
    }

    void binaryRoundTrip()
    {
        REQUIRE_REDIS();
        auto client = connectedClient();
        QVERIFY2(client->isConnected(), qPrintable(client->lastError()));
        const QByteArray small("a\0b\r\n\xff", 6);
        QByteArray large(1024 * 1024, '\0');
        for (qsizetype i = 0; i < large.size(); ++i)
            large[i] = char((i * 7919) % 251); // embedded NULs, every byte value but a few
        VERIFY_REPLY(call(*client, {"SET", key("small"), small}), RedisReply::Type::Status);
        VERIFY_REPLY(call(*client, {"SET", key("large"), large}), RedisReply::Type::Status);
        RedisReply got = call(*client, {"GET", key("small")});
        VERIFY_REPLY(got, RedisReply::Type::String);
        QCOMPARE(got.string, small);
        got = call(*client, {"GET", key("large")});
        VERIFY_REPLY(got, RedisReply::Type::String);
        QCOMPARE(got.string.size(), large.size());
        QVERIFY(got.string == large);
        // A key made of binary too.
        const QByteArray binaryKey = key("k") + QByteArray("\0\n", 2);
        VERIFY_REPLY(call(*client, {"SET", binaryKey, "v"}), RedisReply::Type::Status);
        QCOMPARE(call(*client, {"GET", binaryKey}).string, QByteArray("v"));
        QCOMPARE(call(*client, {"GET", key("k")}).type, RedisReply::Type::Nil);
    }

    void replyTypes()
    {
        REQUIRE_REDIS();
        auto client = connectedClient();
        QVERIFY2(client->isConnected(), qPrintable(client->lastError()));
        RedisReply reply = call(*client, {"INCR", key("counter")});
        VERIFY_REPLY(reply, RedisReply::Type::Integer);
        QCOMPARE(reply.integer, 1);
        QCOMPARE(call(*client, {"INCRBY", key("counter"), "41"}).integer, 42);

        QCOMPARE(call(*client, {"RPUSH", key("list"), "one", "two", "three"}).integer, 3);
        reply = call(*client, {"INCR", key("list")});
        VERIFY_REPLY(reply, RedisReply::Type::Error);
        QVERIFY2(reply.string.startsWith("WRONGTYPE"), reply.string.constData());

        reply = call(*client, {"LRANGE", key("list"), "0", "-1"});
        VERIFY_REPLY(reply, RedisReply::Type::Array);
        QCOMPARE(reply.elements.size(), 3);
        QCOMPARE(reply.elements.at(0).string, QByteArray("one"));
        QCOMPARE(reply.elements.at(2).string, QByteArray("three"));

        VERIFY_REPLY(call(*client, {"SET", key("a"), "A"}), RedisReply::Type::Status);
        reply = call(*client, {"MGET", key("a"), key("missing"), key("counter")});
        VERIFY_REPLY(reply, RedisReply::Type::Array);
        QCOMPARE(reply.elements.size(), 3);
        QCOMPARE(reply.elements.at(0).type, RedisReply::Type::String);
        QCOMPARE(reply.elements.at(0).string, QByteArray("A"));
        QCOMPARE(reply.elements.at(1).type, RedisReply::Type::Nil);
        QCOMPARE(reply.elements.at(2).string, QByteArray("42"));

        reply = call(*client, {"NOSUCHCOMMAND"});
        VERIFY_REPLY(reply, RedisReply::Type::Error);
        // The connection survives an error reply.
        QCOMPARE(call(*client, {"PING"}).string, QByteArray("PONG"));
        call(*client, {"DEL", key("counter"), key("list"), key("a")});
    }

    void databaseAndAuth()
    {
        REQUIRE_REDIS();
        RedisEndpoint db3 = *m_endpoint;
        db3.database = 3;
        auto inDb3 = makeClient(db3);
        inDb3->connectToServer();
        QTRY_VERIFY_WITH_TIMEOUT(inDb3->isConnected(), REPLY_TIMEOUT_MS);
        VERIFY_REPLY(call(*inDb3, {"SET", key("db"), "three"}), RedisReply::Type::Status);
        auto inDb0 = connectedClient();
        QCOMPARE(call(*inDb0, {"GET", key("db")}).type, RedisReply::Type::Nil);
        QCOMPARE(call(*inDb3, {"GET", key("db")}).string, QByteArray("three"));
        call(*inDb3, {"DEL", key("db")});

        // The test server has no password: AUTH fails, and the client never reports connected.
        RedisEndpoint withPassword = *m_endpoint;
        withPassword.password = "wrong";
        auto refused = makeClient(withPassword);
        QSignalSpy connectedSpy(refused.get(), &RedisClient::connected);
        refused->connectToServer();
        QTRY_VERIFY_WITH_TIMEOUT(refused->lastError().contains(QLatin1StringView("AUTH")),
                                 REPLY_TIMEOUT_MS);
        QVERIFY(!refused->isConnected());
        QCOMPARE(connectedSpy.count(), 0);
    }

    void unixSocket()
    {
        REQUIRE_REDIS();
        const QString socket
            = qEnvironmentVariable("SWITCHBOARD_TEST_REDIS_DIR") + QStringLiteral("/redis.sock");
        if (!QFileInfo::exists(socket))
            QSKIP("the test server has no Unix socket");
        QString error;
        const auto endpoint = RedisEndpoint::fromUrl(QStringLiteral("unix://") + socket, &error);
        QVERIFY2(endpoint, qPrintable(error));
        auto client = makeClient(*endpoint);
        client->connectToServer();
        QTRY_VERIFY_WITH_TIMEOUT(client->isConnected(), REPLY_TIMEOUT_MS);
        QCOMPARE(call(*client, {"ECHO", "over the socket"}).string, QByteArray("over the socket"));
    }

    void publishSubscribe()
    {
        REQUIRE_REDIS();
        constexpr int COUNT = 10000;
        const QByteArray channel = key("events");
        const QByteArray other = key("other");
        auto publisher = connectedClient();
        QVERIFY2(publisher->isConnected(), qPrintable(publisher->lastError()));
        auto subscriber = makeClient(*m_endpoint);
        QList<QByteArray> received;
        QList<QByteArray> onOther;
        connect(subscriber.get(), &RedisClient::message, this,
                [&](const QByteArray &on, const QByteArray &payload) {
                    (on == channel ? received : onOther).append(payload);
                });
        QSignalSpy subscribed(subscriber.get(), &RedisClient::subscribed);
        subscriber->subscribe(channel);
        subscriber->subscribe(other);
        subscriber->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(subscribed.count(), 2, REPLY_TIMEOUT_MS);

        // A subscriber client runs no commands.
        const RedisReply refused = call(*subscriber, {"PING"});
        VERIFY_REPLY(refused, RedisReply::Type::Error);

        int delivered = 0;
        for (int i = 0; i < COUNT; ++i) {
            publisher->publish(channel, QByteArray::number(i) + QByteArray("\0|payload", 9),
                               [&delivered](const RedisReply &reply) {
                                   if (reply.isInteger() && reply.integer == 1)
                                       ++delivered;
                               });
        }
        QTRY_COMPARE_WITH_TIMEOUT(received.size(), COUNT, 30000);
        for (int i = 0; i < COUNT; ++i)
            QCOMPARE(received.at(i), QByteArray::number(i) + QByteArray("\0|payload", 9));
        QTRY_COMPARE_WITH_TIMEOUT(delivered, COUNT, REPLY_TIMEOUT_MS);
        QCOMPARE(publisher->commandsInFlight(), 0);

        // After unsubscribe(): Redis stops counting the subscriber, and nothing more arrives,
        // while the other channel still delivers (its marker shows the late one would have come).
        subscriber->unsubscribe(channel);
        QCOMPARE(subscriber->channels(), QSet<QByteArray>({other}));
        QTRY_COMPARE_WITH_TIMEOUT(call(*publisher, {"PUBLISH", channel, "late"}).integer, 0,
                                  REPLY_TIMEOUT_MS);
        QCOMPARE(call(*publisher, {"PUBLISH", other, "marker"}).integer, 1);
        QTRY_COMPARE_WITH_TIMEOUT(onOther.size(), 1, REPLY_TIMEOUT_MS);
        QCOMPARE(onOther.constFirst(), QByteArray("marker"));
        QCOMPARE(received.size(), COUNT);
    }

    // Messages Redis sent before it saw the UNSUBSCRIBE are not delivered after unsubscribe().
    void unsubscribeMidBurst()
    {
        REQUIRE_REDIS();
        const QByteArray channel = key("burst");
        const QByteArray marker = key("burst.marker");
        auto publisher = connectedClient();
        QVERIFY2(publisher->isConnected(), qPrintable(publisher->lastError()));
        auto subscriber = makeClient(*m_endpoint);
        int onChannel = 0;
        bool markerSeen = false;
        connect(subscriber.get(), &RedisClient::message, this,
                [&](const QByteArray &on, const QByteArray &) {
                    if (on == marker) {
                        markerSeen = true;
                    } else if (++onChannel == 1) {
                        subscriber->unsubscribe(channel);
                    }
                });
        QSignalSpy subscribed(subscriber.get(), &RedisClient::subscribed);
        subscriber->subscribe(channel);
        subscriber->subscribe(marker);
        subscriber->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(subscribed.count(), 2, REPLY_TIMEOUT_MS);
        // One pipeline: most of it reaches the subscriber before Redis reads its UNSUBSCRIBE.
        for (int i = 0; i < 2000; ++i)
            publisher->publish(channel, QByteArray(100, 'x'));
        publisher->publish(marker, "end");
        QTRY_VERIFY_WITH_TIMEOUT(markerSeen, REPLY_TIMEOUT_MS);
        QCOMPARE(onChannel, 1);
    }

    // Redis confirms the UNSUBSCRIBE of the last channel with a count of 0 while the SUBSCRIBE
    // behind it is still on its way: the client must stay in subscriber mode for its reply.
    void unsubscribeLastThenSubscribe()
    {
        REQUIRE_REDIS();
        auto publisher = connectedClient();
        QVERIFY2(publisher->isConnected(), qPrintable(publisher->lastError()));
        auto subscriber = makeClient(*m_endpoint);
        QSignalSpy subscribed(subscriber.get(), &RedisClient::subscribed);
        QSignalSpy messages(subscriber.get(), &RedisClient::message);
        subscriber->subscribe(key("first"));
        subscriber->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(subscribed.count(), 1, REPLY_TIMEOUT_MS);
        for (int round = 0; round < 3; ++round) {
            const QByteArray from = key("ch") + QByteArray::number(round);
            const QByteArray to = key("ch") + QByteArray::number(round + 1);
            subscriber->unsubscribe(round == 0 ? key("first") : from);
            subscriber->subscribe(to);
            QTRY_COMPARE_WITH_TIMEOUT(subscribed.count(), round + 2, REPLY_TIMEOUT_MS);
            QCOMPARE(call(*publisher, {"PUBLISH", to, "here"}).integer, 1);
            QTRY_COMPARE_WITH_TIMEOUT(messages.count(), round + 1, REPLY_TIMEOUT_MS);
        }
        QVERIFY(subscriber->isConnected());
    }

    // Subscribed, dropped and subscribed again before Redis answered: the first SUBSCRIBE's
    // confirmation does not count (Redis has not seen the last one yet); the last one's does,
    // once, and only then is the channel isSubscribed().
    void subscribeDropSubscribeConfirmsTheLast()
    {
        REQUIRE_REDIS();
        auto subscriber = makeClient(*m_endpoint);
        const QByteArray other = key("other");
        QSignalSpy subscribed(subscriber.get(), &RedisClient::subscribed);
        subscriber->subscribe(other);
        subscriber->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(subscribed.count(), 1, REPLY_TIMEOUT_MS);
        const QByteArray channel = key("again");
        QList<bool> subscribedWhenConfirmed;
        connect(subscriber.get(), &RedisClient::subscribed, this, [&](const QByteArray &name) {
            if (name == channel)
                subscribedWhenConfirmed << subscriber->isSubscribed(channel);
        });
        subscriber->subscribe(channel);
        subscriber->unsubscribe(channel);
        subscriber->subscribe(channel);
        QVERIFY(!subscriber->isSubscribed(channel));
        QTRY_COMPARE_WITH_TIMEOUT(subscribed.count(), 2, REPLY_TIMEOUT_MS);
        // A marker behind it: every confirmation of the channel has come by its own.
        subscriber->subscribe(key("marker"));
        QTRY_COMPARE_WITH_TIMEOUT(subscribed.count(), 3, REPLY_TIMEOUT_MS);
        QCOMPARE(subscribedWhenConfirmed, QList<bool> {true});
        QVERIFY(subscriber->isSubscribed(channel));
        QVERIFY(subscriber->isSubscribed(other));
        subscriber->unsubscribe(channel);
        QVERIFY(!subscriber->isSubscribed(channel));
    }

    void patternSubscribe()
    {
        REQUIRE_REDIS();
        auto publisher = connectedClient();
        auto subscriber = makeClient(*m_endpoint);
        QSignalSpy messages(subscriber.get(), &RedisClient::patternMessage);
        QSignalSpy subscribed(subscriber.get(), &RedisClient::subscribed);
        subscriber->psubscribe(key("room.*"));
        subscriber->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(subscribed.count(), 1, REPLY_TIMEOUT_MS);
        QCOMPARE(call(*publisher, {"PUBLISH", key("room.7"), "hi"}).integer, 1);
        QTRY_COMPARE_WITH_TIMEOUT(messages.count(), 1, REPLY_TIMEOUT_MS);
        QCOMPARE(messages.at(0).at(0).toByteArray(), key("room.*"));
        QCOMPARE(messages.at(0).at(1).toByteArray(), key("room.7"));
        QCOMPARE(messages.at(0).at(2).toByteArray(), QByteArray("hi"));
    }

    void failsFastWhileDisconnected()
    {
        // Nothing listens there: the client keeps trying, and commands fail meanwhile.
        RedisEndpoint nowhere;
        nowhere.host = QStringLiteral("127.0.0.1");
        nowhere.port = closedPort();
        auto client = makeClient(nowhere);
        client->connectToServer();
        QTRY_VERIFY_WITH_TIMEOUT(!client->lastError().isEmpty(), REPLY_TIMEOUT_MS);
        QVERIFY(!client->isConnected());

        std::optional<RedisReply> reply;
        QElapsedTimer clock;
        clock.start();
        client->command({"GET", "x"}, [&reply](const RedisReply &r) { reply = r; });
        QVERIFY2(!reply, "a completion must not run inside command()");
        QTRY_VERIFY_WITH_TIMEOUT(reply.has_value(), 1000);
        QVERIFY(clock.elapsed() < 1000);
        VERIFY_REPLY(*reply, RedisReply::Type::Error);
        QVERIFY2(reply->string.contains("not connected"), reply->string.constData());
        QCOMPARE(client->commandsInFlight(), 0);

        // A client never started fails the same way.
        RedisClient idle(nowhere);
        reply.reset();
        idle.command({"PING"}, [&reply](const RedisReply &r) { reply = r; });
        QTRY_VERIFY_WITH_TIMEOUT(reply.has_value(), 1000);
        QVERIFY(reply->isError());
    }

    // A server that accepts the connection but never answers: the attempt ends at the timeout,
    // and the client tries again.
    void handshakeTimeout()
    {
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost));
        RedisEndpoint endpoint;
        endpoint.host = QStringLiteral("127.0.0.1");
        endpoint.port = silent.serverPort();
        auto client = makeClient(endpoint);
        client->setConnectTimeout(200ms);
        QSignalSpy connectedSpy(client.get(), &RedisClient::connected);
        QSignalSpy attempts(&silent, &QTcpServer::newConnection);
        client->connectToServer();
        QTRY_VERIFY_WITH_TIMEOUT(client->lastError().contains(QLatin1StringView("no connection")),
                                 REPLY_TIMEOUT_MS);
        // Tried again: a second connection reaches the server.
        QTRY_VERIFY_WITH_TIMEOUT(attempts.count() >= 2, REPLY_TIMEOUT_MS);
        QVERIFY(!client->isConnected());
        QCOMPARE(connectedSpy.count(), 0);
    }

    void disconnectFromServer()
    {
        REQUIRE_REDIS();
        auto client = connectedClient();
        QVERIFY2(client->isConnected(), qPrintable(client->lastError()));
        QSignalSpy lost(client.get(), &RedisClient::disconnected);
        QSignalSpy back(client.get(), &RedisClient::connected);
        client->disconnectFromServer();
        QVERIFY(!client->isConnected());
        QCOMPARE(lost.count(), 1);
        QTest::qWait(300); // more than the reconnect delay: it stays disconnected
        QVERIFY(!client->isConnected());
        QCOMPARE(back.count(), 0);
        QVERIFY(call(*client, {"PING"}).isError());
        client->connectToServer();
        QTRY_VERIFY_WITH_TIMEOUT(client->isConnected(), REPLY_TIMEOUT_MS);
        QCOMPARE(call(*client, {"PING"}).string, QByteArray("PONG"));
    }

    void boundedInFlight()
    {
        REQUIRE_REDIS();
        auto client = connectedClient();
        QVERIFY2(client->isConnected(), qPrintable(client->lastError()));
        constexpr qsizetype EXTRA = 10;
        int ok = 0;
        int refused = 0;
        for (qsizetype i = 0; i < RedisClient::MAX_IN_FLIGHT + EXTRA; ++i) {
            client->command({"PING"}, [&](const RedisReply &reply) {
                if (reply.isStatus())
                    ++ok;
                else if (reply.string.contains("in flight"))
                    ++refused;
            });
        }
        QCOMPARE(client->commandsInFlight(), RedisClient::MAX_IN_FLIGHT);
        QTRY_COMPARE_WITH_TIMEOUT(ok + refused, int(RedisClient::MAX_IN_FLIGHT + EXTRA), 30000);
        QCOMPARE(refused, int(EXTRA));
        QCOMPARE(client->commandsInFlight(), 0);
    }

    void destroyedWithCommandsInFlight()
    {
        REQUIRE_REDIS();
        int completions = 0;
        {
            auto client = connectedClient();
            QVERIFY2(client->isConnected(), qPrintable(client->lastError()));
            auto subscriber = makeClient(*m_endpoint);
            subscriber->subscribe(key("gone"));
            subscriber->connectToServer();
            QTRY_VERIFY_WITH_TIMEOUT(subscriber->isConnected(), REPLY_TIMEOUT_MS);
            for (int i = 0; i < 1000; ++i)
                client->command({"INCR", key("gone")},
                                [&completions](const RedisReply &) { ++completions; });
            // A client still connecting goes away cleanly too.
            auto connecting = makeClient(*m_endpoint);
            connecting->connectToServer();
        }
        QTest::qWait(200);
        QCOMPARE(completions, 0);
        auto client = connectedClient();
        call(*client, {"DEL", key("gone")});
    }

    void subscriberKilled()
    {
        REQUIRE_REDIS();
        const QByteArray channel = key("killed");
        auto admin = connectedClient();
        QVERIFY2(admin->isConnected(), qPrintable(admin->lastError()));
        auto subscriber = makeClient(*m_endpoint);
        QSignalSpy resubscribed(subscriber.get(), &RedisClient::resubscribed);
        QSignalSpy disconnected(subscriber.get(), &RedisClient::disconnected);
        QSignalSpy messages(subscriber.get(), &RedisClient::message);
        subscriber->subscribe(channel);
        subscriber->connectToServer();
        // The first connection restores the subscription made before it, too.
        QTRY_COMPARE_WITH_TIMEOUT(resubscribed.count(), 1, REPLY_TIMEOUT_MS);

        // What Redis does to a subscriber past its client-output-buffer-limit.
        const RedisReply killed = call(*admin, {"CLIENT", "KILL", "TYPE", "pubsub"});
        VERIFY_REPLY(killed, RedisReply::Type::Integer);
        QCOMPARE(killed.integer, 1);
        QTRY_COMPARE_WITH_TIMEOUT(disconnected.count(), 1, REPLY_TIMEOUT_MS);
        QTRY_COMPARE_WITH_TIMEOUT(resubscribed.count(), 2, RECONNECT_TIMEOUT_MS);
        QCOMPARE(call(*admin, {"PUBLISH", channel, "again"}).integer, 1);
        QTRY_COMPARE_WITH_TIMEOUT(messages.count(), 1, REPLY_TIMEOUT_MS);
        QCOMPARE(messages.at(0).at(1).toByteArray(), QByteArray("again"));
    }

    // Last: it stops the server (cleanup() starts it again if this fails midway).
    void serverRestart()
    {
        REQUIRE_REDIS();
        if (qEnvironmentVariable("SWITCHBOARD_TEST_REDIS_SERVER").isEmpty())
            QSKIP("needs SWITCHBOARD_TEST_REDIS_SERVER and _DIR (scripts/with-redis.sh)");
        const QByteArray channel = key("restart");
        auto publisher = connectedClient();
        QVERIFY2(publisher->isConnected(), qPrintable(publisher->lastError()));
        auto subscriber = makeClient(*m_endpoint);
        QSignalSpy resubscribed(subscriber.get(), &RedisClient::resubscribed);
        QSignalSpy subscriberLost(subscriber.get(), &RedisClient::disconnected);
        QSignalSpy publisherLost(publisher.get(), &RedisClient::disconnected);
        QSignalSpy publisherBack(publisher.get(), &RedisClient::connected);
        QSignalSpy messages(subscriber.get(), &RedisClient::message);
        subscriber->subscribe(channel);
        subscriber->connectToServer();
        QTRY_COMPARE_WITH_TIMEOUT(resubscribed.count(), 1, REPLY_TIMEOUT_MS);

        // The reply to SHUTDOWN is the connection closing.
        const RedisReply shutdown = call(*publisher, {"SHUTDOWN", "NOSAVE"});
        VERIFY_REPLY(shutdown, RedisReply::Type::Error);
        QVERIFY2(shutdown.string.contains("connection lost"), shutdown.string.constData());
        QTRY_COMPARE_WITH_TIMEOUT(publisherLost.count(), 1, REPLY_TIMEOUT_MS);
        QTRY_COMPARE_WITH_TIMEOUT(subscriberLost.count(), 1, REPLY_TIMEOUT_MS);
        QVERIFY(!publisher->isConnected());
        QVERIFY(!subscriber->isConnected());
        QTest::qWait(500); // a few failed attempts while the server is down
        QVERIFY(!publisher->isConnected());
        const RedisReply duringOutage = call(*publisher, {"PING"});
        VERIFY_REPLY(duringOutage, RedisReply::Type::Error);
        QCOMPARE(resubscribed.count(), 1);

        QVERIFY2(startServer(), "could not start the Redis server again");
        QTRY_VERIFY_WITH_TIMEOUT(publisher->isConnected(), RECONNECT_TIMEOUT_MS);
        QTRY_COMPARE_WITH_TIMEOUT(resubscribed.count(), 2, RECONNECT_TIMEOUT_MS);
        QCOMPARE(subscriberLost.count(), 1);
        QCOMPARE(publisherBack.count(), 1);
        QCOMPARE(call(*publisher, {"PUBLISH", channel, "after restart"}).integer, 1);
        QTRY_COMPARE_WITH_TIMEOUT(messages.count(), 1, REPLY_TIMEOUT_MS);
        QCOMPARE(messages.at(0).at(1).toByteArray(), QByteArray("after restart"));
    }
};

QTEST_GUILESS_MAIN(TestRedisClient)
#include "tst_redisclient.moc"
