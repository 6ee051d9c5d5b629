// SPDX-License-Identifier: MIT
#include "restapi.h"

#include "auth/externalids.h"
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

// The recipient of a send (`to_user_id` or `to`): a user id, or a backend's own id ("user456"),
// created on first sight with accept_unknown_recipients (so messages wait for that user), else a
// VALIDATION_ERROR until that user has signed in once.
void withRecipient(RestServices *s, const QJsonObject &body, const ReplyPtr &reply,
                   std::function<void(const ExternalIds::Lookup &)> then)
{
    QJsonValue v = body.value(QStringLiteral("to_user_id"));
    if (v.isUndefined())
        v = body.value(QStringLiteral("to"));
    withUser(s, v, QStringLiteral("to_user_id"), s->config->acceptUnknownRecipients, reply,
             std::move(then));
}

// content from `content`, seed 001's `content`, seed 000's data.content or seed 002's `message`.
QString contentOf(const QJsonObject &body)
{
    QString c = body.value(QStringLiteral("content")).toString();
    if (c.isEmpty())
        c = body.value(QStringLiteral("data"))
                .toObject()
                .value(QStringLiteral("content"))
                .toString();
    return c;
}

QString typeOf(const QJsonObject &body, const QString &fallback)
{
    QString t = body.value(QStringLiteral("type")).toString();
    if (t.isEmpty())
        t = body.value(QStringLiteral("message_type")).toString();
    return t.isEmpty() ? fallback : t;
}

NotifyRequest notifyOf(const QJsonObject &body, const QString &type)
{
    const QJsonObject data = body.value(QStringLiteral("data")).toObject();
    NotifyRequest n;
    n.notificationType = body.value(QStringLiteral("notification_type")).toString();
    if (n.notificationType.isEmpty())
        n.notificationType = data.value(QStringLiteral("type")).toString();
    if (n.notificationType.isEmpty() && type != QLatin1StringView("notification"))
        n.notificationType = type;
    n.title = body.value(QStringLiteral("title")).toString();
    n.message = body.value(QStringLiteral("message")).toString();
    if (n.message.isEmpty())
        n.message = contentOf(body);
    n.link = body.value(QStringLiteral("link")).toString();
    n.priority = body.value(QStringLiteral("priority")).toString();
    if (n.priority.isEmpty())
        n.priority = data.value(QStringLiteral("priority")).toString();
    n.data = data;
    return n;
}

bool parseBody(const RestRequest &request, QJsonObject *body, const ReplyPtr &reply)
{
    QString error;
    if (!request.jsonBody(body, &error)) {
        reply->error(ErrorCode::InvalidJson, error);
        return false;
    }
    const QJsonValue data = body->value(QStringLiteral("data"));
    if (!data.isUndefined() && !data.isNull() && !data.isObject()) {
        reply->error(ErrorCode::ValidationError, QStringLiteral("'data' must be an object"));
        return false;
    }
    return true;
}

// The reply to a stored direct message or notification. `recipient_online` is presence: only
// a sender that may see the recipient's presence (RoomService::presenceVisible) is told it.
// A recipient given by its external id is shown back by it.
MessageService::Done replyStored(const ReplyPtr &reply, const Sender &sender,
                                 const ExternalIds::Lookup &recipient, RestServices *s)
{
    const qint64 to = recipient.userId;
    return [reply, sender, to, s, shownTo = recipient.shown()](std::optional<SendOutcome> outcome,
                                                               std::optional<SendFailure> failure) {
        if (failure) {
            reply->failure(*failure);
            return;
        }
        QJsonObject body {{QStringLiteral("message_id"), outcome->messageId},
                          {QStringLiteral("to_user_id"), shownTo},
                          {QStringLiteral("stream"), outcome->stream},
                          {QStringLiteral("seq"), outcome->seq},
                          {QStringLiteral("created_at"), outcome->createdAt},
                          {QStringLiteral("duplicate"), outcome->duplicate}};
        if (s->rooms->presenceVisible(sender, to))
            body.insert(QStringLiteral("recipient_online"), s->bus->isOnline(to));
        reply->json(outcome->duplicate ? 200 : 201, body);
    };
}

bool checkLength(const QString &text, const Config &config, const ReplyPtr &reply)
{
    if (text.size() <= config.maxContentChars)
        return true;
    reply->error(
        ErrorCode::TooLarge,
        QStringLiteral("content is longer than %1 characters").arg(config.maxContentChars));
    return false;
}

