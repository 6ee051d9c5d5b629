// SPDX-License-Identifier: MIT
#include "messageservice.h"

#include "hub/hub.h"
#include "hub/knownusers.h"
#include "protocol/events.h"
#include "protocol/jsonwriter.h"
#include "protocol/protocol.h"
#include "store/asyncstore.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QPointer>

Q_LOGGING_CATEGORY(lcMessages, "switchboard.messages")

namespace Switchboard {

using namespace Protocol;

namespace {

QLatin1StringView kindName(MessageKind kind)
{
    switch (kind) {
    case MessageKind::Direct:
        return QLatin1StringView("direct");
    case MessageKind::Notification:
        return QLatin1StringView("notification");
    case MessageKind::System:
        return QLatin1StringView("system");
    }
    return QLatin1StringView("direct");
}

void insertIfSet(QJsonObject &o, QLatin1StringView key, const QString &value)
{
    if (!value.isEmpty())
        o.insert(key, value);
}

} // namespace

MessageService::MessageService(AsyncStore *store, DeliveryBus *bus, Hub *hub, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_bus(bus)
    , m_hub(hub)
{ }

std::optional<Failure> MessageService::sizeFailure(qsizetype bodyBytes, qint64 maxMessageBytes)
{
    const qint64 allowed = maxMessageBytes - ENVELOPE_BYTES;
    if (bodyBytes <= allowed)
        return std::nullopt;
    return Failure {ErrorCode::TooLarge,
                    QStringLiteral("the message takes %1 bytes encoded; at most %2 are allowed "
                                   "(max_message_bytes less %3 for the event's fields)")
                        .arg(bodyBytes)
                        .arg(allowed)
                        .arg(ENVELOPE_BYTES)};
}

QJsonObject MessageService::directBody(const Sender &sender, qint64 to, const QString &content,
                                       const QJsonObject &data)
{
    QJsonObject body {{QStringLiteral("from"), sender.userId}, {QStringLiteral("to"), to}};
    insertIfSet(body, QLatin1StringView("from_name"), sender.username);
    insertIfSet(body, QLatin1StringView("content"), content);
    if (!data.isEmpty())
        body.insert(QStringLiteral("data"), data);
    return body;
}

QJsonObject MessageService::notificationBody(const Sender &sender, qint64 to,
                                             const NotifyRequest &request)
{
    QJsonObject body {{QStringLiteral("from"), sender.userId}, {QStringLiteral("to"), to}};
    insertIfSet(body, QLatin1StringView("from_name"), sender.username);
    insertIfSet(body, QLatin1StringView("notification_type"),
                request.notificationType.isEmpty() ? QStringLiteral("info")
                                                   : request.notificationType);
    insertIfSet(body, QLatin1StringView("title"), request.title);
    insertIfSet(body, QLatin1StringView("message"), request.message);
    insertIfSet(body, QLatin1StringView("link"), request.link);
    insertIfSet(body, QLatin1StringView("priority"),
                request.priority.isEmpty() ? QStringLiteral("normal") : request.priority);
    if (!request.data.isEmpty())
        body.insert(QStringLiteral("data"), request.data);
    return body;
}

namespace {

// Shapes of the wire events (docs/PROTOCOL.md): `message` carries the body's fields at the top
// level; `notification` follows seed 002 with the payload under `data`.
QJsonObject eventFields(const QString &kind, const QJsonObject &body, qint64 messageId,
                        const QString &stream, qint64 seq, qint64 createdAt,
                        QLatin1StringView *type)
{
    QJsonObject fields;
    *type = ServerType::MESSAGE;
    if (kind == QLatin1StringView("notification")) {
        *type = ServerType::NOTIFICATION;
        QJsonObject payload = body;
        payload.remove(QStringLiteral("from"));
        payload.remove(QStringLiteral("from_name"));
        payload.remove(QStringLiteral("to"));
        payload.remove(QStringLiteral("notification_type"));
        payload.insert(QStringLiteral("id"), messageId);
        payload.insert(QStringLiteral("type"), body.value(QStringLiteral("notification_type")));
        payload.insert(QStringLiteral("created_at"), createdAt);
        fields.insert(QStringLiteral("notification_type"),
                      body.value(QStringLiteral("notification_type")));
        fields.insert(QStringLiteral("data"), payload);
        fields.insert(QStringLiteral("from"), body.value(QStringLiteral("from")));
    } else {
        if (kind == QLatin1StringView("system"))
            *type = ServerType::SYSTEM;
        else if (kind == QLatin1StringView("room"))
            *type = ServerType::ROOM_MESSAGE;
        fields = body;
        fields.insert(QStringLiteral("kind"), kind);
    }
    fields.insert(QStringLiteral("message_id"), messageId);
    fields.insert(QStringLiteral("stream"), stream);
    fields.insert(QStringLiteral("seq"), seq);
    fields.insert(QStringLiteral("created_at"), createdAt);
    return fields;
}

} // namespace

QByteArray MessageService::encodeEvent(const QString &kind, const QByteArray &body,
                                       qint64 messageId, const QString &stream, qint64 seq,
                                       qint64 createdAt)
{
    if (kind != QLatin1StringView("notification")) {
        // The body's members go to the top level as stored: no parse, no re-encode. Bodies
        // are built by the server (directBody() and the room service), never with these keys.
        const QLatin1StringView type = kind == QLatin1StringView("system") ? ServerType::SYSTEM
            : kind == QLatin1StringView("room") ? ServerType::ROOM_MESSAGE
                                                : ServerType::MESSAGE;
        JsonWriter w(body.size() + 160);
        w.field(QLatin1StringView("type"), type)
            .field(QLatin1StringView("ts"), Events::nowMs())
            .field(QLatin1StringView("kind"), kind)
            .field(QLatin1StringView("message_id"), messageId)
            .field(QLatin1StringView("stream"), stream)
            .field(QLatin1StringView("seq"), seq)
            .field(QLatin1StringView("created_at"), createdAt);
        if (w.members(body))
            return w.take();
        qCWarning(lcMessages) << "message" << messageId << "has a body that is not an object";
    }
    QLatin1StringView type;
    QJsonObject fields = eventFields(kind, QJsonDocument::fromJson(body).object(), messageId,
                                     stream, seq, createdAt, &type);
    return Events::encode(type, std::move(fields));
}

QByteArray MessageService::encodeStored(const StreamEntry &entry)
{
    return encodeEvent(entry.kind, entry.body, entry.messageId, entry.stream, entry.seq,
                       entry.createdAt);
}

QJsonObject MessageService::storedEventObject(const StreamEntry &entry)
{
    QLatin1StringView type;
    QJsonObject fields
        = eventFields(entry.kind, QJsonDocument::fromJson(entry.body).object(), entry.messageId,
                      entry.stream, entry.seq, entry.createdAt, &type);
    fields.insert(QStringLiteral("type"), type);
    fields.insert(QStringLiteral("ts"), entry.createdAt);
    return fields;
}

void MessageService::sendToUser(const Sender &sender, qint64 toUserId, MessageKind kind,
                                QJsonObject body, const QString &idempotencyKey, QObject *context,
                                Done done)
{
    NewMessage message;
    message.kind = kindName(kind);
    message.senderId = sender.userId;
    if (kind == MessageKind::Direct)
        message.recipientId = toUserId;
    message.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    if (auto failure = sizeFailure(message.body.size(), m_maxMessageBytes)) {
        done(std::nullopt, std::move(failure));
        return;
    }
    message.streams << userStream(toUserId);
    const bool copyToSender = sender.userId != 0 && sender.userId != toUserId;
    if (copyToSender)
        message.streams << userStream(sender.userId);
    message.idempotencyKey = idempotencyKey;

    // A message to an id that is no user would wait for whoever gets that id: NOT_FOUND,
    // unless accept_unknown_recipients reserves the id for the backend that addresses it.
    if (m_knownUsers && sender.userId != toUserId && !m_knownUsers->isCached(toUserId)) {
        QPointer<QObject> guard(context);
        m_knownUsers->check(
            toUserId, m_acceptUnknownRecipients, this,
            [this, sender, toUserId, copyToSender, message, guard,
             done = std::move(done)](std::optional<bool> known, QString error) mutable {
                if (!guard)
                    return;
                if (!known) {
                    qCWarning(lcMessages) << "looking up user" << toUserId << "failed:" << error;
                    done(std::nullopt,
                         storeFailure(error,
                                      SendFailure {ErrorCode::Unavailable,
                                                   QStringLiteral("the recipient could not be "
                                                                  "looked up; retry")}));
                    return;
                }
                if (!*known) {
                    done(std::nullopt,
                         SendFailure {ErrorCode::NotFound,
                                      QStringLiteral("no user %1 (a message goes only to an "
                                                     "existing user or one that has signed in)")
                                          .arg(toUserId)});
                    return;
                }
                store(sender, toUserId, copyToSender, std::move(message), guard, std::move(done));
            });
        return;
    }
    store(sender, toUserId, copyToSender, std::move(message), QPointer<QObject>(context),
          std::move(done));
}

void MessageService::store(const Sender &sender, qint64 toUserId, bool copyToSender,
                           NewMessage message, QPointer<QObject> guard, Done done)
{
    message.createdAt = Events::nowMs();
    m_store->append(
        message, this,
        [this, sender, toUserId, copyToSender, message, guard,
         done = std::move(done)](std::optional<AppendResult> result, QString error) {
            if (!result) {
                qCWarning(lcMessages) << "storing a message failed:" << error;
                if (guard)
                    done(std::nullopt,
                         storeFailure(
                             error,
                             SendFailure {ErrorCode::Unavailable,
                                          QStringLiteral("the message could not be stored")}));
                return;
            }
            SendOutcome outcome;
            outcome.messageId = result->messageId;
            outcome.createdAt = result->createdAt;
            outcome.duplicate = result->duplicate;
            outcome.stream = message.streams.value(copyToSender ? 1 : 0);
            outcome.seq = result->seqs.value(copyToSender ? 1 : 0);
            if (!result->duplicate) {
                m_hub->counters().messagesStored++;
                const qint64 toSeq = result->seqs.value(0);
                m_bus->publishToUser(toUserId,
                                     encodeEvent(message.kind, message.body, result->messageId,
                                                 message.streams[0], toSeq, result->createdAt),
                                     sender.userId == toUserId ? sender.connectionId : 0,
                                     message.streams[0], toSeq);
                if (copyToSender) {
                    const qint64 fromSeq = result->seqs.value(1);
                    m_bus->publishToUser(sender.userId,
                                         encodeEvent(message.kind, message.body, result->messageId,
                                                     message.streams[1], fromSeq,
                                                     result->createdAt),
                                         sender.connectionId, message.streams[1], fromSeq);
                }
            }
            if (guard)
                done(outcome, std::nullopt);
        });
}

std::optional<Failure> MessageService::broadcast(const Sender &sender, const QString &content,
                                                 const QJsonObject &data)
{
    QJsonObject fields {{QStringLiteral("from"), sender.userId}};
    insertIfSet(fields, QLatin1StringView("from_name"), sender.username);
    insertIfSet(fields, QLatin1StringView("content"), content);
    if (!data.isEmpty())
        fields.insert(QStringLiteral("data"), data);
    const QByteArray frame = Events::encode(ServerType::BROADCAST, fields);
    if (auto failure = sizeFailure(frame.size(), m_maxMessageBytes))
        return failure;
    m_hub->counters().broadcasts++;
    m_bus->publishToAll(frame);
    emit sentToAll(sender.userId, QStringLiteral("broadcast"), m_hub->connectionCount());
    return std::nullopt;
}

std::optional<Failure> MessageService::systemToAll(const QString &content, const QJsonObject &data)
{
    QJsonObject fields;
    insertIfSet(fields, QLatin1StringView("content"), content);
    if (!data.isEmpty())
        fields.insert(QStringLiteral("data"), data);
    const QByteArray frame = Events::encode(ServerType::SYSTEM, fields);
    if (auto failure = sizeFailure(frame.size(), m_maxMessageBytes))
        return failure;
    m_hub->counters().broadcasts++;
    m_bus->publishToAll(frame);
    emit sentToAll(0, QStringLiteral("system"), m_hub->connectionCount());
    return std::nullopt;
}

std::optional<Failure> MessageService::notifyAll(const Sender &sender, const NotifyRequest &request)
{
    const QJsonObject body = notificationBody(sender, 0, request);
    QJsonObject payload = body;
    payload.remove(QStringLiteral("from"));
    payload.remove(QStringLiteral("from_name"));
    payload.remove(QStringLiteral("to"));
    payload.remove(QStringLiteral("notification_type"));
    const qint64 now = Events::nowMs();
    payload.insert(QStringLiteral("type"), body.value(QStringLiteral("notification_type")));
    payload.insert(QStringLiteral("created_at"), now);
    QJsonObject fields {
        {QStringLiteral("notification_type"), body.value(QStringLiteral("notification_type"))},
        {QStringLiteral("data"), payload},
        {QStringLiteral("from"), sender.userId}};
    const QByteArray frame = Events::encode(ServerType::NOTIFICATION, fields, now);
    if (auto failure = sizeFailure(frame.size(), m_maxMessageBytes))
        return failure;
    m_hub->counters().broadcasts++;
    m_bus->publishToAll(frame);
    emit sentToAll(sender.userId, QStringLiteral("notification"), m_hub->connectionCount());
    return std::nullopt;
}

} // namespace Switchboard
