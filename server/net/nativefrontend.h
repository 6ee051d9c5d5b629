// SPDX-License-Identifier: MIT
#pragma once

#include "auth/tokenservice.h"
#include "io/ioserver.h"
#include "net/originpolicy.h"
#include "net/transport.h"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

#include <QElapsedTimer>
#include <QHash>
#include <QObject>

namespace Switchboard {

struct Config;
class NativeFrontend;

// A Transport over one connection of the native epoll transport.
class NativeTransport : public Transport
{
public:
    NativeTransport(NativeFrontend *owner, const Io::IoEvent &opened);
    ~NativeTransport() override;

    qint64 sendText(const QByteArray &utf8) override;
    void ping() override;
    void close(int code, const QString &reason) override;
    void abort() override;
    QHostAddress peerAddress() const override { return m_peer; }
    quint16 peerPort() const override { return m_port; }
    qint64 queuedBytes() const override;
    qint64 writtenBytes() const override;
    qint64 backlogBytes() const override { return m_sent - writtenBytes(); }
    Backlog backlog() const override;
    // The I/O thread writes Flow::written on every write to the socket: reading it for every
    // frame sent costs a cache miss each time (2.4 % of the daemon's samples in a 2000 pub/s
    // fan-out), so the per-frame policy starts from the counts as last read.
    Backlog backlogBound() const override
    {
        return m_gone ? backlog()
                      : Backlog {m_sent - m_writtenSeen, m_framesSent - m_framesWrittenSeen};
    }
    bool notifyWhenBelow(qint64 bytes) override;
    QUrlQuery query() const override { return QUrlQuery(QString::fromUtf8(m_query)); }
    QString path() const override { return m_path; }
    QString client() const override { return m_client; }

private:
    friend class NativeFrontend;
    void received(Io::IoEvent &event);

    NativeFrontend *m_owner;
    Io::ConnectionId m_id;
    QHostAddress m_peer;
    quint16 m_port;
    bool m_gone = false; // the I/O thread dropped the connection
    bool m_closing = false;
    QByteArray m_query;
    QString m_path;
    QString m_client;
    std::shared_ptr<std::atomic<qint64>> m_queued;
    std::shared_ptr<Io::Flow> m_flow;
    qint64 m_sent = 0; // payload bytes of text frames handed to the I/O thread
    mutable qint64 m_writtenSeen = 0; // Flow::written as last read (it only grows while open)
    qint64 m_framesSent = 0; // text frames handed to the I/O thread
    mutable qint64 m_framesWrittenSeen = 0; // Flow::frames as last read
    QElapsedTimer m_pingSent;
};

// The plain-TCP side of the single port on the native transport: decides upgrades on the I/O
// threads (path, server full, token: a bad one gets HTTP 401 and never becomes a session),
// turns accepted ones into transports for the connection manager, and hands every other
// request's socket, untouched, to the Qt HTTP server through `handOff`.
class NativeFrontend : public QObject
{
    Q_OBJECT

public:
    NativeFrontend(const Config &config, const TokenService &tokens, QObject *parent = nullptr);
    ~NativeFrontend() override;

    // Counts and refuses connections at accept time (shared with the Qt listener, which gets
    // the handed-over sockets still counted); call before listen().
    void setAdmission(std::shared_ptr<Io::Admission> admission)
    {
        m_connectionAdmission = std::move(admission);
    }
    bool listen(QString *error);
    quint16 port() const { return m_io ? m_io->port() : 0; }
    void stop();
    // Refuse new upgrades with 503 (shutdown).
    void setAdmitting(bool admitting) { m_admission->admitting = admitting; }

    std::function<void(std::unique_ptr<Transport>, std::optional<TokenClaims>)> opened;
    // A plain HTTP socket, still counted by the admission (as pending) under this peer.
    std::function<void(int fd, const QHostAddress &peer)> handOff;

private:
    friend class NativeTransport;
    struct Admission
    {
        std::atomic<bool> admitting {true};
        std::atomic<int> open {0};
        int max = 0;
    };
    Io::Verdict decide(const Io::UpgradeRequest &request, const QHostAddress &peer) const;
    void drainEvents();

    const Config &m_config;
    const TokenService &m_tokens;
    std::shared_ptr<Admission> m_admission = std::make_shared<Admission>();
    std::shared_ptr<Io::Admission> m_connectionAdmission;
    const OriginPolicy m_origins;
    std::unique_ptr<Io::IoServer> m_io;
    QHash<Io::ConnectionId, NativeTransport *> m_transports;
    std::atomic<bool> m_drainQueued {false};
};

} // namespace Switchboard
