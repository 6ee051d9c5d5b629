// SPDX-License-Identifier: MIT
#include "accessruleset.h"

#include <algorithm>

namespace Switchboard::Io {

namespace {

// The mask of the first `bits` of a 64-bit half (0-64).
quint64 maskOf(int bits)
{
    return bits <= 0 ? 0 : bits >= 64 ? ~0ULL : ~0ULL << (64 - bits);
}

void masked(bool v6, int prefix, quint64 *high, quint64 *low)
{
    if (!v6) {
        *high = 0;
        *low &= prefix <= 0 ? 0 : (0xFFFFFFFFULL << (32 - prefix)) & 0xFFFFFFFFULL;
        return;
    }
    *high &= maskOf(prefix);
    *low &= maskOf(prefix - 64);
}

void split(const Q_IPV6ADDR &raw, quint64 *high, quint64 *low)
{
    *high = 0;
    *low = 0;
    for (int i = 0; i < 8; ++i) {
        *high = (*high << 8) | raw[i];
        *low = (*low << 8) | raw[8 + i];
    }
}

constexpr quint64 MAPPED_LOW = 0x0000FFFF00000000ULL; // ::ffff:0:0/96, the low half

} // namespace

std::optional<IpNetwork> IpNetwork::parse(const QString &text, QString *error, QString *normalised)
{
    const QString trimmed = text.trimmed();
    const qsizetype slash = trimmed.indexOf(QLatin1Char('/'));
    const QString addressText = slash < 0 ? trimmed : trimmed.left(slash);
    QHostAddress address;
    // Scope ids (fe80::1%eth0) name an interface of this host, not a network of clients.
    if (addressText.isEmpty() || addressText.contains(QLatin1Char('%'))
        || !address.setAddress(addressText)
        || (address.protocol() != QAbstractSocket::IPv4Protocol
            && address.protocol() != QAbstractSocket::IPv6Protocol)) {
        *error = QStringLiteral("'%1' is not an IPv4 or IPv6 address or network (like 10.0.0.0/8 "
                                "or 2001:db8::/32)")
                     .arg(trimmed.left(64));
        return std::nullopt;
    }
    IpNetwork n;
    n.v6 = address.protocol() == QAbstractSocket::IPv6Protocol;
    const int maxPrefix = n.v6 ? 128 : 32;
    n.prefix = maxPrefix;
    if (slash >= 0) {
        const QString prefixText = trimmed.mid(slash + 1);
        bool ok = !prefixText.isEmpty() && prefixText.size() <= 3
            && std::all_of(prefixText.begin(), prefixText.end(),
                           [](QChar c) { return c >= QLatin1Char('0') && c <= QLatin1Char('9'); });
        n.prefix = ok ? prefixText.toInt(&ok) : -1;
        if (!ok || n.prefix > maxPrefix) {
            *error = QStringLiteral("'%1': the prefix length must be 0-%2 for an %3 network")
                         .arg(trimmed.left(64))
                         .arg(maxPrefix)
                         .arg(n.v6 ? QStringLiteral("IPv6") : QStringLiteral("IPv4"));
            return std::nullopt;
        }
    }
    if (n.v6) {
        split(address.toIPv6Address(), &n.high, &n.low);
    } else {
        n.low = address.toIPv4Address();
    }
    // ::ffff:a.b.c.d/96+ is an IPv4 network as a dual-stack listener reports it.
    if (n.v6 && n.high == 0 && n.prefix >= 96 && (n.low & 0xFFFFFFFF00000000ULL) == MAPPED_LOW) {
        n.v6 = false;
        n.low &= 0xFFFFFFFFULL;
        n.prefix -= 96;
    }
    quint64 high = n.high, low = n.low;
    masked(n.v6, n.prefix, &high, &low);
    if (high != n.high || low != n.low) {
        n.high = high;
        n.low = low;
        if (normalised)
            *normalised = n.toString();
        *error = QStringLiteral("'%1' has host bits set: the network is %2")
                     .arg(trimmed.left(64), n.toString());
        return std::nullopt;
    }
    return n;
}

QString IpNetwork::toString() const
{
    if (!v6)
        return QStringLiteral("%1/%2").arg(QHostAddress(quint32(low)).toString()).arg(prefix);
    Q_IPV6ADDR raw;
    for (int i = 0; i < 8; ++i) {
        raw[i] = quint8(high >> (56 - 8 * i));
        raw[8 + i] = quint8(low >> (56 - 8 * i));
    }
    return QStringLiteral("%1/%2").arg(QHostAddress(raw).toString()).arg(prefix);
}

AccessRuleSet::AccessRuleSet(const QList<AccessRuleEntry> &rules)
{
    for (const AccessRuleEntry &rule : rules) {
        add(rule.network.v6 ? m_v6 : m_v4, Key {rule.network.high, rule.network.low},
            rule.network.prefix, Match {rule.id, rule.deny});
    }
    const auto longestFirst = [](const Level &a, const Level &b) { return a.prefix > b.prefix; };
    std::sort(m_v4.begin(), m_v4.end(), longestFirst);
    std::sort(m_v6.begin(), m_v6.end(), longestFirst);
    m_size = int(rules.size());
}

void AccessRuleSet::add(std::vector<Level> &levels, const Key &key, int prefix, const Match &match)
{
    auto level = std::find_if(levels.begin(), levels.end(),
                              [prefix](const Level &l) { return l.prefix == prefix; });
    if (level == levels.end()) {
        levels.push_back(Level {prefix, {}});
        level = levels.end() - 1;
    }
    auto [it, inserted] = level->networks.try_emplace(key, match);
    // The same network twice: deny wins over allow; among equals the oldest rule is named.
    if (!inserted && match.deny && !it->second.deny)
        it->second = match;
}

std::optional<AccessRuleSet::Match> AccessRuleSet::find(const std::vector<Level> &levels,
                                                        quint64 high, quint64 low, bool v6)
{
    for (const Level &level : levels) {
        Key key {high, low};
        masked(v6, level.prefix, &key.high, &key.low);
        const auto it = level.networks.find(key);
        if (it != level.networks.end())
            return it->second;
    }
    return std::nullopt;
}

std::optional<AccessRuleSet::Match> AccessRuleSet::match(const QHostAddress &peer) const
{
    if (m_size == 0)
        return std::nullopt;
    bool ok = false;
    const quint32 v4 = peer.toIPv4Address(&ok); // IPv4-mapped IPv6 addresses too
    if (ok)
        return find(m_v4, 0, v4, false);
    if (peer.protocol() != QAbstractSocket::IPv6Protocol)
        return std::nullopt;
    quint64 high = 0, low = 0;
    split(peer.toIPv6Address(), &high, &low);
    return find(m_v6, high, low, true);
}

bool AccessRuleSet::refuses(const QHostAddress &peer, qint64 *ruleId) const
{
    const auto m = match(peer);
    if (!m || !m->deny)
        return false;
    if (ruleId)
        *ruleId = m->ruleId;
    return true;
}

} // namespace Switchboard::Io
