// SPDX-License-Identifier: MIT
#include "cluster/redisendpoint.h"

#include <QUrl>

namespace Switchboard {

namespace {

std::optional<RedisEndpoint> refuse(QString *error, const QString &why)
{
    if (error)
        *error = why;
    return std::nullopt;
}

} // namespace

QString RedisEndpoint::toDisplayString() const
{
    if (isUnixSocket())
        return QStringLiteral("unix://%1").arg(socketPath);
    const QString shownHost = host.contains(u':') ? u'[' + host + u']' : host;
    QString auth;
    if (!password.isEmpty())
        auth = QString::fromUtf8(username) + QStringLiteral(":***@");
    return QStringLiteral("redis://%1%2:%3/%4").arg(auth, shownHost).arg(port).arg(database);
}

std::optional<RedisEndpoint> RedisEndpoint::fromUrl(const QString &text, QString *error)
{
    if (text.trimmed().isEmpty())
        return refuse(error, QStringLiteral("empty Redis URL"));
    const QString shown = text.left(200);
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid())
        return refuse(error,
                      QStringLiteral("invalid Redis URL (redis://host:port/db or "
                                     "unix:///path): %1")
                          .arg(url.errorString()));
    if (url.hasQuery() || url.hasFragment())
        return refuse(error,
                      QStringLiteral("Redis URL with a query or fragment is not supported: %1")
                          .arg(url.toDisplayString(QUrl::RemovePassword)));

    RedisEndpoint endpoint;
    const QString scheme = url.scheme().toLower();
    if (scheme == QLatin1StringView("unix")) {
        if (!url.host().isEmpty() || !url.userInfo().isEmpty() || url.port() != -1)
            return refuse(error,
                          QStringLiteral("a unix:// Redis URL takes a path only "
                                         "(unix:///path/to/redis.sock): %1")
                              .arg(url.toDisplayString(QUrl::RemovePassword)));
        endpoint.socketPath = url.path(QUrl::FullyDecoded);
        if (!endpoint.socketPath.startsWith(u'/'))
            return refuse(
                error, QStringLiteral("a unix:// Redis URL needs an absolute path: %1").arg(shown));
        endpoint.port = 0;
        return endpoint;
    }
    if (scheme == QLatin1StringView("rediss"))
        return refuse(error,
                      QStringLiteral("TLS (rediss://) is not supported; use redis:// on a "
                                     "trusted network or a Unix socket"));
    if (scheme != QLatin1StringView("redis"))
        return refuse(error,
                      QStringLiteral("unsupported Redis URL scheme \"%1\" (redis:// or "
                                     "unix:// only)")
                          .arg(url.scheme()));

    endpoint.host = url.host(QUrl::FullyDecoded);
    if (endpoint.host.isEmpty())
        return refuse(error,
                      QStringLiteral("Redis URL without a host: %1")
                          .arg(url.toDisplayString(QUrl::RemovePassword)));
    const int port = url.port(DEFAULT_PORT);
    if (port <= 0 || port > 65535)
        return refuse(error, QStringLiteral("Redis URL with port %1 (1..65535)").arg(port));
    endpoint.port = quint16(port);
    endpoint.username = url.userName(QUrl::FullyDecoded).toUtf8();
    endpoint.password = url.password(QUrl::FullyDecoded).toUtf8();
    if (!endpoint.username.isEmpty() && endpoint.password.isEmpty())
        return refuse(error,
                      QStringLiteral("Redis URL with a user but no password "
                                     "(redis://user:password@host or redis://:password@host)"));

    QString path = url.path(QUrl::FullyDecoded);
    if (path.startsWith(u'/'))
        path.remove(0, 1);
    if (!path.isEmpty()) {
        bool ok = false;
        const int db = path.toInt(&ok);
        if (!ok || db < 0 || db > 65535 || path.startsWith(u'+'))
            return refuse(
                error,
                QStringLiteral("Redis URL database must be a number (redis://host:port/0): "
                               "\"%1\"")
                    .arg(path));
        endpoint.database = db;
    }
    return endpoint;
}

} // namespace Switchboard
