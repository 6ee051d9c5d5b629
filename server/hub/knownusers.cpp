// SPDX-License-Identifier: MIT
#include "knownusers.h"

#include "store/asyncstore.h"

#include <utility>

#include <QLoggingCategory>
#include <QPointer>

Q_LOGGING_CATEGORY(lcKnownUsers, "switchboard.users")

namespace Switchboard {

KnownUsers::KnownUsers(AsyncStore *store, QObject *parent)
    : QObject(parent)
    , m_store(store)
{
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(FLUSH_INTERVAL_MS);
    connect(&m_flushTimer, &QTimer::timeout, this, &KnownUsers::flush);
}

void KnownUsers::remember(qint64 userId)
{
    if (m_known.size() >= MAX_CACHED)
        m_known.clear(); // refilled from the store, one lookup per id
    m_known.insert(userId);
}

void KnownUsers::noteAuthenticated(qint64 userId, bool hasAccount)
{
    if (userId <= 0 || m_known.contains(userId))
        return;
    remember(userId);
    if (hasAccount)
        return;
    m_pending.append(userId);
    if (m_pending.size() >= MAX_PENDING)
        flush();
    else if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void KnownUsers::flush()
{
    m_flushTimer.stop();
    if (m_pending.isEmpty())
        return;
    const QList<qint64> ids = std::exchange(m_pending, {});
    // A refused or failed write loses nothing that matters: the ids stay cached, and an id
    // that authenticates again after a restart is recorded then.
    m_store->run<bool>(
        this,
        [ids](Store &store) {
            store.addPrincipals(ids, QStringLiteral("token"));
            return true;
        },
        [n = ids.size()](std::optional<bool> ok, QString error) {
            if (!ok)
                qCWarning(lcKnownUsers) << "recording" << n << "token users failed:" << error;
        });
}

void KnownUsers::check(qint64 userId, bool reserve, QObject *context, Done done)
{
    if (m_known.contains(userId)) {
        done(true, QString());
        return;
    }
    QPointer<QObject> guard(context);
    auto finish
        = [this, userId, guard, done = std::move(done)](std::optional<bool> known, QString error) {
              if (known && *known)
                  remember(userId);
              if (guard)
                  done(known, error);
          };
    if (!reserve) {
        if (m_recheckMs <= 0) {
            m_store->read<bool>(
                this, [userId](Store &store) { return store.isKnownUser(userId); },
                std::move(finish));
            return;
        }
        // Several nodes: a miss may be an id another node has not recorded yet.
        m_store->read<bool>(
            this, [userId](Store &store) { return store.isKnownUser(userId); },
            [this, userId, finish = std::move(finish)](std::optional<bool> known, QString error) {
                if (!known || *known) {
                    finish(known, error);
                    return;
                }
                if (m_onlineAnywhere && m_onlineAnywhere(userId)) {
                    finish(true, QString());
                    return;
                }
                QTimer::singleShot(m_recheckMs, this, [this, userId, finish]() {
                    m_store->read<bool>(
                        this, [userId](Store &store) { return store.isKnownUser(userId); }, finish);
                });
            });
        return;
    }
    m_store->run<bool>(
        this,
        [userId](Store &store) {
            if (!store.isKnownUser(userId)) {
                store.addPrincipals({userId}, QStringLiteral("addressed"));
                qCInfo(lcKnownUsers) << "user" << userId << "reserved by a message";
            }
            return true;
        },
        std::move(finish));
}

} // namespace Switchboard
