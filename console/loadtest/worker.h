// SPDX-License-Identifier: MIT
#pragma once

#include "framescan.h"
#include "histogram.h"
#include "plan.h"
#include "wsframe.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace Switchboard::LoadTest {

// One I/O thread: an epoll set over its share of the connections (non-blocking sockets,
// edge-triggered), a minimal RFC 6455 client per connection, and the traffic of the current
// phase. Writes are queued per connection and flushed once per loop iteration, so everything a
// connection has to say in one iteration leaves in one send().
class Worker
{
public:
    Worker(int id, Shared &shared);
    ~Worker();
    Worker(const Worker &) = delete;
    Worker &operator=(const Worker &) = delete;

    void addConnection(std::uint32_t index);
    // Runs `phase` on the calling thread until the controller sets shared.stop.
    void run(Phase phase);

    // Read by the controller between phases.
    struct Result
    {
        Histogram handshake; // connect() -> 101 Switching Protocols
        Histogram welcome; // connect() -> ready (switchboard: sync_complete)
        Histogram latency; // send -> receipt, per delivered message
        Histogram senderLag; // paced tests: actual - scheduled send time
        std::uint64_t firstConnectNs = 0;
        std::uint64_t lastReadyNs = 0;
        std::uint64_t stray = 0; // marker of this run from a room the receiver is not in
        std::uint64_t stale = 0; // marker of another run (replayed old messages)
        std::uint64_t duplicates = 0; // a (sender, seq) at or below one already received
        std::uint64_t gaps = 0; // a sequence number skipped (counted again in loss)
        std::uint64_t errorFrames = 0;
        std::uint64_t unexpectedCloses = 0;
        // Publications the server pushed back (RATE_LIMITED, UNAVAILABLE): not stored, so
        // not owed to anyone (taken out of `expected`).
        std::uint64_t refused = 0;
        std::uint64_t protocolErrors = 0;
        std::uint64_t roomsDeleted = 0; // rooms this run created and deleted at its end
        std::map<std::string, int> failures; // reason -> connections
        std::vector<std::string> errorSamples;
    };
    const Result &result() const { return m_result; }
    int joinedIn(int room) const; // ready and warm (receiving) in `room`
    int joinableIn(int room) const; // ready and set up in `room`
    bool ownerReady(int room) const;

private:
    enum class State : std::uint8_t {
        Idle,
        Connecting,
        Upgrading,
        Rejected,
        Open,
        Ready,
        Closing,
        Closed
    };
    enum class Setup : std::uint8_t { None, Pending, Joined, Failed, Deleting, Deleted };

    struct Conn
    {
        int fd = -1;
        std::uint32_t index = 0;
        State state = State::Idle;
        Setup setup = Setup::None;
        bool writable = false;
        bool dirty = false;
        bool warm = false;
        bool createdRoom = false; // its room_create made the room (so the test may delete it)
        std::string out;
        std::size_t outOffset = 0;
        std::string in; // bytes of an incomplete frame or handshake
        std::string fragments; // a fragmented message being assembled
        std::uint8_t fragmentOpcode = 0;
        std::string accept; // expected Sec-WebSocket-Accept
        std::uint64_t startNs = 0;
        // publishing
        std::uint64_t nextSeq = 1;
        std::uint64_t quota = 0;
        std::uint64_t sentCount = 0;
        std::uint64_t ackedCount = 0;
        std::uint32_t inflight = 0;
        std::uint32_t warmPending = 0; // warm-up messages whose ack is still due
        std::vector<std::uint64_t> lastSeq; // per publisher slot of the room
    };

    // I/O (worker.cpp)
    void loop(Phase phase);
    void openConnection(Conn &c);
    void finishConnect(Conn &c, std::uint64_t now);
    void onReadable(Conn &c, std::uint64_t now);
    bool onUpgradeBytes(Conn &c, std::uint64_t now);
    std::size_t onFrames(Conn &c, const char *data, std::size_t size, std::uint64_t now);
    void queue(Conn &c, WsFrame::Opcode opcode, std::string_view payload);
    void flush(Conn &c);
    void flushDirty();
    void fail(Conn &c, const std::string &reason);
    void closeSocket(Conn &c);
    void onServerClose(Conn &c, std::string_view payload);
    void onPeerGone(Conn &c, const char *why);
    void publishCounters();
    std::uint32_t random32();

    // Traffic (workertraffic.cpp)
    void enterPhase(Phase phase, std::uint64_t now);
    std::uint64_t tick(Phase phase, std::uint64_t now); // returns the next wake-up time
    void leavePhase(Phase phase);
    void onText(Conn &c, std::string_view text, std::uint64_t now);
    void onMarker(Conn &c, const FrameScan::Marker &m, std::uint64_t now);
    void onControl(Conn &c, std::string_view text, std::uint64_t now);
    void onReady(Conn &c, std::uint64_t now);
    void onAck(Conn &c, std::uint64_t now);
    void countDelivery(std::uint64_t &lastSeq, const FrameScan::Marker &m, std::uint64_t now);
    void sendMarked(Conn &c, std::uint64_t seq, std::uint64_t now);
    // Deliveries one publication of this connection is owed (its room's joined members but one).
    std::uint64_t owedPerMessage(const Conn &c) const;
    void recordError(const std::string &text);

    int m_id;
    Shared &m_shared;
    const Options &m_options;
    const Plan &m_plan;
    int m_epoll = -1;
    std::vector<Conn> m_conns;
    std::vector<std::uint32_t> m_dirty;
    std::vector<char> m_readBuffer;
    std::string m_scratch;
    std::uint64_t m_rng;
    Result m_result;

    // Counters published to m_shared.counters[m_id].
    std::uint64_t m_ready = 0, m_failed = 0, m_open = 0, m_pending = 0, m_sent = 0, m_acked = 0,
                  m_delivered = 0, m_expected = 0, m_errors = 0, m_lastDeliveryNs = 0;

    // Phase state
    std::size_t m_nextToOpen = 0;
    std::uint64_t m_connecting = 0;
    std::uint64_t m_nextWarmNs = 0;
    std::vector<std::uint32_t> m_senders; // local indices of sending connections
    std::vector<std::uint32_t> m_senderPos; // their positions in the global sender order
    std::uint64_t m_pacedCycle = 0;
    std::size_t m_pacedPos = 0;
    std::uint64_t m_pacedStartNs = 0;
    bool m_sendingDone = false;
};

} // namespace Switchboard::LoadTest
