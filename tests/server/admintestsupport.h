// SPDX-License-Identifier: MIT
#pragma once

// Helpers shared by the operator feed and admin REST tests (tst_admin, tst_adminrest).
#include "testsupport.h"

#include "store/asyncstore.h"

#include <functional>
#include <memory>

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QTest>

namespace Switchboard::Test {

using EventMatch = std::function<bool(const QJsonObject &)>;

// A user id that no test creates in the store: an admin token for it never collides with the
// ids of users the test creates.
constexpr qint64 ADMIN_ID = 100;

// The admin_event frames received so far, in order: alone (feed 1, or feed 2 after a quiet
// interval) or in an admin_events batch (feed 2).
inline QList<QJsonObject> adminEvents(const WsClient &c)
{
    QList<QJsonObject> events;
    for (const QJsonObject &e : c.events()) {
        if (str(e, "type") == QLatin1StringView("admin_event")) {
            events.append(e);
        } else if (str(e, "type") == QLatin1StringView("admin_events")) {
            for (const QJsonValue &v : e.value(QLatin1StringView("events")).toArray())
                events.append(v.toObject());
        }
    }
    return events;
}

// The first admin_event named `event` that matches (waits up to timeoutMs); empty on timeout.
inline QJsonObject waitEvent(WsClient &c, const char *event, const EventMatch &match = {},
                             int timeoutMs = 10000)
{
    QDeadlineTimer deadline(timeoutMs);
    do {
        for (const QJsonObject &e : adminEvents(c)) {
            if (str(e, "event") == QLatin1StringView(event) && (!match || match(e)))
                return e;
        }
        QTest::qWait(5);
    } while (!deadline.hasExpired());
    return {};
}

inline EventMatch forUser(qint64 userId)
{
    return [userId](const QJsonObject &e) { return num(e, "user_id") == userId; };
}

inline QJsonObject findUser(const QJsonArray &users, qint64 userId)
{
    for (const QJsonValue &u : users) {
        if (num(u.toObject(), "user_id") == userId)
            return u.toObject();
    }
    return {};
}

// The type of a reply: the expected one, "error", or "" on timeout.
inline QString replyType(const QJsonObject &reply)
{
    return str(reply, "type");
}

inline QByteArray apiKey(TestServer &server)
{
    return server.config().apiKey.toUtf8();
}

// Creates a user over REST with a usable password (argon2 makes this slow); returns its id.
inline qint64 createUser(TestServer &server, const QString &name, bool admin = false)
{
    const HttpResult r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/users")),
                                  {{QStringLiteral("username"), name},
                                   {QStringLiteral("password"), QStringLiteral("password-123")},
                                   {QStringLiteral("admin"), admin}},
                                  apiKey(server));
    return r.status == 201 ? num(r.json, "user_id") : 0;
}

// Creates a user that never logs in with a password, straight through the server's store.
inline qint64 storeUser(TestServer &server, const QString &name, bool admin = false)
{
    auto id = std::make_shared<qint64>(-1);
    server.app()->store()->run<std::optional<UserRecord>>(
        server.app(),
        [name, admin](Store &store) {
            return store.createUser(name, QStringLiteral("no-password"), admin);
        },
        [id](std::optional<std::optional<UserRecord>> user, QString) {
            *id = user && *user ? (*user)->id : 0;
        });
    QDeadlineTimer deadline(10000);
    while (*id < 0 && !deadline.hasExpired())
        QTest::qWait(5);
    return std::max<qint64>(*id, 0);
}

} // namespace Switchboard::Test
