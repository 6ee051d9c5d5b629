// SPDX-License-Identifier: MIT
// switchboardd: the daemon, and its operator commands (`switchboardd user ...`, `access ...`).
#include "app/accesscommands.h"
#include "app/application.h"
#include "app/logging.h"
#include "app/usercommands.h"
#include "config/config.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTextStream>
#include <QUrl>

#include <csignal>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Switchboard;

namespace {

int g_signalFds[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(g_signalFds[0], &byte, 1);
}

void printHelp()
{
    QTextStream(stdout)
        << "usage: switchboardd [--config FILE] [--listen ADDR:PORT] [--data-dir DIR]\n"
           "                    [--database-url URL] [--KEY VALUE ...]\n"
           "       switchboardd [options] user add|list|passwd|disable|enable ...\n"
           "       switchboardd [options] access list|add|remove ...\n\n"
           "Every setting comes from the INI file, SWITCHBOARD_<KEY> environment variables\n"
           "or --key-name VALUE options (command line > environment > file > defaults).\n"
           "Settings: "
        << ConfigLoader::keys().join(QStringLiteral(", "))
        << "\nSee docs/CONFIG.md for their meaning.\n";
}

// Descriptors the daemon needs besides its WebSockets: listeners, epoll and event descriptors,
// the database and its journal, log, signal pipe, spare descriptors, REST calls in progress.
constexpr rlim_t FD_RESERVE = 64;

// Sockets are files: take the whole hard limit so connection counts are not capped at 1024, then
// make max_connections fit it. A max_connections above the limit is lowered with a warning (the
// daemon works, and accept() running out of descriptors is handled, but the setting could never
// be reached); a limit too small for the daemon itself is an error.
bool fitFileLimit(Config &config, QTextStream &err)
{
    rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return true;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur == RLIM_INFINITY
        || rlim_t(config.maxConnections) + FD_RESERVE <= limit.rlim_cur)
        return true;
    if (limit.rlim_cur <= FD_RESERVE) {
        err << "switchboardd: the open-file limit (RLIMIT_NOFILE) is " << qulonglong(limit.rlim_cur)
            << ", too low to run: at least " << qulonglong(FD_RESERVE + 1)
            << " are needed, plus one per connection (raise LimitNOFILE= in the systemd unit, "
               "or ulimit -n)"
            << Qt::endl;
        return false;
    }
    const int lowered = int(limit.rlim_cur - FD_RESERVE);
    err << "switchboardd: warning: max_connections " << config.maxConnections
        << " does not fit the open-file limit (RLIMIT_NOFILE) of " << qulonglong(limit.rlim_cur)
        << "; lowered to " << lowered << " (raise LimitNOFILE= in the systemd unit, or ulimit -n, "
        << "to at least " << qulonglong(rlim_t(config.maxConnections) + FD_RESERVE) << ")"
        << Qt::endl;
    config.maxConnections = lowered;
    return true;
}

// Secrets given as options are visible to every local user in `ps` and /proc/<pid>/cmdline:
// say so, and where they belong instead. The names of the options only, never their values.
void warnAboutSecretsOnCommandLine(const QMap<QString, QString> &commandLine, QTextStream &err)
{
    QStringList named;
    for (const char *key : {"api_key", "jwt_secret"}) {
        if (commandLine.contains(QLatin1StringView(key)))
            named << QStringLiteral("--") + QString::fromLatin1(key).replace(u'_', u'-');
    }
    const QString url = commandLine.value(QStringLiteral("database_url"));
    if (url.contains(QLatin1StringView("password="), Qt::CaseInsensitive)
        || QUrl(url).password().size() > 0)
        named << QStringLiteral("--database-url (with a password)");
    if (!named.isEmpty())
        err << "switchboardd: warning: " << named.join(QStringLiteral(", "))
            << " on the command line is visible to every local user (ps); put secrets in the "
               "configuration file (mode 0640) or SWITCHBOARD_* environment variables"
            << Qt::endl;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("switchboardd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SWITCHBOARD_VERSION));
    QTextStream err(stderr);

    ConfigLoader::Sources sources;
    sources.environment = ConfigLoader::processEnvironment();
    sources.configFile = sources.environment.value(QStringLiteral("SWITCHBOARD_CONFIG"));
    QStringList rest;
    const QStringList args = app.arguments().mid(1);
    for (int i = 0; i < args.size(); ++i) {
        const QString &a = args[i];
        if (!rest.isEmpty() || !a.startsWith(QLatin1StringView("--"))) {
            rest << a;
            continue;
        }
        if (a == QLatin1StringView("--help")) {
            printHelp();
            return 0;
        }
        if (a == QLatin1StringView("--version")) {
            QTextStream(stdout) << "switchboardd " << SWITCHBOARD_VERSION << Qt::endl;
            return 0;
        }
        QString key = a.mid(2);
        QString value;
        const int eq = key.indexOf(QLatin1Char('='));
        if (eq >= 0) {
            value = key.mid(eq + 1);
            key = key.left(eq);
        } else if (i + 1 < args.size()) {
            value = args[++i];
        } else {
            err << "switchboardd: option --" << key << " needs a value" << Qt::endl;
            return 2;
        }
        key.replace(QLatin1Char('-'), QLatin1Char('_'));
        if (key == QLatin1StringView("config"))
            sources.configFile = value;
        else
            sources.commandLine.insert(key, value);
    }

    warnAboutSecretsOnCommandLine(sources.commandLine, err);
    Config config;
    QString error;
    if (!ConfigLoader::load(sources, &config, &error)) {
        err << "switchboardd: " << error << Qt::endl;
        return 2;
    }
    setupLogging(config.logLevel);

    if (!rest.isEmpty()) {
        if (rest.first() == QLatin1StringView("user"))
            return runUserCommand(config, rest.mid(1));
        if (rest.first() == QLatin1StringView("access"))
            return runAccessCommand(config, rest.mid(1));
        err << "switchboardd: unknown command '" << rest.first() << "' (see --help)" << Qt::endl;
        return 2;
    }

    if (!fitFileLimit(config, err))
        return 2;
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalFds) != 0) {
        err << "switchboardd: socketpair failed" << Qt::endl;
        return 1;
    }
    QSocketNotifier notifier(g_signalFds[1], QSocketNotifier::Read);
    std::signal(SIGTERM, onSignal);
    std::signal(SIGINT, onSignal);
    std::signal(SIGPIPE, SIG_IGN);

    Application server(config);
    QObject::connect(&notifier, &QSocketNotifier::activated, &app, [&]() {
        char byte;
        [[maybe_unused]] const auto n = ::read(g_signalFds[1], &byte, 1);
        notifier.setEnabled(false);
        logInfo(QStringLiteral("signal received; draining connections"));
        server.stop();
        QCoreApplication::quit();
    });
    for (const QString &line : config.describe())
        logInfo(QStringLiteral("config: ") + line);
    // Exit 2 for a configuration error: the unit does not restart those (docs/CONFIG.md).
    bool configuration = false;
    if (!server.start(&error, &configuration)) {
        err << "switchboardd: " << error << Qt::endl;
        return configuration ? 2 : 1;
    }
    return app.exec();
}
