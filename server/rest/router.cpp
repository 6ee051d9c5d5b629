// SPDX-License-Identifier: MIT
#include "router.h"

#include <QLoggingCategory>

// The HTTP side's category, defined in the lowest layer that logs under it: the REST routes
// and, above them, the HTTP frontend (net/).
Q_LOGGING_CATEGORY(lcHttp, "switchboard.http")

namespace Switchboard {

void Router::add(const QByteArray &methods, const QStringList &patterns, Access access,
                 Handler handler)
{
    static const QRegularExpression capture(QStringLiteral("\\\\\\{[a-z_]+\\\\\\}"));
    for (const QString &pattern : patterns) {
        QString re = QRegularExpression::escape(pattern);
        re.replace(capture, QStringLiteral("([^/]+)"));
        Route r {methods.split('|'),
                 QRegularExpression(QLatin1Char('^') + re + QStringLiteral("/?$")), access,
                 handler};
        Q_ASSERT(r.pattern.isValid());
        m_routes.append(std::move(r));
    }
}

Router::Result Router::route(const QByteArray &method, const QString &path) const
{
    Result result;
    for (const Route &r : m_routes) {
        const auto m = r.pattern.match(path);
        if (!m.hasMatch())
            continue;
        if (!r.methods.contains(method)) {
            result.match = Match::WrongMethod;
            for (const QByteArray &allowed : r.methods) {
                if (!result.allowed.contains(allowed))
                    result.allowed += (result.allowed.isEmpty() ? "" : ", ") + allowed;
            }
            continue;
        }
        result.match = Match::Found;
        result.handler = &r.handler;
        result.access = r.access;
        result.params = m.capturedTexts().mid(1);
        return result;
    }
    return result;
}

} // namespace Switchboard
