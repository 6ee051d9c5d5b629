// SPDX-License-Identifier: MIT
#pragma once

#include "auth/tokenservice.h"
#include "protocol/clientmessages.h"

#include <memory>

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPair>

class QWebSocket;

namespace Switchboard {

struct Config;
class AsyncStore;
class Hub;
class MessageService;
class RoomService;
class PresenceService;

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
};

// One WebSocket connection: authentication, decoding and dispatch of client frames, the backlog
// replay on connect, heartbeat bookkeeping and the close codes of docs/PROTOCOL.md.
class Session : public QObject
{
    Q_OBJECT

public:
    enum class State { AwaitingAuth, Activating, Active, Closed };

    Session(std::unique_ptr<QWebSocket> socket, quint64 connectionId, const SessionContext &ctx,
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

    // A frame from the hub. inboxSeq > 0 marks a stored message of this user's inbox.
    void deliver(const QByteArray &frame, qint64 inboxSeq = 0);
    void sendFrame(const QByteArray &frame);
    void close(int code, const QString &reason);

    // Called about once a second by the connection manager.
    void tick(qint64 nowMs);

Q_SIGNALS:
    void finished(Switchboard::Session *session);

private:
    void onText(const QString &text);
    void onDisconnected();
    void authenticate(const QString &token, const QJsonValue &id);
    void activate();
    void replayBacklog(qint64 afterSeq);
    void finishReplay();
    void sendError(Protocol::ErrorCode code, const QString &message, const QJsonValue &id);

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
    // Joins the room named by ?room_id= (or connect_room) once the session is active.
    void joinConnectRoom();

    std::unique_ptr<QWebSocket> m_socket;
    quint64 m_connectionId;
    SessionContext m_ctx;
    TokenClaims m_claims;
    State m_state = State::AwaitingAuth;
    qint64 m_connectedAt = 0;
    qint64 m_deadlineMs = 0; // auth deadline while AwaitingAuth
    qint64 m_lastSeenMs = 0; // last frame or pong from the client
    qint64 m_nextPingMs = 0;
    qint64 m_lastRttMs = -1;
    bool m_expiryWarned = false;
    bool m_replaying = false;
    qint64 m_inboxSeq = 0; // highest inbox seq sent to this connection
    QList<QPair<qint64, QByteArray>> m_heldDuringReplay;
    QList<QPair<QByteArray, QJsonValue>> m_pendingBeforeActive;
};

} // namespace Switchboard
