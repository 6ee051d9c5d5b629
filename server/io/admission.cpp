// SPDX-License-Identifier: MIT
#include "admission.h"

#include <algorithm>
#include <utility>

#include <QDateTime>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcAdmission, "switchboard.admission")

namespace Switchboard::Io {

namespace {

constexpr qint64 SWEEP_INTERVAL_MS = 1000;
constexpr qint64 LOG_INTERVAL_MS = 10'000;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// IPv4-mapped IPv6 addresses (a dual-stack listener) are their IPv4 address.
QHostAddress plain(const QHostAddress &peer)
{
    bool ok = false;
    const quint32 v4 = peer.toIPv4Address(&ok);
    return ok ? QHostAddress(v4) : peer;
}

} // namespace

Admission::Admission(const AdmissionSettings &settings)
    : m_settings(settings)
{
    for (const auto &[address, prefix] : m_settings.exempt) {
        const Key raw = rawKey(address);
        bool v4 = false;
        address.toIPv4Address(&v4);
        const int bits = std::clamp(v4 ? prefix + 96 : prefix, 0, 128);
        Key mask;
        mask.high = bits == 0 ? 0 : bits >= 64 ? ~0ULL : ~0ULL << (64 - bits);
        mask.low = bits <= 64 ? 0 : bits == 128 ? ~0ULL : ~0ULL << (128 - bits);
        m_exempt.push_back({Key {raw.high & mask.high, raw.low & mask.low}, mask});
    }
}

const char *Admission::verdictText(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Admit:
        return "admitted";
    case Verdict::TooManyPending:
        return "max_pending_connections reached";
    case Verdict::TooManyFromAddress:
        return "max_connections_per_address reached";
    case Verdict::TooFast:
        return "max_connection_rate_per_address exceeded";
    case Verdict::Denied:
        return "refused by an access rule";
    }
    return "";
}

Admission::Key Admission::rawKey(const QHostAddress &peer)
{
    Key key;
    bool ok = false;
    const quint32 v4 = peer.toIPv4Address(&ok);
    if (ok) {
        key.low = 0xFFFF00000000ULL | v4;
        return key;
    }
    const Q_IPV6ADDR raw = peer.toIPv6Address();
    for (int i = 0; i < 8; ++i) {
        key.high = (key.high << 8) | raw[i];
        key.low = (key.low << 8) | raw[8 + i];
    }
    return key;
}

Admission::Key Admission::limitKey(Key key) const
{
    if (key.high == 0 && (key.low >> 32) == 0xFFFF)
        return key; // IPv4: the IPv4-mapped form, never equal to an IPv6 key
    const int prefix = std::clamp(m_settings.ipv6Prefix, 0, 128);
    if (prefix <= 64) {
        key.low = 0;
        key.high = prefix == 0 ? 0 : key.high & (~0ULL << (64 - prefix));
    } else if (prefix < 128) {
        key.low &= ~0ULL << (128 - prefix);
    }
    key.high ^= 0x8000000000000000ULL; // keeps ::/64 apart from the IPv4 keys
    return key;
}

bool Admission::exempt(const Key &raw) const
{
    return std::any_of(m_exempt.cbegin(), m_exempt.cend(), [&](const Network &n) {
        return (raw.high & n.mask.high) == n.address.high
            && (raw.low & n.mask.low) == n.address.low;
    });
}

void Admission::setAccessRules(std::shared_ptr<const AccessRuleSet> rules)
{
    m_rules.store(std::move(rules), std::memory_order_release);
}

std::shared_ptr<const AccessRuleSet> Admission::accessRules() const
{
    return m_rules.load(std::memory_order_acquire);
}

