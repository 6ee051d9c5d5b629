// SPDX-License-Identifier: MIT
#include "chatsession.h"

#include "consolelogging.h"
#include "jsonfields.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace Switchboard::Console {

ChatSession::ChatSession(QObject *parent)
    : QObject(parent)
    , m_connection(new Client::Connection(this))
    , m_transcript(new ChatTranscript(this))
{
    connect(m_connection, &Client::Connection::stateChanged, this, &ChatSession::stateChanged);
    connect(m_connection, &Client::Connection::eventReceived, this, &ChatSession::onEvent);
    connect(m_connection, &Client::Connection::failed, this, &ChatSession::failed);
    connect(m_connection, &Client::Connection::frameText, this, &ChatSession::frameText);
    m_typingTimer.setInterval(500);
    connect(&m_typingTimer, &QTimer::timeout, this, &ChatSession::expireTyping);
}

ChatSession::~ChatSession()
{
    m_connection->close();
}

void ChatSession::open(const QUrl &url, const QString &username, const QString &password,
                       const QString &token)
{
    m_username = username;
    Client::ConnectionOptions o;
    o.url = url;
    if (token.isEmpty()) {
        o.username = username;
        o.password = password;
    } else {
        o.token = token;
    }
    o.clientName = QStringLiteral("switchboard-console chat");
    m_connection->setOptions(o);
    m_connection->open();
}

void ChatSession::close()
{
    m_connection->close();
}

bool ChatSession::isConnected() const
{
    return m_connection->state() == Client::Connection::State::Connected;
}

QString ChatSession::joinRoom(const QString &roomId)
{
    return m_connection->send({{QStringLiteral("type"), QStringLiteral("room_join")},
                               {QStringLiteral("room_id"), roomId}});
}

QString ChatSession::leaveRoom(const QString &roomId)
{
    return m_connection->send({{QStringLiteral("type"), QStringLiteral("room_leave")},
                               {QStringLiteral("room_id"), roomId}});
}

QString ChatSession::sendDirect(qint64 toUserId, const QString &text)
{
    const QJsonObject frame {{QStringLiteral("type"), QStringLiteral("send")},
                             {QStringLiteral("to"), toUserId},
                             {QStringLiteral("content"), text}};
    const QString id = m_connection->send(frame);
    if (!id.isEmpty())
        m_transcript->addOutgoing(frame, id);
    return id;
}

QString ChatSession::sendRoom(const QString &roomId, const QString &text)
{
    const QJsonObject frame {{QStringLiteral("type"), QStringLiteral("room_send")},
                             {QStringLiteral("room_id"), roomId},
                             {QStringLiteral("content"), text}};
    const QString id = m_connection->send(frame);
    if (!id.isEmpty())
        m_transcript->addOutgoing(frame, id);
    return id;
}

QString ChatSession::setPresence(const QString &status)
{
    return m_connection->send(
        {{QStringLiteral("type"), QStringLiteral("presence")}, {QStringLiteral("status"), status}});
}

void ChatSession::setTyping(const QString &context, bool typing)
{
    m_connection->send({{QStringLiteral("type"), QStringLiteral("typing")},
                        {QStringLiteral("context"), context},
                        {QStringLiteral("is_typing"), typing}});
}

bool ChatSession::sendRaw(const QString &json, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json.toUtf8(), &parseError);
    if (!doc.isObject()) {
        *error = parseError.error != QJsonParseError::NoError
            ? tr("Not valid JSON: %1").arg(parseError.errorString())
            : tr("A frame must be a JSON object.");
        return false;
    }
    if (!m_connection->sendText(json)) {
        *error = tr("Not connected.");
        return false;
    }
    return true;
}

QStringList ChatSession::typing() const
{
    QStringList lines;
    for (const Typist &t : m_typing) {
        if (t.context.startsWith(QLatin1StringView("room:")))
            lines.append(tr("%1 is typing in %2").arg(t.name, t.context.mid(5)));
        else
            lines.append(tr("%1 is typing to me").arg(t.name));
    }
    lines.sort();
    return lines;
}

void ChatSession::expireTyping()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    bool changed = false;
    for (auto it = m_typing.begin(); it != m_typing.end();) {
        if (it->until <= now) {
            it = m_typing.erase(it);
            changed = true;
        } else {
            ++it;
        }
    }
    if (m_typing.isEmpty())
        m_typingTimer.stop();
    if (changed)
        Q_EMIT typingChanged();
}

void ChatSession::onEvent(const QJsonObject &event)
{
    const QString type = Json::str(event, "type");
    if (type == QLatin1StringView("connected")) {
        m_transcript->setOwnUserId(m_connection->userId());
        // Memberships outlive connections: ask which rooms this user is already in.
        m_connection->send({{QStringLiteral("type"), QStringLiteral("room_list")}});
    }
    if (type == QLatin1StringView("rooms")) {
        m_rooms.clear();
        for (const QJsonValue &v : event.value(QLatin1StringView("rooms")).toArray()) {
            const QJsonObject r = v.toObject();
            if (!Json::str(r, "role").isEmpty())
                m_rooms.append(Json::str(r, "room_id"));
        }
        Q_EMIT roomsChanged();
        return;
    }
    if (type == QLatin1StringView("typing")) {
        const QString key
            = Json::str(event, "user_id") + QLatin1Char('/') + Json::str(event, "context");
        if (event.value(QLatin1StringView("is_typing")).toBool(true)) {
            const qint64 expires = Json::num(event, "expires_in_ms", 5000);
            m_typing.insert(key,
                            {Json::str(event, "username"), Json::str(event, "context"),
                             QDateTime::currentMSecsSinceEpoch() + expires});
            m_typingTimer.start();
        } else {
            m_typing.remove(key);
        }
        Q_EMIT typingChanged();
        return;
    }
    if (type == QLatin1StringView("room_joined") || type == QLatin1StringView("room_left")
        || type == QLatin1StringView("room_deleted")) {
        const QString roomId = Json::str(event, "room_id");
        if (type == QLatin1StringView("room_joined")) {
            if (!m_rooms.contains(roomId))
                m_rooms.append(roomId);
        } else {
            m_rooms.removeAll(roomId);
        }
        Q_EMIT roomsChanged();
    }
    m_transcript->addEvent(event);
}

} // namespace Switchboard::Console
