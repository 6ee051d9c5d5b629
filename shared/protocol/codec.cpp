// SPDX-License-Identifier: MIT
#include "codec.h"
#include "codec_p.h"

#include "protocol.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace Switchboard::Protocol {

using namespace Detail;

namespace {

Result decodeToken(const QJsonObject &obj, const QJsonValue &id, bool refresh)
{
    const QJsonValue token = obj.value(QLatin1StringView("token"));
    if (!token.isString() || token.toString().isEmpty())
        return badField(QStringLiteral("token"), QStringLiteral("a non-empty string"), id);
    if (refresh)
        return withId(id, RefreshRequest {token.toString()});
    AuthRequest req {token.toString(), {}};
    const QString error
        = streamPositionsFromJson(obj.value(QLatin1StringView("resume")), &req.resume);
    if (!error.isEmpty())
        return fail(ErrorCode::ValidationError, error, id);
    return withId(id, std::move(req));
}

Result decodeSend(const QJsonObject &obj, const QJsonValue &id, const QString &toKey,
                  const QString &contentKey)
{
    SendRequest req;
    if (!recipient(obj, toKey, &req.toUserId, &req.toExternalId)
        || (req.toUserId == 0 && req.toExternalId.isEmpty()))
        return badField(toKey, QStringLiteral("a user id (positive integer or external id)"), id);
    const QJsonValue content = obj.value(contentKey);
    if (content.isObject()) {
        req.data = content.toObject(); // seed 002 allows a structured `message`
    } else if (!optionalString(obj, contentKey, &req.content)) {
        return badField(contentKey, QStringLiteral("a string"), id);
    }
    if (!optionalObject(obj, QStringLiteral("data"), &req.data))
        return badField(QStringLiteral("data"), QStringLiteral("an object"), id);
    if (!optionalString(obj, QStringLiteral("idempotency_key"), &req.idempotencyKey))
        return badField(QStringLiteral("idempotency_key"), QStringLiteral("a string"), id);
    if (req.content.isEmpty() && req.data.isEmpty())
        return fail(ErrorCode::ValidationError,
                    QStringLiteral("a message needs '%1' or 'data'").arg(contentKey), id);
    return withId(id, std::move(req));
}

Result decodeBroadcast(const QJsonObject &obj, const QJsonValue &id, const QString &contentKey)
{
    BroadcastRequest req;
    if (!optionalString(obj, contentKey, &req.content))
        return badField(contentKey, QStringLiteral("a string"), id);
    if (!optionalObject(obj, QStringLiteral("data"), &req.data))
        return badField(QStringLiteral("data"), QStringLiteral("an object"), id);
    if (req.content.isEmpty() && req.data.isEmpty())
        return fail(ErrorCode::ValidationError,
                    QStringLiteral("a broadcast needs '%1' or 'data'").arg(contentKey), id);
    return withId(id, std::move(req));
}

Result decodeNotify(const QJsonObject &obj, const QJsonValue &id)
{
    NotifyRequest req;
    if (!recipient(obj, QStringLiteral("to"), &req.toUserId, &req.toExternalId))
        return badField(QStringLiteral("to"),
                        QStringLiteral("a user id (positive integer) or a user's external id"), id);
    const struct
    {
        const char *key;
        QString *out;
    } strings[] = {{"notification_type", &req.notificationType},
                   {"title", &req.title},
                   {"message", &req.message},
                   {"link", &req.link},
                   {"priority", &req.priority}};
    for (const auto &s : strings) {
        if (!optionalString(obj, QLatin1StringView(s.key), s.out))
            return badField(QLatin1StringView(s.key), QStringLiteral("a string"), id);
    }
    if (!optionalObject(obj, QStringLiteral("data"), &req.data))
        return badField(QStringLiteral("data"), QStringLiteral("an object"), id);
    if (req.title.isEmpty() && req.message.isEmpty())
        return fail(ErrorCode::ValidationError,
                    QStringLiteral("a notification needs 'title' or 'message'"), id);
    return withId(id, std::move(req));
}

// Seed 000: {id, message_type, data, timestamp}. `text` goes to data.to_user_id or everyone.
Result decodeSeed000(const QJsonObject &obj, const QString &type, const QJsonValue &id)
{
    QJsonObject data;
    if (!optionalObject(obj, QStringLiteral("data"), &data))
        return badField(QStringLiteral("data"), QStringLiteral("an object"), id);
    if (type == QLatin1StringView("ping"))
        return withId(id, PingRequest {});
    qint64 to = 0;
    QString external; // seed 000's users are UUIDs
    if (!recipient(data, QStringLiteral("to_user_id"), &to, &external))
        return badField(QStringLiteral("data.to_user_id"),
                        QStringLiteral("a user id (positive integer)"), id);
    QString content;
    if (!optionalString(data, QStringLiteral("content"), &content))
        return badField(QStringLiteral("data.content"), QStringLiteral("a string"), id);
    QJsonObject extra = data;
    extra.remove(QStringLiteral("content"));
    extra.remove(QStringLiteral("to_user_id"));
    if (type == QLatin1StringView("text")) {
        if (content.isEmpty() && extra.isEmpty())
            return fail(ErrorCode::ValidationError,
                        QStringLiteral("a text message needs 'data.content'"), id);
        if (to || !external.isEmpty())
            return withId(id, SendRequest {to, content, extra, QString(), external});
        return withId(id, BroadcastRequest {content, extra});
    }
    if (type == QLatin1StringView("notification")) {
        if (!external.isEmpty()) // not mapped on this path yet: never a notification to all
            return badField(QStringLiteral("data.to_user_id"),
                            QStringLiteral("a numeric user id for a notification"), id);
        NotifyRequest req;
        req.toUserId = to;
        req.message = content;
        req.data = extra;
        req.notificationType = data.value(QStringLiteral("type")).toString();
        req.priority = data.value(QStringLiteral("priority")).toString();
        if (req.message.isEmpty())
            req.message = data.value(QStringLiteral("message")).toString();
        if (req.message.isEmpty())
            return fail(ErrorCode::ValidationError,
                        QStringLiteral("a notification needs 'data.content'"), id);
        return withId(id, std::move(req));
    }
    return fail(ErrorCode::UnknownMessageType,
                QStringLiteral("unknown message_type '%1'").arg(type.left(64)), id);
}

} // namespace

