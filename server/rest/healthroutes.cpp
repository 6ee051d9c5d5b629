// SPDX-License-Identifier: MIT
#include "restapi.h"

#include "hub/roomservice.h"

#include "config/config.h"
#include "hub/connectionstatus.h"
#include "hub/deliverybus.h"
#include "hub/historyservice.h"
#include "hub/hub.h"
#include "store/asyncstore.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace Switchboard::RestApi {

using Protocol::ErrorCode;

bool intParam(const RestRequest &request, const QString &name, qint64 defaultValue, qint64 max,
              qint64 *out, const ReplyPtr &reply)
{
    const QString raw = request.query.queryItemValue(name);
    if (raw.isEmpty()) {
        *out = defaultValue;
        return true;
    }
    bool ok = false;
    const qint64 v = raw.toLongLong(&ok);
    if (!ok || v < 0 || v > max) {
        reply->error(ErrorCode::ValidationError,
                     QStringLiteral("query parameter '%1' must be an integer from 0 to %2")
                         .arg(name)
                         .arg(max));
        return false;
    }
    *out = v;
    return true;
}

namespace {

QJsonObject retentionJson(const RestServices *s)
{
    const RetentionTotals &t = s->history->retentionTotals();
    return {{QStringLiteral("enabled"), s->history->retentionEnabled()},
            {QStringLiteral("runs"), t.runs},
            {QStringLiteral("purged_messages"), t.messages},
            {QStringLiteral("purged_entries"), t.entries},
            {QStringLiteral("last_run_at"), t.lastRunAt ? QJsonValue(t.lastRunAt) : QJsonValue()}};
}

// GET /api/v1/stats: this node's counts.
QJsonObject statsJson(const RestServices *s, std::optional<qint64> stored)
{
    const HubCounters &c = s->hub->counters();
    QJsonArray perRoom;
    for (const RoomView &v : s->rooms->list(Sender {0, {}, true, 0}))
        perRoom.append(QJsonObject {{QStringLiteral("room_id"), v.record.id},
                                    {QStringLiteral("name"), v.record.name},
                                    {QStringLiteral("members"), v.members},
                                    {QStringLiteral("online_members"), v.onlineMembers},
                                    {QStringLiteral("messages"), v.messages}});
    return {{QStringLiteral("connections"), s->connections->sessionCount()},
            {QStringLiteral("authenticated_connections"), s->hub->connectionCount()},
            {QStringLiteral("users_online"), s->hub->userCount()},
            {QStringLiteral("online_users"), s->hub->userCount()},
            {QStringLiteral("connections_total"), qint64(c.connectionsTotal)},
            {QStringLiteral("messages_stored"), stored.value_or(-1)},
            {QStringLiteral("total_messages"), stored.value_or(-1)},
            {QStringLiteral("messages_since_start"), qint64(c.messagesStored)},
            {QStringLiteral("broadcasts"), qint64(c.broadcasts)},
            {QStringLiteral("frames_in"), qint64(c.framesIn)},
            {QStringLiteral("frames_out"), qint64(c.framesOut)},
            {QStringLiteral("errors_sent"), qint64(c.errorsSent)},
            {QStringLiteral("uptime_seconds"), s->uptime.elapsed() / 1000},
            {QStringLiteral("rooms"), s->rooms->roomCount()},
            {QStringLiteral("total_rooms"), s->rooms->roomCount()},
            {QStringLiteral("room_stats"), perRoom},
            {QStringLiteral("retention"), retentionJson(s)},
            {QStringLiteral("storage"), s->store->backendName()},
            {QStringLiteral("node_id"), s->bus->nodeId()},
            {QStringLiteral("bus"),
             s->bus->nodeId().isEmpty()               ? QStringLiteral("local")
                 : s->bus->degradedReason().isEmpty() ? QStringLiteral("redis")
                                                      : QStringLiteral("degraded")},
            {QStringLiteral("version"), QCoreApplication::applicationVersion()}};
}

} // namespace

void addHealthRoutes(Router &router, RestServices *s)
{
    router.add("GET|HEAD", {QStringLiteral("/healthz")}, Access::Public,
               [](const RestRequest &, const ReplyPtr &reply) {
                   reply->json(200, {{QStringLiteral("status"), QStringLiteral("ok")}});
               });
    // Ready = accepting connections and the database answers.
    router.add("GET|HEAD", {QStringLiteral("/readyz")}, Access::Public,
               [s](const RestRequest &, const ReplyPtr &reply) {
                   if (!s->connections->admitting()) {
                       reply->error(ErrorCode::Unavailable,
                                    QStringLiteral("not accepting connections"));
                       return;
                   }
                   s->store->run<qint64>(
                       s->hub, [](Store &store) { return store.lastSeq(QStringLiteral("-")); },
                       [s, reply](std::optional<qint64> ok, QString error) {
                           if (!ok) {
                               // Public: the driver's text (hosts, users, SQL) stays in the log.
                               qCWarning(lcHttp) << "readiness check failed:" << error;
                               reply->storeError(error);
                               return;
                           }
                           // Several nodes without their Redis: this node serves its own
                           // connections and stores every message, so it stays in the pool.
                           const QString degraded = s->bus->degradedReason();
                           if (!degraded.isEmpty()) {
                               reply->json(200,
                                           {{QStringLiteral("status"), QStringLiteral("degraded")},
                                            {QStringLiteral("reason"), degraded}});
                               return;
                           }
                           reply->json(200, {{QStringLiteral("status"), QStringLiteral("ready")}});
                       });
               });
    router.add("GET", {QStringLiteral("/api/v1/stats"), QStringLiteral("/ws/stats")}, Access::Admin,
               [s](const RestRequest &, const ReplyPtr &reply) {
                   s->store->run<qint64>(
                       s->hub, [](Store &store) { return store.messageCount(); },
                       [s, reply](std::optional<qint64> stored, QString) {
                           // Several nodes: the counts are this node's, `nodes` lists every node
                           // (as GET /api/v1/nodes: their connections, users, rates, memory).
                           if (s->bus->nodeId().isEmpty()) {
                               reply->json(200, statsJson(s, stored));
                               return;
                           }
                           s->bus->nodes(s->hub, [s, reply, stored](const QJsonArray &nodes) {
                               QJsonObject out = statsJson(s, stored);
                               out.insert(QStringLiteral("nodes"), nodes);
                               reply->json(200, out);
                           });
                       });
               });
}

} // namespace Switchboard::RestApi
