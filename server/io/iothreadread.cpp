// SPDX-License-Identifier: MIT
// IoThread's input side: the HTTP upgrade (peeked, so other requests can be handed over
// untouched) and the RFC 6455 frames of open connections.
#include "iothread.h"

#include "iothread_p.h"
#include "wsprotocol.h"

#include <cerrno>
#include <cstring>

#include <sys/epoll.h>
#include <sys/socket.h>

namespace Switchboard::Io {

namespace {

bool validCloseCode(quint16 code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011)
        || (code >= 3000 && code <= 4999);
}

} // namespace

void IoThread::onReadable(Connection &c, bool hangUp)
{
    if (c.phase == Connection::Phase::Head) {
        readHead(c);
        return;
    }
    readFrames(c, hangUp);
}

void IoThread::onWritable(Connection &c)
{
    if (!c.out.empty())
        flush(c);
}

void IoThread::readHead(Connection &c)
{
    // Peek, so that a request for another server can be handed over untouched.
    const qsizetype want = m_limits.maxHeadBytes + 1;
    const ssize_t n = ::recv(c.fd, m_scratch.data(), size_t(want), MSG_PEEK);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        drop(c, 1006, {});
        return;
    }
    if (n < 0)
        return;
    auto request = std::make_shared<UpgradeRequest>();
    qsizetype consumed = 0;
    const auto parsed = UpgradeRequest::parse(QByteArrayView(m_scratch.data(), n),
                                              m_limits.maxHeadBytes, request.get(), &consumed);
    if (parsed == UpgradeRequest::Result::NeedMore)
        return;
    if (parsed == UpgradeRequest::Result::NotHttp)
        request.reset(); // handed over with no request: TLS, say, for another server
    const auto consume = [&c, this](qsizetype bytes) {
        while (bytes > 0) {
            const ssize_t r = ::recv(c.fd, m_scratch.data(), size_t(bytes), 0);
            if (r <= 0)
                return false;
            bytes -= r;
        }
        return true;
    };
    Verdict verdict;
    if (parsed == UpgradeRequest::Result::TooLarge) {
        verdict.status = 431;
        verdict.reason = QByteArrayLiteral("Request Header Fields Too Large");
        consumed = n;
    } else if (parsed == UpgradeRequest::Result::Invalid) {
        consumed = n;
    } else if (parsed == UpgradeRequest::Result::NotHttp) {
        verdict.kind = Verdict::HandOff;
    } else {
        verdict = m_gatekeeper(*request, c.peer);
    }
    if (verdict.kind == Verdict::HandOff) {
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, c.fd, nullptr);
        IoEvent event;
        event.kind = IoEvent::HandedOff;
        event.fd = c.fd;
        event.peer = c.peer;
        event.peerPort = c.port;
        event.request = std::move(request);
        const ConnectionId id = c.id;
        m_timed.erase(id);
        m_byId.erase(id);
        m_connections.fetch_sub(1, std::memory_order_relaxed);
        emitEvent(std::move(event));
        return;
    }
    if (!consume(consumed)) {
        drop(c, 1006, {});
        return;
    }
    if (verdict.kind == Verdict::Refuse) {
        c.phase = Connection::Phase::Refusing;
        c.deadlineMs = ioNowMs() + m_limits.closeTimeoutMs;
        queue(c,
              httpResponse(verdict.status, verdict.reason, verdict.contentType, verdict.body,
                           verdict.headers));
        flush(c);
        return;
    }
    c.phase = Connection::Phase::Open;
    if (c.admitted)
        m_admission->upgraded();
    m_timed.erase(c.id);
    c.queued = std::make_shared<std::atomic<qint64>>(0);
    queue(c, switchingProtocols(Ws::acceptKey(request->header("sec-websocket-key"))));
    IoEvent event;
    event.kind = IoEvent::Opened;
    event.id = c.id;
    event.peer = c.peer;
    event.peerPort = c.port;
    event.request = std::move(request);
    event.context = std::move(verdict.context);
    event.queued = c.queued;
    event.flow = c.flow;
    emitEvent(std::move(event));
    const ConnectionId id = c.id;
    flush(c);
    // Frames the client sent right behind its request are already waiting.
    if (m_byId.count(id))
        readFrames(c, true);
}

