// SPDX-License-Identifier: MIT
// Connection's WebSocket side: the connect URL, incoming frames, failures and reconnects.
#include "connection.h"

#include "clientlogging.h"
#include "protocol/codec.h"
#include "protocol/protocol.h"

#include <limits>

#include <QCoreApplication>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QUrlQuery>
#include <QWebSocket>

namespace Switchboard::Client {

namespace {

constexpr int FIRST_DELAY_MS = 500;
constexpr int MAX_DELAY_MS = 30000;

} // namespace

QUrl Connection::socketUrl() const
{
    QUrl url = m_options.url;
    QUrlQuery query(url);
    const auto put = [&query](const QString &key, const QString &value) {
        query.removeAllQueryItems(key);
        if (!value.isEmpty())
            query.addQueryItem(key, QString::fromLatin1(QUrl::toPercentEncoding(value)));
    };
    put(QStringLiteral("token"), m_token);
    put(QStringLiteral("room_id"), m_options.roomOnConnect);
    put(QStringLiteral("client"), m_options.clientName);
    // Where we stand per stream: the server replays exactly what this client missed.
    put(QStringLiteral("resume"), Protocol::formatStreamPositions(m_streams.positions()));
    url.setQuery(query);
    return url;
}

void Connection::connectSocket()
{
    dropSocket();
    m_welcomed = false;
    m_authFailed = false;
    m_largestSent = 0;
    setState(m_everConnected ? State::Reconnecting : State::Connecting);
    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    QWebSocket *socket = m_socket;
    connect(socket, &QWebSocket::textMessageReceived, this, &Connection::onTextMessage);
    connect(socket, &QWebSocket::binaryMessageReceived, this,
            [this](const QByteArray &data) { onTextMessage(QString::fromUtf8(data)); });
    connect(socket, &QWebSocket::disconnected, this, &Connection::onSocketDisconnected);
    connect(socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            &Connection::onSocketError);
    qCDebug(lcClient) << "connecting to" << m_options.url.toDisplayString(QUrl::RemoveQuery);
    socket->open(socketUrl());
    // Qt 6.4's QWebSocket has no handshake timeout: a server that accepts TCP and never
    // answers would leave us connecting forever.
    if (m_options.connectTimeoutMs > 0)
        m_welcomeTimer.start(m_options.connectTimeoutMs);
}

void Connection::dropSocket()
{
    m_pingTimer.stop();
    m_welcomeTimer.stop();
    m_pendingPings.clear();
    if (!m_socket)
        return;
    QWebSocket *socket = m_socket;
    m_socket = nullptr;
    disconnect(socket, nullptr, this, nullptr);
    if (socket->state() == QAbstractSocket::ConnectedState) {
        // A polite close frame; the socket deletes itself once the server answered.
        connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
        socket->close(QWebSocketProtocol::CloseCodeNormal);
        QTimer::singleShot(5000, socket, &QObject::deleteLater);
    } else {
        socket->abort();
        socket->deleteLater();
    }
}

void Connection::onTextMessage(const QString &text)
{
    Q_EMIT frameText(true, text);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &error);
    if (!doc.isObject()) {
        qCWarning(lcClient) << "ignoring a frame that is not a JSON object:" << text.left(200);
        return;
    }
    const QJsonObject event = doc.object();
    const QString type = event.value(QLatin1StringView("type")).toString();
    using namespace Protocol;
    if (type == ServerType::CONNECTED) {
        m_welcome = event;
        m_userId = event.value(QLatin1StringView("user"))
                       .toObject()
                       .value(QLatin1StringView("id"))
                       .toInteger(m_userId);
        m_welcomed = true;
        m_freshToken = false;
        m_welcomeTimer.stop();
        const QJsonObject limits = event.value(QLatin1StringView("limits")).toObject();
        m_maxFrameBytes = std::min(limits.value(QLatin1StringView("max_frame_bytes")).toInteger(),
                                   limits.value(QLatin1StringView("max_message_bytes"))
                                       .toInteger(std::numeric_limits<qint64>::max()));
        m_maxContentChars = limits.value(QLatin1StringView("max_content_chars")).toInteger();
        if (m_streamsUser != m_userId) // positions of another account mean nothing here
            m_streams.clear();
        m_streamsUser = m_userId;
        m_everConnected = true;
        m_attempt = 0;
        setState(State::Connected);
        if (m_options.autoPingMs > 0)
            m_pingTimer.start(m_options.autoPingMs);
        Q_EMIT connected(event);
    } else if (type == ServerType::PONG) {
        const QJsonValue idValue = event.value(QLatin1StringView("id"));
        const QString id
            = idValue.isString() ? idValue.toString() : QString::number(idValue.toInteger());
        const auto it = m_pendingPings.constFind(id);
        if (it != m_pendingPings.cend()) {
            const double rtt = double(it->nsecsElapsed()) / 1e6;
            m_pendingPings.erase(it);
            Q_EMIT pongReceived(id, rtt);
        }
    } else if (type == ServerType::ACK) {
        m_streams.observeAck(event);
    } else if (type == ServerType::ROOM_JOINED) {
        m_streams.observeJoin(event);
    } else if (type == ServerType::SYNC_COMPLETE) {
        m_streams.observeSync(event);
    } else if (type == ServerType::ERROR) {
        Q_EMIT errorReceived(event);
    } else if (type != ServerType::HISTORY) {
        m_streams.observeEvent(event);
    }
    Q_EMIT eventReceived(event);
}

