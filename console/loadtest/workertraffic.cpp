// SPDX-License-Identifier: MIT
// The traffic of each phase: room set-up, warm-up, publishing (windowed or paced), receipt.
#include "worker.h"

#include "procstats.h"

#include <algorithm>

namespace Switchboard::LoadTest {

namespace {

constexpr std::uint64_t IDLE_TICK_NS = 20'000'000;
constexpr std::uint64_t WARM_INTERVAL_NS = 100'000'000;
constexpr std::size_t MAX_ERROR_SAMPLES = 8;

void appendJsonString(std::string &out, std::string_view s)
{
    out.push_back('"');
    for (char ch : s) {
        if (ch == '"' || ch == '\\')
            out.push_back('\\');
        out.push_back(ch);
    }
    out.push_back('"');
}

} // namespace

int Worker::joinedIn(int room) const
{
    int n = 0;
    for (const Conn &c : m_conns)
        if (c.state == State::Ready && c.warm && m_plan.roomOf(c.index) == room)
            ++n;
    return n;
}

int Worker::joinableIn(int room) const
{
    int n = 0;
    for (const Conn &c : m_conns)
        if (c.state == State::Ready && c.setup == Setup::Joined && m_plan.roomOf(c.index) == room)
            ++n;
    return n;
}

bool Worker::ownerReady(int room) const
{
    for (const Conn &c : m_conns)
        if (c.index == std::uint32_t(room))
            return c.state == State::Ready && c.setup == Setup::Joined;
    return false;
}

void Worker::recordError(const std::string &text)
{
    if (m_result.errorSamples.size() < MAX_ERROR_SAMPLES
        && std::find(m_result.errorSamples.begin(), m_result.errorSamples.end(), text)
            == m_result.errorSamples.end())
        m_result.errorSamples.push_back(text);
}

void Worker::enterPhase(Phase phase, std::uint64_t now)
{
    const bool switchboard = m_options.protocol == Protocol::Switchboard;
    m_sendingDone = false;
    switch (phase) {
    case Phase::Connect:
    case Phase::Hold:
        break;
    case Phase::CreateRooms:
        for (Conn &c : m_conns) {
            if (c.state != State::Ready || !m_plan.isOwner(c.index))
                continue;
            m_scratch.assign(R"({"type":"room_create","id":"lt","room_id":)");
            appendJsonString(m_scratch, m_plan.roomIds[std::size_t(m_plan.roomOf(c.index))]);
            // Announcements would cost members x joins frames before the first message.
            m_scratch.append(R"(,"announce_membership":false})");
            queue(c, WsFrame::TEXT, m_scratch);
            c.setup = Setup::Pending;
            ++m_pending;
        }
        break;
    case Phase::JoinRooms:
        for (Conn &c : m_conns) {
            const int room = m_plan.roomOf(c.index);
            if (c.state != State::Ready || c.setup != Setup::None
                || (switchboard && m_shared.roomState[std::size_t(room)].load() != 1))
                continue;
            m_scratch.assign(switchboard ? R"({"type":"room_join","id":"lt","room_id":)"
                                         : R"({"type":"join","room":)");
            appendJsonString(m_scratch, m_plan.roomIds[std::size_t(room)]);
            m_scratch.push_back('}');
            queue(c, WsFrame::TEXT, m_scratch);
            // The bench protocol has no reply: the warm-up shows who is in.
            c.setup = switchboard ? Setup::Pending : Setup::Joined;
            if (switchboard)
                ++m_pending;
        }
        break;
    case Phase::DeleteRooms:
        // Clean up: the owner deletes the room its room_create made (not one an earlier run
        // left behind with --keep, which it only joined).
        for (Conn &c : m_conns) {
            if (c.state != State::Ready || !c.createdRoom)
                continue;
            m_scratch.assign(R"({"type":"room_delete","id":"lt","room_id":)");
            appendJsonString(m_scratch, m_plan.roomIds[std::size_t(m_plan.roomOf(c.index))]);
            m_scratch.push_back('}');
            queue(c, WsFrame::TEXT, m_scratch);
            c.setup = Setup::Deleting;
            ++m_pending;
        }
        break;
    case Phase::Warm:
        m_nextWarmNs = now;
        for (Conn &c : m_conns) {
            if (c.state != State::Ready)
                continue;
            if (m_plan.direct) {
                // A user is reachable once its sync_complete arrived: no warm-up needed.
                c.warm = true;
                c.lastSeq.assign(1, 0);
                continue;
            }
            if (!m_plan.usesRooms()) {
                sendMarked(c, 0, now); // echo: the first answer proves the path works
                continue;
            }
            c.lastSeq.assign(std::size_t(m_plan.publishersIn(m_plan.roomOf(c.index))), 0);
            if (m_plan.isOwner(c.index) && c.setup == Setup::Joined)
                c.warm = true; // it sends the warm-up messages
        }
        break;
    case Phase::Run: {
        m_senders.clear();
        const bool echo = m_plan.type == TestType::Echo;
        for (std::size_t i = 0; i < m_conns.size(); ++i) {
            const Conn &c = m_conns[i];
            if (c.state == State::Ready && c.warm && (echo || m_plan.isPublisher(c.index)))
                m_senders.push_back(std::uint32_t(i));
        }
        if (m_plan.type == TestType::Throughput) {
            // Publisher i sends its share of M; the window refills from each acknowledgement.
            const std::uint64_t p = std::uint64_t(m_plan.publishers);
            for (std::uint32_t i : m_senders) {
                Conn &c = m_conns[i];
                c.quota = m_plan.messages / p + (c.index < m_plan.messages % p ? 1 : 0);
                while (c.sentCount < c.quota && c.inflight < std::uint32_t(m_options.window))
                    sendMarked(c, c.nextSeq++, now);
            }
        } else {
            // One global schedule: message g is due at start + g / rate and is sent by the
            // sender at position g % S; each worker walks the positions it owns.
            m_pacedCycle = 0;
            m_pacedPos = 0;
            m_pacedStartNs = m_shared.runStartNs;
        }
        break;
    }
    case Phase::Close:
        for (Conn &c : m_conns) {
            if (c.fd < 0)
                continue;
            if (c.state == State::Ready || c.state == State::Open) {
                queue(c, WsFrame::CLOSE, std::string_view("\x03\xe8", 2)); // 1000
                c.state = State::Closing;
            } else {
                closeSocket(c);
            }
        }
        break;
    }
}

std::uint64_t Worker::tick(Phase phase, std::uint64_t now)
{
    switch (phase) {
    case Phase::Connect: {
        const int concurrency = m_options.concurrency
            ? m_options.concurrency
            : (m_plan.type == TestType::Storm ? m_plan.connections : 256);
        const std::uint64_t cap
            = std::uint64_t((concurrency + m_options.threads - 1) / m_options.threads);
        while (m_nextToOpen < m_conns.size() && m_connecting < cap)
            openConnection(m_conns[m_nextToOpen++]);
        return now + IDLE_TICK_NS;
    }
    case Phase::Warm:
        if (m_plan.usesRooms() && now >= m_nextWarmNs) {
            for (Conn &c : m_conns)
                if (c.state == State::Ready && m_plan.isOwner(c.index) && c.setup == Setup::Joined)
                    sendMarked(c, 0, now);
            m_nextWarmNs = now + WARM_INTERVAL_NS;
        }
        return m_plan.usesRooms() ? m_nextWarmNs : now + IDLE_TICK_NS;
    case Phase::Run:
        break;
    default:
        return now + IDLE_TICK_NS;
    }

    if (m_plan.type == TestType::Throughput) {
        m_sendingDone = std::all_of(m_senders.begin(), m_senders.end(), [this](std::uint32_t i) {
            const Conn &c = m_conns[i];
            return c.fd < 0 || c.ackedCount >= c.quota;
        });
        return now + IDLE_TICK_NS;
    }
    if (m_senders.empty()) {
        m_sendingDone = true;
        return now + IDLE_TICK_NS;
    }
    const std::uint64_t total = m_plan.pacedTotal;
    const std::uint64_t senders = m_plan.type == TestType::Echo ? std::uint64_t(m_plan.connections)
                                                                : std::uint64_t(m_plan.publishers);
    const double nsPerMessage = 1e9 / m_plan.rate;
    for (;;) {
        const Conn &first = m_conns[m_senders[m_pacedPos]];
        const std::uint64_t g = m_pacedCycle * senders + first.index;
        if (g >= total) {
            m_sendingDone = true;
            return now + IDLE_TICK_NS;
        }
        const std::uint64_t due = m_pacedStartNs + std::uint64_t(double(g) * nsPerMessage);
        if (due > now)
            return due;
        Conn &c = m_conns[m_senders[m_pacedPos]];
        if (c.fd >= 0) {
            m_result.senderLag.record(now - due);
            sendMarked(c, c.nextSeq++, now);
        }
        if (++m_pacedPos == m_senders.size()) {
            m_pacedPos = 0;
            ++m_pacedCycle;
        }
    }
}

void Worker::leavePhase(Phase phase)
{
    switch (phase) {
    case Phase::Connect:
        for (Conn &c : m_conns) {
            if (c.state == State::Idle) {
                c.state = State::Connecting;
                ++m_connecting;
                fail(c, "not attempted before the connect timeout");
            } else if (c.state != State::Ready && c.state != State::Closed) {
                const char *where = c.state == State::Connecting ? "TCP connect"
                    : c.state == State::Open                     ? "waiting for the welcome"
                                                                 : "the HTTP upgrade";
                fail(c, std::string("timed out in ") + where);
            }
        }
        break;
    case Phase::CreateRooms:
    case Phase::JoinRooms:
        for (Conn &c : m_conns) {
            if (c.setup == Setup::Pending) {
                c.setup = Setup::Failed;
                ++m_errors;
                recordError(phase == Phase::CreateRooms ? "no answer to room_create in time"
                                                        : "no answer to room_join in time");
            }
        }
        m_pending = 0;
        break;
    case Phase::DeleteRooms:
        for (Conn &c : m_conns) {
            if (c.setup == Setup::Deleting) {
                c.setup = Setup::Failed;
                ++m_errors;
                recordError("no answer to room_delete in time");
            }
        }
        m_pending = 0;
        break;
    case Phase::Close:
        for (Conn &c : m_conns)
            closeSocket(c);
        break;
    default:
        break;
    }
}

void Worker::sendMarked(Conn &c, std::uint64_t seq, std::uint64_t now)
{
    const bool switchboard = m_options.protocol == Protocol::Switchboard;
    const bool echo = m_plan.type == TestType::Echo;
    std::string &s = m_scratch;
    s.clear();
    const FrameScan::Marker marker {m_plan.run, c.index, seq, now};
    if (echo && switchboard) {
        // The server answers `ping` with `pong` carrying the same id.
        s.append(R"({"type":"ping","id":")");
        FrameScan::appendMarker(s, marker);
        s.append(R"("})");
    } else {
        if (echo) {
            s.append(R"({"type":"echo","data":)");
        } else if (m_plan.direct) {
            s.append(R"({"type":"send","to":)");
            s.append(
                std::to_string(m_plan.firstUserId + std::int64_t(m_plan.directTarget(c.index))));
            s.append(R"(,"data":)");
        } else {
            s.append(switchboard ? R"({"type":"room_send","room_id":)"
                                 : R"({"type":"publish","room":)");
            appendJsonString(s, m_plan.roomIds[std::size_t(m_plan.roomOf(c.index))]);
            s.append(R"(,"data":)");
        }
        // `data` is {"m":"<marker>","p":"xxx…"}, padded to --payload-bytes when it is longer.
        const std::size_t dataStart = s.size();
        s.append(R"({"m":")");
        FrameScan::appendMarker(s, marker);
        const std::size_t base = s.size() - dataStart + 2;
        const std::size_t want = std::size_t(m_options.payloadBytes);
        if (want > base + 7) {
            s.append(R"(","p":")");
            s.append(want - base - 7, 'x');
        }
        s.append(R"("}})");
    }
    queue(c, WsFrame::TEXT, s);
    if (seq == 0) {
        ++c.warmPending;
        return;
    }
    ++c.sentCount;
    ++c.inflight;
    ++m_sent;
    m_expected += owedPerMessage(c);
}

std::uint64_t Worker::owedPerMessage(const Conn &c) const
{
    if (m_plan.type == TestType::Echo || m_plan.direct)
        return 1;
    return std::uint64_t(
        std::max(0, m_shared.joinedMembers[std::size_t(m_plan.roomOf(c.index))] - 1));
}

} // namespace Switchboard::LoadTest
