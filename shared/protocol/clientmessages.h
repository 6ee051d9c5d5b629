// SPDX-License-Identifier: MIT
#pragma once

#include "errorcode.h"

#include <optional>
#include <variant>

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QJsonValue>
#include <QString>

// One plain struct per client frame of protocol v1; the codec fills them from JSON.
namespace Switchboard::Protocol {

// Where a client stands in the streams it reads: stream name ("u:7", "r:general") -> the last
// seq it received. Given at connect time, it makes the server replay exactly what was missed.
using StreamPositions = QHash<QString, qint64>;

struct AuthRequest
{
    QString token;
    StreamPositions resume;
};

struct RefreshRequest
{
    QString token;
};

struct PingRequest
{
};

// A direct message to one user. Seed frames (`message`, `chat`, `text`) map onto it.
struct SendRequest
{
    qint64 toUserId = 0;
    QString content;
    QJsonObject data;
    QString idempotencyKey;
    QString toExternalId = {}; // the recipient by a backend's own id (toUserId 0 until mapped)
};

// A message to every connected user (admin role or API key).
struct BroadcastRequest
{
    QString content;
    QJsonObject data;
};

// A notification (seed 002 shape) to one user, or to everyone when toUserId is 0 (admin).
struct NotifyRequest
{
    qint64 toUserId = 0;
    QString notificationType;
    QString title;
    QString message;
    QJsonObject data;
    QString link;
    QString priority;
    QString toExternalId = {}; // the recipient by a backend's own id (toUserId 0 until mapped)
};

// room_create (create = true) and room_update: unset fields keep their default / value.
struct RoomSettingsRequest
{
    bool create = true;
    QString roomId;
    std::optional<QString> name;
    std::optional<QString> description;
    std::optional<bool> isPrivate;
    std::optional<QString> postPolicy; // members | owners | admins
    std::optional<int> maxMembers;
    std::optional<bool> announceMembership;
};

// room_join, room_leave, room_delete, room_get.
struct RoomActionRequest
{
    enum class Action { Join, Leave, Delete, Get };
    Action action = Action::Get;
    QString roomId;
};

struct RoomInviteRequest
{
    QString roomId;
    qint64 userId = 0;
    QString userExternalId = {}; // the user by a backend's own id (userId 0 until mapped)
};

struct RoomListRequest
{
};

// A message to a room's members (seed 003's `room_message` maps onto it).
struct RoomSendRequest
{
    QString roomId;
    QString content;
    QJsonObject data;
    QString idempotencyKey;
};

// Seed 002: {type: "presence", status: online|away|busy|offline, data}.
struct PresenceRequest
{
    QString status;
    QJsonObject data;
};

// Status of some users: listed ids, or the members of one room.
struct PresenceQueryRequest
{
    QList<qint64> userIds;
    QString roomId;
    // Entries of userIds given by a backend's own id (0 there until mapped), by position.
    QHash<qsizetype, QString> externalIds = {};
};

// Seed 002: {type: "typing", is_typing, context}; context "room:<id>" or "user:<id>" (or the
// fields room_id / to).
struct TypingRequest
{
    QString roomId; // set for a room
    qint64 toUserId = 0; // set for a direct conversation
    bool isTyping = true;
    QString toExternalId = {}; // the other user by a backend's own id (toUserId 0 until mapped)
};

// A page of stored history: a room's, the direct conversation with one user, or (neither
// given) the caller's whole inbox. With `after`: the oldest page above it; otherwise the newest
// page below `before` (or the newest of all).
struct HistoryRequest
{
    QString roomId;
    qint64 withUserId = 0;
    std::optional<qint64> before;
    std::optional<qint64> after;
    int limit = 50;
    QString withExternalId = {}; // the other user by a backend's own id (withUserId 0 until mapped)
};

// The operator feed (admins only): a snapshot, then live events and stats every interval.
struct AdminSubscribeRequest
{
    int statsIntervalMs = 1000;
    int feed = 1; // 2: events in admin_events batches, the snapshot in pages
};

struct AdminUnsubscribeRequest
{
};

using ClientMessage
    = std::variant<AuthRequest, RefreshRequest, PingRequest, SendRequest, BroadcastRequest,
                   NotifyRequest, RoomSettingsRequest, RoomActionRequest, RoomInviteRequest,
                   RoomListRequest, RoomSendRequest, PresenceRequest, PresenceQueryRequest,
                   TypingRequest, HistoryRequest, AdminSubscribeRequest, AdminUnsubscribeRequest>;

// A decoded frame: the message and the client's correlation id (any JSON scalar, echoed back).
struct DecodedFrame
{
    QJsonValue id;
    ClientMessage message;
};

struct DecodeError
{
    ErrorCode code;
    QString message;
    QJsonValue id;
};

} // namespace Switchboard::Protocol
