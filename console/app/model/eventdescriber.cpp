// SPDX-License-Identifier: MIT
#include "eventdescriber.h"

#include "jsonfields.h"
#include "servererror.h"
#include "usersmodel.h"

namespace Switchboard::Console {

namespace {
bool is(const QString &s, const char *word)
{
    return s == QLatin1StringView(word);
}
} // namespace

EventDescriber::Category EventDescriber::category(const QJsonObject &event)
{
    const QString e = Json::str(event, "event");
    if (is(e, "connection_opened") || is(e, "connection_closed"))
        return Category::Connection;
    if (is(e, "user_status") || is(e, "user_disabled"))
        return Category::Presence;
    if (e.startsWith(QLatin1StringView("room_")))
        return Category::Room;
    if (is(e, "broadcast"))
        return Category::Broadcast;
    if (is(e, "error_sent"))
        return Category::Error;
    if (is(e, "operator_action"))
        return event.value(QLatin1StringView("ok")).toBool() ? Category::Operator : Category::Error;
    return Category::Session;
}

QString EventDescriber::categoryName(Category category)
{
    switch (category) {
    case Category::Session:
        return tr("Session");
    case Category::Connection:
        return tr("Connection");
    case Category::Presence:
        return tr("Presence");
    case Category::Room:
        return tr("Room");
    case Category::Broadcast:
        return tr("Broadcast");
    case Category::Error:
        return tr("Error");
    case Category::Operator:
        return tr("Operator");
    }
    return {};
}

// "alice (#7)", or "#7" when the name is unknown.
QString EventDescriber::who(const QJsonObject &event)
{
    const qint64 id = Json::id(event, "user_id");
    QString name = Json::str(event, "name");
    if (name.isEmpty())
        name = Json::str(event, "_name");
    return name.isEmpty() ? QStringLiteral("#%1").arg(id)
                          : QStringLiteral("%1 (#%2)").arg(name).arg(id);
}

QString EventDescriber::describe(const QJsonObject &event)
{
    const QString e = Json::str(event, "event");
    if (is(e, "connection_opened")) {
        const QJsonObject c = event.value(QLatin1StringView("connection")).toObject();
        return tr("%1 connected from %2 with %3 (connection %4)")
            .arg(who(event), Json::str(c, "address"), Json::str(c, "client"),
                 Json::str(c, "connection_id"));
    }
    if (is(e, "connection_closed")) {
        const QString reason = Json::str(event, "reason");
        return tr("Connection %1 of %2 closed (code %3%4)")
            .arg(Json::str(event, "connection_id"), who(event), Json::str(event, "code"),
                 reason.isEmpty() ? QString() : QStringLiteral(": ") + reason);
    }
    if (is(e, "user_status"))
        return tr("%1 is now %2")
            .arg(who(event), UsersModel::statusText(Json::str(event, "status")));
    if (is(e, "user_disabled"))
        return tr("Account %1 was disabled").arg(who(event));
    if (is(e, "room_created"))
        return tr("Room %1 created")
            .arg(Json::str(event.value(QLatin1StringView("room")).toObject(), "room_id"));
    if (is(e, "room_updated"))
        return tr("Room %1 updated")
            .arg(Json::str(event.value(QLatin1StringView("room")).toObject(), "room_id"));
    if (is(e, "room_deleted"))
        return tr("Room %1 deleted").arg(Json::str(event, "room_id"));
    if (is(e, "room_member")) {
        return event.value(QLatin1StringView("joined")).toBool()
            ? tr("%1 joined room %2").arg(who(event), Json::str(event, "room_id"))
            : tr("%1 left room %2").arg(who(event), Json::str(event, "room_id"));
    }
    if (is(e, "broadcast")) {
        const QString kind = is(Json::str(event, "kind"), "notification") ? tr("notification")
                                                                          : tr("system message");
        const QString target = Json::str(event, "target");
        const int n = int(Json::num(event, "recipients"));
        if (is(target, "room"))
            return tr("Broadcast %1 to room %2 reached %n recipient(s)", nullptr, n)
                .arg(kind, Json::str(event, "room_id"));
        if (is(target, "user"))
            return tr("Broadcast %1 to user #%2 reached %n recipient(s)", nullptr, n)
                .arg(kind, Json::str(event, "user_id"));
        return tr("Broadcast %1 to everyone reached %n recipient(s)", nullptr, n).arg(kind);
    }
    if (is(e, "error_sent"))
        return tr("Error %1 sent to %2 (connection %3)")
            .arg(Json::str(event, "code"), who(event), Json::str(event, "connection_id"));
    if (is(e, "operator_action"))
        return describeOperator(event);
    if (is(e, "session"))
        return describeSession(event);
    return Json::compact(event);
}

QString EventDescriber::describeOperator(const QJsonObject &event)
{
    // Whole sentences per action and target kind: a translation can order the words itself,
    // and no English piece ("room", "user") ends up inside a Chinese sentence.
    const QString action = Json::str(event, "action");
    const QString kind = Json::str(event, "target_kind");
    const QString target = Json::str(event, "target");
    QString what;
    if (is(action, "message"))
        what = tr("Message to %1").arg(target);
    else if (is(action, "disconnect") && is(kind, "connection"))
        what = tr("Close connection %1").arg(target);
    else if (is(action, "disconnect"))
        what = tr("Disconnect %1").arg(target);
    else if (is(action, "disable"))
        what = tr("Disable account %1").arg(target);
    else if (is(action, "enable"))
        what = tr("Enable account %1").arg(target);
    else if (is(action, "room_create"))
        what = tr("Create room %1").arg(target);
    else if (is(action, "room_update"))
        what = tr("Change room %1").arg(target);
    else if (is(action, "room_delete"))
        what = tr("Delete room %1").arg(target);
    else if (is(action, "broadcast") && is(kind, "room"))
        what = tr("Broadcast to room %1").arg(target);
    else if (is(action, "broadcast") && is(kind, "user"))
        what = tr("Broadcast to user %1").arg(target);
    else if (is(action, "broadcast"))
        what = tr("Broadcast to everyone");
    else
        what = action;
    if (event.value(QLatin1StringView("ok")).toBool())
        return tr("%1: done").arg(what);
    return tr("%1: failed (%2)")
        .arg(what, ServerError::text(Json::str(event, "error_code"), Json::str(event, "error")));
}

QString EventDescriber::describeSession(const QJsonObject &event)
{
    const QString state = Json::str(event, "state");
    if (is(state, "connected"))
        return tr("Connected to %1 as %2")
            .arg(Json::str(event, "server"), Json::str(event, "name"));
    if (is(state, "disconnected"))
        return tr("Disconnected (code %1)").arg(Json::str(event, "code"));
    if (is(state, "reconnecting"))
        return tr("Reconnecting in %1 s (attempt %2)")
            .arg(double(Json::num(event, "delay_ms")) / 1000.0, 0, 'f', 1)
            .arg(Json::num(event, "attempt"));
    if (is(state, "failed"))
        return tr("Connection failed: %1").arg(Json::str(event, "message"));
    return state;
}

} // namespace Switchboard::Console
