// SPDX-License-Identifier: MIT
#pragma once

#include "auth/tokenservice.h"

#include <functional>
#include <optional>

#include <QHash>
#include <QList>
#include <QString>

namespace Switchboard {

// What the account behind a token allows, as the store has it.
struct AccountState
{
    bool exists = false; // false: a user only backends know (minted tokens keep working)
    bool disabled = false;
    bool admin = false;
    qint64 tokensValidAfterMs = 0; // tokens issued before this moment are revoked
    QString username;
};

enum class AccountVerdict {
    Ok,
    Disabled, // the account is disabled: 403 / close 4003
    Revoked, // the token was issued before the account's tokens_valid_after: 401 / 4003
    Unavailable, // the store could not be read: 503 / 1013
};

// The one account-state check of REST, WebSocket and admin paths: a token is good only while its
// account is enabled and the token is younger than the account's "tokens valid after" moment;
// the role comes from the account, not from the claim. States are cached (bounded, with a
// time-to-live so changes made elsewhere, e.g. by the `user` command, arrive) and invalidated
// by the routes that change them. Event-loop thread only.
class AccountCache
{
public:
    using Loaded = std::function<void(std::optional<AccountState>)>; // nullopt = store failed
    using Loader = std::function<void(qint64 userId, Loaded done)>;
    using Done = std::function<void(AccountVerdict, const TokenClaims &effective)>;

    AccountCache(Loader loader, qint64 ttlMs, int maxEntries);

    // Judges a verified token. Calls done at once when the state is cached, else after a load.
    void check(const TokenClaims &claims, qint64 nowMs, Done done);
    // The verdict from the cache alone; nullopt when the user's state is not cached.
    std::optional<AccountVerdict> checkCached(const TokenClaims &claims, qint64 nowMs,
                                              TokenClaims *effective = nullptr) const;
    // The verdict from the state last cached, however old (nullopt when none is): what a live
    // connection goes by when restrictions() moved, since that state is the newest news.
    std::optional<AccountVerdict> checkLatest(const TokenClaims &claims) const;
    // The state as just read from the store by someone else (e.g. a session's activation).
    void put(qint64 userId, const AccountState &state, qint64 nowMs);
    void invalidate(qint64 userId);
    // Grows whenever a state that refuses tokens the cache did not refuse before comes in
    // (disabled, or a later tokens_valid_after). A live connection judged at one value needs no
    // new look until it changes: the once-a-second tick of every connection stays a compare.
    quint64 restrictions() const { return m_restrictions; }

    // The verdict for a token given its account's state; *effective gets the account's role
    // and name.
    static AccountVerdict judge(const AccountState &state, const TokenClaims &claims,
                                TokenClaims *effective);
    static QString verdictText(AccountVerdict verdict);

private:
    struct Entry
    {
        AccountState state;
        qint64 loadedAtMs = 0;
    };
    struct Pending
    {
        quint64 epoch = 0;
        QList<std::pair<TokenClaims, Done>> waiters;
    };
    void loaded(qint64 userId, const std::optional<AccountState> &state, qint64 nowMs);

    Loader m_loader;
    qint64 m_ttlMs;
    int m_maxEntries;
    QHash<qint64, Entry> m_entries;
    QHash<qint64, Pending> m_pending;
    quint64 m_epoch = 0; // bumped by invalidate(): loads started before it are not cached
    quint64 m_restrictions = 0; // see restrictions()
    qint64 m_lastPurgeMs = 0;
};

} // namespace Switchboard
