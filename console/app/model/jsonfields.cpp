// SPDX-License-Identifier: MIT
#include "jsonfields.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonDocument>
#include <QLocale>

namespace Switchboard::Console::Json {

qint64 id(const QJsonObject &o, const char *key)
{
    const QJsonValue v = o.value(QLatin1StringView(key));
    if (v.isString())
        return v.toString().toLongLong();
    return v.toInteger();
}

QString str(const QJsonObject &o, const char *key)
{
    const QJsonValue v = o.value(QLatin1StringView(key));
    if (v.isDouble())
        return QString::number(v.toInteger());
    return v.toString();
}

qint64 num(const QJsonObject &o, const char *key, qint64 fallback)
{
    const QJsonValue v = o.value(QLatin1StringView(key));
    if (v.isDouble())
        return v.toInteger(qint64(v.toDouble()));
    if (v.isString()) {
        bool ok = false;
        const qint64 n = v.toString().toLongLong(&ok);
        return ok ? n : fallback;
    }
    return fallback;
}

QString time(qint64 ms)
{
    if (ms <= 0)
        return {};
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(ms);
    const bool today = t.date() == QDate::currentDate();
    return QLocale().toString(
        t, today ? QStringLiteral("HH:mm:ss") : QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString duration(qint64 ms)
{
    const qint64 s = ms / 1000;
    const qint64 d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60, sec = s % 60;
    if (d > 0)
        return QCoreApplication::translate("Format", "%1 d %2 h").arg(d).arg(h);
    if (h > 0)
        return QCoreApplication::translate("Format", "%1 h %2 min").arg(h).arg(m);
    if (m > 0)
        return QCoreApplication::translate("Format", "%1 min %2 s").arg(m).arg(sec);
    return QCoreApplication::translate("Format", "%1 s").arg(sec);
}

QString bytes(qint64 n)
{
    return QLocale().formattedDataSize(n, 1, QLocale::DataSizeTraditionalFormat);
}

QString compact(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

} // namespace Switchboard::Console::Json
