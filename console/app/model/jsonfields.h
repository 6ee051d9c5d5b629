// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QString>

// Reading server JSON and showing its values. Ids arrive as numbers or numeric strings (seed
// compatibility), times as milliseconds since the epoch.
namespace Switchboard::Console::Json {

qint64 id(const QJsonObject &o, const char *key);
QString str(const QJsonObject &o, const char *key);
qint64 num(const QJsonObject &o, const char *key, qint64 fallback = 0);
// Local date and time of a ms timestamp ("" for 0/absent).
QString time(qint64 ms);
// "3 d 4 h", "5 min 2 s" (translated units).
QString duration(qint64 ms);
QString bytes(qint64 n);
// Compact one-line JSON, for logs and raw views.
QString compact(const QJsonObject &o);

} // namespace Switchboard::Console::Json
