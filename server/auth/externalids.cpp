// SPDX-License-Identifier: MIT
#include "externalids.h"

namespace Switchboard {

ExternalIds::ExternalIds(Resolver resolver, int maxEntries)
    : m_resolver(std::move(resolver))
    , m_maxEntries(qMax(1, maxEntries))
{ }

QString ExternalIds::unknownText(const QString &externalId)
{
    return QStringLiteral("'%1' is neither a user id nor the id of a user that has signed in")
        .arg(externalId);
}

void ExternalIds::resolve(const QString &externalId, bool create, Resolved done)
{
    if (const qint64 id = cachedUserId(externalId)) {
        done(id);
        return;
    }
    auto &pending = m_pending[create ? 1 : 0];
    auto it = pending.find(externalId);
    if (it != pending.end()) {
        it->append(std::move(done));
        return;
    }
    pending.insert(externalId, {std::move(done)});
    m_resolver(externalId, create, [this, externalId, create](std::optional<qint64> id) {
        const QList<Resolved> waiters = m_pending[create ? 1 : 0].take(externalId);
        if (id && *id > 0)
            put(*id, externalId);
        for (const Resolved &waiter : waiters)
            waiter(id);
    });
}

qint64 ExternalIds::cachedUserId(const QString &externalId) const
{
    return m_byExternal.value(externalId, 0);
}

QString ExternalIds::externalIdOf(qint64 userId) const
{
    return m_byUser.value(userId);
}

void ExternalIds::put(qint64 userId, const QString &externalId)
{
    if (userId <= 0 || externalId.isEmpty() || m_byUser.contains(userId))
        return;
    evictFor(userId);
    m_byUser.insert(userId, externalId);
    m_byExternal.insert(externalId, userId);
}

void ExternalIds::evictFor(qint64 userId)
{
    if (m_byUser.size() < m_maxEntries)
        return;
    // An arbitrary unpinned entry goes (it is only a cache: the store has them all); pinned
    // ones stay, so the table may pass its bound by the number of connected external users.
    for (auto it = m_byUser.begin(); it != m_byUser.end() && m_byUser.size() >= m_maxEntries;) {
        if (it.key() != userId && !m_pins.contains(it.key())) {
            m_byExternal.remove(it.value());
            it = m_byUser.erase(it);
        } else {
            ++it;
        }
    }
}

void ExternalIds::pin(qint64 userId)
{
    ++m_pins[userId];
}

void ExternalIds::unpin(qint64 userId)
{
    auto it = m_pins.find(userId);
    if (it != m_pins.end() && --*it <= 0)
        m_pins.erase(it);
}

} // namespace Switchboard
