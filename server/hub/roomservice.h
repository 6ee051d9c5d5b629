// SPDX-License-Identifier: MIT
#pragma once

#include "hub/deliverybus.h"
#include "hub/failure.h"
#include "hub/roomchange.h"
#include "hub/messageservice.h"
#include "hub/roompressure.h"
#include "protocol/clientmessages.h"
#include "store/store.h"

#include <functional>
#include <optional>

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QSet>

class QTimer;

namespace Switchboard {

struct Config;
class AsyncStore;
class Hub;

using RoomFailure = Failure;

// One room as the API shows it.
struct RoomView
{
    RoomRecord record;
    int members = 0;
    // Members online now; -1 when the viewer may not know it (not a member, not an admin):
    // the count is presence, and presence goes only to room peers (SECURITY.md).
    int onlineMembers = 0;
    qint64 messages = 0; // messages ever posted (the stream's last sequence number)
    QString myRole; // the viewer's role: owner | member | "" (not a member)
    bool invited = false; // the viewer holds an invitation
};

// Rooms and their memberships: an in-memory index of what the store holds (loaded at start,
// written through on every change), the rules (privacy, post policy, limits, ownership), and
// the fan-out of room events to the online members' connections.
//
// Ownership (docs/PROTOCOL.md, "Rooms"): when the last owner of a room leaves, its oldest
// remaining member becomes owner; a room with no owner left (empty) stays its creator's to
// manage and delete, and counts against the creator's max_rooms_created_per_user until deleted.
// Membership operations live in roomservicemembers.cpp.
class RoomService : public QObject
{
    Q_OBJECT

public:
    using Done = std::function<void(std::optional<RoomView>, std::optional<RoomFailure>)>;

    // Room events go out through the bus; the hub answers who is online here and measures the
    // recipients' backlogs.
    RoomService(const Config *config, AsyncStore *store, Hub *hub, DeliveryBus *bus,
                QObject *parent = nullptr);

    // Loads rooms, memberships, invitations and message counts, and creates the configured
    // default rooms; blocks (at start only).
    bool load(QString *error);

    void create(const Sender &actor, const Protocol::RoomSettingsRequest &request, QObject *context,
                Done done);
    void update(const Sender &actor, const Protocol::RoomSettingsRequest &request, QObject *context,
                Done done);
    void remove(const Sender &actor, const QString &roomId, QObject *context, Done done);
    void join(const Sender &actor, const QString &roomId, QObject *context, Done done);
    void leave(const Sender &actor, const QString &roomId, QObject *context, Done done);
    void invite(const Sender &actor, const QString &roomId, qint64 userId, QObject *context,
                Done done);
    // Stores and delivers a room message; `done` runs after the commit (for the ack).
    void post(const Sender &actor, const Protocol::RoomSendRequest &request, QObject *context,
              MessageService::Done done);

    // Rooms the viewer may see (public ones, its own, all for admins), oldest first.
    QList<RoomView> list(const Sender &viewer) const;
    std::optional<RoomView> view(const QString &roomId, const Sender &viewer) const;
    // Whether the viewer may see the room's details and members.
    bool canSee(const QString &roomId, const Sender &viewer) const;
    // Members by user id, with their role and join time.
    QList<RoomMember> members(const QString &roomId) const;
    bool exists(const QString &roomId) const { return m_rooms.contains(roomId); }
    bool isMember(const QString &roomId, qint64 userId) const;
    QStringList roomsOf(qint64 userId) const;
    // Rooms the user created that still exist, member or not (its creation budget).
    int createdBy(qint64 userId) const { return m_created.value(userId); }
    // Whether the two users are members of at least one common room.
    bool shareRoom(qint64 a, qint64 b) const;
    // The presence rule (docs/PROTOCOL.md, "Presence and typing"): a user's presence is visible
    // to itself, to the users who share a room with it, to admins and to the API key (user 0).
    bool presenceVisible(const Sender &viewer, qint64 userId) const;
    int roomCount() const { return int(m_rooms.size()); }
    qint64 totalRoomMessages() const;

    // The JSON shape of a room in replies and REST (docs/PROTOCOL.md, "Rooms").
    static QJsonObject toJson(const RoomView &view);
    // The members as the viewer may see them: `online` only where presenceVisible().
    QJsonArray membersJson(const QString &roomId, const Sender &viewer) const;

    // The bus's delivery of a room event to this node: every online member's connections but
    // one (0 = none); a stored room message gives its seq in the room's stream. Returns how
    // many connections got it. Everything else publishes with DeliveryBus::publishToRoom.
    int deliverToRoom(BusKey, const QString &roomId, const QByteArray &frame,
                      quint64 exceptConnection, qint64 seq = 0);
    // The bus's delivery of a change another node committed (DeliveryBus::publishRoomChange).
    void applyChange(BusKey, const RoomChange &change);

