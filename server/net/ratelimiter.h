// SPDX-License-Identifier: MIT
#pragma once

#include "net/tokenbucket.h"

#include <QHash>

namespace Switchboard {

// Token buckets by key (a user, a REST principal, a client address), all with one rate and
// burst. The table is bounded: a bucket that has refilled is forgotten (a key that sends
// nothing, such as a user with no connection left, drops out within a sweep), and keys that
// find the table full of active buckets share one overflow bucket instead of growing it.
template<typename Key> class RateLimiter
{
public:
    static constexpr qint64 SWEEP_INTERVAL_MS = 10'000;

    RateLimiter() = default; // disabled
    RateLimiter(double ratePerSecond, double burst, int maxEntries)
        : m_rate(ratePerSecond)
        , m_burst(burst)
        , m_maxEntries(std::max(1, maxEntries))
    { }

    bool enabled() const { return m_rate > 0; }
    // 0 = granted; otherwise the milliseconds to wait (nothing spent).
    qint64 take(const Key &key, double cost, qint64 nowMs)
    {
        if (!enabled())
            return 0;
        if (nowMs - m_lastSweepMs >= SWEEP_INTERVAL_MS)
            sweep(nowMs);
        auto it = m_buckets.find(key);
        if (it == m_buckets.end()) {
            if (m_buckets.size() >= m_maxEntries)
                sweep(nowMs);
            if (m_buckets.size() >= m_maxEntries) {
                if (!m_overflow.enabled())
                    m_overflow = TokenBucket(m_rate, m_burst, nowMs);
                return m_overflow.take(cost, nowMs);
            }
            it = m_buckets.insert(key, TokenBucket(m_rate, m_burst, nowMs));
        }
        return it->take(cost, nowMs);
    }
    // Gives back what take() spent for a request that a later check refused.
    void refund(const Key &key, double cost)
    {
        auto it = m_buckets.find(key);
        if (it != m_buckets.end())
            it->refund(cost);
    }
    // Forgets every bucket that has refilled.
    void sweep(qint64 nowMs)
    {
        m_lastSweepMs = nowMs;
        m_buckets.removeIf([nowMs](const auto &it) { return it.value().idle(nowMs); });
    }
    int size() const { return int(m_buckets.size()); }

private:
    double m_rate = 0;
    double m_burst = 0;
    int m_maxEntries = 1;
    qint64 m_lastSweepMs = 0;
    QHash<Key, TokenBucket> m_buckets;
    TokenBucket m_overflow;
};

} // namespace Switchboard
