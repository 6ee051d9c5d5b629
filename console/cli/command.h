// SPDX-License-Identifier: MIT
#pragma once

#include <variant>

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace Switchboard::Cli {

// One parsed command line of switchboard-cli (docs/CLI.md, "Commands"): the frame to send and
// how its outcome is known. Parsing is pure so it can be reasoned about apart from I/O.
struct Command
{
    enum class Kind {
        Frame, // send `frame`; the answer carries its id (ack, pong, room_joined, error, ...)
        Quiet, // send `frame`; no answer when it works (typing): a ping behind it tells
        Raw, // `json`: send `raw` as typed
        Help,
        Quit,
        Empty, // blank line or comment
    };
    Kind kind = Kind::Empty;
    QString name; // the command word
    QJsonObject frame;
    QString raw;
    // A user named by name (dm, notification, typing, history): resolved to an id and put in
    // frame[userField] (typing and history: as "user:<id>" context / `with`) before sending.
    QString userName;
    QString userField;
    QString userPrefix; // "user:" for a typing context
    // Whether sending it again after a reconnect cannot do harm (reads, pings, and posts with
    // an idempotency key).
    bool retryable = false;
};

// Parses one command line; returns the command or an error message for the user.
std::variant<Command, QString> parseCommand(const QString &line);

// Splits --exec text on ';' (a backslash keeps a ';' in a message).
QStringList splitScript(const QString &script);

// The command reference printed by `help` (kept beside the parser so they agree).
QString helpText();

} // namespace Switchboard::Cli
