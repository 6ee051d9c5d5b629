// SPDX-License-Identifier: MIT
#pragma once

#include "histogram.h"
#include "options.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace Switchboard::LoadTest {

struct TestResult
{
    TestType type = TestType::Throughput;
    int requested = 0;
    int connections = 0; // established (ready)
    int failed = 0;
    double connectPerSec = 0;
    Histogram handshake;
    Histogram welcome;
    Histogram latency;
    Histogram senderLag;
    std::uint64_t sent = 0;
    std::uint64_t expected = 0;
    std::uint64_t delivered = 0;
    double deliveredPerSec = 0;
    std::uint64_t errors = 0;
    double measuredSeconds = 0; // the measured phase (run, or connect + hold for storm)
    double activeSeconds = 0; // first send .. last receipt
    double clientCpuS = 0;
    double clientUtilisation = 0; // of `cores`, over the active window
    int cores = 1;
    bool saturated = false;
    std::optional<double> serverCpuS;
    std::optional<std::int64_t> serverRssBytes;
    std::optional<std::int64_t> serverRssBeforeBytes;
    std::optional<double> serverConnectCpuS; // storm: while connecting
    std::optional<double> serverHoldCpuS; // storm: while holding idle connections
    double holdSeconds = 0;
    std::map<std::string, int> failures;
    std::vector<std::string> errorSamples;
    std::uint64_t stray = 0, stale = 0, duplicates = 0, gaps = 0, unexpectedCloses = 0;
    std::uint64_t refused = 0; // publications pushed back by the server (RATE_LIMITED, UNAVAILABLE)
    std::vector<int> joinedPerRoom;
    std::uint64_t roomsCreated = 0, roomsDeleted = 0; // switchboard: rooms made and cleaned up
};

// Runs one test type: plans the layout, mints tokens, drives the worker threads through the
// phases (connect, room set-up, warm-up, measured run, close) and collects one result.
class LoadTester
{
public:
    explicit LoadTester(const Options &options);
    // nullopt with *fatal set when the test could not run at all (nothing connected).
    std::optional<TestResult> run(TestType type, int testIndex, std::string *fatal);

private:
    const Options &m_options;
};

} // namespace Switchboard::LoadTest
