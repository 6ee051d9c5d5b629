// SPDX-License-Identifier: MIT
#pragma once

#include "connectionoptions.h"

#include <QStringList>

namespace Switchboard::Cli {

// Exit statuses of switchboard-cli (docs/CLI.md, "Exit status").
namespace Exit {
constexpr int OK = 0;
constexpr int COMMAND_FAILED = 1; // an error frame answered a command, or a command was invalid
constexpr int USAGE = 2; // bad command-line options
constexpr int REFUSED = 3; // login or token refused (HTTP 401/403, close 4001/4002/4003)
constexpr int CONNECTION = 4; // could not connect, or lost the connection for good
constexpr int TIMEOUT = 5; // a command got no answer in time
} // namespace Exit

// The parsed command line.
struct CliOptions
{
    Client::ConnectionOptions connection;
    bool passwordStdin = false;
    bool raw = false;
    QStringList exec; // --exec commands; empty = read stdin
    bool hasExec = false;
    int timeoutMs = 30000; // per command in script mode
};

// Parses arguments (and SWITCHBOARD_URL / SWITCHBOARD_TOKEN / SWITCHBOARD_API_KEY); on a usage
// error returns false with the message in *error (help and version print and exit).
bool parseCliOptions(const QStringList &arguments, CliOptions *out, QString *error);

} // namespace Switchboard::Cli
