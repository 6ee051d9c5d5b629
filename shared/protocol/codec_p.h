// SPDX-License-Identifier: MIT
// Private to the codec's implementation files: field readers and the decoders of each family of
// frames, shared by codec.cpp (envelope, messages, seed frames) and roomcodec.cpp (rooms,
// presence, typing, history).
#pragma once

#include "codec.h"

namespace Switchboard::Protocol::Detail {

inline DecodeError fail(ErrorCode code, const QString &message, const QJsonValue &id)
{
    return DecodeError {code, message, id};
}

inline DecodeError badField(const QString &field, const QString &expected, const QJsonValue &id)
{
    return fail(ErrorCode::ValidationError,
                QStringLiteral("field '%1' must be %2").arg(field, expected), id);
}

// Reads an optional string field; an absent or null field yields an empty string.
inline bool optionalString(const QJsonObject &obj, const QString &key, QString *out)
{
    const QJsonValue v = obj.value(key);
    if (v.isUndefined() || v.isNull())
        return true;
    if (!v.isString())
        return false;
    *out = v.toString();
    return true;
}

inline bool optionalObject(const QJsonObject &obj, const QString &key, QJsonObject *out)
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

inline Result withId(const QJsonValue &id, ClientMessage message)
{
    return DecodedFrame {id, std::move(message)};
}

// A recipient given as a number or numeric string; absent, null or "" means "nobody". Where
// `external` is given, an external user id ("user456") is taken too: *out is 0 and *external
// names it (the server maps it).
inline bool recipient(const QJsonObject &obj, const QString &key, qint64 *out,
                      QString *external = nullptr)
{
    const QJsonValue v = obj.value(key);
    if (v.isUndefined() || v.isNull() || (v.isString() && v.toString().isEmpty())) {
        *out = 0;
        return true;
    }
    if (external)
        return userReferenceFromJson(v, out, external);
    bool ok = false;
    *out = userIdFromJson(v, &ok);
    return ok;
}

Result decodeRoomId(const QJsonObject &obj, const QJsonValue &id, QString *out);
Result decodeRoomSettings(const QJsonObject &obj, const QJsonValue &id, bool create);
Result decodeRoomAction(const QJsonObject &obj, const QJsonValue &id,
                        RoomActionRequest::Action action);
Result decodeRoomInvite(const QJsonObject &obj, const QJsonValue &id);
Result decodeRoomSend(const QJsonObject &obj, const QJsonValue &id);
Result decodePresence(const QJsonObject &obj, const QJsonValue &id);
Result decodePresenceQuery(const QJsonObject &obj, const QJsonValue &id);
Result decodeTyping(const QJsonObject &obj, const QJsonValue &id);
Result decodeHistory(const QJsonObject &obj, const QJsonValue &id);
Result decodeAdminSubscribe(const QJsonObject &obj, const QJsonValue &id);

} // namespace Switchboard::Protocol::Detail
