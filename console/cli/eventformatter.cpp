// SPDX-License-Identifier: MIT
#include "eventformatter.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

namespace Switchboard::Cli {

namespace {

QString s(const QJsonObject &o, const char *key)
{
    const QJsonValue v = o.value(QLatin1StringView(key));
    if (v.isDouble())
        return QString::number(v.toInteger());
    return v.toString();
}

qint64 n(const QJsonObject &o, const char *key)
{
    const QJsonValue v = o.value(QLatin1StringView(key));
    return v.isString() ? v.toString().toLongLong() : v.toInteger();
}

// "1 member", "3 members".
QString counted(qint64 count, const QString &noun)
{
    return QStringLiteral("%1 %2%3").arg(count).arg(noun,
                                                    count == 1 ? QString() : QStringLiteral("s"));
}

// The text of a message: its content, or its data as compact JSON.
QString body(const QJsonObject &e)
{
    const QString content = s(e, "content");
    const QJsonObject data = e.value(QLatin1StringView("data")).toObject();
    if (!data.isEmpty()) {
        const QString json = QString::fromUtf8(QJsonDocument(data).toJson(QJsonDocument::Compact));
        return content.isEmpty() ? json : content + QStringLiteral("  ") + json;
    }
    return content;
}

QString roomLine(const QJsonObject &room)
{
    QString line = QStringLiteral("  #%1").arg(s(room, "room_id"));
    if (!s(room, "name").isEmpty() && s(room, "name") != s(room, "room_id"))
        line += QStringLiteral(" (%1)").arg(s(room, "name"));
    line += QStringLiteral("  ") + counted(n(room, "members"), QStringLiteral("member"));
    // The server sends the online count only to members and admins (it is presence).
    if (room.contains(QLatin1StringView("online_members")))
        line += QStringLiteral(", %1 online").arg(n(room, "online_members"));
    line += QStringLiteral(", ") + counted(n(room, "messages"), QStringLiteral("message"));
    if (room.value(QLatin1StringView("private")).toBool())
        line += QStringLiteral(", private");
    if (s(room, "post_policy") != QLatin1StringView("members") && !s(room, "post_policy").isEmpty())
        line += QStringLiteral(", posts: %1").arg(s(room, "post_policy"));
    if (!s(room, "role").isEmpty())
        line += QStringLiteral(", you: %1").arg(s(room, "role"));
    return line;
}

} // namespace

void EventFormatter::setSelf(qint64 userId, const QString &name)
{
    m_self = userId;
    remember(userId, name);
}

void EventFormatter::remember(qint64 id, const QString &name)
{
    if (id <= 0 || name.isEmpty())
        return;
    m_names.insert(id, name);
    m_ids.insert(name.toLower(), id);
}

void EventFormatter::learn(const QJsonObject &e)
{
    remember(n(e, "from"), s(e, "from_name"));
    remember(n(e, "user_id"), s(e, "username"));
    const QJsonArray users = e.value(QLatin1StringView("users")).toArray();
    for (const QJsonValue &u : users)
        remember(n(u.toObject(), "user_id"), s(u.toObject(), "username"));
}

QString EventFormatter::who(qint64 id, const QString &name) const
{
    if (id == 0 && name.isEmpty())
        return QStringLiteral("server");
    const QString known = name.isEmpty() ? m_names.value(id) : name;
    const QString me = id == m_self ? QStringLiteral(" (me)") : QString();
    return known.isEmpty() ? QStringLiteral("#%1%2").arg(id).arg(me)
                           : QStringLiteral("%1#%2%3").arg(known).arg(id).arg(me);
}

QString EventFormatter::time(const QJsonObject &e)
{
    qint64 ms = n(e, "created_at");
    if (ms <= 0)
        ms = n(e, "ts");
    const QDateTime t = ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms) : QDateTime::currentDateTime();
    return t.toString(QStringLiteral("HH:mm:ss"));
}

QString EventFormatter::message(const QJsonObject &e, bool withTime) const
{
    const QString type = s(e, "type");
    const QString t = withTime ? QStringLiteral("[%1] ").arg(time(e)) : QString();
    const QString seq = e.contains(QLatin1StringView("seq"))
        ? QStringLiteral("  (%1#%2)").arg(s(e, "stream")).arg(n(e, "seq"))
        : QString();
    if (type == QLatin1StringView("message")) {
        return QStringLiteral("%1%2 -> %3: %4%5")
            .arg(t, who(n(e, "from"), s(e, "from_name")), who(n(e, "to")), body(e), seq);
    }
    if (type == QLatin1StringView("room_message")) {
        return QStringLiteral("%1#%2 %3: %4%5")
            .arg(t, s(e, "room_id"), who(n(e, "from"), s(e, "from_name")), body(e), seq);
    }
    if (type == QLatin1StringView("notification")) {
        const QJsonObject d = e.value(QLatin1StringView("data")).toObject();
        QString line = QStringLiteral("%1! notification").arg(t);
        if (!s(e, "notification_type").isEmpty())
            line += QStringLiteral(" [%1]").arg(s(e, "notification_type"));
        line += QStringLiteral(" from %1: ").arg(who(n(e, "from")));
        if (!s(d, "title").isEmpty())
            line += s(d, "title") + (s(d, "message").isEmpty() ? QString() : QStringLiteral(" - "));
        line += s(d, "message");
        if (!s(d, "priority").isEmpty())
            line += QStringLiteral(" (priority %1)").arg(s(d, "priority"));
        if (!s(d, "link").isEmpty())
            line += QStringLiteral(" <%1>").arg(s(d, "link"));
        return line + seq;
    }
    if (type == QLatin1StringView("system"))
        return QStringLiteral("%1* system: %2%3").arg(t, body(e), seq);
    if (type == QLatin1StringView("broadcast")) {
        return QStringLiteral("%1* broadcast from %2: %3")
            .arg(t, who(n(e, "from"), s(e, "from_name")), body(e));
    }
    return QString();
}

