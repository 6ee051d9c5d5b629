// SPDX-License-Identifier: MIT
#include "restapi.h"

#include "auth/accountcache.h"
#include "auth/auththrottle.h"
#include "auth/passwordpool.h"
#include "auth/tokenservice.h"
#include "hub/hub.h"
#include "protocol/events.h"
#include "protocol/protocol.h"
#include "store/asyncstore.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace Switchboard::RestApi {

using Protocol::ErrorCode;

namespace {

constexpr qsizetype MAX_PASSWORD_BYTES = 4096; // argon2id input; more is only work for us

// The pool is full: every worker busy and the queue at its bound. Refuse now rather than queue
// without bound; the client may come back in a second.
void passwordPoolFull(const ReplyPtr &reply)
{
    reply->retryLater(ErrorCode::Unavailable,
                      QStringLiteral("too many password checks in progress; try again shortly"),
                      1000);
}

// 429 + Retry-After when the username or the address is in its back-off; false otherwise.
bool throttledLogin(RestServices *s, const QString &name, const QString &address,
                    const ReplyPtr &reply)
{
    const qint64 now = Protocol::Events::nowMs();
    const qint64 wait = qMax(s->throttle->retryAfterMs(AuthThrottle::Kind::User, name, now),
                             s->throttle->retryAfterMs(AuthThrottle::Kind::Address, address, now));
    if (wait <= 0)
        return false;
    reply->retryLater(ErrorCode::RateLimited,
                      QStringLiteral("too many failed logins; try again later"), wait);
    return true;
}

// Closes the live connections of a user whose tokens were just revoked (4003).
// The {id} of /api/v1/users/{id}/...: the caller itself, or anyone for an admin / the API key.
bool targetUser(const RestRequest &request, const ReplyPtr &reply, qint64 *userId)
{
    bool ok = false;
    const qint64 id = request.params.value(0).toLongLong(&ok);
    if (!ok || id <= 0) {
        reply->error(ErrorCode::ValidationError,
                     QStringLiteral("the user id must be a positive integer"));
        return false;
    }
    if (!request.principal.isAdmin() && request.principal.claims.userId != id) {
        reply->error(ErrorCode::Forbidden,
                     QStringLiteral("only an admin may do this for another user"));
        return false;
    }
    *userId = id;
    return true;
}

void addLoginRoute(Router &router, RestServices *s)
{
    // Seed 001: POST /api/v1/users/login {username, password} -> {token, user_id, expires_at}.
    router.add(
        "POST", {QStringLiteral("/api/v1/users/login"), QStringLiteral("/api/v1/auth/login")},
        Access::Public, [s](const RestRequest &request, const ReplyPtr &reply) {
            QJsonObject body;
            QString error;
            if (!request.jsonBody(&body, &error)) {
                reply->error(ErrorCode::InvalidJson, error);
                return;
            }
            const QJsonValue username = body.value(QStringLiteral("username"));
            const QJsonValue password = body.value(QStringLiteral("password"));
            if (!username.isString() || username.toString().isEmpty() || !password.isString()
                || password.toString().isEmpty()) {
                reply->error(ErrorCode::ValidationError,
                             QStringLiteral("'username' and 'password' are required strings"));
                return;
            }
            if (!s->tokens->canIssue()) {
                reply->error(ErrorCode::Unavailable,
                             QStringLiteral("this server verifies tokens but cannot issue "
                                            "them (no private key configured)"));
                return;
            }
            const QString name = username.toString();
            const QString address = AuthThrottle::addressId(request.remoteAddress);
            if (throttledLogin(s, name, address, reply))
                return;
            QByteArray pw = password.toString().toUtf8().left(MAX_PASSWORD_BYTES);
            // Only the lookup is store work; argon2id runs on the password pool, so a flood of
            // logins never holds up the store's worker (which commits every message).
            s->store->read<std::optional<UserRecord>>(
                s->hub, [name](Store &store) { return store.userByName(name); },
                [s, reply, name, address, pw](std::optional<std::optional<UserRecord>> user,
                                              QString error) {
                    if (!user) {
                        reply->storeError(error);
                        qCWarning(lcHttp) << "login lookup failed:" << error;
                        return;
                    }
                    // An unknown user is checked against the pool's dummy hash: both answers
                    // take one argon2id verification.
                    const std::optional<UserRecord> found = *user;
                    const QString hash = found ? found->passwordHash : QString();
                    const bool queued = s->passwords->verify(
                        s->hub, hash, pw, [s, reply, name, address, found](bool ok) {
                            const qint64 now = Protocol::Events::nowMs();
                            if (!found || !ok) {
                                s->throttle->failure(AuthThrottle::Kind::User, name, now);
                                s->throttle->failure(AuthThrottle::Kind::Address, address, now);
                                qCInfo(lcHttp).noquote()
                                    << "failed login for" << AuthThrottle::sanitized(name) << "from"
                                    << address;
                                reply->error(ErrorCode::Unauthorized,
                                             QStringLiteral("wrong username or password"));
                                return;
                            }
                            s->throttle->success(AuthThrottle::Kind::User, name);
                            if (found->disabled) {
                                reply->error(ErrorCode::Forbidden,
                                             QStringLiteral("this account is disabled"));
                                return;
                            }
                            TokenClaims claims;
                            claims.userId = found->id;
                            claims.username = found->username;
                            claims.admin = found->admin;
                            const qint64 nowS = now / 1000;
                            const QByteArray token = s->tokens->issue(claims, nowS);
                            const qint64 expiresAt = nowS + s->tokens->settings().ttlSeconds;
                            reply->json(
                                200,
                                {{QStringLiteral("token"), QString::fromLatin1(token)},
                                 {QStringLiteral("token_type"), QStringLiteral("Bearer")},
                                 {QStringLiteral("user_id"), found->id},
                                 {QStringLiteral("username"), found->username},
                                 {QStringLiteral("role"),
                                  found->admin ? QStringLiteral("admin") : QStringLiteral("user")},
                                 {QStringLiteral("expires_at"), expiresAt}});
                        });
                    if (!queued)
                        passwordPoolFull(reply);
                });
        });
}

// "Sign out everywhere": every token of the user issued before now stops working (401 on REST,
// 4003 on WebSocket) and its live connections close with 4003.
void addSignOutRoute(Router &router, RestServices *s)
{
    router.add("POST", {QStringLiteral("/api/v1/users/{id}/signout")}, Access::User,
               [s](const RestRequest &request, const ReplyPtr &reply) {
                   qint64 id = 0;
                   if (!targetUser(request, reply, &id))
                       return;
                   const qint64 now = Protocol::Events::nowMs();
                   changeAccount(
                       s, reply, id,
                       [id, now](Store &store) { return store.setTokensValidAfter(id, now); },
                       QStringLiteral("signed out"),
                       [reply, id, now](int closed) {
                           qCInfo(lcHttp)
                               << "tokens of user" << id << "revoked (sign out everywhere)";
                           reply->json(200,
                                       {{QStringLiteral("user_id"), id},
                                        {QStringLiteral("tokens_valid_after"), now},
                                        {QStringLiteral("connections_closed"), closed}});
                       });
               });
}

// A new password: the user itself (with its current password) or an admin. Older tokens are
// revoked (the store moves tokens_valid_after with the hash) and live connections close.
void addPasswordRoute(Router &router, RestServices *s)
{
    router.add(
        "POST", {QStringLiteral("/api/v1/users/{id}/password")}, Access::User,
        [s](const RestRequest &request, const ReplyPtr &reply) {
            qint64 id = 0;
            if (!targetUser(request, reply, &id))
                return;
            QJsonObject body;
            QString error;
            if (!request.jsonBody(&body, &error)) {
                reply->error(ErrorCode::InvalidJson, error);
                return;
            }
            const QString password = body.value(QStringLiteral("password")).toString();
            if (password.size() < 8 || password.size() > 1024) {
                reply->error(ErrorCode::ValidationError,
                             QStringLiteral("'password' must be 8-1024 characters"));
                return;
            }
            const bool self = !request.principal.isAdmin();
            const QString current = body.value(QStringLiteral("current_password")).toString();
            if (self && current.isEmpty()) {
                reply->error(ErrorCode::ValidationError,
                             QStringLiteral("'current_password' is required"));
                return;
            }
            const QString address = AuthThrottle::addressId(request.remoteAddress);
            const QString name = QString::number(id);
            if (self && throttledLogin(s, name, address, reply))
                return;
            auto store = [s, reply, id](const QString &hash) {
                if (hash.isEmpty()) {
                    reply->error(ErrorCode::InternalError, QStringLiteral("hashing failed"));
                    return;
                }
                changeAccount(
                    s, reply, id, [id, hash](Store &st) { return st.setPasswordHash(id, hash); },
                    QStringLiteral("password changed"),
                    [reply, id](int closed) {
                        reply->json(200,
                                    {{QStringLiteral("user_id"), id},
                                     {QStringLiteral("connections_closed"), closed}});
                    });
            };
            const QByteArray pw = password.toUtf8();
            auto hashNew = [s, reply, pw, store]() {
                if (!s->passwords->hash(s->hub, pw, store))
                    passwordPoolFull(reply);
            };
            if (!self) {
                hashNew();
                return;
            }
            // The user itself proves it knows the current password (a stolen token alone must
            // not lock the owner out).
            s->store->read<std::optional<UserRecord>>(
                s->hub, [id](Store &st) { return st.userById(id); },
                [s, reply, current, hashNew, name,
                 address](std::optional<std::optional<UserRecord>> user, QString error) {
                    if (!user) {
                        reply->storeError(error);
                        return;
                    }
                    const QString hash = *user ? (*user)->passwordHash : QString();
                    const bool queued = s->passwords->verify(
                        s->hub, hash, current.toUtf8(),
                        [s, reply, hashNew, name, address](bool ok) {
                            if (!ok) {
                                const qint64 now = Protocol::Events::nowMs();
                                s->throttle->failure(AuthThrottle::Kind::User, name, now);
                                s->throttle->failure(AuthThrottle::Kind::Address, address, now);
                                reply->error(ErrorCode::Forbidden,
                                             QStringLiteral("the current password is wrong"));
                                return;
                            }
                            hashNew();
                        });
                    if (!queued)
                        passwordPoolFull(reply);
                });
        });
}

} // namespace

void addAuthRoutes(Router &router, RestServices *s)
{
    addLoginRoute(router, s);
    addSignOutRoute(router, s);
    addPasswordRoute(router, s);
}

} // namespace Switchboard::RestApi
