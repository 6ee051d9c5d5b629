// SPDX-License-Identifier: MIT
// CliSession: connection news, events and the end of the run. Commands are in clicommands.cpp.
#include "clisession.h"

#include "protocol/codec.h"
#include "terminal.h"

#include <QJsonArray>

namespace Switchboard::Cli {

using Client::Connection;

CliSession::CliSession(const CliOptions &options, Terminal *terminal, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_terminal(terminal)
{
    m_script = !terminal->interactive() || options.hasExec;
    m_connection.setOptions(options.connection);
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, &CliSession::onTimeout);
    connect(&m_connection, &Connection::connected, this, &CliSession::onConnected);
    connect(&m_connection, &Connection::failed, this, &CliSession::onFailed);
    connect(&m_connection, &Connection::eventReceived, this, &CliSession::onEvent);
    connect(&m_connection, &Connection::pongReceived, this,
            [this](const QString &id, double rtt) { m_rtt.insert(id, rtt); });
    connect(&m_connection, &Connection::frameText, this, [this](bool incoming, const QString &t) {
        if (incoming && m_options.raw)
            print(t);
    });
    connect(&m_connection, &Connection::disconnected, this, [this](int code, const QString &why) {
        m_reconnected = true;
        if (m_finished)
            return;
        status(QStringLiteral("disconnected (close %1%2)")
                   .arg(code)
                   .arg(why.isEmpty() ? QString() : QStringLiteral(": ") + why));
    });
    connect(&m_connection, &Connection::reconnectScheduled, this, [this](int attempt, int ms) {
        status(QStringLiteral("reconnecting in %1 s (attempt %2)")
                   .arg(double(ms) / 1000.0, 0, 'f', 1)
                   .arg(attempt));
    });
    connect(terminal, &Terminal::lineEntered, this, &CliSession::onLine);
    connect(terminal, &Terminal::endOfInput, this, [this] {
        m_inputDone = true;
        if (m_script)
            runNext();
        else
            finish(m_exitStatus);
    });
}

void CliSession::start()
{
    if (m_options.hasExec) {
        for (const QString &line : std::as_const(m_options.exec))
            m_queue.enqueue(line);
        m_inputDone = true;
    } else {
        m_terminal->start(QStringLiteral("switchboard> "));
    }
    status(QStringLiteral("connecting to %1")
               .arg(m_options.connection.url.toDisplayString(QUrl::RemoveQuery)));
    if (m_script)
        armTimeout();
    m_connection.open();
}

void CliSession::print(const QString &text, bool error)
{
    m_terminal->print(text, error);
}

void CliSession::status(const QString &text)
{
    // Connection news goes to stderr, so stdout holds events only (JSON lines with --raw).
    print(QStringLiteral("-- ") + text, true);
}

void CliSession::onConnected(const QJsonObject &welcome)
{
    const QJsonObject user = welcome.value(QLatin1StringView("user")).toObject();
    m_formatter.setSelf(m_connection.userId(), user.value(QLatin1StringView("name")).toString());
    m_syncing = true;
    m_replayed = 0;
    if (m_reconnected) {
        const QString positions = Protocol::formatStreamPositions(m_connection.positions());
        status(QStringLiteral("reconnected; resuming from %1")
                   .arg(positions.isEmpty() ? QStringLiteral("the stored cursors") : positions));
        resendAfterReconnect();
    } else {
        // --room joins once: after a `leave`, a reconnect must not join again.
        Client::ConnectionOptions options = m_connection.options();
        options.roomOnConnect.clear();
        m_connection.setOptions(options);
        status(QStringLiteral("connected as %1#%2, %3 online")
                   .arg(user.value(QLatin1StringView("name")).toString())
                   .arg(m_connection.userId())
                   .arg(welcome.value(QLatin1StringView("online_count")).toInteger()));
    }
    // Commands wait for sync_complete: what was missed prints first, and a script that ends
    // right after its last answer has still seen the whole replay.
}

void CliSession::onSyncComplete(const QJsonObject &sync)
{
    m_syncing = false;
    QStringList gaps;
    const QJsonObject streams = sync.value(QLatin1StringView("streams")).toObject();
    for (auto it = streams.constBegin(); it != streams.constEnd(); ++it) {
        const QJsonObject s = it.value().toObject();
        if (!s.value(QLatin1StringView("complete")).toBool(true))
            gaps << QStringLiteral("%1 (%2)").arg(it.key(),
                                                  s.value(QLatin1StringView("reason")).toString());
    }
    const QString what = m_reconnected ? QStringLiteral("resumed") : QStringLiteral("in sync");
    const QString missed = QStringLiteral("%1 missed message%2 replayed")
                               .arg(m_replayed)
                               .arg(m_replayed == 1 ? QString() : QStringLiteral("s"));
    if (gaps.isEmpty() && m_replayed == 0)
        status(QStringLiteral("%1: %2").arg(what, missed)); // nothing was missing
    else if (gaps.isEmpty())
        status(QStringLiteral("%1: %2; gap recovered").arg(what, missed));
    else
        status(QStringLiteral("%1: %2; NOT recovered: %3 (reload with history)")
                   .arg(what, missed, gaps.join(QStringLiteral(", "))));
    m_reconnected = false;
    runNext();
}

void CliSession::onFailed(const QString &message)
{
    if (m_connection.state() != Connection::State::Disconnected) {
        status(QStringLiteral("attempt failed: ") + message);
        return;
    }
    fail(m_connection.refused() ? Exit::REFUSED : Exit::CONNECTION, message);
}

void CliSession::onEvent(const QJsonObject &event)
{
    m_formatter.learn(event);
    const QString type = event.value(QLatin1StringView("type")).toString();
    if (type == QLatin1StringView("sync_complete")) {
        onSyncComplete(event);
        return;
    }
    if (m_syncing && event.contains(QLatin1StringView("seq")))
        ++m_replayed;
    if (handleAnswer(event) || m_options.raw)
        return;
    if (type == QLatin1StringView("pong"))
        return; // an automatic ping
    const QString text = m_formatter.format(event);
    if (!text.isEmpty())
        print(text, type == QLatin1StringView("error"));
}

void CliSession::fail(int status, const QString &message)
{
    print(QStringLiteral("switchboard-cli: ") + message, true);
    if (m_exitStatus == Exit::OK)
        m_exitStatus = status;
    finish(m_exitStatus);
}

void CliSession::finish(int status)
{
    if (m_finished)
        return;
    m_finished = true;
    m_timeout.stop();
    m_terminal->stop();
    m_connection.close();
    Q_EMIT finished(status);
}

} // namespace Switchboard::Cli