QString EventFormatter::format(const QJsonObject &e) const
{
    const QString type = s(e, "type");
    const QString t = QStringLiteral("[%1] ").arg(time(e));
    if (const QString m = message(e); !m.isEmpty())
        return m;
    const QString user = who(n(e, "user_id"), s(e, "username"));
    if (type == QLatin1StringView("user_status")) {
        return QStringLiteral("%1~ %2 is %3").arg(t, user, s(e, "status"));
    }
    if (type == QLatin1StringView("presence")) {
        QString line = QStringLiteral("%1~ %2 is %3").arg(t, user, s(e, "status"));
        const QJsonObject data = e.value(QLatin1StringView("data")).toObject();
        if (!data.isEmpty())
            line += QLatin1Char(' ')
                + QString::fromUtf8(QJsonDocument(data).toJson(QJsonDocument::Compact));
        return line;
    }
    if (type == QLatin1StringView("typing")) {
        const QString where = e.contains(QLatin1StringView("room_id"))
            ? QStringLiteral(" in #%1").arg(s(e, "room_id"))
            : QStringLiteral(" to you");
        return e.value(QLatin1StringView("is_typing")).toBool(true)
            ? QStringLiteral("%1... %2 is typing%3").arg(t, user, where)
            : QStringLiteral("%1... %2 stopped typing%3").arg(t, user, where);
    }
    if (type == QLatin1StringView("user_joined") || type == QLatin1StringView("user_left")) {
        return QStringLiteral("%1#%2: %3 %4 (%5)")
            .arg(t, s(e, "room_id"), user,
                 type == QLatin1StringView("user_joined") ? QStringLiteral("joined")
                                                          : QStringLiteral("left"),
                 counted(n(e, "members"), QStringLiteral("member")));
    }
    if (type == QLatin1StringView("room_joined") || type == QLatin1StringView("room_left")) {
        const QJsonObject room = e.value(QLatin1StringView("room")).toObject();
        return QStringLiteral("%1%2 #%3 (%4)")
            .arg(t,
                 type == QLatin1StringView("room_joined") ? QStringLiteral("joined")
                                                          : QStringLiteral("left"),
                 s(e, "room_id"), counted(n(room, "members"), QStringLiteral("member")));
    }
    if (type == QLatin1StringView("room_deleted"))
        return QStringLiteral("%1#%2 was deleted").arg(t, s(e, "room_id"));
    if (type == QLatin1StringView("room_invited")) {
        return QStringLiteral("%1%2 invited you to #%3").arg(t, who(n(e, "by")), s(e, "room_id"));
    }
    if (type == QLatin1StringView("rooms")) {
        const QJsonArray rooms = e.value(QLatin1StringView("rooms")).toArray();
        QStringList lines {QStringLiteral("%1 rooms:").arg(rooms.size())};
        for (const QJsonValue &r : rooms)
            lines << roomLine(r.toObject());
        return lines.join(QLatin1Char('\n'));
    }
    if (type == QLatin1StringView("room"))
        return QStringLiteral("room:\n") + roomLine(e.value(QLatin1StringView("room")).toObject());
    if (type == QLatin1StringView("history")) {
        const QJsonArray messages = e.value(QLatin1StringView("messages")).toArray();
        QStringList lines {QStringLiteral("history of %1: %2 messages%3")
                               .arg(s(e, "stream"))
                               .arg(messages.size())
                               .arg(e.value(QLatin1StringView("has_more")).toBool()
                                        ? QStringLiteral(" (more before)")
                                        : QString())};
        for (const QJsonValue &m : messages)
            lines << QStringLiteral("  ") + message(m.toObject());
        return lines.join(QLatin1Char('\n'));
    }
    if (type == QLatin1StringView("presence_list")) {
        QStringList lines {QStringLiteral("presence:")};
        for (const QJsonValue &u : e.value(QLatin1StringView("users")).toArray()) {
            const QJsonObject o = u.toObject();
            lines << QStringLiteral("  %1 %2 (%3 connections)")
                         .arg(who(n(o, "user_id")), s(o, "status"))
                         .arg(n(o, "connections_count"));
        }
        return lines.join(QLatin1Char('\n'));
    }
    if (type == QLatin1StringView("error")) {
        return QStringLiteral("%1error %2: %3%4")
            .arg(t, s(e, "code"), s(e, "message"),
                 s(e, "id").isEmpty() ? QString()
                                      : QStringLiteral(" (command %1)").arg(s(e, "id")));
    }
    if (type == QLatin1StringView("token_expiring"))
        return QStringLiteral("%1token expires at %2")
            .arg(t)
            .arg(QDateTime::fromSecsSinceEpoch(n(e, "expires_at")).toString(Qt::ISODate));
    if (type == QLatin1StringView("room_message") || type == QLatin1StringView("pong")
        || type == QLatin1StringView("ack") || type == QLatin1StringView("connected")
        || type == QLatin1StringView("sync_complete"))
        return QString(); // the session prints these with their context
    return t + QString::fromUtf8(QJsonDocument(e).toJson(QJsonDocument::Compact));
}

} // namespace Switchboard::Cli
