// SPDX-License-Identifier: MIT
#include "loadtester.h"

#include "plan.h"
#include "procstats.h"
#include "progressline.h"
#include "tokenminter.h"
#include "worker.h"

#include "protocol/loadtestusers.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>
#include <memory>
#include <thread>

#include <sys/random.h>

namespace Switchboard::LoadTest {

namespace {

constexpr double SETUP_TIMEOUT_S = 30;
constexpr double CLOSE_TIMEOUT_S = 3;

Plan makePlan(const Options &o, TestType type, int testIndex)
{
    Plan p;
    p.type = type;
    p.testIndex = testIndex;
    std::uint32_t r = 0;
    if (getrandom(&r, sizeof r, 0) != sizeof r)
        r = std::uint32_t(ProcStats::nowNs());
    p.run = (r & 0x7FFFFFFF) | 1;
    p.connections = o.connections;
    p.rate = o.rate;
    p.pacedTotal = std::uint64_t(std::llround(o.rate * o.durationS));
    const int defaultPublishers = std::max(1, std::min(10, o.connections / 2));
    switch (type) {
    case TestType::Storm:
        break;
    case TestType::Echo:
        p.publishers = o.connections;
        break;
    case TestType::Throughput:
        p.direct = o.direct;
        p.rooms = o.direct ? 0 : o.rooms;
        p.publishers = o.publishers ? o.publishers : defaultPublishers;
        p.messages = o.messages;
        break;
    case TestType::Sustained:
        p.rooms = o.rooms;
        p.publishers = o.publishers ? o.publishers : o.connections;
        break;
    case TestType::Fanout:
        p.rooms = o.rooms;
        p.publishers = o.publishers ? o.publishers : defaultPublishers;
        break;
    }
    p.firstUserId = o.userBase + std::int64_t(testIndex) * 1000000;
    for (int i = 0; i < p.rooms; ++i)
        p.roomIds.push_back(std::string("lt-") + testTypeName(type) + "-" + std::to_string(i));
    return p;
}

template<typename F> std::uint64_t sum(const Shared &s, int workers, F field)
{
    std::uint64_t total = 0;
    for (int w = 0; w < workers; ++w)
        total += (s.counters[std::size_t(w)].*field).load(std::memory_order_relaxed);
    return total;
}

} // namespace

LoadTester::LoadTester(const Options &options)
    : m_options(options)
{ }

std::optional<TestResult> LoadTester::run(TestType type, int testIndex, std::string *fatal)
{
    const Options &o = m_options;
    Plan plan = makePlan(o, type, testIndex);
    const char *name = testTypeName(type);
    ProgressLine progress(!o.quiet, name);

    if (o.protocol == Protocol::Switchboard) {
        if (!o.tokens.empty()) {
            plan.tokens = o.tokens;
        } else {
            const TokenMinter minter(o.jwtSecret);
            const std::int64_t now = std::time(nullptr);
            plan.tokens.reserve(std::size_t(o.connections));
            for (int i = 0; i < o.connections; ++i) {
                const std::int64_t user = plan.firstUserId + i;
                plan.tokens.push_back(minter.mint(user, LoadTestUsers::name(user), now, 86400));
                if (plan.tokens.back().empty()) {
                    *fatal = "libjwt could not mint a token";
                    return std::nullopt;
                }
            }
        }
    }

    const int threads = std::min(o.threads, o.connections);
    Shared shared(o, plan, threads);
    std::vector<std::unique_ptr<Worker>> workers;
    for (int w = 0; w < threads; ++w)
        workers.push_back(std::make_unique<Worker>(w, shared));
    for (int i = 0; i < o.connections; ++i)
        workers[std::size_t(i % threads)]->addConnection(std::uint32_t(i));

    auto total = [&](auto field) { return sum(shared, threads, field); };
    // Runs one phase on every worker thread until done() or the timeout; tick() runs on this
    // thread every 5 ms (progress, samples).
    auto runPhase = [&](Phase phase, double timeoutS, const std::function<bool()> &done,
                        const std::function<void(std::uint64_t)> &tick) {
        shared.stop = false;
        shared.entered = 0;
        std::vector<std::thread> running;
        for (auto &w : workers)
            running.emplace_back([&w, phase] { w->run(phase); });
        const std::uint64_t deadline = ProcStats::nowNs() + std::uint64_t(timeoutS * 1e9);
        for (;;) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            const std::uint64_t now = ProcStats::nowNs();
            if (tick)
                tick(now);
            if (now >= deadline || (shared.entered.load() == int(workers.size()) && done()))
                break;
        }
        shared.stop = true;
        for (auto &t : running)
            t.join();
    };
    auto server = [&]() -> std::optional<ProcStats::Sample> {
        return o.serverPid ? ProcStats::ofProcess(o.serverPid) : std::nullopt;
    };