    // The room's last sequence number (0 for no room or no message).
    qint64 lastSeq(const QString &roomId) const;
    // How far behind this node's connections of the room's members are now (push-back's
    // measure; recipients 0 for no room, or with push-back off).
    FanoutLoad measureRoom(const QString &roomId) const;

    // Several nodes: a room's messages reach this node only while one of its users is a
    // member (it follows the room), so every SEQ_REFRESH_MS every room's last seq is read from
    // the store (by key, a few hundred rooms a statement): `messages` stays current on every node.
    static constexpr int SEQ_REFRESH_MS = 2000;

Q_SIGNALS:
    // Committed changes, for the operator feed.
    void roomCreated(const QString &roomId);
    void roomUpdated(const QString &roomId);
    void roomDeleted(const QString &roomId);
    void memberChanged(const QString &roomId, qint64 userId, bool joined);
    // Every change of the index's members, stored yet or not, here or applied from another
    // node (a cluster bus follows the rooms of this node's users by it). `seq`: a join's
    // position in the room's stream when another node stored it (RoomChange::seq), else -1.
    void membership(const QString &roomId, qint64 userId, bool member, qint64 seq);

private:
    struct Member
    {
        QString role; // owner | member
        qint64 joinedAt = 0;
    };
    struct Room
    {
        RoomRecord record;
        QHash<qint64, Member> members; // by user id
        QSet<qint64> invites;
        qint64 lastSeq = 0;
        RoomPressure pressure; // publish admission under overload
        // Bytes of posts admitted and not yet stored (so not yet fanned out): the push-back
        // sees only queues that exist, and what the store releases at once arrives at once.
        qint64 admittedBytes = 0;
        // roomStream(id), made once: every member's session keeps this one string for the
        // room's stream, so a fan-out finds it by its data pointer (Session::streamState).
        QString stream;
        int admittedPosts = 0; // posts admitted and not yet stored: each is a frame per member
    };
    // Bound on Room::admittedBytes (0 = none): half the room between the push-back mark and
    // max_send_queue_bytes, so that a burst released by the store fits under the limit.
    qint64 admittedBytesBound() const;
    // Bound on Room::admittedPosts (0 = none): room_pushback_frames, so that a burst released
    // by the store adds at most that many frames to each member's queue (small posts stay
    // far below the bytes bound: ~20,000 of them at 3 MiB).
    int admittedPostsBound() const;

    RoomView viewOf(const Room &room, const Sender &viewer) const;
    std::optional<RoomFailure> checkCanManage(const Room &room, const Sender &actor) const;
    void addMemberLocally(const QString &roomId, qint64 userId, const QString &role,
                          qint64 joinedAt, qint64 seq = -1);
    static bool hasOwner(const Room &room);
    // The member who inherits the room when `leaving` goes: 0 unless `leaving` is its last
    // owner and others remain; then the oldest member (earliest join, then lowest id).
    static qint64 heirOf(const Room &room, qint64 leaving);
    void setRoleLocally(const QString &roomId, qint64 userId, const QString &role);
    void countCreated(qint64 creator, int delta);
    void removeMemberLocally(const QString &roomId, qint64 userId);
    void joinStore(const RoomMember &member, bool wasInvited, const Sender &actor,
                   const QPointer<QObject> &guard, const Done &done);
    // `seq`: a join's last seq of the room when it was stored (-1: not known).
    void membershipStored(const QString &roomId, const Sender &actor, bool joined,
                          const QPointer<QObject> &guard, const Done &done, qint64 seq = -1);
    void announce(const Room &room, QLatin1StringView type, const Sender &who,
                  quint64 exceptConnection);
    int limitOf(const Room &room) const;
    RoomPressure::Settings pressureSettings() const;
    // Before a publish is stored: a RATE_LIMITED failure while the room pushes back or is over
    // its publish budget (docs/RELIABILITY.md, "Overload").
    std::optional<RoomFailure> admitPublish(Room &room, quint64 exceptConnection);

    void refreshLastSeqs();

    const Config *m_config;
    AsyncStore *m_store;
    Hub *m_hub;
    DeliveryBus *m_bus;
    QTimer *m_seqRefresh = nullptr;
    bool m_refreshingSeqs = false;
    QHash<QString, Room> m_rooms;
    QHash<qint64, QSet<QString>> m_userRooms;
    QHash<qint64, int> m_created; // creator -> rooms it created that still exist
};

} // namespace Switchboard
