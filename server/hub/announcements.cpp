// SPDX-License-Identifier: MIT
#include "announcements.h"

#include "config/config.h"
#include "hub/deliverybus.h"
#include "protocol/events.h"
#include "protocol/protocol.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcAnnouncements, "switchboard.announcements")

namespace Switchboard {

using namespace Protocol;

Announcements::Announcements(const Config *config, DeliveryBus *bus, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_bus(bus)
{
    connect(bus, &DeliveryBus::userOnline, this,
            [this](qint64 userId, const QString &username) { announce(true, userId, username); });
    connect(bus, &DeliveryBus::userOffline, this,
            [this](qint64 userId, const QString &username) { announce(false, userId, username); });
}

void Announcements::announce(bool joined, qint64 userId, const QString &username)
{
    const int limit = m_config->announcementsPerSecond;
    if (limit <= 0)
        return;
    const qint64 now = Events::nowMs();
    if (now - m_windowStartMs >= 1000) {
        if (m_droppedInWindow > 0)
            qCInfo(lcAnnouncements).nospace()
                << "dropped " << m_droppedInWindow
                << " user_joined/user_left announcements over announcements_per_second=" << limit;
        m_windowStartMs = now;
        m_inWindow = 0;
        m_droppedInWindow = 0;
    }
    if (m_inWindow >= limit) {
        ++m_droppedInWindow;
        ++m_dropped;
        return;
    }
    ++m_inWindow;
    ++m_sent;
    // A canonical user_joined / user_left without a room_id: only dialect-000 connections get it.
    m_bus->publishToDialect(
        Dialect::Seed000,
        Events::encode(joined ? ServerType::USER_JOINED : ServerType::USER_LEFT,
                       {{QStringLiteral("user_id"), userId},
                        {QStringLiteral("username"), username},
                        {QStringLiteral("status"),
                         joined ? QStringLiteral("online") : QStringLiteral("offline")}}));
}

} // namespace Switchboard
