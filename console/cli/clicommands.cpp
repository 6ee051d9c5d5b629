// SPDX-License-Identifier: MIT
// CliSession: running commands, matching answers by id, resolving user names over REST.
#include "clisession.h"

#include "terminal.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkReply>

namespace Switchboard::Cli {

using Client::Connection;

namespace {

QString idOf(const QJsonValue &v)
{
    if (v.isString())
        return v.toString();
    if (v.isDouble())
        return QString::number(v.toInteger());
    return QString();
}

} // namespace

void CliSession::onLine(const QString &line)
{
    if (m_finished)
        return;
    if (m_script) {
        m_queue.enqueue(line);
        runNext();
        return;
    }
    m_busy = false; // interactive commands do not wait for each other
    const auto parsed = parseCommand(line);
    if (const QString *error = std::get_if<QString>(&parsed)) {
        print(*error, true);
        return;
    }
    execute(std::get<Command>(parsed));
}

void CliSession::runNext()
{
    while (m_script && !m_busy && !m_finished) {
        if (m_queue.isEmpty()) {
            if (m_inputDone && m_pending.isEmpty())
                finish(m_exitStatus);
            else if (m_pending.isEmpty() && m_connection.state() == Connection::State::Connected)
                m_timeout.stop(); // waiting for input is not waiting for the server
            return;
        }
        if (m_connection.state() != Connection::State::Connected) {
            if (!m_timeout.isActive())
                armTimeout(); // for the connection to come (back)
            return;
        }
        const QString line = m_queue.dequeue();
        const auto parsed = parseCommand(line);
        if (const QString *error = std::get_if<QString>(&parsed)) {
            print(QStringLiteral("error: ") + *error, true);
            noteFailure(Exit::COMMAND_FAILED);
            continue;
        }
        m_busy = true;
        m_timeout.stop();
        execute(std::get<Command>(parsed));
    }
}

void CliSession::execute(Command command)
{
    const auto done = [this] {
        m_busy = false;
        runNext();
    };
    switch (command.kind) {
    case Command::Kind::Empty:
        done();
        return;
    case Command::Kind::Help:
        print(helpText());
        done();
        return;
    case Command::Kind::Quit:
        finish(m_exitStatus);
        return;
    default:
        break;
    }
    if (m_connection.state() != Connection::State::Connected) {
        print(QStringLiteral("not connected: '%1' not sent").arg(command.name), true);
        done();
        return;
    }
    if (command.userName.isEmpty()) {
        send(std::move(command));
        return;
    }
    const QString name = command.userName;
    resolveUser(name, [this, command, done](qint64 id, const QString &error) mutable {
        if (m_finished)
            return;
        if (id <= 0) {
            print(QStringLiteral("error: ") + error, true);
            noteFailure(Exit::COMMAND_FAILED);
            done();
            return;
        }
        if (command.userPrefix.isEmpty())
            command.frame.insert(command.userField, id);
        else
            command.frame.insert(command.userField, command.userPrefix + QString::number(id));
        command.userName.clear();
        send(std::move(command));
    });
}

void CliSession::send(Command command)
{
    QString id;
    QString error;
    if (command.kind == Command::Kind::Raw) {
        id = idOf(command.frame.value(QLatin1StringView("id")));
        if (!m_connection.sendText(command.raw, &error)) {
            refuse(command, error);
            return;
        }
        if (!id.isEmpty()) { // its answer carries the id
            m_pending.insert(id, Pending {command, {}, false, false});
            armTimeout();
            return;
        }
        id = QStringLiteral("raw-%1").arg(m_pending.size() + m_rtt.size());
        m_rawKey = id;
    } else {
        id = m_connection.send(command.frame, &error);
        if (id.isEmpty()) {
            refuse(command, error);
            return;
        }
        command.frame.insert(QStringLiteral("id"), id); // the same id if it is sent again
    }
    m_pending.insert(id, Pending {command, {}, false, command.kind != Command::Kind::Frame});
    if (command.kind != Command::Kind::Frame) {
        // No answer when it works: the pong to a ping sent right behind it says it went
        // through (the server handles a connection's frames in order).
        const QString barrier
            = m_connection.send({{QStringLiteral("type"), QStringLiteral("ping")}});
        m_pending.insert(barrier, Pending {command, id, false, false});
    }
    armTimeout();
}

void CliSession::refuse(const Command &command, const QString &error)
{
    // Not sent: over a limit of the server (so never sent again), or the connection just went.
    print(QStringLiteral("error: '%1': %2").arg(command.name, error), true);
    noteFailure(Exit::COMMAND_FAILED);
    if (!m_script)
        return;
    m_busy = false;
    m_timeout.stop();
    runNext();
}

bool CliSession::handleAnswer(const QJsonObject &event)
{
    const QString type = event.value(QLatin1StringView("type")).toString();
    QString id = idOf(event.value(QLatin1StringView("id")));
    if (id.isEmpty() && type == QLatin1StringView("error") && m_pending.contains(m_rawKey))
        id = m_rawKey; // an error to a raw frame that had no id
    const auto it = m_pending.find(id);
    if (id.isEmpty() || it == m_pending.end())
        return false;
    const Pending pending = *it;
    const bool readable = !m_options.raw;
    if (!pending.barrierFor.isEmpty()) { // the ping behind a quiet command
        const bool ok = !m_pending.value(pending.barrierFor).failed;
        m_pending.remove(id);
        if (ok && readable)
            print(QStringLiteral("ok: %1").arg(pending.command.name));
        complete(pending.barrierFor, ok);
        return true;
    }
    if (type == QLatin1StringView("error") && pending.command.name == QLatin1StringView("join")
        && event.value(QLatin1StringView("code")).toString() == QLatin1StringView("CONFLICT")
        && event.value(QLatin1StringView("message"))
               .toString()
               .contains(QLatin1StringView("already a member"))) {
        // Already a member: what `join` asked for holds, so a script run twice still works.
        if (readable)
            print(QStringLiteral("already in #%1")
                      .arg(pending.command.frame.value(QLatin1StringView("room_id")).toString()));
        complete(id, true);
        return true;
    }
    if (type == QLatin1StringView("error")) {
        print(m_formatter.format(event), true);
        if (pending.barrierBehind) {
            it->failed = true; // the barrier's pong ends it
            return true;
        }
        complete(id, false);
        return true;
    }
    if (type == QLatin1StringView("pong")) {
        const double rtt = m_rtt.take(id);
        // The RTT is the one figure worth a line even with --raw (on stderr there).
        print(QStringLiteral("pong: %1 ms").arg(rtt, 0, 'f', 3), m_options.raw);
    } else if (readable && type == QLatin1StringView("ack")) {
        QString line = QStringLiteral("ok: %1").arg(pending.command.name);
        if (event.contains(QLatin1StringView("seq")))
            line += QStringLiteral(" stored as %1#%2")
                        .arg(event.value(QLatin1StringView("stream")).toString())
                        .arg(event.value(QLatin1StringView("seq")).toInteger());
        if (event.contains(QLatin1StringView("recipients")))
            line += QStringLiteral(" to %1 connections")
                        .arg(event.value(QLatin1StringView("recipients")).toInteger());
        if (event.value(QLatin1StringView("duplicate")).toBool())
            line += QStringLiteral(" (already stored: a retry)");
        print(line);
    } else if (readable) {
        const QString text = m_formatter.format(event);
        print(text.isEmpty() ? QStringLiteral("ok: %1").arg(pending.command.name) : text);
    }
    complete(id, true);
    return true;
}

void CliSession::complete(const QString &id, bool ok)
{
    m_pending.remove(id);
    if (!ok)
        noteFailure(Exit::COMMAND_FAILED);
    if (!m_script)
        return;
    m_timeout.stop();
    m_busy = false;
    runNext();
}

void CliSession::resendAfterReconnect()
{
    // Reads, pings and posts with an idempotency key are safe to send again; for the others
    // nobody can tell whether the server got them before the connection broke.
    const QList<QString> ids = m_pending.keys();
    QStringList lost;
    for (const QString &id : ids) {
        const Pending p = m_pending.value(id);
        if (p.command.kind == Command::Kind::Frame && p.command.retryable) {
            QString error;
            if (!m_connection.send(p.command.frame, &error).isEmpty())
                continue;
            // A frame the server closed the connection for (1009) is not sent again.
            m_pending.remove(id);
            print(QStringLiteral("error: '%1': %2").arg(p.command.name, error), true);
            noteFailure(Exit::COMMAND_FAILED);
            if (m_script) {
                m_busy = false;
                m_timeout.stop();
            }
            continue;
        }
        m_pending.remove(id);
        if (p.barrierFor.isEmpty())
            lost << p.command.name;
    }
    if (lost.isEmpty())
        return;
    print(QStringLiteral("error: the connection broke before '%1' was answered; it may or may "
                         "not have taken effect")
              .arg(lost.join(QStringLiteral("', '"))),
          true);
    noteFailure(Exit::CONNECTION);
    if (m_script) {
        m_busy = false;
        m_timeout.stop();
    }
}

void CliSession::noteFailure(int status)
{
    // A person at the prompt has seen the error; only scripts need it in the exit status.
    if (m_script && m_exitStatus == Exit::OK)
        m_exitStatus = status;
}

void CliSession::armTimeout()
{
    if (m_script)
        m_timeout.start(m_options.timeoutMs);
}

void CliSession::onTimeout()
{
    const double seconds = double(m_options.timeoutMs) / 1000.0;
    if (m_connection.state() != Connection::State::Connected) {
        fail(Exit::CONNECTION, QStringLiteral("not connected after %1 s").arg(seconds));
        return;
    }
    if (m_pending.isEmpty())
        return; // connected and nothing asked: standard input is open, events keep printing
    QStringList waiting;
    for (const Pending &p : std::as_const(m_pending))
        waiting << p.command.name;
    waiting.removeDuplicates();
    fail(Exit::TIMEOUT,
         QStringLiteral("no answer to '%1' within %2 s")
             .arg(waiting.join(QStringLiteral("', '")))
             .arg(seconds));
}

void CliSession::resolveUser(const QString &name, std::function<void(qint64, QString)> done)
{
    if (const qint64 id = m_formatter.idOf(name); id > 0) {
        done(id, QString());
        return;
    }
    // All users for admins (or with the API key); otherwise the online ones.
    const auto lookup = [this, name, done](const QString &path, auto next) {
        QNetworkReply *reply = m_connection.rest("GET", path, {}, true);
        connect(reply, &QNetworkReply::finished, this, [this, reply, name, done, next] {
            reply->deleteLater();
            const QJsonObject json = QJsonDocument::fromJson(reply->readAll()).object();
            for (const QJsonValue &u : json.value(QLatin1StringView("users")).toArray()) {
                m_formatter.remember(u.toObject().value(QLatin1StringView("user_id")).toInteger(),
                                     u.toObject().value(QLatin1StringView("username")).toString());
            }
            if (const qint64 id = m_formatter.idOf(name); id > 0)
                done(id, QString());
            else
                next();
        });
    };
    lookup(QStringLiteral("/api/v1/users"), [lookup, name, done] {
        lookup(QStringLiteral("/api/v1/online?limit=10000"), [name, done] {
            done(0,
                 QStringLiteral("unknown user '%1': give the numeric id (names resolve for "
                                "users seen in events, online users, or all users with an "
                                "admin token)")
                     .arg(name));
        });
    });
}

} // namespace Switchboard::Cli