void Connection::onSocketError()
{
    // Errors after the welcome end in disconnected(); before it, the attempt failed here.
    if (!m_socket || m_welcomed)
        return;
    const QString why = m_socket->errorString();
    dropSocket();
    // Qt reports a refused upgrade only in its error text ("... status code: 401 (...)").
    if (why.contains(QLatin1StringView(": 401")) || why.contains(QLatin1StringView(": 403"))) {
        if (!m_options.password.isEmpty() && !m_freshToken) {
            // A password is at hand: a stale token is replaced once by a fresh login.
            m_token.clear();
            scheduleReconnect();
            return;
        }
        m_authFailed = true;
        giveUp(
            QCoreApplication::translate("Connection", "The server refused the token: %1").arg(why));
        return;
    }
    const QString message = QCoreApplication::translate("Connection", "Cannot connect to %1: %2")
                                .arg(m_options.url.toDisplayString(QUrl::RemoveQuery), why);
    if (!m_options.autoReconnect) {
        giveUp(message);
        return;
    }
    scheduleReconnect(message);
}

void Connection::onSocketDisconnected()
{
    if (!m_socket)
        return;
    const int code = m_socket->closeCode();
    const QString reason = m_socket->closeReason();
    const bool welcomed = m_welcomed;
    const QString socketError = m_socket->errorString();
    if (code == QWebSocketProtocol::CloseCodeTooMuchData && m_largestSent > 0) {
        // The largest frame sent on this socket is the one refused (a server that announced
        // no limits): that size is not sent again, so the reconnect does not repeat it.
        m_refusedFrameBytes = m_refusedFrameBytes > 0 ? std::min(m_refusedFrameBytes, m_largestSent)
                                                      : m_largestSent;
    }
    dropSocket();
    if (welcomed)
        Q_EMIT disconnected(code, reason);
    using namespace Protocol;
    switch (code) {
    case CloseCode::TOKEN_EXPIRED:
        if (!m_options.password.isEmpty()) {
            m_token.clear(); // log in again for a fresh token
            scheduleReconnect();
            return;
        }
        m_authFailed = true;
        giveUp(QCoreApplication::translate("Connection", "The token expired (close %1): %2")
                   .arg(code)
                   .arg(reason));
        return;
    case CloseCode::UNAUTHORIZED:
    case CloseCode::FORBIDDEN:
        m_authFailed = true;
        giveUp(QCoreApplication::translate("Connection",
                                           "The server refused the credentials (close %1): %2")
                   .arg(code)
                   .arg(reason));
        return;
    case CloseCode::KICKED:
        // Reconnecting at once would undo what the operator did.
        giveUp(
            QCoreApplication::translate("Connection", "Disconnected by an operator (close %1): %2")
                .arg(code)
                .arg(reason));
        return;
    default:
        break;
    }
    const QString message
        = QCoreApplication::translate("Connection", "Connection lost (close %1%2)")
              .arg(code)
              .arg(reason.isEmpty() ? QString() : QStringLiteral(": ") + reason);
    if (!m_options.autoReconnect) {
        giveUp(message);
        return;
    }
    scheduleReconnect(welcomed ? QString() : socketError.isEmpty() ? message : socketError);
}

void Connection::giveUp(const QString &message)
{
    m_reconnectTimer.stop();
    dropSocket();
    setState(State::Disconnected);
    // failed() carries the message to whoever shows it (the CLI prints it): at info level it
    // would be printed a second time.
    qCDebug(lcClient).noquote() << message;
    Q_EMIT failed(message);
}

void Connection::scheduleReconnect(const QString &failure)
{
    ++m_attempt;
    // Exponential backoff with jitter, so that a restarted server is not hit by every client
    // in the same millisecond.
    const int shift = std::min(m_attempt - 1, 10);
    const int base = std::min(MAX_DELAY_MS, FIRST_DELAY_MS << shift);
    const int jitter = int(QRandomGenerator::global()->bounded(base / 2 + 1)) - base / 4;
    const int delay = std::clamp(base + jitter, FIRST_DELAY_MS / 2, MAX_DELAY_MS);
    setState(State::Reconnecting);
    if (!failure.isEmpty())
        Q_EMIT failed(failure);
    Q_EMIT reconnectScheduled(m_attempt, delay);
    m_reconnectTimer.start(delay);
}

} // namespace Switchboard::Client
