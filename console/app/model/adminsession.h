// SPDX-License-Identifier: MIT
#pragma once

#include "serverprofile.h"

#include "connection.h"

#include <functional>

#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QTimer>

class QNetworkAccessManager;

namespace Switchboard::Console {

class EventLogModel;
class NodesModel;
class RoomsModel;
class ServerHealth;
class StatsHistory;
class UsersModel;

// The operator's session with one server: authenticates (admin password, or the API key that
// mints a token for a configured admin), subscribes to the admin feed and feeds the models
// from it; runs the operator's REST actions and logs their outcome. No widgets.
class AdminSession : public QObject
{
    Q_OBJECT

public:
    enum class State { Disconnected, Authorizing, Connecting, Connected, Reconnecting, Failed };
    Q_ENUM(State)

    // What a broadcast composer sends (POST /api/v1/broadcast with a target).
    struct Broadcast
    {
        QString kind = QStringLiteral("system"); // "system" or "notification"
        QString target = QStringLiteral("all"); // "all", "room" or "user"
        QString roomId;
        qint64 userId = 0;
        QString title;
        QString message;
        QString priority; // notifications: low, normal, high, urgent
        QString link;
    };
    using JsonCallback
        = std::function<void(bool ok, const QJsonObject &json, const QString &error)>;

    // Admin events are applied to the models in batches, at most this often.
    static constexpr int BATCH_INTERVAL_MS = 100;
    // At most this many events are applied per event-loop turn: a larger batch goes on in the
    // next turn, so sockets, timers and painting run between its parts (a storm's batch of
    // 20,000 applied at once stalled the console for most of a second).
    static constexpr int APPLY_CHUNK_EVENTS = 1000;
    // A part is applied at once, without waiting for the interval, when this many events wait
    // (bounds the queue in a storm).
    static constexpr int MAX_PENDING_EVENTS = 20000;

    explicit AdminSession(QObject *parent = nullptr);
    ~AdminSession() override;

    void open(const ServerProfile &profile);
    void close();
    State state() const { return m_state; }
    static QString stateText(State state);
    QString lastError() const { return m_lastError; }
    const ServerProfile &profile() const { return m_profile; }
    Client::Connection *connection() const { return m_connection; }
    bool subscribed() const { return m_subscribed; }
    void setStatsIntervalMs(int ms) { m_statsIntervalMs = ms; }

    UsersModel *users() const { return m_users; }
    RoomsModel *rooms() const { return m_rooms; }
    StatsHistory *stats() const { return m_stats; }
    EventLogModel *log() const { return m_log; }
    NodesModel *nodes() const { return m_nodes; }
    ServerHealth *health() const { return m_health; }

    // Operator actions (REST, admin token). Each logs its outcome and reports it.
    void sendMessage(qint64 userId, const QString &text);
    void disconnectUser(qint64 userId, const QString &reason);
    // `node`: the node that has it, with several (empty: the one the console talks to).
    void closeConnection(const QString &connectionId, const QString &reason,
                         const QString &node = QString());
    void disableUser(qint64 userId);
    void enableUser(qint64 userId);
    void createRoom(const QJsonObject &room);
    void updateRoom(const QString &roomId, const QJsonObject &changes);
    void deleteRoom(const QString &roomId);
    void sendBroadcast(const Broadcast &broadcast);
    // GET /api/v1/audience for a target: {users, connections} now.
    void queryAudience(const Broadcast &broadcast, JsonCallback done);
    // GET /api/v1/connections: refreshes the round-trip times and send queues shown.
    void refreshConnectionMetrics();
    // GET /api/v1/rooms: sets the rooms' counters to the server's values.
    void refreshRoomCounters();
    // GET /api/v1/nodes: the nodes of the service, into nodes().
    void refreshNodes();
    // GET /readyz: whether the server is degraded (several nodes without Redis), into health().
    void refreshHealth();
    // Mints a token for another user with the profile's API key (chat test windows).
    void mintToken(const QString &username, JsonCallback done);
    // Any REST call with the session's credentials (caller handles the answer).
    void rest(const QByteArray &method, const QString &path, const QJsonObject &body,
              JsonCallback done);

Q_SIGNALS:
    void stateChanged(Switchboard::Console::AdminSession::State state);
    void failed(const QString &message);
    // The whole snapshot is in the models (after its last page, when it came in pages).
    void snapshotReceived();
    // A batch of admin events was applied to the models (at most every BATCH_INTERVAL_MS).
    void eventsApplied();
    void actionFinished(const QString &action, bool ok, const QString &message);
    // The same outcome worded for the operator ("Broadcast to room general: done").
    void actionLogged(const QString &text, bool ok);

private:
    void setState(State state);
    void startConnection();
    void onConnectionState(Client::Connection::State state);
    void onConnected(const QJsonObject &welcome);
    void onEvent(const QJsonObject &event);
    void onAdminEvent(const QJsonObject &event);
    void snapshotComplete();
    void applyPendingEvents();
    // Applies up to APPLY_CHUNK_EVENTS pending events; true when more wait.
    bool applyEventChunk();
    void onFailed(const QString &message);
    void logSession(QJsonObject fields);
    void request(const QString &credential, const QByteArray &method, const QString &path,
                 const QJsonObject &body, JsonCallback done);
    // targetKind: "user", "connection", "room", "all" (with target the label or id).
    void action(const QString &name, const QString &targetKind, const QString &target,
                const QByteArray &method, const QString &path, const QJsonObject &body,
                JsonCallback done = {});

    ServerProfile m_profile;
    Client::Connection *m_connection = nullptr;
    UsersModel *m_users;
    RoomsModel *m_rooms;
    StatsHistory *m_stats;
    EventLogModel *m_log;
    NodesModel *m_nodes;
    ServerHealth *m_health;
    State m_state = State::Disconnected;
    QString m_lastError;
    QString m_subscribeId;
    bool m_subscribed = false;
    int m_snapshotPage = 0; // the last page of the snapshot applied, of m_snapshotPages
    int m_snapshotPages = 0;
    bool m_closing = false;
    int m_statsIntervalMs = 1000;
    QTimer m_metricsTimer;
    QTimer m_roomCountersTimer; // soon after a membership change (coalesced)
    // admin_event frames wait here for the next batch: a storm of 20,000 connects becomes a
    // few hundred model updates instead of 20,000.
    QList<QJsonObject> m_pendingEvents;
    QTimer m_batchTimer;
    QNetworkAccessManager *m_network;
};

// The error text of a REST reply body {"error":{"code","message"}} (or the transport error),
// known codes worded in the interface language (ServerError).
QString restErrorText(int status, const QJsonObject &body, const QString &transportError);

} // namespace Switchboard::Console