    TestResult res;
    res.type = type;
    res.requested = o.connections;
    res.cores = std::max(1, std::min(threads, ProcStats::usableCpus()));

    // --- connect (measured for storm) ---
    const auto server0 = server();
    const double cpu0 = ProcStats::selfCpuSeconds();
    const std::uint64_t connectStart = ProcStats::nowNs();
    runPhase(
        Phase::Connect, o.connectTimeoutS,
        [&] {
            return total(&WorkerCounters::ready) + total(&WorkerCounters::failed)
                >= std::uint64_t(o.connections);
        },
        [&](std::uint64_t now) {
            progress.update(now, "connect %llu/%d, %llu failed",
                            (unsigned long long)total(&WorkerCounters::ready), o.connections,
                            (unsigned long long)total(&WorkerCounters::failed));
        });
    const std::uint64_t connectEnd = ProcStats::nowNs();
    const double cpuConnected = ProcStats::selfCpuSeconds();
    std::uint64_t firstConnect = UINT64_MAX, lastReady = 0;
    for (auto &w : workers) {
        const auto &r = w->result();
        res.handshake.merge(r.handshake);
        res.welcome.merge(r.welcome);
        for (const auto &[why, n] : r.failures)
            res.failures[why] += n;
        if (r.firstConnectNs)
            firstConnect = std::min(firstConnect, r.firstConnectNs);
        lastReady = std::max(lastReady, r.lastReadyNs);
    }
    res.connections = int(total(&WorkerCounters::ready));
    res.failed = int(total(&WorkerCounters::failed));
    if (res.connections && lastReady > firstConnect)
        res.connectPerSec = res.connections / (double(lastReady - firstConnect) / 1e9);
    if (!res.connections) {
        progress.finish();
        std::string why;
        for (const auto &[text, n] : res.failures)
            why += "\n  " + std::to_string(n) + " x " + text;
        *fatal = "none of the " + std::to_string(o.connections) + " connections to " + o.urls()
            + " could be established:" + why;
        return std::nullopt;
    }

