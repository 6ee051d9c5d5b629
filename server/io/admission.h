// SPDX-License-Identifier: MIT
#pragma once

#include "io/accessruleset.h"

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <QHostAddress>
#include <QList>
#include <QPair>

namespace Switchboard::Io {

struct AdmissionSettings
{
    int maxPending = 8192; // connections accepted that are not (yet) WebSockets
    int maxPerAddress = 256; // open connections per address, of any kind
    int ratePerAddress = 100; // new connections per second per address; the burst is as large
    int ipv6Prefix = 64; // IPv6 clients are grouped by this prefix
    QList<QPair<QHostAddress, int>> exempt; // free of the per-address limits
};

// The one place where accepted TCP connections are counted, for both transports' listeners
// (thread-safe: the native transport admits on an I/O thread, releases on any of them).
// Decides at accept time, before a byte is read: a cap on connections that are not WebSockets
// (handshakes under way, plain HTTP keep-alive), a cap on open connections per address and a
// token bucket of new connections per address. The per-address table only holds addresses
// with open connections or a recent connection, so it is bounded by the accept rate.
class Admission
{
public:
    enum class Verdict { Admit, TooManyPending, TooManyFromAddress, TooFast, Denied };

    explicit Admission(const AdmissionSettings &settings);
    Admission(const Admission &) = delete;
    Admission &operator=(const Admission &) = delete;

    // A connection was just accepted: counts it (pending, and against its address) and says
    // whether to keep it. Anything but Admit is not counted, and the caller closes the socket.
    Verdict admit(const QHostAddress &peer);
    // The admitted connection became a WebSocket: it no longer counts as pending.
    void upgraded();
    // The admitted connection is gone; `pending` = it never became a WebSocket.
    void release(const QHostAddress &peer, bool pending);

    int pending() const;
    size_t trackedAddresses() const; // for tests and operators

    // Access rules (docs/SECURITY.md), consulted first in admit(), for every address (the
    // exempt networks too). Swapped whole by the logic thread; admit() reads a snapshot.
    void setAccessRules(std::shared_ptr<const AccessRuleSet> rules);
    std::shared_ptr<const AccessRuleSet> accessRules() const;
    static const char *verdictText(Verdict verdict);

private:
    struct Key
    {
        quint64 high = 0;
        quint64 low = 0;
        bool operator==(const Key &o) const { return high == o.high && low == o.low; }
    };
    struct KeyHash
    {
        size_t operator()(const Key &k) const
        {
            return size_t(k.high * 0x9E3779B97F4A7C15ULL ^ k.low);
        }
    };
    struct Entry
    {
        int open = 0;
        double tokens = 0;
        qint64 refilledMs = 0;
    };

    struct Network
    {
        Key address; // masked
        Key mask;
    };
    // The address as 128 bits, IPv4 (and IPv4-mapped IPv6) as ::ffff:a.b.c.d.
    static Key rawKey(const QHostAddress &peer);
    // The per-address limits' key of a raw address: IPv6 cut to ipv6_prefix.
    Key limitKey(Key raw) const;
    bool exempt(const Key &raw) const;
    void sweepLocked(qint64 nowMs);
    void noteRefusalLocked(Verdict verdict, const QHostAddress &peer, qint64 nowMs);
    void noteDenied(const QHostAddress &peer, qint64 ruleId);

    const AdmissionSettings m_settings;
    std::vector<Network> m_exempt; // m_settings.exempt as masks: integer compares per connection
    mutable std::mutex m_lock;
    int m_pending = 0;
    std::unordered_map<Key, Entry, KeyHash> m_addresses;
    qint64 m_lastSweepMs = 0;
    // Refusals are logged at most once per interval, as counts.
    qint64 m_lastLogMs = 0;
    int m_refused[5] = {0, 0, 0, 0, 0};
    std::atomic<std::shared_ptr<const AccessRuleSet>> m_rules;
    // Refusals by access rules, reported apart (with the address and the rule).
    qint64 m_lastDeniedLogMs = 0;
    int m_denied = 0;
};

} // namespace Switchboard::Io
