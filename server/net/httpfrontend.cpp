// SPDX-License-Identifier: MIT
#include "httpfrontend.h"

#include "auth/accountcache.h"
#include "auth/auththrottle.h"
#include "auth/externalids.h"
#include "config/config.h"
#include "io/iothread.h"
#include "io/upgraderequest.h"
#include "net/clientframefilter.h"
#include "net/listener.h"
#include "protocol/dialect.h"
#include "protocol/events.h"

#include <QHttpServerRequest>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMetaEnum>
#include <QSslSocket>
#include <QTcpSocket>

#include <sodium.h>

Q_DECLARE_LOGGING_CATEGORY(lcHttp) // rest/router.cpp

namespace Switchboard {

using namespace Protocol;

namespace {

QByteArray header(const QHttpServerRequest &request, const QByteArray &name)
{
    for (const auto &[key, value] : request.headers()) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

QByteArray methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get:
        return "GET";
    case QHttpServerRequest::Method::Put:
        return "PUT";
    case QHttpServerRequest::Method::Delete:
        return "DELETE";
    case QHttpServerRequest::Method::Post:
        return "POST";
    case QHttpServerRequest::Method::Head:
        return "HEAD";
    case QHttpServerRequest::Method::Options:
        return "OPTIONS";
    case QHttpServerRequest::Method::Patch:
        return "PATCH";
    default:
        return "OTHER";
    }
}

QByteArray errorBody(ErrorCode code, const QString &message, qint64 retryAfterMs)
{
    return QJsonDocument(
               QJsonObject {{QStringLiteral("error"),
                             QJsonObject {{QStringLiteral("code"), errorCodeName(code)},
                                          {QStringLiteral("message"), message},
                                          {QStringLiteral("retry_after_ms"), retryAfterMs}}}})
        .toJson(QJsonDocument::Compact);
}

// Retry-After is in whole seconds, rounded up so that a client that obeys it is served.
QByteArray retryAfterSeconds(qint64 ms)
{
    return QByteArray::number(std::max<qint64>(1, (ms + 999) / 1000));
}

// Paths are logged without their query: a token in the URL must never reach a log.
QString loggablePath(const QUrl &url)
{
    QString s = url.path();
    if (url.hasQuery())
        s += QStringLiteral("?…");
    return s;
}

// The request as the native transport parses it, so that both transports judge an upgrade by
// the one rule set of Io::UpgradeRequest. *headBytes: the size of its head on the wire.
Io::UpgradeRequest upgradeRequest(const QHttpServerRequest &request, qsizetype *headBytes)
{
    Io::UpgradeRequest out;
    out.method = methodName(request.method());
    const QUrl url = request.url();
    out.path = url.path(QUrl::FullyEncoded).toUtf8();
    out.query = url.query(QUrl::FullyEncoded).toUtf8();
    out.target = url.hasQuery() ? out.path + '?' + out.query : out.path;
    // "GET <target> HTTP/1.1\r\n" ... "\r\n"
    *headBytes = out.method.size() + out.target.size() + 13 + 2;
    for (const auto &[name, value] : request.headers()) {
        out.headers.append({name.toLower(), value});
        *headBytes += name.size() + value.size() + 4;
    }
    return out;
}

} // namespace

HttpFrontend::HttpFrontend(const Config &config, const TokenService &tokens, const Router &router,
                           QObject *parent)
    : QAbstractHttpServer(parent)
    , m_config(config)
    , m_tokens(tokens)
    , m_router(router)
    , m_origins(config.allowedOrigins)
    , m_restLimits(config.restRate, config.restBurst, config.rateLimitTableSize)
    , m_anonymousLimits(config.restAnonymousRate, config.restAnonymousBurst,
                        config.rateLimitTableSize)
{ }

bool HttpFrontend::isWebSocketPath(const QString &path)
{
    return path == QLatin1StringView("/ws") || path == QLatin1StringView("/api/v1/ws")
        || path == QLatin1StringView("/ws/connect") || path == QLatin1StringView("/api/ws/connect");
}

QString HttpFrontend::requestToken(const QUrlQuery &query, const QByteArray &authorization)
{
    if (authorization.size() > 7
        && authorization.left(7).compare("Bearer ", Qt::CaseInsensitive) == 0)
        return QString::fromLatin1(authorization.mid(7).trimmed());
    return query.queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded);
}

