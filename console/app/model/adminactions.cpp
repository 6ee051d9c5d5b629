// SPDX-License-Identifier: MIT
// AdminSession's REST side: the operator's actions and the queries behind the views.
#include "adminsession.h"

#include "eventdescriber.h"
#include "eventlogmodel.h"
#include "jsonfields.h"
#include "nodesmodel.h"
#include "roomsmodel.h"
#include "serverhealth.h"
#include "usersmodel.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrl>
#include <QUrlQuery>

namespace Switchboard::Console {

void AdminSession::request(const QString &credential, const QByteArray &method, const QString &path,
                           const QJsonObject &body, JsonCallback done)
{
    QUrl url = m_profile.httpBase();
    const qsizetype q = path.indexOf(QLatin1Char('?'));
    url.setPath(q < 0 ? path : path.left(q));
    if (q >= 0)
        url.setQuery(path.mid(q + 1));
    QNetworkRequest req(url);
    req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    req.setRawHeader("Authorization", "Bearer " + credential.toUtf8());
    req.setTransferTimeout(15000);
    const QByteArray payload
        = method == "GET" ? QByteArray() : QJsonDocument(body).toJson(QJsonDocument::Compact);
    QNetworkReply *reply = m_network->sendCustomRequest(req, method, payload);
    connect(reply, &QNetworkReply::finished, this, [reply, done]() {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QJsonObject json = QJsonDocument::fromJson(reply->readAll()).object();
        const bool ok = status >= 200 && status < 300;
        if (done)
            done(ok, json, ok ? QString() : restErrorText(status, json, reply->errorString()));
    });
}

void AdminSession::rest(const QByteArray &method, const QString &path, const QJsonObject &body,
                        JsonCallback done)
{
    // The admin token once there is one; before that (or without a login) the API key.
    const QString token = m_connection ? m_connection->token() : QString();
    const QString credential = !token.isEmpty() ? token : m_profile.apiKey;
    request(credential, method, path, body, std::move(done));
}

void AdminSession::mintToken(const QString &username, JsonCallback done)
{
    if (m_profile.apiKey.isEmpty()) {
        done(false, {}, tr("This profile has no API key."));
        return;
    }
    request(m_profile.apiKey, "POST", QStringLiteral("/api/v1/tokens"),
            {{QStringLiteral("username"), username}, {QStringLiteral("ttl_s"), 24 * 3600}},
            std::move(done));
}

void AdminSession::action(const QString &name, const QString &targetKind, const QString &target,
                          const QByteArray &method, const QString &path, const QJsonObject &body,
                          JsonCallback done)
{
    rest(method, path, body,
         [this, name, targetKind, target, done](bool ok, const QJsonObject &json,
                                                const QString &error) {
             // Kept as data (kind, target, error code), worded when shown: the log and the
             // status bar say it in the language of the moment, without English pieces.
             const QJsonObject serverError = json.value(QLatin1StringView("error")).toObject();
             QJsonObject entry {{QStringLiteral("event"), QStringLiteral("operator_action")},
                                {QStringLiteral("action"), name},
                                {QStringLiteral("target_kind"), targetKind},
                                {QStringLiteral("target"), target},
                                {QStringLiteral("ok"), ok}};
             if (!ok) {
                 entry.insert(QStringLiteral("error_code"), Json::str(serverError, "code"));
                 entry.insert(QStringLiteral("error"),
                              serverError.isEmpty() ? error : Json::str(serverError, "message"));
             }
             m_log->append(entry, QDateTime::currentMSecsSinceEpoch());
             if (done)
                 done(ok, json, error);
             Q_EMIT actionFinished(name, ok, error);
             Q_EMIT actionLogged(EventDescriber::describe(entry), ok);
         });
}

namespace {
QString userLabel(const UsersModel *users, qint64 userId)
{
    const QString name = users->userName(userId);
    return name.isEmpty() ? QStringLiteral("#%1").arg(userId)
                          : QStringLiteral("%1 (#%2)").arg(name).arg(userId);
}
const QString USER = QStringLiteral("user");
const QString ROOM = QStringLiteral("room");
} // namespace

void AdminSession::sendMessage(qint64 userId, const QString &text)
{
    action(QStringLiteral("message"), USER, userLabel(m_users, userId), "POST",
           QStringLiteral("/api/v1/messages"),
           {{QStringLiteral("to_user_id"), userId}, {QStringLiteral("content"), text}});
}

void AdminSession::disconnectUser(qint64 userId, const QString &reason)
{
    action(QStringLiteral("disconnect"), USER, userLabel(m_users, userId), "POST",
           QStringLiteral("/api/v1/users/%1/disconnect").arg(userId),
           {{QStringLiteral("reason"), reason}});
}

void AdminSession::closeConnection(const QString &connectionId, const QString &reason,
                                   const QString &node)
{
    QString path = QStringLiteral("/api/v1/connections/%1/close").arg(connectionId);
    if (!node.isEmpty())
        path += QStringLiteral("?node_id=") + QString::fromLatin1(QUrl::toPercentEncoding(node));
    action(QStringLiteral("disconnect"), QStringLiteral("connection"), connectionId, "POST", path,
           {{QStringLiteral("reason"), reason}});
}

void AdminSession::disableUser(qint64 userId)
{
    action(QStringLiteral("disable"), USER, userLabel(m_users, userId), "POST",
           QStringLiteral("/api/v1/users/%1/disable").arg(userId), {});
}

void AdminSession::enableUser(qint64 userId)
{
    action(QStringLiteral("enable"), USER, userLabel(m_users, userId), "POST",
           QStringLiteral("/api/v1/users/%1/enable").arg(userId), {});
}

void AdminSession::createRoom(const QJsonObject &room)
{
    action(QStringLiteral("room_create"), ROOM, Json::str(room, "room_id"), "POST",
           QStringLiteral("/api/v1/rooms"), room);
}

void AdminSession::updateRoom(const QString &roomId, const QJsonObject &changes)
{
    action(QStringLiteral("room_update"), ROOM, roomId, "PATCH",
           QStringLiteral("/api/v1/rooms/%1").arg(roomId), changes);
}

void AdminSession::deleteRoom(const QString &roomId)
{
    action(QStringLiteral("room_delete"), ROOM, roomId, "DELETE",
           QStringLiteral("/api/v1/rooms/%1").arg(roomId), {});
}

namespace {
QString audienceQuery(const AdminSession::Broadcast &b)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("target"), b.target);
    if (b.target == QLatin1StringView("room"))
        q.addQueryItem(QStringLiteral("room_id"), b.roomId);
    if (b.target == QLatin1StringView("user"))
        q.addQueryItem(QStringLiteral("user_id"), QString::number(b.userId));
    return q.toString(QUrl::FullyEncoded);
}
} // namespace

