// SPDX-License-Identifier: MIT
// Operator actions: live connections (list, close), disconnecting a user, audience sizes,
// broadcasts to everyone / a room / a user, minting tokens for the console, server info.
#include "restapi.h"

#include "auth/tokenservice.h"
#include "config/config.h"
#include "hub/adminfeed.h"
#include "hub/endpoint.h"
#include "hub/hub.h"
#include "hub/messageservice.h"
#include "hub/roomservice.h"
#include "protocol/codec.h"
#include "protocol/events.h"
#include "protocol/protocol.h"
#include "store/asyncstore.h"

#include <QJsonArray>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcAdmin)

namespace Switchboard::RestApi {

using namespace Protocol;

namespace {

constexpr qint64 MAX_TOKEN_TTL_S = 30 * 86400;

// token_max_lifetime bounds minted tokens too.
qint64 mintTtl(const RestServices *s)
{
    const qint64 maxLifetime = s->tokens->settings().maxLifetimeSeconds;
    return maxLifetime > 0 ? qMin(MAX_TOKEN_TTL_S, maxLifetime) : MAX_TOKEN_TTL_S;
}

constexpr int MAX_CLOSE_REASON_BYTES = 123; // RFC 6455: a close frame's reason

// The reason from an optional {reason} body; false (answered) on a malformed body.
bool closeReason(const RestRequest &request, QString *reason, const ReplyPtr &reply)
{
    *reason = QStringLiteral("closed by operator");
    if (request.body.trimmed().isEmpty())
        return true;
    QJsonObject body;
    QString error;
    if (!request.jsonBody(&body, &error)) {
        reply->error(ErrorCode::InvalidJson, error);
        return false;
    }
    const QJsonValue v = body.value(QStringLiteral("reason"));
    if (!v.isUndefined() && !v.isNull() && !v.isString()) {
        reply->error(ErrorCode::ValidationError, QStringLiteral("'reason' must be a string"));
        return false;
    }
    if (!v.toString().isEmpty())
        *reason = v.toString();
    while (reason->toUtf8().size() > MAX_CLOSE_REASON_BYTES)
        reason->chop(1);
    return true;
}

bool positiveId(const QString &text, const char *what, qint64 *out, const ReplyPtr &reply)
{
    bool ok = false;
    *out = text.toLongLong(&ok);
    if (ok && *out > 0)
        return true;
    reply->error(ErrorCode::ValidationError,
                 QStringLiteral("%1 must be a positive integer").arg(QLatin1StringView(what)));
    return false;
}

// Whether the target names an audience: false (answered) if not.
bool validAudience(RestServices *s, const QString &target, const QString &roomId, qint64 userId,
                   const ReplyPtr &reply)
{
    if (target == QLatin1StringView("all"))
        return true;
    if (target == QLatin1StringView("room")) {
        if (validRoomId(roomId) && s->rooms->exists(roomId))
            return true;
        reply->error(ErrorCode::NotFound, QStringLiteral("no room '%1'").arg(roomId.left(64)));
        return false;
    }
    if (target == QLatin1StringView("user")) {
        if (userId > 0)
            return true;
        reply->error(ErrorCode::ValidationError,
                     QStringLiteral("'user_id' must be a positive integer"));
        return false;
    }
    reply->error(ErrorCode::ValidationError, QStringLiteral("'target' must be all, room or user"));
    return false;
}

// Who gets a broadcast to this (valid) target now, on every node: {users, connections}, and
// "incomplete": true when a node did not answer in time (its connections are not counted).
void countAudience(RestServices *s, const QString &target, const QString &roomId, qint64 userId,
                   std::function<void(QJsonObject)> done)
{
    if (target == QLatin1StringView("all")) {
        const int users = s->bus->onlineCount();
        s->bus->connectionTotal(s->hub, [users, done](int connections, bool complete) {
            QJsonObject out {{QStringLiteral("users"), users},
                             {QStringLiteral("connections"), connections}};
            if (!complete)
                out.insert(QStringLiteral("incomplete"), true);
            done(out);
        });
        return;
    }
    QList<qint64> ids;
    if (target == QLatin1StringView("room")) {
        for (const RoomMember &m : s->rooms->members(roomId))
            ids << m.userId;
    } else {
        ids << userId;
    }
    s->bus->connectionCounts(ids, s->hub, [done](const QHash<qint64, int> &counts) {
        int users = 0, connections = 0;
        for (int n : counts) {
            users += n > 0 ? 1 : 0;
            connections += n;
        }
        done({{QStringLiteral("users"), users}, {QStringLiteral("connections"), connections}});
    });
}

// The live notification event, in notifyAll()'s shape, for a room's members.
QByteArray roomNotification(const Sender &sender, const NotifyRequest &n, const QString &roomId)
{
    const QJsonObject body = MessageService::notificationBody(sender, 0, n);
    QJsonObject payload = body;
    for (const char *key : {"from", "from_name", "to", "notification_type"})
        payload.remove(QLatin1StringView(key));
    const qint64 now = Events::nowMs();
    payload.insert(QStringLiteral("type"), body.value(QStringLiteral("notification_type")));
    payload.insert(QStringLiteral("created_at"), now);
    return Events::encode(
        ServerType::NOTIFICATION,
        {{QStringLiteral("notification_type"), body.value(QStringLiteral("notification_type"))},
         {QStringLiteral("data"), payload},
         {QStringLiteral("from"), sender.userId},
         {QStringLiteral("room_id"), roomId}},
        now);
}

// targetedBroadcast() once its user (target `user`) is known: `userId`, shown as `shownUser`.
void targetedBroadcastTo(RestServices *s, const QJsonObject &body, const Sender &sender,
                         const ReplyPtr &reply, qint64 userId, const QJsonValue &shownUser)
{
    const QString target = body.value(QStringLiteral("target")).toString();
    const QString kind = body.value(QStringLiteral("kind")).toString(QStringLiteral("system"));
    if (kind != QLatin1StringView("system") && kind != QLatin1StringView("notification")) {
        reply->error(ErrorCode::ValidationError,
                     QStringLiteral("'kind' must be system or notification"));
        return;
    }
    const QString roomId = body.value(QStringLiteral("room_id")).toString();
    if (!validAudience(s, target, roomId, userId, reply))
        return;
    const QJsonObject data = body.value(QStringLiteral("data")).toObject();
    NotifyRequest n;
    n.title = body.value(QStringLiteral("title")).toString();
    n.message = body.value(QStringLiteral("message")).toString();
    if (n.message.isEmpty())
        n.message = body.value(QStringLiteral("content")).toString();
    n.link = body.value(QStringLiteral("link")).toString();
    n.priority = body.value(QStringLiteral("priority")).toString();
    n.notificationType = body.value(QStringLiteral("notification_type")).toString();
    n.data = data;
    n.toUserId = userId;
    const bool system = kind == QLatin1StringView("system");
    if (n.message.isEmpty() && (system || n.title.isEmpty())) {
        reply->error(ErrorCode::ValidationError,
                     system ? QStringLiteral("a system message needs 'message' (or 'content')")
                            : QStringLiteral("a notification needs 'title' or 'message'"));
        return;
    }
    if (n.title.size() + n.message.size() > s->config->maxContentChars) {
        reply->error(ErrorCode::TooLarge,
                     QStringLiteral("the text is longer than %1 characters")
                         .arg(s->config->maxContentChars));
        return;
    }
    QJsonObject answer {{QStringLiteral("target"), target}, {QStringLiteral("kind"), kind}};
    // recipients: the audience's connections on every node, counted once it is sent.
    const auto answerWith
        = [s, reply, target, roomId, userId, sender, kind](QJsonObject answer, int status) {
              countAudience(s, target, roomId, userId,
                            [s, reply, target, roomId, userId, sender, kind, answer,
                             status](const QJsonObject &audience) mutable {
                                const int recipients
                                    = audience.value(QStringLiteral("connections")).toInt();
                                answer.insert(QStringLiteral("recipients"), recipients);
                                if (audience.contains(QStringLiteral("incomplete")))
                                    answer.insert(QStringLiteral("incomplete"), true);
                                // The message service tells the feed itself of a send to all.
                                if (s->admin && target != QLatin1StringView("all"))
                                    s->admin->broadcast(sender.userId, target, roomId, userId,
                                                        recipients, kind);
                                reply->json(status, answer);
                            });
          };
    if (target == QLatin1StringView("all")) {
        const auto failure = system ? s->messages->systemToAll(n.message, data)
                                    : s->messages->notifyAll(sender, n);
        if (failure) {
            reply->failure(*failure);
            return;
        }
        answerWith(answer, 202);
    } else if (target == QLatin1StringView("room")) {
        QJsonObject fields {{QStringLiteral("content"), n.message},
                            {QStringLiteral("room_id"), roomId}};
        if (!data.isEmpty())
            fields.insert(QStringLiteral("data"), data);
        const QByteArray frame = system ? Events::encode(ServerType::SYSTEM, fields)
                                        : roomNotification(sender, n, roomId);
        if (const auto failure
            = MessageService::sizeFailure(frame.size(), s->messages->maxMessageBytes())) {
            reply->failure(*failure);
            return;
        }
        s->hub->counters().broadcasts++;
        s->bus->publishToRoom(roomId, frame, 0);
        answer.insert(QStringLiteral("room_id"), roomId);
        answerWith(answer, 202);
    } else {
        QJsonObject stored = system ? MessageService::directBody(sender, userId, n.message, data)
                                    : MessageService::notificationBody(sender, userId, n);
        s->messages->sendToUser(
            sender, userId, system ? MessageKind::System : MessageKind::Notification, stored,
            QString(), s->hub,
            [reply, answer, userId, shownUser, answerWith](std::optional<SendOutcome> outcome,
                                                           std::optional<SendFailure> failure) {
                if (failure) {
                    reply->failure(*failure);
                    return;
                }
                QJsonObject a = answer;
                a.insert(QStringLiteral("user_id"), shownUser);
                a.insert(QStringLiteral("message_id"), outcome->messageId);
                a.insert(QStringLiteral("stream"), outcome->stream);
                a.insert(QStringLiteral("seq"), outcome->seq);
                Q_UNUSED(userId);
                answerWith(a, 201);
            });
    }
}

} // namespace

void replyRecipients(RestServices *s, const ReplyPtr &reply, int status)
{
    s->bus->connectionTotal(s->hub, [reply, status](int recipients, bool complete) {
        QJsonObject out {{QStringLiteral("recipients"), recipients}};
        if (!complete)
            out.insert(QStringLiteral("incomplete"), true);
        reply->json(status, out);
    });
}

void targetedBroadcast(RestServices *s, const QJsonObject &body, const Sender &sender,
                       const ReplyPtr &reply)
{
    if (body.value(QStringLiteral("target")).toString() != QLatin1StringView("user")) {
        targetedBroadcastTo(s, body, sender, reply, 0, QJsonValue());
        return;
    }
    withUser(s, body.value(QStringLiteral("user_id")), QStringLiteral("user_id"), false, reply,
             [s, body, sender, reply](const ExternalIds::Lookup &user) {
                 targetedBroadcastTo(s, body, sender, reply, user.userId, user.shown());
             });
}

void addAdminRoutes(Router &router, RestServices *s)
{
    // Every node of the service (one on one node; several nodes: from Redis).
    router.add("GET", {QStringLiteral("/api/v1/nodes")}, Access::Admin,
               [s](const RestRequest &, const ReplyPtr &reply) {
                   s->bus->nodes(s->hub, [reply](QJsonArray nodes) {
                       reply->json(200, {{QStringLiteral("nodes"), nodes}});
                   });
               });
    router.add("GET", {QStringLiteral("/api/v1/server")}, Access::Admin,
               [s](const RestRequest &, const ReplyPtr &reply) {
                   reply->json(200, s->admin->serverJson());
               });

    router.add("GET", {QStringLiteral("/api/v1/connections")}, Access::Admin,
               [s](const RestRequest &, const ReplyPtr &reply) {
                   // Every node's (several nodes: each answers for its own).
                   const QJsonArray here = s->admin->connectionsJson();
                   s->bus->askNodes(
                       QStringLiteral("connections"), {}, s->hub,
                       [reply, here](const QList<NodeAnswer> &answers, bool complete) {
                           QJsonObject out {{QStringLiteral("connections"), here}};
                           if (!answers.isEmpty()) {
                               QList<QJsonObject> all;
                               for (const QJsonValue &v : here)
                                   all << v.toObject();
                               for (const NodeAnswer &a : answers)
                                   for (const QJsonValue &v :
                                        a.answer.value(QStringLiteral("connections")).toArray())
                                       all << v.toObject();
                               // By node, then by connection id within each.
                               std::stable_sort(
                                   all.begin(), all.end(),
                                   [](const QJsonObject &a, const QJsonObject &b) {
                                       return a.value(QStringLiteral("node_id")).toString()
                                           < b.value(QStringLiteral("node_id")).toString();
                                   });
                               QJsonArray list;
                               for (const QJsonObject &o : std::as_const(all))
                                   list.append(o);
                               out.insert(QStringLiteral("connections"), list);
                           }
                           if (!complete)
                               out.insert(QStringLiteral("incomplete"), true);
                           reply->json(200, out);
                       });
               });

    router.add("POST", {QStringLiteral("/api/v1/connections/{id}/close")}, Access::Admin,
               [s](const RestRequest &request, const ReplyPtr &reply) {
                   qint64 id = 0;
                   QString reason;
                   if (!positiveId(request.params.value(0), "the connection id", &id, reply)
                       || !closeReason(request, &reason, reply))
                       return;
                   // Several nodes: ?node_id= names the node the connection is on (its
                   // entry in GET /api/v1/connections of that node); that node closes it.
                   const QString node = request.query.queryItemValue(QStringLiteral("node_id"));
                   if (!node.isEmpty() && node != s->bus->nodeId()) {
                       qCInfo(lcAdmin)
                           << "operator closes connection" << id << "on node" << node << reason;
                       s->bus->closeConnectionOn(
                           node, quint64(id), CloseCode::KICKED, reason, s->hub,
                           [reply, node, id](std::optional<bool> closed) {
                               if (!closed)
                                   reply->error(ErrorCode::Unavailable,
                                                QStringLiteral("node '%1' did not answer within "
                                                               "%2 ms (is it running?)")
                                                    .arg(node.left(255))
                                                    .arg(DeliveryBus::ASK_TIMEOUT_MS));
                               else if (!*closed)
                                   reply->error(ErrorCode::NotFound,
                                                QStringLiteral("no connection %1 on node '%2'")
                                                    .arg(id)
                                                    .arg(node.left(255)));
                               else
                                   reply->json(200,
                                               {{QStringLiteral("closed"), 1},
                                                {QStringLiteral("node_id"), node}});
                           });
                       return;
                   }
                   const Endpoint *session = s->hub->sessions().value(quint64(id));
                   if (!session) {
                       reply->error(ErrorCode::NotFound,
                                    QStringLiteral("no connection %1").arg(id));
                       return;
                   }
                   qCInfo(lcAdmin) << "operator closes connection" << id << "of user"
                                   << session->userId() << reason;
                   s->bus->closeConnection(quint64(id), CloseCode::KICKED, reason);
                   reply->json(200, {{QStringLiteral("closed"), 1}});
               });

    router.add(
        "POST", {QStringLiteral("/api/v1/users/{id}/disconnect")}, Access::Admin,
        [s](const RestRequest &request, const ReplyPtr &reply) {
            QString reason;
            if (!closeReason(request, &reason, reply))
                return;
            withUser(s, request.params.value(0), QStringLiteral("user_id"), false, reply,
                     [s, reply, reason](const ExternalIds::Lookup &user) {
                         qCInfo(lcAdmin)
                             << "operator disconnects user" << user.userId << "from"
                             << s->hub->connectionsOf(user.userId) << "connections:" << reason;
                         s->bus->closeUser(user.userId, CloseCode::KICKED, reason, s->hub,
                                           [reply](int closed, bool complete) {
                                               QJsonObject out {{QStringLiteral("closed"), closed}};
                                               if (!complete)
                                                   out.insert(QStringLiteral("incomplete"), true);
                                               reply->json(200, out);
                                           });
                     });
        });

    router.add("GET", {QStringLiteral("/api/v1/audience")}, Access::Admin,
               [s](const RestRequest &request, const ReplyPtr &reply) {
                   const QUrlQuery &q = request.query;
                   const QString target = q.hasQueryItem(QStringLiteral("target"))
                       ? q.queryItemValue(QStringLiteral("target"))
                       : QStringLiteral("all");
                   const QString roomId = q.queryItemValue(QStringLiteral("room_id"));
                   const auto answer = [s, reply, target, roomId](qint64 userId) {
                       if (validAudience(s, target, roomId, userId, reply))
                           countAudience(
                               s, target, roomId, userId,
                               [reply](const QJsonObject &out) { reply->json(200, out); });
                   };
                   if (target != QLatin1StringView("user")) {
                       answer(0);
                       return;
                   }
                   withUser(s, q.queryItemValue(QStringLiteral("user_id")),
                            QStringLiteral("user_id"), false, reply,
                            [answer](const ExternalIds::Lookup &user) { answer(user.userId); });
               });

    // Mints a token for an existing, enabled user: the console in API-key mode opens its
    // WebSocket with it. Only the API key may do this (an admin token would be an escalation
    // path from one admin to any user).
    router.add(
        "POST", {QStringLiteral("/api/v1/tokens")}, Access::Admin,
        [s](const RestRequest &request, const ReplyPtr &reply) {
            if (request.principal.kind != Principal::Kind::ApiKey) {
                reply->error(ErrorCode::Forbidden,
                             QStringLiteral("minting tokens needs the API key"));
                return;
            }
            QJsonObject body;
            QString error;
            if (!request.jsonBody(&body, &error)) {
                reply->error(ErrorCode::InvalidJson, error);
                return;
            }
            const qint64 userId = userIdFromJson(body.value(QStringLiteral("user_id")));
            const QString username = body.value(QStringLiteral("username")).toString();
            if (userId <= 0 && username.isEmpty()) {
                reply->error(ErrorCode::ValidationError,
                             QStringLiteral("give 'user_id' (positive integer) or "
                                            "'username'"));
                return;
            }
            qint64 ttl = s->tokens->settings().ttlSeconds;
            const QJsonValue ttlValue = body.value(QStringLiteral("ttl_s"));
            if (!ttlValue.isUndefined() && !ttlValue.isNull()) {
                const double d = ttlValue.toDouble(-1);
                if (!ttlValue.isDouble() || d < 60 || d > mintTtl(s) || d != double(qint64(d))) {
                    reply->error(
                        ErrorCode::ValidationError,
                        QStringLiteral("'ttl_s' must be an integer from 60 to %1").arg(mintTtl(s)));
                    return;
                }
                ttl = qint64(d);
            }
            if (!s->tokens->canIssue()) {
                reply->error(ErrorCode::Unavailable,
                             QStringLiteral("this server verifies tokens but cannot issue "
                                            "them (no private key configured)"));
                return;
            }
            s->store->run<std::optional<UserRecord>>(
                s->hub,
                [userId, username](Store &store) {
                    return userId > 0 ? store.userById(userId) : store.userByName(username);
                },
                [s, reply, ttl](std::optional<std::optional<UserRecord>> user, QString error) {
                    if (!user) {
                        reply->storeError(error);
                        return;
                    }
                    if (!*user) {
                        reply->error(ErrorCode::NotFound, QStringLiteral("no such user"));
                        return;
                    }
                    const UserRecord &u = **user;
                    if (u.disabled) {
                        reply->error(ErrorCode::Forbidden,
                                     QStringLiteral("user %1 is disabled").arg(u.id));
                        return;
                    }
                    const qint64 now = Events::nowMs() / 1000;
                    TokenClaims claims;
                    claims.userId = u.id;
                    claims.username = u.username;
                    claims.admin = u.admin;
                    claims.expiresAt = now + ttl;
                    qCInfo(lcAdmin) << "API key minted a token for user" << u.id;
                    reply->json(201,
                                {{QStringLiteral("token"),
                                  QString::fromLatin1(s->tokens->issue(claims, now))},
                                 {QStringLiteral("user_id"), u.id},
                                 {QStringLiteral("name"), u.username},
                                 {QStringLiteral("role"),
                                  u.admin ? QStringLiteral("admin") : QStringLiteral("user")},
                                 {QStringLiteral("expires_at"), claims.expiresAt}});
                });
        });
}

} // namespace Switchboard::RestApi