    if (type == TestType::Storm) {
        const auto serverConnected = server();
        const std::uint64_t holdStart = ProcStats::nowNs();
        if (o.holdS > 0)
            runPhase(
                Phase::Hold, o.holdS, [] { return false; },
                [&](std::uint64_t now) {
                    progress.update(now, "holding %d idle connections", res.connections);
                });
        const auto server1 = server();
        res.holdSeconds = double(ProcStats::nowNs() - holdStart) / 1e9;
        if (server0 && serverConnected && server1) {
            res.serverConnectCpuS = serverConnected->cpuSeconds - server0->cpuSeconds;
            res.serverHoldCpuS = server1->cpuSeconds - serverConnected->cpuSeconds;
        }
        const std::uint64_t end = ProcStats::nowNs();
        res.measuredSeconds = double(end - connectStart) / 1e9;
        res.activeSeconds = double(connectEnd - connectStart) / 1e9;
        res.clientCpuS = ProcStats::selfCpuSeconds() - cpu0;
        res.clientUtilisation
            = (cpuConnected - cpu0) / std::max(1e-9, res.activeSeconds) / res.cores;
        if (server0 && server1) {
            res.serverCpuS = server1->cpuSeconds - server0->cpuSeconds;
            res.serverRssBytes = server1->rssBytes;
            res.serverRssBeforeBytes = server0->rssBytes;
        }
    } else {
        // --- rooms: create (switchboard), join, warm up until every member receives ---
        if (plan.usesRooms()) {
            if (o.protocol == Protocol::Switchboard)
                runPhase(
                    Phase::CreateRooms, SETUP_TIMEOUT_S,
                    [&] { return total(&WorkerCounters::pending) == 0; },
                    [&](std::uint64_t now) {
                        progress.update(now, "creating %d rooms", plan.rooms);
                    });
            runPhase(
                Phase::JoinRooms, SETUP_TIMEOUT_S,
                [&] { return total(&WorkerCounters::pending) == 0; },
                [&](std::uint64_t now) {
                    progress.update(now, "joining: %llu answers due",
                                    (unsigned long long)total(&WorkerCounters::pending));
                });
        }
        std::vector<int> warmTarget(std::size_t(std::max(1, plan.rooms)), 0);
        if (plan.usesRooms()) {
            for (int r = 0; r < plan.rooms; ++r) {
                int joinable = 0;
                bool owner = false;
                for (auto &w : workers) {
                    joinable += w->joinableIn(r);
                    owner = owner || w->ownerReady(r);
                }
                warmTarget[std::size_t(r)] = owner ? joinable - 1 : 0;
            }
        } else if (!plan.direct) {
            warmTarget[0] = res.connections; // echo: every connection's first answer
        }
        runPhase(
            Phase::Warm, SETUP_TIMEOUT_S,
            [&] {
                for (std::size_t r = 0; r < warmTarget.size(); ++r)
                    if (shared.warmSeen[r].load() < warmTarget[r])
                        return false;
                return true;
            },
            [&](std::uint64_t now) { progress.update(now, "warming up"); });
        if (plan.usesRooms()) {
            for (int r = 0; r < plan.rooms; ++r) {
                int n = 0;
                for (auto &w : workers)
                    n += w->joinedIn(r);
                shared.joinedMembers[std::size_t(r)] = n;
            }
            res.joinedPerRoom = shared.joinedMembers;
        }

        // --- the measured run ---
        const auto serverStart = server();
        const double cpuStart = ProcStats::selfCpuSeconds();
        std::vector<std::pair<std::uint64_t, double>> cpuSamples;
        shared.runStartNs = ProcStats::nowNs() + 1'000'000; // every worker starts on one schedule
        const std::uint64_t runStart = shared.runStartNs;
        cpuSamples.emplace_back(runStart, cpuStart);
        std::uint64_t lastProgressNs = runStart, lastSeen = 0, allSentNs = 0, nextSample = runStart;
        runPhase(
            Phase::Run, o.maxTimeS,
            [&] {
                const std::uint64_t now = ProcStats::nowNs();
                const std::uint64_t seen = total(&WorkerCounters::sent)
                    + total(&WorkerCounters::acked) + total(&WorkerCounters::delivered);
                if (seen != lastSeen) {
                    lastSeen = seen;
                    lastProgressNs = now;
                }
                bool allSent = true;
                for (int w = 0; w < threads; ++w)
                    allSent = allSent && shared.counters[std::size_t(w)].sendingDone.load();
                if (allSent && !allSentNs)
                    allSentNs = now;
                const std::uint64_t drainNs = std::uint64_t(o.drainS * 1e9);
                if (allSent
                    && total(&WorkerCounters::delivered) >= total(&WorkerCounters::expected))
                    return true;
                // Throughput gives up after --drain seconds without any progress; paced tests wait
                // --drain seconds after the last send, like the harness: later arrivals are loss.
                if (type == TestType::Throughput)
                    return now > lastProgressNs + drainNs;
                return allSent && now > allSentNs + drainNs;
            },
            [&](std::uint64_t now) {
                if (now >= nextSample) {
                    cpuSamples.emplace_back(now, ProcStats::selfCpuSeconds());
                    nextSample = now + 100'000'000;
                }
                const double secs = double(now - runStart) / 1e9;
                const std::uint64_t delivered = total(&WorkerCounters::delivered);
                progress.update(now, "run %.1fs sent %llu delivered %llu (%.0f/s) errors %llu",
                                secs, (unsigned long long)total(&WorkerCounters::sent),
                                (unsigned long long)delivered,
                                secs > 0 ? double(delivered) / secs : 0.0,
                                (unsigned long long)total(&WorkerCounters::errors));
            });
        const std::uint64_t runEnd = ProcStats::nowNs();
        const double cpuEnd = ProcStats::selfCpuSeconds();
        cpuSamples.emplace_back(runEnd, cpuEnd);
        const auto serverEnd = server();

        std::uint64_t lastDelivery = 0;
        for (int w = 0; w < threads; ++w)
            lastDelivery
                = std::max(lastDelivery, shared.counters[std::size_t(w)].lastDeliveryNs.load());
        res.sent = total(&WorkerCounters::sent);
        res.expected = total(&WorkerCounters::expected);
        res.delivered = total(&WorkerCounters::delivered);
        res.measuredSeconds = double(runEnd - runStart) / 1e9;
        const std::uint64_t activeEnd = std::max({lastDelivery, allSentNs, runStart + 1});
        res.activeSeconds = double(std::min(activeEnd, runEnd) - runStart) / 1e9;
        if (lastDelivery > runStart)
            res.deliveredPerSec = double(res.delivered) / (double(lastDelivery - runStart) / 1e9);
        res.clientCpuS = cpuEnd - cpuStart;
        // Utilisation over the active window: the first CPU sample at or after its end.
        double cpuAtActiveEnd = cpuEnd;
        std::uint64_t sampleAt = runEnd;
        for (const auto &[t, cpu] : cpuSamples)
            if (t >= activeEnd) {
                cpuAtActiveEnd = cpu;
                sampleAt = t;
                break;
            }
        res.clientUtilisation = (cpuAtActiveEnd - cpuStart)
            / std::max(1e-9, double(sampleAt - runStart) / 1e9) / res.cores;
        if (serverStart && serverEnd) {
            res.serverCpuS = serverEnd->cpuSeconds - serverStart->cpuSeconds;
            res.serverRssBytes = serverEnd->rssBytes;
            res.serverRssBeforeBytes = serverStart->rssBytes;
        }
    }
    res.saturated = res.clientUtilisation >= 0.9;

