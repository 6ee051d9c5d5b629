// SPDX-License-Identifier: MIT
// RoomService's membership operations: join, leave (with the hand-over of ownership), invite.
#include "roomservice.h"
#include "roomservice_p.h"

#include "config/config.h"
#include "hub/hub.h"
#include "protocol/events.h"
#include "protocol/protocol.h"
#include "store/asyncstore.h"

#include <QLoggingCategory>
#include <QPointer>

Q_DECLARE_LOGGING_CATEGORY(lcRooms)

namespace Switchboard {

using namespace Protocol;

using namespace RoomServicePrivate;

void RoomService::join(const Sender &actor, const QString &roomId, QObject *context, Done done)
{
    auto it = m_rooms.find(roomId);
    if (it == m_rooms.end()) {
        done(std::nullopt, failure(ErrorCode::NotFound, notFound(roomId)));
        return;
    }
    if (actor.userId == 0) {
        done(std::nullopt,
             failure(ErrorCode::ValidationError,
                     QStringLiteral("the server itself cannot join rooms")));
        return;
    }
    if (it->members.contains(actor.userId)) {
        done(std::nullopt,
             failure(ErrorCode::Conflict,
                     QStringLiteral("already a member of room '%1'").arg(roomId)));
        return;
    }
    // The creator of a room with no owner left takes it back: it needs no invitation and
    // joins as its owner.
    const bool reclaim = it->record.createdBy == actor.userId && !hasOwner(*it);
    if (it->record.isPrivate && !actor.admin && !reclaim && !it->invites.contains(actor.userId)) {
        done(std::nullopt,
             failure(ErrorCode::Forbidden,
                     QStringLiteral("room '%1' is private: it takes an invitation").arg(roomId)));
        return;
    }
    if (it->members.size() >= limitOf(*it)) {
        done(std::nullopt,
             failure(ErrorCode::LimitReached,
                     QStringLiteral("room '%1' is full (%2 members: max_room_members or the "
                                    "room's max_members)")
                         .arg(roomId)
                         .arg(limitOf(*it))));
        return;
    }
    if (m_userRooms.value(actor.userId).size() >= m_config->maxRoomsPerUser) {
        done(std::nullopt,
             failure(ErrorCode::LimitReached,
                     QStringLiteral("a user may be a member of at most %1 rooms "
                                    "(max_rooms_per_user)")
                         .arg(m_config->maxRoomsPerUser)));
        return;
    }
    const bool wasInvited = it->invites.contains(actor.userId);
    const QString role = reclaim ? QStringLiteral("owner") : QStringLiteral("member");
    const RoomMember member {roomId, actor.userId, role, Events::nowMs()};
    addMemberLocally(roomId, actor.userId, role, member.joinedAt);
    QPointer<QObject> guard(context);
    // Stored once this node receives the room's events (several nodes: it subscribes first),
    // so that no message stored after the join is missed on its way here.
    m_bus->whenFollowing(0, roomId, this, [this, member, wasInvited, roomId, actor, guard, done] {
        joinStore(member, wasInvited, actor, guard, done);
    });
}

void RoomService::joinStore(const RoomMember &member, bool wasInvited, const Sender &actor,
                            const QPointer<QObject> &guard, const Done &done)
{
    const QString roomId = member.roomId;
    m_store->run<qint64>(
        this,
        [member, wasInvited](Store &store) -> qint64 {
            const bool added = store.addRoomMember(member);
            if (wasInvited)
                store.setRoomInvite(member.roomId, member.userId, false);
            if (!added)
                return -1;
            // A new member's offline delivery starts here: earlier messages are history, not
            // backlog. The store's last seq, not this node's (another node may post faster).
            const QString stream = roomStream(member.roomId);
            const qint64 seq = store.lastSeq(stream);
            store.advanceCursors({StreamCursor {member.userId, stream, seq}});
            return seq;
        },
        [this, roomId, actor, wasInvited, guard, done](std::optional<qint64> seq, QString error) {
            if (!seq) {
                removeMemberLocally(roomId, actor.userId);
                if (wasInvited)
                    if (auto it = m_rooms.find(roomId); it != m_rooms.end())
                        it->invites.insert(actor.userId);
                qCWarning(lcRooms) << "joining room" << roomId << "failed:" << error;
                if (guard)
                    done(std::nullopt,
                         storeFailure(
                             error,
                             failure(ErrorCode::Unavailable,
                                     QStringLiteral("the membership could not be stored"))));
                return;
            }
            membershipStored(roomId, actor, true, guard, done, *seq);
        });
}

// A join or leave is stored: tell the room (a joiner's own connection gets its answer
// instead), the console, and the caller, unless the room went away meanwhile.
void RoomService::membershipStored(const QString &roomId, const Sender &actor, bool joined,
                                   const QPointer<QObject> &guard, const Done &done, qint64 seq)
{
    const auto it = m_rooms.find(roomId);
    if (it == m_rooms.end()) {
        if (guard)
            done(std::nullopt, failure(ErrorCode::NotFound, notFound(roomId)));
        return;
    }
    // The other nodes learn it before the room's members hear of it.
    RoomChange change {joined ? RoomChange::Kind::Member : RoomChange::Kind::Left, roomId};
    change.userId = actor.userId;
    if (const auto m = it->members.constFind(actor.userId); joined && m != it->members.cend()) {
        change.role = m->role;
        change.joinedAt = m->joinedAt;
        change.seq = seq;
        it->lastSeq = std::max(it->lastSeq, seq);
    }
    m_bus->publishRoomChange(change);
    if (joined)
        announce(*it, ServerType::USER_JOINED, actor, actor.connectionId);
    else
        announce(*it, ServerType::USER_LEFT, actor, 0);
    emit memberChanged(roomId, actor.userId, joined);
    if (guard)
        done(viewOf(*it, actor), std::nullopt);
}

void RoomService::leave(const Sender &actor, const QString &roomId, QObject *context, Done done)
{
    auto it = m_rooms.find(roomId);
    if (it == m_rooms.end()) {
        done(std::nullopt, failure(ErrorCode::NotFound, notFound(roomId)));
        return;
    }
    if (!it->members.contains(actor.userId)) {
        done(std::nullopt,
             failure(ErrorCode::Conflict, QStringLiteral("not a member of room '%1'").arg(roomId)));
        return;
    }
    const Member was = it->members.value(actor.userId);
    // The last owner leaving hands the room to its oldest remaining member, so a room with
    // members always has an owner (issue 12: orphaned rooms nobody could manage).
    const qint64 heir = heirOf(*it, actor.userId);
    removeMemberLocally(roomId, actor.userId);
    if (heir)
        setRoleLocally(roomId, heir, QStringLiteral("owner"));
    QPointer<QObject> guard(context);
    m_store->run<bool>(
        this,
        [roomId, actor, heir](Store &store) {
            // Promote first: a crash in between leaves two owners, never none.
            if (heir)
                store.setRoomMemberRole(roomId, heir, QStringLiteral("owner"));
            return store.removeRoomMember(roomId, actor.userId);
        },
        [this, roomId, was, heir, actor, guard, done](std::optional<bool> ok, QString error) {
            if (!ok) {
                addMemberLocally(roomId, actor.userId, was.role, was.joinedAt);
                if (heir)
                    setRoleLocally(roomId, heir, QStringLiteral("member"));
                qCWarning(lcRooms) << "leaving room" << roomId << "failed:" << error;
                if (guard)
                    done(std::nullopt,
                         storeFailure(
                             error,
                             failure(ErrorCode::Unavailable,
                                     QStringLiteral("the membership could not be removed"))));
                return;
            }
            if (heir) {
                qCInfo(lcRooms) << "room" << roomId << "passed from" << actor.userId << "to"
                                << heir;
                if (const auto it = m_rooms.constFind(roomId); it != m_rooms.cend()) {
                    RoomChange promoted {RoomChange::Kind::Member, roomId};
                    promoted.userId = heir;
                    promoted.role = QStringLiteral("owner");
                    promoted.joinedAt = it->members.value(heir).joinedAt;
                    m_bus->publishRoomChange(promoted);
                }
                emit roomUpdated(roomId);
            }
            membershipStored(roomId, actor, false, guard, done);
        });
}

void RoomService::invite(const Sender &actor, const QString &roomId, qint64 userId,
                         QObject *context, Done done)
{
    auto it = m_rooms.find(roomId);
    if (it == m_rooms.end()) {
        done(std::nullopt, failure(ErrorCode::NotFound, notFound(roomId)));
        return;
    }
    if (auto denied = checkCanManage(*it, actor)) {
        done(std::nullopt, denied);
        return;
    }
    if (it->members.contains(userId)) {
        done(std::nullopt,
             failure(ErrorCode::Conflict,
                     QStringLiteral("user %1 is a member of room '%2' already")
                         .arg(userId)
                         .arg(roomId)));
        return;
    }
    it->invites.insert(userId);
    QPointer<QObject> guard(context);
    m_store->run<bool>(
        this,
        [roomId, userId](Store &store) {
            if (!store.isKnownUser(userId))
                return false;
            store.setRoomInvite(roomId, userId, true);
            return true;
        },
        [this, roomId, userId, actor, guard, done](std::optional<bool> ok, QString error) {
            auto it = m_rooms.find(roomId);
            if (!ok || !*ok) {
                if (it != m_rooms.end())
                    it->invites.remove(userId);
                if (guard)
                    done(std::nullopt,
                         ok ? failure(ErrorCode::NotFound, QStringLiteral("no user %1").arg(userId))
                            : storeFailure(
                                error,
                                failure(ErrorCode::Unavailable,
                                        QStringLiteral("the invitation could not be stored"))));
                return;
            }
            if (it == m_rooms.end()) {
                if (guard)
                    done(std::nullopt, failure(ErrorCode::NotFound, notFound(roomId)));
                return;
            }
            RoomChange invited {RoomChange::Kind::Invite, roomId};
            invited.userId = userId;
            invited.invited = true;
            m_bus->publishRoomChange(invited);
            m_bus->publishToUser(userId,
                                 Events::encode(ServerType::ROOM_INVITED,
                                                {{QStringLiteral("room_id"), roomId},
                                                 {QStringLiteral("name"), it->record.name},
                                                 {QStringLiteral("by"), actor.userId}}),
                                 0);
            if (guard)
                done(viewOf(*it, actor), std::nullopt);
        });
}

} // namespace Switchboard
