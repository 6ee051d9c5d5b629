// SPDX-License-Identifier: MIT
// Rooms over REST (docs/API.md, "Rooms"), with seed 003's /ws/rooms and /ws/messages and seed
// 001's /api/v1/groups/{id}/messages as aliases.
#include "restapi.h"

#include "config/config.h"
#include "hub/hub.h"
#include "hub/messageservice.h"
#include "hub/roomservice.h"
#include "protocol/codec.h"
#include "protocol/protocol.h"
#include "store/asyncstore.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace Switchboard::RestApi {

using namespace Protocol;

namespace {

bool parseObject(const RestRequest &request, QJsonObject *body, const ReplyPtr &reply)
{
    if (request.body.trimmed().isEmpty())
        return true; // join / leave / delete need no body
    QString error;
    if (!request.jsonBody(body, &error)) {
        reply->error(ErrorCode::InvalidJson, error);
        return false;
    }
    return true;
}

// A user acts as itself; the API key acts as the server, or as the user named by `user_id`
// (membership calls) / `from_user_id` (posts) when a backend acts for one of its users.
bool actorOf(const RestRequest &request, const QJsonObject &body, const QString &userKey,
             bool userRequired, Sender *actor, const ReplyPtr &reply)
{
    if (request.principal.kind == Principal::Kind::User) {
        actor->userId = request.principal.claims.userId;
        actor->username = request.principal.claims.username;
        actor->admin = request.principal.claims.admin;
        return true;
    }
    actor->admin = true;
    const QJsonValue v = body.value(userKey);
    if (v.isUndefined() || v.isNull()) {
        if (userRequired) {
            reply->error(
                ErrorCode::ValidationError,
                QStringLiteral("with the API key, '%1' names the user to act for").arg(userKey));
            return false;
        }
        return true;
    }
    bool ok = false;
    actor->userId = userIdFromJson(v, &ok);
    if (!ok) {
        reply->error(ErrorCode::ValidationError,
                     QStringLiteral("'%1' must be a positive integer").arg(userKey));
        return false;
    }
    return true;
}

bool roomIdOf(const RestRequest &request, QString *roomId, const ReplyPtr &reply)
{
    *roomId = request.params.value(0);
    if (validRoomId(*roomId))
        return true;
    reply->error(ErrorCode::ValidationError,
                 QStringLiteral("a room id is 1-64 characters of A-Z a-z 0-9 _ -"));
    return false;
}

RoomService::Done replyRoom(const ReplyPtr &reply, int status)
{
    return [reply, status](std::optional<RoomView> view, std::optional<RoomFailure> failure) {
        if (failure) {
            reply->error(failure->code, failure->message);
            return;
        }
        reply->json(status, {{QStringLiteral("room"), RoomService::toJson(*view)}});
    };
}

MessageService::Done replyPosted(const ReplyPtr &reply, const QString &roomId)
{
    return [reply, roomId](std::optional<SendOutcome> outcome, std::optional<SendFailure> failure) {
        if (failure) {
            if (failure->retryAfterMs > 0)
                reply->retryLater(failure->code, failure->message, failure->retryAfterMs);
            else
                reply->error(failure->code, failure->message);
            return;
        }
        reply->json(outcome->duplicate ? 200 : 201,
                    {{QStringLiteral("message_id"), outcome->messageId},
                     {QStringLiteral("room_id"), roomId},
                     {QStringLiteral("stream"), outcome->stream},
                     {QStringLiteral("seq"), outcome->seq},
                     {QStringLiteral("created_at"), outcome->createdAt},
                     {QStringLiteral("duplicate"), outcome->duplicate}});
    };
}

// Validates a room post from a REST body and hands it to the room service.
void postToRoom(RestServices *s, const RestRequest &request, const QJsonObject &body,
                const QString &roomId, const ReplyPtr &reply)
{
    Sender actor;
    if (!actorOf(request, body, QStringLiteral("from_user_id"), false, &actor, reply))
        return;
    RoomSendRequest post;
    post.roomId = roomId;
    const QJsonValue content = body.value(QStringLiteral("content"));
    const QJsonValue data = body.value(QStringLiteral("data"));
    if ((!content.isUndefined() && !content.isNull() && !content.isString())
        || (!data.isUndefined() && !data.isNull() && !data.isObject())) {
        reply->error(ErrorCode::ValidationError,
                     QStringLiteral("'content' must be a string and 'data' an object"));
        return;
    }
    post.content = content.toString();
    post.data = data.toObject();
    post.idempotencyKey = body.value(QStringLiteral("idempotency_key")).toString();
    if (post.content.isEmpty() && post.data.isEmpty()) {
        reply->error(ErrorCode::ValidationError,
                     QStringLiteral("a room message needs 'content' or 'data'"));
        return;
    }
    if (post.content.size() > s->config->maxContentChars) {
        reply->error(
            ErrorCode::TooLarge,
            QStringLiteral("content is longer than %1 characters").arg(s->config->maxContentChars));
        return;
    }
    if (post.idempotencyKey.size() > 128) {
        reply->error(ErrorCode::ValidationError,
                     QStringLiteral("idempotency_key is longer than 128 characters"));
        return;
    }
    s->rooms->post(actor, post, s->hub, replyPosted(reply, roomId));
}

} // namespace

