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

// The longest external user id accepted, in characters.
constexpr qsizetype MAX_EXTERNAL_ID_CHARS = 128;
// Whether a string is an external user id: a backend's own id for a user ("user123", a UUID),
// given as a token's "sub" or as a recipient and mapped to an internal id by the server.
// 1 to MAX_EXTERNAL_ID_CHARS printable characters without leading or trailing white space, and
// not a number (an optional sign and digits only: those are internal ids, valid only as
// positive 64-bit integers).
bool isExternalUserId(QStringView id);
// A user named in a request (a frame's field, a REST body, path or query): an internal id (a
// positive integer, as a number or a numeric string; *externalId empty) or an external id
// (*userId 0 until the server maps it). False when the value is neither.
bool userReferenceFromJson(const QJsonValue &value, qint64 *userId, QString *externalId);

// Room ids: 1-64 characters of A-Z a-z 0-9 _ - (they appear in URLs and stream names).
bool validRoomId(const QString &id);
// Presence statuses: online, away, busy, offline.
bool validPresenceStatus(const QString &status);
// Stream names: "u:<user id>" (a user's inbox) or "r:<room id>".
bool validStreamName(const QString &stream);
constexpr int MAX_HISTORY_PAGE = 1000;
constexpr int DEFAULT_HISTORY_PAGE = 50;
constexpr int MAX_RESUME_STREAMS = 1000;
// Resume positions in a URL query: "u:7:12,r:general:41" (stream, ':', last seq received;
// comma-separated). Returns an error message naming the bad item, empty when valid.
QString parseStreamPositions(const QString &text, StreamPositions *out);
QString formatStreamPositions(const StreamPositions &positions);
// The same as a JSON object {"u:7": 12, "r:general": 41} (the `auth` frame's `resume`).
QString streamPositionsFromJson(const QJsonValue &value, StreamPositions *out);
QJsonObject streamPositionsToJson(const StreamPositions &positions);
constexpr int MAX_ROOM_NAME_CHARS = 100;
constexpr int MAX_ROOM_DESCRIPTION_CHARS = 1000;
// Checks and fills room settings from a JSON object (WebSocket frame or REST body); returns
// an error message naming the field, empty when valid.
QString roomSettingsFromJson(const QJsonObject &obj, RoomSettingsRequest *out);

} // namespace Switchboard::Protocol
