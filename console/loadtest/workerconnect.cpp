// SPDX-License-Identifier: MIT
// Connection life cycle: non-blocking connect from a spread of loopback source addresses, the
// HTTP upgrade with its Sec-WebSocket-Accept check, refusals, closes and failures.
#include "worker.h"

#include "procstats.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Switchboard::LoadTest {

namespace {

constexpr std::size_t MAX_UPGRADE_BYTES = 16 * 1024;

std::string errnoText(const char *what, int error)
{
    return std::string(what) + ": " + std::strerror(error);
}

// Value of an HTTP header in `head` (case-insensitive name), trimmed; empty when absent.
std::string_view headerValue(std::string_view head, std::string_view name)
{
    std::size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 < head.size()) {
        const std::size_t start = pos + 2;
        std::size_t end = head.find("\r\n", start);
        const std::string_view line
            = head.substr(start, end == std::string_view::npos ? end : end - start);
        const std::size_t colon = line.find(':');
        if (colon == name.size()
            && std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a))
                       == std::tolower(static_cast<unsigned char>(b));
               })) {
            std::string_view v = line.substr(colon + 1);
            while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
                v.remove_prefix(1);
            while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
                v.remove_suffix(1);
            return v;
        }
        pos = end;
    }
    return {};
}

bool equalsIgnoreCase(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x))
                   == std::tolower(static_cast<unsigned char>(y));
           });
}

// "HTTP 401 Unauthorized: {body}" from a refused upgrade still in `in`.
std::string rejection(const std::string &in)
{
    const std::size_t lineEnd = in.find("\r\n");
    std::string status = in.substr(0, lineEnd);
    if (status.rfind("HTTP/1.1 ", 0) == 0 || status.rfind("HTTP/1.0 ", 0) == 0)
        status = "HTTP " + status.substr(9);
    const std::size_t headEnd = in.find("\r\n\r\n");
    std::string body = headEnd == std::string::npos ? std::string() : in.substr(headEnd + 4, 300);
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r'))
        body.pop_back();
    return body.empty() ? status : status + ": " + body;
}

} // namespace

void Worker::openConnection(Conn &c)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        c.state = State::Connecting; // counted as in progress, so fail() balances it
        ++m_connecting;
        fail(c, errnoText("socket()", errno));
        return;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const Target &target = m_options.targetOf(c.index);
    if (target.loopback && m_options.sourceAddresses > 1) {
        // Let connect() pick the port per (source, destination) pair instead of bind() per
        // source address alone: each 127.0.0.x then has its own ~28k ephemeral ports.
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        sockaddr_in src {};
        src.sin_family = AF_INET;
        src.sin_addr.s_addr
            = htonl((127u << 24) | (1u + c.index % std::uint32_t(m_options.sourceAddresses)));
        if (::bind(fd, reinterpret_cast<sockaddr *>(&src), sizeof src) != 0) {
            const int error = errno;
            ::close(fd);
            c.state = State::Connecting;
            ++m_connecting;
            fail(c, errnoText("bind()", error));
            return;
        }
    }
    sockaddr_in dst {};
    dst.sin_family = AF_INET;
    dst.sin_addr.s_addr = target.address;
    dst.sin_port = htons(target.port);
    c.fd = fd;
    c.state = State::Connecting;
    c.startNs = ProcStats::nowNs();
    if (!m_result.firstConnectNs)
        m_result.firstConnectNs = c.startNs;
    ++m_open;
    ++m_connecting;
    if (::connect(fd, reinterpret_cast<sockaddr *>(&dst), sizeof dst) != 0
        && errno != EINPROGRESS) {
        fail(c, errnoText("connect()", errno));
        return;
    }
    epoll_event ev {};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u32 = std::uint32_t(&c - m_conns.data());
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev) != 0)
        fail(c, errnoText("epoll_ctl()", errno));
}