Admission::Verdict Admission::admit(const QHostAddress &peer)
{
    if (const auto rules = m_rules.load(std::memory_order_acquire)) {
        qint64 ruleId = 0;
        if (rules->refuses(peer, &ruleId)) {
            noteDenied(peer, ruleId);
            return Verdict::Denied;
        }
    }
    const Key raw = rawKey(peer);
    const bool free = exempt(raw);
    const Key key = free ? Key {} : limitKey(raw);
    const qint64 now = nowMs();
    QString log;
    Verdict verdict = Verdict::Admit;
    {
        std::lock_guard lock(m_lock);
        if (now - m_lastSweepMs >= SWEEP_INTERVAL_MS)
            sweepLocked(now);
        if (m_pending >= m_settings.maxPending) {
            verdict = Verdict::TooManyPending;
        } else if (!free) {
            Entry &e = m_addresses[key];
            if (e.refilledMs == 0) {
                e.tokens = m_settings.ratePerAddress;
            } else {
                e.tokens = std::min<double>(
                    m_settings.ratePerAddress,
                    e.tokens + double(now - e.refilledMs) * m_settings.ratePerAddress / 1000.0);
            }
            e.refilledMs = now;
            if (e.open >= m_settings.maxPerAddress)
                verdict = Verdict::TooManyFromAddress;
            else if (e.tokens < 1)
                verdict = Verdict::TooFast;
            else {
                e.tokens -= 1;
                ++e.open;
            }
        }
        if (verdict == Verdict::Admit) {
            ++m_pending;
            return verdict;
        }
        ++m_refused[int(verdict)];
        if (now - m_lastLogMs >= LOG_INTERVAL_MS) {
            m_lastLogMs = now;
            log = QStringLiteral(
                      "refused connections (at most one report per %1 s): %2 (pending cap), %3 "
                      "(per-address limit), %4 (per-address rate); the latest from "
                      "%5: %6")
                      .arg(LOG_INTERVAL_MS / 1000)
                      .arg(m_refused[int(Verdict::TooManyPending)])
                      .arg(m_refused[int(Verdict::TooManyFromAddress)])
                      .arg(m_refused[int(Verdict::TooFast)])
                      .arg(plain(peer).toString(), QLatin1StringView(verdictText(verdict)));
            std::fill(std::begin(m_refused), std::end(m_refused), 0);
        }
    }
    if (!log.isEmpty())
        qCWarning(lcAdmission).noquote() << log;
    return verdict;
}

void Admission::noteDenied(const QHostAddress &peer, qint64 ruleId)
{
    const qint64 now = nowMs();
    int count = 0;
    {
        std::lock_guard lock(m_lock);
        ++m_denied;
        if (now - m_lastDeniedLogMs < LOG_INTERVAL_MS)
            return;
        m_lastDeniedLogMs = now;
        count = std::exchange(m_denied, 0);
    }
    qCInfo(lcAdmission).noquote()
        << QStringLiteral("refused %1 connection(s) by access rules (at most one report per %2 "
                          "s); the latest from %3 by rule %4")
               .arg(count)
               .arg(LOG_INTERVAL_MS / 1000)
               .arg(plain(peer).toString())
               .arg(ruleId);
}

void Admission::upgraded()
{
    std::lock_guard lock(m_lock);
    m_pending = std::max(0, m_pending - 1);
}

void Admission::release(const QHostAddress &peer, bool pending)
{
    const Key raw = rawKey(peer);
    const bool free = exempt(raw);
    const Key key = free ? Key {} : limitKey(raw);
    std::lock_guard lock(m_lock);
    if (pending)
        m_pending = std::max(0, m_pending - 1);
    if (free)
        return;
    const auto it = m_addresses.find(key);
    if (it != m_addresses.end() && it->second.open > 0)
        --it->second.open; // the entry goes in a sweep once its bucket is full again
}

void Admission::sweepLocked(qint64 now)
{
    m_lastSweepMs = now;
    // An address with nothing open and a full bucket is indistinguishable from a new one.
    const double refillMs = 1000.0;
    for (auto it = m_addresses.begin(); it != m_addresses.end();) {
        if (it->second.open == 0 && now - it->second.refilledMs >= refillMs)
            it = m_addresses.erase(it);
        else
            ++it;
    }
}

int Admission::pending() const
{
    std::lock_guard lock(m_lock);
    return m_pending;
}

size_t Admission::trackedAddresses() const
{
    std::lock_guard lock(m_lock);
    return m_addresses.size();
}

} // namespace Switchboard::Io