bool IoThread::readFrames(Connection &c, bool untilEmpty)
{
    const ConnectionId id = c.id;
    for (;;) {
        if (c.readPaused)
            return true; // the input limits: resumeReading() reads on
        const ssize_t n = ::recv(c.fd, m_scratch.data(), m_scratch.size(), 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            // A client that hung up right after its close frame closed with that frame's code.
            drop(c, c.closeSent ? c.closeCode : (c.peerClosed ? c.failCode : quint16(1006)), {});
            return false;
        }
        const bool emptied = !untilEmpty && size_t(n) < m_scratch.size();
        if (c.phase == Connection::Phase::Refusing || c.failCode) {
            if (emptied)
                return true;
            continue; // whatever the client says after a refusal or a violation is ignored
        }
        // Parse straight from the scratch buffer when nothing is pending.
        const char *data = m_scratch.data();
        qsizetype size = n;
        if (!c.in.isEmpty()) {
            c.in.append(m_scratch.data(), n);
            data = c.in.constData();
            size = c.in.size();
        }
        qsizetype at = 0;
        // Complete frames are handled in order; a violation is reported only after them, and
        // is found as early as its bytes arrive (a header, a bad UTF-8 byte in a partial frame).
        while (at < size) {
            Ws::FrameHeader header;
            const char *why = nullptr;
            const auto r = Ws::parseClientHeader(data + at, size - at, &header, &why);
            if (r == Ws::ParseResult::NeedMore)
                break;
            if (r == Ws::ParseResult::Invalid)
                return fail(c, Ws::CLOSE_PROTOCOL_ERROR, why);
            if (header.payloadBytes > quint64(m_limits.maxFrameBytes))
                return fail(c, Ws::CLOSE_TOO_BIG, "frame too large");
            const bool isData = !(header.opcode & 0x8);
            bool text = false;
            if (isData && c.phase == Connection::Phase::Open) {
                if (header.opcode == Ws::CONTINUATION && !c.messageOpcode)
                    return fail(c, Ws::CLOSE_PROTOCOL_ERROR, "continuation without a message");
                if (header.opcode != Ws::CONTINUATION && c.messageOpcode)
                    return fail(c, Ws::CLOSE_PROTOCOL_ERROR, "new message inside a fragmented one");
                if (quint64(c.message.size()) + header.payloadBytes
                    > quint64(m_limits.maxMessageBytes))
                    return fail(c, Ws::CLOSE_TOO_BIG, "message too large");
                text = header.opcode == Ws::TEXT || c.messageOpcode == Ws::TEXT;
                if (header.opcode == Ws::TEXT && c.checkedBytes == 0)
                    c.utf8.reset(); // a new text message
            }
            const quint64 arrived = quint64(size - at - header.headerBytes);
            if (arrived < header.payloadBytes) {
                // A partial frame: check the text that came so far (fail fast).
                if (text && arrived > c.checkedBytes) {
                    if (!checkText(c, data + at + header.headerBytes + c.checkedBytes,
                                   qsizetype(arrived - c.checkedBytes), header.mask,
                                   c.checkedBytes))
                        return false;
                    c.checkedBytes = arrived;
                }
                break;
            }
            QByteArray payload(data + at + header.headerBytes, qsizetype(header.payloadBytes));
            Ws::unmask(payload.data(), payload.size(), header.mask);
            at += header.headerBytes + qsizetype(header.payloadBytes);
            const quint64 checked = std::exchange(c.checkedBytes, 0);
            if (text) {
                if (!c.utf8.feed(QByteArrayView(payload).sliced(qsizetype(checked))))
                    return fail(c, Ws::CLOSE_BAD_DATA, "text is not UTF-8");
                if (header.fin && !c.utf8.atBoundary())
                    return fail(c, Ws::CLOSE_BAD_DATA, "text ends inside a character");
            }
            if (!handleFrame(c, header.opcode, header.fin, std::move(payload)))
                return false;
            if (!m_byId.count(id))
                return false;
        }
        // Keep only the incomplete tail; an idle connection holds no buffer at all.
        if (c.in.isEmpty()) {
            if (at < size)
                c.in = QByteArray(data + at, size - at);
        } else {
            c.in.remove(0, at);
            if (c.in.isEmpty())
                c.in = QByteArray();
        }
        if (emptied)
            return true;
    }
}

