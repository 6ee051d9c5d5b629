// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QHostAddress>
#include <QString>

namespace Switchboard {

struct ThrottleSettings
{
    int userFailures = 5; // failures of one username before the back-off starts
    int addressFailures = 20; // failures from one address (IPv6: its /64) before it starts
    qint64 backoffMs = 1000; // first back-off, doubled with each further failure
    qint64 backoffMaxMs = 300'000;
    qint64 windowMs = 900'000; // an entry is forgotten this long after its last failure
    int maxEntries = 100'000; // usernames + addresses tracked at most
};

// Counts failed authentications (passwords, API keys, tokens) per username and per client
// address and says how long a key must wait before it may try again: free failures first, then
// a back-off that doubles with each failure up to a maximum. The table is bounded: entries
// expire after the window, and when it is full the oldest-looking entries make room.
// Event-loop thread only.
class AuthThrottle
{
public:
    enum class Kind { User, Address };

    explicit AuthThrottle(ThrottleSettings settings = {});

    // Milliseconds until this key may try again; 0 = now.
    qint64 retryAfterMs(Kind kind, const QString &id, qint64 nowMs) const;
    // Records a failure; returns the wait it now imposes (0 while failures are free).
    qint64 failure(Kind kind, const QString &id, qint64 nowMs);
    // A success forgets the key's failures (used for usernames, never for addresses: one good
    // account must not reset an address that guesses others).
    void success(Kind kind, const QString &id);

    qsizetype size() const { return m_entries.size(); }
    const ThrottleSettings &settings() const { return m_settings; }

    // The key an address is counted under: IPv4 as is, IPv6 by its /64 (one host's share).
    static QString addressId(const QHostAddress &address);
    // A username fit for a log line: printable ASCII of the username alphabet, others as '?',
    // at most 64 characters.
    static QString sanitized(const QString &text);

private:
    struct Entry
    {
        int failures = 0;
        qint64 lastFailureMs = 0;
        qint64 blockedUntilMs = 0;
    };
    static QString key(Kind kind, const QString &id);
    void makeRoom(qint64 nowMs);

    ThrottleSettings m_settings;
    QHash<QString, Entry> m_entries;
    qint64 m_lastPurgeMs = 0;
};

} // namespace Switchboard
