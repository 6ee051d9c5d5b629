// SPDX-License-Identifier: MIT
#include "passwordpool.h"

#include "passwordhasher.h"

#include <QMetaObject>
#include <QObject>

#include <sodium.h>

namespace Switchboard {

namespace {

// The password bytes are wiped as soon as the hash work is done with them.
void wipe(QByteArray &secret)
{
    if (!secret.isEmpty())
        sodium_memzero(secret.data(), size_t(secret.size()));
    secret.clear();
}

} // namespace

PasswordPool::PasswordPool(int threads, int maxQueued)
    : m_maxQueued(qMax(1, maxQueued))
{
    for (int i = 0; i < qMax(1, threads); ++i)
        m_threads.emplace_back([this] { work(); });
    // The dummy hash is made at start, on a worker, so the first unknown username does not
    // pay for it (and so cannot be told apart by its time).
    submit([this] { dummyHash(); });
}

PasswordPool::~PasswordPool()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        m_jobs.clear();
    }
    m_wake.notify_all();
    for (std::thread &t : m_threads)
        t.join();
}

const QString &PasswordPool::dummyHash()
{
    std::call_once(m_dummyOnce, [this] {
        unsigned char raw[32];
        randombytes_buf(raw, sizeof raw);
        m_dummyHash = PasswordHasher::hash(
            QByteArrayView(reinterpret_cast<const char *>(raw), qsizetype(sizeof raw)));
    });
    return m_dummyHash;
}

int PasswordPool::queued() const
{
    std::lock_guard lock(m_mutex);
    return int(m_jobs.size());
}

bool PasswordPool::submit(std::function<void()> job)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping || int(m_jobs.size()) >= m_maxQueued)
            return false;
        m_jobs.push_back(std::move(job));
    }
    m_wake.notify_one();
    return true;
}

void PasswordPool::work()
{
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
            if (m_stopping)
                return;
            job = std::move(m_jobs.front());
            m_jobs.pop_front();
        }
        job();
    }
}

bool PasswordPool::verify(QObject *context, const QString &encodedHash, QByteArray password,
                          std::function<void(bool)> done)
{
    return submit([this, context, encodedHash, password, done = std::move(done)]() mutable {
        bool ok = false;
        if (encodedHash.isEmpty())
            PasswordHasher::verify(dummyHash(), password);
        else
            ok = PasswordHasher::verify(encodedHash, password);
        wipe(password);
        QMetaObject::invokeMethod(
            context, [done = std::move(done), ok] { done(ok); }, Qt::QueuedConnection);
    });
}

bool PasswordPool::hash(QObject *context, QByteArray password, std::function<void(QString)> done)
{
    return submit([context, password, done = std::move(done)]() mutable {
        QString encoded = PasswordHasher::hash(password);
        wipe(password);
        QMetaObject::invokeMethod(
            context, [done = std::move(done), encoded] { done(encoded); }, Qt::QueuedConnection);
    });
}

} // namespace Switchboard
