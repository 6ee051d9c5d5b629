// SPDX-License-Identifier: MIT
#pragma once

#include "net/transport.h"

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

    void sendText(const QByteArray &utf8) override;
    void ping() override;
    void close(int code, const QString &reason) override;
    void abort() override;
    QHostAddress peerAddress() const override;
    quint16 peerPort() const override;
    qint64 queuedBytes() const override;
    QUrlQuery query() const override;
    QString client() const override;

private:
    std::unique_ptr<QWebSocket> m_socket;
    bool m_closed = false;
};

} // namespace Switchboard
