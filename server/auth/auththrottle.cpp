// SPDX-License-Identifier: MIT
#include "auththrottle.h"

#include <algorithm>

namespace Switchboard {

namespace {

constexpr qsizetype MAX_ID_CHARS = 64;

} // namespace

AuthThrottle::AuthThrottle(ThrottleSettings settings)
    : m_settings(settings)
{ }

QString AuthThrottle::key(Kind kind, const QString &id)
{
    // Usernames are at most 64 characters; a longer one cannot exist, so its tail only grows
    // the table.
    return (kind == Kind::User ? QStringLiteral("u:") : QStringLiteral("a:"))
        + id.left(MAX_ID_CHARS);
}

QString AuthThrottle::addressId(const QHostAddress &address)
{
    bool v4 = false;
    const quint32 ip4 = address.toIPv4Address(&v4);
    if (v4)
        return QHostAddress(ip4).toString();
    Q_IPV6ADDR ip6 = address.toIPv6Address();
    for (int i = 8; i < 16; ++i)
        ip6[i] = 0;
    return QHostAddress(ip6).toString() + QStringLiteral("/64");
}

QString AuthThrottle::sanitized(const QString &text)
{
    QString out;
    out.reserve(std::min<qsizetype>(text.size(), MAX_ID_CHARS));
    for (const QChar c : text.left(MAX_ID_CHARS)) {
        const char16_t u = c.unicode();
        const bool plain = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z')
            || (u >= '0' && u <= '9') || u == '_' || u == '.' || u == '@' || u == '-';
        out += plain ? c : QLatin1Char('?');
    }
    if (text.size() > MAX_ID_CHARS)
        out += QStringLiteral("...");
    return out;
}

qint64 AuthThrottle::retryAfterMs(Kind kind, const QString &id, qint64 nowMs) const
{
    const auto it = m_entries.constFind(key(kind, id));
    if (it == m_entries.cend() || it->blockedUntilMs <= nowMs)
        return 0;
    return it->blockedUntilMs - nowMs;
}

qint64 AuthThrottle::failure(Kind kind, const QString &id, qint64 nowMs)
{
    const QString k = key(kind, id);
    auto it = m_entries.find(k);
    if (it == m_entries.end()) {
        if (m_entries.size() >= m_settings.maxEntries)
            makeRoom(nowMs);
        it = m_entries.insert(k, Entry {});
    } else if (nowMs - it->lastFailureMs > m_settings.windowMs && it->blockedUntilMs <= nowMs) {
        *it = Entry {}; // the old failures are forgotten
    }
    it->failures++;
    it->lastFailureMs = nowMs;
    const int free = kind == Kind::User ? m_settings.userFailures : m_settings.addressFailures;
    if (it->failures <= free)
        return 0;
    const int doublings = std::min(it->failures - free - 1, 30);
    const qint64 wait = std::min(m_settings.backoffMaxMs, m_settings.backoffMs << doublings);
    it->blockedUntilMs = nowMs + wait;
    return wait;
}

void AuthThrottle::success(Kind kind, const QString &id)
{
    m_entries.remove(key(kind, id));
}

void AuthThrottle::makeRoom(qint64 nowMs)
{
    // Purging is a scan, so it runs at most once a second; in between, a full table gives up
    // an arbitrary entry (a flood of fresh keys must not make each failure cost a scan).
    if (nowMs - m_lastPurgeMs >= 1000) {
        m_lastPurgeMs = nowMs;
        m_entries.removeIf([this, nowMs](const QHash<QString, Entry>::iterator &e) {
            return nowMs - e.value().lastFailureMs > m_settings.windowMs
                && e.value().blockedUntilMs <= nowMs;
        });
    }
    while (m_entries.size() >= m_settings.maxEntries && !m_entries.isEmpty())
        m_entries.erase(m_entries.begin());
}

} // namespace Switchboard
