// SPDX-License-Identifier: MIT
#pragma once

#include "auth/tokenservice.h"
#include "net/originpolicy.h"
#include "net/ratelimiter.h"
#include "rest/router.h"

#include <functional>

#include <QAbstractHttpServer>

namespace Switchboard {

struct Config;
class AuthThrottle;
class AccountCache;
class ExternalIds;

// The HTTP side of the single port: routes REST calls, and decides WebSocket upgrades before
// the 101 so that a bad token gets a plain HTTP 401 and never reaches a session.
class HttpFrontend : public QAbstractHttpServer
{
    Q_OBJECT

public:
    HttpFrontend(const Config &config, const TokenService &tokens, const Router &router,
                 QObject *parent = nullptr);

    // Asked before each upgrade: false = the server is full or shutting down (503).
    std::function<bool()> admitWebSocket;
    // Failed API keys and tokens count against the client address (429 + Retry-After); a token
    // is good only while its account allows it (role, disabled, revocation). Both optional.
    AuthThrottle *throttle = nullptr;
    AccountCache *accounts = nullptr;
    // Maps the backends' own user ids of tokens (optional: without it they are refused).
    ExternalIds *externalIds = nullptr;
    // Asked before each REST call but /healthz: true = the store's queue is full (503).
    std::function<bool()> storeSaturated;
    // Asked before each request: true = an access rule refuses this address now. A keep-alive
    // connection opened before the rule is closed without an answer, as at accept.
    std::function<bool(const QHostAddress &)> addressRefused;

    static bool isWebSocketPath(const QString &path);
    // The token a WebSocket or REST request carries: ?token= or Authorization: Bearer.
    static QString requestToken(const QUrlQuery &query, const QByteArray &authorization);
    // Authenticates a REST request's bearer credential; false + error text on a bad one
    // (*retryAfterMs > 0: the address is in its back-off, answer 429).
    bool resolvePrincipal(const QByteArray &authorization, const QHostAddress &address,
                          Principal *principal, Protocol::ErrorCode *code, QString *error,
                          qint64 *retryAfterMs) const;

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    bool handleUpgrade(const QHttpServerRequest &request, QTcpSocket *socket);
    void dispatch(RestRequest request, QTcpSocket *socket);
    // After the credential: the account's verdict, then the route's access rule and handler.
    void authorize(RestRequest request, const Router::Result &route, const ReplyPtr &reply);
    void finishDispatch(RestRequest request, const Router::Result &route, const ReplyPtr &reply);
    // rest_rate per user or API key, rest_anonymous_rate per client address (IPv6 by /64);
    // false = answered 429 with Retry-After.
    bool admitRest(const RestRequest &request, RestReply &reply);

    const Config &m_config;
    const TokenService &m_tokens;
    const Router &m_router;
    const OriginPolicy m_origins;
    struct Rejection
    {
        Protocol::ErrorCode code;
        QString message;
        int rawStatus = 0; // 431: answered without a body, as the native transport does
        int status = 0; // instead of the code's (426 for an unsupported version)
        QList<QPair<QByteArray, QByteArray>> headers = {};
    };
    std::optional<Rejection> m_rejection; // set by handleUpgrade for missingHandler
    RateLimiter<QString> m_restLimits; // by principal: "u:<id>" or "key"
    RateLimiter<QString> m_anonymousLimits; // by client address
};

} // namespace Switchboard
