// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>

namespace Switchboard::LoadTest {

// CPU and memory of a process, read from /proc (the server, given --server-pid) or from
// getrusage() (this process). Clocks: CLOCK_MONOTONIC in nanoseconds, shared by all threads.
namespace ProcStats {

struct Sample
{
    double cpuSeconds = 0; // user + system
    std::int64_t rssBytes = -1; // VmRSS, -1 when unknown
};

std::optional<Sample> ofProcess(int pid);
double selfCpuSeconds();
std::uint64_t nowNs();
// CPUs this process may run on (sched_getaffinity), at least 1.
int usableCpus();

} // namespace ProcStats

} // namespace Switchboard::LoadTest
