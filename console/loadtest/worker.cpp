// SPDX-License-Identifier: MIT
#include "worker.h"

#include "procstats.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Switchboard::LoadTest {

namespace {

constexpr std::size_t READ_BUFFER_BYTES = 256 * 1024;
constexpr std::size_t MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
constexpr std::uint64_t MAX_WAIT_NS = 20'000'000;

} // namespace

Worker::Worker(int id, Shared &shared)
    : m_id(id)
    , m_shared(shared)
    , m_options(shared.options)
    , m_plan(shared.plan)
    , m_readBuffer(READ_BUFFER_BYTES)
{
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    if (getrandom(&m_rng, sizeof m_rng, 0) != sizeof m_rng)
        m_rng = ProcStats::nowNs();
    m_rng ^= std::uint64_t(id + 1) * 0x9E3779B97F4A7C15ull;
    m_rng |= 1;
}

Worker::~Worker()
{
    for (Conn &c : m_conns)
        if (c.fd >= 0)
            ::close(c.fd);
    if (m_epoll >= 0)
        ::close(m_epoll);
}

void Worker::addConnection(std::uint32_t index)
{
    Conn c;
    c.index = index;
    m_conns.push_back(std::move(c));
}

std::uint32_t Worker::random32()
{
    // xorshift64*: mask keys need not be cryptographic for a load generator talking to its own
    // server, and a syscall per frame would cost more than the rest of the send path.
    m_rng ^= m_rng >> 12;
    m_rng ^= m_rng << 25;
    m_rng ^= m_rng >> 27;
    return std::uint32_t((m_rng * 0x2545F4914F6CDD1Dull) >> 32);
}

void Worker::run(Phase phase)
{
    enterPhase(phase, ProcStats::nowNs());
    flushDirty();
    // The controller judges a phase by these counters only once every worker has entered it.
    publishCounters();
    m_shared.entered.fetch_add(1);
    loop(phase);
    leavePhase(phase);
    flushDirty();
    publishCounters();
}

