// SPDX-License-Identifier: MIT
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <QByteArray>
#include <QString>

class QObject;

namespace Switchboard {

// Runs argon2id (PasswordHasher) on a few threads of its own with a bounded queue, so a login
// flood never occupies the store's worker or the event loop, and never queues without bound:
// when the queue is full a job is refused at once and the caller answers 503.
// A verification against no hash (unknown user) checks a dummy hash computed once at start, so
// known and unknown usernames take the same time.
class PasswordPool
{
public:
    PasswordPool(int threads, int maxQueued);
    ~PasswordPool(); // finishes the running jobs, drops the queued ones (their done never runs)

    PasswordPool(const PasswordPool &) = delete;
    PasswordPool &operator=(const PasswordPool &) = delete;

    // `context` must outlive the pool (the pool joins its threads when destroyed).
    // Checks `password` against `encodedHash` (empty = the dummy hash, always false) and calls
    // done(ok) on context's thread. False, and done never called, when the queue is full.
    bool verify(QObject *context, const QString &encodedHash, QByteArray password,
                std::function<void(bool)> done);
    // Hashes `password` and calls done(hash) (empty on failure) on context's thread. False when
    // the queue is full.
    bool hash(QObject *context, QByteArray password, std::function<void(QString)> done);

    int queued() const;
    int maxQueued() const { return m_maxQueued; }

private:
    bool submit(std::function<void()> job);
    void work();
    const QString &dummyHash();

    const int m_maxQueued;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::function<void()>> m_jobs;
    bool m_stopping = false;
    std::once_flag m_dummyOnce;
    QString m_dummyHash;
    std::vector<std::thread> m_threads;
};

} // namespace Switchboard
