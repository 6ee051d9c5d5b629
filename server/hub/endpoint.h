// SPDX-License-Identifier: MIT
#pragma once

#include "hub/backlog.h"
#include "protocol/dialect.h"
#include "store/cancellablecontext.h"

#include <QByteArray>
#include <QString>

namespace Switchboard {

// One client connection as the hub, the services, the operator feed and REST see it: who it is,
// what operators are shown of it, and the ways to reach or close it. The session (net/)
// implements it, so nothing in hub/ or rest/ depends on net/ (docs/ARCHITECTURE.md, layers).
// Its store reads are cancelled when it closes (CancellableContext): once cancelled() is true
// the connection is closed, and a captured cancelFlag() outlives it (a guard for callbacks).
class Endpoint : public CancellableContext
{
public:
    // Not virtual: every delivery of a fan-out compares it.
    quint64 connectionId() const { return m_connectionId; }
    virtual qint64 userId() const = 0;
    virtual const QString &username() const = 0;
    virtual bool isAdmin() const = 0;
    // The shapes this connection's client reads (chosen by the upgrade's path and ?dialect=).
    virtual Protocol::Dialect dialect() const = 0;
    // Authenticated and live: attached to the hub, not activating, not closed.
    virtual bool attached() const = 0;
    // True once close() was asked (the peer may still owe its close frame) or the transport
    // closed: such a connection is on its way out and no rule or operator can cut it again.
    virtual bool closing() const = 0;

    // For operators: when it connected, the last heartbeat's round trip (-1 = none yet), peer
    // "IP:port", ?client= or User-Agent, bytes queued.
    virtual qint64 connectedAt() const = 0;
    virtual qint64 lastRttMs() const = 0;
    virtual QString address() const = 0;
    virtual QString client() const = 0;
    virtual qint64 queueBytes() const = 0;
    // Handed to the transport and not yet written (the send-queue policy's measure), and a
    // cheap upper bound of it (the room push-back asks every member).
    virtual Backlog backlog() const = 0;
    virtual Backlog backlogBound() const = 0;

    // A frame from the hub. A stored message names its stream and seq: the connection keeps
    // each stream in order, holds it back while that stream replays, and drops repeats.
    virtual void deliver(const QByteArray &frame, const QString &stream = QString(), qint64 seq = 0)
        = 0;
    // A frame that is not a stored message. Under the slow-consumer policy (docs/
    // RELIABILITY.md) a droppable one (typing, presence, stats) may be shed.
    virtual void sendFrame(const QByteArray &frame) = 0;
    virtual void close(int code, const QString &reason) = 0;

protected:
    explicit Endpoint(quint64 connectionId)
        : m_connectionId(connectionId)
    { }
    ~Endpoint() override = default;

private:
    quint64 m_connectionId;
};

} // namespace Switchboard
