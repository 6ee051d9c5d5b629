// SPDX-License-Identifier: MIT
#include "procstats.h"

#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

namespace Switchboard::LoadTest::ProcStats {

namespace {

std::string readFile(const std::string &path)
{
    std::string out;
    FILE *f = std::fopen(path.c_str(), "re");
    if (!f)
        return out;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        out.append(buf, n);
    std::fclose(f);
    return out;
}

} // namespace

std::optional<Sample> ofProcess(int pid)
{
    const std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const std::size_t paren = stat.rfind(')');
    if (paren == std::string::npos)
        return std::nullopt;
    unsigned long long utime = 0, stime = 0;
    // After ") ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime
    // stime
    if (std::sscanf(stat.c_str() + paren + 2,
                    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime)
        != 2)
        return std::nullopt;
    Sample s;
    s.cpuSeconds = double(utime + stime) / double(sysconf(_SC_CLK_TCK));
    const std::string status = readFile("/proc/" + std::to_string(pid) + "/status");
    const std::size_t at = status.find("\nVmRSS:");
    if (at != std::string::npos) {
        long long kb = 0;
        if (std::sscanf(status.c_str() + at + 7, "%lld", &kb) == 1)
            s.rssBytes = kb * 1024;
    }
    return s;
}

double selfCpuSeconds()
{
    rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
        + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

std::uint64_t nowNs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::uint64_t(ts.tv_sec) * 1000000000ull + std::uint64_t(ts.tv_nsec);
}

int usableCpus()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    const int n = CPU_COUNT(&set);
    return n > 0 ? n : 1;
}

} // namespace Switchboard::LoadTest::ProcStats
