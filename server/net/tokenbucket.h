// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>

namespace Switchboard {

// How a token bucket refills: `rate` tokens a second up to `burst` (at least 1); a rate of 0
// disables it (every take() is granted).
struct BucketRate
{
    BucketRate() = default;
    BucketRate(double ratePerSecond, double burst);
    bool enabled() const { return rate > 0; }

    double rate = 0;
    double burst = 0;
};

// A token bucket's state alone, for buckets that share one BucketRate (every connection's
// buckets: 16 bytes each instead of 32). Starts full. A request spends its cost, or is refused
// and told how long until the bucket holds enough. A refused request spends nothing, so a
// client that waits the hint out is served.
struct BucketState
{
    BucketState() = default;
    BucketState(const BucketRate &r, qint64 nowMs)
        : tokens(r.burst)
        , lastMs(nowMs)
    { }

    // 0 = granted (cost spent); otherwise the milliseconds until `cost` tokens are back. A cost
    // above the burst is capped at the burst, so an expensive request still passes when full.
    qint64 take(const BucketRate &r, double cost, qint64 nowMs);
    // Gives back what a take() spent, when a later check refused the same request.
    void refund(const BucketRate &r, double cost);
    // True when the bucket has refilled completely by nowMs: forgetting it changes nothing.
    bool idle(const BucketRate &r, qint64 nowMs) const;

    double tokens = 0;
    qint64 lastMs = 0;

private:
    double tokensAt(const BucketRate &r, qint64 nowMs) const;
};

// A token bucket with its own rate.
class TokenBucket
{
public:
    TokenBucket() = default; // disabled: every take() is granted
    TokenBucket(double ratePerSecond, double burst, qint64 nowMs)
        : m_rate(ratePerSecond, burst)
        , m_state(m_rate, nowMs)
    { }

    bool enabled() const { return m_rate.enabled(); }
    qint64 take(double cost, qint64 nowMs) { return m_state.take(m_rate, cost, nowMs); }
    void refund(double cost) { m_state.refund(m_rate, cost); }
    bool idle(qint64 nowMs) const { return m_state.idle(m_rate, nowMs); }

private:
    BucketRate m_rate;
    BucketState m_state;
};

} // namespace Switchboard
