// SPDX-License-Identifier: MIT
#pragma once

#include "errorcode.h"

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

// Builders for server events. Each returns the compact UTF-8 frame, encoded once so the same
// bytes can be shared by every recipient.
namespace Switchboard::Protocol::Events {

qint64 nowMs();

// Adds `type` and `ts` to the fields and encodes them.
QByteArray encode(QLatin1StringView type, QJsonObject fields, qint64 ts = 0);

QByteArray error(ErrorCode code, const QString &message, const QJsonValue &id = QJsonValue());
QByteArray pong(const QJsonValue &id);

struct StoredDelivery
{
    qint64 messageId = 0;
    QString stream;
    qint64 seq = 0;
    qint64 createdAt = 0;
};

QByteArray ack(const QJsonValue &id, const StoredDelivery &stored, bool duplicate);

} // namespace Switchboard::Protocol::Events