bool isExternalUserId(QStringView id)
{
    if (id.isEmpty() || id.size() > MAX_EXTERNAL_ID_CHARS || id.front().isSpace()
        || id.back().isSpace())
        return false;
    bool numeric = true;
    for (qsizetype i = 0; i < id.size(); ++i) {
        const QChar c = id.at(i);
        if (!c.isPrint())
            return false;
        if (!(c.isDigit() || (i == 0 && id.size() > 1 && (c == u'-' || c == u'+'))))
            numeric = false;
    }
    // "-42", "0", "99999999999999999999": numbers that are not valid ids, refused as such
    // rather than taken as somebody's external id.
    return !numeric;
}

qint64 userIdFromJson(const QJsonValue &value, bool *valid)
{
    qint64 id = 0;
    if (value.isDouble()) {
        const double d = value.toDouble();
        if (d >= 1 && d <= 9007199254740991.0 && d == static_cast<double>(static_cast<qint64>(d)))
            id = static_cast<qint64>(d);
    } else if (value.isString()) {
        bool ok = false;
        const qint64 parsed = value.toString().toLongLong(&ok);
        if (ok && parsed > 0)
            id = parsed;
    }
    if (valid)
        *valid = id > 0;
    return id;
}

bool userReferenceFromJson(const QJsonValue &value, qint64 *userId, QString *externalId)
{
    externalId->clear();
    if (value.isString() && isExternalUserId(value.toString())) {
        *userId = 0;
        *externalId = value.toString();
        return true;
    }
    bool ok = false;
    *userId = userIdFromJson(value, &ok);
    return ok;
}

