// SPDX-License-Identifier: MIT
#pragma once

#include "auth/tokenservice.h"
#include "hub/endpoint.h"
#include "hub/messageservice.h"
#include "net/ratelimiter.h"
#include "net/sessionlimits.h"
#include "net/transport.h"
#include "protocol/clientmessages.h"
#include "protocol/dialect.h"

#include <functional>
#include <memory>
#include <vector>

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
class ExternalIds;
class AsyncStore;
class DeliveryBus;
class Hub;
class MessageService;
class RoomService;
class PresenceService;
class HistoryService;
class Session;
namespace Protocol {
class DialectCache;
}

// One stream in a replay: where it starts, what the store holds, and the entries of this round.
struct ReplayItem
{
    QString stream;
    bool room = false;
    std::optional<qint64> given; // the client's position, when it gave one
    qint64 from = 0; // the replay sends entries above this
    bool fromCursor = false; // `from` is the user's stored cursor
    StreamBounds bounds;
    QString reason; // why the stream cannot be fully recovered; empty = it can
    QList<StreamEntry> entries;
    bool more = false; // another round is needed
    bool chasing = false; // this round reads live frames let go during the replay
};

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
    ExternalIds *externalIds = nullptr; // backends' own user ids (optional: then refused)
    RateLimiter<qint64> *userLimits = nullptr; // frames per user over all its connections
    // Re-encodes shared frames once per dialect for the connections in a seed's dialect
    // (optional: without it each such connection re-encodes its own).
    Protocol::DialectCache *dialects = nullptr;
    // Asked before the replay reads the store (DeliveryBus::whenFollowing; optional).
    DeliveryBus *bus = nullptr;
    // Told once when a session has closed (it may be deleted from the next event-loop turn
    // on). A call rather than a signal: a connection per session cost ~290 bytes each.
    std::function<void(Session *)> finished = nullptr;
};

// One WebSocket connection: authentication, decoding and dispatch of client frames, the backlog
// replay on connect, heartbeat bookkeeping and the close codes of docs/PROTOCOL.md. The hub and
// the services above it reach it as an Endpoint; its store reads are cancelled when it closes.
class Session final : public QObject, public Endpoint, private Transport::Sink
{
    Q_OBJECT

public:
    enum class State : quint8 { AwaitingAuth, Activating, Active, Closed };

    // Sessions have no QObject parent (their owner, ConnectionManager, deletes them): a parent's
    // children list costs a slot each and a linear search at every delete.
    Session(std::unique_ptr<Transport> transport, quint64 connectionId, const SessionContext &ctx,
            std::optional<TokenClaims> claims);
    ~Session() override;

    State state() const { return m_state; }
    QHostAddress peerAddress() const;

    // Endpoint (the operators' part in sessionadmin.cpp)
    qint64 userId() const override { return m_claims.userId; }
    const QString &username() const override { return m_claims.username; }
    bool isAdmin() const override { return m_claims.admin; }
    Protocol::Dialect dialect() const override { return m_dialect; }
    bool attached() const override { return m_state == State::Active; }
    bool closing() const override { return m_closeRequested || m_state == State::Closed; }
    qint64 connectedAt() const override { return m_connectedAt; }
    qint64 lastRttMs() const override { return m_lastRttMs; }
    QString address() const override;
    QString client() const override { return m_transport->client(); }
    qint64 queueBytes() const override;
    Backlog backlog() const override;
    Backlog backlogBound() const override; // at least backlog(), cheap (Transport::backlogBound)
    void deliver(const QByteArray &frame, const QString &stream = QString(),
                 qint64 seq = 0) override;
    void sendFrame(const QByteArray &frame) override;
    void close(int code, const QString &reason) override;

