// SPDX-License-Identifier: MIT
#include "iothread.h"

#include "iothread_p.h"
#include "sendbatch.h"
#include "wsprotocol.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <QDateTime>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/sockios.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcIo, "switchboard.io")

namespace Switchboard::Io {

namespace {

constexpr int MAX_EVENTS = 256;
constexpr int MAX_IOV = 64;
constexpr qsizetype SCRATCH_BYTES = 256 * 1024;
constexpr quint64 WAKE_TAG = ~quint64(0);
constexpr quint64 LISTEN_TAG = ~quint64(0) - 0xFFFF; // + index into m_listeners
constexpr int SWEEP_MS = 250;
// How long accepting pauses when the process is out of descriptors: long enough that a full
// descriptor table costs nothing, short enough that a freed one is used soon.
constexpr int ACCEPT_PAUSE_MS = 100;
constexpr qint64 ACCEPT_WARNING_INTERVAL_MS = 10'000;

} // namespace

qint64 ioNowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

IoThread::IoThread(int index, const Limits &limits, Gatekeeper gatekeeper,
                   std::function<void()> wake)
    : m_index(index)
    , m_limits(limits)
    , m_gatekeeper(std::move(gatekeeper))
    , m_wake(std::move(wake))
{ }

IoThread::~IoThread()
{
    stop();
}

bool IoThread::start(QString *error)
{
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    m_eventFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (m_epoll < 0 || m_eventFd < 0) {
        *error = QStringLiteral("cannot create the I/O loop: %1")
                     .arg(QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    epoll_event ev {};
    ev.events = EPOLLIN;
    ev.data.u64 = WAKE_TAG;
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_eventFd, &ev);
    for (size_t i = 0; i < m_listeners.size(); ++i) {
        ev.events = EPOLLIN;
        ev.data.u64 = LISTEN_TAG + i;
        if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_listeners[i], &ev) != 0) {
            *error = QStringLiteral("cannot watch the listening socket: %1")
                         .arg(QString::fromLocal8Bit(std::strerror(errno)));
            return false;
        }
    }
    if (!m_listeners.empty())
        m_spare = std::make_unique<SpareDescriptor>();
    m_scratch.resize(SCRATCH_BYTES);
    m_thread = std::thread([this] { run(); });
    return true;
}

void IoThread::stop()
{
    if (m_thread.joinable()) {
        m_stopping = true;
        const quint64 one = 1;
        [[maybe_unused]] ssize_t n = ::write(m_eventFd, &one, sizeof one);
        m_thread.join();
    }
    // No release to the Admission: the whole server goes, and with it the counts.
    for (auto &[id, c] : m_byId)
        ::close(c->fd);
    m_byId.clear();
    m_connections = 0;
    {
        // Sockets adopted but never seen by the loop are ours to close too.
        std::lock_guard lock(m_commandLock);
        for (const Command &command : m_commands) {
            if (command.kind == Command::Adopt)
                ::close(command.fd);
        }
        m_commands.clear();
    }
    if (m_epoll >= 0)
        ::close(m_epoll);
    if (m_eventFd >= 0)
        ::close(m_eventFd);
    m_epoll = m_eventFd = -1;
}

void IoThread::adopt(int fd, const QHostAddress &peer, quint16 port)
{
    post({Command::Adopt, 0, fd, port, {}, peer});
}

void IoThread::send(ConnectionId id, Ws::Opcode opcode, const QByteArray &payload)
{
    post({Command::Send, id, -1, quint16(opcode), payload, std::nullopt});
}

void IoThread::close(ConnectionId id, quint16 code, const QByteArray &reason)
{
    post({Command::Close, id, -1, code, reason, std::nullopt});
}

void IoThread::abort(ConnectionId id)
{
    post({Command::Abort, id, -1, 0, {}, std::nullopt});
}

IoThread::Batch &IoThread::batch()
{
    static thread_local Batch b;
    return b;
}

SendBatch::SendBatch()
{
    ++IoThread::batch().depth;
}

SendBatch::~SendBatch()
{
    IoThread::Batch &b = IoThread::batch();
    if (--b.depth > 0)
        return;
    for (auto &[thread, commands] : std::exchange(b.queued, {}))
        thread->postMany(std::move(commands));
}

