// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>

#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringList>

namespace Switchboard {

// Which browser pages may open a WebSocket (cross-site WebSocket hijacking: a browser sends the
// user's cookies and the page's Origin with any upgrade, whichever site the page comes from).
// Allowed: the server's own origin (the scheme, host and port the request came to, as Phoenix's
// check_origin), and the configured `allowed_origins`: exact origins, `scheme://*.domain[:port]`
// for any subdomain, `*` for all. A request without Origin is not from a browser and passes.
// Immutable after construction, so the native transport's I/O threads may share it.
class OriginPolicy
{
public:
    explicit OriginPolicy(const QStringList &allowedOrigins);

    // `origin` and `host`: the request's Origin and Host headers (empty = absent); `tls`: the
    // request came over TLS (its own origin is then https://).
    bool allows(QByteArrayView origin, QByteArrayView host, bool tls) const;
    // True at most once per interval: refusals are logged without flooding the log.
    bool shouldLog() const;

private:
    struct Origin
    {
        QString scheme; // http or https (ws and wss are read as these)
        QString host; // lower case; for a pattern, the domain after "*."
        int port = 0;
        bool anySubdomain = false;
    };
    static bool parse(const QString &text, Origin *out);

    bool m_any = false;
    QList<Origin> m_allowed;
    mutable std::atomic<qint64> m_lastLogMs {0};
};

} // namespace Switchboard
