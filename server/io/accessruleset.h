// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <unordered_map>
#include <vector>

#include <QHostAddress>
#include <QList>
#include <QString>

namespace Switchboard::Io {

// A network of an access rule in its normal form: host bits clear, IPv4-mapped IPv6 networks
// (::ffff:a.b.c.d/96 and longer) folded into IPv4 ones, so that one rule matches a client
// whichever way a dual-stack listener reports it.
struct IpNetwork
{
    bool v6 = false;
    quint64 high = 0; // IPv6: the first 64 bits; IPv4: 0
    quint64 low = 0; // IPv6: the last 64 bits; IPv4: the address
    int prefix = 0; // 0-32 (IPv4) or 0-128 (IPv6)

    // "10.0.0.0/8", "2001:db8::/32", a single address (= /32 or /128). Nullopt with the reason
    // on garbage, a prefix out of range, or host bits set (the reason names the network then,
    // and *normalised holds it).
    static std::optional<IpNetwork> parse(const QString &text, QString *error,
                                          QString *normalised = nullptr);
    QString toString() const;
    bool operator==(const IpNetwork &o) const
    {
        return v6 == o.v6 && high == o.high && low == o.low && prefix == o.prefix;
    }
};

struct AccessRuleEntry
{
    qint64 id = 0;
    bool deny = false;
    IpNetwork network;
};

// An immutable set of allow/deny rules, built once and shared read-only between threads (the
// accept paths of both transports hold it through a shared_ptr to const). The most specific
// matching rule decides; at equal prefix length deny wins; no match = admitted. A lookup costs
// one hash probe per distinct prefix length in use (at most 33 for IPv4, 129 for IPv6), however
// many rules there are.
class AccessRuleSet
{
public:
    struct Match
    {
        qint64 ruleId = 0;
        bool deny = false;
    };

    AccessRuleSet() = default;
    explicit AccessRuleSet(const QList<AccessRuleEntry> &rules);

    // The deciding rule for this client address, nullopt when none matches.
    std::optional<Match> match(const QHostAddress &peer) const;
    // True when the address is refused; *ruleId then names the deciding deny rule.
    bool refuses(const QHostAddress &peer, qint64 *ruleId = nullptr) const;
    int size() const { return m_size; }

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
            return size_t((k.high * 0x9E3779B97F4A7C15ULL) ^ (k.low * 0xC2B2AE3D27D4EB4FULL));
        }
    };
    struct Level
    {
        int prefix = 0;
        std::unordered_map<Key, Match, KeyHash> networks;
    };
    void add(std::vector<Level> &levels, const Key &key, int prefix, const Match &match);
    static std::optional<Match> find(const std::vector<Level> &levels, quint64 high, quint64 low,
                                     bool v6);

    std::vector<Level> m_v4; // longest prefix first
    std::vector<Level> m_v6;
    int m_size = 0;
};

} // namespace Switchboard::Io
