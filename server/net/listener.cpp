// SPDX-License-Identifier: MIT
#include "listener.h"

#include "net/acceptloop.h"

#include <QLoggingCategory>
#include <QSslSocket>
#include <QTimerEvent>

#include <sys/socket.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcListener, "switchboard.listener")

namespace Switchboard {

namespace {

QHostAddress peerOf(qintptr descriptor)
{
    sockaddr_storage address {};
    socklen_t length = sizeof address;
    if (::getpeername(int(descriptor), reinterpret_cast<sockaddr *>(&address), &length) != 0)
        return {};
    return QHostAddress(reinterpret_cast<const sockaddr *>(&address));
}

// Counts a freshly accepted descriptor; false = refused, and the descriptor is closed.
bool admitDescriptor(const ListenerSettings &settings, qintptr descriptor, const QHostAddress &peer)
{
    if (!settings.admission || settings.admission->admit(peer) == Io::Admission::Verdict::Admit)
        return true;
    ::close(int(descriptor)); // before a byte is read: the client sees the connection close
    return false;
}

} // namespace

AdmissionTicket::AdmissionTicket(QTcpSocket *socket, std::shared_ptr<Io::Admission> admission,
                                 const QHostAddress &peer)
    : QObject(socket)
    , m_admission(std::move(admission))
    , m_peer(peer)
{
    setObjectName(QStringLiteral("switchboard-admission"));
}

AdmissionTicket::~AdmissionTicket()
{
    m_admission->release(m_peer, m_pending);
}

AdmissionTicket *AdmissionTicket::of(QTcpSocket *socket)
{
    return socket ? socket->findChild<AdmissionTicket *>(QStringLiteral("switchboard-admission"),
                                                         Qt::FindDirectChildrenOnly)
                  : nullptr;
}

void AdmissionTicket::upgraded()
{
    if (m_pending)
        m_admission->upgraded();
    m_pending = false;
}

ConnectionGuard::ConnectionGuard(QTcpSocket *socket, int idleTimeoutMs, qint64 maxRequestBytes,
                                 std::shared_ptr<int> openCount)
    : QObject(socket)
    , m_socket(socket)
    , m_idleTimeoutMs(idleTimeoutMs)
    , m_maxRequestBytes(maxRequestBytes)
    , m_openCount(std::move(openCount))
{
    setObjectName(QStringLiteral("switchboard-guard"));
    ++*m_openCount;
    m_timerId = startTimer(m_idleTimeoutMs, Qt::CoarseTimer);
    // Connected before QAbstractHttpServer's own slot, so this sees each chunk first.
    connect(socket, &QIODevice::readyRead, this, &ConnectionGuard::onReadyRead);
}

ConnectionGuard::~ConnectionGuard()
{
    --*m_openCount;
}

void ConnectionGuard::watch(QTcpSocket *socket, const ListenerSettings &settings,
                            std::shared_ptr<int> openCount)
{
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    new ConnectionGuard(socket, settings.idleTimeoutMs, settings.maxRequestBytes,
                        std::move(openCount));
}

ConnectionGuard *ConnectionGuard::of(QTcpSocket *socket)
{
    return socket ? socket->findChild<ConnectionGuard *>(QStringLiteral("switchboard-guard"),
                                                         Qt::FindDirectChildrenOnly)
                  : nullptr;
}

void ConnectionGuard::requestHandled()
{
    if (m_rejecting)
        return;
    m_bytes = 0;
    if (m_timerId)
        killTimer(m_timerId);
    m_timerId = startTimer(m_idleTimeoutMs, Qt::CoarseTimer);
}

void ConnectionGuard::upgraded()
{
    if (auto *ticket = AdmissionTicket::of(m_socket))
        ticket->upgraded();
    if (m_timerId)
        killTimer(m_timerId);
    m_timerId = 0;
    m_bytes = 0;
    disconnect(m_socket, &QIODevice::readyRead, this, &ConnectionGuard::onReadyRead);
}

void ConnectionGuard::onReadyRead()
{
    if (m_rejecting) {
        // Keep reading (and dropping) what the client still sends, so it gets to read the
        // 413 instead of a connection reset in the middle of its upload.
        m_socket->readAll();
        return;
    }
    m_bytes += m_socket->bytesAvailable();
    if (m_bytes <= m_maxRequestBytes)
        return;
    qCInfo(lcListener) << "request from" << m_socket->peerAddress().toString()
                       << "exceeds the body limit; answering 413";
    const QByteArray body = R"({"error":{"code":"TOO_LARGE","message":"request body too large"}})";
    m_socket->write("HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\n"
                    "Connection: close\r\nContent-Length: "
                    + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    m_socket->readAll();
    m_rejecting = true;
    // Linger briefly, then close whatever the client is still doing.
    if (m_timerId)
        killTimer(m_timerId);
    m_timerId = startTimer(REJECT_LINGER_MS, Qt::CoarseTimer);
}

void ConnectionGuard::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timerId)
        return;
    onIdle();
}

