// SPDX-License-Identifier: MIT
#pragma once

#include "store/store.h"

#include <optional>

#include <QByteArray>
#include <QString>

namespace Switchboard {

// One committed change to a room, as the node that made it tells the others (through
// DeliveryBus::publishRoomChange), so that every node's room index (members, roles,
// invitations, settings) stays the store's. Rare next to messages: encoded as compact JSON.
struct RoomChange
{
    enum class Kind : quint8 {
        Record, // created or updated: `record` (the members are separate changes)
        Deleted,
        Member, // joined, or a role changed: `userId`, `role`, `joinedAt`, `seq`
        Left, // `userId`
        Invite, // `userId`, `invited`
    };
    RoomChange() = default;
    RoomChange(Kind kind, const QString &roomId, const RoomRecord &record = RoomRecord())
        : kind(kind)
        , roomId(roomId)
        , record(record)
    { }

    Kind kind = Kind::Record;
    QString roomId;
    RoomRecord record;
    qint64 userId = 0;
    QString role;
    qint64 joinedAt = 0;
    bool invited = false;
    // A join: the room's last seq when it was stored (the new member gets what follows; a
    // node that starts following the room reads on from here). -1: not known.
    qint64 seq = -1;

    QByteArray encode() const;
    static std::optional<RoomChange> decode(const QByteArray &bytes);
};

} // namespace Switchboard
