// SPDX-License-Identifier: MIT
#include "codec.h"

#include "protocol.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace Switchboard::Protocol {

namespace {

DecodeError fail(ErrorCode code, const QString &message, const QJsonValue &id)
{
    return DecodeError{code, message, id};
}

DecodeError badField(const QString &field, const QString &expected, const QJsonValue &id)
{
    return fail(ErrorCode::ValidationError,
                QStringLiteral("field '%1' must be %2").arg(field, expected), id);
}

// Reads an optional string field; an absent or null field yields an empty string.
bool optionalString(const QJsonObject &obj, const QString &key, QString *out)
{
    const QJsonValue v = obj.value(key);
    if (v.isUndefined() || v.isNull())
        return true;
    if (!v.isString())
        return false;
    *out = v.toString();
    return true;
}

bool optionalObject(const QJsonObject &obj, const QString &key, QJsonObject *out)
{
    const QJsonValue v = obj.value(key);
    if (v.isUndefined() || v.isNull())
        return true;
    if (!v.isObject())
        return false;
    *out = v.toObject();
    return true;
}

using Result = std::variant<DecodedFrame, DecodeError>;

Result withId(const QJsonValue &id, ClientMessage message)
{
    return DecodedFrame{id, std::move(message)};
}

Result decodeToken(const QJsonObject &obj, const QJsonValue &id, bool refresh)
{
    const QJsonValue token = obj.value(QLatin1StringView("token"));
    if (!token.isString() || token.toString().isEmpty())
        return badField(QStringLiteral("token"), QStringLiteral("a non-empty string"), id);
    if (refresh)
        return withId(id, RefreshRequest{token.toString()});
    return withId(id, AuthRequest{token.toString()});
}

// A recipient given as a number or numeric string; absent, null or "" means "nobody".
bool recipient(const QJsonObject &obj, const QString &key, qint64 *out)
{
    const QJsonValue v = obj.value(key);
    if (v.isUndefined() || v.isNull() || (v.isString() && v.toString().isEmpty())) {
        *out = 0;
        return true;
    }
    bool ok = false;
    *out = userIdFromJson(v, &ok);
    return ok;
}

Result decodeSend(const QJsonObject &obj, const QJsonValue &id, const QString &toKey,
                  const QString &contentKey)
{
    SendRequest req;
    if (!recipient(obj, toKey, &req.toUserId) || req.toUserId == 0)
        return badField(toKey, QStringLiteral("a user id (positive integer)"), id);
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
    if (!recipient(obj, QStringLiteral("to"), &req.toUserId))
        return badField(QStringLiteral("to"), QStringLiteral("a user id (positive integer)"), id);
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
        return withId(id, PingRequest{});
    qint64 to = 0;
    if (!recipient(data, QStringLiteral("to_user_id"), &to))
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
        if (to)
            return withId(id, SendRequest{to, content, extra, QString()});
        return withId(id, BroadcastRequest{content, extra});
    }
    if (type == QLatin1StringView("notification")) {
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

Result decodeRoomId(const QJsonObject &obj, const QJsonValue &id, QString *out)
{
    const QJsonValue v = obj.value(QLatin1StringView("room_id"));
    if (!v.isString() || !validRoomId(v.toString()))
        return badField(QStringLiteral("room_id"),
                        QStringLiteral("1-64 characters of A-Z a-z 0-9 _ -"), id);
    *out = v.toString();
    return DecodedFrame{};
}

Result decodeRoomSettings(const QJsonObject &obj, const QJsonValue &id, bool create)
{
    RoomSettingsRequest req;
    req.create = create;
    const QString error = roomSettingsFromJson(obj, &req);
    if (!error.isEmpty())
        return fail(ErrorCode::ValidationError, error, id);
    return withId(id, std::move(req));
}

Result decodeRoomAction(const QJsonObject &obj, const QJsonValue &id,
                        RoomActionRequest::Action action)
{
    RoomActionRequest req;
    req.action = action;
    if (auto r = decodeRoomId(obj, id, &req.roomId); std::holds_alternative<DecodeError>(r))
        return r;
    return withId(id, std::move(req));
}

Result decodeRoomInvite(const QJsonObject &obj, const QJsonValue &id)
{
    RoomInviteRequest req;
    if (auto r = decodeRoomId(obj, id, &req.roomId); std::holds_alternative<DecodeError>(r))
        return r;
    bool ok = false;
    req.userId = userIdFromJson(obj.value(QLatin1StringView("user_id")), &ok);
    if (!ok)
        return badField(QStringLiteral("user_id"), QStringLiteral("a user id (positive integer)"),
                        id);
    return withId(id, std::move(req));
}

Result decodeRoomSend(const QJsonObject &obj, const QJsonValue &id)
{
    RoomSendRequest req;
    if (auto r = decodeRoomId(obj, id, &req.roomId); std::holds_alternative<DecodeError>(r))
        return r;
    if (!optionalString(obj, QStringLiteral("content"), &req.content))
        return badField(QStringLiteral("content"), QStringLiteral("a string"), id);
    if (!optionalObject(obj, QStringLiteral("data"), &req.data))
        return badField(QStringLiteral("data"), QStringLiteral("an object"), id);
    if (!optionalString(obj, QStringLiteral("idempotency_key"), &req.idempotencyKey))
        return badField(QStringLiteral("idempotency_key"), QStringLiteral("a string"), id);
    if (req.content.isEmpty() && req.data.isEmpty())
        return fail(ErrorCode::ValidationError,
                    QStringLiteral("a room message needs 'content' or 'data'"), id);
    return withId(id, std::move(req));
}

Result decodePresence(const QJsonObject &obj, const QJsonValue &id)
{
    PresenceRequest req;
    const QJsonValue status = obj.value(QLatin1StringView("status"));
    req.status = status.toString();
    if (!status.isString() || !validPresenceStatus(req.status))
        return badField(QStringLiteral("status"),
                        QStringLiteral("one of online, away, busy, offline"), id);
    if (!optionalObject(obj, QStringLiteral("data"), &req.data))
        return badField(QStringLiteral("data"), QStringLiteral("an object"), id);
    return withId(id, std::move(req));
}

Result decodePresenceQuery(const QJsonObject &obj, const QJsonValue &id)
{
    PresenceQueryRequest req;
    const QJsonValue ids = obj.value(QLatin1StringView("user_ids"));
    const QJsonValue room = obj.value(QLatin1StringView("room_id"));
    if (!room.isUndefined()) {
        if (!room.isString() || !validRoomId(room.toString()))
            return badField(QStringLiteral("room_id"),
                            QStringLiteral("1-64 characters of A-Z a-z 0-9 _ -"), id);
        req.roomId = room.toString();
    } else {
        if (!ids.isArray() || ids.toArray().isEmpty() || ids.toArray().size() > 500)
            return badField(QStringLiteral("user_ids"),
                            QStringLiteral("an array of 1-500 user ids (or give room_id)"), id);
        for (const QJsonValue &v : ids.toArray()) {
            bool ok = false;
            const qint64 userId = userIdFromJson(v, &ok);
            if (!ok)
                return badField(QStringLiteral("user_ids"),
                                QStringLiteral("an array of positive integers"), id);
            req.userIds << userId;
        }
    }
    return withId(id, std::move(req));
}

Result decodeTyping(const QJsonObject &obj, const QJsonValue &id)
{
    TypingRequest req;
    const QJsonValue typing = obj.value(QLatin1StringView("is_typing"));
    if (!typing.isUndefined() && !typing.isBool())
        return badField(QStringLiteral("is_typing"), QStringLiteral("true or false"), id);
    req.isTyping = typing.toBool(true);
    const QJsonValue context = obj.value(QLatin1StringView("context"));
    if (context.isString()) {
        const QString c = context.toString();
        if (c.startsWith(QLatin1StringView("room:")) && validRoomId(c.mid(5))) {
            req.roomId = c.mid(5);
        } else if (c.startsWith(QLatin1StringView("user:"))) {
            bool ok = false;
            req.toUserId = userIdFromJson(c.mid(5), &ok);
        }
        if (req.roomId.isEmpty() && req.toUserId == 0)
            return badField(QStringLiteral("context"),
                            QStringLiteral("\"room:<room id>\" or \"user:<user id>\""), id);
        return withId(id, std::move(req));
    }
    if (!context.isUndefined() && !context.isNull())
        return badField(QStringLiteral("context"), QStringLiteral("a string"), id);
    const QJsonValue room = obj.value(QLatin1StringView("room_id"));
    if (room.isString() && validRoomId(room.toString())) {
        req.roomId = room.toString();
        return withId(id, std::move(req));
    }
    if (!recipient(obj, QStringLiteral("to"), &req.toUserId) || req.toUserId == 0)
        return fail(ErrorCode::ValidationError,
                    QStringLiteral("typing needs 'context' (\"room:<id>\" or \"user:<id>\"), "
                                   "'room_id' or 'to'"),
                    id);
    return withId(id, std::move(req));
}

} // namespace

bool validPresenceStatus(const QString &status)
{
    return status == QLatin1StringView("online") || status == QLatin1StringView("away")
            || status == QLatin1StringView("busy") || status == QLatin1StringView("offline");
}

bool validRoomId(const QString &id)
{
    if (id.isEmpty() || id.size() > 64)
        return false;
    for (const QChar c : id) {
        const char16_t u = c.unicode();
        const bool ok = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9')
                || u == '_' || u == '-';
        if (!ok)
            return false;
    }
    return true;
}

QString roomSettingsFromJson(const QJsonObject &obj, RoomSettingsRequest *out)
{
    const QJsonValue rid = obj.value(QLatin1StringView("room_id"));
    if (rid.isUndefined() && obj.value(QLatin1StringView("id")).isString() && out->create)
        out->roomId = obj.value(QLatin1StringView("id")).toString(); // seed 003 REST body
    else if (rid.isString())
        out->roomId = rid.toString();
    if (!validRoomId(out->roomId))
        return QStringLiteral("field 'room_id' must be 1-64 characters of A-Z a-z 0-9 _ -");
    auto text = [&obj](const char *key, int max, std::optional<QString> *field) -> QString {
        const QJsonValue v = obj.value(QLatin1StringView(key));
        if (v.isUndefined() || v.isNull())
            return {};
        if (!v.isString())
            return QStringLiteral("field '%1' must be a string").arg(QLatin1StringView(key));
        if (v.toString().size() > max)
            return QStringLiteral("field '%1' must be at most %2 characters")
                    .arg(QLatin1StringView(key))
                    .arg(max);
        *field = v.toString();
        return {};
    };
    auto flag = [&obj](const char *key, std::optional<bool> *field) -> QString {
        const QJsonValue v = obj.value(QLatin1StringView(key));
        if (v.isUndefined() || v.isNull())
            return {};
        if (!v.isBool())
            return QStringLiteral("field '%1' must be true or false").arg(QLatin1StringView(key));
        *field = v.toBool();
        return {};
    };
    QString e = text("name", MAX_ROOM_NAME_CHARS, &out->name);
    if (e.isEmpty())
        e = text("description", MAX_ROOM_DESCRIPTION_CHARS, &out->description);
    if (e.isEmpty())
        e = text("post_policy", 16, &out->postPolicy);
    if (e.isEmpty())
        e = flag("private", &out->isPrivate);
    if (e.isEmpty())
        e = flag("announce_membership", &out->announceMembership);
    if (!e.isEmpty())
        return e;
    if (out->postPolicy && *out->postPolicy != QLatin1StringView("members")
        && *out->postPolicy != QLatin1StringView("owners")
        && *out->postPolicy != QLatin1StringView("admins"))
        return QStringLiteral("field 'post_policy' must be 'members', 'owners' or 'admins'");
    const QJsonValue max = obj.value(QLatin1StringView("max_members"));
    if (!max.isUndefined() && !max.isNull()) {
        const double d = max.toDouble(-1);
        if (!max.isDouble() || d < 0 || d > 1000000 || d != double(int(d)))
            return QStringLiteral("field 'max_members' must be an integer from 0 to 1000000");
        out->maxMembers = int(d);
    }
    return {};
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

std::variant<DecodedFrame, DecodeError> decodeClientFrame(QByteArrayView utf8)
{
    QJsonParseError parseError;
    const QJsonDocument doc =
            QJsonDocument::fromJson(QByteArray::fromRawData(utf8.data(), utf8.size()), &parseError);
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
        return withId(id, PingRequest{});
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
        return withId(id, RoomListRequest{});
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
    // Seed 002: {type: "message", to_user_id, message}.
    if (type == QLatin1StringView("message"))
        return decodeSend(obj, id, QStringLiteral("to_user_id"), QStringLiteral("message"));
    // Seed 004: {type: "chat", to, content}; an empty `to` is a broadcast.
    if (type == QLatin1StringView("chat")) {
        qint64 to = 0;
        if (!recipient(obj, QStringLiteral("to"), &to))
            return badField(QStringLiteral("to"), QStringLiteral("a user id (positive integer)"),
                            id);
        if (to == 0)
            return decodeBroadcast(obj, id, QStringLiteral("content"));
        return decodeSend(obj, id, QStringLiteral("to"), QStringLiteral("content"));
    }
    return fail(ErrorCode::UnknownMessageType,
                QStringLiteral("unknown message type '%1'").arg(type.left(64)), id);
}

} // namespace Switchboard::Protocol
