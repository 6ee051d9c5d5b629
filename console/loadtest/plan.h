// SPDX-License-Identifier: MIT
#pragma once

#include "options.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace Switchboard::LoadTest {

// The layout of one test, fixed before the first connect and read by every worker thread:
// connection i is in room i % rooms; connections 0 .. publishers-1 publish (so connection r,
// r < rooms, is both the creator of room r and its first publisher); a publisher's slot among
// its room's publishers is i / rooms.
struct Plan
{
    TestType type = TestType::Throughput;
    int testIndex = 0;
    std::uint32_t run = 0; // marker run id: frames of other runs are ignored
    int connections = 0;
    int rooms = 0; // 0: the test uses no rooms (storm, echo)
    int publishers = 0; // echo: every connection sends
    std::uint64_t messages = 0; // throughput: in total
    std::uint64_t pacedTotal = 0; // sustained/fanout/echo: rate * duration
    double rate = 0;
    bool direct = false; // throughput --direct: publisher i writes to connection i+P
    std::int64_t firstUserId = 0; // user id of connection 0 (minted tokens)
    std::vector<std::string> roomIds;
    std::vector<std::string> tokens; // per connection (switchboard); empty for bench

    bool usesRooms() const { return rooms > 0; }
    int roomOf(std::uint32_t i) const { return rooms ? int(i % std::uint32_t(rooms)) : -1; }
    bool isOwner(std::uint32_t i) const { return rooms && i < std::uint32_t(rooms); }
    bool isPublisher(std::uint32_t i) const { return i < std::uint32_t(publishers); }
    int slotOf(std::uint32_t i) const { return rooms ? int(i / std::uint32_t(rooms)) : 0; }
    std::uint32_t directTarget(std::uint32_t sender) const
    {
        return std::uint32_t((sender + std::uint32_t(publishers)) % std::uint32_t(connections));
    }
    int publishersIn(int room) const
    {
        return room < publishers ? (publishers - room + rooms - 1) / rooms : 0;
    }
};

// What a worker reports while a phase runs: written by its own thread once per loop
// iteration, read by the controller. Padded to a cache line so workers never share one.
struct alignas(64) WorkerCounters
{
    std::atomic<std::uint64_t> ready {0};
    std::atomic<std::uint64_t> failed {0};
    std::atomic<std::uint64_t> open {0}; // sockets not yet closed
    std::atomic<std::uint64_t> pending {0}; // setup requests waiting for a reply
    std::atomic<std::uint64_t> sent {0};
    std::atomic<std::uint64_t> acked {0};
    std::atomic<std::uint64_t> delivered {0};
    std::atomic<std::uint64_t> expected {0};
    std::atomic<std::uint64_t> errors {0};
    std::atomic<std::uint64_t> lastDeliveryNs {0};
    std::atomic<bool> sendingDone {false};
};

enum class Phase { Connect, Hold, CreateRooms, JoinRooms, Warm, Run, DeleteRooms, Close };

// State shared by the controller and the workers of one test.
struct Shared
{
    Shared(const Options &o, const Plan &p, int workers)
        : options(o)
        , plan(p)
        , roomState(new std::atomic<int>[std::size_t(std::max(1, p.rooms))])
        , warmSeen(new std::atomic<int>[std::size_t(std::max(1, p.rooms))])
        , counters(new WorkerCounters[std::size_t(workers)])
        , joinedMembers(std::size_t(std::max(1, p.rooms)), 0)
    {
        for (int r = 0; r < std::max(1, p.rooms); ++r) {
            roomState[std::size_t(r)] = 0;
            warmSeen[std::size_t(r)] = 0;
        }
    }

    const Options &options;
    const Plan &plan;
    std::atomic<bool> stop {false};
    std::atomic<int> entered {0}; // workers that have started the current phase
    std::unique_ptr<std::atomic<int>[]> roomState; // 0 pending, 1 usable, 2 failed
    std::unique_ptr<std::atomic<int>[]> warmSeen; // members that saw a warm-up message
    std::unique_ptr<WorkerCounters[]> counters;
    // Set by the controller between phases (workers only read them during a phase).
    std::vector<int> joinedMembers; // per room, after the warm-up
    std::uint64_t runStartNs = 0;
};

} // namespace Switchboard::LoadTest
