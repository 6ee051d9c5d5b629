// SPDX-License-Identifier: MIT
#pragma once

#include <QHostAddress>
#include <QProcess>
#include <QTcpSocket>
#include <QTest>

namespace Switchboard::Test {

// Whether something listens on 127.0.0.1:port.
inline bool redisListening(quint16 port)
{
    QTcpSocket probe;
    probe.connectToHost(QHostAddress::LocalHost, port);
    return probe.waitForConnected(1000);
}

// Starts the scripts/with-redis.sh server again, with its own options, on the same port
// (SWITCHBOARD_TEST_REDIS_SERVER, _DIR, _PORT); false when it could not.
inline bool restartTestRedis()
{
    const QString server = qEnvironmentVariable("SWITCHBOARD_TEST_REDIS_SERVER");
    const QString dir = qEnvironmentVariable("SWITCHBOARD_TEST_REDIS_DIR");
    if (server.isEmpty() || dir.isEmpty())
        return false;
    QProcess process;
    // The daemon must not keep ctest's output pipes open.
    process.setStandardOutputFile(QProcess::nullDevice());
    process.setStandardErrorFile(QProcess::nullDevice());
    process.start(server,
                  {dir + QStringLiteral("/redis.conf"), QStringLiteral("--daemonize"),
                   QStringLiteral("yes")});
    if (!process.waitForFinished(10000) || process.exitCode() != 0)
        return false;
    const quint16 port = quint16(qEnvironmentVariableIntValue("SWITCHBOARD_TEST_REDIS_PORT"));
    return QTest::qWaitFor([port] { return redisListening(port); }, 10000);
}

} // namespace Switchboard::Test
