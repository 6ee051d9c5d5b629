// SPDX-License-Identifier: MIT
#include "originpolicy.h"

#include <QDateTime>
#include <QUrl>

namespace Switchboard {

namespace {

constexpr qint64 LOG_INTERVAL_MS = 10'000;

int defaultPort(const QString &scheme)
{
    return scheme == QLatin1StringView("https") ? 443 : 80;
}

} // namespace

OriginPolicy::OriginPolicy(const QStringList &allowedOrigins)
{
    for (const QString &entry : allowedOrigins) {
        const QString t = entry.trimmed();
        if (t == QLatin1StringView("*")) {
            m_any = true;
            continue;
        }
        Origin o;
        QString text = t;
        const int star = text.indexOf(QLatin1StringView("://*."));
        if (star > 0) {
            o.anySubdomain = true;
            text.remove(star + 3, 2); // "https://*.example.com" -> "https://example.com"
        }
        const bool wildcard = o.anySubdomain;
        if (parse(text, &o)) { // the config loader has checked the syntax already
            o.anySubdomain = wildcard;
            m_allowed << o;
        }
    }
}

bool OriginPolicy::parse(const QString &text, Origin *out)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty() || !url.userInfo().isEmpty() || url.hasQuery()
        || url.hasFragment() || !(url.path().isEmpty() || url.path() == QLatin1StringView("/")))
        return false;
    QString scheme = url.scheme().toLower();
    if (scheme == QLatin1StringView("ws"))
        scheme = QStringLiteral("http");
    else if (scheme == QLatin1StringView("wss"))
        scheme = QStringLiteral("https");
    if (scheme != QLatin1StringView("http") && scheme != QLatin1StringView("https"))
        return false;
    out->scheme = scheme;
    out->host = url.host().toLower();
    out->port = url.port(defaultPort(scheme));
    return true;
}

bool OriginPolicy::allows(QByteArrayView originHeader, QByteArrayView hostHeader, bool tls) const
{
    if (originHeader.isEmpty() || m_any)
        return true;
    Origin origin;
    if (!parse(QString::fromLatin1(originHeader.trimmed()), &origin))
        return false; // "null" (a sandboxed page, a file), garbage: no page of ours
    if (!hostHeader.isEmpty()) {
        const QString scheme = tls ? QStringLiteral("https") : QStringLiteral("http");
        Origin own;
        if (parse(scheme + QStringLiteral("://") + QString::fromLatin1(hostHeader.trimmed()), &own)
            && own.scheme == origin.scheme && own.host == origin.host && own.port == origin.port)
            return true;
    }
    for (const Origin &allowed : m_allowed) {
        if (allowed.scheme != origin.scheme || allowed.port != origin.port)
            continue;
        if (allowed.anySubdomain ? origin.host.endsWith(QLatin1Char('.') + allowed.host)
                                 : origin.host == allowed.host)
            return true;
    }
    return false;
}

bool OriginPolicy::shouldLog() const
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 last = m_lastLogMs.load(std::memory_order_relaxed);
    return now - last >= LOG_INTERVAL_MS
        && m_lastLogMs.compare_exchange_strong(last, now, std::memory_order_relaxed);
}

} // namespace Switchboard
