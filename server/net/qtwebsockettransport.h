// SPDX-License-Identifier: MIT
#pragma once

#include "net/transport.h"

#include <deque>
#include <memory>

#include <QObject>

class QWebSocket;

namespace Switchboard {

// A Transport over Qt's QWebSocket: what TLS connections (wss://) use, since the native
// transport speaks plain TCP only.
class QtWebSocketTransport : public QObject, public Transport
{
    Q_OBJECT

public:
    QtWebSocketTransport(std::unique_ptr<QWebSocket> socket, qint64 maxFrameBytes,
                         qint64 maxMessageBytes);
    ~QtWebSocketTransport() override;

    qint64 sendText(const QByteArray &utf8) override;
    void ping() override;
    void close(int code, const QString &reason) override;
    void abort() override;
    QHostAddress peerAddress() const override;
    quint16 peerPort() const override;
    qint64 queuedBytes() const override;
    qint64 writtenBytes() const override { return m_written; }
    qint64 backlogBytes() const override;
    Backlog backlog() const override;
    Backlog backlogBound() const override;
    bool notifyWhenBelow(qint64 bytes) override;
    QUrlQuery query() const override;
    QString path() const override;
    QString client() const override;

    // After our close frame, how long a client gets to answer before the socket is dropped
    // (QWebSocket waits forever; the native transport uses the same time).
    static constexpr int CLOSE_TIMEOUT_MS = 5000;

private:
    void onBytesWritten();

    std::unique_ptr<QWebSocket> m_socket;
    bool m_closed = false;
    bool m_closing = false;
    // Flow accounting: QWebSocket tells bytes left in its socket's buffer, not which frames
    // left it, so frames count as written once that buffer has been empty after them.
    qint64 m_sent = 0;
    qint64 m_written = 0;
    qint64 m_drainBelow = -1; // armed by notifyWhenBelow()
    // Frames still in the socket's buffer: the offsets (in bytes on the wire, frame headers
    // included, as bytesToWrite() counts) where each ends, oldest first; those at or below
    // what left the buffer are dropped whenever it is looked at.
    qint64 m_wireSent = 0;
    mutable std::deque<qint64> m_wireEnds;
    static constexpr size_t PRUNE_ENDS_ABOVE = 1024;
};

} // namespace Switchboard