void Worker::finishConnect(Conn &c, std::uint64_t now)
{
    (void)now;
    int error = 0;
    socklen_t len = sizeof error;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error) {
        fail(c, errnoText("connect", error));
        return;
    }
    c.state = State::Upgrading;
    c.writable = true;
    const std::string key = WsFrame::makeKey(std::uint64_t(random32()) << 32 | random32(),
                                             std::uint64_t(random32()) << 32 | random32());
    c.accept = WsFrame::acceptFor(key);
    const std::string token = m_plan.tokens.empty() ? "bench" + std::to_string(c.index)
                                                    : m_plan.tokens[c.index % m_plan.tokens.size()];
    const Target &target = m_options.targetOf(c.index);
    std::string &r = c.out;
    r.append("GET ").append(target.path);
    r.append(target.path.find('?') == std::string::npos ? "?token=" : "&token=").append(token);
    r.append(" HTTP/1.1\r\nHost: ").append(target.host);
    r.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ").append(key);
    r.append("\r\nSec-WebSocket-Version: 13\r\n\r\n");
    flush(c);
}

bool Worker::onUpgradeBytes(Conn &c, std::uint64_t now)
{
    const std::size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) {
        if (c.in.size() > MAX_UPGRADE_BYTES)
            fail(c, "oversized HTTP upgrade response");
        return false;
    }
    const std::string_view head(c.in.data(), end);
    if (c.state == State::Upgrading && head.substr(0, 13) != "HTTP/1.1 101 "
        && head.substr(0, 12) != "HTTP/1.1 101")
        c.state = State::Rejected;
    if (c.state == State::Rejected) {
        // Wait for the body (the server's JSON error) unless it is long or absent.
        const std::string_view length = headerValue(head, "content-length");
        const std::size_t want
            = length.empty() ? 0 : std::size_t(std::atoll(std::string(length).c_str()));
        const std::size_t have = c.in.size() - end - 4;
        if (have < want && have < 300)
            return false;
        fail(c, rejection(c.in));
        return false;
    }
    if (!equalsIgnoreCase(headerValue(head, "upgrade"), "websocket")) {
        fail(c, "101 response without 'Upgrade: websocket'");
        return false;
    }
    if (headerValue(head, "sec-websocket-accept") != c.accept) {
        fail(c, "Sec-WebSocket-Accept does not match the key (RFC 6455 4.1)");
        return false;
    }
    m_result.handshake.record(now - c.startNs);
    c.state = State::Open;
    const std::string rest = c.in.substr(end + 4);
    c.in.clear();
    if (m_options.protocol == Protocol::Bench)
        onReady(c, now);
    if (!rest.empty()) {
        const std::size_t used = onFrames(c, rest.data(), rest.size(), now);
        if (c.fd >= 0 && used < rest.size())
            c.in.assign(rest, used);
    }
    return true;
}

void Worker::fail(Conn &c, const std::string &reason)
{
    switch (c.state) {
    case State::Connecting:
    case State::Upgrading:
    case State::Rejected:
    case State::Open:
        --m_connecting;
        ++m_failed;
        ++m_result.failures[reason];
        break;
    default:
        break;
    }
    closeSocket(c);
}

void Worker::closeSocket(Conn &c)
{
    if (c.fd >= 0) {
        ::close(c.fd); // also leaves the epoll set
        c.fd = -1;
        --m_open;
    }
    c.state = State::Closed;
    c.inflight = 0;
}

void Worker::onServerClose(Conn &c, std::string_view payload)
{
    const int code = payload.size() >= 2
        ? (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1])
        : 1005;
    if (c.state == State::Closing) {
        closeSocket(c);
        return;
    }
    // Answer with the same code (RFC 6455 5.5.1), then the server closes the TCP connection.
    queue(c, WsFrame::CLOSE, payload.substr(0, 2));
    flush(c);
    const std::string why = "closed by the server with code " + std::to_string(code)
        + (payload.size() > 2 ? " (" + std::string(payload.substr(2)) + ")" : std::string());
    onPeerGone(c, why.c_str());
}

void Worker::onPeerGone(Conn &c, const char *why)
{
    switch (c.state) {
    case State::Closing:
    case State::Closed:
        closeSocket(c);
        return;
    case State::Rejected:
        fail(c, rejection(c.in));
        return;
    case State::Ready:
        ++m_result.unexpectedCloses;
        ++m_errors;
        recordError(std::string("a connection was lost: ") + why);
        closeSocket(c);
        return;
    default:
        fail(c, why);
        return;
    }
}

} // namespace Switchboard::LoadTest
