// SPDX-License-Identifier: MIT
#pragma once

#include <optional>

#include <QByteArray>
#include <QList>
#include <QString>

namespace Switchboard {

// One DeliveryBus event as it crosses Redis between nodes: a small binary header (which node
// published it, what it targets) and the encoded frame, untouched, as its payload. The
// connection a publish leaves out is the publishing node's: other nodes deliver to all of
// theirs (connection ids are each node's own), so it does not travel. Decoding
// checks every length against the bytes received: a truncated or foreign message is refused,
// never read past its end.
struct BusEvent
{
    enum class Kind : quint8 {
        User = 1, // `id` = user, `name` = stream, `seq`, payload = frame
        Room, // `name` = room, `seq`, payload = frame
        All, // payload = frame
        Dialect, // `id` = dialect, payload = frame
        // payload = the operator feed's event frame (`code` 0), or `code` frames packed by
        // packFrames (RedisBus::flushOperatorEvents)
        Operators,
        RoomChange, // payload = RoomChange::encode()
        CloseUser, // `id` = user, `code`, payload = reason (UTF-8)
        Presence, // `id` = user, `code` = 1 online anywhere / 0 offline everywhere, `name`
        AccountChange, // `id` = user
        AccessRules, // the access rules changed
        Status, // `id` = user, `name` = status (empty: cleared), payload = its data (JSON)
        CloseConnection, // `name` = node id, `id` = its connection id, `code`, payload = reason
        Admins, // `id` = the user it is about, payload = a presence frame for admins
        // A question to every node (DeliveryBus::askNodes): `id` = the asker's number for it,
        // `name` = the question, payload = its arguments (JSON). Answered on the asker's
        // channel `to:<node>`: `id` = the same number, `name` = the question, payload = JSON.
        Request,
        Answer,
        // A node's push-back measurements (RedisBus::LOAD_REPORT_MS): payload = JSON
        // {room id: [recipients, above high, above low]}.
        RoomLoad,
        // An operator is subscribed on the publishing node (every AdminFeed::KEEPALIVE_MS):
        // the others keep publishing their operator events.
        OperatorsListening,
    };
    static constexpr quint8 VERSION = 1;

    Kind kind = Kind::All;
    QByteArray origin; // the publishing node's id (at most 255 bytes)
    qint64 id = 0;
    qint64 seq = 0;
    qint32 code = 0;
    QString name;
    QByteArray payload;

    QByteArray encode() const;
    static std::optional<BusEvent> decode(const QByteArray &bytes);

    // Several frames in one payload, each after its length (4 bytes); unpacking checks every
    // length against the bytes and stops at the first that does not fit (or after `count`).
    static QByteArray packFrames(const QList<QByteArray> &frames);
    static QList<QByteArray> unpackFrames(const QByteArray &payload, qint32 count);
};

} // namespace Switchboard
