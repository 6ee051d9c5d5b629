// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QList>
#include <QObject>

namespace Switchboard::Console {

// What the dashboard shows: the server's identity, the latest totals, and the admin_stats
// samples of the last minutes (older ones are dropped) for the live graphs.
class StatsHistory : public QObject
{
    Q_OBJECT

public:
    struct Sample
    {
        qint64 at = 0; // ms since the epoch, when the tick arrived
        qint64 connections = 0;
        qint64 usersOnline = 0;
        double messagesPerSec = 0;
        double framesInPerSec = 0;
        double framesOutPerSec = 0;
        double connectsPerSec = 0;
        qint64 rssBytes = 0;
    };

    explicit StatsHistory(QObject *parent = nullptr);

    void setServer(const QJsonObject &server, qint64 receivedAt);
    void setTotals(const QJsonObject &totals);
    // One admin_stats frame: updates the totals and appends a sample.
    void addStats(const QJsonObject &stats, qint64 receivedAt);
    void clear();

    QJsonObject server() const { return m_server; }
    // Uptime now, from the snapshot's uptime plus the time since it arrived.
    qint64 uptimeMs(qint64 now) const;
    QJsonObject totals() const { return m_totals; }
    const QList<Sample> &samples() const { return m_samples; }
    qint64 windowMs() const { return m_windowMs; }
    void setWindowMs(qint64 ms) { m_windowMs = ms; }

Q_SIGNALS:
    void serverChanged();
    void totalsChanged();
    void sampleAdded(const Switchboard::Console::StatsHistory::Sample &sample);
    void cleared();

private:
    QJsonObject m_server;
    qint64 m_serverReceivedAt = 0;
    QJsonObject m_totals;
    QList<Sample> m_samples;
    qint64 m_windowMs = 10 * 60 * 1000;
};

} // namespace Switchboard::Console
