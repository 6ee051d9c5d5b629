// SPDX-License-Identifier: MIT
#pragma once

#include <QLatin1StringView>
#include <QString>

// Wire constants of protocol v1. Names and numbers are append-only: never change or remove one
// that has shipped; docs/PROTOCOL.md lists them all.
namespace Switchboard::Protocol {

constexpr int VERSION = 1;

// Frame types a client may send (canonical names; codec.cpp maps the seeds' aliases onto them).
namespace ClientType {
constexpr QLatin1StringView AUTH {"auth"};
constexpr QLatin1StringView REFRESH {"refresh"};
constexpr QLatin1StringView PING {"ping"};
constexpr QLatin1StringView SEND {"send"};
constexpr QLatin1StringView BROADCAST {"broadcast"};
constexpr QLatin1StringView NOTIFY {"notify"};
constexpr QLatin1StringView ROOM_CREATE {"room_create"};
constexpr QLatin1StringView ROOM_UPDATE {"room_update"};
constexpr QLatin1StringView ROOM_DELETE {"room_delete"};
constexpr QLatin1StringView ROOM_JOIN {"room_join"};
constexpr QLatin1StringView ROOM_LEAVE {"room_leave"};
constexpr QLatin1StringView ROOM_INVITE {"room_invite"};
constexpr QLatin1StringView ROOM_LIST {"room_list"};
constexpr QLatin1StringView ROOM_GET {"room_get"};
constexpr QLatin1StringView ROOM_SEND {"room_send"};
constexpr QLatin1StringView PRESENCE {"presence"}; // set my status (seed 002)
constexpr QLatin1StringView PRESENCE_QUERY {"presence_query"};
constexpr QLatin1StringView TYPING {"typing"}; // seed 002
constexpr QLatin1StringView HISTORY {"history"}; // a page of stored messages
constexpr QLatin1StringView ADMIN_SUBSCRIBE {"admin_subscribe"}; // operator feed (admins)
constexpr QLatin1StringView ADMIN_UNSUBSCRIBE {"admin_unsubscribe"};
} // namespace ClientType

// Event types the server sends.
namespace ServerType {
constexpr QLatin1StringView CONNECTED {"connected"};
constexpr QLatin1StringView AUTHENTICATED {"authenticated"};
constexpr QLatin1StringView PONG {"pong"};
constexpr QLatin1StringView ACK {"ack"};
constexpr QLatin1StringView MESSAGE {"message"};
constexpr QLatin1StringView BROADCAST {"broadcast"};
constexpr QLatin1StringView NOTIFICATION {"notification"};
constexpr QLatin1StringView SYSTEM {"system"};
constexpr QLatin1StringView USER_STATUS {"user_status"};
constexpr QLatin1StringView TOKEN_EXPIRING {"token_expiring"};
constexpr QLatin1StringView SYNC_COMPLETE {"sync_complete"};
constexpr QLatin1StringView ERROR {"error"};
constexpr QLatin1StringView ROOM_MESSAGE {"room_message"};
constexpr QLatin1StringView USER_JOINED {"user_joined"};
constexpr QLatin1StringView USER_LEFT {"user_left"};
constexpr QLatin1StringView ROOM {
    "room"}; // one room's details (reply to room_get, room_create, ...)
constexpr QLatin1StringView ROOMS {"rooms"}; // reply to room_list
constexpr QLatin1StringView ROOM_JOINED {"room_joined"}; // reply to room_join
constexpr QLatin1StringView ROOM_LEFT {"room_left"}; // reply to room_leave
constexpr QLatin1StringView ROOM_DELETED {"room_deleted"}; // to the members of a deleted room
constexpr QLatin1StringView ROOM_INVITED {"room_invited"}; // to a user invited to a private room
constexpr QLatin1StringView PRESENCE {"presence"}; // a user's status changed
constexpr QLatin1StringView PRESENCE_LIST {"presence_list"}; // reply to presence_query
constexpr QLatin1StringView TYPING {"typing"};
constexpr QLatin1StringView HISTORY {"history"}; // reply to history
constexpr QLatin1StringView ADMIN_SNAPSHOT {"admin_snapshot"}; // reply to admin_subscribe
constexpr QLatin1StringView ADMIN_EVENT {"admin_event"}; // one operator feed event
constexpr QLatin1StringView ADMIN_STATS {"admin_stats"}; // periodic operator statistics
constexpr QLatin1StringView ADMIN_EVENTS {"admin_events"}; // a batch of admin_event (feed 2)
constexpr QLatin1StringView ADMIN_SNAPSHOT_PAGE {
    "admin_snapshot_page"}; // more users of a paged admin_snapshot (feed 2)
} // namespace ServerType

// The `event` names of admin_event frames.
namespace AdminEvent {
constexpr QLatin1StringView CONNECTION_OPENED {"connection_opened"};
constexpr QLatin1StringView CONNECTION_CLOSED {"connection_closed"};
constexpr QLatin1StringView USER_STATUS {"user_status"};
constexpr QLatin1StringView ROOM_CREATED {"room_created"};
constexpr QLatin1StringView ROOM_UPDATED {"room_updated"};
constexpr QLatin1StringView ROOM_DELETED {"room_deleted"};
constexpr QLatin1StringView ROOM_MEMBER {"room_member"};
constexpr QLatin1StringView BROADCAST {"broadcast"};
constexpr QLatin1StringView USER_DISABLED {"user_disabled"};
constexpr QLatin1StringView ERROR_SENT {"error_sent"};
} // namespace AdminEvent

// WebSocket close codes used by the server (RFC 6455 codes plus the 4xxx application range).
namespace CloseCode {
constexpr int NORMAL = 1000;
constexpr int GOING_AWAY = 1001; // server shutting down
constexpr int PROTOCOL_ERROR = 1002;
constexpr int POLICY_VIOLATION = 1008;
constexpr int TOO_BIG = 1009; // frame or message over the configured size
constexpr int TRY_AGAIN_LATER = 1013;
constexpr int UNAUTHORIZED = 4001; // missing/invalid token, or no auth frame in time
constexpr int TOKEN_EXPIRED = 4002; // token expired on a live connection without refresh
constexpr int FORBIDDEN = 4003; // account disabled
constexpr int KICKED = 4004; // disconnected by an operator
constexpr int ADDRESS_REFUSED = 4005; // the client's address is refused by an access rule
constexpr int HEARTBEAT_TIMEOUT = 4008; // no pong within the heartbeat timeout
constexpr int RATE_LIMITED = 4029; // too many frames, or a client that does not read
} // namespace CloseCode

// Streams that hold persisted messages, each with its own monotonic sequence.
inline QString userStream(qint64 userId)
{
    return QStringLiteral("u:") + QString::number(userId);
}
inline QString roomStream(const QString &roomId)
{
    return QStringLiteral("r:") + roomId;
}

} // namespace Switchboard::Protocol