void IoThread::postMany(std::vector<Command> &&commands)
{
    std::unique_lock lock(m_commandLock);
    if (m_commands.empty()) {
        m_commands.swap(commands);
    } else {
        m_commands.insert(m_commands.end(), std::make_move_iterator(commands.begin()),
                          std::make_move_iterator(commands.end()));
    }
    wakeLocked(lock);
}

void IoThread::wakeLocked(std::unique_lock<std::mutex> &lock)
{
    const bool signal = !m_commandsSignalled;
    m_commandsSignalled = true;
    lock.unlock();
    if (signal) { // the loop is not yet woken for the commands queued since it last took them
        const quint64 one = 1;
        [[maybe_unused]] ssize_t n = ::write(m_eventFd, &one, sizeof one);
    }
}

void IoThread::post(Command &&command)
{
    if (Batch &b = batch(); b.depth > 0) {
        for (auto &[thread, commands] : b.queued) {
            if (thread == this) {
                commands.push_back(std::move(command));
                return;
            }
        }
        b.queued.emplace_back(this, std::vector<Command> {});
        b.queued.back().second.reserve(64);
        b.queued.back().second.push_back(std::move(command));
        return;
    }
    std::unique_lock lock(m_commandLock);
    m_commands.push_back(std::move(command));
    wakeLocked(lock);
}

std::vector<IoEvent> IoThread::takeEvents()
{
    std::vector<IoEvent> events;
    bool resume = false;
    {
        std::lock_guard lock(m_eventLock);
        m_eventsSignalled = false;
        ++m_eventRound;
        m_eventInputBytes = 0;
        resume = std::exchange(m_resumeOwed, false);
        events = std::exchange(m_events, {});
    }
    if (resume)
        post({Command::Resume, 0, -1, 0, {}, std::nullopt});
    return events;
}

void IoThread::emitEvent(IoEvent &&event, Connection *input)
{
    bool signal = false;
    bool pause = false;
    {
        std::lock_guard lock(m_eventLock);
        if (input) {
            // What was emitted in an earlier round has been taken by the owner.
            if (input->inputRound != m_eventRound) {
                input->inputRound = m_eventRound;
                input->inputBytes = 0;
            }
            input->inputBytes += event.data.size();
            m_eventInputBytes += event.data.size();
            pause = input->inputBytes >= m_limits.maxInputBytes
                || m_eventInputBytes >= m_limits.maxThreadInputBytes;
            m_resumeOwed = m_resumeOwed || pause;
        }
        m_events.push_back(std::move(event));
        signal = !m_eventsSignalled;
        m_eventsSignalled = true;
    }
    if (pause && !input->readPaused) {
        input->readPaused = true; // readFrames() stops after the bytes it holds
        m_paused.push_back(input->id);
    }
    // The owner is woken once per round of the loop, for every event of that round.
    m_wakeOwed = m_wakeOwed || signal;
}

void IoThread::resumeReading()
{
    const std::vector<ConnectionId> paused = std::exchange(m_paused, {});
    for (ConnectionId id : paused) {
        const auto it = m_byId.find(id);
        if (it == m_byId.end())
            continue;
        it->second->readPaused = false;
        // Edge-triggered: what arrived meanwhile (a hang-up too) is not reported again.
        readFrames(*it->second, true);
    }
}

void IoThread::wakeOwner()
{
    if (m_wakeOwed && m_wake)
        m_wake();
    m_wakeOwed = false;
}

