// SPDX-License-Identifier: MIT
#pragma once

#include "auth/tokenservice.h"
#include "hub/messageservice.h"
#include "net/ratelimiter.h"
#include "net/sessionlimits.h"
#include "net/transport.h"
#include "protocol/clientmessages.h"
#include "store/cancellablecontext.h"

#include <memory>

#include <QByteArray>
#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPair>

namespace Switchboard {

struct Config;
class AdminFeed;
class AccountCache;
class AsyncStore;
class Hub;
class MessageService;
class RoomService;
class PresenceService;
class HistoryService;
struct ReplayItem;

// The services a session talks to, owned by the application.
struct SessionContext
{
    const Config *config = nullptr;
    const TokenService *tokens = nullptr;
    AsyncStore *store = nullptr;
    Hub *hub = nullptr;
    MessageService *messages = nullptr;
    RoomService *rooms = nullptr;
    PresenceService *presence = nullptr;
    HistoryService *history = nullptr;
    AdminFeed *admin = nullptr; // the operator feed (optional)
    AccountCache *accounts = nullptr; // account state: disabled, role, revocation (optional)
    RateLimiter<qint64> *userLimits = nullptr; // frames per user over all its connections
};

// One WebSocket connection: authentication, decoding and dispatch of client frames, the backlog
// replay on connect, heartbeat bookkeeping and the close codes of docs/PROTOCOL.md. Its store
// reads are cancelled when it closes (CancellableContext).
class Session : public QObject, public CancellableContext, private Transport::Sink
{
    Q_OBJECT

public:
    enum class State { AwaitingAuth, Activating, Active, Closed };

    Session(std::unique_ptr<Transport> transport, quint64 connectionId, const SessionContext &ctx,
            std::optional<TokenClaims> claims, QObject *parent = nullptr);
    ~Session() override;

    quint64 connectionId() const { return m_connectionId; }
    State state() const { return m_state; }
    qint64 userId() const { return m_claims.userId; }
    const QString &username() const { return m_claims.username; }
    bool isAdmin() const { return m_claims.admin; }
    qint64 connectedAt() const { return m_connectedAt; }
    QHostAddress peerAddress() const;
    qint64 lastRttMs() const { return m_lastRttMs; }
    // For operators (sessionadmin.cpp): peer "IP:port", ?client= or User-Agent, bytes queued.
    QString address() const;
    const QString &client() const { return m_client; }
    qint64 queueBytes() const;

    // A frame from the hub. A stored message names its stream and seq: the session keeps each
    // stream in order, holds it back while that stream replays, and drops repeats.
    void deliver(const QByteArray &frame, const QString &stream = QString(), qint64 seq = 0);
    void sendFrame(const QByteArray &frame);
    void close(int code, const QString &reason);

    // Called about once a second by the connection manager.
    void tick(qint64 nowMs);

Q_SIGNALS:
    void finished(Switchboard::Session *session);

private:
    // Transport::Sink
    void transportText(const QByteArray &utf8) override;
    void transportPong(qint64 rttMs) override;
    void transportClosed(int code, const QString &reason) override;
    void authenticate(const QString &token, const Protocol::StreamPositions &resume,
                      const QJsonValue &id);
    // Checks the account and reads the first replay round in one store read, then goes live.
    void activate();
    Sender sender() const;
    MessageService::Done acknowledge(const QJsonValue &id);

