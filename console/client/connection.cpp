// SPDX-License-Identifier: MIT
// Connection: options, login over REST, requests and REST calls. The WebSocket side (connect,
// frames, reconnect) is in connectionsocket.cpp.
#include "connection.h"

#include "clientlogging.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QWebSocket>

namespace Switchboard::Client {

Connection::Connection(QObject *parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
{
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, [this] {
        if (m_token.isEmpty() && !m_options.password.isEmpty())
            login();
        else
            connectSocket();
    });
    m_welcomeTimer.setSingleShot(true);
    connect(&m_welcomeTimer, &QTimer::timeout, this, [this] {
        if (!m_socket || m_welcomed)
            return;
        dropSocket();
        const QString message
            = QCoreApplication::translate("Connection", "No welcome from %1 within %2 s")
                  .arg(m_options.url.toDisplayString(QUrl::RemoveQuery))
                  .arg(double(m_options.connectTimeoutMs) / 1000.0);
        if (m_options.autoReconnect)
            scheduleReconnect(message);
        else
            giveUp(message);
    });
    connect(&m_pingTimer, &QTimer::timeout, this, [this] {
        if (m_state == State::Connected)
            send({{QStringLiteral("type"), QStringLiteral("ping")}});
    });
}

Connection::~Connection()
{
    dropSocket();
}

void Connection::setOptions(const ConnectionOptions &options)
{
    // Other settings may change on a live connection; new credentials drop the current token.
    const bool credentials = options.token != m_options.token
        || options.username != m_options.username || options.password != m_options.password;
    m_options = options;
    if (credentials)
        m_token = options.token;
}

void Connection::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void Connection::open()
{
    m_reconnectTimer.stop();
    dropSocket();
    m_attempt = 0;
    m_authFailed = false;
    if (m_token.isEmpty() && !m_options.username.isEmpty())
        login();
    else
        connectSocket();
}

void Connection::close()
{
    m_reconnectTimer.stop();
    m_pingTimer.stop();
    if (m_loginReply)
        m_loginReply->abort();
    const bool wasConnected = m_state == State::Connected;
    dropSocket();
    setState(State::Disconnected);
    if (wasConnected)
        Q_EMIT disconnected(QWebSocketProtocol::CloseCodeNormal, QString());
}

QUrl Connection::httpUrl(const QString &pathAndQuery) const
{
    QUrl url = m_options.url;
    url.setScheme(url.scheme() == QLatin1StringView("wss") ? QStringLiteral("https")
                                                           : QStringLiteral("http"));
    const qsizetype q = pathAndQuery.indexOf(QLatin1Char('?'));
    url.setPath(q < 0 ? pathAndQuery : pathAndQuery.left(q));
    url.setQuery(q < 0 ? QString() : pathAndQuery.mid(q + 1));
    url.setFragment(QString());
    return url;
}

QNetworkReply *Connection::rest(const QByteArray &method, const QString &path,
                                const QJsonObject &body, bool preferApiKey)
{
    QNetworkRequest request(httpUrl(path));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    const bool apiKey = m_token.isEmpty() || (preferApiKey && !m_options.apiKey.isEmpty());
    const QString credential = apiKey ? m_options.apiKey : m_token;
    if (!credential.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + credential.toUtf8());
    const QByteArray data = body.isEmpty() && (method == "GET" || method == "DELETE")
        ? QByteArray()
        : QJsonDocument(body).toJson(QJsonDocument::Compact);
    return m_network->sendCustomRequest(request, method, data);
}

void Connection::login()
{
    setState(m_everConnected ? State::Reconnecting : State::LoggingIn);
    QNetworkRequest request(httpUrl(QStringLiteral("/api/v1/users/login")));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    const QJsonObject body {{QStringLiteral("username"), m_options.username},
                            {QStringLiteral("password"), m_options.password}};
    QNetworkReply *reply = m_network->post(request, QJsonDocument(body).toJson());
    m_loginReply = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        if (reply->error() == QNetworkReply::OperationCanceledError)
            return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QJsonObject json = QJsonDocument::fromJson(reply->readAll()).object();
        if (status == 200 && !json.value(QLatin1StringView("token")).toString().isEmpty()) {
            m_token = json.value(QLatin1StringView("token")).toString();
            m_userId = json.value(QLatin1StringView("user_id")).toInteger();
            m_freshToken = true;
            qCDebug(lcClient) << "logged in as" << m_options.username << "id" << m_userId;
            connectSocket();
            return;
        }
        if (status != 0) {
            // The server answered: a wrong password or a disabled account is not going to
            // change by retrying.
            const QString why = json.value(QLatin1StringView("error"))
                                    .toObject()
                                    .value(QLatin1StringView("message"))
                                    .toString();
            m_authFailed = true;
            giveUp(QCoreApplication::translate("Connection", "Login refused for %1 (HTTP %2): %3")
                       .arg(m_options.username)
                       .arg(status)
                       .arg(why.isEmpty() ? reply->errorString() : why));
            return;
        }
        const QString message
            = QCoreApplication::translate("Connection", "Cannot reach the server at %1: %2")
                  .arg(httpUrl(QString()).toDisplayString(), reply->errorString());
        if (!m_options.autoReconnect) {
            giveUp(message);
            return;
        }
        scheduleReconnect(message);
    });
}