void Worker::loop(Phase phase)
{
    epoll_event events[512];
    bool havePwait2 = true;
    while (!m_shared.stop.load(std::memory_order_relaxed)) {
        std::uint64_t now = ProcStats::nowNs();
        const std::uint64_t next = tick(phase, now);
        flushDirty();
        publishCounters();
        now = ProcStats::nowNs();
        const std::uint64_t wait = next <= now ? 0 : std::min(next - now, MAX_WAIT_NS);
        int n;
        if (havePwait2) {
            const timespec ts {time_t(wait / 1000000000ull), long(wait % 1000000000ull)};
            n = epoll_pwait2(m_epoll, events, 512, &ts, nullptr);
            if (n < 0 && errno == ENOSYS) {
                havePwait2 = false;
                continue;
            }
        } else {
            n = epoll_wait(m_epoll, events, 512, int((wait + 999999) / 1000000));
        }
        if (n < 0)
            continue; // EINTR
        now = ProcStats::nowNs();
        for (int i = 0; i < n; ++i) {
            Conn &c = m_conns[events[i].data.u32];
            const std::uint32_t ev = events[i].events;
            if (c.fd < 0)
                continue;
            if (c.state == State::Connecting) {
                if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
                    continue;
                finishConnect(c, now);
                if (c.fd < 0)
                    continue;
            }
            if (ev & EPOLLOUT) {
                c.writable = true;
                if (c.outOffset < c.out.size())
                    flush(c);
            }
            if (c.fd >= 0 && (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
                onReadable(c, now);
        }
        flushDirty();
    }
}

void Worker::onReadable(Conn &c, std::uint64_t now)
{
    char *buf = m_readBuffer.data();
    const std::size_t size = m_readBuffer.size();
    for (;;) {
        const ssize_t n = ::recv(c.fd, buf, size, 0);
        if (n > 0) {
            // Receipt time per recv(): frames read later in a busy iteration are not stamped early.
            now = ProcStats::nowNs();
            if (c.state == State::Upgrading || c.state == State::Rejected) {
                c.in.append(buf, std::size_t(n));
                onUpgradeBytes(c, now);
            } else if (c.in.empty()) {
                const std::size_t used = onFrames(c, buf, std::size_t(n), now);
                if (c.fd >= 0 && used < std::size_t(n))
                    c.in.assign(buf + used, std::size_t(n) - used);
            } else {
                c.in.append(buf, std::size_t(n));
                const std::size_t used = onFrames(c, c.in.data(), c.in.size(), now);
                if (c.fd >= 0)
                    c.in.erase(0, used);
            }
            if (c.fd < 0 || std::size_t(n) < size)
                return; // drained: with edge triggering, later bytes raise a new edge
            continue;
        }
        if (n == 0) {
            onPeerGone(c, "connection closed by the server");
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            onPeerGone(c, std::strerror(errno));
        return;
    }
}

std::size_t Worker::onFrames(Conn &c, const char *data, std::size_t size, std::uint64_t now)
{
    std::size_t pos = 0;
    while (pos < size && c.fd >= 0) {
        WsFrame::Header h;
        const char *why = nullptr;
        const auto r = WsFrame::parseHeader(data + pos, size - pos, &h, &why);
        if (r == WsFrame::ParseResult::NeedMore) {
            if (h.headerBytes && h.payloadBytes > MAX_MESSAGE_BYTES)
                why = "frame larger than 16 MiB";
            else
                break;
        }
        if (why) {
            ++m_result.protocolErrors;
            ++m_errors;
            recordError(std::string("protocol error from the server: ") + why);
            queue(c, WsFrame::CLOSE, std::string_view("\x03\xea", 2)); // 1002
            flush(c);
            onPeerGone(c, why);
            return size;
        }
        const char *payload = data + pos + h.headerBytes;
        const std::size_t len = std::size_t(h.payloadBytes);
        pos += h.headerBytes + len;
        switch (h.opcode) {
        case WsFrame::TEXT:
        case WsFrame::BINARY:
            if (c.fragmentOpcode) {
                ++m_result.protocolErrors;
                ++m_errors;
                recordError("protocol error: a new message inside a fragmented one");
                onPeerGone(c, "protocol error");
                return size;
            }
            if (h.fin) {
                onText(c, std::string_view(payload, len), now);
            } else {
                c.fragmentOpcode = h.opcode;
                c.fragments.assign(payload, len);
            }
            break;
        case WsFrame::CONTINUATION:
            if (!c.fragmentOpcode || c.fragments.size() + len > MAX_MESSAGE_BYTES) {
                ++m_result.protocolErrors;
                ++m_errors;
                recordError("protocol error: bad continuation frame");
                onPeerGone(c, "protocol error");
                return size;
            }
            c.fragments.append(payload, len);
            if (h.fin) {
                onText(c, c.fragments, now);
                c.fragments.clear();
                c.fragmentOpcode = 0;
            }
            break;
        case WsFrame::PING:
            queue(c, WsFrame::PONG, std::string_view(payload, len));
            break;
        case WsFrame::PONG:
            break;
        case WsFrame::CLOSE:
            onServerClose(c, std::string_view(payload, len));
            return size;
        }
    }
    return pos;
}

void Worker::queue(Conn &c, WsFrame::Opcode opcode, std::string_view payload)
{
    if (c.fd < 0)
        return;
    WsFrame::appendFrame(c.out, opcode, payload, random32());
    if (!c.dirty) {
        c.dirty = true;
        m_dirty.push_back(std::uint32_t(&c - m_conns.data()));
    }
}

void Worker::flush(Conn &c)
{
    while (c.fd >= 0 && c.outOffset < c.out.size()) {
        const ssize_t n = ::send(c.fd, c.out.data() + c.outOffset, c.out.size() - c.outOffset,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            c.outOffset += std::size_t(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c.writable = false;
            return;
        }
        onPeerGone(c, std::strerror(errno));
        return;
    }
    c.out.clear();
    c.outOffset = 0;
}

void Worker::flushDirty()
{
    for (std::size_t i = 0; i < m_dirty.size(); ++i) {
        Conn &c = m_conns[m_dirty[i]];
        c.dirty = false;
        if (c.fd >= 0 && c.writable)
            flush(c);
    }
    m_dirty.clear();
}

void Worker::publishCounters()
{
    WorkerCounters &k = m_shared.counters[std::size_t(m_id)];
    constexpr auto R = std::memory_order_relaxed;
    k.ready.store(m_ready, R);
    k.failed.store(m_failed, R);
    k.open.store(m_open, R);
    k.pending.store(m_pending, R);
    k.sent.store(m_sent, R);
    k.acked.store(m_acked, R);
    k.delivered.store(m_delivered, R);
    k.expected.store(m_expected, R);
    k.errors.store(m_errors, R);
    k.lastDeliveryNs.store(m_lastDeliveryNs, R);
    k.sendingDone.store(m_sendingDone, R);
}

} // namespace Switchboard::LoadTest
