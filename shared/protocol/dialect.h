// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <optional>

#include <QByteArray>
#include <QJsonObject>
#include <QLatin1StringView>
#include <QString>
#include <QStringView>
#include <QUrlQuery>

// Dialects: the shapes in which the five seed systems' own clients expect server events
// (docs/PROTOCOL.md, "Dialects"). The server builds every event in the canonical shape; a
// connection in a seed's dialect gets each one re-encoded into that seed's shape. Events a seed
// has no word for keep their canonical type inside the seed's envelope; the fields a client
// needs to resume and deduplicate (`id`, `message_id`, `stream`, `seq`) stay at the top level.
namespace Switchboard::Protocol {

enum class Dialect : quint8 { Canonical, Seed000, Seed001, Seed002, Seed003, Seed004 };
constexpr int DIALECT_COUNT = 6;

// "canonical", "000" ... "004" (the `?dialect=` values and the default_dialect setting).
std::optional<Dialect> parseDialect(QStringView name);
QLatin1StringView dialectName(Dialect dialect);

// The dialect of a WebSocket upgrade: the endpoint's (/ws: `defaultDialect`, /api/v1/ws: 002,
// /ws/connect: 003, /api/ws/connect: 004) unless `?dialect=` names another. An unknown
// `?dialect=` value gives nullopt and the reason in *error.
std::optional<Dialect> dialectForRequest(QStringView path, const QUrlQuery &query,
                                         Dialect defaultDialect, QString *error = nullptr);

// The dialect of a REST reply: seed 003's on its own paths (`/ws/rooms...`, `/ws/messages`,
// `/ws/users/online`) unless `?dialect=` names another; `?dialect=` on any other path (only
// 003 has a REST envelope: the others answer canonically); canonical otherwise. An unknown
// `?dialect=` value gives nullopt and the reason in *error.
std::optional<Dialect> restDialectForRequest(QStringView path, const QUrlQuery &query,
                                             QString *error = nullptr);

// The room a connection on seed 003's endpoint (/ws/connect) joins when neither `?room_id=` nor
// the connect_room setting names one, as the seed's server does; empty for other paths.
QString connectRoomForPath(QStringView path);

// How the seed dialects show a user: by the external id it signed in with (a backend's own id,
// "user123") when it has one, else by its number (an empty string). Canonical keeps numbers.
using UserIdNames = std::function<QString(qint64 userId)>;

namespace Dialects {

// The canonical event (a server frame: `type`, `ts` and its fields) in the dialect's shape;
// nullopt when the canonical object is already that shape (always for Dialect::Canonical).
// With `names`, the user ids of the event (`from`, `to`, `user_id`, the `connected` user) of
// users with an external id are shown by it.
std::optional<QJsonObject> convert(Dialect dialect, const QJsonObject &event,
                                   const UserIdNames &names = {});

// Whether a connection in this dialect gets events of this canonical type: all but
// `user_status` in 000, whose connections hear of connects and disconnects through seed 000's
// own announcements (`user_joined` / `user_left` to everyone, bounded: Announcements).
bool carries(Dialect dialect, QStringView type);

// The encoded canonical frame in the dialect's shape; the frame itself when nothing changes
// (or when it is not a JSON object, which the server never sends); an empty, non-null
// QByteArray when the dialect does not carry the event (the connection does not get it).
QByteArray encode(Dialect dialect, const QByteArray &canonicalFrame, const UserIdNames &names = {});

// A REST reply's body (canonical: the object, or {"error": {code, message}} for an error
// status) in the dialect's envelope: seed 003's `{"success": true, "data": {...}}` with its
// words inside (rooms with `id`, `client_count`, `message_count`, `total`; online users as
// `online_users`; stats with `rooms` by id), and `{"success": false, "error": "<message>",
// "error_code": "<CODE>"}`. Every other dialect: the body unchanged.
QJsonObject restReply(Dialect dialect, int status, const QJsonObject &canonical);

} // namespace Dialects

} // namespace Switchboard::Protocol
