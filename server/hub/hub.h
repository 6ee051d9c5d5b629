// SPDX-License-Identifier: MIT
#pragma once

#include "hub/deliverybus.h"

#include <array>

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>

namespace Switchboard {

class Endpoint;

struct OnlineUser
{
    qint64 userId = 0;
    QString username;
    int connections = 0;
    qint64 onlineSince = 0; // ms since epoch, first of the current connections
};

struct HubCounters
{
    quint64 connectionsTotal = 0; // accepted sessions since start
    quint64 framesIn = 0;
    quint64 framesOut = 0;
    quint64 messagesStored = 0;
    quint64 broadcasts = 0;
    quint64 errorsSent = 0;
    // Live frames held during a replay and let go at the bound (read from the store instead).
    quint64 replayHeldReleased = 0;
};

// How far behind the connections of one fan-out are (RoomService's push-back): recipients, and
// how many of them had more than `high` / `low` bytes waiting after the frame was queued.
struct FanoutLoad
{
    qint64 high = 0; // thresholds in bytes waiting, set by the caller; 0 = not measured
    qint64 low = 0;
    qint64 highFrames = 0; // ... and in frames waiting; 0 = not counted
    qint64 lowFrames = 0;
    int recipients = 0;
    int aboveHigh = 0;
    int aboveLow = 0;
};

// Owns the registry of live, authenticated connections on this node (and of those still
// activating) and routes encoded frames to them, and signals this node's first-connection /
// last-connection transitions. It knows connections as Endpoints only (docs/ARCHITECTURE.md).
// Its deliveries and closes take a BusKey: the services reach connections through the bus.
class Hub : public QObject
{
    Q_OBJECT

public:
    explicit Hub(QObject *parent = nullptr);

    // A session still activating: from now on it gets its user's stored deliveries (those with
    // a stream and seq), which it holds until its replay is done, without counting as online.
    void reserve(Endpoint *session);
    // Live: counted, announced, and given every delivery (also ends a reservation).
    void attach(Endpoint *session);
    // Gone, whether live or still reserved.
    void detach(Endpoint *session);

    // The bus's deliveries to this node's connections. deliverToUser returns how many
    // connections got the frame; with `load` set, it counts the live recipients and how far
    // behind each one is.
    int deliverToUser(BusKey, qint64 userId, const QByteArray &frame, quint64 exceptConnection,
                      const QString &stream = QString(), qint64 seq = 0,
                      FanoutLoad *load = nullptr);
    void deliverToAll(BusKey, const QByteArray &frame);
    void deliverToDialect(BusKey, Protocol::Dialect dialect, const QByteArray &frame);
    // Adds the user's live connections (but one) to `load` without sending anything.
    void measure(qint64 userId, quint64 exceptConnection, FanoutLoad &load) const;

    int connectionCount() const { return m_sessions.size(); }
    int userCount() const { return static_cast<int>(m_users.size()); }
    bool isOnline(qint64 userId) const { return m_users.contains(userId); }
    // A connection of the user is here, live or still activating (it gets stored deliveries).
    bool isFollowed(qint64 userId) const
    {
        return m_users.contains(userId) || m_reserved.contains(userId);
    }
    int connectionsOf(qint64 userId) const;
    // Users with an admin token connected (they see every presence change).
    QList<qint64> onlineAdmins() const;
    QList<Endpoint *> sessionsOf(qint64 userId) const { return m_users.value(userId); }
    QList<OnlineUser> onlineUsers(int limit) const;
    const QHash<quint64, Endpoint *> &sessions() const { return m_sessions; }

    HubCounters &counters() { return m_counters; }
    const HubCounters &counters() const { return m_counters; }

    // Operators and account changes (through the bus): closes one live connection (false: no
    // such connection) or every live connection of a user (returns how many).
    bool closeConnection(BusKey, quint64 connectionId, int code, const QString &reason);
    int closeUser(BusKey, qint64 userId, int code, const QString &reason);
    // Sends 1001 to every session and stops accepting new ones.
    void closeAll(int code, const QString &reason);

Q_SIGNALS:
    // First connection of a user on this node opened / its last one here closed (the bus
    // turns them into the user's transitions, which presence announces).
    void userOnline(qint64 userId, const QString &username);
    void userOffline(qint64 userId, const QString &username);
    // The user's first connection here, live or activating, came / its last one went: what a
    // cluster bus receives follows them (isFollowed()).
    void userFollowed(qint64 userId);
    void userUnfollowed(qint64 userId);
    // The user's live connections here changed and some remain (a cluster bus keeps the
    // count of every node).
    void connectionsChanged(qint64 userId, int count);

private:
    QHash<quint64, Endpoint *> m_sessions;
    QHash<qint64, QList<Endpoint *>> m_users;
    QHash<qint64, QList<Endpoint *>> m_reserved; // activating, by user
    bool unreserve(Endpoint *session);
    QHash<qint64, int> m_admins; // admin users online -> their connections
    // Attached connections per dialect: a dialect's fan-out with none skips the walk.
    std::array<int, Protocol::DIALECT_COUNT> m_perDialect {};
    HubCounters m_counters;
};

} // namespace Switchboard
