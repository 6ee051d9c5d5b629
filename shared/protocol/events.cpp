// SPDX-License-Identifier: MIT
#include "events.h"

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

QByteArray error(ErrorCode code, const QString &message, const QJsonValue &id)
{
    QJsonObject fields {{QStringLiteral("code"), errorCodeName(code)},
                        {QStringLiteral("message"), message}};
    if (!id.isNull() && !id.isUndefined())
        fields.insert(QStringLiteral("id"), id);
    return encode(ServerType::ERROR, fields);
}

QByteArray pong(const QJsonValue &id)
{
    QJsonObject fields;
    if (!id.isNull() && !id.isUndefined())
        fields.insert(QStringLiteral("id"), id);
    return encode(ServerType::PONG, fields);
}

QByteArray ack(const QJsonValue &id, const StoredDelivery &stored, bool duplicate)
{
    QJsonObject fields {{QStringLiteral("message_id"), stored.messageId},
                        {QStringLiteral("stream"), stored.stream},
                        {QStringLiteral("seq"), stored.seq},
                        {QStringLiteral("created_at"), stored.createdAt}};
    if (duplicate)
        fields.insert(QStringLiteral("duplicate"), true);
    if (!id.isNull() && !id.isUndefined())
        fields.insert(QStringLiteral("id"), id);
    return encode(ServerType::ACK, fields);
}

} // namespace Switchboard::Protocol::Events
