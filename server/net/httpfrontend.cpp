// SPDX-License-Identifier: MIT
#include "httpfrontend.h"

#include "config/config.h"
#include "net/listener.h"
#include "protocol/events.h"

#include <QHttpServerRequest>
#include <QLoggingCategory>
#include <QMetaEnum>
#include <QTcpSocket>

#include <sodium.h>

Q_LOGGING_CATEGORY(lcHttp, "switchboard.http")

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

// Paths are logged without their query: a token in the URL must never reach a log.
QString loggablePath(const QUrl &url)
{
    QString s = url.path();
    if (url.hasQuery())
        s += QStringLiteral("?…");
    return s;
}

} // namespace

HttpFrontend::HttpFrontend(const Config &config, const TokenService &tokens, const Router &router,
                           QObject *parent)
    : QAbstractHttpServer(parent)
    , m_config(config)
    , m_tokens(tokens)
    , m_router(router)
{ }

bool HttpFrontend::isWebSocketPath(const QString &path)
{
    return path == QLatin1StringView("/ws") || path == QLatin1StringView("/api/v1/ws")
        || path == QLatin1StringView("/api/ws/connect");
}

QString HttpFrontend::requestToken(const QUrlQuery &query, const QByteArray &authorization)
{
    if (authorization.size() > 7
        && authorization.left(7).compare("Bearer ", Qt::CaseInsensitive) == 0)
        return QString::fromLatin1(authorization.mid(7).trimmed());
    return query.queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded);
}

bool HttpFrontend::resolvePrincipal(const QByteArray &authorization, Principal *principal,
                                    ErrorCode *code, QString *error) const
{
    *principal = Principal {};
    if (authorization.isEmpty())
        return true;
    if (authorization.size() <= 7
        || authorization.left(7).compare("Bearer ", Qt::CaseInsensitive) != 0) {
        *code = ErrorCode::Unauthorized;
        *error = QStringLiteral("the Authorization header must be 'Bearer <token>'");
        return false;
    }
    const QByteArray credential = authorization.mid(7).trimmed();
    const QByteArray apiKey = m_config.apiKey.toUtf8();
    if (!apiKey.isEmpty() && credential.size() == apiKey.size()
        && sodium_memcmp(credential.constData(), apiKey.constData(), size_t(apiKey.size())) == 0) {
        principal->kind = Principal::Kind::ApiKey;
        return true;
    }
    const auto result = m_tokens.verify(credential, Events::nowMs() / 1000);
    if (const auto *tokenError = std::get_if<TokenError>(&result)) {
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
    const QString path = request.url().path();
    if (!isWebSocketPath(path)) {
        m_rejection = Rejection {ErrorCode::NotFound,
                                 QStringLiteral("no WebSocket endpoint at %1").arg(path)};
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
    }
    if (auto *guard = ConnectionGuard::of(socket))
        guard->upgraded();
    return true; // QAbstractHttpServer hands the socket to its QWebSocketServer
}

void HttpFrontend::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    const Rejection rejection = m_rejection.value_or(Rejection {
        ErrorCode::NotFound, QStringLiteral("no endpoint at %1").arg(request.url().path())});
    m_rejection.reset();
    RestReply(socket).error(rejection.code, rejection.message);
}

void HttpFrontend::dispatch(RestRequest request, QTcpSocket *socket)
{
    auto reply = std::make_shared<RestReply>(socket);
    qCDebug(lcHttp) << request.method << loggablePath(QUrl(request.path))
                    << request.remoteAddress.toString();
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
    if (!resolvePrincipal(request.headers.value("authorization"), &request.principal, &code,
                          &error)) {
        if (route.access != Access::Public) {
            reply->error(code, error);
            return;
        }
        request.principal = Principal {};
    }
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

} // namespace Switchboard
