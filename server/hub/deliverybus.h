// SPDX-License-Identifier: MIT
#pragma once

#include "protocol/dialect.h"

#include <QByteArray>
#include <QString>

namespace Switchboard {

// Where encoded events go to reach connections. The local bus hands them to this process's hub;
// a Redis-backed bus publishes them so every node's hub delivers to its own connections.
class DeliveryBus
{
public:
    virtual ~DeliveryBus() = default;
    // Every connection of the user, except the connection id given (0 = none), on every node.
    // A stored message names its stream and seq (empty / 0 for live-only events): sessions use
    // them to keep each stream in order while they replay a backlog and to drop repeats.
    virtual void publishToUser(qint64 userId, const QByteArray &frame, quint64 exceptConnection,
                               const QString &stream = QString(), qint64 seq = 0)
        = 0;
    virtual void publishToAll(const QByteArray &frame) = 0;
    // Every connection in this dialect, on every node (seed 000's announcements).
    virtual void publishToDialect(Protocol::Dialect dialect, const QByteArray &frame) = 0;
};

} // namespace Switchboard
