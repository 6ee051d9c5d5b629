// SPDX-License-Identifier: MIT
#include "restapi.h"

#include "hub/hub.h"
#include "protocol/codec.h"
#include "protocol/events.h"
#include "store/asyncstore.h"

#include <QJsonArray>

namespace Switchboard::RestApi {

using Protocol::ErrorCode;

void addPresenceRoutes(Router &router, RestServices *s)
{
    // Seed 002 GET /api/v1/online?limit=, seed 000 GET /ws/online, seed 003 /ws/users/online.
    router.add("GET",
               {QStringLiteral("/api/v1/online"), QStringLiteral("/api/v1/users/online"),
                QStringLiteral("/ws/online"), QStringLiteral("/ws/users/online")},
               Access::User, [s](const RestRequest &request, const ReplyPtr &reply) {
                   qint64 limit = 0;
                   if (!intParam(request, QStringLiteral("limit"), 100, 10000, &limit, reply))
                       return;
                   QJsonArray users;
                   for (const OnlineUser &u : s->hub->onlineUsers(int(limit))) {
                       users.append(QJsonObject{{QStringLiteral("user_id"), u.userId},
                                                {QStringLiteral("username"), u.username},
                                                {QStringLiteral("status"), QStringLiteral("online")},
                                                {QStringLiteral("connections_count"), u.connections},
                                                {QStringLiteral("online_since"), u.onlineSince}});
                   }
                   reply->json(200, {{QStringLiteral("count"), s->hub->userCount()},
                                     {QStringLiteral("users"), users}});
               });

    router.add("GET", {QStringLiteral("/api/v1/online/count")}, Access::User,
               [s](const RestRequest &, const ReplyPtr &reply) {
                   reply->json(200, {{QStringLiteral("count"), s->hub->userCount()},
                                     {QStringLiteral("connections"), s->hub->connectionCount()}});
               });

    // Seed 004: GET /api/ws/status -> {online_count, online_users}.
    router.add("GET", {QStringLiteral("/api/ws/status")}, Access::User,
               [s](const RestRequest &, const ReplyPtr &reply) {
                   QJsonArray ids;
                   for (const OnlineUser &u : s->hub->onlineUsers(10000))
                       ids.append(u.userId);
                   reply->json(200, {{QStringLiteral("online_count"), s->hub->userCount()},
                                     {QStringLiteral("online_users"), ids}});
               });

    // Seed 002: GET /api/v1/status/{user_id} -> {online, last_seen, connections_count}.
    router.add("GET",
               {QStringLiteral("/api/v1/status/{user_id}"),
                QStringLiteral("/api/v1/users/{user_id}/status")},
               Access::User, [s](const RestRequest &request, const ReplyPtr &reply) {
                   bool ok = false;
                   const qint64 id = Protocol::userIdFromJson(request.params.value(0), &ok);
                   if (!ok) {
                       reply->error(ErrorCode::ValidationError,
                                    QStringLiteral("the user id must be a positive integer"));
                       return;
                   }
                   const int connections = s->hub->connectionsOf(id);
                   if (connections > 0) {
                       reply->json(200, {{QStringLiteral("user_id"), id},
                                         {QStringLiteral("online"), true},
                                         {QStringLiteral("status"), QStringLiteral("online")},
                                         {QStringLiteral("last_seen"), Protocol::Events::nowMs()},
                                         {QStringLiteral("connections_count"), connections}});
                       return;
                   }
                   s->store->run<std::optional<UserRecord>>(
                           s->hub, [id](Store &store) { return store.userById(id); },
                           [reply, id](std::optional<std::optional<UserRecord>> user, QString) {
                               const qint64 lastSeen =
                                       user && *user ? (*user)->lastSeen : qint64(0);
                               reply->json(200, {{QStringLiteral("user_id"), id},
                                                 {QStringLiteral("online"), false},
                                                 {QStringLiteral("status"), QStringLiteral("offline")},
                                                 {QStringLiteral("last_seen"),
                                                  lastSeen ? QJsonValue(lastSeen) : QJsonValue()},
                                                 {QStringLiteral("connections_count"), 0}});
                           });
               });
}

} // namespace Switchboard::RestApi
