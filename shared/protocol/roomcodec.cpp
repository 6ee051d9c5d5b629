// SPDX-License-Identifier: MIT
// Decoders of the room, presence, typing and history frames, and the validators they share with
// the REST layer.
#include "codec.h"
#include "codec_p.h"

#include "protocol.h"

#include <QJsonArray>

namespace Switchboard::Protocol {

namespace Detail {

Result decodeRoomId(const QJsonObject &obj, const QJsonValue &id, QString *out)
{
    const QJsonValue v = obj.value(QLatin1StringView("room_id"));
    if (!v.isString() || !validRoomId(v.toString()))
        return badField(QStringLiteral("room_id"),
                        QStringLiteral("1-64 characters of A-Z a-z 0-9 _ -"), id);
    *out = v.toString();
    return DecodedFrame {};
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
    if (!recipient(obj, QStringLiteral("user_id"), &req.userId, &req.userExternalId)
        || (req.userId == 0 && req.userExternalId.isEmpty()))
        return badField(QStringLiteral("user_id"),
                        QStringLiteral("a user id (positive integer) or a user's external id"), id);
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
            qint64 userId = 0;
            QString external;
            if (!userReferenceFromJson(v, &userId, &external))
                return badField(QStringLiteral("user_ids"),
                                QStringLiteral("an array of user ids (positive integers) or "
                                               "users' external ids"),
                                id);
            if (!external.isEmpty())
                req.externalIds.insert(req.userIds.size(), external);
            req.userIds << userId;
        }
    }
    return withId(id, std::move(req));
}

Result decodeTyping(const QJsonObject &frame, const QJsonValue &id)
{
    // Seed 002's hook nests the fields: {type: typing, data: {is_typing, context}}.
    const bool nested = frame.value(QLatin1StringView("data")).isObject()
        && !frame.contains(QLatin1StringView("is_typing"))
        && !frame.contains(QLatin1StringView("context"));
    const QJsonObject obj = nested ? frame.value(QLatin1StringView("data")).toObject() : frame;
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
            userReferenceFromJson(c.mid(5), &req.toUserId, &req.toExternalId);
        } else if (validRoomId(c)) {
            // A bare context (seed 002's hook sends what the page names: "main", "post_123")
            // is read as a room: typing reaches that room's members, or is answered NOT_FOUND.
            req.roomId = c;
        }
        if (req.roomId.isEmpty() && req.toUserId == 0 && req.toExternalId.isEmpty())
            return badField(QStringLiteral("context"),
                            QStringLiteral("\"room:<room id>\", \"user:<user id>\" or a room id"),
                            id);
        return withId(id, std::move(req));
    }
    if (!context.isUndefined() && !context.isNull())
        return badField(QStringLiteral("context"), QStringLiteral("a string"), id);
    const QJsonValue room = obj.value(QLatin1StringView("room_id"));
    if (room.isString() && validRoomId(room.toString())) {
        req.roomId = room.toString();
        return withId(id, std::move(req));
    }
    if (!recipient(obj, QStringLiteral("to"), &req.toUserId, &req.toExternalId)
        || (req.toUserId == 0 && req.toExternalId.isEmpty()))
        return fail(ErrorCode::ValidationError,
                    QStringLiteral("typing needs 'context' (\"room:<id>\" or \"user:<id>\"), "
                                   "'room_id' or 'to'"),
                    id);
    return withId(id, std::move(req));
}

namespace {

// An optional non-negative integer field (a sequence number); false when present but invalid.
bool optionalSeq(const QJsonObject &obj, QLatin1StringView key, std::optional<qint64> *out)
{
    const QJsonValue v = obj.value(key);
    if (v.isUndefined() || v.isNull())
        return true;
    const double d = v.toDouble(-1);
    if (!v.isDouble() || d < 0 || d > 9007199254740991.0 || d != double(qint64(d)))
        return false;
    *out = qint64(d);
    return true;
}

} // namespace

