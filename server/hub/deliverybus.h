// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QtGlobal>

namespace Switchboard {

// Where encoded events go to reach connections. The local bus hands them to this process's hub;
// a Redis-backed bus publishes them so every node's hub delivers to its own connections.
class DeliveryBus
{
public:
    virtual ~DeliveryBus() = default;
    // Every connection of the user, except the connection id given (0 = none), on every node.
    // inboxSeq is the frame's sequence in the user's inbox stream (0 = not a stored message):
    // sessions that are still replaying the backlog use it to keep order and drop duplicates.
    virtual void publishToUser(qint64 userId, const QByteArray &frame, quint64 exceptConnection,
                               qint64 inboxSeq = 0) = 0;
    virtual void publishToAll(const QByteArray &frame) = 0;
};

} // namespace Switchboard
