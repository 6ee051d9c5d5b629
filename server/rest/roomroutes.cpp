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
            reply->failure(*failure);
            return;
        }
        reply->json(status, {{QStringLiteral("room"), RoomService::toJson(*view)}});
    };
}

MessageService::Done replyPosted(const ReplyPtr &reply, const QString &roomId)
{
    return [reply, roomId](std::optional<SendOutcome> outcome, std::optional<SendFailure> failure) {
        if (failure) {
            reply->failure(*failure);
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
    withActor(s, request, body, QStringLiteral("from_user_id"), false, reply,
              [s, reply, post, roomId](const Sender &actor) {
                  s->rooms->post(actor, post, s->hub, replyPosted(reply, roomId));
              });
}

// Seed 003's private_message, once its sender and recipient are known.
void privateMessage(RestServices *s, const QJsonObject &body, const Sender &actor,
                    const ExternalIds::Lookup &recipient, const QString &content,
                    const QJsonObject &data, const ReplyPtr &reply)
{
    const qint64 toUser = recipient.userId;
    s->messages->sendToUser(actor, toUser, MessageKind::Direct,
                            MessageService::directBody(actor, toUser, content, data),
                            body.value(QStringLiteral("idempotency_key")).toString().left(128),
                            s->hub,
                            [reply, shown = recipient.shown()](std::optional<SendOutcome> outcome,
                                                               std::optional<SendFailure> failure) {
                                if (failure) {
                                    reply->failure(*failure);
                                    return;
                                }
                                reply->json(outcome->duplicate ? 200 : 201,
                                            {{QStringLiteral("message_id"), outcome->messageId},
                                             {QStringLiteral("to_user_id"), shown},
                                             {QStringLiteral("created_at"), outcome->createdAt},
                                             {QStringLiteral("duplicate"), outcome->duplicate}});
                            });
}

} // namespace

void addRoomRoutes(Router &router, RestServices *s)
{
    router.add("GET", {QStringLiteral("/api/v1/rooms"), QStringLiteral("/ws/rooms")}, Access::User,
               [s](const RestRequest &request, const ReplyPtr &reply) {
                   const Sender viewer = callerOf(request);
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
                   if (!parseObject(request, &body, reply))
                       return;
                   RoomSettingsRequest settings;
                   settings.create = true;
                   const QString error = roomSettingsFromJson(body, &settings);
                   if (!error.isEmpty()) {
                       reply->error(ErrorCode::ValidationError, error);
                       return;
                   }
                   withActor(s, request, body, QStringLiteral("owner_id"), false, reply,
                             [s, reply, settings](const Sender &actor) {
                                 s->rooms->create(actor, settings, s->hub, replyRoom(reply, 201));
                             });
               });

    router.add(
        "GET", {QStringLiteral("/api/v1/rooms/{id}"), QStringLiteral("/ws/rooms/{id}")},
        Access::User, [s](const RestRequest &request, const ReplyPtr &reply) {
            QString roomId;
            if (!roomIdOf(request, &roomId, reply))
                return;
            const Sender viewer = callerOf(request);
            const auto view = s->rooms->view(roomId, viewer);
            if (!view || !s->rooms->canSee(roomId, viewer)) {
                reply->error(ErrorCode::NotFound, QStringLiteral("no room '%1'").arg(roomId));
                return;
            }
            const QJsonObject room = RoomService::toJson(*view);
            const QJsonArray members = s->rooms->membersJson(roomId, viewer);
            const QString field = QStringLiteral("user_id");
            showUsers(s, userIdsIn(members, field),
                      [reply, room, members, field](const UserNames &names) {
                          reply->json(200,
                                      {{QStringLiteral("room"), room},
                                       {QStringLiteral("members"), names.shownIn(members, field)}});
                      });
        });

    router.add("PATCH|PUT", {QStringLiteral("/api/v1/rooms/{id}")}, Access::User,
               [s](const RestRequest &request, const ReplyPtr &reply) {
                   QJsonObject body;
                   QString roomId;
                   if (!roomIdOf(request, &roomId, reply) || !parseObject(request, &body, reply))
                       return;
                   body.insert(QStringLiteral("room_id"), roomId);
                   RoomSettingsRequest settings;
                   settings.create = false;
                   const QString error = roomSettingsFromJson(body, &settings);
                   if (!error.isEmpty()) {
                       reply->error(ErrorCode::ValidationError, error);
                       return;
                   }
                   withActor(s, request, body, QStringLiteral("user_id"), false, reply,
                             [s, reply, settings](const Sender &actor) {
                                 s->rooms->update(actor, settings, s->hub, replyRoom(reply, 200));
                             });
               });

    router.add("DELETE", {QStringLiteral("/api/v1/rooms/{id}"), QStringLiteral("/ws/rooms/{id}")},
               Access::User, [s](const RestRequest &request, const ReplyPtr &reply) {
                   QString roomId;
                   if (!roomIdOf(request, &roomId, reply))
                       return;
                   s->rooms->remove(callerOf(request), roomId, s->hub, replyRoom(reply, 200));
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
                if (!roomIdOf(request, &roomId, reply) || !parseObject(request, &body, reply))
                    return;
                withActor(s, request, body, QStringLiteral("user_id"), true, reply,
                          [s, reply, roomId, joining](const Sender &actor) {
                              if (joining)
                                  s->rooms->join(actor, roomId, s->hub, replyRoom(reply, 200));
                              else
                                  s->rooms->leave(actor, roomId, s->hub, replyRoom(reply, 200));
                          });
            });
    }

    router.add("POST", {QStringLiteral("/api/v1/rooms/{id}/invite")}, Access::User,
               [s](const RestRequest &request, const ReplyPtr &reply) {
                   QJsonObject body;
                   QString roomId;
                   if (!roomIdOf(request, &roomId, reply) || !parseObject(request, &body, reply))
                       return;
                   withActor(s, request, body, QStringLiteral("by_user_id"), false, reply,
                             [s, reply, body, roomId](const Sender &actor) {
                                 withUser(
                                     s, body.value(QStringLiteral("user_id")),
                                     QStringLiteral("user_id"), false, reply,
                                     [s, reply, actor, roomId](const ExternalIds::Lookup &user) {
                                         s->rooms->invite(actor, roomId, user.userId, s->hub,
                                                          replyRoom(reply, 200));
                                     });
                             });
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
    router.add("POST", {QStringLiteral("/ws/messages")}, Access::User,
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
                       QJsonValue to = body.value(QStringLiteral("to_user_id"));
                       if (to.isUndefined())
                           to = body.value(QStringLiteral("to"));
                       const QString content = body.value(QStringLiteral("content")).toString();
                       const QJsonObject data = body.value(QStringLiteral("data")).toObject();
                       if (to.isUndefined() || (content.isEmpty() && data.isEmpty())) {
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
                       withActor(s, request, body, QStringLiteral("from_user_id"), false, reply,
                                 [s, reply, body, to, content, data](const Sender &actor) {
                                     withUser(s, to, QStringLiteral("to_user_id"),
                                              s->config->acceptUnknownRecipients, reply,
                                              [s, reply, body, actor, content,
                                               data](const ExternalIds::Lookup &recipient) {
                                                  privateMessage(s, body, actor, recipient, content,
                                                                 data, reply);
                                              });
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
                       const QString content = body.value(QStringLiteral("content")).toString();
                       const QJsonObject data = body.value(QStringLiteral("data")).toObject();
                       if (content.isEmpty() && data.isEmpty()) {
                           reply->error(ErrorCode::ValidationError,
                                        QStringLiteral("a broadcast needs 'content' or 'data'"));
                           return;
                       }
                       withActor(s, request, body, QStringLiteral("from_user_id"), false, reply,
                                 [s, reply, content, data](const Sender &actor) {
                                     if (const auto failure
                                         = s->messages->broadcast(actor, content, data)) {
                                         reply->failure(*failure);
                                         return;
                                     }
                                     replyRecipients(s, reply, 200);
                                 });
                       return;
                   }
                   reply->error(ErrorCode::ValidationError,
                                QStringLiteral("'type' must be room_message, private_message or "
                                               "broadcast"));
               });
}

} // namespace Switchboard::RestApi