    // --- clean up: delete the rooms this test created, unless --keep ---
    if (o.protocol == Protocol::Switchboard && plan.usesRooms() && type != TestType::Storm) {
        for (int r = 0; r < plan.rooms; ++r)
            res.roomsCreated += shared.roomState[std::size_t(r)].load() == 1 ? 1 : 0;
        if (!o.keep)
            runPhase(
                Phase::DeleteRooms, SETUP_TIMEOUT_S,
                [&] { return total(&WorkerCounters::pending) == 0; },
                [&](std::uint64_t now) {
                    progress.update(now, "deleting the test's rooms (--keep keeps them)");
                });
    }

    // --- close ---
    runPhase(
        Phase::Close, CLOSE_TIMEOUT_S, [&] { return total(&WorkerCounters::open) == 0; },
        [&](std::uint64_t now) { progress.update(now, "closing"); });
    progress.finish();

    for (auto &w : workers) {
        const auto &r = w->result();
        res.latency.merge(r.latency);
        res.senderLag.merge(r.senderLag);
        res.stray += r.stray;
        res.stale += r.stale;
        res.duplicates += r.duplicates;
        res.gaps += r.gaps;
        res.unexpectedCloses += r.unexpectedCloses;
        res.roomsDeleted += r.roomsDeleted;
        res.refused += r.refused;
        for (const std::string &e : r.errorSamples)
            if (res.errorSamples.size() < 8
                && std::find(res.errorSamples.begin(), res.errorSamples.end(), e)
                    == res.errorSamples.end())
                res.errorSamples.push_back(e);
    }
    res.errors = total(&WorkerCounters::errors) + std::uint64_t(res.failed);
    return res;
}

} // namespace Switchboard::LoadTest
