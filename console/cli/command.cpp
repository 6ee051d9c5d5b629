// SPDX-License-Identifier: MIT
#include "command.h"

#include "protocol/codec.h"

#include <QJsonDocument>
#include <QUuid>

namespace Switchboard::Cli {

namespace {

using Result = std::variant<Command, QString>;

// Splits off the first word: returns it and leaves the rest (trimmed) in *rest.
QString takeWord(QString *rest)
{
    const QString s = rest->trimmed();
    const qsizetype space = s.indexOf(QLatin1Char(' '));
    const QString word = space < 0 ? s : s.left(space);
    *rest = space < 0 ? QString() : s.mid(space + 1).trimmed();
    return word;
}

QString newKey()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

// A user given as 7, #7 or @name / name: numeric ids go straight into the frame.
bool putUser(Command *c, const QString &who, const QString &field, const QString &prefix = {})
{
    QString w = who;
    if (w.startsWith(QLatin1Char('@')) || w.startsWith(QLatin1Char('#')))
        w.remove(0, 1);
    if (w.isEmpty())
        return false;
    bool numeric = false;
    const qint64 id = w.toLongLong(&numeric);
    if (numeric && id > 0) {
        if (prefix.isEmpty())
            c->frame.insert(field, id);
        else
            c->frame.insert(field, prefix + QString::number(id));
    } else {
        c->userName = w;
    }
    c->userField = field;
    c->userPrefix = prefix;
    return true;
}

Command frameCommand(const QString &name, QJsonObject frame, bool retryable)
{
    Command c;
    c.kind = Command::Kind::Frame;
    c.name = name;
    c.frame = std::move(frame);
    c.retryable = retryable;
    return c;
}

Result parseNotification(QString rest)
{
    // notification [@USER] [title=T] [type=T] [priority=P] [link=URL] MESSAGE
    // Values with spaces are quoted: title="Build failed".
    Command c = frameCommand(QStringLiteral("notification"),
                             {{QStringLiteral("type"), QStringLiteral("notify")}}, false);
    rest = rest.trimmed();
    if (rest.startsWith(QLatin1Char('@')) || rest.startsWith(QLatin1Char('#'))) {
        if (!putUser(&c, takeWord(&rest), QStringLiteral("to")))
            return QStringLiteral("notification: a user after '@'");
    }
    static const QHash<QString, QString> keys {
        {QStringLiteral("title"), QStringLiteral("title")},
        {QStringLiteral("type"), QStringLiteral("notification_type")},
        {QStringLiteral("priority"), QStringLiteral("priority")},
        {QStringLiteral("link"), QStringLiteral("link")}};
    forever
    {
        const qsizetype eq = rest.indexOf(QLatin1Char('='));
        const qsizetype space = rest.indexOf(QLatin1Char(' '));
        if (eq <= 0 || (space >= 0 && space < eq) || !keys.contains(rest.left(eq)))
            break;
        const QString key = rest.left(eq);
        QString value;
        if (rest.mid(eq + 1).startsWith(QLatin1Char('"'))) {
            const qsizetype close = rest.indexOf(QLatin1Char('"'), eq + 2);
            if (close < 0)
                return QStringLiteral("notification: unterminated quote after %1=").arg(key);
            value = rest.mid(eq + 2, close - eq - 2);
            rest = rest.mid(close + 1).trimmed();
        } else {
            rest = rest.mid(eq + 1);
            value = takeWord(&rest);
        }
        c.frame.insert(keys.value(key), value);
    }
    if (!rest.isEmpty())
        c.frame.insert(QStringLiteral("message"), rest);
    if (!c.frame.contains(QLatin1StringView("message"))
        && !c.frame.contains(QLatin1StringView("title")))
        return QStringLiteral("usage: notification [@USER] [title=T] [type=T] [priority=P] "
                              "[link=URL] MESSAGE");
    return c;
}

Result parseHistory(QString rest)
{
    // history ROOM | @USER | inbox [before=N] [after=N] [limit=N]
    Command c = frameCommand(QStringLiteral("history"),
                             {{QStringLiteral("type"), QStringLiteral("history")}}, true);
    const QString target = takeWord(&rest);
    if (target.isEmpty())
        return QStringLiteral("usage: history ROOM|@USER|inbox [before=N] [after=N] [limit=N]");
    if (target.startsWith(QLatin1Char('@')))
        putUser(&c, target, QStringLiteral("with"));
    else if (target != QLatin1StringView("inbox"))
        c.frame.insert(QStringLiteral("room_id"), target);
    while (!rest.isEmpty()) {
        const QString word = takeWord(&rest);
        const qsizetype eq = word.indexOf(QLatin1Char('='));
        const QString key = word.left(eq);
        bool ok = false;
        const qint64 value = word.mid(eq + 1).toLongLong(&ok);
        if (eq <= 0 || !ok
            || (key != QLatin1StringView("before") && key != QLatin1StringView("after")
                && key != QLatin1StringView("limit")))
            return QStringLiteral("history: '%1' is not before=N, after=N or limit=N").arg(word);
        c.frame.insert(key, value);
    }
    return c;
}

Result parseTyping(QString rest)
{
    // typing ROOM|@USER [off]
    Command c;
    c.kind = Command::Kind::Quiet;
    c.name = QStringLiteral("typing");
    c.frame = {{QStringLiteral("type"), QStringLiteral("typing")}};
    const QString target = takeWord(&rest);
    const QString flag = takeWord(&rest);
    if (target.isEmpty() || !rest.isEmpty()
        || (!flag.isEmpty() && flag != QLatin1StringView("off") && flag != QLatin1StringView("on")))
        return QStringLiteral("usage: typing ROOM|@USER [off]");
    c.frame.insert(QStringLiteral("is_typing"), flag != QLatin1StringView("off"));
    if (target.startsWith(QLatin1Char('@')))
        putUser(&c, target, QStringLiteral("context"), QStringLiteral("user:"));
    else
        c.frame.insert(QStringLiteral("context"), QStringLiteral("room:") + target);
    return c;
}

} // namespace

Result parseCommand(const QString &line)
{
    QString rest = line.trimmed();
    if (rest.isEmpty() || rest.startsWith(QLatin1Char('#')))
        return Command {};
    const QString word = takeWord(&rest);
    const QString name = word.toLower();
    const auto need = [&](bool ok, const char *usage) -> std::optional<QString> {
        if (ok)
            return std::nullopt;
        return QStringLiteral("usage: %1").arg(QLatin1StringView(usage));
    };
    if (name == QLatin1StringView("help") || name == QLatin1StringView("?")) {
        Command c;
        c.kind = Command::Kind::Help;
        c.name = name;
        return c;
    }
    if (name == QLatin1StringView("quit") || name == QLatin1StringView("exit")) {
        Command c;
        c.kind = Command::Kind::Quit;
        c.name = name;
        return c;
    }
    if (name == QLatin1StringView("ping"))
        return frameCommand(name, {{QStringLiteral("type"), QStringLiteral("ping")}}, true);
    if (name == QLatin1StringView("text")) {
        // Seed 000's `text`: without a recipient the server maps it to a broadcast.
        if (auto e = need(!rest.isEmpty(), "text MESSAGE"))
            return *e;
        return frameCommand(name,
                            {{QStringLiteral("type"), QStringLiteral("broadcast")},
                             {QStringLiteral("content"), rest}},
                            false);
    }
    if (name == QLatin1StringView("dm") || name == QLatin1StringView("msg")) {
        const QString who = takeWord(&rest);
        if (auto e = need(!who.isEmpty() && !rest.isEmpty(), "dm USER MESSAGE"))
            return *e;
        Command c = frameCommand(QStringLiteral("dm"),
                                 {{QStringLiteral("type"), QStringLiteral("send")},
                                  {QStringLiteral("content"), rest},
                                  {QStringLiteral("idempotency_key"), newKey()}},
                                 true);
        if (!putUser(&c, who, QStringLiteral("to")))
            return QStringLiteral("usage: dm USER MESSAGE");
        return c;
    }
    if (name == QLatin1StringView("join") || name == QLatin1StringView("leave")) {
        const QString room = takeWord(&rest);
        if (auto e = need(Protocol::validRoomId(room) && rest.isEmpty(),
                          name == QLatin1StringView("join") ? "join ROOM" : "leave ROOM"))
            return *e;
        return frameCommand(name,
                            {{QStringLiteral("type"), QStringLiteral("room_") + name},
                             {QStringLiteral("room_id"), room}},
                            false);
    }
    if (name == QLatin1StringView("rooms"))
        return frameCommand(name, {{QStringLiteral("type"), QStringLiteral("room_list")}}, true);
    if (name == QLatin1StringView("say")) {
        const QString room = takeWord(&rest);
        if (auto e = need(!room.isEmpty() && !rest.isEmpty(), "say ROOM MESSAGE"))
            return *e;
        return frameCommand(name,
                            {{QStringLiteral("type"), QStringLiteral("room_send")},
                             {QStringLiteral("room_id"), room},
                             {QStringLiteral("content"), rest},
                             {QStringLiteral("idempotency_key"), newKey()}},
                            true);
    }
    if (name == QLatin1StringView("presence")) {
        const QString status = takeWord(&rest);
        if (auto e = need(Protocol::validPresenceStatus(status),
                          "presence online|away|busy|offline [NOTE]"))
            return *e;
        QJsonObject frame {{QStringLiteral("type"), QStringLiteral("presence")},
                           {QStringLiteral("status"), status}};
        if (!rest.isEmpty())
            frame.insert(QStringLiteral("data"), QJsonObject {{QStringLiteral("note"), rest}});
        return frameCommand(name, frame, true);
    }
    if (name == QLatin1StringView("notification") || name == QLatin1StringView("notify"))
        return parseNotification(rest);
    if (name == QLatin1StringView("typing"))
        return parseTyping(rest);
    if (name == QLatin1StringView("history"))
        return parseHistory(rest);
    if (name == QLatin1StringView("json")) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(rest.toUtf8(), &error);
        if (!doc.isObject())
            return QStringLiteral("json: not a JSON object (%1)")
                .arg(rest.isEmpty() ? QStringLiteral("empty") : error.errorString());
        Command c;
        c.kind = Command::Kind::Raw;
        c.name = name;
        c.frame = doc.object();
        c.raw = rest;
        return c;
    }
    return QStringLiteral("unknown command '%1' (try: help)").arg(word);
}

