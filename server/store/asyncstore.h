// SPDX-License-Identifier: MIT
#pragma once

#include "store/cancellablecontext.h"
#include "store/store.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include <QHash>
#include <QMutex>
#include <QObject>
#include <QPointer>

class QThread;

namespace Switchboard {

// Runs Store work on a worker thread of its own (QtSql calls block), so the threads that serve
// sockets never wait for the database. Results come back as callbacks on the thread of the
// context object, and are dropped when that object is gone by then.
//
// Jobs, reads, commits and flushes share one FIFO queue: the worker is woken once for a batch
// and runs what was queued meanwhile in rounds; each requesting thread gets the completions of
// a round back in order, in one queued call. Reads (read()) queued next to each other share one
// read transaction. Appends are group-committed: every append queued while the worker is busy
// goes into the next transaction. Cursor and last-seen updates are coalesced and written at
// most every FLUSH_INTERVAL_MS. drain() runs everything pending before it returns.
//
// The queue is bounded (setMaxQueued()): a job, read or append that finds that many jobs and
// appends waiting is refused at once, and its callback gets OVERLOADED as the error on the
// caller's thread, so the caller answers UNAVAILABLE instead of queueing without end. An append
// is refused before it is stored, so nothing that was acknowledged is ever dropped. Reads whose
// context is a CancellableContext that was cancelled (a session that closed) are skipped on the
// worker; jobs that write still run.
//
// A database that hangs (a lock held elsewhere, a stuck server) holds the worker until the
// statement times out (database_statement_timeout, SQLite's busy timeout), and every job queued
// behind it would wait for its own timeout in turn. So a failure that took STALLED_FAILURE_MS
// or longer opens a fail-fast window: for FAIL_FAST_MS, work taken from the queue is answered
// at once with FAILING_FAST (callers answer UNAVAILABLE) instead of meeting the same hang. The
// first job after the window tries the database again.
class AsyncStore : public QObject
{
    Q_OBJECT

public:
    using Factory = std::function<std::unique_ptr<Store>()>; // may throw StoreError
    using AppendDone = std::function<void(std::optional<AppendResult>, QString)>;

    static constexpr int FLUSH_INTERVAL_MS = 100;
    static constexpr int MAX_GROUP_COMMIT = 1024;
    // Rounds of queued tasks the worker runs before it lets its event loop in (timers,
    // blocking calls) again.
    static constexpr int MAX_TASK_ROUNDS = 8;
    // The error text of a job refused because the queue is full.
    static constexpr const char *OVERLOADED = "the store is overloaded; try again later";
    // A failure that took this long means the database is stuck, not that a request was bad.
    static constexpr int STALLED_FAILURE_MS = 1000;
    // For this long after such a failure, queued work fails at once with FAILING_FAST: long
    // enough to empty the queue that piled up behind the stuck statement, short enough that a
    // database that is back is used again soon.
    static constexpr int FAIL_FAST_MS = 1000;
    static constexpr const char *FAILING_FAST
        = "the database did not answer in time (a statement was stuck); try again later";
    // How long a caller refused for a full queue is told to wait (retry_after_ms, Retry-After).
    static constexpr qint64 BUSY_RETRY_MS = 1000;
    // Whether a job's error is the OVERLOADED refusal: the one comparison every caller uses.
    static bool isOverloaded(const QString &error)
    {
        return error == QLatin1StringView(OVERLOADED);
    }

    explicit AsyncStore(Factory factory, QObject *parent = nullptr);
    ~AsyncStore() override;

    // Opens and migrates the store on the worker thread; blocks until that is done.
    bool start(QString *error);
    QString backendName() const { return m_backendName; }

    // Queues a job; false = refused (the queue is full: done gets OVERLOADED, later).
    template<typename R>
    bool run(QObject *context, std::function<R(Store &)> job,
             std::function<void(std::optional<R>, QString)> done)
    {
        return queueJob<R>(false, context, std::move(job), std::move(done));
    }
    // Like run(), for a job that only reads: reads queued together run in one read
    // transaction (Store::beginReads()). A read is skipped when its context is a
    // CancellableContext cancelled before the worker reaches it (done is not called then).
    template<typename R>
    bool read(QObject *context, std::function<R(Store &)> job,
              std::function<void(std::optional<R>, QString)> done)
    {
        return queueJob<R>(true, context, std::move(job), std::move(done));
    }

    // Runs a job on the worker thread and waits for it: for start-up work only, never on a
    // thread that serves sockets once they are open.
    template<typename R> std::optional<R> call(std::function<R(Store &)> job, QString *error)
    {
        std::optional<R> result;
        QMetaObject::invokeMethod(
            m_worker,
            [&]() {
                try {
                    result = job(*m_store);
                } catch (const StoreError &e) {
                    *error = QString::fromUtf8(e.what());
                }
            },
            Qt::BlockingQueuedConnection);
        return result;
    }

    // Stores one message in the next group commit; done runs after the commit. False =
    // refused (the queue is full): nothing is stored, done gets OVERLOADED, later.
    bool append(const NewMessage &message, QObject *context, AppendDone done);
    // Raises a delivery cursor (coalesced; never lowers one).
    void advanceCursor(const StreamCursor &cursor);
    // Cursors of one user raised but not yet written (stream -> seq). Thread-safe, like
    // pendingLastSeen(): a worker job that reads cursors and then asks this misses no update.
    QHash<QString, qint64> pendingCursors(qint64 userId) const;
    // Records when a user was last seen (coalesced).
    void setLastSeen(qint64 userId, qint64 ms);
    // A last-seen time recorded but not yet written (0 if none). Thread-safe: a job on the
    // worker that reads users and then asks this sees every update exactly once between them.
    qint64 pendingLastSeen(qint64 userId) const;

