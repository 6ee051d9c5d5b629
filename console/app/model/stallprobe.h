// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace Switchboard::Console {

// A timer probe for benchmarks: ticks every TICK_MS and records how late each tick came (an
// event-loop stall), writing the worst so far to a file once a second and at exit. Off unless
// SWITCHBOARD_CONSOLE_STALL_PROBE names the file. Removing the file restarts the count (at the
// next write), so a benchmark can leave start-up out. Each stall also records the CPU time the
// thread used during it: on a loaded machine a stall with little CPU is the scheduler's, not
// the console's work.
class StallProbe : public QObject
{
    Q_OBJECT

public:
    static constexpr int TICK_MS = 10;

    StallProbe(const QString &path, QObject *parent = nullptr);
    ~StallProbe() override;
    static void startFromEnvironment(QObject *parent);

    qint64 maxStallMs() const { return m_maxStallMs; }

private:
    void tick();
    void write();

    QString m_path;
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_lastCpuUs = 0;
    qint64 m_maxStallCpuMs = 0; // CPU time of the thread during the worst stall
    qint64 m_maxCpuStallMs = 0; // the most CPU time the thread used between two ticks
    qint64 m_lastWrite = 0;
    qint64 m_maxStallMs = 0;
    qint64 m_stallsOver100Ms = 0;
    qint64 m_ticks = 0;
    bool m_written = false;
};

} // namespace Switchboard::Console
