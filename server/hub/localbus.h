// SPDX-License-Identifier: MIT
#pragma once

#include "hub/deliverybus.h"

#include <functional>

namespace Switchboard {

class AdminFeed;
class Hub;
class PresenceService;
class RoomService;

// The single-node bus: every event goes straight to this node's connections. A cluster bus
// delivers through one of these too, for its own events and for those other nodes publish.
// The rooms and the operator feed are set once they exist (they take the bus themselves).
class LocalBus : public DeliveryBus
{
    Q_OBJECT

public:
    explicit LocalBus(Hub *hub, QObject *parent = nullptr);

    void setRooms(RoomService *rooms);
    void setOperators(AdminFeed *operators) { m_operators = operators; }
    void setPresence(PresenceService *presence) { m_presence = presence; }
    // What forgets a cached account state here (the application hands AccountCache's).
    void setAccountChanged(std::function<void(qint64)> forget) { m_accountChanged = forget; }
    // This node's entry in the node list (the application hands AdminFeed::nodeJson).
    void setNodeInfo(std::function<QJsonObject()> info) { m_nodeInfo = info; }
    QJsonObject nodeInfo() const;

    void publishToUser(qint64 userId, const QByteArray &frame, quint64 exceptConnection,
                       const QString &stream = QString(), qint64 seq = 0) override;
    int publishToRoom(const QString &roomId, const QByteArray &frame, quint64 exceptConnection,
                      qint64 seq = 0) override;
    void publishToAll(const QByteArray &frame) override;
    void publishToDialect(Protocol::Dialect dialect, const QByteArray &frame) override;
    void publishToOperators(const QByteArray &frame) override;
    void publishToAdmins(qint64 aboutUser, const QByteArray &frame) override;
    // This node applied the change already; there is nobody else to tell.
    void publishRoomChange(const RoomChange &) override { }
    void publishAccountChange(qint64 userId) override;
    // This node applied its change already.
    void publishAccessRulesChange() override { }
    void publishStatus(qint64, const QString &, const QJsonObject &) override { }
    // For a cluster bus: an operator is subscribed on another node.
    void applyOperatorsListening();
    // For a cluster bus: a status another node's user set (empty: cleared).
    void applyStatus(qint64 userId, const QString &status, const QJsonObject &data);
    // For a cluster bus: another node changed the access rules; what reads them again here
    // (the application hands AccessControl's reload).
    void setAccessRulesChanged(std::function<void()> reload) { m_accessRulesChanged = reload; }
    void applyAccessRulesChange()
    {
        if (m_accessRulesChanged)
            m_accessRulesChanged();
    }
    bool closeConnection(quint64 connectionId, int code, const QString &reason) override;
    void closeUser(qint64 userId, int code, const QString &reason, QObject *context,
                   std::function<void(int closed, bool complete)> done) override;
    // This node's connections of the user closed: how many.
    int closeUserHere(qint64 userId, int code, const QString &reason);
    // One node: a connection here (an empty node id or this one's), else no such node.
    void closeConnectionOn(const QString &nodeId, quint64 connectionId, int code,
                           const QString &reason, QObject *context,
                           std::function<void(std::optional<bool>)> done) override;
    void connectionTotal(QObject *context, std::function<void(int, bool)> done) override;
    bool isOnline(qint64 userId) const override;
    QList<OnlineUser> onlineUsers(int limit) const override;
    int onlineCount() const override;
    void connectionCounts(const QList<qint64> &userIds, QObject *context,
                          std::function<void(QHash<qint64, int>)> done) override;
    void nodes(QObject *context, std::function<void(QJsonArray)> done) override;

    Hub *hub() const { return m_hub; }
    // For a cluster bus: how far behind this node's members of the room are now.
    FanoutLoad measureRoom(const QString &roomId) const;
    // For a cluster bus: the rooms the user is a member of, and whether a connection of the
    // user is here (live or activating).
    QStringList roomsOf(qint64 userId) const;
    bool isFollowed(qint64 userId) const;

Q_SIGNALS:
    // For a cluster bus (see Hub::userFollowed and RoomService::membership).
    void userFollowed(qint64 userId);
    void userUnfollowed(qint64 userId);
    void membership(const QString &roomId, qint64 userId, bool member, qint64 seq);

public:
    // For a cluster bus: a change another node made, applied to this node's room index.
    void applyRoomChange(const RoomChange &change);

private:
    Hub *m_hub;
    RoomService *m_rooms = nullptr;
    AdminFeed *m_operators = nullptr;
    PresenceService *m_presence = nullptr;
    std::function<void(qint64)> m_accountChanged;
    std::function<void()> m_accessRulesChanged;
    std::function<QJsonObject()> m_nodeInfo;
};

} // namespace Switchboard
