// SPDX-License-Identifier: MIT
#pragma once

#include "protocol/clientmessages.h"

#include <QHash>
#include <QJsonObject>
#include <QSet>

namespace Switchboard::Client {

// Where this client stands in each stream (docs/PROTOCOL.md, "Streams, replay and resume"):
// the highest seq up to which everything was received, for `?resume=` after a reconnect.
// Our own posts are acknowledged with a seq but never echoed; an ack only moves the position
// when nothing before it is still missing, so a reconnect cannot skip a message in flight.
class StreamTracker
{
public:
    // A delivered event (message, room_message, notification, system) with `stream` and `seq`.
    // Returns false when its seq is at or below the position (already received).
    bool observeEvent(const QJsonObject &event);
    // An `ack` of our own post (its `stream` and `seq`).
    void observeAck(const QJsonObject &ack);
    // `room_joined`: a new member's position is the room's end at the time of joining.
    void observeJoin(const QJsonObject &roomJoined);
    // `sync_complete`: `streams.<name>.seq` is where the connection now stands.
    void observeSync(const QJsonObject &syncComplete);

    const Protocol::StreamPositions &positions() const { return m_positions; }
    void clear();

private:
    void advance(const QString &stream, qint64 seq);

    Protocol::StreamPositions m_positions;
    QHash<QString, QSet<qint64>> m_ownAhead; // acked seqs beyond a gap, per stream
};

} // namespace Switchboard::Client
