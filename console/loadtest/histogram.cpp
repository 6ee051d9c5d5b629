// SPDX-License-Identifier: MIT
#include "histogram.h"

#include <algorithm>
#include <cmath>

namespace Switchboard::LoadTest {

// Values below 128 have a bucket each. Above, a value with bit width w (> 7) is shifted right
// by s = w - 7, leaving a mantissa in [64, 128); the bucket is s * 64 + mantissa, so buckets of
// consecutive widths follow each other without gaps.
int Histogram::indexOf(std::uint64_t v)
{
    if (v < std::uint64_t(SUB_COUNT))
        return int(v);
    const int width = 64 - __builtin_clzll(v);
    const int shift = width - SUB_BITS;
    return shift * (SUB_COUNT / 2) + int(v >> shift);
}

std::uint64_t Histogram::lowestOf(int index)
{
    if (index < SUB_COUNT)
        return std::uint64_t(index);
    const int shift = index / (SUB_COUNT / 2) - 1;
    const std::uint64_t mantissa = std::uint64_t(index - shift * (SUB_COUNT / 2));
    return mantissa << shift;
}

std::uint64_t Histogram::highestOf(int index)
{
    if (index < SUB_COUNT)
        return std::uint64_t(index);
    const int shift = index / (SUB_COUNT / 2) - 1;
    return lowestOf(index) + ((std::uint64_t(1) << shift) - 1);
}

void Histogram::record(std::uint64_t valueNs)
{
    ++m_counts[std::size_t(indexOf(valueNs))];
    ++m_count;
    m_max = std::max(m_max, valueNs);
    m_min = std::min(m_min, valueNs);
}

void Histogram::merge(const Histogram &other)
{
    for (std::size_t i = 0; i < m_counts.size(); ++i)
        m_counts[i] += other.m_counts[i];
    m_count += other.m_count;
    m_max = std::max(m_max, other.m_max);
    m_min = std::min(m_min, other.m_min);
}

void Histogram::reset()
{
    *this = Histogram();
}

std::optional<std::uint64_t> Histogram::percentile(double q) const
{
    if (!m_count)
        return std::nullopt;
    const std::uint64_t rank
        = std::max<std::uint64_t>(1, std::uint64_t(std::ceil(q * double(m_count))));
    std::uint64_t seen = 0;
    for (int i = 0; i < BUCKETS; ++i) {
        seen += m_counts[std::size_t(i)];
        if (seen >= rank) {
            const std::uint64_t mid = lowestOf(i) + (highestOf(i) - lowestOf(i)) / 2;
            return std::clamp(mid, min(), m_max);
        }
    }
    return m_max;
}

} // namespace Switchboard::LoadTest
