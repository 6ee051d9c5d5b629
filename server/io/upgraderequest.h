// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>

namespace Switchboard::Io {

// The head of an HTTP/1.1 request as the native transport reads it, and what makes it a valid
// WebSocket upgrade (RFC 6455 section 4.2.1). Header names are kept lower-case.
struct UpgradeRequest
{
    QByteArray method;
    QByteArray target; // path and query, as sent
    QByteArray path;
    QByteArray query; // without the '?'
    QList<QPair<QByteArray, QByteArray>> headers;

    QByteArray header(QByteArrayView lowerName) const;
    // True when the head asks for a WebSocket upgrade at all (Upgrade: websocket).
    bool wantsWebSocket() const;
    // Empty when the upgrade is well-formed; otherwise what is wrong with it, answered with
    // problemStatus() (and problemHeaders()).
    QByteArray upgradeProblem() const;
    // 400, or 426 Upgrade Required when the problem is the Sec-WebSocket-Version (anything
    // but 13): RFC 6455 section 4.4 answers it with the version the server speaks, which
    // problemHeaders() then carries. Both transports answer a bad upgrade from these.
    int problemStatus() const;
    QList<QPair<QByteArray, QByteArray>> problemHeaders() const;

    // NotHttp: the first byte cannot start an HTTP request (a TLS handshake, say).
    enum class Result { Complete, NeedMore, Invalid, TooLarge, NotHttp };
    // Parses a request head from the front of `data`; on Complete, `*consumed` is its length
    // (up to and including the blank line).
    static Result parse(QByteArrayView data, qsizetype maxBytes, UpgradeRequest *out,
                        qsizetype *consumed);
};

// A complete HTTP/1.1 response with a body, for answers given before any upgrade (401, 400...).
QByteArray httpResponse(int status, QByteArrayView reason, QByteArrayView contentType,
                        QByteArrayView body,
                        const QList<QPair<QByteArray, QByteArray>> &extraHeaders = {});
// The 101 answer to a valid upgrade.
QByteArray switchingProtocols(QByteArrayView acceptKey);

} // namespace Switchboard::Io
