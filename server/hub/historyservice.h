// SPDX-License-Identifier: MIT
#pragma once

#include "hub/failure.h"
#include "hub/messageservice.h"
#include "protocol/clientmessages.h"

#include <functional>
#include <optional>

#include <QBasicTimer>
#include <QJsonObject>
#include <QObject>

namespace Switchboard {

struct Config;
class AsyncStore;
class RoomService;

struct RetentionTotals
{
    qint64 runs = 0;
    qint64 messages = 0; // messages deleted since start
    qint64 entries = 0; // stream entries trimmed by the count limit since start
    qint64 lastRunAt = 0; // ms since epoch, 0 = never
};

// Stored history: pages of a room, a direct conversation or an inbox for WebSocket and REST
// (with the access rules), and retention, which purges by age and per-stream count on a timer,
// in batches so the store is never held for long.
class HistoryService : public QObject
{
    Q_OBJECT

public:
    using Done = std::function<void(std::optional<QJsonObject>, std::optional<Failure>)>;

    HistoryService(const Config *config, AsyncStore *store, RoomService *rooms,
                   QObject *parent = nullptr);

    // A page for `viewer`, read from `ownerUserId`'s inbox for conversations and inbox pages
    // (the viewer itself, or any user for admins and the API key). The page object holds
    // stream, room_id or with, messages (oldest first), has_more, first_seq and last_seq.
    void page(const Sender &viewer, qint64 ownerUserId, const Protocol::HistoryRequest &request,
              QObject *context, Done done);

    // Starts the retention timer when a retention limit is configured.
    void startRetention();
    // Runs retention now, batch after batch; `done` (optional) runs when nothing is left.
    void purgeNow(std::function<void()> done = {});
    const RetentionTotals &retentionTotals() const { return m_totals; }
    bool retentionEnabled() const;

Q_SIGNALS:
    void purged(qint64 messages, qint64 entries);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void purgeBatch(qint64 messages, qint64 entries, std::function<void()> done);

    const Config *m_config;
    AsyncStore *m_store;
    RoomService *m_rooms;
    QBasicTimer m_timer;
    bool m_purging = false;
    RetentionTotals m_totals;
};

} // namespace Switchboard
