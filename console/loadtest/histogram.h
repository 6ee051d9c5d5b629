// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace Switchboard::LoadTest {

// A log-linear histogram of nanosecond values (HDR-style: 128 linear sub-buckets per power of
// two, so any recorded value is known within 1/128 = 0.8 %). Recording is two shifts and an
// increment, cheap enough for every received frame; histograms of several threads merge by
// adding counts. Percentiles are nearest-rank over the recorded samples.
class Histogram
{
public:
    void record(std::uint64_t valueNs);
    void merge(const Histogram &other);
    void reset();

    std::uint64_t count() const { return m_count; }
    std::uint64_t max() const { return m_max; }
    std::uint64_t min() const { return m_count ? m_min : 0; }
    // The value at quantile q (0 < q <= 1): the midpoint of the bucket that holds the sample of
    // rank ceil(q * count), clamped to the exact minimum and maximum. Empty: nullopt.
    std::optional<std::uint64_t> percentile(double q) const;

    static constexpr int SUB_BITS = 7;
    static constexpr int SUB_COUNT = 1 << SUB_BITS; // 128
    static constexpr int BUCKETS = (64 - SUB_BITS + 1) * (SUB_COUNT / 2) + SUB_COUNT / 2;

    static int indexOf(std::uint64_t v);
    static std::uint64_t lowestOf(int index);
    static std::uint64_t highestOf(int index);

private:
    std::array<std::uint64_t, BUCKETS> m_counts {};
    std::uint64_t m_count = 0;
    std::uint64_t m_max = 0;
    std::uint64_t m_min = UINT64_MAX;
};

} // namespace Switchboard::LoadTest