void addRoomRoutes(Router &router, RestServices *s)
{
    router.add("GET", {QStringLiteral("/api/v1/rooms"), QStringLiteral("/ws/rooms")}, Access::User,
               [s](const RestRequest &request, const ReplyPtr &reply) {
                   Sender viewer;
                   actorOf(request, {}, QString(), false, &viewer, reply);
                   QJsonArray rooms;
                   for (const RoomView &v : s->rooms->list(viewer))
                       rooms.append(RoomService::toJson(v));
                   reply->json(
                       200,
                       {{QStringLiteral("rooms"), rooms}, {QStringLiteral("count"), rooms.size()}});
               });

    router.add("POST", {QStringLiteral("/api/v1/rooms"), QStringLiteral("/ws/rooms")}, Access::User,
               [s](const RestRequest &request, const ReplyPtr &reply) {
                   QJsonObject body;
                   Sender actor;
                   if (!parseObject(request, &body, reply)
                       || !actorOf(request, body, QStringLiteral("owner_id"), false, &actor, reply))
                       return;
                   RoomSettingsRequest settings;
                   settings.create = true;
                   const QString error = roomSettingsFromJson(body, &settings);
                   if (!error.isEmpty()) {
                       reply->error(ErrorCode::ValidationError, error);
                       return;
                   }
                   s->rooms->create(actor, settings, s->hub, replyRoom(reply, 201));
               });

    router.add(
        "GET", {QStringLiteral("/api/v1/rooms/{id}"), QStringLiteral("/ws/rooms/{id}")},
        Access::User, [s](const RestRequest &request, const ReplyPtr &reply) {
            QString roomId;
            Sender viewer;
            if (!roomIdOf(request, &roomId, reply))
                return;
            actorOf(request, {}, QString(), false, &viewer, reply);
            const auto view = s->rooms->view(roomId, viewer);
            if (!view || !s->rooms->canSee(roomId, viewer)) {
                reply->error(ErrorCode::NotFound, QStringLiteral("no room '%1'").arg(roomId));
                return;
            }
            reply->json(200,
                        {{QStringLiteral("room"), RoomService::toJson(*view)},
                         {QStringLiteral("members"), s->rooms->membersJson(roomId, viewer)}});
        });

    router.add("PATCH|PUT", {QStringLiteral("/api/v1/rooms/{id}")}, Access::User,
               [s](const RestRequest &request, const ReplyPtr &reply) {
                   QJsonObject body;
                   QString roomId;
                   Sender actor;
                   if (!roomIdOf(request, &roomId, reply) || !parseObject(request, &body, reply)
                       || !actorOf(request, body, QStringLiteral("user_id"), false, &actor, reply))
                       return;
                   body.insert(QStringLiteral("room_id"), roomId);
                   RoomSettingsRequest settings;
                   settings.create = false;
                   const QString error = roomSettingsFromJson(body, &settings);
                   if (!error.isEmpty()) {
                       reply->error(ErrorCode::ValidationError, error);
                       return;
                   }
                   s->rooms->update(actor, settings, s->hub, replyRoom(reply, 200));
               });

    router.add("DELETE", {QStringLiteral("/api/v1/rooms/{id}"), QStringLiteral("/ws/rooms/{id}")},
               Access::User, [s](const RestRequest &request, const ReplyPtr &reply) {
                   QString roomId;
                   Sender actor;
                   if (!roomIdOf(request, &roomId, reply))
                       return;
                   actorOf(request, {}, QString(), false, &actor, reply);
                   s->rooms->remove(actor, roomId, s->hub, replyRoom(reply, 200));
               });

    for (const bool joining : {true, false}) {
        const QString verb = joining ? QStringLiteral("join") : QStringLiteral("leave");
        router.add(
            "POST",
            {QStringLiteral("/api/v1/rooms/{id}/") + verb,
             QStringLiteral("/ws/rooms/{id}/") + verb},
            Access::User, [s, joining](const RestRequest &request, const ReplyPtr &reply) {
                QJsonObject body;
                QString roomId;
                Sender actor;
                if (!roomIdOf(request, &roomId, reply) || !parseObject(request, &body, reply)
                    || !actorOf(request, body, QStringLiteral("user_id"), true, &actor, reply))
                    return;
                if (joining)
                    s->rooms->join(actor, roomId, s->hub, replyRoom(reply, 200));
                else
                    s->rooms->leave(actor, roomId, s->hub, replyRoom(reply, 200));
            });
    }

    router.add(
        "POST", {QStringLiteral("/api/v1/rooms/{id}/invite")}, Access::User,
        [s](const RestRequest &request, const ReplyPtr &reply) {
            QJsonObject body;
            QString roomId;
            Sender actor;
            if (!roomIdOf(request, &roomId, reply) || !parseObject(request, &body, reply)
                || !actorOf(request, body, QStringLiteral("by_user_id"), false, &actor, reply))
                return;
            bool ok = false;
            const qint64 userId = userIdFromJson(body.value(QStringLiteral("user_id")), &ok);
            if (!ok) {
                reply->error(ErrorCode::ValidationError,
                             QStringLiteral("'user_id' must be a positive integer"));
                return;
            }
            s->rooms->invite(actor, roomId, userId, s->hub, replyRoom(reply, 200));
        });

    // Seed 001: POST /api/v1/groups/{id}/messages {content}.
    router.add("POST",
               {QStringLiteral("/api/v1/rooms/{id}/messages"),
                QStringLiteral("/api/v1/groups/{id}/messages")},
               Access::User, [s](const RestRequest &request, const ReplyPtr &reply) {
                   QJsonObject body;
                   QString roomId;
                   if (!roomIdOf(request, &roomId, reply) || !parseObject(request, &body, reply))
                       return;
                   postToRoom(s, request, body, roomId, reply);
               });

    // Seed 003: POST /ws/messages {type: room_message | private_message | broadcast, ...}.
    router.add(
        "POST", {QStringLiteral("/ws/messages")}, Access::User,
        [s](const RestRequest &request, const ReplyPtr &reply) {
            QJsonObject body;
            if (!parseObject(request, &body, reply))
                return;
            const QString type = body.value(QStringLiteral("type")).toString();
            if (type == QLatin1StringView("room_message")) {
                const QString roomId = body.value(QStringLiteral("room_id")).toString();
                if (!validRoomId(roomId)) {
                    reply->error(ErrorCode::ValidationError,
                                 QStringLiteral("'room_id' must be 1-64 characters of "
                                                "A-Z a-z 0-9 _ -"));
                    return;
                }
                postToRoom(s, request, body, roomId, reply);
                return;
            }
            if (type == QLatin1StringView("private_message")) {
                Sender actor;
                if (!actorOf(request, body, QStringLiteral("from_user_id"), false, &actor, reply))
                    return;
                QJsonValue to = body.value(QStringLiteral("to_user_id"));
                if (to.isUndefined())
                    to = body.value(QStringLiteral("to"));
                bool ok = false;
                const qint64 toUser = userIdFromJson(to, &ok);
                const QString content = body.value(QStringLiteral("content")).toString();
                const QJsonObject data = body.value(QStringLiteral("data")).toObject();
                if (!ok || (content.isEmpty() && data.isEmpty())) {
                    reply->error(ErrorCode::ValidationError,
                                 QStringLiteral("a private_message needs 'to_user_id' and "
                                                "'content'"));
                    return;
                }
                if (content.size() > s->config->maxContentChars) {
                    reply->error(ErrorCode::TooLarge,
                                 QStringLiteral("content is longer than %1 characters")
                                     .arg(s->config->maxContentChars));
                    return;
                }
                s->messages->sendToUser(
                    actor, toUser, MessageKind::Direct,
                    MessageService::directBody(actor, toUser, content, data),
                    body.value(QStringLiteral("idempotency_key")).toString().left(128), s->hub,
                    [reply, toUser](std::optional<SendOutcome> outcome,
                                    std::optional<SendFailure> failure) {
                        if (failure) {
                            reply->error(failure->code, failure->message);
                            return;
                        }
                        reply->json(outcome->duplicate ? 200 : 201,
                                    {{QStringLiteral("message_id"), outcome->messageId},
                                     {QStringLiteral("to_user_id"), toUser},
                                     {QStringLiteral("created_at"), outcome->createdAt},
                                     {QStringLiteral("duplicate"), outcome->duplicate}});
                    });
                return;
            }
            if (type == QLatin1StringView("broadcast")) {
                if (!request.principal.isAdmin()) {
                    reply->error(ErrorCode::Forbidden,
                                 QStringLiteral("broadcasting needs the admin role or the "
                                                "API key"));
                    return;
                }
                Sender actor;
                if (!actorOf(request, body, QStringLiteral("from_user_id"), false, &actor, reply))
                    return;
                const QString content = body.value(QStringLiteral("content")).toString();
                const QJsonObject data = body.value(QStringLiteral("data")).toObject();
                if (content.isEmpty() && data.isEmpty()) {
                    reply->error(ErrorCode::ValidationError,
                                 QStringLiteral("a broadcast needs 'content' or 'data'"));
                    return;
                }
                const int recipients = s->hub->connectionCount();
                if (const auto failure = s->messages->broadcast(actor, content, data)) {
                    reply->error(failure->code, failure->message);
                    return;
                }
                reply->json(200, {{QStringLiteral("recipients"), recipients}});
                return;
            }
            reply->error(ErrorCode::ValidationError,
                         QStringLiteral("'type' must be room_message, private_message or "
                                        "broadcast"));
        });
}

} // namespace Switchboard::RestApi
