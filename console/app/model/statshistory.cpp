// SPDX-License-Identifier: MIT
#include "statshistory.h"

#include "jsonfields.h"

namespace Switchboard::Console {

StatsHistory::StatsHistory(QObject *parent)
    : QObject(parent)
{ }

void StatsHistory::setServer(const QJsonObject &server, qint64 receivedAt)
{
    m_server = server;
    m_serverReceivedAt = receivedAt;
    Q_EMIT serverChanged();
}

qint64 StatsHistory::uptimeMs(qint64 now) const
{
    if (m_server.isEmpty())
        return 0;
    return Json::num(m_server, "uptime_ms") + qMax<qint64>(0, now - m_serverReceivedAt);
}

void StatsHistory::setTotals(const QJsonObject &totals)
{
    m_totals = totals;
    Q_EMIT totalsChanged();
}

void StatsHistory::addStats(const QJsonObject &stats, qint64 receivedAt)
{
    for (const char *key : {"connections", "users_online", "rooms", "messages_stored"}) {
        if (stats.contains(QLatin1StringView(key)))
            m_totals.insert(QLatin1StringView(key), stats.value(QLatin1StringView(key)));
    }
    Q_EMIT totalsChanged();

    Sample s;
    s.at = receivedAt;
    s.connections = Json::num(stats, "connections");
    s.usersOnline = Json::num(stats, "users_online");
    s.messagesPerSec = stats.value(QLatin1StringView("messages_per_sec")).toDouble();
    s.framesInPerSec = stats.value(QLatin1StringView("frames_in_per_sec")).toDouble();
    s.framesOutPerSec = stats.value(QLatin1StringView("frames_out_per_sec")).toDouble();
    s.connectsPerSec = stats.value(QLatin1StringView("connects_per_sec")).toDouble();
    s.rssBytes = Json::num(stats, "rss_bytes");
    m_samples.append(s);
    while (!m_samples.isEmpty() && m_samples.first().at < receivedAt - m_windowMs)
        m_samples.removeFirst();
    Q_EMIT sampleAdded(s);
}

void StatsHistory::clear()
{
    m_server = {};
    m_totals = {};
    m_samples.clear();
    Q_EMIT cleared();
}

} // namespace Switchboard::Console