void ConnectionGuard::onIdle()
{
    killTimer(m_timerId);
    m_timerId = 0;
    qCDebug(lcListener) << "closing idle connection from" << m_socket->peerAddress().toString();
    m_socket->abort();
}

TcpListener::TcpListener(const ListenerSettings &settings, QObject *parent)
    : QTcpServer(parent)
    , m_settings(settings)
{
    setListenBacklogSize(settings.backlog);
}

QTcpSocket *TcpListener::wrap(qintptr descriptor, const QHostAddress &peer, bool admitted)
{
    const auto refuse = [&] {
        ::close(int(descriptor));
        if (admitted)
            m_settings.admission->release(peer, true);
        return nullptr;
    };
    if (*m_open >= m_settings.maxOpen) {
        qCWarning(lcListener) << "connection limit" << m_settings.maxOpen
                              << "reached; refusing a connection";
        return refuse();
    }
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return refuse();
    }
    if (admitted)
        new AdmissionTicket(socket, m_settings.admission, peer);
    ConnectionGuard::watch(socket, m_settings, m_open);
    return socket;
}

void TcpListener::incomingConnection(qintptr descriptor)
{
    const QHostAddress peer = peerOf(descriptor);
    if (!admitDescriptor(m_settings, descriptor, peer))
        return;
    if (QTcpSocket *socket = wrap(descriptor, peer, m_settings.admission != nullptr))
        deliver(socket);
}

void TcpListener::startAcceptLoop()
{
    new AcceptLoop(this, [this](qintptr descriptor) { incomingConnection(descriptor); });
}

void TcpListener::deliver(QTcpSocket *socket)
{
    // Never through QTcpServer's own list: taking from it would turn Qt's accepting back on,
    // which the AcceptLoop replaces.
    m_adopted.append(socket);
    // QAbstractHttpServer 6.4 reacts to pendingConnectionAvailable, a private signal that
    // only addPendingConnection() emits (and that list warns while not listening): emit it
    // through the meta-object, as any queued invocation of a signal would.
    QMetaObject::invokeMethod(this, "pendingConnectionAvailable", Qt::DirectConnection);
    Q_EMIT newConnection();
}

bool TcpListener::hasPendingConnections() const
{
    return !m_adopted.isEmpty() || QTcpServer::hasPendingConnections();
}

QTcpSocket *TcpListener::nextPendingConnection()
{
    // Handed-over sockets first; QTcpServer's own list only while it listens itself (it warns
    // when asked while not listening).
    if (!m_adopted.isEmpty())
        return m_adopted.takeFirst();
    return isListening() ? QTcpServer::nextPendingConnection() : nullptr;
}

void TcpListener::adoptDescriptor(qintptr descriptor, const QHostAddress &peer)
{
    if (QTcpSocket *socket = wrap(descriptor, peer, m_settings.admission != nullptr)) {
        socket->setProperty(HANDED_OFF_PROPERTY, true);
        deliver(socket);
    }
}

TlsListener::TlsListener(const ListenerSettings &settings, const QSslConfiguration &tls,
                         QObject *parent)
    : QSslServer(parent)
    , m_settings(settings)
{
    setListenBacklogSize(settings.backlog);
    setSslConfiguration(tls);
    setHandshakeTimeout(settings.idleTimeoutMs);
    connect(this, &QSslServer::startedEncryptionHandshake, this,
            [this](QSslSocket *socket) { ConnectionGuard::watch(socket, m_settings, m_open); });
}

void TlsListener::startAcceptLoop()
{
    m_acceptLoop = true;
    new AcceptLoop(this, [this](qintptr descriptor) { incomingConnection(descriptor); });
}

QTcpSocket *TlsListener::nextPendingConnection()
{
    // QSslServer queues sockets whose handshake is done on QTcpServer's list, and taking one
    // from it turns Qt's own accepting back on: the AcceptLoop keeps accepting alone.
    QTcpSocket *socket = QSslServer::nextPendingConnection();
    if (m_acceptLoop && isListening())
        pauseAccepting();
    return socket;
}

void TlsListener::incomingConnection(qintptr descriptor)
{
    if (*m_open >= m_settings.maxOpen) {
        qCWarning(lcListener) << "connection limit" << m_settings.maxOpen
                              << "reached; refusing a connection";
        ::close(int(descriptor));
        return;
    }
    const QHostAddress peer = peerOf(descriptor);
    if (!admitDescriptor(m_settings, descriptor, peer))
        return;
    QSslServer::incomingConnection(descriptor);
    if (!m_settings.admission)
        return;
    // QSslServer made the socket its newest child; the ticket goes with it, whether it dies in
    // the TLS handshake or lives on as a WebSocket.
    auto *socket
        = children().isEmpty() ? nullptr : qobject_cast<QSslSocket *>(children().constLast());
    if (socket && socket->socketDescriptor() == descriptor)
        new AdmissionTicket(socket, m_settings.admission, peer);
    else
        m_settings.admission->release(peer, true);
}

} // namespace Switchboard