Result decodeHistory(const QJsonObject &obj, const QJsonValue &id)
{
    HistoryRequest req;
    const QJsonValue room = obj.value(QLatin1StringView("room_id"));
    const QJsonValue with = obj.value(QLatin1StringView("with"));
    if (!room.isUndefined() && !room.isNull()) {
        if (!room.isString() || !validRoomId(room.toString()))
            return badField(QStringLiteral("room_id"),
                            QStringLiteral("1-64 characters of A-Z a-z 0-9 _ -"), id);
        req.roomId = room.toString();
    }
    if (!with.isUndefined() && !with.isNull()) {
        if (!userReferenceFromJson(with, &req.withUserId, &req.withExternalId))
            return badField(QStringLiteral("with"),
                            QStringLiteral("a user id (positive integer) or a user's external id"),
                            id);
        if (!req.roomId.isEmpty())
            return fail(ErrorCode::ValidationError,
                        QStringLiteral("give 'room_id' or 'with', not both"), id);
    }
    if (!optionalSeq(obj, QLatin1StringView("before"), &req.before))
        return badField(QStringLiteral("before"),
                        QStringLiteral("a sequence number (integer >= 0)"), id);
    if (!optionalSeq(obj, QLatin1StringView("after"), &req.after))
        return badField(QStringLiteral("after"), QStringLiteral("a sequence number (integer >= 0)"),
                        id);
    std::optional<qint64> limit;
    if (!optionalSeq(obj, QLatin1StringView("limit"), &limit) || (limit && *limit < 1)
        || (limit && *limit > MAX_HISTORY_PAGE))
        return badField(QStringLiteral("limit"),
                        QStringLiteral("an integer from 1 to %1").arg(MAX_HISTORY_PAGE), id);
    req.limit = int(limit.value_or(DEFAULT_HISTORY_PAGE));
    return withId(id, std::move(req));
}

} // namespace Detail

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

bool validStreamName(const QString &stream)
{
    if (stream.startsWith(QLatin1StringView("r:")))
        return validRoomId(stream.mid(2));
    if (!stream.startsWith(QLatin1StringView("u:")) || stream.size() < 3 || stream.size() > 18
        || stream.at(2) == QLatin1Char('0'))
        return false;
    for (qsizetype i = 2; i < stream.size(); ++i) {
        if (stream.at(i) < QLatin1Char('0') || stream.at(i) > QLatin1Char('9'))
            return false;
    }
    return true;
}

QString parseStreamPositions(const QString &text, StreamPositions *out)
{
    const QStringList items = text.split(QLatin1Char(','), Qt::SkipEmptyParts);
    if (items.size() > MAX_RESUME_STREAMS)
        return QStringLiteral("resume names more than %1 streams").arg(MAX_RESUME_STREAMS);
    for (const QString &raw : items) {
        const QString item = raw.trimmed();
        const qsizetype colon = item.lastIndexOf(QLatin1Char(':'));
        const QString digits = colon > 0 ? item.mid(colon + 1) : QString();
        bool ok = !digits.isEmpty() && digits.size() <= 16;
        for (const QChar c : digits)
            ok = ok && c >= QLatin1Char('0') && c <= QLatin1Char('9');
        const qint64 seq = ok ? digits.toLongLong() : -1;
        const QString stream = item.left(colon);
        if (!ok || !validStreamName(stream))
            return QStringLiteral("resume item '%1' is not <stream>:<seq> (e.g. r:general:41)")
                .arg(item.left(80));
        out->insert(stream, seq);
    }
    return QString();
}

QString formatStreamPositions(const StreamPositions &positions)
{
    QStringList items;
    for (auto it = positions.cbegin(); it != positions.cend(); ++it)
        items << it.key() + QLatin1Char(':') + QString::number(it.value());
    items.sort();
    return items.join(QLatin1Char(','));
}

QString streamPositionsFromJson(const QJsonValue &value, StreamPositions *out)
{
    if (value.isUndefined() || value.isNull())
        return QString();
    if (!value.isObject())
        return QStringLiteral(
            "field 'resume' must be an object of stream names to sequence numbers");
    const QJsonObject obj = value.toObject();
    if (obj.size() > MAX_RESUME_STREAMS)
        return QStringLiteral("resume names more than %1 streams").arg(MAX_RESUME_STREAMS);
    for (auto it = obj.constBegin(); it != obj.constEnd(); ++it) {
        const double d = it.value().toDouble(-1);
        if (!validStreamName(it.key()) || !it.value().isDouble() || d < 0 || d > 9007199254740991.0
            || d != double(qint64(d)))
            return QStringLiteral("resume entry '%1' must name a stream (u:<id> or r:<room>) "
                                  "with a sequence number")
                .arg(it.key().left(80));
        out->insert(it.key(), qint64(d));
    }
    return QString();
}

QJsonObject streamPositionsToJson(const StreamPositions &positions)
{
    QJsonObject obj;
    for (auto it = positions.cbegin(); it != positions.cend(); ++it)
        obj.insert(it.key(), it.value());
    return obj;
}

} // namespace Switchboard::Protocol
