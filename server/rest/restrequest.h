// SPDX-License-Identifier: MIT
#pragma once

#include "auth/tokenservice.h"
#include "hub/failure.h"
#include "protocol/dialect.h"
#include "protocol/errorcode.h"

#include <memory>

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QPointer>
#include <QStringList>
#include <QUrlQuery>

class QTcpSocket;

namespace Switchboard {

// Who made a REST call: nobody, a user with a token, or a backend with the API key.
struct Principal
{
    enum class Kind { Anonymous, User, ApiKey };
    Kind kind = Kind::Anonymous;
    TokenClaims claims; // for Kind::User

    bool isAdmin() const { return kind == Kind::ApiKey || (kind == Kind::User && claims.admin); }
};

// A REST request copied out of QHttpServerRequest, so handlers may answer asynchronously.
struct RestRequest
{
    QByteArray method;
    QString path;
    QUrlQuery query;
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QByteArray body;
    QHostAddress remoteAddress;
    QStringList params; // path captures, in pattern order
    Principal principal;

    // The body as a JSON object; false (and *error set) when it is not one.
    bool jsonBody(QJsonObject *out, QString *error) const;
};

// The answer to one request. Safe to use after the client went away (then it writes nothing).
class RestReply
{
public:
    explicit RestReply(QTcpSocket *socket);

    // The envelope json() and error() answer in (Protocol::restDialectForRequest: seed 003's
    // {success, data} on its paths); canonical unless set.
    void setDialect(Protocol::Dialect dialect) { m_dialect = dialect; }

    void json(int status, const QJsonObject &body);
    void error(Protocol::ErrorCode code, const QString &message, int status = 0,
               const QList<QPair<QByteArray, QByteArray>> &extraHeaders = {});
    // 429 RATE_LIMITED (or another status) with Retry-After in whole seconds (at least 1).
    void retryLater(Protocol::ErrorCode code, const QString &message, qint64 retryAfterMs,
                    int status = 0);
    // A service's failure: its code and message, and Retry-After when it carries a retry hint.
    void failure(const Failure &f);
    // Store work that did not complete: 503 UNAVAILABLE, with Retry-After when the store
    // refused it for a full queue (storeFailure()); the store's own text stays in the log.
    void storeError(const QString &storeError);
    void raw(int status, const QByteArray &contentType, const QByteArray &body,
             const QList<QPair<QByteArray, QByteArray>> &extraHeaders = {});
    bool answered() const { return m_answered; }

private:
    QPointer<QTcpSocket> m_socket;
    bool m_answered = false;
    Protocol::Dialect m_dialect = Protocol::Dialect::Canonical;
};

using ReplyPtr = std::shared_ptr<RestReply>;

} // namespace Switchboard
