// SPDX-License-Identifier: MIT
#include "options.h"

#include <algorithm>

#include <cstdio>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>

#include <arpa/inet.h>

namespace Switchboard::LoadTest {

const char *testTypeName(TestType type)
{
    switch (type) {
    case TestType::Storm:
        return "storm";
    case TestType::Throughput:
        return "throughput";
    case TestType::Sustained:
        return "sustained";
    case TestType::Fanout:
        return "fanout";
    case TestType::Echo:
        return "echo";
    }
    return "?";
}

namespace {

bool parseUrl(const std::string &url, Target *o, std::string *error)
{
    if (url.rfind("wss://", 0) == 0) {
        *error = "wss:// (TLS) is not supported: point the load tester at a plain ws:// listener";
        return false;
    }
    if (url.rfind("ws://", 0) != 0) {
        *error = "--url must start with ws:// (got '" + url + "')";
        return false;
    }
    const std::string rest = url.substr(5);
    const std::size_t slash = rest.find_first_of("/?");
    const std::string authority = rest.substr(0, slash);
    o->path = slash == std::string::npos ? "/" : rest.substr(slash);
    if (o->path.front() == '?')
        o->path = std::string("/") + o->path;
    std::string host = authority;
    const std::size_t colon = authority.rfind(':');
    if (colon != std::string::npos) {
        host = authority.substr(0, colon);
        bool ok = false;
        const int port = QString::fromStdString(authority.substr(colon + 1)).toInt(&ok);
        if (!ok || port < 1 || port > 65535) {
            *error = "bad port in --url '" + url + "'";
            return false;
        }
        o->port = std::uint16_t(port);
    }
    const std::string numeric = host == "localhost" ? "127.0.0.1" : host;
    in_addr addr {};
    if (inet_pton(AF_INET, numeric.c_str(), &addr) != 1) {
        *error = "--url host must be an IPv4 address or localhost (got '" + host + "')";
        return false;
    }
    o->address = addr.s_addr;
    o->loopback = (ntohl(addr.s_addr) >> 24) == 127;
    o->host = authority;
    o->url = url;
    return true;
}

struct Number
{
    const char *name;
    double min;
    double max;
};

bool number(const QCommandLineParser &p, const Number &n, double *out, std::string *error)
{
    const QString key = QString::fromLatin1(n.name);
    if (!p.isSet(key))
        return true;
    bool ok = false;
    const double v = p.value(key).toDouble(&ok);
    if (!ok || v < n.min || v > n.max) {
        *error = "--" + std::string(n.name) + " expects a number from "
            + QString::number(n.min).toStdString() + " to "
            + QString::number(n.max, 'g', 12).toStdString() + " (got '" + p.value(key).toStdString()
            + "')";
        return false;
    }
    *out = v;
    return true;
}

} // namespace

std::string Options::urls() const
{
    std::string out;
    for (const Target &t : targets)
        out += (out.empty() ? "" : ", ") + t.url;
    if (!publisherTargets.empty()) {
        out += " (publishers: ";
        for (std::size_t i = 0; i < publisherTargets.size(); ++i)
            out += (i ? ", " : "") + publisherTargets[i].url;
        out += ")";
    }
    return out;
}

std::optional<Options> parseOptions(const QStringList &arguments, std::string *error, bool *exitNow)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Native WebSocket load generator for Switchboard and the benchmark peers.\n"
        "Test types: storm (N connects at once), throughput (publishers send --messages as fast "
        "as acks allow), sustained (every connection publishes, --rate for --duration), fanout "
        "(--rooms rooms, --publishers at --rate for --duration), echo (request/response RTT at "
        "--rate), all. See docs/BENCHMARKS.md."));
    p.addHelpOption();
    p.addVersionOption();
    auto opt = [&](const char *name, const char *help, const char *valueName = nullptr,
                   const char *def = nullptr) {
        QString text = QString::fromLatin1(help);
        if (def) // QCommandLineParser does not show defaults itself
            text += QStringLiteral(" Default: %1.").arg(QString::fromLatin1(def));
        QCommandLineOption o(QString::fromLatin1(name), text);
        if (valueName)
            o.setValueName(QString::fromLatin1(valueName));
        if (def)
            o.setDefaultValue(QString::fromLatin1(def));
        p.addOption(o);
    };
    opt("url", "Server WebSocket URL (ws://HOST:PORT/PATH). Repeatable.", "url",
        "ws://127.0.0.1:8000/ws");
    opt("publisher-url",
        "Publishers (connections 0 .. P-1) connect here instead of to --url, round robin. "
        "Repeatable.",
        "url");
    opt("test-type", "throughput|storm|sustained|fanout|echo|all.", "type", "throughput");
    opt("protocol", "switchboard (the real protocol) or bench (../shared/bench common protocol).",
        "name", "switchboard");
    opt("connections", "Connections to open.", "N", "100");
    opt("messages", "throughput: messages published in total.", "M", "10000");
    opt("duration", "sustained/fanout/echo: seconds of paced sending.", "S", "10");
    opt("rooms", "Rooms; connection i joins room i % R.", "R", "1");
    opt("publishers",
        "Publishing connections (default: all for sustained, min(10, N/2) otherwise).", "P");
    opt("rate", "sustained/fanout/echo: messages per second in total.", "N", "1000");
    opt("payload-bytes", "Size of the published `data` object (padded).", "B", "64");
    opt("window", "throughput: unacknowledged messages per publisher.", "W", "16");
    opt("direct",
        "throughput: publisher i sends direct messages (`send`, stored, acked after "
        "commit) to connection i+P instead of posting to a room.");
    opt("threads", "I/O threads (one per core you give it).", "T", "1");
    opt("source-addresses", "Spread connections over 127.0.0.1..127.0.0.N.", "N", "10");
    opt("concurrency", "Connects in flight (default: all at once for storm, 256 otherwise).", "C");
    opt("hold", "storm: seconds to hold the idle connections before sampling the server.", "S",
        "0");
    opt("drain",
        "Paced tests: seconds to wait after the last send; throughput: seconds without "
        "progress. What has not arrived by then counts as lost.",
        "S", "5");
    opt("connect-timeout", "Seconds for all connections to be established.", "S", "30");
    opt("max-time", "Hard limit per test, seconds.", "S", "600");
    opt("user-base",
        "First user id (switchboard): connection i of test k is user base + k*1000000 + i, "
        "named lt<id> (the console can hide such users).",
        "id", "1000000");
    opt("jwt-secret-file",
        "Read the HS256 secret from this file (default: $SWITCHBOARD_JWT_SECRET).", "file");
    opt("tokens-file", "Use these tokens (one per line, round-robin) instead of minting.", "file");
    opt("server-pid", "Report this process's CPU time and RSS.", "pid");
    opt("keep",
        "Keep the rooms the test created (and their messages). By default the tool deletes "
        "them when the test ends.");
    opt("json", "Print the result as JSON (one object per line per test type) on stdout.");
    opt("quiet", "No progress line and no summary on stderr.");

    if (!p.parse(arguments)) {
        *error = p.errorText().toStdString();
        return std::nullopt;
    }
    if (p.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(p.helpText()), stdout);
        *exitNow = true;
        return std::nullopt;
    }
    if (p.isSet(QStringLiteral("version"))) {
        std::printf("%s %s\n", qPrintable(QCoreApplication::applicationName()),
                    qPrintable(QCoreApplication::applicationVersion()));
        *exitNow = true;
        return std::nullopt;
    }
    if (!p.positionalArguments().isEmpty()) {
        *error = "unexpected argument '" + p.positionalArguments().first().toStdString() + "'";
        return std::nullopt;
    }

    Options o;
    for (const QString &url : p.values(QStringLiteral("url"))) {
        Target t;
        if (!parseUrl(url.toStdString(), &t, error))
            return std::nullopt;
        o.targets.push_back(t);
    }
    for (const QString &url : p.values(QStringLiteral("publisher-url"))) {
        Target t;
        if (!parseUrl(url.toStdString(), &t, error))
            return std::nullopt;
        o.publisherTargets.push_back(t);
    }
    const QString type = p.value(QStringLiteral("test-type"));
    const QList<QPair<QString, TestType>> types {
        {QStringLiteral("storm"), TestType::Storm},
        {QStringLiteral("throughput"), TestType::Throughput},
        {QStringLiteral("sustained"), TestType::Sustained},
        {QStringLiteral("fanout"), TestType::Fanout},
        {QStringLiteral("echo"), TestType::Echo}};
    for (const auto &[name, t] : types)
        if (type == name || type == QLatin1StringView("all"))
            o.tests.push_back(t);
    if (o.tests.empty()) {
        *error = "--test-type must be throughput, storm, sustained, fanout, echo or all (got '"
            + type.toStdString() + "')";
        return std::nullopt;
    }
    const QString protocol = p.value(QStringLiteral("protocol"));
    if (protocol == QLatin1StringView("bench")) {
        o.protocol = Protocol::Bench;
    } else if (protocol != QLatin1StringView("switchboard")) {
        *error = "--protocol must be switchboard or bench (got '" + protocol.toStdString() + "')";
        return std::nullopt;
    }

    double connections = o.connections, messages = double(o.messages), rooms = o.rooms,
           publishers = 0, payload = o.payloadBytes, window = o.window, threads = o.threads,
           sources = o.sourceAddresses, concurrency = 0, userBase = double(o.userBase), pid = 0;
    const bool ok = number(p, {"connections", 1, 1000000}, &connections, error)
        && number(p, {"messages", 1, 1e12}, &messages, error)
        && number(p, {"duration", 0.1, 86400}, &o.durationS, error)
        && number(p, {"rooms", 1, 1000000}, &rooms, error)
        && number(p, {"publishers", 1, 1000000}, &publishers, error)
        && number(p, {"rate", 0.1, 1e9}, &o.rate, error)
        && number(p, {"payload-bytes", 0, 60000}, &payload, error)
        && number(p, {"window", 1, 1000000}, &window, error)
        && number(p, {"threads", 1, 256}, &threads, error)
        && number(p, {"source-addresses", 1, 254}, &sources, error)
        && number(p, {"concurrency", 1, 1000000}, &concurrency, error)
        && number(p, {"hold", 0, 86400}, &o.holdS, error)
        && number(p, {"drain", 0.1, 3600}, &o.drainS, error)
        && number(p, {"connect-timeout", 0.1, 3600}, &o.connectTimeoutS, error)
        && number(p, {"max-time", 1, 86400 * 7}, &o.maxTimeS, error)
        && number(p, {"user-base", 1, 1e15}, &userBase, error)
        && number(p, {"server-pid", 1, 1e9}, &pid, error);
    if (!ok)
        return std::nullopt;
    o.connections = int(connections);
    o.messages = std::uint64_t(messages);
    o.rooms = int(rooms);
    o.publishers = int(publishers);
    o.payloadBytes = int(payload);
    o.window = int(window);
    o.threads = int(threads);
    o.sourceAddresses = int(sources);
    o.concurrency = int(concurrency);
    o.userBase = std::int64_t(userBase);
    o.serverPid = int(pid);
    o.json = p.isSet(QStringLiteral("json"));
    o.keep = p.isSet(QStringLiteral("keep"));
    o.quiet = p.isSet(QStringLiteral("quiet"));
    o.direct = p.isSet(QStringLiteral("direct"));
    // A paced option with only unpaced tests would be ignored without a word: refuse it.
    const bool paced = std::any_of(o.tests.begin(), o.tests.end(), [](TestType t) {
        return t == TestType::Sustained || t == TestType::Fanout || t == TestType::Echo;
    });
    for (const char *name : {"duration", "rate"}) {
        if (!paced && p.isSet(QString::fromLatin1(name))) {
            *error = std::string("--") + name
                + " applies to the paced test types (sustained, fanout, echo, all); --test-type "
                + type.toStdString() + " does not use it";
            return std::nullopt;
        }
    }
    if (o.rooms > o.connections) {
        *error = "--rooms (" + std::to_string(o.rooms) + ") cannot exceed --connections ("
            + std::to_string(o.connections) + ")";
        return std::nullopt;
    }
    if (o.publishers > o.connections) {
        *error = "--publishers cannot exceed --connections";
        return std::nullopt;
    }

    if (p.isSet(QStringLiteral("tokens-file"))) {
        QFile f(p.value(QStringLiteral("tokens-file")));
        if (!f.open(QIODevice::ReadOnly)) {
            *error = "cannot read --tokens-file: " + f.errorString().toStdString();
            return std::nullopt;
        }
        for (const QByteArray &line : f.readAll().split('\n'))
            if (!line.trimmed().isEmpty())
                o.tokens.push_back(line.trimmed().toStdString());
        if (o.tokens.empty()) {
            *error = "--tokens-file holds no token";
            return std::nullopt;
        }
    } else if (p.isSet(QStringLiteral("jwt-secret-file"))) {
        QFile f(p.value(QStringLiteral("jwt-secret-file")));
        if (!f.open(QIODevice::ReadOnly)) {
            *error = "cannot read --jwt-secret-file: " + f.errorString().toStdString();
            return std::nullopt;
        }
        o.jwtSecret = f.readAll().trimmed().toStdString();
    } else {
        o.jwtSecret = qEnvironmentVariable("SWITCHBOARD_JWT_SECRET").toStdString();
    }
    if (o.protocol == Protocol::Switchboard && o.tokens.empty() && o.jwtSecret.size() < 32) {
        *error = o.jwtSecret.empty()
            ? "no credentials: set SWITCHBOARD_JWT_SECRET to the server's HS256 secret (its "
              "data_dir/jwt_secret file), or give --jwt-secret-file FILE or --tokens-file FILE"
            : "the HS256 secret is shorter than 32 bytes: the server would never accept it";
        return std::nullopt;
    }
    if (o.direct && (o.protocol != Protocol::Switchboard || !o.tokens.empty())) {
        *error = "--direct needs --protocol switchboard and minted tokens (the user ids must be "
                 "known)";
        return std::nullopt;
    }
    return o;
}

} // namespace Switchboard::LoadTest
