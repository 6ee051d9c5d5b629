// SPDX-License-Identifier: MIT
// switchboard-cli: a terminal client for Switchboard (docs/CLI.md).
#include "clioptions.h"
#include "clisession.h"
#include "terminal.h"

#include <cstdio>

#include <QCoreApplication>

#include <unistd.h>

using namespace Switchboard::Cli;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("switchboard-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SWITCHBOARD_VERSION));
    CliOptions options;
    QString error;
    if (!parseCliOptions(QCoreApplication::arguments(), &options, &error)) {
        std::fprintf(stderr, "switchboard-cli: %s\n(see switchboard-cli --help)\n",
                     qPrintable(error));
        return Exit::USAGE;
    }
    if (options.passwordStdin) {
        bool ok = false;
        options.connection.password = Terminal::readSecretLine(QStringLiteral("Password: "), &ok);
        if (!ok || options.connection.password.isEmpty()) {
            std::fprintf(stderr, "switchboard-cli: no password on standard input\n");
            return Exit::USAGE;
        }
    }
    // Line editing only when a person types: stdin and stdout on a terminal, no --exec.
    const bool interactive = !options.hasExec && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    Terminal terminal(interactive);
    CliSession session(options, &terminal);
    QObject::connect(
        &session, &CliSession::finished, &app, [](int status) { QCoreApplication::exit(status); },
        Qt::QueuedConnection);
    session.start();
    return app.exec();
}
