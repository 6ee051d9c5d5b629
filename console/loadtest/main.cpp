// SPDX-License-Identifier: MIT
// switchboard-loadtest: a native WebSocket load generator (epoll, own RFC 6455 client).
#include "loadtester.h"
#include "options.h"
#include "report.h"

#include <csignal>
#include <cstdio>

#include <QCoreApplication>

#include <sys/resource.h>

using namespace Switchboard::LoadTest;

namespace {

// Exit codes, as documented in docs/BENCHMARKS.md.
constexpr int EXIT_OK = 0;
constexpr int EXIT_ERRORS = 1; // ran, but connections failed or errors occurred
constexpr int EXIT_USAGE = 2; // bad options, or the connections cannot fit in this process
constexpr int EXIT_NO_SERVER = 3; // not a single connection could be established

// Raises the soft descriptor limit to the hard one; returns the soft limit now in force.
rlim_t raiseFileLimit()
{
    rlimit rl {};
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("switchboard-loadtest"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SWITCHBOARD_VERSION));
    std::signal(SIGPIPE, SIG_IGN);

    std::string error;
    bool exitNow = false;
    const auto options = parseOptions(QCoreApplication::arguments(), &error, &exitNow);
    if (exitNow)
        return EXIT_OK;
    if (!options) {
        std::fprintf(stderr, "switchboard-loadtest: %s\n", error.c_str());
        return EXIT_USAGE;
    }

    // Every connection is a descriptor; a few more go to epoll, stdio and /proc reads.
    const rlim_t limit = raiseFileLimit();
    const rlim_t needed = rlim_t(options->connections) + rlim_t(options->threads) + 32;
    if (needed > limit) {
        std::fprintf(stderr,
                     "switchboard-loadtest: %d connections need about %llu file descriptors, but "
                     "this process may open at most %llu (the hard limit, raised to already; only "
                     "a privileged user can lift it). Use at most %llu connections per process and "
                     "run several processes side by side.\n",
                     options->connections, (unsigned long long)needed, (unsigned long long)limit,
                     (unsigned long long)(limit > rlim_t(options->threads) + 32
                                              ? limit - rlim_t(options->threads) - 32
                                              : 0));
        return EXIT_USAGE;
    }

    LoadTester tester(*options);
    int status = EXIT_OK;
    int index = 0;
    for (TestType type : options->tests) {
        std::string fatal;
        const auto result = tester.run(type, index++, &fatal);
        if (!result) {
            std::fprintf(stderr, "switchboard-loadtest: [%s] %s\n", testTypeName(type),
                         fatal.c_str());
            return EXIT_NO_SERVER;
        }
        const std::string summary = Report::summary(*result);
        if (options->json) {
            const QByteArray line = Report::json(*result);
            std::fwrite(line.constData(), 1, std::size_t(line.size()), stdout);
            std::fputc('\n', stdout);
            std::fflush(stdout);
            if (!options->quiet)
                std::fputs(summary.c_str(), stderr);
        } else {
            std::fputs(summary.c_str(), stdout);
            std::fflush(stdout);
        }
        if (result->errors || result->failed)
            status = EXIT_ERRORS;
    }
    return status;
}
