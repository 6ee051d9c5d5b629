// SPDX-License-Identifier: MIT
#pragma once

#include "cluster/busevent.h"
#include "cluster/redisclient.h"
#include "hub/deliverybus.h"

namespace Switchboard {

class LocalBus;

// The bus of several nodes on one Redis (issue #15). Every event is delivered to this node's
// connections at once (through the LocalBus given) and published once on Redis, where every
// other node delivers it to its own; a node skips the events it published itself, so no
// connection gets a frame twice.
//
// Channels: `switchboard:user:<user id mod 64>` for a user's events, `switchboard:room:<id>`
// for a room's events and changes, `switchboard:all` for broadcasts, dialect announcements, the
// operator feed and account closes. This version subscribes to `switchboard:*` (every node
// hears every event and delivers what concerns its connections); the channels are fine-grained
// so that subscribing per room and per user shard needs no change on the publishing side.
// Redis pub/sub is at most once and keeps the order of one publisher's events.
//
// Not yet: presence across nodes (each node announces its own first and last connections),
// kicking a connection of another node by id, and reading back what was published while Redis
// was away (the gap fill by (stream, seq)).
class RedisBus : public DeliveryBus
{
    Q_OBJECT

public:
    static constexpr int USER_SHARDS = 64;

    RedisBus(const RedisEndpoint &endpoint, const QString &nodeId, LocalBus *local,
             QObject *parent = nullptr);

    // Connects both Redis connections (publishing and subscribed); reconnects by itself.
    void start();
    // Both connections are up and subscribed: events cross nodes.
    bool connected() const;
    QString nodeId() const override { return QString::fromUtf8(m_node); }
    QString degradedReason() const override;

    quint64 published() const { return m_published; }
    quint64 publishFailures() const { return m_publishFailures; }
    quint64 received() const { return m_received; }

    void publishToUser(qint64 userId, const QByteArray &frame, quint64 exceptConnection,
                       const QString &stream = QString(), qint64 seq = 0) override;
    int publishToRoom(const QString &roomId, const QByteArray &frame, quint64 exceptConnection,
                      qint64 seq = 0) override;
    void publishToAll(const QByteArray &frame) override;
    void publishToDialect(Protocol::Dialect dialect, const QByteArray &frame) override;
    void publishToOperators(const QByteArray &frame) override;
    void publishRoomChange(const RoomChange &change) override;
    // Connection ids are this node's: a connection of another node is not found here.
    bool closeConnection(quint64 connectionId, int code, const QString &reason) override;
    int closeUser(qint64 userId, int code, const QString &reason) override;

Q_SIGNALS:
    // Redis is lost / back (both connections up and subscribed again).
    void redisLost(const QString &reason);
    void redisRestored();

private:
    static QByteArray userChannel(qint64 userId);
    static QByteArray roomChannel(const QString &roomId);
    void publish(const QByteArray &channel, BusEvent event);
    void received(const QByteArray &payload);
    void updateState();

    LocalBus *m_local;
    QByteArray m_node;
    RedisClient m_publisher;
    RedisClient m_subscriber;
    bool m_subscribed = false;
    bool m_up = false;
    quint64 m_published = 0;
    quint64 m_publishFailures = 0;
    quint64 m_received = 0;
};

} // namespace Switchboard
