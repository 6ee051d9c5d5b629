// SPDX-License-Identifier: MIT
#pragma once

#include "hub/failure.h"
#include "hub/messageservice.h"
#include "protocol/clientmessages.h"

#include <functional>
#include <optional>

#include <QBasicTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QSet>

namespace Switchboard {

struct Config;
class BusKey;
class DeliveryBus;
class Hub;
class RoomService;
class AsyncStore;

using PresenceFailure = Failure;

// Presence (online / away / busy / offline with optional data) and typing indicators.
//
// Audience: queries answer only for users who share a room with the caller (admins and the API
// key see everyone); a user's presence changes (user_status on the first / last connection,
// presence on a status change) go to the users who share a room with that user and to connected
// admins, never to every connected user: with N users online, telling everyone about everyone costs
// O(N^2) frames per reconnect storm. Typing goes to the members of its context only, expires
// by itself after typing_timeout, is rate-limited per user and context, and is never stored.
class PresenceService : public QObject
{
    Q_OBJECT

public:
    // Follows the bus's online / offline transitions and sends what it has to tell through it.
    PresenceService(const Config *config, Hub *hub, DeliveryBus *bus, RoomService *rooms,
                    AsyncStore *store, QObject *parent = nullptr);

    // The status a user set ("online" when connected and never set; "offline" when not
    // connected), and the data that came with it.
    QString statusOf(qint64 userId) const;
    QJsonObject dataOf(qint64 userId) const;

    std::optional<PresenceFailure> setStatus(const Sender &who,
                                             const Protocol::PresenceRequest &request);
    // The bus's delivery of a status another node's user set (empty status: cleared).
    void applyStatus(BusKey, qint64 userId, const QString &status, const QJsonObject &data);
    std::optional<PresenceFailure> typing(const Sender &who,
                                          const Protocol::TypingRequest &request);

    // One entry per user, in order: {user_id, online, status, connections_count, last_seen,
    // data}; last_seen of offline users comes from the store. A user whose presence the viewer
    // may not see (RoomService::presenceVisible) is {user_id, status: "unknown"} and nothing
    // else, whether it exists or not. `done` runs on the context.
    void describe(const Sender &viewer, const QList<qint64> &userIds, QObject *context,
                  std::function<void(QJsonArray)> done) const;

    // Typing frames dropped by the rate limit since start (for stats and tests).
    quint64 typingDropped() const { return m_typingDropped; }

Q_SIGNALS:
    // Any status change: online / offline transitions and set statuses (the operator feed).
    void statusChanged(qint64 userId, const QString &username, const QString &status,
                       const QJsonObject &data, qint64 lastSeen);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    // last_seen of offline users (the store's, or one not written yet).
    void lastSeenOf(const QList<qint64> &offline, QObject *context,
                    std::function<void(QHash<qint64, qint64>)> done) const;
    struct Typing
    {
        QString username;
        qint64 expiresAt = 0;
        qint64 lastForwardedAt = 0;
    };
    using TypingKey = QPair<qint64, QString>; // user, context ("room:<id>" / "user:<id>")

    void onUserOnline(qint64 userId, const QString &username);
    void onUserOffline(qint64 userId, const QString &username);
    // To the user's room peers and to the admins connected anywhere (DeliveryBus::
    // publishToAdmins), each once; not to the user.
    void publishPresence(qint64 userId, const QByteArray &frame);
    void sendTyping(qint64 userId, const QString &username, const QString &context, bool isTyping);
    void stopTyping(const TypingKey &key);
    static QString typingClaim(const TypingKey &key); // DeliveryBus::claimOnce

    const Config *m_config;
    Hub *m_hub;
    DeliveryBus *m_bus;
    RoomService *m_rooms;
    AsyncStore *m_store;
    struct Status
    {
        QString status;
        QJsonObject data;
    };
    QHash<qint64, Status> m_status; // users who set a status, while connected
    QHash<TypingKey, Typing> m_typing;
    QBasicTimer m_typingTimer;
    quint64 m_typingDropped = 0;
};

} // namespace Switchboard
