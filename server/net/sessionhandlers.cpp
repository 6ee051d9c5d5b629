// SPDX-License-Identifier: MIT
// The per-frame-type handlers of Session, kept apart from its connection life cycle.
#include "session.h"

#include "auth/accountcache.h"
#include "auth/externalids.h"
#include "config/config.h"
#include "hub/hub.h"
#include "hub/messageservice.h"
#include "protocol/events.h"
#include "protocol/protocol.h"

#include <QPointer>

namespace Switchboard {

using namespace Protocol;

// The answer to a stored send: `ack` with where it was stored, or the error. The sending
// connection counts the message as received, so a replay never echoes it back.
MessageService::Done Session::acknowledge(const QJsonValue &id)
{
    return [this, id](std::optional<SendOutcome> outcome, std::optional<SendFailure> failure) {
        if (failure) {
            sendFailure(*failure, id);
            return;
        }
        noteOwnMessage(outcome->stream, outcome->seq);
        sendFrame(Events::ack(id,
                              Events::StoredDelivery {outcome->messageId, outcome->stream,
                                                      outcome->seq, outcome->createdAt},
                              outcome->duplicate));
    };
}

void Session::handle(const QJsonValue &id, const AuthRequest &request)
{
    if (m_state != State::AwaitingAuth) {
        sendError(ErrorCode::ValidationError,
                  QStringLiteral("already authenticated; use 'refresh' to renew the token"), id);
        return;
    }
    authenticate(request.token, request.resume, id);
}

void Session::handle(const QJsonValue &id, const RefreshRequest &request)
{
    const auto result = m_ctx.tokens->verify(request.token.toUtf8(), Events::nowMs() / 1000);
    if (const auto *error = std::get_if<TokenError>(&result)) {
        sendError(*error == TokenError::Expired ? ErrorCode::TokenExpired : ErrorCode::Unauthorized,
                  TokenService::errorText(*error), id);
        return;
    }
    TokenClaims claims = std::get<TokenClaims>(result);
    // The same user: the same external id (mapped at activation), or the same number.
    if (!m_claims.externalId.isEmpty() && claims.externalId == m_claims.externalId)
        claims.userId = m_claims.userId;
    if (claims.userId != m_claims.userId || claims.externalId != m_claims.externalId) {
        sendError(ErrorCode::Forbidden,
                  QStringLiteral("a refreshed token must belong to the same user"), id);
        return;
    }
    // The account decides as at activation: a revoked token is no refresh, and the role stays
    // the account's (from the cache, else the one this session's activation read).
    const bool accountAdmin = m_claims.admin;
    std::optional<AccountVerdict> verdict;
    if (m_ctx.accounts)
        verdict = m_ctx.accounts->checkCached(claims, Events::nowMs(), &claims);
    if (verdict == AccountVerdict::Disabled || verdict == AccountVerdict::Revoked) {
        sendError(ErrorCode::Unauthorized, AccountCache::verdictText(*verdict), id);
        return;
    }
    if (verdict != AccountVerdict::Ok)
        claims.admin = accountAdmin;
    const QString name = m_claims.username;
    m_claims = claims;
    if (m_claims.username.isEmpty())
        m_claims.username = name;
    m_expiryWarned = false;
    QJsonObject fields {{QStringLiteral("expires_at"), m_claims.expiresAt}};
    if (!id.isNull())
        fields.insert(QStringLiteral("id"), id);
    sendFrame(Events::encode(ServerType::AUTHENTICATED, fields));
}

void Session::handle(const QJsonValue &id, const PingRequest &)
{
    sendFrame(Events::pong(id));
}

void Session::handle(const QJsonValue &id, const SendRequest &request)
{
    if (request.content.size() > m_ctx.config->maxContentChars) {
        sendError(ErrorCode::TooLarge,
                  QStringLiteral("content is longer than %1 characters")
                      .arg(m_ctx.config->maxContentChars),
                  id);
        return;
    }
    if (request.idempotencyKey.size() > 128) {
        sendError(ErrorCode::ValidationError,
                  QStringLiteral("idempotency_key is longer than 128 characters"), id);
        return;
    }
    // A backend's own id ("user456"): mapped first, as the recipients of REST sends are.
    if (mapExternalUser(id, request, &SendRequest::toExternalId, &SendRequest::toUserId,
                        QStringLiteral("to"), m_ctx.config->acceptUnknownRecipients))
        return;
    const Sender me = sender();
    m_ctx.messages->sendToUser(
        me, request.toUserId, MessageKind::Direct,
        MessageService::directBody(me, request.toUserId, request.content, request.data),
        request.idempotencyKey, this, acknowledge(id));
}

void Session::handle(const QJsonValue &id, const BroadcastRequest &request)
{
    if (!m_claims.admin && !m_ctx.config->allowUserBroadcast) {
        sendError(ErrorCode::Forbidden,
                  QStringLiteral("broadcasting needs the admin role (or allow_user_broadcast)"),
                  id);
        return;
    }
    if (request.content.size() > m_ctx.config->maxContentChars) {
        sendError(ErrorCode::TooLarge,
                  QStringLiteral("content is longer than %1 characters")
                      .arg(m_ctx.config->maxContentChars),
                  id);
        return;
    }
    const int recipients = m_ctx.hub->connectionCount();
    if (const auto failure = m_ctx.messages->broadcast(sender(), request.content, request.data)) {
        sendFailure(*failure, id);
        return;
    }
    QJsonObject fields {{QStringLiteral("recipients"), recipients}};
    if (!id.isNull())
        fields.insert(QStringLiteral("id"), id);
    sendFrame(Events::encode(ServerType::ACK, fields));
}

void Session::lookUpUsers(const QStringList &externalIds, const QString &field, bool create,
                          const QJsonValue &id, std::function<void(QList<qint64>)> then)
{
    if (!m_ctx.externalIds) {
        sendError(ErrorCode::ValidationError,
                  QStringLiteral("'%1' must be a user id (positive integer)").arg(field), id);
        return;
    }
    QList<QJsonValue> values;
    for (const QString &external : externalIds)
        values.append(external);
    QPointer<Session> self(this);
    m_ctx.externalIds->lookUpAll(values, create,
                                 [self, field, id, then = std::move(then)](
                                     const QList<qint64> &ids, const ExternalIds::Lookup *failed) {
                                     if (!self || self->m_state != State::Active)
                                         return;
                                     if (failed)
                                         self->sendError(failed->errorCode(),
                                                         failed->errorText(field), id);
                                     else
                                         then(ids);
                                 });
}

void Session::handle(const QJsonValue &id, const NotifyRequest &request)
{
    if (mapExternalUser(id, request, &NotifyRequest::toExternalId, &NotifyRequest::toUserId,
                        QStringLiteral("to"), m_ctx.config->acceptUnknownRecipients))
        return;
    if (request.message.size() + request.title.size() > m_ctx.config->maxContentChars) {
        sendError(ErrorCode::TooLarge,
                  QStringLiteral("notification is longer than %1 characters")
                      .arg(m_ctx.config->maxContentChars),
                  id);
        return;
    }
    const Sender me = sender();
    if (request.toUserId == 0) {
        if (!m_claims.admin && !m_ctx.config->allowUserBroadcast) {
            sendError(ErrorCode::Forbidden,
                      QStringLiteral("notifying everyone needs the admin role; set 'to' to "
                                     "notify one user"),
                      id);
            return;
        }
        const int recipients = m_ctx.hub->connectionCount();
        if (const auto failure = m_ctx.messages->notifyAll(me, request)) {
            sendFailure(*failure, id);
            return;
        }
        QJsonObject fields {{QStringLiteral("recipients"), recipients}};
        if (!id.isNull())
            fields.insert(QStringLiteral("id"), id);
        sendFrame(Events::encode(ServerType::ACK, fields));
        return;
    }
    m_ctx.messages->sendToUser(me, request.toUserId, MessageKind::Notification,
                               MessageService::notificationBody(me, request.toUserId, request),
                               QString(), this, acknowledge(id));
}

} // namespace Switchboard
