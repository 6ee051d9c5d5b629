// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>

namespace Switchboard {

struct Config;
class DeliveryBus;

// Seed 000's announcements: every user's connect and disconnect (its first and last connection
// on this server) as `user_joined` / `user_left` to every connection in dialect 000, as the
// seed's server tells everyone. Bounded so that a reconnect storm cannot turn into O(N²)
// frames: at most `announcements_per_second` a second on this server (a fixed one-second
// window); the rest are dropped and counted. Event-loop thread only.
class Announcements : public QObject
{
    Q_OBJECT

public:
    Announcements(const Config *config, DeliveryBus *bus, QObject *parent = nullptr);

    qint64 sent() const { return m_sent; }
    qint64 dropped() const { return m_dropped; }

private:
    void announce(bool joined, qint64 userId, const QString &username);

    const Config *m_config;
    DeliveryBus *m_bus;
    qint64 m_windowStartMs = 0;
    int m_inWindow = 0;
    int m_droppedInWindow = 0;
    qint64 m_sent = 0;
    qint64 m_dropped = 0;
};

} // namespace Switchboard