bool HttpFrontend::resolvePrincipal(const QByteArray &authorization, const QHostAddress &address,
                                    Principal *principal, ErrorCode *code, QString *error,
                                    qint64 *retryAfterMs) const
{
    *principal = Principal {};
    *retryAfterMs = 0;
    if (authorization.isEmpty())
        return true;
    if (authorization.size() <= 7
        || authorization.left(7).compare("Bearer ", Qt::CaseInsensitive) != 0) {
        *code = ErrorCode::Unauthorized;
        *error = QStringLiteral("the Authorization header must be 'Bearer <token>'");
        return false;
    }
    const QByteArray credential = authorization.mid(7).trimmed();
    const qint64 nowMs = Events::nowMs();
    const QString addressId = AuthThrottle::addressId(address);
    // An address in its back-off may still use a token that verifies (users behind one NAT
    // keep working), but nothing it sends is compared with the API key: guessing stops.
    const qint64 wait
        = throttle ? throttle->retryAfterMs(AuthThrottle::Kind::Address, addressId, nowMs) : 0;
    const QByteArray apiKey = m_config.apiKey.toUtf8();
    if (wait <= 0 && !apiKey.isEmpty() && credential.size() == apiKey.size()
        && sodium_memcmp(credential.constData(), apiKey.constData(), size_t(apiKey.size())) == 0) {
        principal->kind = Principal::Kind::ApiKey;
        return true;
    }
    const auto result = m_tokens.verify(credential, nowMs / 1000);
    if (const auto *tokenError = std::get_if<TokenError>(&result)) {
        if (wait > 0) {
            *code = ErrorCode::RateLimited;
            *error = QStringLiteral("too many failed credentials from this address; try again "
                                    "later");
            *retryAfterMs = wait;
            return false;
        }
        // Guesses (a wrong key, a forged token) count; a token that merely expired does not.
        if (throttle && *tokenError != TokenError::Expired
            && *tokenError != TokenError::NotYetValid) {
            throttle->failure(AuthThrottle::Kind::Address, addressId, nowMs);
            qCInfo(lcHttp) << "refused credential from" << addressId << ":"
                           << TokenService::errorText(*tokenError);
        }
        *code = *tokenError == TokenError::Expired ? ErrorCode::TokenExpired
                                                   : ErrorCode::Unauthorized;
        *error = TokenService::errorText(*tokenError);
        return false;
    }
    principal->kind = Principal::Kind::User;
    principal->claims = std::get<TokenClaims>(result);
    return true;
}

bool HttpFrontend::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    if (auto *guard = ConnectionGuard::of(socket))
        guard->requestHandled();
    const QByteArray upgrade = header(request, "upgrade");
    if (!upgrade.isEmpty() && upgrade.compare("websocket", Qt::CaseInsensitive) == 0)
        return handleUpgrade(request, socket);

    RestRequest rest;
    rest.method = methodName(request.method());
    rest.path = request.url().path();
    rest.query = request.query();
    for (const auto &[key, value] : request.headers())
        rest.headers.insert(key.toLower(), value);
    rest.body = request.body();
    rest.remoteAddress = request.remoteAddress();
    if (addressRefused && addressRefused(rest.remoteAddress)) {
        socket->abort();
        return true;
    }
    dispatch(std::move(rest), socket);
    return true;
}