bool IoThread::checkText(Connection &c, const char *masked, qsizetype size, quint32 mask,
                         quint64 offset)
{
    char piece[512];
    while (size > 0) {
        const qsizetype n = std::min<qsizetype>(size, sizeof piece);
        std::memcpy(piece, masked, size_t(n));
        Ws::unmask(piece, n, mask, offset);
        if (!c.utf8.feed(QByteArrayView(piece, n)))
            return fail(c, Ws::CLOSE_BAD_DATA, "text is not UTF-8");
        masked += n;
        size -= n;
        offset += quint64(n);
    }
    return true;
}

bool IoThread::fail(Connection &c, quint16 code, QByteArrayView why)
{
    if (c.phase != Connection::Phase::Open) {
        startClose(c, code, why);
        return false;
    }
    c.failCode = code;
    c.in = QByteArray();
    c.message = QByteArray();
    c.messageOpcode = 0;
    c.checkedBytes = 0;
    // Should the owner never close, the sweep closes with this code after the close timeout.
    c.deadlineMs = ioNowMs() + m_limits.closeTimeoutMs;
    m_timed.insert(c.id);
    IoEvent event;
    event.kind = IoEvent::CloseRequested;
    event.id = c.id;
    event.code = code;
    event.data = why.toByteArray();
    emitEvent(std::move(event));
    return false;
}

bool IoThread::handleFrame(Connection &c, quint8 opcode, bool fin, QByteArray &&payload)
{
    switch (opcode) {
    case Ws::PING:
        if (c.phase == Connection::Phase::Open) {
            queueFrame(c, Ws::PONG, std::move(payload));
            flush(c);
        }
        return true;
    case Ws::PONG: {
        IoEvent event;
        event.kind = IoEvent::Pong;
        event.id = c.id;
        event.data = std::move(payload);
        emitEvent(std::move(event), &c);
        return true;
    }
    case Ws::CLOSE: {
        quint16 code = Ws::CLOSE_NO_STATUS;
        QByteArray reason;
        if (payload.size() == 1)
            return fail(c, Ws::CLOSE_PROTOCOL_ERROR, "close payload of one byte");
        if (payload.size() >= 2) {
            code = quint16((quint8(payload[0]) << 8) | quint8(payload[1]));
            reason = payload.mid(2);
            if (!validCloseCode(code))
                return fail(c, Ws::CLOSE_PROTOCOL_ERROR, "invalid close code");
            if (!Ws::isValidUtf8(reason)) // like any text: 1007, as the Qt transport says too
                return fail(c, Ws::CLOSE_BAD_DATA, "close reason is not UTF-8");
        }
        const quint16 answer = code == Ws::CLOSE_NO_STATUS ? quint16(Ws::CLOSE_NORMAL) : code;
        if (c.phase == Connection::Phase::Open) {
            // Answered with the same code once the owner has answered the frames before it;
            // the socket is closed when our close frame is written.
            c.peerClosed = true;
            return fail(c, answer, reason);
        }
        if (!c.closeSent) {
            c.closeReceived = true;
            startClose(c, answer, reason, code);
            return false;
        }
        c.closeReceived = true; // the answer to ours: everything before it was read
        drop(c, c.closeCode, c.closeReason);
        return false;
    }
    case Ws::TEXT:
    case Ws::BINARY:
    case Ws::CONTINUATION:
        break;
    default:
        return true;
    }
    if (c.phase != Connection::Phase::Open)
        return true; // data after our close frame is discarded
    // Sequence, size and UTF-8 were checked from the header on (readFrames).
    if (opcode == Ws::CONTINUATION) {
        c.message.append(payload);
        if (!fin)
            return true;
        payload = std::exchange(c.message, QByteArray());
        opcode = std::exchange(c.messageOpcode, quint8(0));
    } else if (!fin) {
        c.messageOpcode = opcode;
        c.message = std::move(payload);
        return true;
    }
    IoEvent event;
    event.kind = IoEvent::Message;
    event.id = c.id;
    event.data = std::move(payload);
    event.binary = opcode == Ws::BINARY;
    emitEvent(std::move(event), &c);
    return true;
}

} // namespace Switchboard::Io
