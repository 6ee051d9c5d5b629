// SPDX-License-Identifier: MIT
#include "tokenbucket.h"

#include <algorithm>
#include <cmath>

namespace Switchboard {

TokenBucket::TokenBucket(double ratePerSecond, double burst, qint64 nowMs)
    : m_rate(ratePerSecond)
    , m_burst(std::max(burst, 1.0))
    , m_tokens(m_burst)
    , m_lastMs(nowMs)
{ }

double TokenBucket::tokensAt(qint64 nowMs) const
{
    const double elapsed = double(std::max<qint64>(0, nowMs - m_lastMs));
    return std::min(m_burst, m_tokens + elapsed * m_rate / 1000.0);
}

qint64 TokenBucket::take(double cost, qint64 nowMs)
{
    if (!enabled())
        return 0;
    m_tokens = tokensAt(nowMs);
    m_lastMs = std::max(m_lastMs, nowMs);
    cost = std::min(cost, m_burst);
    if (m_tokens >= cost) {
        m_tokens -= cost;
        return 0;
    }
    return std::max<qint64>(1, qint64(std::ceil((cost - m_tokens) * 1000.0 / m_rate)));
}

void TokenBucket::refund(double cost)
{
    if (enabled())
        m_tokens = std::min(m_burst, m_tokens + std::min(cost, m_burst));
}

bool TokenBucket::idle(qint64 nowMs) const
{
    return !enabled() || tokensAt(nowMs) >= m_burst;
}

} // namespace Switchboard
