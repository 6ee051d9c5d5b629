// SPDX-License-Identifier: MIT
#include "restapi.h"

#include "auth/passwordhasher.h"
#include "auth/tokenservice.h"
#include "hub/hub.h"
#include "protocol/events.h"
#include "store/asyncstore.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace Switchboard::RestApi {

using Protocol::ErrorCode;

namespace {

struct LoginResult
{
    std::optional<UserRecord> user;
    bool passwordOk = false;
};

} // namespace

void addAuthRoutes(Router &router, RestServices *s)
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
            const QByteArray pw = password.toString().toUtf8();
            // argon2id is deliberately slow: it runs on the store's worker, not here.
            s->store->run<LoginResult>(
                s->hub,
                [name, pw](Store &store) {
                    LoginResult r;
                    r.user = store.userByName(name);
                    if (r.user && !r.user->passwordHash.isEmpty())
                        r.passwordOk = PasswordHasher::verify(r.user->passwordHash, pw);
                    else
                        PasswordHasher::verify(QString(), pw);
                    return r;
                },
                [s, reply, name](std::optional<LoginResult> result, QString error) {
                    if (!result) {
                        reply->error(ErrorCode::Unavailable,
                                     QStringLiteral("database unavailable"));
                        qCWarning(lcHttp) << "login lookup failed:" << error;
                        return;
                    }
                    if (!result->user || !result->passwordOk) {
                        qCInfo(lcHttp) << "failed login for" << name;
                        reply->error(ErrorCode::Unauthorized,
                                     QStringLiteral("wrong username or password"));
                        return;
                    }
                    if (result->user->disabled) {
                        reply->error(ErrorCode::Forbidden,
                                     QStringLiteral("this account is disabled"));
                        return;
                    }
                    TokenClaims claims;
                    claims.userId = result->user->id;
                    claims.username = result->user->username;
                    claims.admin = result->user->admin;
                    const qint64 now = Protocol::Events::nowMs() / 1000;
                    const QByteArray token = s->tokens->issue(claims, now);
                    const qint64 expiresAt = now + s->tokens->settings().ttlSeconds;
                    reply->json(
                        200,
                        {{QStringLiteral("token"), QString::fromLatin1(token)},
                         {QStringLiteral("token_type"), QStringLiteral("Bearer")},
                         {QStringLiteral("user_id"), result->user->id},
                         {QStringLiteral("username"), result->user->username},
                         {QStringLiteral("role"),
                          result->user->admin ? QStringLiteral("admin") : QStringLiteral("user")},
                         {QStringLiteral("expires_at"), expiresAt}});
                });
        });
}

} // namespace Switchboard::RestApi
