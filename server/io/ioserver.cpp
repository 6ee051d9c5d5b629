// SPDX-License-Identifier: MIT
#include "ioserver.h"

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Switchboard::Io {

namespace {

QString systemError(const char *what)
{
    return QStringLiteral("%1: %2").arg(QLatin1StringView(what),
                                        QString::fromLocal8Bit(std::strerror(errno)));
}

} // namespace

IoServer::IoServer(int threads, const Limits &limits, Gatekeeper gatekeeper,
                   std::function<void()> wake)
{
    for (int i = 0; i < std::max(1, threads); ++i)
        m_threads.push_back(std::make_unique<IoThread>(i, limits, gatekeeper, wake));
}

IoServer::~IoServer()
{
    stop();
}

void IoServer::setAdmission(const std::shared_ptr<Admission> &admission)
{
    for (auto &thread : m_threads)
        thread->setAdmission(admission);
}

bool IoServer::listen(const QHostAddress &address, quint16 port, int backlog, QString *error)
{
    sockaddr_storage storage {};
    socklen_t length = 0;
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(&storage);
        in6->sin6_family = AF_INET6;
        const Q_IPV6ADDR raw = address.toIPv6Address();
        std::memcpy(&in6->sin6_addr, &raw, sizeof raw);
        length = sizeof *in6;
    } else {
        auto *in = reinterpret_cast<sockaddr_in *>(&storage);
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(address.toIPv4Address());
        length = sizeof *in;
    }
    const int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *error = systemError("socket");
        return false;
    }
    m_listeners.push_back(fd);
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (storage.ss_family == AF_INET6)
        reinterpret_cast<sockaddr_in6 *>(&storage)->sin6_port = htons(port);
    else
        reinterpret_cast<sockaddr_in *>(&storage)->sin_port = htons(port);
    if (::bind(fd, reinterpret_cast<sockaddr *>(&storage), length) != 0) {
        *error = systemError("bind");
        return false;
    }
    if (::listen(fd, backlog) != 0) {
        *error = systemError("listen");
        return false;
    }
    sockaddr_storage bound {};
    socklen_t boundLength = sizeof bound;
    getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &boundLength);
    m_port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6 *>(&bound)->sin6_port
                                               : reinterpret_cast<sockaddr_in *>(&bound)->sin_port);
    m_threads.front()->addListener(fd, [this](int socket, const QHostAddress &peer, quint16 p) {
        IoThread &target = *m_threads[m_nextThread];
        m_nextThread = (m_nextThread + 1) % m_threads.size();
        target.adopt(socket, peer, p);
    });
    for (auto &thread : m_threads) {
        if (!thread->start(error))
            return false;
    }
    return true;
}

void IoServer::stop()
{
    for (auto &thread : m_threads)
        thread->stop();
    for (int fd : m_listeners)
        ::close(fd);
    m_listeners.clear();
}

void IoServer::send(ConnectionId id, Ws::Opcode opcode, const QByteArray &payload)
{
    const int t = IoThread::threadOf(id);
    if (t < int(m_threads.size()))
        m_threads[size_t(t)]->send(id, opcode, payload);
}

void IoServer::close(ConnectionId id, quint16 code, const QByteArray &reason)
{
    const int t = IoThread::threadOf(id);
    if (t < int(m_threads.size()))
        m_threads[size_t(t)]->close(id, code, reason);
}

void IoServer::abort(ConnectionId id)
{
    const int t = IoThread::threadOf(id);
    if (t < int(m_threads.size()))
        m_threads[size_t(t)]->abort(id);
}

std::vector<IoEvent> IoServer::takeEvents()
{
    std::vector<IoEvent> all;
    for (auto &thread : m_threads) {
        std::vector<IoEvent> some = thread->takeEvents();
        if (all.empty())
            all = std::move(some);
        else
            std::move(some.begin(), some.end(), std::back_inserter(all));
    }
    return all;
}

int IoServer::connectionCount() const
{
    int n = 0;
    for (const auto &thread : m_threads)
        n += thread->connectionCount();
    return n;
}

} // namespace Switchboard::Io
