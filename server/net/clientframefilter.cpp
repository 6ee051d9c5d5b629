// SPDX-License-Identifier: MIT
#include "clientframefilter.h"

#include "io/iothread.h"
#include "io/wsprotocol.h"

#include <QHash>
#include <QLoggingCategory>
#include <QMetaMethod>
#include <QMutex>
#include <QTcpSocket>
#include <QWebSocket>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace Switchboard {

namespace {

// Filters by connection, for the transport to find its own: QWebSocket does not tell its socket.
QMutex g_lock;
QHash<QString, ClientFrameFilter *> &registry()
{
    static QHash<QString, ClientFrameFilter *> filters;
    return filters;
}

QString connectionKey(const QHostAddress &local, quint16 localPort, const QHostAddress &peer,
                      quint16 peerPort)
{
    return local.toString() + u'|' + QString::number(localPort) + u'|' + peer.toString() + u'|'
        + QString::number(peerPort);
}

// A client frame header's size once its second byte is known.
int headerSize(char second)
{
    const int length = quint8(second) & 0x7F;
    return 2 + (length == 126 ? 2 : length == 127 ? 8 : 0) + 4;
}

} // namespace

void ClientFrameFilter::watch(QTcpSocket *socket)
{
    // Queued: runs after QAbstractHttpServer's disconnect() of the socket and before the
    // handshake QWebSocketServer queues behind it.
    QMetaObject::invokeMethod(
        socket,
        [socket] {
            if (socket->state() != QAbstractSocket::ConnectedState
                || socket->isTransactionStarted())
                return;
            const QByteArray head = socket->peek(
                std::min<qint64>(socket->bytesAvailable(), Io::Limits().maxHeadBytes + 4));
            const qsizetype end = head.indexOf("\r\n\r\n");
            if (end < 0) {
                qCWarning(lcHttp) << "frame filter: upgrade request head not found";
                return;
            }
            new ClientFrameFilter(socket, end + 4);
        },
        Qt::QueuedConnection);
}

ClientFrameFilter *ClientFrameFilter::of(const QWebSocket &webSocket)
{
    const QMutexLocker locker(&g_lock);
    return registry().value(connectionKey(webSocket.localAddress(), webSocket.localPort(),
                                          webSocket.peerAddress(), webSocket.peerPort()));
}

ClientFrameFilter::ClientFrameFilter(QTcpSocket *socket, qint64 headBytes)
    : QObject(socket)
    , m_socket(socket)
    , m_key(connectionKey(socket->localAddress(), socket->localPort(), socket->peerAddress(),
                          socket->peerPort()))
    , m_scanned(quint64(headBytes))
    , m_next(quint64(headBytes))
{
    {
        const QMutexLocker locker(&g_lock);
        registry().insert(m_key, this);
    }
    connect(m_socket, &QIODevice::readyRead, this, &ClientFrameFilter::onReadyRead);
    m_socket->startTransaction();
    onReadyRead(); // frames sent right behind the request
}

ClientFrameFilter::~ClientFrameFilter()
{
    const QMutexLocker locker(&g_lock);
    if (registry().value(m_key) == this)
        registry().remove(m_key);
}

void ClientFrameFilter::onReadyRead()
{
    if (m_failed) {
        m_socket->skip(m_socket->bytesAvailable()); // the connection is closing
        return;
    }
    // What QWebSocket (or the handshake) read since the last time: drop it for real.
    const qint64 unread = m_socket->bytesAvailable();
    m_socket->rollbackTransaction();
    const qint64 buffered = m_socket->bytesAvailable();
    const qint64 consumed = buffered - unread;
    if (consumed > 0)
        m_socket->skip(consumed);
    m_front += quint64(consumed);
    m_socket->startTransaction();
    const quint64 end = m_front + quint64(unread);
    quint64 position = m_front; // the transaction's read position
    while (m_scanned < end) {
        if (m_headHave == 0 && m_scanned < m_next) { // inside a payload
            m_scanned = std::min(m_next, end);
            continue;
        }
        if (m_next < m_front) {
            // QWebSocket read a header this filter did not see whole (cannot happen while
            // every arrival is signalled); stay out of the way rather than guess.
            qCWarning(lcHttp) << "frame filter lost track of the stream; no longer filtering";
            m_failed = false;
            m_socket->rollbackTransaction();
            disconnect(m_socket, nullptr, this, nullptr);
            return;
        }
        const int need = m_headHave < 2 ? 2 : headerSize(m_head[1]);
        const qint64 take = qint64(std::min<quint64>(quint64(need - m_headHave), end - m_scanned));
        // Only a pipelined frame's payload is passed over here (through a stack buffer).
        if (m_scanned > position)
            position += quint64(m_socket->skip(qint64(m_scanned - position)));
        const qint64 got = m_socket->read(m_head + m_headHave, take);
        if (got <= 0)
            break;
        position += quint64(got);
        m_headHave += int(got);
        m_scanned += quint64(got);
        Io::Ws::FrameHeader header;
        const char *why = nullptr;
        const auto result = Io::Ws::parseClientHeader(m_head, m_headHave, &header, &why);
        if (result == Io::Ws::ParseResult::Invalid) {
            fail(why);
            return;
        }
        if (result == Io::Ws::ParseResult::Complete) {
            m_next += quint64(header.headerBytes) + header.payloadBytes;
            m_headHave = 0;
        }
    }
    // QWebSocket reads from the front.
    m_socket->rollbackTransaction();
    m_socket->startTransaction();
}

void ClientFrameFilter::fail(const char *why)
{
    m_failed = true;
    // QWebSocket may read the frames before the bad one, and nothing from it on: the rest of
    // the buffer goes (copied once, on this path only).
    m_socket->rollbackTransaction();
    const qint64 keep = qint64(m_next) - qint64(m_front);
    const QByteArray before = keep > 0 ? m_socket->read(keep) : QByteArray();
    m_socket->skip(m_socket->bytesAvailable());
    for (qsizetype i = before.size() - 1; i >= 0; --i)
        m_socket->ungetChar(before.at(i));
    const QString reason = QString::fromLatin1(why);
    qCInfo(lcHttp) << "WebSocket protocol error from" << m_socket->peerAddress().toString() << ":"
                   << reason;
    QMetaObject::invokeMethod(
        this,
        [this, reason] {
            if (isSignalConnected(QMetaMethod::fromSignal(&ClientFrameFilter::violated)))
                emit violated(int(Io::Ws::CLOSE_PROTOCOL_ERROR), reason);
            else
                m_socket->abort();
        },
        Qt::QueuedConnection);
}

} // namespace Switchboard
