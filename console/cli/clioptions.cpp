// SPDX-License-Identifier: MIT
#include "clioptions.h"

#include "command.h"

#include <QCommandLineParser>
#include <QCoreApplication>

namespace Switchboard::Cli {

bool parseCliOptions(const QStringList &arguments, CliOptions *out, QString *error)
{
    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral("Terminal client for Switchboard: connect, send and watch events.\n\n")
        + helpText());
    p.addHelpOption();
    p.addVersionOption();
    const QCommandLineOption url(QStringLiteral("url"),
                                 QStringLiteral("WebSocket URL (default $SWITCHBOARD_URL or "
                                                "ws://127.0.0.1:8000/ws)."),
                                 QStringLiteral("URL"));
    const QCommandLineOption user(QStringLiteral("user"),
                                  QStringLiteral("Log in as NAME (with --password-stdin)."),
                                  QStringLiteral("NAME"));
    const QCommandLineOption passwordStdin(
        QStringLiteral("password-stdin"),
        QStringLiteral("Read the password from the first line of standard input."));
    const QCommandLineOption token(QStringLiteral("token"),
                                   QStringLiteral("A ready JWT (default $SWITCHBOARD_TOKEN)."),
                                   QStringLiteral("T"));
    const QCommandLineOption apiKey(QStringLiteral("api-key"),
                                    QStringLiteral("API key for REST look-ups (default "
                                                   "$SWITCHBOARD_API_KEY)."),
                                    QStringLiteral("KEY"));
    const QCommandLineOption room(QStringLiteral("room"),
                                  QStringLiteral("Join ROOM on connect (?room_id=)."),
                                  QStringLiteral("ROOM"));
    const QCommandLineOption raw(QStringLiteral("raw"),
                                 QStringLiteral("Print incoming frames as JSON lines."));
    const QCommandLineOption noAutoPing(QStringLiteral("no-auto-ping"),
                                        QStringLiteral("Do not send a ping every 30 s."));
    const QCommandLineOption autoPing(QStringLiteral("auto-ping"),
                                      QStringLiteral("Seconds between automatic pings (30)."),
                                      QStringLiteral("S"), QStringLiteral("30"));
    const QCommandLineOption noReconnect(QStringLiteral("no-reconnect"),
                                         QStringLiteral("Exit when the connection is lost."));
    const QCommandLineOption exec(QStringLiteral("exec"),
                                  QStringLiteral("Run commands separated by ';' and exit."),
                                  QStringLiteral("CMDS"));
    const QCommandLineOption timeout(QStringLiteral("timeout"),
                                     QStringLiteral("Seconds a script command waits for its "
                                                    "answer, or for the connection (30)."),
                                     QStringLiteral("S"), QStringLiteral("30"));
    const QCommandLineOption client(QStringLiteral("client"),
                                    QStringLiteral("Client name shown to operators."),
                                    QStringLiteral("NAME"), QStringLiteral("switchboard-cli"));
    p.addOptions({url, user, passwordStdin, token, apiKey, room, raw, noAutoPing, autoPing,
                  noReconnect, exec, timeout, client});
    if (!p.parse(arguments)) {
        *error = p.errorText();
        return false;
    }
    if (p.isSet(QStringLiteral("help")))
        p.showHelp(Exit::OK);
    if (p.isSet(QStringLiteral("version")))
        p.showVersion();

    if (!p.positionalArguments().isEmpty()) {
        *error = QStringLiteral("unexpected argument '%1' (commands go in --exec or stdin)")
                     .arg(p.positionalArguments().constFirst());
        return false;
    }
    Client::ConnectionOptions &c = out->connection;
    const QString urlText = p.isSet(url)                 ? p.value(url)
        : qEnvironmentVariableIsEmpty("SWITCHBOARD_URL") ? QStringLiteral("ws://127.0.0.1:8000/ws")
                                                         : qEnvironmentVariable("SWITCHBOARD_URL");
    c.url = QUrl(urlText, QUrl::StrictMode);
    if (!c.url.isValid()
        || (c.url.scheme() != QLatin1StringView("ws") && c.url.scheme() != QLatin1StringView("wss"))
        || c.url.host().isEmpty()) {
        *error
            = QStringLiteral("--url must be ws://HOST:PORT/ws or wss://..., not '%1'").arg(urlText);
        return false;
    }
    c.username = p.value(user);
    out->passwordStdin = p.isSet(passwordStdin);
    c.token = p.isSet(token) ? p.value(token) : qEnvironmentVariable("SWITCHBOARD_TOKEN");
    c.apiKey = p.isSet(apiKey) ? p.value(apiKey) : qEnvironmentVariable("SWITCHBOARD_API_KEY");
    if (!c.username.isEmpty() && !out->passwordStdin) {
        *error = QStringLiteral("--user needs --password-stdin (passwords never go on the "
                                "command line)");
        return false;
    }
    if (c.username.isEmpty() && out->passwordStdin) {
        *error = QStringLiteral("--password-stdin needs --user");
        return false;
    }
    if (!c.username.isEmpty())
        c.token.clear(); // an explicit login wins over $SWITCHBOARD_TOKEN
    if (c.username.isEmpty() && c.token.isEmpty()) {
        *error = QStringLiteral("give --user NAME --password-stdin, --token T or "
                                "$SWITCHBOARD_TOKEN");
        return false;
    }
    c.roomOnConnect = p.value(room);
    c.clientName = p.value(client);
    c.autoReconnect = !p.isSet(noReconnect);
    bool ok = false;
    const double pingSeconds = p.value(autoPing).toDouble(&ok);
    if (!ok || pingSeconds <= 0) {
        *error = QStringLiteral("--auto-ping must be a positive number of seconds");
        return false;
    }
    c.autoPingMs = p.isSet(noAutoPing) ? 0 : int(pingSeconds * 1000);
    const double timeoutSeconds = p.value(timeout).toDouble(&ok);
    if (!ok || timeoutSeconds <= 0) {
        *error = QStringLiteral("--timeout must be a positive number of seconds");
        return false;
    }
    out->timeoutMs = int(timeoutSeconds * 1000);
    out->raw = p.isSet(raw);
    out->hasExec = p.isSet(exec);
    if (out->hasExec)
        out->exec = splitScript(p.values(exec).join(QLatin1Char(';')));
    return true;
}

} // namespace Switchboard::Cli