void AdminSession::queryAudience(const Broadcast &b, JsonCallback done)
{
    rest("GET", QStringLiteral("/api/v1/audience?") + audienceQuery(b), {}, std::move(done));
}

void AdminSession::sendBroadcast(const Broadcast &b)
{
    QJsonObject body {{QStringLiteral("target"), b.target}, {QStringLiteral("kind"), b.kind}};
    QString target;
    if (b.target == QLatin1StringView("room")) {
        body.insert(QStringLiteral("room_id"), b.roomId);
        target = b.roomId;
    } else if (b.target == QLatin1StringView("user")) {
        body.insert(QStringLiteral("user_id"), b.userId);
        target = userLabel(m_users, b.userId);
    }
    if (b.kind == QLatin1StringView("notification")) {
        body.insert(QStringLiteral("title"), b.title);
        body.insert(QStringLiteral("message"), b.message);
        if (!b.priority.isEmpty())
            body.insert(QStringLiteral("priority"), b.priority);
        if (!b.link.isEmpty())
            body.insert(QStringLiteral("link"), b.link);
    } else {
        body.insert(QStringLiteral("content"), b.message);
        if (!b.title.isEmpty())
            body.insert(QStringLiteral("title"), b.title);
    }
    action(QStringLiteral("broadcast"), b.target, target, "POST",
           QStringLiteral("/api/v1/broadcast"), body);
}

void AdminSession::refreshConnectionMetrics()
{
    if (!m_subscribed)
        return;
    rest("GET", QStringLiteral("/api/v1/connections"), {},
         [this](bool ok, const QJsonObject &json, const QString &) {
             if (ok)
                 m_users->updateConnectionMetrics(
                     json.value(QLatin1StringView("connections")).toArray());
         });
    refreshRoomCounters();
    refreshNodes();
    refreshHealth();
}

void AdminSession::refreshNodes()
{
    if (!m_subscribed)
        return;
    rest("GET", QStringLiteral("/api/v1/nodes"), {},
         [this](bool ok, const QJsonObject &json, const QString &) {
             if (ok && m_subscribed)
                 m_nodes->setNodes(json.value(QLatin1StringView("nodes")).toArray(),
                                   QDateTime::currentMSecsSinceEpoch());
         });
}

void AdminSession::refreshHealth()
{
    if (!m_subscribed)
        return;
    rest("GET", QStringLiteral("/readyz"), {},
         [this](bool ok, const QJsonObject &json, const QString &error) {
             if (m_subscribed)
                 m_health->applyReadiness(ok, json, error);
         });
}

void AdminSession::refreshRoomCounters()
{
    if (!m_subscribed)
        return;
    rest("GET", QStringLiteral("/api/v1/rooms"), {},
         [this](bool ok, const QJsonObject &json, const QString &) {
             if (!ok)
                 return;
             for (const QJsonValue &v : json.value(QLatin1StringView("rooms")).toArray()) {
                 const QJsonObject r = v.toObject();
                 const QJsonObject known = m_rooms->room(Json::str(r, "room_id"));
                 if (known.isEmpty())
                     continue;
                 QJsonObject counters;
                 for (const char *key : {"members", "online_members", "messages"}) {
                     if (known.value(QLatin1StringView(key)) != r.value(QLatin1StringView(key)))
                         counters.insert(QLatin1StringView(key), r.value(QLatin1StringView(key)));
                 }
                 if (!counters.isEmpty()) {
                     counters.insert(QStringLiteral("room_id"), Json::str(r, "room_id"));
                     m_rooms->upsert(counters);
                 }
             }
         });
}

} // namespace Switchboard::Console