bool HttpFrontend::handleUpgrade(const QHttpServerRequest &request, QTcpSocket *socket)
{
    m_rejection.reset();
    // Plain HTTP handed over by the native transport: a later keep-alive request asking for
    // an upgrade would make a WebSocket outside its send-queue accounting. WebSockets on that
    // port are the first request of a connection, and only there.
    if (socket && socket->property(TcpListener::HANDED_OFF_PROPERTY).toBool()) {
        m_rejection = Rejection {ErrorCode::ValidationError,
                                 QStringLiteral("a WebSocket upgrade must be the first request "
                                                "of its connection")};
        return false;
    }
    // The same checks, in the same order and with the same answers, as the native transport's
    // (IoThread::readHead, NativeFrontend::decide): QWebSocketServer 6.4 would otherwise drop
    // a bad upgrade or answer it with a 101.
    qsizetype headBytes = 0;
    const Io::UpgradeRequest upgrade = upgradeRequest(request, &headBytes);
    if (headBytes > Io::Limits().maxHeadBytes) {
        m_rejection = Rejection {ErrorCode::ValidationError, {}, 431};
        return false;
    }
    const QString path = request.url().path();
    if (!isWebSocketPath(path)) {
        m_rejection = Rejection {ErrorCode::NotFound,
                                 QStringLiteral("no WebSocket endpoint at %1").arg(path)};
        return false;
    }
    if (const QByteArray problem = upgrade.upgradeProblem(); !problem.isEmpty()) {
        m_rejection = Rejection {ErrorCode::ValidationError, QString::fromUtf8(problem), 0,
                                 upgrade.problemStatus(), upgrade.problemHeaders()};
        return false;
    }
    QString dialectError;
    if (!dialectForRequest(path, request.query(), m_config.defaultDialect, &dialectError)) {
        m_rejection = Rejection {ErrorCode::ValidationError, dialectError};
        return false;
    }
    // Qt's handshake answer repeats the request's Origin in Access-Control-Allow-Origin; past
    // this check that can only be an origin the policy allows.
    if (!m_origins.allows(header(request, "origin"), header(request, "host"),
                          qobject_cast<QSslSocket *>(socket) != nullptr)) {
        if (m_origins.shouldLog())
            qCInfo(lcHttp) << "refused WebSocket upgrade from" << request.remoteAddress().toString()
                           << ": origin not allowed (see allowed_origins)";
        m_rejection = Rejection {ErrorCode::Forbidden,
                                 QStringLiteral("this origin may not open a WebSocket here")};
        return false;
    }
    if (admitWebSocket && !admitWebSocket()) {
        m_rejection = Rejection {ErrorCode::Unavailable,
                                 QStringLiteral("the server is not accepting connections")};
        return false;
    }
    const QString token = requestToken(request.query(), header(request, "authorization"));
    if (!token.isEmpty()) {
        const auto result = m_tokens.verify(token.toUtf8(), Events::nowMs() / 1000);
        if (const auto *error = std::get_if<TokenError>(&result)) {
            qCInfo(lcHttp) << "refused WebSocket upgrade from" << request.remoteAddress().toString()
                           << "to" << loggablePath(request.url()) << ":"
                           << TokenService::errorText(*error);
            m_rejection = Rejection {*error == TokenError::Expired ? ErrorCode::TokenExpired
                                                                   : ErrorCode::Unauthorized,
                                     TokenService::errorText(*error)};
            return false;
        }
        // A revoked or disabled account known to the cache is refused before the 101; an
        // uncached one is checked at activation (close 4003).
        const auto verdict = accounts
            ? accounts->checkCached(std::get<TokenClaims>(result), Events::nowMs())
            : std::nullopt;
        if (verdict && *verdict != AccountVerdict::Ok && *verdict != AccountVerdict::Unavailable) {
            m_rejection = Rejection {*verdict == AccountVerdict::Disabled ? ErrorCode::Forbidden
                                                                          : ErrorCode::Unauthorized,
                                     AccountCache::verdictText(*verdict)};
            return false;
        }
    }
    if (auto *guard = ConnectionGuard::of(socket))
        guard->upgraded();
    if (socket)
        ClientFrameFilter::watch(socket); // QWebSocket 6.4 takes unmasked client frames
    return true; // QAbstractHttpServer hands the socket to its QWebSocketServer
}

void HttpFrontend::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    const Rejection rejection = m_rejection.value_or(Rejection {
        ErrorCode::NotFound, QStringLiteral("no endpoint at %1").arg(request.url().path())});
    m_rejection.reset();
    if (rejection.rawStatus == 431) {
        // What the native transport answers to an oversized head: the status alone.
        RestReply(socket).raw(431, "application/json", {});
        return;
    }
    RestReply(socket).error(rejection.code, rejection.message, rejection.status, rejection.headers);
}

void HttpFrontend::dispatch(RestRequest request, QTcpSocket *socket)
{
    auto reply = std::make_shared<RestReply>(socket);
    qCDebug(lcHttp) << request.method << loggablePath(QUrl(request.path))
                    << request.remoteAddress.toString();
    QString dialectError;
    const auto dialect = restDialectForRequest(request.path, request.query, &dialectError);
    if (!dialect) {
        reply->error(ErrorCode::ValidationError, dialectError);
        return;
    }
    reply->setDialect(*dialect);
    if (request.body.size() > m_config.maxBodyBytes) {
        reply->error(ErrorCode::TooLarge,
                     QStringLiteral("the body is larger than %1 bytes").arg(m_config.maxBodyBytes));
        return;
    }
    const Router::Result route = m_router.route(request.method, request.path);
    if (route.match == Router::Match::NotFound) {
        reply->error(ErrorCode::NotFound, QStringLiteral("no endpoint at %1").arg(request.path));
        return;
    }
    if (route.match == Router::Match::WrongMethod) {
        reply->raw(
            405, "application/json",
            R"({"error":{"code":"METHOD_NOT_ALLOWED","message":"method not allowed on this path"}})",
            {{"Allow", route.allowed}});
        return;
    }
    ErrorCode code = ErrorCode::Unauthorized;
    QString error;
    qint64 retryAfterMs = 0;
    if (!resolvePrincipal(request.headers.value("authorization"), request.remoteAddress,
                          &request.principal, &code, &error, &retryAfterMs)) {
        if (route.access != Access::Public) {
            if (retryAfterMs > 0)
                reply->retryLater(code, error, retryAfterMs);
            else
                reply->error(code, error);
            return;
        }
        request.principal = Principal {};
    }
    if (!admitRest(request, *reply))
        return;
    if (storeSaturated && request.path != QLatin1StringView("/healthz") && storeSaturated()) {
        const Failure busy = storeBusy();
        reply->raw(503, "application/json", errorBody(busy.code, busy.message, busy.retryAfterMs),
                   {{"Retry-After", retryAfterSeconds(busy.retryAfterMs)}});
        return;
    }
    authorize(std::move(request), route, reply);
}

