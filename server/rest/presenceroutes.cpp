// SPDX-License-Identifier: MIT
#include "restapi.h"

#include "config/config.h"
#include "hub/hub.h"
#include "hub/messageservice.h"
#include "hub/presenceservice.h"
#include "hub/roomservice.h"
#include "protocol/codec.h"
#include "protocol/events.h"
#include "store/asyncstore.h"

#include <QJsonArray>

namespace Switchboard::RestApi {

using Protocol::ErrorCode;

namespace {

// Who asks, for the presence rule: a user as itself, the API key as the server (sees all).
Sender viewerOf(const RestRequest &request)
{
    Sender viewer;
    if (request.principal.kind == Principal::Kind::User) {
        viewer.userId = request.principal.claims.userId;
        viewer.username = request.principal.claims.username;
    }
    viewer.admin = request.principal.isAdmin();
    return viewer;
}

// Whether the caller may see who is online (names, ids), not only how many: admins and the
// API key, everyone with public_online_list.
bool mayListOnline(const RestServices *s, const RestRequest &request)
{
    return request.principal.isAdmin() || s->config->publicOnlineList;
}

// The online users the caller may name: all of them for admins (or with public_online_list),
// otherwise the presence rule's audience (itself and the users it shares a room with), so the
// list and presence queries never disagree.
// Every node's (DeliveryBus::onlineUsers).
QList<OnlineUser> visibleOnline(const RestServices *s, const RestRequest &request, int limit)
{
    if (mayListOnline(s, request))
        return s->bus->onlineUsers(limit);
    const Sender viewer = viewerOf(request);
    QList<OnlineUser> visible;
    for (const OnlineUser &u : s->bus->onlineUsers(s->bus->onlineCount())) {
        if (visible.size() >= limit)
            break;
        if (s->rooms->presenceVisible(viewer, u.userId))
            visible.append(u);
    }
    return visible;
}

// Presence of users as PresenceService describes it, each shown by its external id where it
// has one.
void describeShown(RestServices *s, const RestRequest &request, const QList<qint64> &ids,
                   std::function<void(QJsonArray)> then)
{
    s->presence->describe(
        viewerOf(request), ids, s->hub, [s, then = std::move(then)](QJsonArray users) {
            const QString field = QStringLiteral("user_id");
            showUsers(s, userIdsIn(users, field), [users, field, then](const UserNames &names) {
                then(names.shownIn(users, field));
            });
        });
}

} // namespace

void addPresenceRoutes(Router &router, RestServices *s)
{
    // Seed 002 GET /api/v1/online?limit=, seed 000 GET /ws/online, seed 003 /ws/users/online.
    // Users get the count and only the users presence lets them see, unless
    // public_online_list (issue 12).
    router.add("GET",
               {QStringLiteral("/api/v1/online"), QStringLiteral("/api/v1/users/online"),
                QStringLiteral("/ws/online"), QStringLiteral("/ws/users/online")},
               Access::User, [s](const RestRequest &request, const ReplyPtr &reply) {
                   qint64 limit = 0;
                   if (!intParam(request, QStringLiteral("limit"), 100, 10000, &limit, reply))
                       return;
                   const QList<OnlineUser> online = visibleOnline(s, request, int(limit));
                   QList<qint64> ids;
                   for (const OnlineUser &u : online)
                       ids.append(u.userId);
                   const int count = s->bus->onlineCount();
                   // Connections on every node (several nodes: from Redis).
                   s->bus->connectionCounts(
                       ids, s->hub, [s, reply, online, ids, count](QHash<qint64, int> counts) {
                           QJsonArray users;
                           for (const OnlineUser &u : online)
                               users.append(QJsonObject {
                                   {QStringLiteral("user_id"), u.userId},
                                   {QStringLiteral("username"), u.username},
                                   {QStringLiteral("status"), s->presence->statusOf(u.userId)},
                                   {QStringLiteral("connections_count"),
                                    std::max(1, counts.value(u.userId, u.connections))},
                                   {QStringLiteral("online_since"), u.onlineSince}});
                           showUsers(s, ids, [reply, users, count](const UserNames &names) {
                               reply->json(200,
                                           {{QStringLiteral("count"), count},
                                            {QStringLiteral("users"),
                                             names.shownIn(users, QStringLiteral("user_id"))}});
                           });
                       });
               });

    // Users and connections on every node (connections: the nodes' last heartbeats).
    router.add("GET", {QStringLiteral("/api/v1/online/count")}, Access::User,
               [s](const RestRequest &, const ReplyPtr &reply) {
                   const int count = s->bus->onlineCount();
                   s->bus->nodes(s->hub, [s, reply, count](const QJsonArray &nodes) {
                       qint64 connections = 0;
                       for (const QJsonValue &n : nodes) {
                           const QJsonObject o = n.toObject();
                           if (o.value(QStringLiteral("alive")).toBool())
                               connections += o.value(QStringLiteral("connections")).toInteger();
                       }
                       // This node's own count is current; the others' up to a heartbeat old.
                       connections = std::max<qint64>(connections, s->hub->connectionCount());
                       reply->json(200,
                                   {{QStringLiteral("count"), count},
                                    {QStringLiteral("connections"), connections}});
                   });
               });

    // Seed 004: GET /api/ws/status -> {online_count, online_users}.
    router.add("GET", {QStringLiteral("/api/ws/status")}, Access::User,
               [s](const RestRequest &request, const ReplyPtr &reply) {
                   QList<qint64> ids;
                   for (const OnlineUser &u : visibleOnline(s, request, 10000))
                       ids.append(u.userId);
                   const int count = s->bus->onlineCount();
                   showUsers(s, ids, [reply, ids, count](const UserNames &names) {
                       QJsonArray shown;
                       for (const qint64 id : ids)
                           shown.append(names.shown(id));
                       reply->json(200,
                                   {{QStringLiteral("online_count"), count},
                                    {QStringLiteral("online_users"), shown}});
                   });
               });

    // Seed 002: GET /api/v1/status/{user_id} -> {online, last_seen, connections_count}.
    router.add("GET",
               {QStringLiteral("/api/v1/status/{user_id}"),
                QStringLiteral("/api/v1/users/{user_id}/status")},
               Access::User, [s](const RestRequest &request, const ReplyPtr &reply) {
                   withUser(s, request.params.value(0), QStringLiteral("user_id"), false, reply,
                            [s, request, reply](const ExternalIds::Lookup &user) {
                                describeShown(s, request, {user.userId}, [reply](QJsonArray users) {
                                    reply->json(200, users.first().toObject());
                                });
                            });
               });

    // Presence of listed users (?user_ids=1,2,3) or of a room's members (?room_id=).
    router.add(
        "GET", {QStringLiteral("/api/v1/presence")}, Access::User,
        [s](const RestRequest &request, const ReplyPtr &reply) {
            const auto answer = [reply](QJsonArray users) {
                reply->json(
                    200,
                    {{QStringLiteral("users"), users}, {QStringLiteral("count"), users.size()}});
            };
            const QString roomId = request.query.queryItemValue(QStringLiteral("room_id"));
            if (!roomId.isEmpty()) {
                if (!s->rooms->canSee(roomId, viewerOf(request))) {
                    reply->error(ErrorCode::NotFound, QStringLiteral("no room '%1'").arg(roomId));
                    return;
                }
                QList<qint64> ids;
                for (const RoomMember &m : s->rooms->members(roomId))
                    ids << m.userId;
                describeShown(s, request, ids, answer);
                return;
            }
            // Ids or external ids, comma-separated (an external id with a comma cannot be
            // listed here; /api/v1/status/{user_id} takes it).
            QList<QJsonValue> users;
            const QStringList parts = request.query.queryItemValue(QStringLiteral("user_ids"))
                                          .split(QLatin1Char(','), Qt::SkipEmptyParts);
            for (const QString &p : parts)
                users << QJsonValue(p.trimmed());
            if (users.isEmpty() || users.size() > 500) {
                reply->error(ErrorCode::ValidationError,
                             QStringLiteral("give 'user_ids' (1-500 ids) or 'room_id'"));
                return;
            }
            withUsers(s, users, QStringLiteral("user_ids"), reply,
                      [s, request, answer](QList<qint64> ids) {
                          describeShown(s, request, ids, answer);
                      });
        });
}

} // namespace Switchboard::RestApi
