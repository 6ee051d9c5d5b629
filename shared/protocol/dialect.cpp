// SPDX-License-Identifier: MIT
#include "dialect.h"

#include "events.h"
#include "protocol.h"

#include <initializer_list>

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

namespace Switchboard::Protocol {

namespace {

using L = QLatin1StringView;

constexpr L NAMES[DIALECT_COUNT]
    = {L("canonical"), L("000"), L("001"), L("002"), L("003"), L("004")};

// What a client needs to resume and to deduplicate: kept at the top level in every dialect.
constexpr L RESUME_FIELDS[] = {L("id"), L("message_id"), L("stream"), L("seq")};

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

QJsonObject without(QJsonObject o, std::initializer_list<L> keys)
{
    for (L key : keys)
        o.remove(key);
    return o;
}

void copy(QJsonObject &to, const QJsonObject &from, L key, L as = L())
{
    const QJsonValue v = from.value(key);
    if (!v.isUndefined() && !v.isNull())
        to.insert(as.isEmpty() ? key : as, v);
}

void copyResumeFields(QJsonObject &to, const QJsonObject &from)
{
    for (L key : RESUME_FIELDS)
        copy(to, from, key);
}

// Seed 004's ids are strings ("user123"); ours are numbers there as anywhere else.
QJsonValue idString(const QJsonValue &v)
{
    if (v.isDouble())
        return QString::number(v.toInteger());
    return v.isString() ? v : QJsonValue(QString());
}

bool isChat(const QString &type)
{
    return type == ServerType::MESSAGE || type == ServerType::ROOM_MESSAGE
        || type == ServerType::BROADCAST;
}

// A notification's text: its message, or its title when it has none.
QJsonValue notificationText(const QJsonObject &payload)
{
    const QString message = payload.value(L("message")).toString();
    return message.isEmpty() ? payload.value(L("title")).toString() : message;
}

// Seed 000 (Momentum): {id, message_type, data, timestamp, from_user_id}.
QJsonObject to000(const QJsonObject &e, const QString &type, qint64 ts)
{
    QString messageType = type;
    QJsonValue from = e.value(L("from"));
    QJsonObject data;
    if (isChat(type) || type == ServerType::SYSTEM) {
        messageType = type == ServerType::SYSTEM ? QStringLiteral("system_message")
                                                 : QStringLiteral("text");
        data = without(
            e, {L("type"), L("ts"), L("from"), L("id"), L("message_id"), L("stream"), L("seq")});
        if (!data.contains(L("content")))
            data.insert(L("content"), QString());
    } else if (type == ServerType::NOTIFICATION) {
        // The seed's notifications carry their text in data.content.
        data = e.value(L("data")).toObject();
        if (!data.contains(L("content")))
            data.insert(L("content"), notificationText(data));
        copy(data, e, L("notification_type"));
    } else if (type == ServerType::USER_JOINED || type == ServerType::USER_LEFT) {
        data = without(e, {L("type"), L("ts")});
        from = e.value(L("user_id"));
    } else {
        data = without(e, {L("type"), L("ts"), L("id"), L("message_id"), L("stream"), L("seq")});
    }
    QJsonObject out {
        {L("message_type"), messageType}, {L("data"), data}, {L("timestamp"), isoTime(ts)}};
    if (!from.isUndefined() && !from.isNull())
        out.insert(L("from_user_id"), from);
    copyResumeFields(out, e);
    // The seed's `id` is the message's own: a stored message's id when no reply id is echoed.
    if (!out.contains(L("id")))
        copy(out, e, L("message_id"), L("id"));
    return out;
}

// Seed 001 (Go push): {type: private|group, id, from_user_id, to_user_id|group_id, content,
// created_at (seconds)}; its other events are flat like ours and stay as they are.
std::optional<QJsonObject> to001(const QJsonObject &e, const QString &type)
{
    const bool direct = type == ServerType::MESSAGE;
    if (!direct && type != ServerType::ROOM_MESSAGE)
        return std::nullopt;
    QJsonObject out {{L("type"), direct ? QStringLiteral("private") : QStringLiteral("group")},
                     {L("id"), e.value(L("message_id"))},
                     {L("from_user_id"), e.value(L("from"))},
                     {L("content"), e.value(L("content")).toString()},
                     {L("created_at"), e.value(L("created_at")).toInteger() / 1000}};
    if (direct)
        copy(out, e, L("to"), L("to_user_id"));
    else
        copy(out, e, L("room_id"), L("group_id"));
    copy(out, e, L("from_name"));
    copy(out, e, L("data"));
    copy(out, e, L("message_id"));
    copy(out, e, L("stream"));
    copy(out, e, L("seq"));
    return out;
}

// Seed 002 (FastAPI): {type, data: {...}, timestamp}.
QJsonObject to002(const QJsonObject &e, const QString &type, qint64 ts)
{
    QJsonObject out {{L("type"), type}, {L("timestamp"), isoTime(ts)}};
    if (type == ServerType::CONNECTED) {
        QJsonObject data = e.value(L("data")).toObject();
        const QJsonObject user = e.value(L("user")).toObject();
        data.insert(L("message"),
                    QStringLiteral("welcome, %1!").arg(user.value(L("name")).toString()));
        data.insert(L("username"), user.value(L("name")));
        for (L key : {L("user"), L("connection_id"), L("protocol"), L("online_count"),
                      L("heartbeat_interval_ms"), L("expires_at"), L("limits")})
            copy(data, e, key);
        out.insert(L("data"), data);
    } else if (isChat(type)) {
        out.insert(L("type"), QStringLiteral("chat"));
        QJsonObject data {{L("from_user_id"), e.value(L("from"))},
                          {L("from_username"), e.value(L("from_name")).toString()},
                          {L("message"), e.value(L("content")).toString()}};
        const qint64 created = e.value(L("created_at")).toInteger();
        data.insert(L("timestamp"), isoTime(created > 0 ? created : ts));
        copy(data, e, L("to"), L("to_user_id"));
        copy(data, e, L("room_id"));
        copy(data, e, L("kind"));
        copy(data, e, L("data"));
        out.insert(L("data"), data);
    } else if (type == ServerType::NOTIFICATION) {
        copy(out, e, L("notification_type"));
        copy(out, e, L("from"));
        out.insert(L("data"), e.value(L("data")).toObject());
    } else if (type == ServerType::ERROR) {
        copy(out, e, L("code"), L("error_code"));
        copy(out, e, L("message"));
        copy(out, e, L("retry_after_ms"));
    } else if (type == ServerType::PONG) {
        // {type: pong, timestamp} as the seed prints it.
    } else {
        QJsonObject data
            = without(e, {L("type"), L("ts"), L("id"), L("message_id"), L("stream"), L("seq")});
        if (type == ServerType::USER_STATUS)
            data.insert(L("timestamp"), isoTime(ts));
        out.insert(L("data"), data);
    }
    copyResumeFields(out, e);
    return out;
}

// A room in seed 003's words: `id`, `client_count` (online members, where the viewer may see
// them) and `message_count`, beside ours.
QJsonObject room003(QJsonObject room)
{
    copy(room, room, L("room_id"), L("id"));
    copy(room, room, L("online_members"), L("client_count"));
    copy(room, room, L("messages"), L("message_count"));
    return room;
}

// Seed 003 (Gorilla): {type, from, to, room_id, content, data, timestamp}.
QJsonObject to003(const QJsonObject &e, const QString &type, qint64 ts)
{
    if (type == ServerType::CONNECTED) {
        QJsonObject out {{L("type"), QStringLiteral("welcome")},
                         {L("content"), QStringLiteral("welcome to the WebSocket service")},
                         {L("timestamp"), isoTime(ts)},
                         {L("data"), without(e, {L("type"), L("ts")})}};
        copy(out, e, L("ts"));
        return out;
    }
    QJsonObject out = e;
    out.insert(L("timestamp"), isoTime(ts));
    if (type == ServerType::MESSAGE)
        out.insert(L("type"), QStringLiteral("private_message"));
    if (isChat(type) && !out.contains(L("content")))
        out.insert(L("content"), QString());
    if (out.value(L("room")).isObject())
        out.insert(L("room"), room003(out.value(L("room")).toObject()));
    if (type == ServerType::ROOMS) {
        QJsonArray rooms;
        for (const QJsonValue &room : e.value(L("rooms")).toArray())
            rooms.append(room003(room.toObject()));
        out.insert(L("rooms"), rooms);
        copy(out, e, L("count"), L("total"));
    }
    return out;
}

// Seed 004 (Gin + Melody): {type, from, to, content}; `chat` with an empty `to` is a
// broadcast. Its other events are flat like ours and stay as they are.
std::optional<QJsonObject> to004(const QJsonObject &e, const QString &type)
{
    QJsonObject out;
    if (isChat(type)) {
        out = {{L("type"), QStringLiteral("chat")},
               {L("from"), idString(e.value(L("from")))},
               {L("content"), e.value(L("content")).toString()}};
        if (type == ServerType::MESSAGE)
            out.insert(L("to"), idString(e.value(L("to"))));
        else if (type == ServerType::BROADCAST)
            out.insert(L("to"), QString());
        copy(out, e, L("room_id"));
        copy(out, e, L("from_name"));
        copy(out, e, L("data"));
        copy(out, e, L("created_at"));
    } else if (type == ServerType::NOTIFICATION) {
        const QJsonObject payload = e.value(L("data")).toObject();
        out = {{L("type"), type}, {L("content"), notificationText(payload)}};
        if (e.contains(L("from")))
            out.insert(L("from"), idString(e.value(L("from"))));
        copy(out, payload, L("title"));
        copy(out, e, L("notification_type"));
        out.insert(L("data"), payload);
    } else {
        return std::nullopt;
    }
    copy(out, e, L("ts"));
    copyResumeFields(out, e);
    return out;
}

// A user id field shown by the user's external id when it has one.
bool nameField(QJsonObject &o, L key, const UserIdNames &names)
{
    const QJsonValue v = o.value(key);
    if (!v.isDouble())
        return false;
    const QString name = names(v.toInteger());
    if (name.isEmpty())
        return false;
    o.insert(key, name);
    return true;
}

// The event with the ids of externally identified users as they gave them: the fields that
// name users at the top level, and the user of `connected` (whose `data` is ours too).
QJsonObject withNames(QJsonObject e, const UserIdNames &names, bool *named)
{
    for (L key : {L("from"), L("to"), L("user_id")})
        *named |= nameField(e, key, names);
    if (e.value(L("type")).toString() == ServerType::CONNECTED) {
        QJsonObject user = e.value(L("user")).toObject();
        if (nameField(user, L("id"), names)) {
            e.insert(L("user"), user);
            *named = true;
        }
        QJsonObject data = e.value(L("data")).toObject();
        if (nameField(data, L("user_id"), names)) {
            e.insert(L("data"), data);
            *named = true;
        }
    }
    return e;
}

} // namespace

std::optional<Dialect> parseDialect(QStringView name)
{
    for (int i = 0; i < DIALECT_COUNT; ++i) {
        if (name == NAMES[i])
            return Dialect(i);
    }
    return std::nullopt;
}

QLatin1StringView dialectName(Dialect dialect)
{
    return NAMES[int(dialect)];
}

std::optional<Dialect> dialectForRequest(QStringView path, const QUrlQuery &query,
                                         Dialect defaultDialect, QString *error)
{
    if (query.hasQueryItem(QStringLiteral("dialect"))) {
        const QString value = query.queryItemValue(QStringLiteral("dialect"), QUrl::FullyDecoded);
        const auto chosen = parseDialect(value);
        if (!chosen && error)
            *error = QStringLiteral("unknown dialect '%1' (use canonical, 000, 001, 002, 003 or "
                                    "004)")
                         .arg(value.left(32));
        return chosen;
    }
    if (path == QLatin1StringView("/api/v1/ws"))
        return Dialect::Seed002;
    if (path == QLatin1StringView("/ws/connect"))
        return Dialect::Seed003;
    if (path == QLatin1StringView("/api/ws/connect"))
        return Dialect::Seed004;
    return defaultDialect;
}

std::optional<Dialect> restDialectForRequest(QStringView path, const QUrlQuery &query,
                                             QString *error)
{
    if (query.hasQueryItem(QStringLiteral("dialect")))
        return dialectForRequest(path, query, Dialect::Canonical, error);
    if (path == QLatin1StringView("/ws/rooms") || path.startsWith(QLatin1StringView("/ws/rooms/"))
        || path == QLatin1StringView("/ws/messages")
        || path == QLatin1StringView("/ws/users/online"))
        return Dialect::Seed003;
    return Dialect::Canonical;
}

QString connectRoomForPath(QStringView path)
{
    return path == QLatin1StringView("/ws/connect") ? QStringLiteral("general") : QString();
}

namespace Dialects {

std::optional<QJsonObject> convert(Dialect dialect, const QJsonObject &canonical,
                                   const UserIdNames &names)
{
    if (dialect == Dialect::Canonical)
        return std::nullopt;
    bool named = false;
    const QJsonObject event = names ? withNames(canonical, names, &named) : canonical;
    const QString type = event.value(L("type")).toString();
    const qint64 ts = event.value(L("ts")).toInteger();
    std::optional<QJsonObject> out;
    switch (dialect) {
    case Dialect::Canonical:
        break;
    case Dialect::Seed000:
        out = to000(event, type, ts);
        break;
    case Dialect::Seed001:
        out = to001(event, type);
        break;
    case Dialect::Seed002:
        out = to002(event, type, ts);
        break;
    case Dialect::Seed003:
        out = to003(event, type, ts);
        break;
    case Dialect::Seed004:
        out = to004(event, type);
        break;
    }
    // An event the dialect keeps in our shape still shows the ids as their users gave them.
    if (!out && named)
        out = event;
    return out;
}

bool carries(Dialect dialect, QStringView type)
{
    return dialect != Dialect::Seed000 || type != ServerType::USER_STATUS;
}

QByteArray encode(Dialect dialect, const QByteArray &canonicalFrame, const UserIdNames &names)
{
    if (dialect == Dialect::Canonical)
        return canonicalFrame;
    const QJsonDocument doc = QJsonDocument::fromJson(canonicalFrame);
    if (!doc.isObject())
        return canonicalFrame;
    if (!carries(dialect, doc.object().value(L("type")).toString()))
        return QByteArray(""); // empty, not null: DialectCache keeps it as an answer
    const auto converted = convert(dialect, doc.object(), names);
    return converted ? QJsonDocument(*converted).toJson(QJsonDocument::Compact) : canonicalFrame;
}

namespace {

// A room of a REST reply in seed 003's words; its creation time as the seed shows times.
QJsonObject restRoom003(const QJsonObject &canonical)
{
    QJsonObject room = room003(canonical);
    if (room.value(L("created_at")).isDouble())
        room.insert(L("created_at"), isoTime(qint64(room.value(L("created_at")).toDouble())));
    return room;
}

QJsonObject restData003(QJsonObject data)
{
    if (data.value(L("room_stats")).isArray()) {
        // GET /ws/stats: `rooms` by id, each {name, client_count, message_count}.
        QJsonObject rooms;
        for (const QJsonValue &v : data.value(L("room_stats")).toArray()) {
            const QJsonObject r = v.toObject();
            rooms.insert(r.value(L("room_id")).toString(),
                         QJsonObject {{L("name"), r.value(L("name"))},
                                      {L("client_count"), r.value(L("online_members"))},
                                      {L("message_count"), r.value(L("messages"))}});
        }
        data.insert(L("rooms"), rooms);
    } else if (data.value(L("rooms")).isArray()) {
        // GET /ws/rooms: {rooms: [...], total}.
        QJsonArray rooms;
        for (const QJsonValue &v : data.value(L("rooms")).toArray())
            rooms.append(restRoom003(v.toObject()));
        data.insert(L("rooms"), rooms);
        copy(data, data, L("count"), L("total"));
    } else if (data.value(L("room")).isObject()) {
        data.insert(L("room"), restRoom003(data.value(L("room")).toObject()));
    } else if (data.value(L("users")).isArray() && data.contains(L("count"))) {
        // GET /ws/users/online: `online_users` is the count there (the list stays as `users`).
        copy(data, data, L("count"), L("online_users"));
    }
    if (!data.contains(L("timestamp")))
        data.insert(L("timestamp"), isoTime(Events::nowMs()));
    return data;
}

} // namespace

QJsonObject restReply(Dialect dialect, int status, const QJsonObject &canonical)
{
    if (dialect != Dialect::Seed003)
        return canonical;
    if (status >= 400) {
        const QJsonObject error = canonical.value(L("error")).toObject();
        return QJsonObject {{L("success"), false},
                            {L("error"), error.value(L("message"))},
                            {L("error_code"), error.value(L("code"))}};
    }
    return QJsonObject {{L("success"), true}, {L("data"), restData003(canonical)}};
}

} // namespace Dialects

} // namespace Switchboard::Protocol
