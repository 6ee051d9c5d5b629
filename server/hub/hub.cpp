// SPDX-License-Identifier: MIT
#include "hub.h"

#include "hub/endpoint.h"
#include "io/sendbatch.h"
#include "protocol/events.h"
#include "protocol/protocol.h"

#include <algorithm>

#include <QJsonObject>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcHub, "switchboard.hub")

namespace Switchboard {

using namespace Protocol;

Hub::Hub(QObject *parent)
    : QObject(parent)
{ }

void Hub::reserve(Endpoint *session)
{
    const bool first = !isFollowed(session->userId());
    m_reserved[session->userId()].append(session);
    if (first)
        emit userFollowed(session->userId());
}

bool Hub::unreserve(Endpoint *session)
{
    auto it = m_reserved.find(session->userId());
    if (it == m_reserved.end() || !it->removeOne(session))
        return false;
    if (it->isEmpty())
        m_reserved.erase(it);
    return true;
}

void Hub::attach(Endpoint *session)
{
    const bool first = !isFollowed(session->userId());
    unreserve(session);
    auto &list = m_users[session->userId()];
    list.append(session);
    m_sessions.insert(session->connectionId(), session);
    m_counters.connectionsTotal++;
    ++m_perDialect[int(session->dialect())];
    if (session->isAdmin())
        m_admins[session->userId()]++;
    if (first)
        emit userFollowed(session->userId());
    if (list.size() == 1) {
        qCInfo(lcHub) << "user" << session->userId() << "online";
        emit userOnline(session->userId(), session->username());
    } else {
        emit connectionsChanged(session->userId(), int(list.size()));
    }
}

void Hub::detach(Endpoint *session)
{
    if (unreserve(session)) {
        if (!isFollowed(session->userId()))
            emit userUnfollowed(session->userId());
        return;
    }
    if (!m_sessions.remove(session->connectionId()))
        return;
    --m_perDialect[int(session->dialect())];
    if (session->isAdmin()) {
        auto a = m_admins.find(session->userId());
        if (a != m_admins.end() && --*a <= 0)
            m_admins.erase(a);
    }
    auto it = m_users.find(session->userId());
    if (it == m_users.end())
        return;
    it->removeOne(session);
    if (!it->isEmpty())
        emit connectionsChanged(session->userId(), int(it->size()));
    if (it->isEmpty()) {
        const qint64 userId = session->userId();
        m_users.erase(it);
        qCInfo(lcHub) << "user" << userId << "offline";
        emit userOffline(userId, session->username());
        if (!isFollowed(userId))
            emit userUnfollowed(userId);
    }
}

QList<qint64> Hub::onlineAdmins() const
{
    return m_admins.keys();
}

int Hub::connectionsOf(qint64 userId) const
{
    const auto it = m_users.constFind(userId);
    return it == m_users.cend() ? 0 : int(it->size());
}

QList<OnlineUser> Hub::onlineUsers(int limit) const
{
    QList<OnlineUser> users;
    users.reserve(std::min<qsizetype>(limit, m_users.size()));
    for (auto it = m_users.cbegin(); it != m_users.cend(); ++it) {
        OnlineUser u;
        u.userId = it.key();
        u.connections = int(it->size());
        u.onlineSince = std::numeric_limits<qint64>::max();
        for (const Endpoint *s : *it) {
            u.onlineSince = std::min(u.onlineSince, s->connectedAt());
            if (u.username.isEmpty())
                u.username = s->username();
        }
        users.append(u);
    }
    std::sort(users.begin(), users.end(),
              [](const OnlineUser &a, const OnlineUser &b) { return a.userId < b.userId; });
    if (users.size() > limit)
        users.resize(limit);
    return users;
}

namespace {

void count(const Endpoint *s, FanoutLoad &load)
{
    // Most recipients are far below both marks: their cheap upper bound says so.
    Backlog backlog = s->backlogBound();
    if (backlog.bytes > load.low || (load.lowFrames > 0 && backlog.frames > load.lowFrames))
        backlog = s->backlog();
    ++load.recipients;
    load.aboveHigh
        += backlog.bytes > load.high || (load.highFrames > 0 && backlog.frames > load.highFrames);
    load.aboveLow
        += backlog.bytes > load.low || (load.lowFrames > 0 && backlog.frames > load.lowFrames);
}

} // namespace

int Hub::deliverToUser(BusKey, qint64 userId, const QByteArray &frame, quint64 exceptConnection,
                       const QString &stream, qint64 seq, FanoutLoad *load)
{
    int delivered = 0;
    auto deliverTo = [&](const QHash<qint64, QList<Endpoint *>> &registry, FanoutLoad *measured) {
        const auto it = registry.constFind(userId);
        if (it == registry.cend())
            return;
        for (Endpoint *s : *it) {
            if (s->connectionId() == exceptConnection)
                continue;
            s->deliver(frame, stream, seq);
            if (measured)
                count(s, *measured);
            ++delivered;
        }
    };
    deliverTo(m_users, load);
    // Sessions still activating hold stored deliveries for after their replay (bounded by
    // max_replay_held_*; they are not counted: their queue is the replay's).
    if (seq > 0)
        deliverTo(m_reserved, nullptr);
    return delivered;
}

void Hub::measure(qint64 userId, quint64 exceptConnection, FanoutLoad &load) const
{
    const auto it = m_users.constFind(userId);
    if (it == m_users.cend())
        return;
    for (const Endpoint *s : *it) {
        if (s->connectionId() != exceptConnection)
            count(s, load);
    }
}

void Hub::deliverToAll(BusKey, const QByteArray &frame)
{
    const Io::SendBatch batch; // one hand-over per I/O thread for the whole fan-out
    for (Endpoint *s : std::as_const(m_sessions))
        s->deliver(frame);
}

void Hub::deliverToDialect(BusKey, Protocol::Dialect dialect, const QByteArray &frame)
{
    if (m_perDialect[int(dialect)] == 0)
        return; // the common case: nobody reads this dialect
    const Io::SendBatch batch;
    for (Endpoint *s : std::as_const(m_sessions)) {
        if (s->dialect() == dialect)
            s->deliver(frame);
    }
}

bool Hub::closeConnection(BusKey, quint64 connectionId, int code, const QString &reason)
{
    Endpoint *endpoint = m_sessions.value(connectionId);
    if (!endpoint)
        return false;
    endpoint->close(code, reason);
    return true;
}

int Hub::closeUser(BusKey, qint64 userId, int code, const QString &reason)
{
    const QList<Endpoint *> endpoints = m_users.value(userId); // a close may detach at once
    for (Endpoint *endpoint : endpoints)
        endpoint->close(code, reason);
    return int(endpoints.size());
}

void Hub::closeAll(int code, const QString &reason)
{
    const auto sessions = m_sessions.values();
    for (Endpoint *s : sessions)
        s->close(code, reason);
}

} // namespace Switchboard
