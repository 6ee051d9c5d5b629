// SPDX-License-Identifier: MIT
#include "restapi.h"

#include "auth/accountcache.h"
#include "auth/passwordpool.h"
#include "hub/adminfeed.h"
#include "hub/hub.h"
#include "protocol/protocol.h"
#include "store/asyncstore.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace Switchboard::RestApi {

using Protocol::ErrorCode;

namespace {

QJsonObject userJson(const UserRecord &u, const DeliveryBus &bus)
{
    return {{QStringLiteral("user_id"), u.id},
            {QStringLiteral("username"), u.username},
            {QStringLiteral("name"), u.username},
            {QStringLiteral("role"), u.admin ? QStringLiteral("admin") : QStringLiteral("user")},
            {QStringLiteral("disabled"), u.disabled},
            {QStringLiteral("created_at"), u.createdAt},
            {QStringLiteral("last_seen"), u.lastSeen ? QJsonValue(u.lastSeen) : QJsonValue()},
            {QStringLiteral("online"), bus.isOnline(u.id)}};
}

} // namespace

void changeAccount(RestServices *s, const ReplyPtr &reply, qint64 id,
                   std::function<bool(Store &)> job, const QString &closeReason,
                   std::function<void(int closed)> changed)
{
    s->store->run<bool>(
        s->hub, std::move(job),
        [s, reply, id, closeReason, changed = std::move(changed)](std::optional<bool> found,
                                                                  QString error) {
            if (!found) {
                reply->storeError(error);
                return;
            }
            if (!*found) {
                reply->error(ErrorCode::NotFound, QStringLiteral("no user %1").arg(id));
                return;
            }
            s->bus->publishAccountChange(id); // every node forgets its cached state
            if (closeReason.isEmpty()) {
                changed(0);
                return;
            }
            // On every node; the count once they answered.
            s->bus->closeUser(id, Protocol::CloseCode::FORBIDDEN, closeReason, s->hub,
                              [changed](int closed, bool) { changed(closed); });
        });
}

bool validUsername(const QString &name)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9_.@-]{1,64}$"));
    return re.match(name).hasMatch();
}

void addUserRoutes(Router &router, RestServices *s)
{
    router.add(
        "GET", {QStringLiteral("/api/v1/users")}, Access::Admin,
        [s](const RestRequest &request, const ReplyPtr &reply) {
            qint64 limit = 0, offset = 0;
            if (!intParam(request, QStringLiteral("limit"), 1000, 10000, &limit, reply)
                || !intParam(request, QStringLiteral("offset"), 0, std::numeric_limits<int>::max(),
                             &offset, reply))
                return;
            s->store->run<QList<UserRecord>>(
                s->hub, [](Store &store) { return store.users(); },
                [s, reply, limit, offset](std::optional<QList<UserRecord>> users, QString error) {
                    if (!users) {
                        reply->storeError(error);
                        return;
                    }
                    QJsonArray list;
                    for (qsizetype i = offset; i < users->size() && i < offset + limit; ++i)
                        list.append(userJson(users->at(i), *s->bus));
                    reply->json(200,
                                {{QStringLiteral("users"), list},
                                 {QStringLiteral("count"), list.size()},
                                 {QStringLiteral("total"), users->size()}});
                });
        });

    router.add(
        "POST", {QStringLiteral("/api/v1/users")}, Access::Admin,
        [s](const RestRequest &request, const ReplyPtr &reply) {
            QJsonObject body;
            QString error;
            if (!request.jsonBody(&body, &error)) {
                reply->error(ErrorCode::InvalidJson, error);
                return;
            }
            const QString name = body.value(QStringLiteral("username")).toString();
            const QString password = body.value(QStringLiteral("password")).toString();
            if (!validUsername(name)) {
                reply->error(ErrorCode::ValidationError,
                             QStringLiteral("'username' must be 1-64 characters of "
                                            "A-Z a-z 0-9 _ . @ -"));
                return;
            }
            if (password.size() < 8 || password.size() > 1024) {
                reply->error(ErrorCode::ValidationError,
                             QStringLiteral("'password' must be 8-1024 characters"));
                return;
            }
            const bool admin = body.value(QStringLiteral("admin")).toBool(false)
                || body.value(QStringLiteral("role")).toString() == QLatin1StringView("admin");
            // argon2id on the password pool; only the insert is store work.
            const bool queued = s->passwords->hash(
                s->hub, password.toUtf8(), [s, reply, name, admin](QString hash) {
                    if (hash.isEmpty()) {
                        reply->error(ErrorCode::InternalError, QStringLiteral("hashing failed"));
                        return;
                    }
                    s->store->run<std::optional<UserRecord>>(
                        s->hub,
                        [name, hash, admin](Store &store) {
                            return store.createUser(name, hash, admin);
                        },
                        [s, reply, name](std::optional<std::optional<UserRecord>> user,
                                         QString error) {
                            if (!user) {
                                reply->storeError(error);
                            } else if (!*user) {
                                reply->error(ErrorCode::Conflict,
                                             QStringLiteral("user '%1' exists").arg(name));
                            } else {
                                s->bus->publishAccountChange((*user)->id);
                                reply->json(201, userJson(**user, *s->bus));
                            }
                        });
                });
            if (!queued)
                reply->retryLater(ErrorCode::Unavailable,
                                  QStringLiteral("too many password operations in "
                                                 "progress; try again shortly"),
                                  1000);
        });

    // Disabling also closes the user's live connections (4003).
    router.add(
        "POST",
        {QStringLiteral("/api/v1/users/{id}/disable"), QStringLiteral("/api/v1/users/{id}/enable")},
        Access::Admin, [s](const RestRequest &request, const ReplyPtr &reply) {
            bool ok = false;
            const qint64 id = request.params.value(0).toLongLong(&ok);
            if (!ok || id <= 0) {
                reply->error(ErrorCode::ValidationError,
                             QStringLiteral("the user id must be a positive integer"));
                return;
            }
            const bool disable = request.path.endsWith(QLatin1StringView("/disable"))
                || request.path.endsWith(QLatin1StringView("/disable/"));
            changeAccount(
                s, reply, id,
                [id, disable](Store &store) { return store.setDisabled(id, disable); },
                disable ? QStringLiteral("account disabled") : QString(),
                [s, reply, id, disable](int closed) {
                    if (disable && s->admin)
                        s->admin->userDisabled(id);
                    reply->json(200,
                                {{QStringLiteral("user_id"), id},
                                 {QStringLiteral("disabled"), disable},
                                 {QStringLiteral("connections_closed"), closed}});
                });
        });
}

} // namespace Switchboard::RestApi
