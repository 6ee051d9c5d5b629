// SPDX-License-Identifier: MIT
#include "asyncstore.h"

#include <QLoggingCategory>
#include <QThread>
#include <QThreadStorage>
#include <QTimer>

Q_LOGGING_CATEGORY(lcStore, "switchboard.store")

namespace Switchboard {

AsyncStore::AsyncStore(Factory factory, QObject *parent)
    : QObject(parent)
    , m_factory(std::move(factory))
{ }

AsyncStore::~AsyncStore()
{
    if (!m_thread)
        return;
    drain();
    // The connection belongs to the worker thread: close it there.
    QMetaObject::invokeMethod(
        m_worker, [this]() { m_store.reset(); }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    delete m_worker;
    delete m_thread;
}

QObject *AsyncStore::relayForCurrentThread()
{
    // One plain QObject per requesting thread receives the completions for that thread;
    // deleted when the thread ends.
    static QThreadStorage<QObject *> relays;
    if (!relays.hasLocalData())
        relays.setLocalData(new QObject);
    return relays.localData();
}

bool AsyncStore::start(QString *error)
{
    Q_ASSERT(!m_thread);
    m_thread = new QThread;
    m_thread->setObjectName(QStringLiteral("store"));
    m_worker = new QObject;
    m_worker->moveToThread(m_thread);
    m_thread->start();
    QString failure;
    QMetaObject::invokeMethod(
        m_worker,
        [this, &failure]() {
            try {
                m_store = m_factory();
                if (!m_store)
                    throw StoreError("the store could not be opened");
                m_store->migrate();
                m_backendName = m_store->backendName();
            } catch (const StoreError &e) {
                failure = QString::fromUtf8(e.what());
                m_store.reset();
            }
        },
        Qt::BlockingQueuedConnection);
    if (!m_store) {
        *error = failure;
        m_thread->quit();
        m_thread->wait();
        delete m_worker;
        m_worker = nullptr;
        delete m_thread;
        m_thread = nullptr;
        return false;
    }
    return true;
}

void AsyncStore::enqueue(QueuedTask task)
{
    Q_ASSERT(m_worker);
    QMutexLocker lock(&m_mutex);
    m_tasks.append(std::move(task));
    if (m_tasksPosted)
        return;
    m_tasksPosted = true;
    lock.unlock();
    QMetaObject::invokeMethod(
        m_worker, [this]() { runTasks(); }, Qt::QueuedConnection);
}

void AsyncStore::runTasks()
{
    for (int round = 0; round < MAX_TASK_ROUNDS; ++round) {
        if (!runQueuedRound())
            return;
    }
    // Still busy: the rest runs after the events that waited meanwhile (m_tasksPosted stays set).
    QMetaObject::invokeMethod(
        m_worker, [this]() { runTasks(); }, Qt::QueuedConnection);
}

bool AsyncStore::runQueuedRound()
{
    QList<QueuedTask> tasks;
    {
        QMutexLocker lock(&m_mutex);
        if (m_tasks.isEmpty()) {
            m_tasksPosted = false;
            return false;
        }
        tasks.swap(m_tasks);
    }
    for (qsizetype i = 0; i < tasks.size();) {
        if (!tasks[i].read) {
            tasks[i].run();
            ++i;
            continue;
        }
        qsizetype end = i + 1;
        while (end < tasks.size() && tasks[end].read)
            ++end;
        runReads(tasks, i, end);
        i = end;
    }
    deliverCompletions();
    return true;
}

void AsyncStore::noteFailure(std::chrono::steady_clock::time_point started, const char *what)
{
    const auto now = std::chrono::steady_clock::now();
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(now - started);
    if (took.count() < STALLED_FAILURE_MS)
        return; // a quick failure: a bad request or a lost connection, not a hang
    m_failFastUntil = now + std::chrono::milliseconds(FAIL_FAST_MS);
    qCWarning(lcStore).nospace() << what << " failed after " << took.count()
                                 << " ms: the database is stuck; queued work fails at once for "
                                 << FAIL_FAST_MS << " ms";
}

void AsyncStore::runReads(QList<QueuedTask> &tasks, qsizetype from, qsizetype to)
{
    if (failingFast()) { // each read answers FAILING_FAST itself: no transaction for them
        for (qsizetype i = from; i < to; ++i)
            tasks[i].run();
        return;
    }
    bool open = false;
    try {
        m_store->beginReads();
        open = true;
    } catch (const StoreError &e) {
        // Each read goes on its own then, and reports the store's trouble itself.
        qCWarning(lcStore) << "a read transaction could not begin:" << e.what();
    }
    for (qsizetype i = from; i < to; ++i)
        tasks[i].run();
    if (open)
        m_store->endReads();
}

void AsyncStore::complete(QObject *relay, Task completion)
{
    m_completions[relay].append(std::move(completion));
}

void AsyncStore::deliverCompletions()
{
    for (auto it = m_completions.begin(); it != m_completions.end(); ++it) {
        QMetaObject::invokeMethod(
            it.key(),
            [completions = std::move(it.value())]() {
                for (const Task &c : completions)
                    c();
            },
            Qt::QueuedConnection);
    }
    m_completions.clear();
}

int AsyncStore::queuedJobs() const
{
    QMutexLocker lock(&m_mutex);
    return m_queuedJobs.load(std::memory_order_relaxed) + int(m_appends.size());
}

bool AsyncStore::saturated() const
{
    const int max = maxQueued();
    return max > 0 && queuedJobs() >= max;
}

bool AsyncStore::admitJob()
{
    QMutexLocker lock(&m_mutex);
    const int max = maxQueued();
    if (max > 0 && m_queuedJobs.load(std::memory_order_relaxed) + m_appends.size() >= max) {
        m_refusedJobs.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    m_queuedJobs.fetch_add(1, std::memory_order_relaxed);
    return true;
}

void AsyncStore::refuse(QObject *relay, Task callback)
{
    // Never from inside the caller's call: callers expect their callback later, as for
    // every job that runs.
    QMetaObject::invokeMethod(relay, std::move(callback), Qt::QueuedConnection);
}

bool AsyncStore::append(const NewMessage &message, QObject *context, AppendDone done)
{
    QPointer<QObject> guard(context);
    QObject *relay = relayForCurrentThread();
    QMutexLocker lock(&m_mutex);
    const int max = maxQueued();
    if (max > 0 && m_queuedJobs.load(std::memory_order_relaxed) + m_appends.size() >= max) {
        lock.unlock();
        m_refusedJobs.fetch_add(1, std::memory_order_relaxed);
        refuse(relay, [guard, done = std::move(done)]() {
            if (guard)
                done(std::nullopt, QString::fromLatin1(OVERLOADED));
        });
        return false;
    }
    m_appends.append(PendingAppend {message, guard, relay, std::move(done)});
    if (m_commitPosted)
        return true; // the commit already queued takes this one too
    m_commitPosted = true;
    lock.unlock();
    enqueue([this]() { commitAppends(); });
    return true;
}

int AsyncStore::pendingAppends() const
{
    QMutexLocker lock(&m_mutex);
    return int(m_appends.size());
}

void AsyncStore::commitAppends()
{
    QList<PendingAppend> batch;
    {
        QMutexLocker lock(&m_mutex);
        if (m_appends.size() <= MAX_GROUP_COMMIT) {
            batch.swap(m_appends);
            m_commitPosted = false;
        } else {
            batch = m_appends.mid(0, MAX_GROUP_COMMIT);
            m_appends.remove(0, MAX_GROUP_COMMIT);
            // the rest goes in the next transaction, after other queued jobs had their turn
            lock.unlock();
            enqueue([this]() { commitAppends(); });
        }
    }
    if (batch.isEmpty())
        return;
    QList<NewMessage> messages;
    messages.reserve(batch.size());
    for (const PendingAppend &p : batch)
        messages << p.message;

    QList<AppendResult> results;
    QString error;
    if (failingFast()) {
        // Nothing is stored and nothing acknowledged: the senders retry.
        error = QString::fromLatin1(FAILING_FAST);
        m_failedFast.fetch_add(batch.size(), std::memory_order_relaxed);
    } else {
        const auto started = std::chrono::steady_clock::now();
        try {
            results = m_store->append(messages);
        } catch (const StoreError &e) {
            error = QString::fromUtf8(e.what());
            qCWarning(lcStore) << "group commit of" << messages.size()
                               << "messages failed:" << error;
            noteFailure(started, "a group commit");
        }
    }
    // Each requesting thread gets its completions back in order, with the round's others.
    for (qsizetype i = 0; i < batch.size(); ++i) {
        PendingAppend &p = batch[i];
        std::optional<AppendResult> r;
        if (i < results.size())
            r = std::move(results[i]);
        complete(p.relay,
                 [guard = std::move(p.guard), done = std::move(p.done), r = std::move(r),
                  error]() mutable {
                     if (guard)
                         done(std::move(r), error);
                 });
    }
}

void AsyncStore::advanceCursor(const StreamCursor &cursor)
{
    QMutexLocker lock(&m_mutex);
    qint64 &seq = m_cursors[cursor.userId][cursor.stream];
    seq = std::max(seq, cursor.seq);
    lock.unlock();
    scheduleFlush();
}

QHash<QString, qint64> AsyncStore::pendingCursors(qint64 userId) const
{
    QMutexLocker lock(&m_mutex);
    return m_cursors.value(userId);
}

void AsyncStore::setLastSeen(qint64 userId, qint64 ms)
{
    QMutexLocker lock(&m_mutex);
    qint64 &v = m_lastSeen[userId];
    v = std::max(v, ms);
    lock.unlock();
    scheduleFlush();
}

qint64 AsyncStore::pendingLastSeen(qint64 userId) const
{
    QMutexLocker lock(&m_mutex);
    return m_lastSeen.value(userId);
}

void AsyncStore::scheduleFlush()
{
    QMutexLocker lock(&m_mutex);
    if (m_flushScheduled)
        return;
    m_flushScheduled = true;
    lock.unlock();
    enqueue([this]() {
        QTimer::singleShot(FLUSH_INTERVAL_MS, m_worker, [this]() { flushCoalesced(); });
    });
}

void AsyncStore::flushCoalesced(bool force)
{
    if (!force && failingFast()) {
        // Keep the updates (m_flushScheduled stays set, so new ones coalesce with them) and
        // try after the window instead of meeting the hang.
        QTimer::singleShot(FAIL_FAST_MS, m_worker, [this]() { flushCoalesced(); });
        return;
    }
    const auto started = std::chrono::steady_clock::now();
    QHash<qint64, QHash<QString, qint64>> cursors;
    QHash<qint64, qint64> lastSeen;
    {
        QMutexLocker lock(&m_mutex);
        cursors.swap(m_cursors);
        lastSeen.swap(m_lastSeen);
        m_flushScheduled = false;
    }
    if (!cursors.isEmpty()) {
        QList<StreamCursor> list;
        list.reserve(cursors.size());
        for (auto user = cursors.cbegin(); user != cursors.cend(); ++user) {
            for (auto it = user->cbegin(); it != user->cend(); ++it)
                list << StreamCursor {user.key(), it.key(), it.value()};
        }
        try {
            m_store->advanceCursors(list);
        } catch (const StoreError &e) {
            // Cursors only save re-delivery work: a lost update means a client may see a
            // message again after reconnecting (it dedupes by id), never a lost message.
            qCWarning(lcStore) << "saving" << list.size() << "cursors failed:" << e.what();
            noteFailure(started, "saving cursors");
        }
    }
    if (!lastSeen.isEmpty()) {
        QList<QPair<qint64, qint64>> list;
        list.reserve(lastSeen.size());
        for (auto it = lastSeen.cbegin(); it != lastSeen.cend(); ++it)
            list.append({it.key(), it.value()});
        try {
            m_store->setLastSeen(list);
        } catch (const StoreError &e) {
            qCWarning(lcStore) << "saving last-seen times failed:" << e.what();
            noteFailure(started, "saving last-seen times");
        }
    }
}

void AsyncStore::drain()
{
    if (!m_worker)
        return;
    QMetaObject::invokeMethod(
        m_worker,
        [this]() {
            while (runQueuedRound()) { }
            for (;;) {
                {
                    QMutexLocker lock(&m_mutex);
                    if (m_appends.isEmpty())
                        break;
                }
                commitAppends();
            }
            flushCoalesced(true);
            deliverCompletions();
        },
        Qt::BlockingQueuedConnection);
}

} // namespace Switchboard