    // Writes every queued append, cursor and last-seen update; blocks until committed.
    void drain();

    // Jobs queued or running, for metrics and tests.
    int pendingAppends() const;

    // At most this many jobs, reads and appends wait at a time; 0 = no bound.
    void setMaxQueued(int max) { m_maxQueued.store(max, std::memory_order_relaxed); }
    int maxQueued() const { return m_maxQueued.load(std::memory_order_relaxed); }
    // Jobs, reads and appends queued and not yet started (internal flushes not counted).
    int queuedJobs() const;
    // True when new work would be refused now: callers answer UNAVAILABLE up front.
    bool saturated() const;
    // Reads skipped because their context was cancelled, and work refused as OVERLOADED.
    qint64 cancelledReads() const { return m_cancelledReads.load(std::memory_order_relaxed); }
    qint64 refusedJobs() const { return m_refusedJobs.load(std::memory_order_relaxed); }
    // Jobs, reads and appends answered FAILING_FAST without reaching the database.
    qint64 failedFast() const { return m_failedFast.load(std::memory_order_relaxed); }

private:
    struct PendingAppend
    {
        NewMessage message;
        QPointer<QObject> guard;
        QObject *relay = nullptr;
        AppendDone done;
    };

    using Task = std::function<void()>;
    struct QueuedTask
    {
        Task run;
        bool read = false; // only reads: may share a read transaction with its neighbours
    };

    template<typename R>
    bool queueJob(bool read, QObject *context, std::function<R(Store &)> job,
                  std::function<void(std::optional<R>, QString)> done)
    {
        QPointer<QObject> guard(context);
        QObject *relay = relayForCurrentThread();
        if (!admitJob()) {
            refuse(relay, [guard, done = std::move(done)]() {
                if (guard)
                    done(std::nullopt, QString::fromLatin1(OVERLOADED));
            });
            return false;
        }
        std::shared_ptr<const std::atomic<bool>> cancel;
        if (read) {
            if (const auto *c = dynamic_cast<const CancellableContext *>(context))
                cancel = c->cancelFlag();
        }
        auto task = [this, job = std::move(job), done = std::move(done), guard, relay,
                     cancel = std::move(cancel)]() {
            m_queuedJobs.fetch_sub(1, std::memory_order_relaxed);
            if (cancel && cancel->load(std::memory_order_acquire)) {
                m_cancelledReads.fetch_add(1, std::memory_order_relaxed);
                return; // its context is closed: nobody waits for the answer
            }
            std::optional<R> result;
            QString error;
            if (failingFast()) {
                error = QString::fromLatin1(FAILING_FAST);
                m_failedFast.fetch_add(1, std::memory_order_relaxed);
            } else {
                const auto started = std::chrono::steady_clock::now();
                try {
                    result = job(*m_store);
                } catch (const StoreError &e) {
                    error = QString::fromUtf8(e.what());
                    noteFailure(started, "a job");
                }
            }
            complete(relay, [guard, done, result = std::move(result), error]() mutable {
                if (guard)
                    done(std::move(result), error);
            });
        };
        enqueue({std::move(task), read});
        return true;
    }

    static QObject *relayForCurrentThread();
    // Worker thread only: whether the fail-fast window is open, and opening it when a failure
    // that began at `started` took STALLED_FAILURE_MS or longer (`what` names it in the log).
    bool failingFast() const { return std::chrono::steady_clock::now() < m_failFastUntil; }
    void noteFailure(std::chrono::steady_clock::time_point started, const char *what);
    // Counts a job in, or false when the queue is full (the refusal is counted).
    bool admitJob();
    // Hands a refusal's callback to the caller's thread, after the current call returns.
    void refuse(QObject *relay, Task callback);
    // Queues work for the worker, in order with every other job, commit and flush. Only the
    // first task of a batch posts an event (and wakes the worker): a busy worker takes the
    // tasks queued meanwhile in its next round without further wake-ups.
    void enqueue(QueuedTask task);
    void enqueue(Task task) { enqueue(QueuedTask {std::move(task), false}); }
    void scheduleFlush();
    // Worker thread only.
    void runTasks();
    bool runQueuedRound(); // false when nothing was queued
    void runReads(QList<QueuedTask> &tasks, qsizetype from, qsizetype to);
    // Queues a completion for the thread of relay; deliverCompletions() hands each thread its
    // completions of the round, in order, as one queued call.
    void complete(QObject *relay, Task completion);
    void deliverCompletions();
    void commitAppends();
    // force: write even while failing fast (drain() at shutdown).
    void flushCoalesced(bool force = false);

    Factory m_factory;
    QThread *m_thread = nullptr;
    QObject *m_worker = nullptr; // lives in m_thread
    std::unique_ptr<Store> m_store; // used on m_thread only
    QString m_backendName;

    QHash<QObject *, QList<Task>> m_completions; // worker only

    mutable QMutex m_mutex;
    QList<QueuedTask> m_tasks;
    bool m_tasksPosted = false;
    QList<PendingAppend> m_appends;
    bool m_commitPosted = false;
    QHash<qint64, QHash<QString, qint64>> m_cursors; // user -> stream -> seq, by user so that
                                                     // pendingCursors() costs one lookup
    QHash<qint64, qint64> m_lastSeen;
    bool m_flushScheduled = false;

    std::atomic<int> m_maxQueued {0};
    std::atomic<int> m_queuedJobs {0}; // run() and read() jobs not yet started
    std::atomic<qint64> m_cancelledReads {0};
    std::atomic<qint64> m_refusedJobs {0};
    std::chrono::steady_clock::time_point m_failFastUntil {}; // worker only
    std::atomic<qint64> m_failedFast {0};
};

} // namespace Switchboard
