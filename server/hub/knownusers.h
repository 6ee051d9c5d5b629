// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <optional>

#include <QList>
#include <QObject>
#include <QSet>
#include <QTimer>

namespace Switchboard {

class AsyncStore;

// Which user ids are users: an account, or a principal (an id that authenticated with a token,
// or one that accept_unknown_recipients reserved). A message to any other id is refused
// (NOT_FOUND): otherwise it would wait for whoever gets that id later.
//
// Ids that authenticate are recorded as principals in batches (one store job per
// FLUSH_INTERVAL_MS, not one per connect). Known ids are cached (bounded: past MAX_CACHED the
// cache starts again empty and refills from the store). Event-loop thread only.
class KnownUsers : public QObject
{
    Q_OBJECT

public:
    static constexpr int MAX_CACHED = 1'000'000;
    static constexpr int MAX_PENDING = 10'000; // ids waiting to be recorded; more flush at once
    static constexpr int FLUSH_INTERVAL_MS = 100;

    // Whether a user exists; nullopt with the store's error when it could not be read.
    using Done = std::function<void(std::optional<bool> known, QString error)>;

    KnownUsers(AsyncStore *store, QObject *parent = nullptr);

    // A user id that authenticated (WebSocket, REST): known from now on, and recorded as a
    // principal unless it has an account.
    void noteAuthenticated(qint64 userId, bool hasAccount);
    bool isCached(qint64 userId) const { return m_known.contains(userId); }
    // Whether userId is a user. With `reserve` (accept_unknown_recipients) an unknown id is
    // recorded as a principal and is then known. done runs unless context is gone.
    void check(qint64 userId, bool reserve, QObject *context, Done done);

    // Queues the recording of the ids noted since the last batch (also at shutdown).
    void flush();

    // Several nodes: another node records an id that signed in there within its own
    // FLUSH_INTERVAL_MS. A miss is then answered by `onlineAnywhere` (a user connected to any
    // node authenticated), else read again after `recheckMs` before it is final.
    void setOtherNodes(int recheckMs, std::function<bool(qint64)> onlineAnywhere)
    {
        m_recheckMs = recheckMs;
        m_onlineAnywhere = std::move(onlineAnywhere);
    }

private:
    void remember(qint64 userId);

    AsyncStore *m_store;
    QSet<qint64> m_known;
    QList<qint64> m_pending;
    QTimer m_flushTimer;
    int m_recheckMs = 0;
    std::function<bool(qint64)> m_onlineAnywhere;
};

} // namespace Switchboard
