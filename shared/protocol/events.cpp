// SPDX-License-Identifier: MIT
#include "events.h"

#include "jsonwriter.h"
#include "protocol.h"

#include <QDateTime>
#include <QJsonDocument>

namespace Switchboard::Protocol::Events {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QByteArray encode(QLatin1StringView type, QJsonObject fields, qint64 ts)
{
    fields.insert(QLatin1StringView("type"), type);
    fields.insert(QLatin1StringView("ts"), ts ? ts : nowMs());
    return QJsonDocument(fields).toJson(QJsonDocument::Compact);
}

// The frames below are the most frequent replies: written directly (jsonwriter.h), with
// `type` and `ts` first.

QByteArray error(ErrorCode code, const QString &message, const QJsonValue &id)
{
    JsonWriter w(96 + message.size());
    w.field(QLatin1StringView("type"), ServerType::ERROR)
        .field(QLatin1StringView("ts"), nowMs())
        .field(QLatin1StringView("code"), errorCodeName(code))
        .field(QLatin1StringView("message"), message)
        .fieldIfSet(QLatin1StringView("id"), id);
    return w.take();
}

QByteArray pong(const QJsonValue &id)
{
    JsonWriter w(64);
    w.field(QLatin1StringView("type"), ServerType::PONG)
        .field(QLatin1StringView("ts"), nowMs())
        .fieldIfSet(QLatin1StringView("id"), id);
    return w.take();
}

QByteArray ack(const QJsonValue &id, const StoredDelivery &stored, bool duplicate)
{
    JsonWriter w(160);
    w.field(QLatin1StringView("type"), ServerType::ACK)
        .field(QLatin1StringView("ts"), nowMs())
        .field(QLatin1StringView("message_id"), stored.messageId)
        .field(QLatin1StringView("stream"), stored.stream)
        .field(QLatin1StringView("seq"), stored.seq)
        .field(QLatin1StringView("created_at"), stored.createdAt);
    if (duplicate)
        w.field(QLatin1StringView("duplicate"), true);
    w.fieldIfSet(QLatin1StringView("id"), id);
    return w.take();
}

} // namespace Switchboard::Protocol::Events