    // Called about once a second by the connection manager.
    void tick(qint64 nowMs);

private:
    // Transport::Sink
    void transportText(const QByteArray &utf8) override;
    void transportPong(qint64 rttMs) override;
    void transportDrained() override;
    void transportClosed(int code, const QString &reason) override;
    // Every frame leaves here: the send-queue policy, then the transport. Returns the frame's
    // end offset in the transport's byte stream, or -1 when it was not sent (held until
    // `connected`, shed, or the connection is going).
    qint64 write(const QByteArray &frame, bool stored);
    // Closes a client that lets max_send_queue_bytes wait (4029).
    void closeSlowConsumer(const QString &reason);
    void authenticate(const QString &token, const Protocol::StreamPositions &resume,
                      const QJsonValue &id);
    // Maps a token's external id to the internal one (ExternalIds) when it has one, then
    // activates; closes with 1013 when the store cannot say.
    void beginActivation();
    // Checks the account and reads the first replay round in one store read, then goes live.
    void activate();
    void readActivation(QList<ReplayItem> items);
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
        // The highest seq of a held frame let go when the holds passed their bound
        // (max_replay_held_*): the replay reads up to it from the store instead.
        qint64 released = 0;
        // The highest seq whose frame was written to the socket (or that needed none): the
        // stored cursor never passes it (the frames not yet known written: m_unconfirmed).
        qint64 confirmed = 0;
    };
    StreamState *streamState(const QString &stream, bool create);
    bool replaying() const; // a stream's backlog replay is running (it paces its own queue)
    // Above the push-back mark in bytes or in frames (room_pushback_percent, _frames).
    bool behind(const Backlog &backlog) const;
    // The grace of a connection that stays behind (docs/RELIABILITY.md, guarantee 7); true
    // when it closed the connection.
    bool checkBehind(qint64 nowMs);
    // Holds a live frame (empty: own message) of a stream being replayed; past
    // max_replay_held_frames / _bytes every held frame is let go (the replay reads them).
    void hold(StreamState &state, qint64 seq, const QByteArray &frame);
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
    // Sends the round's entries while the transport's backlog is low; resumes on
    // transportDrained(). Then the next round, or sync_complete.
    void pumpReplay();
    void sendSyncComplete();
    // A stream's seq went out in a frame ending at `end` (or needed no frame: the last end).
    void track(StreamState &state, qint64 seq, qint64 end);
    void finishStream(StreamState &state);
    // Sets a stream's entry of the coming sync_complete.
    void reportStream(const QString &stream, bool complete, QByteArray json);
    // A message this connection posted: it counts as received without being sent back.
    void noteOwnMessage(const QString &stream, qint64 seq);
    // Own messages noted past a gap (several nodes: another node's earlier message is still on
    // its way), at most MAX_OWN_AHEAD per stream; past that the position moves on, and what
    // was missing comes with the client's next resume.
    static constexpr qsizetype MAX_OWN_AHEAD = 256;
    void ownAfter(StreamState &state);
    // Hands positions that moved to the stored per-user cursors (coalesced by the store).
    void saveCursors();
    void sendError(Protocol::ErrorCode code, const QString &message, const QJsonValue &id);
    // An error that tells the client when to try again (RATE_LIMITED, UNAVAILABLE).
    // A service's failure as an `error` event, with retry_after_ms when it carries a hint.
    void sendFailure(const Failure &failure, const QJsonValue &id);
    void sendRetryError(Protocol::ErrorCode code, const QString &message, const QJsonValue &id,
                        qint64 retryAfterMs);
    // Rate limits and store back-pressure for one client frame (message = null when it did
    // not decode); false = refused (answered, or the connection is closing).
    bool admitFrame(const Protocol::ClientMessage *message, qsizetype bytes, const QJsonValue &id);

    // Users a frame named by backends' own ids, mapped (ExternalIds::lookUp; `create`:
    // accept_unknown_recipients) before the frame is handled: `then` gets the internal ids in
    // order while the session is still active. The first id never seen (VALIDATION_ERROR) or
    // a store failure (UNAVAILABLE) is answered instead, naming `field`.
    void lookUpUsers(const QStringList &externalIds, const QString &field, bool create,
                     const QJsonValue &id, std::function<void(QList<qint64>)> then);
    // When `request` names a user by an external id (its `external` member): maps it, then
    // handles the request again with the internal id in `user`; true when it took the request.
    template<typename Request>
    bool mapExternalUser(const QJsonValue &id, const Request &request, QString Request::*external,
                         qint64 Request::*user, const QString &field, bool create = false)
    {
        if ((request.*external).isEmpty())
            return false;
        lookUpUsers({request.*external}, field, create, id,
                    [this, id, request, external, user](const QList<qint64> &mapped) {
                        Request r = request;
                        r.*user = mapped.first();
                        (r.*external).clear();
                        handle(id, r);
                    });
        return true;
    }

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

    // Members are ordered by size (a 19k-connection server holds 19k of these; see
    // docs/BENCHMARKS.md, memory per connection).
    std::unique_ptr<Transport> m_transport;
    // The manager's, shared by every session (it outlives them: ~ConnectionManager deletes
    // the sessions first); a copy cost ~100 bytes per connection.
    const SessionContext &m_ctx;
    TokenClaims m_claims;
    qint64 m_connectedAt = 0;
    qint64 m_lastSeenMs = 0; // last frame or pong from the client
    // The next heartbeat ping; while AwaitingAuth, the deadline of the `auth` frame.
    qint64 m_nextPingMs = 0;
    qint64 m_lastRttMs = -1;
    QList<StreamState> m_streams; // the inbox first, then rooms as they show up (never removed)
    qsizetype m_lastStream = 0; // index of the stream streamState() found last (a room's
                                // fan-out asks for the same one again and again)
    // Stored frames sent and not yet known written, in the order sent (so by `end`), of every
    // stream. Frames of one stream sent one after another share an entry while they span less
    // than UNCONFIRMED_GRAIN bytes: confirmed together once the last is written. The entry
    // being filled lives here (a delivery touches nothing else); full ones queue in a FIFO
    // from m_unconfirmedHead on, whose storage is kept between bursts unless it grew large.
    struct Unconfirmed
    {
        qint64 start = 0; // `end` of the entry's first frame
        qint64 end = 0; // the transport's offset once its last frame is written
        qint64 seq = 0; // of its last frame
        qsizetype stream = -1; // index into m_streams; -1 = none (m_open is empty)
    };
    static constexpr qint64 UNCONFIRMED_GRAIN = 16 * 1024;
    Unconfirmed m_open;
    std::vector<Unconfirmed> m_unconfirmed;
    size_t m_unconfirmedHead = 0;
    qint64 m_heldFrames = 0; // held live frames of every stream (StreamState::held)
    qint64 m_heldBytes = 0;
    qint64 m_lastEnd = 0; // end offset of the last frame handed to the transport
    // The transport's written bytes as of the previous tick (one tick of margin for what the
    // kernel holds), or the final count once closed: cursors are confirmed up to it.
    qint64 m_writtenSeen = 0;
    quint64 m_restrictionsSeen = 0; // AccountCache::restrictions() at the last look
    // Since when more than Config::roomPushbackBytes() has been waiting without a break (as
    // seen by the tick and by each write); 0 = not behind. Past slow_consumer_grace: 4029.
    qint64 m_behindSinceMs = 0;
    // The replay round being sent (pumpReplay), and the streams that need another round; only
    // while a replay runs (most connections replay once, at connect, then idle).
    struct ReplayRound
    {
        QList<ReplayItem> items;
        qsizetype item = 0;
        qsizetype entry = 0;
        bool itemStarted = false;
        bool first = false;
        QByteArray frame; // encoded, waiting for room in the queue
        QList<ReplayItem> next;
    };
    std::unique_ptr<ReplayRound> m_round;
    struct SyncReport
    {
        QString stream;
        bool complete = false;
        QByteArray json; // the stream's entry in sync_complete's `streams`
    };
    // What a connection holds only while it starts: from the upgrade (or `auth`) until
    // sync_complete. On the heap, made when first needed and let go at sync_complete (or at
    // close), so an idle connection does not carry it.
    struct Startup
    {
        Protocol::StreamPositions resume; // positions the client gave at connect (may be empty)
        QList<SyncReport> syncReport; // for sync_complete, one per stream
        QList<QPair<QByteArray, QJsonValue>> pendingBeforeActive; // client frames
        qint64 pendingBytes = 0; // of pendingBeforeActive (max_pending_bytes)
        QList<QByteArray> framesBeforeActive; // frames to the client, sent after `connected`
    };
    Startup &startup();
    std::unique_ptr<Startup> m_startup;
    SessionLimits m_limits;
    Protocol::Dialect m_dialect = Protocol::Dialect::Canonical;
    State m_state = State::AwaitingAuth;
    bool m_resolvingUser = false; // Activating, waiting for the external id's mapping
    bool m_pinnedUser = false; // holds a pin on its external id (ExternalIds::pin)
    bool m_closeRequested = false;
    bool m_expiryWarned = false;
    bool m_cursorsDirty = false; // a stream's seq rose since saveCursors() last looked
    bool m_slow = false; // closed as a slow consumer: nothing more is sent
    bool m_waitingDrain = false;
};

} // namespace Switchboard
