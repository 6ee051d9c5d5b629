// SPDX-License-Identifier: MIT
#pragma once

#include "io/admission.h"

#include <memory>

#include <QHostAddress>
#include <QSslConfiguration>
#include <QSslServer>
#include <QList>
#include <QTcpServer>

namespace Switchboard {

struct ListenerSettings
{
    int backlog = 4096;
    int maxOpen = 10000; // TCP connections, WebSocket or HTTP
    int idleTimeoutMs = 10000;
    qint64 maxRequestBytes = 1024 * 1024;
    std::shared_ptr<Io::Admission> admission; // null = no admission control
};

// An accepted socket's place in the Admission, given back when the socket goes (a child of the
// socket, created as soon as the socket exists, so that every way it dies releases it).
class AdmissionTicket : public QObject
{
    Q_OBJECT

public:
    AdmissionTicket(QTcpSocket *socket, std::shared_ptr<Io::Admission> admission,
                    const QHostAddress &peer);
    ~AdmissionTicket() override;
    static AdmissionTicket *of(QTcpSocket *socket);
    void upgraded(); // now a WebSocket: no longer pending

private:
    std::shared_ptr<Io::Admission> m_admission;
    QHostAddress m_peer;
    bool m_pending = true;
};

// Guards one accepted TCP connection until it becomes a WebSocket: an idle/handshake deadline
// (QHttpServer 6.4 has none) and a cap on bytes received for one HTTP request (it has no body
// limit either). Lives as a child of the socket.
class ConnectionGuard : public QObject
{
    Q_OBJECT

public:
    ConnectionGuard(QTcpSocket *socket, int idleTimeoutMs, qint64 maxRequestBytes,
                    std::shared_ptr<int> openCount);
    ~ConnectionGuard() override;

    // Sets up one accepted socket of either listener: TCP_NODELAY (replies are small frames
    // written as soon as they exist; without it each waits for the client's delayed ACK of the
    // previous one, up to 40 ms) and its guard.
    static void watch(QTcpSocket *socket, const ListenerSettings &settings,
                      std::shared_ptr<int> openCount);
    static ConnectionGuard *of(QTcpSocket *socket);
    // A complete HTTP request was handled: restart the idle deadline and the byte count.
    void requestHandled();
    // The connection is now a WebSocket: its session takes over liveness checks.
    void upgraded();

private:
    void onReadyRead();
    void onIdle();

    QTcpSocket *m_socket;
    int m_timerId = 0;
    int m_idleTimeoutMs;
    qint64 m_maxRequestBytes;
    qint64 m_bytes = 0;
    bool m_rejecting = false; // answered 413; draining until the linger time is over
    std::shared_ptr<int> m_openCount;
    static constexpr int REJECT_LINGER_MS = 2000;

protected:
    void timerEvent(QTimerEvent *event) override;
};

// Plain TCP listener with a deep backlog (no SYN retries under connection storms) and a hard cap
// on open connections.
class TcpListener : public QTcpServer
{
    Q_OBJECT

public:
    explicit TcpListener(const ListenerSettings &settings, QObject *parent = nullptr);
    int openConnections() const { return *m_open; }
    // A connection accepted elsewhere (the native transport's hand-over of plain HTTP), served
    // as if this listener had accepted it, but marked with HANDED_OFF_PROPERTY: it must never
    // become a WebSocket here, outside the native transport's limits. It is still counted by
    // the admission, as pending, under `peer`.
    void adoptDescriptor(qintptr descriptor, const QHostAddress &peer);
    static constexpr const char *HANDED_OFF_PROPERTY = "switchboardHandedOff";
    bool hasPendingConnections() const override;
    QTcpSocket *nextPendingConnection() override;
    // After listen(): accept through an AcceptLoop instead of Qt's loop (which spins when the
    // process is out of descriptors).
    void startAcceptLoop();

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void deliver(QTcpSocket *socket); // to the HTTP server, as a pending connection
    // With its guard and ticket, or null (limit reached); `admitted`: counted by the admission.
    QTcpSocket *wrap(qintptr descriptor, const QHostAddress &peer, bool admitted);

    ListenerSettings m_settings;
    std::shared_ptr<int> m_open = std::make_shared<int>(0);
    QList<QTcpSocket *> m_adopted;
};

// The TLS variant: https:// and wss:// on the same port.
class TlsListener : public QSslServer
{
    Q_OBJECT

public:
    TlsListener(const ListenerSettings &settings, const QSslConfiguration &tls,
                QObject *parent = nullptr);
    int openConnections() const { return *m_open; }
    QTcpSocket *nextPendingConnection() override;
    // After listen(): accept through an AcceptLoop instead of Qt's loop (see TcpListener).
    void startAcceptLoop();

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    bool m_acceptLoop = false;
    ListenerSettings m_settings;
    std::shared_ptr<int> m_open = std::make_shared<int>(0);
};

} // namespace Switchboard
