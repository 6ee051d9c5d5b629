// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>

namespace Switchboard {

// A token bucket: refills at `rate` tokens a second up to `burst`, starts full. A request
// spends its cost, or is refused and told how long until the bucket holds enough. A refused
// request spends nothing, so a client that waits the hint out is served.
class TokenBucket
{
public:
    TokenBucket() = default; // disabled: every take() is granted
    TokenBucket(double ratePerSecond, double burst, qint64 nowMs);

    bool enabled() const { return m_rate > 0; }
    // 0 = granted (cost spent); otherwise the milliseconds until `cost` tokens are back. A cost
    // above the burst is capped at the burst, so an expensive request still passes when full.
    qint64 take(double cost, qint64 nowMs);
    // Gives back what a take() spent, when a later check refused the same request.
    void refund(double cost);
    // True when the bucket has refilled completely by nowMs: forgetting it changes nothing.
    bool idle(qint64 nowMs) const;

private:
    double tokensAt(qint64 nowMs) const;

    double m_rate = 0;
    double m_burst = 0;
    double m_tokens = 0;
    qint64 m_lastMs = 0;
};

} // namespace Switchboard