void IoThread::run()
{
    epoll_event events[MAX_EVENTS];
    while (!m_stopping) {
        int timeout = SWEEP_MS;
        if (m_acceptResumeMs)
            timeout = int(std::clamp<qint64>(m_acceptResumeMs - ioNowMs(), 0, SWEEP_MS));
        const int n = epoll_wait(m_epoll, events, MAX_EVENTS, timeout);
        for (int i = 0; i < n; ++i) {
            if (events[i].data.u64 == WAKE_TAG) {
                quint64 count;
                [[maybe_unused]] ssize_t r = ::read(m_eventFd, &count, sizeof count);
                drainCommands();
                continue;
            }
            if (events[i].data.u64 >= LISTEN_TAG) {
                acceptAll(m_listeners[events[i].data.u64 - LISTEN_TAG]);
                continue;
            }
            const auto it = m_byId.find(events[i].data.u64);
            if (it == m_byId.end())
                continue;
            Connection &c = *it->second;
            if (events[i].events & EPOLLOUT)
                onWritable(c);
            if (m_byId.count(events[i].data.u64)
                && (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
                onReadable(c, events[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR));
            }
        }
        const qint64 now = ioNowMs();
        if (m_acceptResumeMs && now >= m_acceptResumeMs)
            resumeAccepting();
        if (now - m_lastSweepMs >= SWEEP_MS) {
            m_lastSweepMs = now;
            sweep(now);
        }
        wakeOwner();
    }
    wakeOwner();
}

void IoThread::acceptAll(int listener)
{
    // Level-triggered: what is left in the backlog comes back on the next round.
    for (int i = 0; i < MAX_EVENTS; ++i) {
        sockaddr_storage address {};
        socklen_t length = sizeof address;
        const int fd = ::accept4(listener, reinterpret_cast<sockaddr *>(&address), &length,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            const int error = errno;
            if (error == EINTR || error == ECONNABORTED)
                continue;
            if (error == EAGAIN || error == EWOULDBLOCK)
                return;
            // The connection stays in the backlog and the listener stays readable: without a
            // pause this loop would be woken again at once, for as long as the shortage lasts.
            int shed = 0;
            if (error == EMFILE || error == ENFILE)
                shed = m_spare ? m_spare->shed(listener, MAX_EVENTS) : 0;
            pauseAccepting(ioNowMs(), error, shed);
            return;
        }
        QHostAddress peer(reinterpret_cast<const sockaddr *>(&address));
        if (m_admission && m_admission->admit(peer) != Admission::Verdict::Admit) {
            ::close(fd); // refused before a byte is read: the client sees the connection close
            continue;
        }
        quint16 port = 0;
        if (address.ss_family == AF_INET)
            port = ntohs(reinterpret_cast<const sockaddr_in *>(&address)->sin_port);
        else if (address.ss_family == AF_INET6)
            port = ntohs(reinterpret_cast<const sockaddr_in6 *>(&address)->sin6_port);
        if (m_acceptSink)
            m_acceptSink(fd, peer, port);
        else
            addConnection(fd, peer, port);
    }
}

void IoThread::pauseAccepting(qint64 now, int error, int shed)
{
    for (int listener : m_listeners)
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, listener, nullptr);
    m_acceptResumeMs = now + ACCEPT_PAUSE_MS;
    if (now - m_lastAcceptWarningMs > ACCEPT_WARNING_INTERVAL_MS) {
        m_lastAcceptWarningMs = now;
        qCWarning(lcIo).nospace() << "cannot accept a connection: " << std::strerror(error)
                                  << "; closed " << shed << " waiting connection(s), accepting "
                                  << "pauses for " << ACCEPT_PAUSE_MS
                                  << " ms (raise the open-file limit or lower max_connections)";
    }
}

void IoThread::resumeAccepting()
{
    m_acceptResumeMs = 0;
    for (size_t i = 0; i < m_listeners.size(); ++i) {
        epoll_event ev {};
        ev.events = EPOLLIN;
        ev.data.u64 = LISTEN_TAG + i;
        epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_listeners[i], &ev);
    }
}

void IoThread::addConnection(int fd, const QHostAddress &peer, quint16 port)
{
    auto c = std::make_unique<Connection>();
    c->id = (quint64(m_index) << 56) | m_nextSerial++;
    c->fd = fd;
    c->peer = peer;
    c->port = port;
    c->deadlineMs = ioNowMs() + m_limits.handshakeTimeoutMs;
    c->admitted = m_admission != nullptr; // every socket this server accepted was admitted
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_event ev {};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = c->id;
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev) != 0) {
        ::close(fd);
        if (c->admitted)
            m_admission->release(peer, true);
        return;
    }
    m_connections.fetch_add(1, std::memory_order_relaxed);
    m_timed.insert(c->id); // the upgrade request has a deadline
    m_byId.emplace(c->id, std::move(c));
}

