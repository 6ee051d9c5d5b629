// SPDX-License-Identifier: MIT
#include "report.h"

#include <cmath>
#include <cstdio>

#include <QJsonDocument>
#include <QJsonObject>

namespace Switchboard::LoadTest::Report {

namespace {

double round3(double v)
{
    return std::round(v * 1000.0) / 1000.0;
}

QJsonValue ms(const Histogram &h, double q)
{
    const auto v = q >= 1.0 ? (h.count() ? std::optional<std::uint64_t>(h.max()) : std::nullopt)
                            : h.percentile(q);
    return v ? QJsonValue(round3(double(*v) / 1e6)) : QJsonValue(QJsonValue::Null);
}

std::string fmtMs(const Histogram &h, double q)
{
    const auto v = q >= 1.0 ? (h.count() ? std::optional<std::uint64_t>(h.max()) : std::nullopt)
                            : h.percentile(q);
    if (!v)
        return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", double(*v) / 1e6);
    return buf;
}

std::string fmt(const char *format, double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

} // namespace

QByteArray json(const TestResult &r)
{
    const std::uint64_t loss = r.expected > r.delivered ? r.expected - r.delivered : 0;
    QJsonObject o {
        {QStringLiteral("test_type"), QString::fromLatin1(testTypeName(r.type))},
        {QStringLiteral("connections"), r.connections},
        {QStringLiteral("connect_per_sec"), std::round(r.connectPerSec * 10) / 10},
        {QStringLiteral("handshake_ms"),
         QJsonObject {{QStringLiteral("p50"), ms(r.handshake, 0.5)},
                      {QStringLiteral("p99"), ms(r.handshake, 0.99)}}},
        {QStringLiteral("sent"), qint64(r.sent)},
        {QStringLiteral("delivered"), qint64(r.delivered)},
        {QStringLiteral("delivered_per_sec"), std::round(r.deliveredPerSec)},
        {QStringLiteral("loss"), qint64(loss)},
        {QStringLiteral("latency_ms"),
         QJsonObject {{QStringLiteral("p50"), ms(r.latency, 0.5)},
                      {QStringLiteral("p90"), ms(r.latency, 0.9)},
                      {QStringLiteral("p99"), ms(r.latency, 0.99)},
                      {QStringLiteral("p999"), ms(r.latency, 0.999)},
                      {QStringLiteral("max"), ms(r.latency, 1.0)}}},
        {QStringLiteral("errors"), qint64(r.errors)},
        {QStringLiteral("refused"), qint64(r.refused)},
        {QStringLiteral("connections_lost"), qint64(r.unexpectedCloses)},
        {QStringLiteral("client_cpu_s"), round3(r.clientCpuS)},
        {QStringLiteral("server_cpu_s"),
         r.serverCpuS ? QJsonValue(round3(*r.serverCpuS)) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("server_rss_bytes"),
         r.serverRssBytes && *r.serverRssBytes >= 0 ? QJsonValue(qint64(*r.serverRssBytes))
                                                    : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("saturated"), r.saturated},
    };
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

std::string summary(const TestResult &r)
{
    const std::string t = std::string("[") + testTypeName(r.type) + "] ";
    std::string s;
    s += t + std::to_string(r.connections) + "/" + std::to_string(r.requested) + " connected, "
        + fmt("%.0f", r.connectPerSec) + " connections/s, handshake p50 " + fmtMs(r.handshake, 0.5)
        + " ms p99 " + fmtMs(r.handshake, 0.99) + " ms, ready p99 " + fmtMs(r.welcome, 0.99)
        + " ms\n";
    for (const auto &[why, n] : r.failures)
        s += t + "  " + std::to_string(n) + " failed: " + why + "\n";
    if (r.type != TestType::Storm) {
        const std::uint64_t loss = r.expected > r.delivered ? r.expected - r.delivered : 0;
        s += t + "sent " + std::to_string(r.sent) + ", delivered " + std::to_string(r.delivered)
            + "/" + std::to_string(r.expected) + " (" + std::to_string(loss) + " lost) = "
            + fmt("%.0f", r.deliveredPerSec) + "/s over " + fmt("%.3f", r.activeSeconds) + " s\n";
        if (r.refused)
            s += t + std::to_string(r.refused)
                + " publications refused by the server (RATE_LIMITED / UNAVAILABLE: not stored, "
                  "not expected)\n";
        s += t + "latency ms p50 " + fmtMs(r.latency, 0.5) + " p90 " + fmtMs(r.latency, 0.9)
            + " p99 " + fmtMs(r.latency, 0.99) + " p99.9 " + fmtMs(r.latency, 0.999) + " max "
            + fmtMs(r.latency, 1.0) + "\n";
        if (r.senderLag.count())
            s += t + "sender lag ms p50 " + fmtMs(r.senderLag, 0.5) + " p99 "
                + fmtMs(r.senderLag, 0.99) + " max " + fmtMs(r.senderLag, 1.0)
                + " (how late paced sends left)\n";
    }
    s += t + "client CPU " + fmt("%.3f", r.clientCpuS) + " s ("
        + fmt("%.0f", r.clientUtilisation * 100) + "% of " + std::to_string(r.cores)
        + (r.cores == 1 ? " core" : " cores") + " while active)";
    if (r.serverCpuS)
        s += ", server CPU " + fmt("%.3f", *r.serverCpuS) + " s";
    if (r.serverRssBytes && *r.serverRssBytes >= 0) {
        s += ", server RSS " + fmt("%.1f", double(*r.serverRssBytes) / 1048576.0) + " MiB";
        if (r.type == TestType::Storm && r.serverRssBeforeBytes && r.connections)
            s += " ("
                + fmt("%+.0f", double(*r.serverRssBytes - *r.serverRssBeforeBytes) / r.connections)
                + " B per connection)";
    }
    s += "\n";
    if (r.serverConnectCpuS && r.connections)
        s += t + "server CPU per accepted connection "
            + fmt("%.0f", *r.serverConnectCpuS * 1e6 / r.connections) + " us"
            + (r.serverHoldCpuS && r.holdSeconds > 0.5
                   ? ", idle while holding " + fmt("%.2f", *r.serverHoldCpuS / r.holdSeconds * 100)
                       + "% of a core over " + fmt("%.1f", r.holdSeconds) + " s"
                   : std::string())
            + "\n";
    if (r.errors || r.stray || r.duplicates || r.unexpectedCloses)
        s += t + std::to_string(r.errors) + " errors, " + std::to_string(r.unexpectedCloses)
            + " connections lost, " + std::to_string(r.duplicates) + " duplicate/out-of-order, "
            + std::to_string(r.stray) + " stray frames\n";
    for (const std::string &e : r.errorSamples)
        s += t + "  " + e + "\n";
    if (r.roomsCreated)
        s += t + "rooms: " + std::to_string(r.roomsCreated) + " created, "
            + std::to_string(r.roomsDeleted) + " deleted at the end"
            + (r.roomsDeleted < r.roomsCreated ? " (--keep keeps them)" : "") + "\n";
    if (r.saturated)
        s += t + "WARNING: the load generator was saturated ("
            + fmt("%.0f", r.clientUtilisation * 100) + "% of its " + std::to_string(r.cores)
            + (r.cores == 1 ? " core" : " cores")
            + "): these figures measure the client, not the server. Give it more --threads and "
              "cores.\n";
    return s;
}

} // namespace Switchboard::LoadTest::Report