    // Streams (sessionstreams.cpp): what this connection has of each stream it reads.
    struct StreamState
    {
        QString stream;
        qint64 seq = 0; // the highest seq this connection was sent (or posted itself)
        qint64 saved = -1; // the highest seq handed to the stored cursor; -1 = none yet
        bool replaying = false;
        // Live frames held back during the replay; an empty frame marks a message this
        // connection posted itself (acknowledged, never echoed).
        QList<QPair<qint64, QByteArray>> held;
    };
    StreamState *streamState(const QString &stream, bool create);
    // Sends `connected` (and what was sent before it); false when the account is disabled.
    bool enterActive(const std::optional<UserRecord> &record);
    // Client frames that arrived while activating.
    void handleFramesBeforeActive();
    // The streams to replay (the inbox and the user's rooms), each marked as replaying.
    QList<ReplayItem> prepareSync();
    // Replays what the user missed in its inbox and rooms, round by round, then sends
    // sync_complete.
    void replayRound(QList<ReplayItem> items, bool first);
    void takeRound(std::optional<QList<ReplayItem>> result, const QString &error, bool first);
    void finishStream(StreamState &state);
    // Sets a stream's entry of the coming sync_complete.
    void reportStream(const QString &stream, bool complete, QByteArray json);
    // A message this connection posted: it counts as received without being sent back.
    void noteOwnMessage(const QString &stream, qint64 seq);
    // Hands positions that moved to the stored per-user cursors (coalesced by the store).
    void saveCursors();
    void sendError(Protocol::ErrorCode code, const QString &message, const QJsonValue &id);
    // An error that tells the client when to try again (RATE_LIMITED, UNAVAILABLE).
    void sendRetryError(Protocol::ErrorCode code, const QString &message, const QJsonValue &id,
                        qint64 retryAfterMs);
    // Rate limits and store back-pressure for one client frame (message = null when it did
    // not decode); false = refused (answered, or the connection is closing).
    bool admitFrame(const Protocol::ClientMessage *message, qsizetype bytes, const QJsonValue &id);

    void handle(const QJsonValue &id, const Protocol::AuthRequest &request);
    void handle(const QJsonValue &id, const Protocol::RefreshRequest &request);
    void handle(const QJsonValue &id, const Protocol::PingRequest &request);
    void handle(const QJsonValue &id, const Protocol::SendRequest &request);
    void handle(const QJsonValue &id, const Protocol::BroadcastRequest &request);
    void handle(const QJsonValue &id, const Protocol::NotifyRequest &request);
    void handle(const QJsonValue &id, const Protocol::RoomSettingsRequest &request);
    void handle(const QJsonValue &id, const Protocol::RoomActionRequest &request);
    void handle(const QJsonValue &id, const Protocol::RoomInviteRequest &request);
    void handle(const QJsonValue &id, const Protocol::RoomListRequest &request);
    void handle(const QJsonValue &id, const Protocol::RoomSendRequest &request);
    void handle(const QJsonValue &id, const Protocol::PresenceRequest &request);
    void handle(const QJsonValue &id, const Protocol::PresenceQueryRequest &request);
    void handle(const QJsonValue &id, const Protocol::TypingRequest &request);
    void handle(const QJsonValue &id, const Protocol::HistoryRequest &request);
    void handle(const QJsonValue &id, const Protocol::AdminSubscribeRequest &request);
    void handle(const QJsonValue &id, const Protocol::AdminUnsubscribeRequest &request);
    // Joins the room named by ?room_id= (or connect_room) once the session is active.
    void joinConnectRoom();

    std::unique_ptr<Transport> m_transport;
    quint64 m_connectionId;
    SessionContext m_ctx;
    TokenClaims m_claims;
    State m_state = State::AwaitingAuth;
    qint64 m_connectedAt = 0;
    qint64 m_deadlineMs = 0; // auth deadline while AwaitingAuth
    qint64 m_lastSeenMs = 0; // last frame or pong from the client
    qint64 m_nextPingMs = 0;
    qint64 m_lastRttMs = -1;
    QString m_client;
    bool m_expiryWarned = false;
    QList<StreamState> m_streams; // the inbox first, then rooms as they show up
    bool m_cursorsDirty = false; // a stream's seq rose since saveCursors() last looked
    Protocol::StreamPositions m_resume; // positions the client gave at connect (may be empty)
    struct SyncReport
    {
        QString stream;
        bool complete = false;
        QByteArray json; // the stream's entry in sync_complete's `streams`
    };
    QList<SyncReport> m_syncReport; // for sync_complete, one per stream
    SessionLimits m_limits;
    QList<QPair<QByteArray, QJsonValue>> m_pendingBeforeActive; // client frames
    qint64 m_pendingBytes = 0; // of m_pendingBeforeActive (max_pending_bytes)
    QList<QByteArray> m_framesBeforeActive; // frames to the client, sent after `connected`
};

} // namespace Switchboard