void HttpFrontend::authorize(RestRequest request, const Router::Result &route,
                             const ReplyPtr &reply)
{
    if (request.principal.kind == Principal::Kind::User && request.principal.claims.userId == 0
        && !request.principal.claims.externalId.isEmpty()) {
        // A backend's own id: mapped to the internal id (created the first time), then on.
        if (!externalIds) {
            reply->error(ErrorCode::Unauthorized,
                         QStringLiteral("external user ids are not accepted here"));
            return;
        }
        const QString externalId = request.principal.claims.externalId;
        externalIds->resolve(
            externalId, true,
            [this, request = std::move(request), route, reply](std::optional<qint64> id) mutable {
                if (!id || *id <= 0) {
                    reply->error(ErrorCode::Unavailable, QStringLiteral("database unavailable"));
                    return;
                }
                request.principal.claims.userId = *id;
                authorize(std::move(request), route, reply);
            });
        return;
    }
    if (request.principal.kind != Principal::Kind::User || !accounts) {
        finishDispatch(std::move(request), route, reply);
        return;
    }
    // The account decides, not the token alone: disabled -> 403, revoked -> 401, and the role
    // is the account's. Synchronous when the state is cached.
    const TokenClaims claims = request.principal.claims;
    accounts->check(
        claims, Events::nowMs(),
        [this, request = std::move(request), route, reply](AccountVerdict verdict,
                                                           const TokenClaims &effective) mutable {
            if (verdict != AccountVerdict::Ok && route.access == Access::Public) {
                request.principal = Principal {};
            } else if (verdict == AccountVerdict::Disabled) {
                reply->error(ErrorCode::Forbidden, AccountCache::verdictText(verdict));
                return;
            } else if (verdict == AccountVerdict::Revoked) {
                reply->error(ErrorCode::Unauthorized, AccountCache::verdictText(verdict));
                return;
            } else if (verdict == AccountVerdict::Unavailable) {
                reply->error(ErrorCode::Unavailable, AccountCache::verdictText(verdict));
                return;
            } else {
                request.principal.claims = effective;
            }
            finishDispatch(std::move(request), route, reply);
        });
}

void HttpFrontend::finishDispatch(RestRequest request, const Router::Result &route,
                                  const ReplyPtr &reply)
{
    if (route.access != Access::Public && request.principal.kind == Principal::Kind::Anonymous) {
        reply->error(ErrorCode::Unauthorized,
                     QStringLiteral("this endpoint needs 'Authorization: Bearer <token>'"));
        return;
    }
    if (route.access == Access::Admin && !request.principal.isAdmin()) {
        reply->error(ErrorCode::Forbidden,
                     QStringLiteral("this endpoint needs an admin token or the API key"));
        return;
    }
    request.params = route.params;
    (*route.handler)(request, reply);
}

bool HttpFrontend::admitRest(const RestRequest &request, RestReply &reply)
{
    const qint64 now = Events::nowMs();
    qint64 wait = 0;
    switch (request.principal.kind) {
    case Principal::Kind::User:
        // A backend's own id is not mapped yet here: its bucket goes by that id.
        wait = m_restLimits.take(request.principal.claims.externalId.isEmpty()
                                     ? QStringLiteral("u:%1").arg(request.principal.claims.userId)
                                     : QStringLiteral("x:") + request.principal.claims.externalId,
                                 1, now);
        break;
    case Principal::Kind::ApiKey:
        wait = m_restLimits.take(QStringLiteral("key"), 1, now);
        break;
    case Principal::Kind::Anonymous:
        wait = m_anonymousLimits.take(AuthThrottle::addressId(request.remoteAddress), 1, now);
        break;
    }
    if (!wait)
        return true;
    qCDebug(lcHttp) << "rate limited" << request.method << loggablePath(QUrl(request.path))
                    << "from" << request.remoteAddress.toString();
    reply.raw(429, "application/json",
              errorBody(ErrorCode::RateLimited,
                        QStringLiteral("too many requests; retry after %1 ms").arg(wait), wait),
              {{"Retry-After", retryAfterSeconds(wait)}});
    return false;
}

} // namespace Switchboard
