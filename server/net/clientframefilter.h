// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>

class QTcpSocket;
class QWebSocket;

namespace Switchboard {

// Reads the frame headers a client sends on the Qt transport before QWebSocket does, and fails
// the connection (1002) at the first one the native transport would refuse: QWebSocket 6.4
// takes unmasked client frames (RFC 6455 5.1). A child of the TCP/TLS socket; headers only, a
// 14-byte scratch, no payload kept.
class ClientFrameFilter : public QObject
{
    Q_OBJECT

public:
    // For an upgrade HttpFrontend accepts. Starts watching once QAbstractHttpServer has handed
    // the socket to its QWebSocketServer (which disconnects every slot of the socket first), and
    // before that server's queued handshake creates the QWebSocket, so that this filter's slot
    // runs ahead of QWebSocket's on every readyRead.
    static void watch(QTcpSocket *socket);
    // The filter under `webSocket` (matched by the connection's addresses and ports), or null.
    static ClientFrameFilter *of(const QWebSocket &webSocket);

signals:
    // Queued after the frames before the bad one were read: close with `code` now.
    void violated(int code, const QString &reason);

private:
    ClientFrameFilter(QTcpSocket *socket, qint64 headBytes);
    ~ClientFrameFilter() override;
    void onReadyRead();
    void fail(const char *why);

    QTcpSocket *m_socket;
    QString m_key;
    // Offsets in the stream of bytes received after the upgrade request's head. QWebSocket's
    // reads are counted with a read transaction kept open between two readyRead signals.
    quint64 m_front = 0; // the socket's read position
    quint64 m_scanned = 0; // bytes looked at
    quint64 m_next = 0; // where the next frame header starts
    char m_head[14] = {}; // the header being read (a client header is at most 14 bytes)
    int m_headHave = 0;
    bool m_failed = false;
};

} // namespace Switchboard
