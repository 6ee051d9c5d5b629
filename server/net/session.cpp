// SPDX-License-Identifier: MIT
#include "session.h"

#include "auth/accountcache.h"
#include "auth/externalids.h"
#include "config/config.h"
#include "hub/adminfeed.h"
#include "hub/hub.h"
#include "hub/knownusers.h"
#include "hub/messageservice.h"
#include "protocol/codec.h"
#include "protocol/dialectcache.h"
#include "protocol/events.h"
#include "protocol/jsonwriter.h"
#include "protocol/protocol.h"
#include "store/asyncstore.h"

#include <algorithm>

#include <QLoggingCategory>
#include <QPointer>

Q_LOGGING_CATEGORY(lcSession, "switchboard.ws")

namespace Switchboard {

using namespace Protocol;

namespace {

// The retry hint of an UNAVAILABLE answer while the store's queue is full.

} // namespace

Session::Session(std::unique_ptr<Transport> transport, quint64 connectionId,
                 const SessionContext &ctx, std::optional<TokenClaims> claims)
    : Endpoint(connectionId)
    , m_transport(std::move(transport))
    , m_ctx(ctx)
    , m_limits(*ctx.config, Events::nowMs())
{
    const qint64 now = Events::nowMs();
    m_connectedAt = now;
    m_lastSeenMs = now;
    m_nextPingMs = now + m_ctx.config->authTimeoutMs; // the `auth` frame's deadline
    // The frontends refused an unknown ?dialect= before the upgrade.
    m_dialect
        = dialectForRequest(m_transport->path(), m_transport->query(), m_ctx.config->defaultDialect)
              .value_or(Dialect::Canonical);
    m_transport->setSink(this);

    if (claims) {
        m_claims = *claims;
        m_state = State::Activating;
        beginActivation();
    }
}

Session::~Session()
{
    cancelQueuedReads();
    if (m_ctx.admin)
        m_ctx.admin->unsubscribe(this);
    m_transport->setSink(nullptr);
}

Session::Startup &Session::startup()
{
    if (!m_startup)
        m_startup = std::make_unique<Startup>();
    return *m_startup;
}

QHostAddress Session::peerAddress() const
{
    return m_transport->peerAddress();
}

namespace {

// A slow consumer's policy (docs/RELIABILITY.md): droppable frames are shed while more than
// max_send_queue_bytes / SHED_DIVISOR wait; past max_send_queue_bytes the client is closed.
constexpr qint64 SHED_DIVISOR = 2;
// Only small frames can be droppable ones: larger ones are not even looked at.
constexpr qsizetype DROPPABLE_MAX_BYTES = 8 * 1024;

// Typing, presence and operator statistics: live state that the next such frame replaces, so
// a client behind on its queue loses nothing it cannot do without. Finds the top-level
// "type" wherever the encoder put it (QJsonDocument sorts keys).
bool isDroppable(const QByteArray &frame)
{
    if (frame.size() > DROPPABLE_MAX_BYTES)
        return false;
    const QByteArrayView view(frame);
    int depth = 0;
    bool inString = false;
    for (qsizetype i = 0; i < view.size(); ++i) {
        const char ch = view[i];
        if (inString) {
            if (ch == '\\')
                ++i;
            else if (ch == '"')
                inString = false;
            continue;
        }
        if (ch == '"') {
            if (depth == 1 && view.sliced(i).startsWith("\"type\":\"")) {
                const QByteArrayView type = view.sliced(i + 8);
                return type.startsWith("typing\"") || type.startsWith("presence\"")
                    || type.startsWith("admin_stats\"");
            }
            inString = true;
        } else if (ch == '{' || ch == '[') {
            ++depth;
        } else if (ch == '}' || ch == ']') {
            --depth;
        }
    }
    return false;
}

} // namespace

void Session::sendFrame(const QByteArray &frame)
{
    write(frame, false);
}

qint64 Session::write(const QByteArray &canonical, bool stored)
{
    if (m_state == State::Closed || m_slow)
        return -1;
    if (m_state == State::Activating) {
        startup().framesBeforeActive.append(canonical); // they follow `connected`
        return -1;
    }
    // Every frame is built canonical; a connection in a seed's dialect gets it re-encoded
    // (once per dialect for a fan-out's shared frame). Canonical ones pay this test only.
    const QByteArray *out = &canonical;
    QByteArray translated;
    if (m_dialect != Dialect::Canonical) [[unlikely]] {
        translated = m_ctx.dialects ? m_ctx.dialects->encode(m_dialect, canonical)
                                    : Dialects::encode(m_dialect, canonical);
        if (translated.isEmpty())
            return -1; // an event this dialect does not carry (Dialects::carries)
        out = &translated;
    }
    const QByteArray &frame = *out;
    const qint64 limit = m_ctx.config->maxSendQueueBytes;
    const qint64 mark = m_ctx.config->roomPushbackBytes();
    const qint64 frameMark = m_ctx.config->roomPushbackFrameMark();
    const qint64 shedAbove = limit / SHED_DIVISOR;
    // Every decision below compares the backlog with a threshold; an upper bound that is under
    // all of them decides the same as the exact count, which is dearer to read (Transport).
    Backlog backlog = m_transport->backlogBound();
    if (backlog.bytes > (mark > 0 ? std::min(mark, shedAbove) : shedAbove)
        || backlog.bytes + frame.size() > limit || (frameMark > 0 && backlog.frames > frameMark))
        backlog = m_transport->backlog();
    if (!behind(backlog))
        m_behindSinceMs = 0; // it caught up since the last look
    if (!stored && backlog.bytes > shedAbove && isDroppable(canonical))
        return -1; // shed: the client is behind, and the next one replaces it anyway
    // One frame alone may exceed the limit (a history page): it goes when nothing waits.
    if (backlog.bytes > 0 && backlog.bytes + frame.size() > limit) {
        closeSlowConsumer(QStringLiteral("slow consumer: send queue full"));
        return -1;
    }
    m_lastEnd = m_transport->sendText(frame);
    m_ctx.hub->counters().framesOut++;
    return m_lastEnd;
}

bool Session::behind(const Backlog &backlog) const
{
    const qint64 frameMark = m_ctx.config->roomPushbackFrameMark();
    return backlog.bytes > m_ctx.config->roomPushbackBytes()
        || (frameMark > 0 && backlog.frames > frameMark);
}

bool Session::checkBehind(qint64 nowMs)
{
    const qint64 mark = m_ctx.config->roomPushbackBytes();
    const qint64 grace = m_ctx.config->slowConsumerGraceMs;
    // Every connection asks once a tick: the cheap bound clears nearly all of them.
    if (mark <= 0 || grace <= 0 || m_slow || !behind(m_transport->backlogBound())
        || !behind(m_transport->backlog()) || replaying()) {
        m_behindSinceMs = 0;
        return false;
    }
    if (m_behindSinceMs == 0) {
        m_behindSinceMs = nowMs;
        return false;
    }
    if (nowMs - m_behindSinceMs < grace)
        return false;
    // Behind for the whole grace: a client reading at any usable pace drains the push-back
    // mark long before. Left open, it would hold back its rooms' publishers (push-back counts
    // it) while its queue never reaches max_send_queue_bytes, since nothing more is queued.
    closeSlowConsumer(QStringLiteral("slow consumer: behind for too long"));
    return true;
}

void Session::closeSlowConsumer(const QString &reason)
{
    qCInfo(lcSession) << "connection" << connectionId() << "of user" << m_claims.userId
                      << "does not read:" << m_transport->backlogBytes()
                      << "bytes wait; closing (4029)";
    m_slow = true;
    // A client that does not read cannot take the close frame either: both transports drop
    // it when the close times out. What it was not sent is replayed on its next connect.
    m_transport->close(CloseCode::RATE_LIMITED, reason);
}

Sender Session::sender() const
{
    return Sender {m_claims.userId, m_claims.username, m_claims.admin, connectionId()};
}

void Session::sendError(ErrorCode code, const QString &message, const QJsonValue &id)
{
    // Storage that is down or busy passes: every UNAVAILABLE tells the client when to retry.
    if (code == ErrorCode::Unavailable) {
        sendRetryError(code, message, id, AsyncStore::BUSY_RETRY_MS);
        return;
    }
    m_ctx.hub->counters().errorsSent++;
    if (m_ctx.admin)
        m_ctx.admin->errorSent(m_claims.userId, connectionId(), code);
    sendFrame(Events::error(code, message, id));
}

void Session::sendFailure(const Failure &failure, const QJsonValue &id)
{
    if (failure.retryAfterMs > 0)
        sendRetryError(failure.code, failure.message, id, failure.retryAfterMs);
    else
        sendError(failure.code, failure.message, id);
}

void Session::sendRetryError(ErrorCode code, const QString &message, const QJsonValue &id,
                             qint64 retryAfterMs)
{
    m_ctx.hub->counters().errorsSent++;
    if (m_ctx.admin)
        m_ctx.admin->errorSent(m_claims.userId, connectionId(), code);
    JsonWriter w(128 + message.size());
    w.field(QLatin1StringView("type"), ServerType::ERROR)
        .field(QLatin1StringView("ts"), Events::nowMs())
        .field(QLatin1StringView("code"), errorCodeName(code))
        .field(QLatin1StringView("message"), message)
        .field(QLatin1StringView("retry_after_ms"), retryAfterMs)
        .fieldIfSet(QLatin1StringView("id"), id);
    sendFrame(w.take());
}

bool Session::admitFrame(const ClientMessage *message, qsizetype bytes, const QJsonValue &id)
{
    const SessionLimits::Verdict verdict = m_limits.admit(
        *m_ctx.config, m_ctx.userLimits, m_claims.userId, message, bytes, Events::nowMs());
    if (verdict.close) {
        qCInfo(lcSession) << "connection" << connectionId() << "of user" << m_claims.userId
                          << "kept exceeding its rate limit; closing";
        close(CloseCode::RATE_LIMITED, QStringLiteral("rate limit exceeded"));
        return false;
    }
    if (verdict.retryAfterMs) {
        sendRetryError(
            ErrorCode::RateLimited,
            QStringLiteral("too many requests; retry after %1 ms").arg(verdict.retryAfterMs), id,
            verdict.retryAfterMs);
        return false;
    }
    // Back-pressure: while the store's queue is full, a request that needs it is refused now
    // rather than queued behind everyone else's.
    if (message && m_state == State::Active && SessionLimits::needsStore(*message)
        && m_ctx.store->saturated()) {
        sendFailure(storeBusy(), id);
        return false;
    }
    return true;
}

void Session::close(int code, const QString &reason)
{
    if (m_state == State::Closed)
        return;
    m_closeRequested = true;
    qCDebug(lcSession) << "closing connection" << connectionId() << code << reason;
    m_transport->close(code, reason);
}

void Session::transportPong(qint64 rttMs)
{
    m_lastSeenMs = Events::nowMs();
    m_lastRttMs = rttMs;
}

void Session::transportClosed(int code, const QString &reason)
{
    if (m_state == State::Closed)
        return;
    const bool wasAttached = m_state == State::Active;
    // A session still mapping its external id has not reserved its place in the hub yet.
    const bool wasReserved = m_state == State::Activating && !m_resolvingUser;
    if (wasAttached) {
        m_writtenSeen = m_transport->writtenBytes(); // final: what reached the client
        m_cursorsDirty = true;
        saveCursors();
    }
    m_state = State::Closed;
    cancelQueuedReads(); // nobody reads their answers now
    if (m_ctx.admin) {
        m_ctx.admin->unsubscribe(this);
        if (wasAttached)
            m_ctx.admin->connectionClosed(this, code, reason);
    }
    if (wasAttached || wasReserved)
        m_ctx.hub->detach(this);
    if (m_pinnedUser) {
        m_pinnedUser = false;
        m_ctx.externalIds->unpin(m_claims.userId);
    }
    if (m_ctx.finished)
        m_ctx.finished(this);
}

void Session::tick(qint64 nowMs)
{
    if (m_state == State::Closed)
        return;
    if (m_state == State::AwaitingAuth) {
        if (nowMs >= m_nextPingMs)
            close(CloseCode::UNAUTHORIZED, QStringLiteral("authentication timeout"));
        return;
    }
    if (nowMs - m_lastSeenMs > m_ctx.config->heartbeatTimeoutMs) {
        qCInfo(lcSession) << "connection" << connectionId() << "of user" << m_claims.userId
                          << "missed its heartbeats; closing";
        close(CloseCode::HEARTBEAT_TIMEOUT, QStringLiteral("heartbeat timeout"));
        m_transport->abort();
        return;
    }
    saveCursors();
    // An idle connection (all it was sent seen written at an earlier tick) is neither behind
    // nor has anything to confirm: its tick stays in the session, without a look at the
    // transport and the counts the I/O thread keeps (a cache miss or two per connection per
    // tick, seen in a 19k storm's profile).
    if (m_writtenSeen != m_lastEnd) {
        if (m_state == State::Active && checkBehind(nowMs))
            return;
        // Nothing waits by the cheap bound: all that was sent (Session::write keeps its end)
        // is written, without reading the count the I/O thread keeps.
        const qint64 written
            = m_transport->backlogBound().bytes == 0 ? m_lastEnd : m_transport->writtenBytes();
        if (written != m_writtenSeen) {
            m_writtenSeen = written; // confirmed at the next tick
            m_cursorsDirty = true;
        }
    } else {
        m_behindSinceMs = 0;
    }
    if (m_waitingDrain && m_transport->backlogBytes() == 0)
        transportDrained(); // a notification lost on the way must not stall a replay for good
    if (nowMs >= m_nextPingMs) {
        m_transport->ping();
        m_nextPingMs = nowMs + m_ctx.config->heartbeatIntervalMs;
    }
    // A revocation this node learnt of through the account cache (another path loaded it),
    // looked for only when the cache took in a restricting state since the last look.
    if (m_ctx.accounts && m_ctx.accounts->restrictions() != m_restrictionsSeen) {
        m_restrictionsSeen = m_ctx.accounts->restrictions();
        const auto verdict = m_ctx.accounts->checkLatest(m_claims);
        if (verdict == AccountVerdict::Disabled || verdict == AccountVerdict::Revoked) {
            close(CloseCode::FORBIDDEN, AccountCache::verdictText(*verdict));
            return;
        }
    }
    const qint64 expiresMs = m_claims.expiresAt * 1000;
    // The same leeway as the token check at the upgrade and on `auth`.
    if (nowMs >= expiresMs + m_ctx.tokens->settings().leewaySeconds * 1000) {
        close(CloseCode::TOKEN_EXPIRED, QStringLiteral("token expired"));
    } else if (!m_expiryWarned && expiresMs - nowMs <= 60'000) {
        m_expiryWarned = true;
        sendFrame(Events::encode(ServerType::TOKEN_EXPIRING,
                                 {{QStringLiteral("expires_at"), m_claims.expiresAt}}));
    }
}

void Session::transportText(const QByteArray &utf8)
{
    if (m_state == State::Closed)
        return;
    m_lastSeenMs = Events::nowMs();
    m_ctx.hub->counters().framesIn++;
    auto decoded = decodeClientFrame(utf8);
    if (auto *err = std::get_if<DecodeError>(&decoded)) {
        if (m_state == State::AwaitingAuth) {
            close(CloseCode::UNAUTHORIZED, QStringLiteral("authentication required"));
            return;
        }
        // Frames that do not decode count against the limits like any other.
        if (admitFrame(nullptr, utf8.size(), err->id))
            sendError(err->code, err->message, err->id);
        return;
    }
    auto &frame = std::get<DecodedFrame>(decoded);
    if (m_state == State::AwaitingAuth && !std::holds_alternative<AuthRequest>(frame.message)) {
        sendError(ErrorCode::Unauthorized,
                  QStringLiteral("the first frame must be 'auth' with a token"), frame.id);
        close(CloseCode::UNAUTHORIZED, QStringLiteral("authentication required"));
        return;
    }
    // Before authentication only the `auth` frame gets here (anything else closed above).
    if (m_state != State::AwaitingAuth && !admitFrame(&frame.message, utf8.size(), frame.id))
        return;
    if (m_state == State::Activating) {
        // Held until the session is live: bounded, since a client that floods this early
        // cannot be answered frame by frame (answers would queue behind `connected` too).
        Startup &held = startup();
        if (held.pendingBeforeActive.size() >= m_ctx.config->maxPendingFrames
            || held.pendingBytes + utf8.size() > m_ctx.config->maxPendingBytes) {
            qCInfo(lcSession) << "connection" << connectionId() << "of user" << m_claims.userId
                              << "sent too much before it was ready; closing";
            close(CloseCode::RATE_LIMITED,
                  QStringLiteral("too many frames before the session was ready"));
            return;
        }
        held.pendingBytes += utf8.size();
        held.pendingBeforeActive.append({utf8, frame.id});
        return;
    }
    std::visit([this, &frame](const auto &message) { handle(frame.id, message); }, frame.message);
}

void Session::authenticate(const QString &token, const StreamPositions &resume,
                           const QJsonValue &id)
{
    if (!resume.isEmpty())
        startup().resume = resume;
    const auto result = m_ctx.tokens->verify(token.toUtf8(), Events::nowMs() / 1000);
    if (const auto *error = std::get_if<TokenError>(&result)) {
        const int code
            = *error == TokenError::Expired ? CloseCode::TOKEN_EXPIRED : CloseCode::UNAUTHORIZED;
        sendError(*error == TokenError::Expired ? ErrorCode::TokenExpired : ErrorCode::Unauthorized,
                  TokenService::errorText(*error), id);
        close(code, TokenService::errorText(*error));
        return;
    }
    m_claims = std::get<TokenClaims>(result);
    m_state = State::Activating;
    beginActivation();
}

void Session::beginActivation()
{
    if (m_claims.externalId.isEmpty()) {
        activate();
        return;
    }
    if (!m_ctx.externalIds) {
        close(CloseCode::UNAUTHORIZED, QStringLiteral("external user ids are not accepted here"));
        return;
    }
    m_resolvingUser = true;
    QPointer<Session> self(this);
    m_ctx.externalIds->resolve(m_claims.externalId, true, [self](std::optional<qint64> id) {
        if (!self || self->m_state != State::Activating)
            return;
        self->m_resolvingUser = false;
        if (!id || *id <= 0) {
            qCWarning(lcSession) << "mapping the external user id of connection"
                                 << self->connectionId() << "failed";
            self->close(CloseCode::TRY_AGAIN_LATER, QStringLiteral("storage unavailable"));
            return;
        }
        self->m_claims.userId = *id;
        self->m_ctx.externalIds->pin(*id);
        self->m_pinnedUser = true;
        self->activate();
    });
}

bool Session::enterActive(const std::optional<UserRecord> &record)
{
    // The same account check as REST: disabled or revoked -> 4003, the role from the account.
    AccountState account;
    if (record)
        account = AccountState {true, record->disabled, record->admin, record->tokensValidAfter,
                                record->username};
    if (m_ctx.accounts) {
        m_ctx.accounts->put(m_claims.userId, account, Events::nowMs());
        m_restrictionsSeen = m_ctx.accounts->restrictions(); // judged just below
    }
    const AccountVerdict verdict = AccountCache::judge(account, m_claims, &m_claims);
    if (verdict != AccountVerdict::Ok) {
        close(CloseCode::FORBIDDEN, AccountCache::verdictText(verdict));
        return false;
    }
    m_state = State::Active;
    if (KnownUsers *known = m_ctx.messages->knownUsers())
        known->noteAuthenticated(m_claims.userId, record.has_value());
    m_nextPingMs = Events::nowMs() + m_ctx.config->heartbeatIntervalMs;
    if (m_ctx.admin)
        m_ctx.admin->connectionOpened(this);
    m_ctx.hub->attach(this);
    const qint64 online = m_ctx.hub->userCount();
    JsonWriter user(96);
    user.field(QLatin1StringView("id"), m_claims.userId)
        .field(QLatin1StringView("name"), m_claims.username)
        .field(QLatin1StringView("role"),
               m_claims.admin ? QLatin1StringView("admin") : QLatin1StringView("user"));
    JsonWriter seedData(96);
    seedData.field(QLatin1StringView("message"), QLatin1StringView("connected"))
        .field(QLatin1StringView("user_id"), m_claims.userId)
        .field(QLatin1StringView("online_count"), online);
    // The sizes this server refuses, so a client checks before sending instead of being
    // closed with 1009 (and resending the same frame after reconnecting).
    JsonWriter limits(96);
    limits.field(QLatin1StringView("max_frame_bytes"), qint64(m_ctx.config->maxFrameBytes))
        .field(QLatin1StringView("max_message_bytes"), qint64(m_ctx.config->maxMessageBytes))
        .field(QLatin1StringView("max_content_chars"), qint64(m_ctx.config->maxContentChars));
    JsonWriter connected(480);
    connected.field(QLatin1StringView("type"), ServerType::CONNECTED)
        .field(QLatin1StringView("ts"), Events::nowMs())
        .json(QLatin1StringView("user"), user.take())
        .field(QLatin1StringView("connection_id"), QString::number(connectionId()))
        .field(QLatin1StringView("protocol"), qint64(VERSION))
        .field(QLatin1StringView("online_count"), online)
        .field(QLatin1StringView("heartbeat_interval_ms"),
               qint64(m_ctx.config->heartbeatIntervalMs))
        .field(QLatin1StringView("expires_at"), m_claims.expiresAt)
        .json(QLatin1StringView("limits"), limits.take())
        .json(QLatin1StringView("data"), seedData.take());
    sendFrame(connected.take());
    if (m_startup) {
        for (const QByteArray &frame : std::exchange(m_startup->framesBeforeActive, {}))
            sendFrame(frame);
    }
    joinConnectRoom();
    return true;
}

void Session::handleFramesBeforeActive()
{
    if (!m_startup)
        return;
    const auto pending = std::exchange(m_startup->pendingBeforeActive, {});
    m_startup->pendingBytes = 0;
    for (const auto &[utf8, id] : pending) {
        auto decoded = decodeClientFrame(utf8);
        auto &frame = std::get<DecodedFrame>(decoded);
        std::visit([this, &frame](const auto &m) { handle(frame.id, m); }, frame.message);
    }
}

} // namespace Switchboard
