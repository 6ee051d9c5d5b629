// SPDX-License-Identifier: MIT
#include "stallprobe.h"

#include "consolelogging.h"

#include <ctime>

#include <QFileInfo>
#include <QSaveFile>

namespace Switchboard::Console {

namespace {
qint64 threadCpuUs()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}
} // namespace

StallProbe::StallProbe(const QString &path, QObject *parent)
    : QObject(parent)
    , m_path(path)
{
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(TICK_MS);
    connect(&m_timer, &QTimer::timeout, this, &StallProbe::tick);
    m_clock.start();
    m_lastCpuUs = threadCpuUs();
    m_timer.start();
}

StallProbe::~StallProbe()
{
    write();
}

void StallProbe::startFromEnvironment(QObject *parent)
{
    const QString path = qEnvironmentVariable("SWITCHBOARD_CONSOLE_STALL_PROBE");
    if (!path.isEmpty())
        new StallProbe(path, parent);
}

void StallProbe::tick()
{
    const qint64 now = m_clock.elapsed();
    const qint64 stall = now - m_last - TICK_MS;
    const qint64 cpuUs = threadCpuUs();
    const qint64 cpuMs = (cpuUs - m_lastCpuUs) / 1000;
    m_last = now;
    m_lastCpuUs = cpuUs;
    ++m_ticks;
    if (stall > m_maxStallMs) {
        m_maxStallMs = stall;
        m_maxStallCpuMs = cpuMs;
    }
    m_maxCpuStallMs = qMax(m_maxCpuStallMs, cpuMs);
    if (stall > 100)
        ++m_stallsOver100Ms;
    if (now - m_lastWrite >= 1000) {
        m_lastWrite = now;
        write();
    }
}

void StallProbe::write()
{
    // Someone removed the file (a benchmark after start-up): start counting again.
    if (m_written && !QFileInfo::exists(m_path)) {
        m_maxStallMs = 0;
        m_stallsOver100Ms = 0;
        m_maxStallCpuMs = 0;
        m_maxCpuStallMs = 0;
    }
    m_written = true;
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly)) {
        qCWarning(lcConsole) << "stall probe: cannot write" << m_path;
        return;
    }
    file.write(QStringLiteral("max_stall_ms=%1\nstalls_over_100ms=%2\nticks=%3\n"
                              "max_stall_cpu_ms=%4\nmax_cpu_between_ticks_ms=%5\n")
                   .arg(m_maxStallMs)
                   .arg(m_stallsOver100Ms)
                   .arg(m_ticks)
                   .arg(m_maxStallCpuMs)
                   .arg(m_maxCpuStallMs)
                   .toUtf8());
    file.commit();
}

} // namespace Switchboard::Console