void IoThread::drainCommands()
{
    std::vector<Command> commands;
    {
        std::lock_guard lock(m_commandLock);
        commands.swap(m_commands);
        m_commandsSignalled = false;
    }
    std::vector<ConnectionId> touched;
    for (Command &command : commands) {
        if (command.kind == Command::Adopt) {
            addConnection(command.fd, command.peer.value_or(QHostAddress()), command.code);
            continue;
        }
        if (command.kind == Command::Resume) {
            resumeReading();
            continue;
        }
        const auto it = m_byId.find(command.id);
        if (it == m_byId.end())
            continue;
        Connection &c = *it->second;
        if (command.kind == Command::Send) {
            if (c.phase != Connection::Phase::Open)
                continue;
            queueFrame(c, Ws::Opcode(command.code), std::move(command.bytes));
            if (!c.dirty) {
                c.dirty = true;
                touched.push_back(c.id);
            }
        } else if (command.kind == Command::Abort) {
            drop(c, 1006, {});
        } else {
            // Flush what is queued first: the close frame goes after it.
            if (c.dirty) {
                c.dirty = false;
                flush(c);
            }
            if (m_byId.count(command.id))
                startClose(c, command.code, command.bytes);
        }
    }
    // Everything queued for one connection in this round leaves in one writev().
    for (ConnectionId id : touched) {
        const auto it = m_byId.find(id);
        if (it == m_byId.end() || !it->second->dirty)
            continue;
        it->second->dirty = false;
        flush(*it->second);
    }
}

void IoThread::queue(Connection &c, QByteArray bytes)
{
    c.queuedBytes += bytes.size();
    c.out.push_back(OutChunk {{}, 0, std::move(bytes)});
    if (c.queued)
        c.queued->store(c.queuedBytes, std::memory_order_relaxed);
}

void IoThread::queueFrame(Connection &c, Ws::Opcode opcode, QByteArray payload)
{
    OutChunk chunk;
    chunk.header[0] = char(0x80 | opcode);
    const quint64 n = quint64(payload.size());
    if (n < 126) {
        chunk.header[1] = char(n);
        chunk.headerBytes = 2;
    } else if (n <= 0xFFFF) {
        chunk.header[1] = char(126);
        chunk.header[2] = char(n >> 8);
        chunk.header[3] = char(n & 0xFF);
        chunk.headerBytes = 4;
    } else {
        chunk.header[1] = char(127);
        for (int i = 0; i < 8; ++i)
            chunk.header[2 + i] = char((n >> (56 - 8 * i)) & 0xFF);
        chunk.headerBytes = 10;
    }
    chunk.bytes = std::move(payload);
    chunk.text = opcode == Ws::TEXT;
    c.queuedBytes += chunk.size();
    c.out.push_back(std::move(chunk));
    if (c.queued)
        c.queued->store(c.queuedBytes, std::memory_order_relaxed);
}

void IoThread::flush(Connection &c)
{
    while (!c.out.empty()) {
        iovec iov[MAX_IOV];
        int count = 0;
        qsizetype skip = c.outOffset;
        for (auto it = c.out.begin(); it != c.out.end() && count + 2 <= MAX_IOV; ++it) {
            if (skip < it->headerBytes) {
                iov[count].iov_base = it->header + skip;
                iov[count].iov_len = size_t(it->headerBytes - skip);
                ++count;
                skip = 0;
            } else {
                skip -= it->headerBytes;
            }
            if (it->bytes.size() > skip) {
                iov[count].iov_base = const_cast<char *>(it->bytes.constData()) + skip;
                iov[count].iov_len = size_t(it->bytes.size() - skip);
                ++count;
            }
            skip = 0;
        }
        const ssize_t n = ::writev(c.fd, iov, count);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break; // EPOLLOUT (edge-triggered) tells when to go on
        if (n < 0) {
            drop(c, 1006, {});
            return;
        }
        qsizetype left = n;
        c.queuedBytes -= n;
        while (left > 0) {
            const qsizetype rest = c.out.front().size() - c.outOffset;
            if (left >= rest) {
                left -= rest;
                if (c.out.front().text) {
                    c.written += c.out.front().bytes.size();
                    ++c.writtenFrames;
                }
                c.out.pop_front();
                c.outOffset = 0;
            } else {
                c.outOffset += left;
                left = 0;
            }
        }
    }
    if (c.queued)
        c.queued->store(c.queuedBytes, std::memory_order_relaxed);
    publishWritten(c);
    if (!c.out.empty()) {
        if (c.phase == Connection::Phase::Open && c.queuedBytes > m_limits.maxQueueBytes
            && c.out.size() > 1) {
            // A slow consumer: it cannot even take a close frame, so it is dropped.
            qCInfo(lcIo) << "dropping a slow consumer with" << c.queuedBytes << "bytes queued";
            drop(c, m_limits.slowConsumerCode, "slow consumer");
        }
        return;
    }
    if (c.phase == Connection::Phase::Refusing) {
        drop(c, 0, {});
    } else if (c.closeReceived) {
        drop(c, c.closeCode, c.closeReason); // the close handshake is complete
    } else if (c.closeSent && !c.writeShut) {
        c.writeShut = true;
        ::shutdown(c.fd, SHUT_WR);
    }
}

