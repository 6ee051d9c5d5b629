// SPDX-License-Identifier: MIT
#pragma once

#include "iothread.h"

#include <memory>
#include <vector>

#include <QHostAddress>
#include <QString>

namespace Switchboard::Io {

// The native WebSocket transport: one listening socket, accepted from by the first I/O thread,
// which deals the new connections round-robin over all the threads. No SO_REUSEPORT: another
// process can never share the port (a second server on it fails to start instead of silently
// taking half the connections). The owner calls takeEvents() on its own thread whenever
// `wake` fired.
class IoServer
{
public:
    IoServer(int threads, const Limits &limits, Gatekeeper gatekeeper, std::function<void()> wake);
    ~IoServer();
    IoServer(const IoServer &) = delete;
    IoServer &operator=(const IoServer &) = delete;

    // Counts and refuses connections at accept time; call before listen().
    void setAdmission(const std::shared_ptr<Admission> &admission);
    bool listen(const QHostAddress &address, quint16 port, int backlog, QString *error);
    quint16 port() const { return m_port; }
    void stop();

    void send(ConnectionId id, Ws::Opcode opcode, const QByteArray &payload);
    void close(ConnectionId id, quint16 code, const QByteArray &reason);
    void abort(ConnectionId id);
    std::vector<IoEvent> takeEvents();
    int connectionCount() const;
    int threadCount() const { return int(m_threads.size()); }

private:
    std::vector<std::unique_ptr<IoThread>> m_threads;
    std::vector<int> m_listeners;
    quint16 m_port = 0;
    size_t m_nextThread = 0; // round robin, used by the accepting thread only
};

} // namespace Switchboard::Io