std::variant<DecodedFrame, DecodeError> decodeClientFrame(QByteArrayView utf8)
{
    QJsonParseError parseError;
    const QJsonDocument doc
        = QJsonDocument::fromJson(QByteArray::fromRawData(utf8.data(), utf8.size()), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return fail(ErrorCode::InvalidJson,
                    QStringLiteral("invalid JSON at offset %1: %2")
                        .arg(parseError.offset)
                        .arg(parseError.errorString()),
                    QJsonValue());
    if (!doc.isObject())
        return fail(ErrorCode::InvalidJson, QStringLiteral("a frame must be a JSON object"),
                    QJsonValue());
    const QJsonObject obj = doc.object();
    QJsonValue id = obj.value(QLatin1StringView("id"));
    if (id.isUndefined())
        id = QJsonValue();
    if (!(id.isNull() || id.isString() || id.isDouble()))
        return badField(QStringLiteral("id"), QStringLiteral("a string or a number"), QJsonValue());
    if (id.isString() && id.toString().size() > 128)
        return badField(QStringLiteral("id"), QStringLiteral("at most 128 characters"),
                        QJsonValue());

    const QJsonValue typeValue = obj.value(QLatin1StringView("type"));
    if (typeValue.isUndefined()) {
        const QJsonValue seedType = obj.value(QLatin1StringView("message_type"));
        if (seedType.isString())
            return decodeSeed000(obj, seedType.toString(), id);
        return fail(ErrorCode::ValidationError, QStringLiteral("field 'type' is required"), id);
    }
    if (!typeValue.isString())
        return badField(QStringLiteral("type"), QStringLiteral("a string"), id);
    const QString type = typeValue.toString();

    if (type == ClientType::PING)
        return withId(id, PingRequest {});
    if (type == ClientType::SEND)
        return decodeSend(obj, id, QStringLiteral("to"), QStringLiteral("content"));
    if (type == ClientType::AUTH)
        return decodeToken(obj, id, false);
    if (type == ClientType::REFRESH)
        return decodeToken(obj, id, true);
    if (type == ClientType::BROADCAST)
        return decodeBroadcast(obj, id, QStringLiteral("content"));
    if (type == ClientType::NOTIFY || type == QLatin1StringView("notification"))
        return decodeNotify(obj, id);
    if (type == ClientType::ROOM_SEND || type == ServerType::ROOM_MESSAGE)
        return decodeRoomSend(obj, id);
    if (type == ClientType::ROOM_JOIN)
        return decodeRoomAction(obj, id, RoomActionRequest::Action::Join);
    if (type == ClientType::ROOM_LEAVE)
        return decodeRoomAction(obj, id, RoomActionRequest::Action::Leave);
    if (type == ClientType::ROOM_GET)
        return decodeRoomAction(obj, id, RoomActionRequest::Action::Get);
    if (type == ClientType::ROOM_DELETE)
        return decodeRoomAction(obj, id, RoomActionRequest::Action::Delete);
    if (type == ClientType::ROOM_LIST)
        return withId(id, RoomListRequest {});
    if (type == ClientType::ROOM_CREATE)
        return decodeRoomSettings(obj, id, true);
    if (type == ClientType::ROOM_UPDATE)
        return decodeRoomSettings(obj, id, false);
    if (type == ClientType::ROOM_INVITE)
        return decodeRoomInvite(obj, id);
    if (type == ClientType::PRESENCE)
        return decodePresence(obj, id);
    if (type == ClientType::PRESENCE_QUERY)
        return decodePresenceQuery(obj, id);
    if (type == ClientType::TYPING)
        return decodeTyping(obj, id);
    if (type == ClientType::HISTORY)
        return decodeHistory(obj, id);
    if (type == ClientType::ADMIN_SUBSCRIBE)
        return decodeAdminSubscribe(obj, id);
    if (type == ClientType::ADMIN_UNSUBSCRIBE)
        return withId(id, AdminUnsubscribeRequest {});
    // Seed 002: {type: "message", to_user_id, message}.
    if (type == QLatin1StringView("message"))
        return decodeSend(obj, id, QStringLiteral("to_user_id"), QStringLiteral("message"));
    // Seed 004: {type: "chat", to, content}; an empty `to` is a broadcast.
    if (type == QLatin1StringView("chat")) {
        qint64 to = 0;
        QString external;
        if (!recipient(obj, QStringLiteral("to"), &to, &external))
            return badField(QStringLiteral("to"), QStringLiteral("a user id (positive integer)"),
                            id);
        if (to == 0 && external.isEmpty())
            return decodeBroadcast(obj, id, QStringLiteral("content"));
        return decodeSend(obj, id, QStringLiteral("to"), QStringLiteral("content"));
    }
    return fail(ErrorCode::UnknownMessageType,
                QStringLiteral("unknown message type '%1'").arg(type.left(64)), id);
}

} // namespace Switchboard::Protocol