void IoThread::publishWritten(Connection &c)
{
    if (c.writtenFrames == c.publishedFrames)
        return;
    c.publishedFrames = c.writtenFrames;
    c.flow->frames.store(c.writtenFrames, std::memory_order_relaxed);
    c.flow->written.store(c.written);
    const qint64 at = c.flow->drainAt.load();
    // The exchange decides between this thread and the session disarming it itself.
    if (at > 0 && c.written >= at && c.flow->drainAt.exchange(0) > 0) {
        IoEvent event;
        event.kind = IoEvent::Drained;
        event.id = c.id;
        emitEvent(std::move(event));
    }
}

void IoThread::startClose(Connection &c, quint16 code, QByteArrayView reason, quint16 reportCode)
{
    if (c.closeSent || c.phase == Connection::Phase::Head
        || c.phase == Connection::Phase::Refusing) {
        drop(c, code, reason.toByteArray());
        return;
    }
    c.closeSent = true;
    c.closeReceived = c.closeReceived || c.peerClosed; // our frame answers the client's close
    c.closeCode = reportCode ? reportCode : code;
    c.closeReason = reason.toByteArray();
    c.phase = Connection::Phase::Closing;
    c.deadlineMs = ioNowMs() + m_limits.closeTimeoutMs;
    m_timed.insert(c.id);
    c.in = QByteArray();
    c.message = QByteArray();
    queue(c, Ws::encodeClose(code, reason));
    flush(c);
}

void IoThread::drop(Connection &c, quint16 code, QByteArrayView reason)
{
    const bool opened = c.phase == Connection::Phase::Open || c.phase == Connection::Phase::Closing;
    if (opened && !c.closeReceived) {
        // Without the peer's close frame (which it sends after reading everything before
        // ours), bytes the kernel still holds unacknowledged may never reach it: they do not
        // count as written. TCP acknowledges receipt, not reading: docs/RELIABILITY.md.
        int unacked = 0;
        if (::ioctl(c.fd, SIOCOUTQ, &unacked) == 0 && unacked > 0)
            c.written = std::max<qint64>(0, c.written - unacked);
    }
    c.flow->written.store(c.written);
    epoll_ctl(m_epoll, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    if (c.admitted) {
        m_admission->release(
            c.peer, c.phase == Connection::Phase::Head || c.phase == Connection::Phase::Refusing);
    }
    if (c.queued)
        c.queued->store(0, std::memory_order_relaxed);
    if (opened) {
        IoEvent event;
        event.kind = IoEvent::Closed;
        event.id = c.id;
        event.code = code;
        event.data = reason.toByteArray();
        emitEvent(std::move(event));
    }
    m_connections.fetch_sub(1, std::memory_order_relaxed);
    m_timed.erase(c.id);
    m_byId.erase(c.id); // c is gone from here on
}

void IoThread::sweep(qint64 now)
{
    // Only connections with a deadline (upgrading, refused, closing) are looked at: an idle
    // open connection costs nothing here.
    std::vector<Connection *> late;
    for (ConnectionId id : m_timed) {
        const auto it = m_byId.find(id);
        if (it != m_byId.end() && it->second->deadlineMs <= now)
            late.push_back(it->second.get());
    }
    for (Connection *c : late) {
        if (c->failCode && c->phase == Connection::Phase::Open) {
            // The owner never closed after a violation: close with its code ourselves.
            startClose(*c, c->failCode, "protocol violation");
            continue;
        }
        drop(*c, c->phase == Connection::Phase::Closing ? c->closeCode : quint16(1006), {});
    }
}

} // namespace Switchboard::Io