QString Connection::send(QJsonObject frame, QString *error)
{
    if (m_state != State::Connected || !m_socket) {
        if (error)
            *error = QCoreApplication::translate("Connection", "not connected");
        return QString();
    }
    QString id;
    const QJsonValue given = frame.value(QLatin1StringView("id"));
    if (given.isString())
        id = given.toString();
    else if (given.isDouble())
        id = QString::number(given.toInteger());
    else {
        id = QStringLiteral("c%1").arg(++m_nextId);
        frame.insert(QStringLiteral("id"), id);
    }
    const QByteArray bytes = QJsonDocument(frame).toJson(QJsonDocument::Compact);
    if (const QString refused = checkLimits(frame, bytes.size()); !refused.isEmpty()) {
        if (error)
            *error = refused;
        return QString();
    }
    const QString text = QString::fromUtf8(bytes);
    noteSent(frame);
    m_largestSent = std::max(m_largestSent, qint64(bytes.size()));
    m_socket->sendTextMessage(text);
    Q_EMIT frameText(false, text);
    return id;
}

bool Connection::sendText(const QString &json, QString *error)
{
    if (m_state != State::Connected || !m_socket) {
        if (error)
            *error = QCoreApplication::translate("Connection", "not connected");
        return false;
    }
    const QByteArray bytes = json.toUtf8();
    const QJsonObject frame = QJsonDocument::fromJson(bytes).object();
    if (const QString refused = checkLimits(frame, bytes.size()); !refused.isEmpty()) {
        if (error)
            *error = refused;
        return false;
    }
    noteSent(frame);
    m_largestSent = std::max(m_largestSent, qint64(bytes.size()));
    m_socket->sendTextMessage(json);
    Q_EMIT frameText(false, json);
    return true;
}

QString Connection::checkLimits(const QJsonObject &frame, qsizetype bytes) const
{
    // The server counts `content` (and a notification's title + message) in UTF-16 units,
    // as QString::size() does.
    const qsizetype content = frame.value(QLatin1StringView("content")).toString().size()
        + frame.value(QLatin1StringView("message")).toString().size()
        + frame.value(QLatin1StringView("title")).toString().size();
    if (m_maxContentChars > 0 && content > m_maxContentChars)
        return QCoreApplication::translate("Connection",
                                           "the text is %1 characters long; the server takes "
                                           "at most %2 (max_content_chars): not sent")
            .arg(content)
            .arg(m_maxContentChars);
    if (m_maxFrameBytes > 0 && bytes > m_maxFrameBytes)
        return QCoreApplication::translate("Connection",
                                           "the frame is %1 bytes; the server takes at most %2 "
                                           "(max_frame_bytes): not sent")
            .arg(bytes)
            .arg(m_maxFrameBytes);
    if (m_refusedFrameBytes > 0 && bytes >= m_refusedFrameBytes)
        return QCoreApplication::translate("Connection",
                                           "the frame is %1 bytes; the server closed the "
                                           "connection (1009, too large) for one of %2: not sent")
            .arg(bytes)
            .arg(m_refusedFrameBytes);
    return QString();
}

void Connection::noteSent(const QJsonObject &frame)
{
    // Pings are timed from here to their pong; seed 000's `message_type: ping` too.
    const bool ping = frame.value(QLatin1StringView("type")).toString() == QLatin1StringView("ping")
        || frame.value(QLatin1StringView("message_type")).toString() == QLatin1StringView("ping");
    const QJsonValue id = frame.value(QLatin1StringView("id"));
    if (!ping || id.isUndefined() || id.isNull())
        return;
    QElapsedTimer timer;
    timer.start();
    m_pendingPings.insert(id.isString() ? id.toString() : QString::number(id.toInteger()), timer);
    if (m_pendingPings.size() > 1000) // unanswered pings must not pile up forever
        m_pendingPings.erase(m_pendingPings.begin());
}

} // namespace Switchboard::Client
