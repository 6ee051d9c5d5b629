// SPDX-License-Identifier: MIT
#include "historyservice.h"

#include "config/config.h"
#include "hub/roomservice.h"
#include "protocol/events.h"
#include "protocol/protocol.h"
#include "store/asyncstore.h"

#include <QJsonArray>
#include <QLoggingCategory>
#include <QTimerEvent>

Q_LOGGING_CATEGORY(lcHistory, "switchboard.history")

namespace Switchboard {

using namespace Protocol;

namespace {

struct Page
{
    QList<StreamEntry> entries;
    StreamBounds bounds;
};

constexpr int PURGE_BATCH = 5000;

} // namespace

HistoryService::HistoryService(const Config *config, AsyncStore *store, RoomService *rooms,
                               QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_store(store)
    , m_rooms(rooms)
{ }

void HistoryService::page(const Sender &viewer, qint64 ownerUserId, const HistoryRequest &request,
                          QObject *context, Done done)
{
    HistoryQuery query;
    QJsonObject head;
    if (!request.roomId.isEmpty()) {
        const auto view = m_rooms->view(request.roomId, viewer);
        const bool mayRead = view
            && (!view->record.isPrivate || viewer.admin || viewer.userId == 0
                || m_rooms->isMember(request.roomId, viewer.userId));
        if (!mayRead) {
            // A private room the viewer is not in looks the same as no room at all.
            done(std::nullopt,
                 Failure {ErrorCode::NotFound, QStringLiteral("no room '%1'").arg(request.roomId)});
            return;
        }
        query.stream = roomStream(request.roomId);
        head.insert(QStringLiteral("room_id"), request.roomId);
    } else {
        if (ownerUserId <= 0) {
            done(std::nullopt,
                 Failure {ErrorCode::ValidationError,
                          QStringLiteral("an inbox or conversation needs a user")});
            return;
        }
        query.stream = userStream(ownerUserId);
        if (request.withUserId > 0) {
            query.self = ownerUserId;
            query.peer = request.withUserId;
            head.insert(QStringLiteral("with"), request.withUserId);
        }
    }
    const int limit = request.limit;
    const bool forward = request.after.has_value();
    query.after = request.after;
    query.before = request.before;
    query.limit = limit + 1; // one more tells whether there is more
    head.insert(QStringLiteral("stream"), query.stream);
    m_store->read<Page>(
        context,
        [query](Store &store) {
            Page p;
            p.entries = store.readHistory(query);
            p.bounds = store.streamBounds(query.stream);
            return p;
        },
        [head, limit, forward, done](std::optional<Page> page, QString error) {
            if (!page) {
                qCWarning(lcHistory) << "reading history failed:" << error;
                done(std::nullopt,
                     storeFailure(error,
                                  Failure {ErrorCode::Unavailable,
                                           QStringLiteral("history is unavailable")}));
                return;
            }
            const bool more = page->entries.size() > limit;
            if (more) {
                if (forward)
                    page->entries.removeLast();
                else
                    page->entries.removeFirst();
            }
            QJsonArray messages;
            for (const StreamEntry &e : std::as_const(page->entries))
                messages.append(MessageService::storedEventObject(e));
            QJsonObject out = head;
            out.insert(QStringLiteral("messages"), messages);
            out.insert(QStringLiteral("count"), messages.size());
            out.insert(QStringLiteral("has_more"), more);
            out.insert(QStringLiteral("first_seq"), page->bounds.first);
            out.insert(QStringLiteral("last_seq"), page->bounds.last);
            done(out, std::nullopt);
        });
}

bool HistoryService::retentionEnabled() const
{
    return m_config->messageRetentionMs > 0 || m_config->maxStreamMessages > 0;
}

void HistoryService::startRetention()
{
    if (!retentionEnabled())
        return;
    qCInfo(lcHistory) << "retention: age" << m_config->messageRetentionMs << "ms, per stream"
                      << m_config->maxStreamMessages << "messages, every"
                      << m_config->purgeIntervalMs << "ms";
    m_timer.start(m_config->purgeIntervalMs, this);
}

void HistoryService::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_timer.timerId())
        purgeNow();
}

void HistoryService::purgeNow(std::function<void()> done)
{
    if (m_purging) {
        // One pass at a time; the running one covers this request too.
        if (done)
            connect(
                this, &HistoryService::purged, this, [done]() { done(); },
                Qt::SingleShotConnection);
        return;
    }
    m_purging = true;
    purgeBatch(0, 0, std::move(done));
}

void HistoryService::purgeBatch(qint64 messages, qint64 entries, std::function<void()> done)
{
    RetentionPolicy policy;
    if (m_config->messageRetentionMs > 0)
        policy.olderThanMs = Events::nowMs() - m_config->messageRetentionMs;
    policy.maxPerStream = m_config->maxStreamMessages;
    policy.batch = PURGE_BATCH;
    m_store->run<PurgeResult>(
        this, [policy](Store &store) { return store.purge(policy); },
        [this, messages, entries, done](std::optional<PurgeResult> result, QString error) {
            if (result && result->more) {
                purgeBatch(messages + result->messages, entries + result->entries, done);
                return;
            }
            const qint64 m = messages + (result ? result->messages : 0);
            const qint64 e = entries + (result ? result->entries : 0);
            if (!result)
                qCWarning(lcHistory) << "retention failed:" << error;
            else if (m || e)
                qCInfo(lcHistory) << "retention purged" << m << "messages and" << e
                                  << "stream entries";
            m_purging = false;
            m_totals.runs++;
            m_totals.messages += m;
            m_totals.entries += e;
            m_totals.lastRunAt = Events::nowMs();
            emit purged(m, e);
            if (done)
                done();
        });
}

} // namespace Switchboard
