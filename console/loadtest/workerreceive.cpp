// SPDX-License-Identifier: MIT
// What arrives: marked frames (the hot path: one memmem and a few digits), and the rare
// control frames of the Switchboard protocol (welcome, replies, acks, errors).
#include "worker.h"

#include <algorithm>

namespace Switchboard::LoadTest {

void Worker::onText(Conn &c, std::string_view text, std::uint64_t now)
{
    FrameScan::Marker m;
    if (FrameScan::findMarker(text, &m)) {
        if (m.run == m_plan.run)
            onMarker(c, m, now);
        else
            ++m_result.stale;
        return;
    }
    if (m_options.protocol == Protocol::Switchboard)
        onControl(c, text, now);
}

void Worker::onMarker(Conn &c, const FrameScan::Marker &m, std::uint64_t now)
{
    if (m_plan.type == TestType::Echo) {
        if (m.sender != c.index) {
            ++m_result.stray;
            return;
        }
        if (m.seq == 0) {
            if (c.warmPending)
                --c.warmPending;
            if (!c.warm) {
                c.warm = true;
                m_shared.warmSeen[0].fetch_add(1, std::memory_order_relaxed);
            }
            return;
        }
        if (c.inflight)
            --c.inflight;
        ++m_delivered;
        m_result.latency.record(now > m.sentNs ? now - m.sentNs : 0);
        m_lastDeliveryNs = now;
        return;
    }
    if (m.sender == c.index) {
        // Bench peers send a publication back to its sender too: that copy is its ack.
        if (m.seq == 0) {
            if (c.warmPending)
                --c.warmPending;
        } else {
            onAck(c, now);
        }
        return;
    }
    if (m_plan.direct) {
        if (m.seq == 0 || m.sender >= std::uint32_t(m_plan.connections)
            || m_plan.directTarget(m.sender) != c.index || c.lastSeq.empty()) {
            ++m_result.stray;
            return;
        }
        countDelivery(c.lastSeq[0], m, now);
        return;
    }
    const int room = m_plan.roomOf(c.index);
    const bool sameRoom
        = m.sender < std::uint32_t(m_plan.connections) && m_plan.roomOf(m.sender) == room;
    if (m.seq == 0) {
        if (sameRoom && !c.warm && c.state == State::Ready) {
            c.warm = true;
            m_shared.warmSeen[std::size_t(room)].fetch_add(1, std::memory_order_relaxed);
        }
        return;
    }
    const std::size_t slot = std::size_t(m_plan.slotOf(m.sender));
    if (!c.warm || !sameRoom || !m_plan.isPublisher(m.sender) || slot >= c.lastSeq.size()) {
        ++m_result.stray;
        return;
    }
    countDelivery(c.lastSeq[slot], m, now);
}

// One publication reached one receiver: counted once per (receiver, sender, seq).
void Worker::countDelivery(std::uint64_t &last, const FrameScan::Marker &m, std::uint64_t now)
{
    if (m.seq <= last) {
        ++m_result.duplicates;
        ++m_errors;
        recordError("a message arrived twice or out of order");
        return;
    }
    if (m.seq != last + 1)
        ++m_result.gaps;
    last = m.seq;
    ++m_delivered;
    m_result.latency.record(now > m.sentNs ? now - m.sentNs : 0);
    m_lastDeliveryNs = now;
}

void Worker::onAck(Conn &c, std::uint64_t now)
{
    if (!c.inflight)
        return;
    --c.inflight;
    ++c.ackedCount;
    ++m_acked;
    if (m_plan.type == TestType::Throughput && c.sentCount < c.quota && c.fd >= 0)
        sendMarked(c, c.nextSeq++, now);
}

void Worker::onReady(Conn &c, std::uint64_t now)
{
    c.state = State::Ready;
    ++m_ready;
    --m_connecting;
    m_result.welcome.record(now - c.startNs);
    m_result.lastReadyNs = std::max(m_result.lastReadyNs, now);
}

void Worker::onControl(Conn &c, std::string_view text, std::uint64_t now)
{
    const std::string_view type = FrameScan::topLevelString(text, "type");
    if (type == "sync_complete") {
        // The welcome and the replay of stored messages are done: the connection is in use.
        if (c.state == State::Open)
            onReady(c, now);
    } else if (type == "ack") {
        if (c.warmPending)
            --c.warmPending; // acks come in order: warm-up messages were sent first
        else
            onAck(c, now);
    } else if (type == "room" || type == "room_joined") {
        if (c.setup == Setup::Pending) {
            c.setup = Setup::Joined;
            --m_pending;
            if (type == "room" && m_plan.isOwner(c.index)) {
                m_shared.roomState[std::size_t(m_plan.roomOf(c.index))].store(1);
                c.createdRoom = true;
            }
        }
    } else if (type == "room_deleted") {
        // The reply to the owner's room_delete; the other members get it as an event.
        if (c.setup == Setup::Deleting) {
            c.setup = Setup::Deleted;
            c.createdRoom = false;
            --m_pending;
            ++m_result.roomsDeleted;
        }
    } else if (type == "error") {
        // Seed 002's endpoint (/api/v1/ws) names it `error_code`; every other one `code`.
        std::string_view code = FrameScan::topLevelString(text, "code");
        if (code.empty())
            code = FrameScan::topLevelString(text, "error_code");
        const std::string message(FrameScan::topLevelString(text, "message"));
        if (c.setup == Setup::Deleting) {
            c.setup = Setup::Failed;
            --m_pending;
            ++m_errors;
            recordError("room_delete refused: " + std::string(code) + " " + message);
            return;
        }
        if (c.setup == Setup::Pending) {
            const int room = m_plan.roomOf(c.index);
            const bool owner = m_plan.isOwner(c.index);
            if (code == "CONFLICT" && owner && m_shared.roomState[std::size_t(room)].load() == 0) {
                // The room exists already (an earlier run): join it, unless a member already.
                m_shared.roomState[std::size_t(room)].store(1);
                m_scratch.assign(R"({"type":"room_join","id":"lt","room_id":")");
                m_scratch.append(m_plan.roomIds[std::size_t(room)]).append(R"("})");
                queue(c, WsFrame::TEXT, m_scratch);
                return;
            }
            --m_pending;
            if (code == "CONFLICT") { // already a member
                c.setup = Setup::Joined;
                return;
            }
            c.setup = Setup::Failed;
            if (owner)
                m_shared.roomState[std::size_t(room)].store(2);
            ++m_errors;
            recordError("room set-up refused: " + std::string(code) + " " + message);
            return;
        }
        if ((code == "RATE_LIMITED" || code == "UNAVAILABLE") && c.inflight && !c.warmPending) {
            // The server pushed back on a publication: it was not stored and nobody is owed
            // it. Counted apart from errors; it frees its place in the window.
            ++m_result.refused;
            m_expected -= std::min(m_expected, owedPerMessage(c));
            onAck(c, now);
            return;
        }
        ++m_result.errorFrames;
        ++m_errors;
        recordError("error frame: " + std::string(code) + " " + message);
        // An error answering a publication frees its place in the window.
        if (c.inflight && !c.warmPending)
            onAck(c, now);
    }
}

} // namespace Switchboard::LoadTest