QStringList splitScript(const QString &script)
{
    QStringList out;
    QString current;
    for (qsizetype i = 0; i < script.size(); ++i) {
        const QChar ch = script.at(i);
        if (ch == QLatin1Char('\\') && i + 1 < script.size()
            && script.at(i + 1) == QLatin1Char(';')) {
            current += QLatin1Char(';');
            ++i;
        } else if (ch == QLatin1Char(';') || ch == QLatin1Char('\n')) {
            out << current;
            current.clear();
        } else {
            current += ch;
        }
    }
    out << current;
    out.removeIf([](const QString &s) { return s.trimmed().isEmpty(); });
    return out;
}

QString helpText()
{
    return QStringLiteral(
        "Commands (USER is a numeric id or a user name, ROOM a room id):\n"
        "  text MESSAGE              broadcast to everyone (admins, or allow_user_broadcast)\n"
        "  dm USER MESSAGE           a direct message (stored, acknowledged)\n"
        "  join ROOM | leave ROOM    join or leave a room\n"
        "  rooms                     list the rooms you can see\n"
        "  say ROOM MESSAGE          post to a room\n"
        "  ping                      application ping; prints the round-trip time\n"
        "  notification [@USER] [title=T] [type=T] [priority=P] [link=URL] MESSAGE\n"
        "                            a notification to USER, or to everyone (admins)\n"
        "  presence online|away|busy|offline [NOTE]\n"
        "  typing ROOM|@USER [off]   typing indicator on (or off)\n"
        "  history ROOM|@USER|inbox [before=N] [after=N] [limit=N]\n"
        "  json {...}                send any frame as typed\n"
        "  help                      this text\n"
        "  quit                      leave (also Ctrl-D)");
}

} // namespace Switchboard::Cli
