// SPDX-License-Identifier: MIT
#include "roompressure.h"

#include <algorithm>
#include <cmath>

namespace Switchboard {

int RoomPressure::needed(int recipients, int membersPercent)
{
    const int share = int((qint64(recipients) * membersPercent + 99) / 100);
    return std::max(MIN_BEHIND, share);
}

void RoomPressure::measured(const FanoutLoad &load, qint64 nowMs, int membersPercent)
{
    if (load.high <= 0)
        return;
    const int need = needed(load.recipients, membersPercent);
    // Hysteresis: push back once enough recipients pass the high-water mark, and until fewer
    // than that are still above the low one.
    m_pushingBack = m_pushingBack ? load.aboveLow >= need : load.aboveHigh >= need;
    m_measuredAt = nowMs;
}

qint64 RoomPressure::admit(qint64 nowMs, const Settings &settings,
                           const std::function<FanoutLoad()> &measure)
{
    if (settings.high <= 0) {
        m_pushingBack = false;
    } else if (m_pushingBack && nowMs - m_measuredAt >= REMEASURE_MS) {
        // Nothing is fanned out while the room pushes back: look at the queues directly.
        measured(measure(), nowMs, settings.membersPercent);
    }
    if (m_pushingBack)
        return PUSHBACK_RETRY_MS;
    if (settings.publishRate <= 0)
        return 0;
    const double rate = settings.publishRate;
    if (m_tokens < 0)
        m_tokens = rate; // a full second's burst to start with
    else
        m_tokens = std::min(rate, m_tokens + double(nowMs - m_refilledAt) * rate / 1000.0);
    m_refilledAt = nowMs;
    if (m_tokens >= 1.0) {
        m_tokens -= 1.0;
        return 0;
    }
    return std::max<qint64>(1, qint64(std::ceil((1.0 - m_tokens) * 1000.0 / rate)));
}

} // namespace Switchboard
