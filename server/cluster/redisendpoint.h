// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace Switchboard {

// Where a RedisClient connects, parsed from a URL. Two forms are supported:
//   redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]   TCP; port 6379 and database 0 by default;
//                                                 HOST a name, an IPv4 or a [bracketed] IPv6
//   unix:///PATH                                 a Unix domain socket, database 0, no password
// Anything else (rediss:// TLS, query strings, fragments, a database that is not a number in
// 0..65535, a port of 0) is refused with a message that says why.
struct RedisEndpoint
{
    static constexpr quint16 DEFAULT_PORT = 6379;

    QString host; // empty for a Unix socket
    quint16 port = DEFAULT_PORT;
    QString socketPath; // non-empty for a Unix socket
    QByteArray username; // Redis 6 ACL user; empty: AUTH with the password only
    QByteArray password; // empty: no AUTH
    int database = 0;

    bool isUnixSocket() const { return !socketPath.isEmpty(); }
    // The endpoint for logs and errors: the password never appears.
    QString toDisplayString() const;

    static std::optional<RedisEndpoint> fromUrl(const QString &url, QString *error);
};

} // namespace Switchboard
