// SPDX-License-Identifier: MIT
#pragma once

#include "clientmessages.h"

#include <variant>

#include <QByteArrayView>

namespace Switchboard::Protocol {

// Turns one text frame into a typed client message or a typed error. Accepts the canonical
// v1 envelope and the seed documents' frames (see docs/PROTOCOL.md, "Seed compatibility").
std::variant<DecodedFrame, DecodeError> decodeClientFrame(QByteArrayView utf8);

// Parses a user id given as a JSON number or a numeric string; 0 when absent or invalid.
qint64 userIdFromJson(const QJsonValue &value, bool *valid = nullptr);

// Room ids: 1-64 characters of A-Z a-z 0-9 _ - (they appear in URLs and stream names).
bool validRoomId(const QString &id);
// Presence statuses: online, away, busy, offline.
bool validPresenceStatus(const QString &status);
constexpr int MAX_ROOM_NAME_CHARS = 100;
constexpr int MAX_ROOM_DESCRIPTION_CHARS = 1000;
// Checks and fills room settings from a JSON object (WebSocket frame or REST body); returns
// an error message naming the field, empty when valid.
QString roomSettingsFromJson(const QJsonObject &obj, RoomSettingsRequest *out);

} // namespace Switchboard::Protocol
