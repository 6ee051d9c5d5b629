// SPDX-License-Identifier: MIT
#include "qtwebsockettransport.h"

#include "net/clientframefilter.h"
#include "protocol/adminframes.h"

#include <algorithm>

#include <QTimer>
#include <QWebSocket>

namespace Switchboard {

namespace {

// Bytes a server's text message of `payload` bytes takes on the wire: QWebSocket splits it
// into frames of at most `frameSize` bytes, each with an unmasked header.
qint64 wireBytes(qint64 payload, quint64 frameSize)
{
    const qint64 size = std::max<qint64>(1, qint64(std::min<quint64>(frameSize, 1ULL << 62)));
    qint64 total = 0;
    do {
        const qint64 part = std::min(payload, size);
        total += part + 2 + (part > 0xFFFF ? 8 : part > 125 ? 2 : 0);
        payload -= part;
    } while (payload > 0);
    return total;
}

} // namespace

QtWebSocketTransport::QtWebSocketTransport(std::unique_ptr<QWebSocket> socket, qint64 maxFrameBytes,
                                           qint64 maxMessageBytes)
    : m_socket(std::move(socket))
{
    m_socket->setParent(nullptr);
    m_socket->setMaxAllowedIncomingFrameSize(quint64(maxFrameBytes));
    m_socket->setMaxAllowedIncomingMessageSize(quint64(maxMessageBytes));
    connect(m_socket.get(), &QWebSocket::textMessageReceived, this, [this](const QString &text) {
        if (m_sink)
            m_sink->transportText(text.toUtf8());
    });
    connect(m_socket.get(), &QWebSocket::binaryMessageReceived, this,
            [this](const QByteArray &data) {
                if (m_sink)
                    m_sink->transportText(data);
            });
    connect(m_socket.get(), &QWebSocket::pong, this, [this](quint64 elapsed, const QByteArray &) {
        if (m_sink)
            m_sink->transportPong(qint64(elapsed));
    });
    connect(m_socket.get(), &QWebSocket::bytesWritten, this, &QtWebSocketTransport::onBytesWritten);
    // A frame QWebSocket would take but the protocol refuses (an unmasked one): fail as the
    // native transport does, after the frames before it.
    if (auto *filter = ClientFrameFilter::of(*m_socket))
        connect(filter, &ClientFrameFilter::violated, this,
                [this](int code, const QString &reason) { close(code, reason); });
    connect(m_socket.get(), &QWebSocket::disconnected, this, [this] {
        if (m_closed)
            return;
        m_closed = true;
        if (m_sink)
            m_sink->transportClosed(int(m_socket->closeCode()), m_socket->closeReason());
    });
}

QtWebSocketTransport::~QtWebSocketTransport()
{
    m_socket->disconnect(this);
    m_socket.release()->deleteLater();
}

qint64 QtWebSocketTransport::sendText(const QByteArray &utf8)
{
    if (m_closed)
        return m_sent;
    m_socket->sendTextMessage(QString::fromUtf8(utf8));
    m_sent += utf8.size();
    m_wireSent += wireBytes(utf8.size(), m_socket->outgoingFrameSize());
    m_wireEnds.push_back(m_wireSent);
    // A connection whose buffer never empties (busy, not behind) would keep every end: drop
    // those that left it now and then, so what is kept stays what the buffer holds.
    if (m_wireEnds.size() > PRUNE_ENDS_ABOVE)
        backlog();
    return m_sent;
}

void QtWebSocketTransport::onBytesWritten()
{
    const qint64 left = m_socket->bytesToWrite();
    if (left == 0) {
        m_written = m_sent;
        m_wireEnds.clear();
    }
    if (m_drainBelow >= 0 && left < m_drainBelow) {
        m_drainBelow = -1;
        if (m_sink)
            m_sink->transportDrained();
    }
}

qint64 QtWebSocketTransport::backlogBytes() const
{
    return m_socket->bytesToWrite();
}

Backlog QtWebSocketTransport::backlog() const
{
    const qint64 left = m_socket->bytesToWrite();
    const qint64 gone = m_wireSent - left;
    while (!m_wireEnds.empty() && m_wireEnds.front() <= gone)
        m_wireEnds.pop_front();
    return {left, qint64(m_wireEnds.size())};
}

Backlog QtWebSocketTransport::backlogBound() const
{
    return {m_socket->bytesToWrite(), qint64(m_wireEnds.size())};
}

bool QtWebSocketTransport::notifyWhenBelow(qint64 bytes)
{
    if (m_closed || m_socket->bytesToWrite() < bytes)
        return false;
    m_drainBelow = bytes;
    return true;
}

void QtWebSocketTransport::ping()
{
    m_socket->ping();
}

void QtWebSocketTransport::close(int code, const QString &reason)
{
    m_socket->close(static_cast<QWebSocketProtocol::CloseCode>(code), reason);
    if (!m_closing) {
        m_closing = true;
        QTimer::singleShot(CLOSE_TIMEOUT_MS, this, [this] {
            if (!m_closed)
                m_socket->abort(); // a client that does not read cannot answer the close
        });
    }
}

void QtWebSocketTransport::abort()
{
    m_socket->abort();
}

QHostAddress QtWebSocketTransport::peerAddress() const
{
    return m_socket->peerAddress();
}

quint16 QtWebSocketTransport::peerPort() const
{
    return m_socket->peerPort();
}

qint64 QtWebSocketTransport::queuedBytes() const
{
    return m_socket->bytesToWrite();
}

QUrlQuery QtWebSocketTransport::query() const
{
    return QUrlQuery(m_socket->request().url());
}

QString QtWebSocketTransport::path() const
{
    return m_socket->request().url().path();
}

QString QtWebSocketTransport::client() const
{
    const QNetworkRequest request = m_socket->request();
    QString client
        = QUrlQuery(request.url()).queryItemValue(QStringLiteral("client"), QUrl::FullyDecoded);
    if (client.isEmpty())
        client = QString::fromUtf8(request.rawHeader("User-Agent"));
    return client.left(Protocol::Admin::MAX_CLIENT_CHARS);
}

} // namespace Switchboard