// The inbox pull: `userId`'s stream after `after`; counts as delivered when users pull their own.
void pullInbox(RestServices *s, const RestRequest &request, const ReplyPtr &reply, qint64 userId,
               qint64 after, qint64 limit)
{
    const bool self = request.principal.kind == Principal::Kind::User
        && userId == request.principal.claims.userId;
    const QString stream = userStream(userId);
    s->store->run<QList<StreamEntry>>(
        s->hub,
        [stream, after, limit](Store &store) {
            return store.readStream(stream, after, int(limit) + 1);
        },
        [s, reply, stream, limit, after, userId, self](std::optional<QList<StreamEntry>> entries,
                                                       QString error) {
            if (!entries) {
                reply->storeError(error);
                return;
            }
            const bool more = entries->size() > limit;
            if (more)
                entries->removeLast();
            QJsonArray list;
            qint64 last = after;
            for (const StreamEntry &e : *entries) {
                list.append(QJsonDocument::fromJson(MessageService::encodeStored(e)).object());
                last = e.seq;
            }
            // What the user pulled counts as delivered: no replay on connect.
            if (self && last > after)
                s->store->advanceCursor(StreamCursor {userId, stream, last});
            reply->json(200,
                        {{QStringLiteral("stream"), stream},
                         {QStringLiteral("messages"), list},
                         {QStringLiteral("last_seq"), last},
                         {QStringLiteral("has_more"), more}});
        });
}

// A backend's push to one user (or, for notifications without a recipient, to everyone).
void send(RestServices *s, const RestRequest &request, const QJsonObject &body,
          const Sender &sender, const ReplyPtr &reply)
{
    const bool notificationPath
        = request.path.startsWith(QLatin1StringView("/api/v1/notifications"));
    const QString type
        = typeOf(body, notificationPath ? QStringLiteral("notification") : QStringLiteral("text"));
    const bool toAll = notificationPath && body.value(QStringLiteral("to_user_id")).isUndefined()
        && body.value(QStringLiteral("to")).isUndefined();
    const bool direct = type == QLatin1StringView("text") || type == QLatin1StringView("message")
        || type == QLatin1StringView("chat") || type == QLatin1StringView("direct");
    const bool system
        = type == QLatin1StringView("system") || type == QLatin1StringView("system_message");
    if (direct || system) {
        const QString content = contentOf(body);
        QJsonObject data = body.value(QStringLiteral("data")).toObject();
        data.remove(QStringLiteral("content"));
        if (content.isEmpty() && data.isEmpty()) {
            reply->error(ErrorCode::ValidationError,
                         QStringLiteral("a message needs 'content' or 'data'"));
            return;
        }
        if (!checkLength(content, *s->config, reply))
            return;
        const QString key = body.value(QStringLiteral("idempotency_key")).toString().left(128);
        withRecipient(
            s, body, reply,
            [s, reply, sender, system, content, data, key](const ExternalIds::Lookup &recipient) {
                const qint64 to = recipient.userId;
                s->messages->sendToUser(sender, to,
                                        system ? MessageKind::System : MessageKind::Direct,
                                        MessageService::directBody(sender, to, content, data), key,
                                        s->hub, replyStored(reply, sender, recipient, s));
            });
        return;
    }
    NotifyRequest n = notifyOf(body, type);
    if (n.title.isEmpty() && n.message.isEmpty()) {
        reply->error(ErrorCode::ValidationError,
                     QStringLiteral("a notification needs 'title' or 'message'"));
        return;
    }
    if (!checkLength(n.title + n.message, *s->config, reply))
        return;
    if (toAll) {
        if (const auto failure = s->messages->notifyAll(sender, n)) {
            reply->failure(*failure);
            return;
        }
        replyRecipients(s, reply, 202);
        return;
    }
    const QString key = body.value(QStringLiteral("idempotency_key")).toString().left(128);
    withRecipient(s, body, reply,
                  [s, reply, sender, n, key](const ExternalIds::Lookup &recipient) mutable {
                      const qint64 to = recipient.userId;
                      n.toUserId = to;
                      s->messages->sendToUser(sender, to, MessageKind::Notification,
                                              MessageService::notificationBody(sender, to, n), key,
                                              s->hub, replyStored(reply, sender, recipient, s));
                  });
}

// A backend's broadcast: live to every connection, or the operator console's targeted form.
void broadcast(RestServices *s, const QJsonObject &body, const Sender &sender,
               const ReplyPtr &reply)
{
    if (body.contains(QStringLiteral("target"))) {
        targetedBroadcast(s, body, sender, reply); // the operator console's form
        return;
    }
    const QString type = typeOf(body, QStringLiteral("broadcast"));
    const QString content = contentOf(body);
    QJsonObject data = body.value(QStringLiteral("data")).toObject();
    data.remove(QStringLiteral("content"));
    std::optional<Failure> failure;
    if (type == QLatin1StringView("notification")) {
        const NotifyRequest n = notifyOf(body, type);
        if (n.title.isEmpty() && n.message.isEmpty()) {
            reply->error(ErrorCode::ValidationError,
                         QStringLiteral("a notification needs 'title' or 'message'"));
            return;
        }
        if (!checkLength(n.title + n.message, *s->config, reply))
            return;
        failure = s->messages->notifyAll(sender, n);
    } else {
        if (content.isEmpty() && data.isEmpty()) {
            reply->error(ErrorCode::ValidationError,
                         QStringLiteral("a broadcast needs 'content' or 'data'"));
            return;
        }
        if (!checkLength(content, *s->config, reply))
            return;
        if (type == QLatin1StringView("system") || type == QLatin1StringView("system_message"))
            failure = s->messages->systemToAll(content, data);
        else
            failure = s->messages->broadcast(sender, content, data);
    }
    if (failure) {
        reply->failure(*failure);
        return;
    }
    replyRecipients(s, reply, 202);
}

} // namespace

