// SPDX-License-Identifier: MIT
#include "config/config.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Switchboard;

class tst_Config : public QObject
{
    Q_OBJECT

private slots:
    void defaults();
    void precedence();
    void units();
    void invalidValuesNameTheKey_data();
    void invalidValuesNameTheKey();
    void secretsRedacted();
    void fileComments();
};

void tst_Config::defaults()
{
    Config c;
    QString error;
    QVERIFY(ConfigLoader::load({}, &c, &error));
    QCOMPARE(c.listenAddress, QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(c.listenPort, 8000);
    QCOMPARE(c.maxFrameBytes, 64 * 1024);
    QCOMPARE(c.heartbeatIntervalMs, 54000);
    QCOMPARE(c.heartbeatTimeoutMs, 60000);
    QVERIFY(c.listenBacklog >= 4096);
    QVERIFY(c.jwtSecret.isEmpty());
    QCOMPARE(c.defaultDialect, Protocol::Dialect::Canonical);
}

void tst_Config::precedence()
{
    QTemporaryDir dir;
    const QString ini = dir.filePath(QStringLiteral("switchboard.ini"));
    QFile f(ini);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("[switchboard]\nlisten=127.0.0.1:9001\nmax_connections=10\ndata_dir=/tmp/file\n"
            "heartbeat_interval=10s\n");
    f.close();
    ConfigLoader::Sources s;
    s.configFile = ini;
    s.environment.insert(QStringLiteral("SWITCHBOARD_MAX_CONNECTIONS"), QStringLiteral("20"));
    s.environment.insert(QStringLiteral("SWITCHBOARD_DATA_DIR"), QStringLiteral("/tmp/env"));
    s.environment.insert(QStringLiteral("SWITCHBOARD_TEST_DATABASE_URL"),
                         QStringLiteral("ignored"));
    s.commandLine.insert(QStringLiteral("data_dir"), QStringLiteral("/tmp/cli"));
    Config c;
    QString error;
    QVERIFY2(ConfigLoader::load(s, &c, &error), qPrintable(error));
    QCOMPARE(c.listenPort, 9001); // file
    QCOMPARE(c.maxConnections, 20); // environment beats file
    QCOMPARE(c.dataDir, QStringLiteral("/tmp/cli")); // command line beats both
    QCOMPARE(c.heartbeatIntervalMs, 10000);
}

void tst_Config::units()
{
    ConfigLoader::Sources s;
    s.commandLine = {{QStringLiteral("max_frame_bytes"), QStringLiteral("16KiB")},
                     {QStringLiteral("max_message_bytes"), QStringLiteral("1MiB")},
                     {QStringLiteral("heartbeat_timeout"), QStringLiteral("2m")},
                     {QStringLiteral("heartbeat_interval"), QStringLiteral("500ms")},
                     {QStringLiteral("listen"), QStringLiteral("[::1]:8080")},
                     {QStringLiteral("allow_user_broadcast"), QStringLiteral("yes")},
                     {QStringLiteral("message_retention"), QStringLiteral("30d")},
                     {QStringLiteral("max_stream_messages"), QStringLiteral("5000")},
                     {QStringLiteral("purge_interval"), QStringLiteral("10m")},
                     {QStringLiteral("replay_limit"), QStringLiteral("200")},
                     {QStringLiteral("default_dialect"), QStringLiteral("000")}};
    Config c;
    QString error;
    QVERIFY2(ConfigLoader::load(s, &c, &error), qPrintable(error));
    QCOMPARE(c.maxFrameBytes, 16 * 1024);
    QCOMPARE(c.maxMessageBytes, 1024 * 1024);
    QCOMPARE(c.heartbeatTimeoutMs, 120000);
    QCOMPARE(c.heartbeatIntervalMs, 500);
    QCOMPARE(c.listenAddress, QHostAddress(QHostAddress::LocalHostIPv6));
    QCOMPARE(c.listenPort, 8080);
    QVERIFY(c.allowUserBroadcast);
    QCOMPARE(c.messageRetentionMs, 30LL * 86'400'000);
    QCOMPARE(c.maxStreamMessages, 5000);
    QCOMPARE(c.purgeIntervalMs, 600'000);
    QCOMPARE(c.replayLimit, 200);
    QCOMPARE(c.defaultDialect, Protocol::Dialect::Seed000);
}

void tst_Config::invalidValuesNameTheKey_data()
{
    QTest::addColumn<QString>("envName");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("key");
    QTest::newRow("port") << "SWITCHBOARD_LISTEN"
                          << "127.0.0.1:99999"
                          << "listen";
    QTest::newRow("no port") << "SWITCHBOARD_LISTEN"
                             << "localhost"
                             << "listen";
    QTest::newRow("negative") << "SWITCHBOARD_MAX_CONNECTIONS"
                              << "-1"
                              << "max_connections";
    QTest::newRow("words") << "SWITCHBOARD_MAX_CONNECTIONS"
                           << "many"
                           << "max_connections";
    QTest::newRow("duration") << "SWITCHBOARD_HEARTBEAT_INTERVAL"
                              << "soon"
                              << "heartbeat_interval";
    QTest::newRow("retention unit") << "SWITCHBOARD_MESSAGE_RETENTION"
                                    << "30 days"
                                    << "message_retention";
    QTest::newRow("purge too often") << "SWITCHBOARD_PURGE_INTERVAL"
                                     << "10ms"
                                     << "purge_interval";
    QTest::newRow("replay limit") << "SWITCHBOARD_REPLAY_LIMIT"
                                  << "-5"
                                  << "replay_limit";
    QTest::newRow("size") << "SWITCHBOARD_MAX_FRAME_BYTES"
                          << "1TB"
                          << "max_frame_bytes";
    QTest::newRow("alg") << "SWITCHBOARD_JWT_ALGORITHM"
                         << "none"
                         << "jwt_algorithm";
    QTest::newRow("bool") << "SWITCHBOARD_ALLOW_USER_BROADCAST"
                          << "maybe"
                          << "allow_user_broadcast";
    QTest::newRow("timeout order") << "SWITCHBOARD_HEARTBEAT_TIMEOUT"
                                   << "1s"
                                   << "heartbeat_timeout";
    QTest::newRow("log level") << "SWITCHBOARD_LOG_LEVEL"
                               << "chatty"
                               << "log_level";
    QTest::newRow("dialect") << "SWITCHBOARD_DEFAULT_DIALECT"
                             << "005"
                             << "default_dialect";
    // Errors between two keys blame the one the operator set (issue 14: this one named
    // heartbeat_timeout, which nobody had set).
    QTest::newRow("interval order") << "SWITCHBOARD_HEARTBEAT_INTERVAL"
                                    << "90s"
                                    << "heartbeat_interval";
    QTest::newRow("tls half") << "SWITCHBOARD_TLS_KEY_FILE"
                              << "/etc/switchboard/key.pem"
                              << "tls_key_file";
    QTest::newRow("message under frame") << "SWITCHBOARD_MAX_MESSAGE_BYTES"
                                         << "1KiB"
                                         << "max_message_bytes";
    QTest::newRow("database scheme") << "SWITCHBOARD_DATABASE_URL"
                                     << "mysql://x"
                                     << "database_url";
    QTest::newRow("redis scheme") << "SWITCHBOARD_REDIS_URL"
                                  << "rediss://redis.internal:6380"
                                  << "redis_url";
    QTest::newRow("redis prefix") << "SWITCHBOARD_REDIS_PREFIX"
                                  << "two words"
                                  << "redis_prefix";
    QTest::newRow("node id length")
        << "SWITCHBOARD_NODE_ID" << QString(256, QLatin1Char('n')) << "node_id";
}

void tst_Config::invalidValuesNameTheKey()
{
    QFETCH(QString, envName);
    QFETCH(QString, value);
    QFETCH(QString, key);
    ConfigLoader::Sources s;
    s.environment.insert(envName, value);
    Config c;
    QString error;
    QVERIFY(!ConfigLoader::load(s, &c, &error));
    // The key and the source the operator actually used.
    QVERIFY2(error.contains(
                 QStringLiteral("invalid value for '%1' (from environment %2)").arg(key, envName)),
             qPrintable(error));
    // An unknown key on the command line or in a file is an error too.
    ConfigLoader::Sources unknown;
    unknown.commandLine.insert(QStringLiteral("lisen"), QStringLiteral("x"));
    QVERIFY(!ConfigLoader::load(unknown, &c, &error));
    QVERIFY(error.contains(QStringLiteral("'lisen'")));
}

void tst_Config::secretsRedacted()
{
    Config c;
    c.jwtSecret = QStringLiteral("super-secret-value");
    c.apiKey = QStringLiteral("api-key-value");
    c.databaseUrl = QStringLiteral("postgres://sb:hunter2@db:5432/switchboard");
    c.redisUrl = QStringLiteral("redis://:redispass@redis:6379/0");
    const QString text = c.describe().join(QLatin1Char('\n'));
    QVERIFY(!text.contains(QStringLiteral("redispass")));
    QVERIFY(text.contains(QStringLiteral("redis_url=redis://:***@redis:6379/0")));
    QVERIFY(!text.contains(QStringLiteral("super-secret-value")));
    QVERIFY(!text.contains(QStringLiteral("api-key-value")));
    QVERIFY(!text.contains(QStringLiteral("hunter2")));
    QVERIFY(text.contains(QStringLiteral("postgres://sb:***@db:5432/switchboard")));
}

void tst_Config::fileComments()
{
    // ';' starts a comment, also before a key = value; a '#' line holding '=' would be read as
    // a key, so it is refused with a message that says how to comment.
    QTemporaryDir dir;
    const QString ini = dir.filePath(QStringLiteral("switchboard.ini"));
    auto load = [&](const QByteArray &text, Config *c, QString *error) {
        QFile f(ini);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return false;
        f.write(text);
        f.close();
        ConfigLoader::Sources s;
        s.configFile = ini;
        return ConfigLoader::load(s, c, error);
    };
    Config c;
    QString error;
    QVERIFY2(
        load("; a note\n[switchboard]\n; max_connections = 5\nmax_connections = 7\n", &c, &error),
        qPrintable(error));
    QCOMPARE(c.maxConnections, 7);
    QVERIFY(!load("[switchboard]\n# max_connections = 5\n", &c, &error));
    QVERIFY2(error.contains(QStringLiteral("'# max_connections'"))
                 && error.contains(QStringLiteral("comments start with ';'")),
             qPrintable(error));
}

QTEST_GUILESS_MAIN(tst_Config)
#include "tst_config.moc"
