// SPDX-License-Identifier: MIT
#include "accountcache.h"

#include <QDateTime>

namespace Switchboard {

AccountCache::AccountCache(Loader loader, qint64 ttlMs, int maxEntries)
    : m_loader(std::move(loader))
    , m_ttlMs(ttlMs)
    , m_maxEntries(qMax(1, maxEntries))
{ }

QString AccountCache::verdictText(AccountVerdict verdict)
{
    switch (verdict) {
    case AccountVerdict::Ok:
        return QStringLiteral("ok");
    case AccountVerdict::Disabled:
        return QStringLiteral("account disabled");
    case AccountVerdict::Revoked:
        return QStringLiteral("token revoked");
    case AccountVerdict::Unavailable:
        return QStringLiteral("database unavailable");
    }
    return QStringLiteral("refused");
}

AccountVerdict AccountCache::judge(const AccountState &state, const TokenClaims &claims,
                                   TokenClaims *effective)
{
    if (effective)
        *effective = claims;
    if (!state.exists)
        return AccountVerdict::Ok; // a backend's user: the token's claims are all there is
    if (state.disabled)
        return AccountVerdict::Disabled;
    if (state.tokensValidAfterMs > 0 && claims.issuedAtMs() < state.tokensValidAfterMs)
        return AccountVerdict::Revoked;
    if (effective) {
        effective->admin = state.admin;
        if (effective->username.isEmpty())
            effective->username = state.username;
    }
    return AccountVerdict::Ok;
}

std::optional<AccountVerdict> AccountCache::checkCached(const TokenClaims &claims, qint64 nowMs,
                                                        TokenClaims *effective) const
{
    const auto it = m_entries.constFind(claims.userId);
    if (it == m_entries.cend() || nowMs - it->loadedAtMs >= m_ttlMs)
        return std::nullopt;
    return judge(it->state, claims, effective);
}

std::optional<AccountVerdict> AccountCache::checkLatest(const TokenClaims &claims) const
{
    const auto it = m_entries.constFind(claims.userId);
    if (it == m_entries.cend())
        return std::nullopt;
    return judge(it->state, claims, nullptr);
}

void AccountCache::check(const TokenClaims &claims, qint64 nowMs, Done done)
{
    TokenClaims effective;
    if (const auto verdict = checkCached(claims, nowMs, &effective)) {
        done(*verdict, effective);
        return;
    }
    const qint64 userId = claims.userId;
    auto it = m_pending.find(userId);
    if (it != m_pending.end()) {
        it->waiters.append({claims, std::move(done)});
        return;
    }
    Pending pending;
    pending.epoch = m_epoch;
    pending.waiters.append({claims, std::move(done)});
    m_pending.insert(userId, std::move(pending));
    m_loader(userId, [this, userId](std::optional<AccountState> state) {
        loaded(userId, state, QDateTime::currentMSecsSinceEpoch());
    });
}

void AccountCache::loaded(qint64 userId, const std::optional<AccountState> &state, qint64 nowMs)
{
    Pending pending = m_pending.take(userId);
    if (state && pending.epoch == m_epoch)
        put(userId, *state, nowMs);
    for (auto &[claims, done] : pending.waiters) {
        TokenClaims effective = claims;
        const AccountVerdict verdict
            = state ? judge(*state, claims, &effective) : AccountVerdict::Unavailable;
        done(verdict, effective);
    }
}

void AccountCache::put(qint64 userId, const AccountState &state, qint64 nowMs)
{
    if (m_ttlMs <= 0)
        return;
    // Compared with what is cached (expired or not; an evicted entry is nothing cached).
    const auto refusesMore = [&state](const AccountState *before) {
        return (state.disabled && !(before && before->disabled))
            || state.tokensValidAfterMs > (before ? before->tokensValidAfterMs : 0);
    };
    const auto it = m_entries.find(userId); // one lookup: every connect puts its user's state
    if (it != m_entries.end()) {
        if (refusesMore(&it->state))
            ++m_restrictions;
        *it = Entry {state, nowMs};
        return;
    }
    if (refusesMore(nullptr))
        ++m_restrictions;
    if (m_entries.size() >= m_maxEntries) {
        // Expired entries go first (a scan, so at most once a second); else an arbitrary one:
        // it is only a cache.
        if (nowMs - m_lastPurgeMs >= 1000) {
            m_lastPurgeMs = nowMs;
            m_entries.removeIf([this, nowMs](const QHash<qint64, Entry>::iterator &e) {
                return nowMs - e.value().loadedAtMs >= m_ttlMs;
            });
        }
        while (m_entries.size() >= m_maxEntries && !m_entries.isEmpty())
            m_entries.erase(m_entries.begin());
    }
    m_entries.emplace(userId, Entry {state, nowMs});
}

void AccountCache::invalidate(qint64 userId)
{
    m_entries.remove(userId);
    ++m_epoch;
}

} // namespace Switchboard
