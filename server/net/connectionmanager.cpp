// SPDX-License-Identifier: MIT
#include "connectionmanager.h"

#include "auth/externalids.h"
#include "config/config.h"
#include "net/httpfrontend.h"
#include "net/qtwebsockettransport.h"
#include "protocol/events.h"
#include "protocol/protocol.h"

#include <QAbstractHttpServer>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QLoggingCategory>
#include <QTimerEvent>
#include <QWebSocket>

Q_DECLARE_LOGGING_CATEGORY(lcSession)

namespace Switchboard {

ConnectionManager::ConnectionManager(QAbstractHttpServer *http, const SessionContext &ctx,
                                     QObject *parent)
    : QObject(parent)
    , m_http(http)
    , m_ctx(ctx)
    , m_userLimits(ctx.config->userFrameRate, ctx.config->userFrameBurst,
                   ctx.config->rateLimitTableSize)
{
    m_ctx.userLimits = &m_userLimits;
    if (ExternalIds *ids = ctx.externalIds) // seed dialects show them as their users gave them
        m_dialects.setUserIdNames([ids](qint64 userId) { return ids->externalIdOf(userId); });
    m_ctx.dialects = &m_dialects;
    m_ctx.finished = [this](Session *s) { sessionFinished(s); };
    connect(m_http, &QAbstractHttpServer::newWebSocketConnection, this,
            &ConnectionManager::onNewWebSocket);
    // Housekeeping granularity: a second, or finer when heartbeats are configured shorter.
    m_tick.start(std::clamp(m_ctx.config->heartbeatIntervalMs / 4, 50, 1000), Qt::CoarseTimer,
                 this);
}

ConnectionManager::~ConnectionManager()
{
    // Sessions first, before the members: they refer to this manager's context, per-user
    // limits and dialect cache. (A session deleted here does not call back: only close does.)
    qDeleteAll(std::exchange(m_sessions, {}));
    qDeleteAll(std::exchange(m_finished, {}));
}

bool ConnectionManager::admitting() const
{
    return !m_draining && sessionCount() < m_ctx.config->maxConnections;
}

void ConnectionManager::onNewWebSocket()
{
    while (auto socket = m_http->nextPendingWebSocketConnection()) {
        if (m_draining) {
            socket->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("shutting down"));
            socket.release()->deleteLater();
            continue;
        }
        std::optional<TokenClaims> claims;
        const QNetworkRequest request = socket->request();
        const QString token = HttpFrontend::requestToken(QUrlQuery(request.url()),
                                                         request.rawHeader("Authorization"));
        if (!token.isEmpty()) {
            const auto result
                = m_ctx.tokens->verify(token.toUtf8(), Protocol::Events::nowMs() / 1000);
            if (const auto *c = std::get_if<TokenClaims>(&result)) {
                claims = *c;
            } else {
                const auto error = std::get<TokenError>(result);
                socket->close(static_cast<QWebSocketProtocol::CloseCode>(
                                  error == TokenError::Expired ? Protocol::CloseCode::TOKEN_EXPIRED
                                                               : Protocol::CloseCode::UNAUTHORIZED),
                              TokenService::errorText(error));
                socket.release()->deleteLater();
                continue;
            }
        }
        adopt(std::make_unique<QtWebSocketTransport>(std::move(socket), m_ctx.config->maxFrameBytes,
                                                     m_ctx.config->maxMessageBytes),
              claims);
    }
}

void ConnectionManager::adopt(std::unique_ptr<Transport> transport,
                              std::optional<TokenClaims> claims)
{
    if (m_draining) {
        transport->close(Protocol::CloseCode::GOING_AWAY, QStringLiteral("shutting down"));
        return;
    }
    const quint64 id = m_nextId++;
    auto *session = new Session(std::move(transport), id, m_ctx, claims);
    // An upgrade that carried its token starts activating in the constructor; one refused
    // there at once has finished already (sessionFinished took it).
    if (session->state() == Session::State::Closed)
        return;
    m_sessions.insert(id, session);
    emit sessionOpened(id);
}

void ConnectionManager::sessionFinished(Session *s)
{
    if (m_sessions.remove(s->connectionId()))
        emit sessionClosed(s->connectionId());
    m_finished.append(s);
    if (m_finished.size() == 1)
        QMetaObject::invokeMethod(this, &ConnectionManager::deleteFinished, Qt::QueuedConnection);
}

void ConnectionManager::deleteFinished()
{
    qDeleteAll(std::exchange(m_finished, {}));
}

void ConnectionManager::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_tick.timerId())
        return;
    const qint64 now = Protocol::Events::nowMs();
    const auto sessions = m_sessions.values();
    for (Session *s : sessions)
        s->tick(now);
}

void ConnectionManager::drain(int timeoutMs)
{
    m_draining = true;
    const auto sessions = m_sessions.values();
    qCInfo(lcSession) << "closing" << sessions.size() << "connections";
    for (Session *s : sessions)
        s->close(Protocol::CloseCode::GOING_AWAY, QStringLiteral("server shutting down"));
    QDeadlineTimer deadline(timeoutMs);
    while (!m_sessions.isEmpty() && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    if (!m_sessions.isEmpty())
        qCWarning(lcSession) << m_sessions.size() << "connections did not close in time";
}

} // namespace Switchboard
