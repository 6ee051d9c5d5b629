// SPDX-License-Identifier: MIT
#pragma once

#include "hub/backlog.h"

#include <QByteArray>
#include <QHostAddress>
#include <QString>
#include <QUrlQuery>

namespace Switchboard {

// What a session needs from the connection under it, whichever carries it: the native epoll
// transport (plain TCP, the default) or Qt's QWebSocket (TLS). Deliberately small and free of
// QObject so an idle connection costs little.
class Transport
{
public:
    // Implemented by the session; called on the logic thread.
    class Sink
    {
    public:
        virtual void transportText(const QByteArray &utf8) = 0;
        virtual void transportPong(qint64 rttMs) = 0;
        // The backlog fell below the level given to notifyWhenBelow() (once per call).
        virtual void transportDrained() = 0;
        // Exactly once; the transport sends nothing after it.
        virtual void transportClosed(int code, const QString &reason) = 0;

    protected:
        ~Sink() = default;
    };

    virtual ~Transport() = default;
    void setSink(Sink *sink) { m_sink = sink; }

    // `utf8` is shared, never copied per connection by the native transport. Returns the
    // frame's end offset: the payload bytes of all text frames handed to this transport so
    // far, this one included (compare with writtenBytes()).
    virtual qint64 sendText(const QByteArray &utf8) = 0;
    virtual void ping() = 0; // a protocol-level heartbeat; the answer comes as transportPong
    virtual void close(int code, const QString &reason) = 0; // close handshake
    virtual void abort() = 0; // drop at once, no handshake
    virtual QHostAddress peerAddress() const = 0;
    virtual quint16 peerPort() const = 0;
    virtual qint64 queuedBytes() const = 0; // waiting to be written, for operators
    // Flow control (docs/RELIABILITY.md). Payload bytes of text frames written to the socket
    // so far: a frame whose end offset is at most this reached the kernel (native) or was
    // written out of Qt's buffer; once closed, what reached the peer as far as is known.
    virtual qint64 writtenBytes() const = 0;
    // Bytes sent through this transport and not yet written: what a send-queue policy counts.
    virtual qint64 backlogBytes() const = 0;
    // The same in bytes and frames: many small frames cost memory and a reader's wait
    // beyond their bytes (the room push-back counts both).
    virtual Backlog backlog() const = 0;
    // At least backlog() in both, and cheap to ask on every frame: what the transport knows
    // without asking another thread (native: sent minus the written counts as last read).
    // A policy reads backlog() only when this bound comes near one of its thresholds.
    virtual Backlog backlogBound() const { return backlog(); }
    // Arms one transportDrained() for when backlogBytes() falls below `bytes`; returns false
    // (and arms nothing) when it is below already. The I/O side wakes the session only on the
    // crossing.
    virtual bool notifyWhenBelow(qint64 bytes) = 0;
    virtual QUrlQuery query() const = 0; // of the upgrade request
    virtual QString path() const = 0; // of the upgrade request (it chooses the dialect)
    virtual QString client() const = 0; // ?client= or User-Agent, for operators

protected:
    Sink *m_sink = nullptr;
};

} // namespace Switchboard
