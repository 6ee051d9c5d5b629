// SPDX-License-Identifier: MIT
// The operator feed: the admin_subscribe decoder and the builders of admin_snapshot,
// admin_event and admin_stats.
#include "adminframes.h"
#include "codec.h"
#include "codec_p.h"

#include "events.h"
#include "protocol.h"

#include <QJsonArray>

namespace Switchboard::Protocol {

namespace Detail {

Result decodeAdminSubscribe(const QJsonObject &obj, const QJsonValue &id)
{
    AdminSubscribeRequest req;
    const QJsonValue v = obj.value(QLatin1StringView("stats_interval_ms"));
    if (!v.isUndefined() && !v.isNull()) {
        const double d = v.toDouble(-1);
        // The range first: casting a double beyond qint64 is undefined behaviour.
        if (!v.isDouble() || d < Admin::MIN_STATS_INTERVAL_MS || d > Admin::MAX_STATS_INTERVAL_MS
            || d != double(qint64(d)))
            return badField(QStringLiteral("stats_interval_ms"),
                            QStringLiteral("an integer from %1 to %2")
                                .arg(Admin::MIN_STATS_INTERVAL_MS)
                                .arg(Admin::MAX_STATS_INTERVAL_MS),
                            id);
        req.statsIntervalMs = int(d);
    }
    const QJsonValue feed = obj.value(QLatin1StringView("feed"));
    if (!feed.isUndefined() && !feed.isNull()) {
        if (!feed.isDouble()
            || (feed.toDouble() != Admin::FEED_SINGLE && feed.toDouble() != Admin::FEED_BATCHED))
            return badField(
                QStringLiteral("feed"),
                QStringLiteral("%1 or %2").arg(Admin::FEED_SINGLE).arg(Admin::FEED_BATCHED), id);
        req.feed = feed.toInt();
    }
    return withId(id, req);
}

} // namespace Detail

namespace Admin {

namespace {

QJsonValue orNull(qint64 v, bool set)
{
    return set ? QJsonValue(v) : QJsonValue();
}

} // namespace

QJsonObject Connection::toJson() const
{
    return {{QStringLiteral("connection_id"), QString::number(connectionId)},
            {QStringLiteral("address"), address},
            {QStringLiteral("client"), client},
            {QStringLiteral("connected_at"), connectedAt},
            {QStringLiteral("rtt_ms"), orNull(rttMs, rttMs >= 0)},
            {QStringLiteral("queue_bytes"), queueBytes}};
}

Connection Connection::fromJson(const QJsonObject &obj)
{
    Connection c;
    c.connectionId = obj.value(QLatin1StringView("connection_id")).toString().toULongLong();
    c.address = obj.value(QLatin1StringView("address")).toString();
    c.client = obj.value(QLatin1StringView("client")).toString();
    c.connectedAt = obj.value(QLatin1StringView("connected_at")).toInteger();
    const QJsonValue rtt = obj.value(QLatin1StringView("rtt_ms"));
    c.rttMs = rtt.isDouble() ? rtt.toInteger() : -1;
    c.queueBytes = obj.value(QLatin1StringView("queue_bytes")).toInteger();
    return c;
}

QJsonObject Stats::toJson() const
{
    return {{QStringLiteral("connections"), connections},
            {QStringLiteral("users_online"), usersOnline},
            {QStringLiteral("rooms"), rooms},
            {QStringLiteral("messages_stored"), messagesStored},
            {QStringLiteral("messages_per_sec"), messagesPerSec},
            {QStringLiteral("frames_in_per_sec"), framesInPerSec},
            {QStringLiteral("frames_out_per_sec"), framesOutPerSec},
            {QStringLiteral("connects_per_sec"), connectsPerSec},
            {QStringLiteral("rss_bytes"), rssBytes}};
}

Stats Stats::fromJson(const QJsonObject &obj)
{
    Stats s;
    s.connections = obj.value(QLatin1StringView("connections")).toInteger();
    s.usersOnline = obj.value(QLatin1StringView("users_online")).toInteger();
    s.rooms = obj.value(QLatin1StringView("rooms")).toInteger();
    s.messagesStored = obj.value(QLatin1StringView("messages_stored")).toInteger();
    s.messagesPerSec = obj.value(QLatin1StringView("messages_per_sec")).toDouble();
    s.framesInPerSec = obj.value(QLatin1StringView("frames_in_per_sec")).toDouble();
    s.framesOutPerSec = obj.value(QLatin1StringView("frames_out_per_sec")).toDouble();
    s.connectsPerSec = obj.value(QLatin1StringView("connects_per_sec")).toDouble();
    s.rssBytes = obj.value(QLatin1StringView("rss_bytes")).toInteger();
    return s;
}

QByteArray event(QLatin1StringView name, QJsonObject fields)
{
    fields.insert(QLatin1StringView("event"), name);
    return Events::encode(ServerType::ADMIN_EVENT, std::move(fields));
}

QByteArray eventBatch(const QList<QByteArray> &events)
{
    // Spliced, not parsed again: each element is an admin_event frame encoded once already.
    qsizetype size = 64 + events.size();
    for (const QByteArray &e : events)
        size += e.size();
    QByteArray frame;
    frame.reserve(size);
    frame.append(R"({"type":")")
        .append(ServerType::ADMIN_EVENTS.data(), ServerType::ADMIN_EVENTS.size())
        .append(R"(","ts":)")
        .append(QByteArray::number(Events::nowMs()))
        .append(R"(,"events":[)");
    for (qsizetype i = 0; i < events.size(); ++i) {
        if (i > 0)
            frame.append(',');
        frame.append(events.at(i));
    }
    frame.append("]}");
    return frame;
}

QByteArray stats(const Stats &stats)
{
    return Events::encode(ServerType::ADMIN_STATS, stats.toJson());
}

QByteArray snapshot(const QJsonObject &server, const QJsonObject &totals, const QJsonArray &users,
                    const QJsonArray &rooms, const QJsonValue &id, int pages)
{
    QJsonObject fields {{QStringLiteral("server"), server},
                        {QStringLiteral("totals"), totals},
                        {QStringLiteral("users"), users},
                        {QStringLiteral("rooms"), rooms}};
    if (pages > 0)
        fields.insert(QStringLiteral("pages"), pages);
    if (!id.isNull() && !id.isUndefined())
        fields.insert(QStringLiteral("id"), id);
    return Events::encode(ServerType::ADMIN_SNAPSHOT, fields);
}

QByteArray snapshotPage(const QJsonArray &users, int page, int pages, const QJsonValue &id)
{
    QJsonObject fields {{QStringLiteral("users"), users},
                        {QStringLiteral("page"), page},
                        {QStringLiteral("pages"), pages}};
    if (!id.isNull() && !id.isUndefined())
        fields.insert(QStringLiteral("id"), id);
    return Events::encode(ServerType::ADMIN_SNAPSHOT_PAGE, fields);
}

QJsonObject connectionClosed(qint64 userId, quint64 connectionId, int code, const QString &reason)
{
    return {{QStringLiteral("user_id"), userId},
            {QStringLiteral("connection_id"), QString::number(connectionId)},
            {QStringLiteral("code"), code},
            {QStringLiteral("reason"), reason}};
}

QJsonObject userStatus(qint64 userId, const QString &name, const QString &status,
                       const QJsonObject &statusData, qint64 lastSeen)
{
    QJsonObject o {{QStringLiteral("user_id"), userId},
                   {QStringLiteral("name"), name},
                   {QStringLiteral("status"), status},
                   {QStringLiteral("last_seen"), orNull(lastSeen, lastSeen > 0)}};
    if (!statusData.isEmpty())
        o.insert(QStringLiteral("status_data"), statusData);
    return o;
}

QJsonObject roomMember(const QString &roomId, qint64 userId, bool joined)
{
    return {{QStringLiteral("room_id"), roomId},
            {QStringLiteral("user_id"), userId},
            {QStringLiteral("joined"), joined}};
}

QJsonObject broadcast(qint64 fromUserId, const QString &target, const QString &roomId,
                      qint64 userId, int recipients, const QString &kind)
{
    QJsonObject o {{QStringLiteral("from_user_id"), fromUserId},
                   {QStringLiteral("target"), target},
                   {QStringLiteral("recipients"), recipients},
                   {QStringLiteral("kind"), kind}};
    if (!roomId.isEmpty())
        o.insert(QStringLiteral("room_id"), roomId);
    if (userId > 0)
        o.insert(QStringLiteral("user_id"), userId);
    return o;
}

QJsonObject errorSent(qint64 userId, quint64 connectionId, ErrorCode code)
{
    return {{QStringLiteral("user_id"), userId},
            {QStringLiteral("connection_id"), QString::number(connectionId)},
            {QStringLiteral("code"), errorCodeName(code)}};
}

} // namespace Admin

} // namespace Switchboard::Protocol
