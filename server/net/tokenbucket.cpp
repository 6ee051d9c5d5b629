// SPDX-License-Identifier: MIT
#include "tokenbucket.h"

#include <algorithm>
#include <cmath>

namespace Switchboard {

BucketRate::BucketRate(double ratePerSecond, double burst)
    : rate(ratePerSecond)
    , burst(std::max(burst, 1.0))
{ }

double BucketState::tokensAt(const BucketRate &r, qint64 nowMs) const
{
    const double elapsed = double(std::max<qint64>(0, nowMs - lastMs));
    return std::min(r.burst, tokens + elapsed * r.rate / 1000.0);
}

qint64 BucketState::take(const BucketRate &r, double cost, qint64 nowMs)
{
    if (!r.enabled())
        return 0;
    tokens = tokensAt(r, nowMs);
    lastMs = std::max(lastMs, nowMs);
    cost = std::min(cost, r.burst);
    if (tokens >= cost) {
        tokens -= cost;
        return 0;
    }
    return std::max<qint64>(1, qint64(std::ceil((cost - tokens) * 1000.0 / r.rate)));
}

void BucketState::refund(const BucketRate &r, double cost)
{
    if (r.enabled())
        tokens = std::min(r.burst, tokens + std::min(cost, r.burst));
}

bool BucketState::idle(const BucketRate &r, qint64 nowMs) const
{
    return !r.enabled() || tokensAt(r, nowMs) >= r.burst;
}

} // namespace Switchboard