void addMessageRoutes(Router &router, RestServices *s)
{
    // Seed 001: POST /api/v1/messages {to_user_id, content} -> stored, then pushed.
    router.add("POST", {QStringLiteral("/api/v1/messages")}, Access::User,
               [s](const RestRequest &request, const ReplyPtr &reply) {
                   QJsonObject body;
                   if (!parseBody(request, &body, reply))
                       return;
                   const QString content = contentOf(body);
                   const QJsonObject data = body.value(QStringLiteral("data")).toObject();
                   if (content.isEmpty() && data.isEmpty()) {
                       reply->error(ErrorCode::ValidationError,
                                    QStringLiteral("a message needs 'content' or 'data'"));
                       return;
                   }
                   if (!checkLength(content, *s->config, reply))
                       return;
                   const QString key = body.value(QStringLiteral("idempotency_key")).toString();
                   withActor(s, request, body, QStringLiteral("from_user_id"), false, reply,
                             [s, reply, body, content, data, key](const Sender &sender) {
                                 withRecipient(
                                     s, body, reply,
                                     [s, reply, sender, content, data,
                                      key](const ExternalIds::Lookup &recipient) {
                                         const qint64 to = recipient.userId;
                                         s->messages->sendToUser(
                                             sender, to, MessageKind::Direct,
                                             MessageService::directBody(sender, to, content, data),
                                             key.left(128), s->hub,
                                             replyStored(reply, sender, recipient, s));
                                     });
                             });
               });

    // Seed 001's offline pull: the caller's inbox after a sequence number.
    router.add(
        "GET", {QStringLiteral("/api/v1/messages")}, Access::User,
        [s](const RestRequest &request, const ReplyPtr &reply) {
            qint64 after = 0, limit = 0, userId = request.principal.claims.userId;
            const QString afterName = request.query.hasQueryItem(QStringLiteral("since"))
                ? QStringLiteral("since")
                : QStringLiteral("after");
            if (!intParam(request, afterName, 0, std::numeric_limits<qint64>::max(), &after, reply)
                || !intParam(request, QStringLiteral("limit"), 100, 1000, &limit, reply))
                return;
            if (request.principal.kind == Principal::Kind::ApiKey
                || request.query.hasQueryItem(QStringLiteral("user_id"))) {
                if (!request.principal.isAdmin()) {
                    reply->error(ErrorCode::Forbidden,
                                 QStringLiteral("reading another user's inbox needs the "
                                                "admin role"));
                    return;
                }
                withUser(s, request.query.queryItemValue(QStringLiteral("user_id")),
                         QStringLiteral("user_id"), false, reply,
                         [s, request, reply, after, limit](const ExternalIds::Lookup &user) {
                             pullInbox(s, request, reply, user.userId, after, limit);
                         });
                return;
            }
            pullInbox(s, request, reply, userId, after, limit);
        });

    // Seed 000 /ws/send {to_user_id, message_type, data}; seed 004 /api/ws/send {type, to,
    // content}.
    router.add("POST",
               {QStringLiteral("/api/v1/send"), QStringLiteral("/ws/send"),
                QStringLiteral("/api/ws/send"), QStringLiteral("/api/v1/notifications")},
               Access::Admin, [s](const RestRequest &request, const ReplyPtr &reply) {
                   QJsonObject body;
                   if (!parseBody(request, &body, reply))
                       return;
                   withActor(s, request, body, QStringLiteral("from_user_id"), false, reply,
                             [s, request, body, reply](const Sender &sender) {
                                 send(s, request, body, sender, reply);
                             });
               });

    // Seed 000 /ws/broadcast {message_type, data}; seed 004 /api/ws/broadcast {type, content}.
    router.add("POST",
               {QStringLiteral("/api/v1/broadcast"), QStringLiteral("/ws/broadcast"),
                QStringLiteral("/api/ws/broadcast")},
               Access::Admin, [s](const RestRequest &request, const ReplyPtr &reply) {
                   QJsonObject body;
                   if (!parseBody(request, &body, reply))
                       return;
                   withActor(s, request, body, QStringLiteral("from_user_id"), false, reply,
                             [s, body, reply](const Sender &sender) {
                                 broadcast(s, body, sender, reply);
                             });
               });
}

} // namespace Switchboard::RestApi
