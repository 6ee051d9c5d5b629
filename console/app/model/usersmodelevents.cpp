// SPDX-License-Identifier: MIT
// UsersModel's part that applies batches of admin events: each user's state is worked out
// over the whole batch, then the model changes once (updates, removal ranges, one insertion).
#include "usersmodel.h"

#include "jsonfields.h"

#include <algorithm>

namespace Switchboard::Console {

// One event applied to one user's pending state, in feed order. The model is changed only
// after the whole batch, from the difference between the state before and after.
void UsersModel::applyEvent(Pending &p, const QJsonObject &event)
{
    const QString e = Json::str(event, "event");
    UserRow &u = p.user;
    if (e == QLatin1StringView("connection_opened")) {
        const ConnectionRow conn
            = connectionFromJson(event.value(QLatin1StringView("connection")).toObject());
        if (!p.online) {
            p.online = true;
            u.name = Json::str(event, "name");
            u.role = Json::str(event, "role");
            u.status = QStringLiteral("online");
            u.lastSeen = conn.connectedAt;
            u.connections.clear();
            u.rooms.clear();
            // Servers that know the user's rooms send them with the first connection.
            for (const QJsonValue &r : event.value(QLatin1StringView("rooms")).toArray())
                u.rooms.append(r.toString());
        }
        for (const ConnectionRow &c : std::as_const(u.connections)) {
            if (c.id == conn.id && c.node == conn.node)
                return; // already known from the snapshot
        }
        u.connections.append(conn);
    } else if (e == QLatin1StringView("connection_closed")) {
        if (!p.online)
            return;
        // Connection ids are each node's own (with several nodes, events name the node).
        const QString connectionId = Json::str(event, "connection_id");
        const QString node = Json::str(event, "node_id");
        u.connections.removeIf(
            [&](const ConnectionRow &c) { return c.id == connectionId && c.node == node; });
        // The users view lists who is online: a user without connections leaves it.
        if (u.connections.isEmpty())
            p.online = false;
    } else if (e == QLatin1StringView("user_status")) {
        if (!p.online)
            return; // a user appears with its first connection_opened
        u.status = Json::str(event, "status");
        if (event.contains(QLatin1StringView("last_seen")))
            u.lastSeen = Json::num(event, "last_seen");
        if (event.contains(QLatin1StringView("name")))
            u.name = Json::str(event, "name");
    } else if (e == QLatin1StringView("room_member")) {
        if (!p.online)
            return;
        const QString roomId = Json::str(event, "room_id");
        if (event.value(QLatin1StringView("joined")).toBool()) {
            if (!u.rooms.contains(roomId))
                u.rooms.append(roomId);
        } else {
            u.rooms.removeAll(roomId);
        }
    }
}

UsersModel::OnlineChanges UsersModel::applyEvents(const QList<QJsonObject> &events)
{
    // Per user, in order of first appearance in the batch.
    QHash<qint64, Pending> pending;
    QList<qint64> order;
    for (const QJsonObject &event : events) {
        const qint64 userId = Json::id(event, "user_id");
        if (userId <= 0)
            continue;
        auto it = pending.find(userId);
        if (it == pending.end()) {
            Pending p;
            if (const UserRow *known = m_byId.value(userId)) {
                p.wasOnline = p.online = true;
                p.user = *known;
            }
            p.user.id = userId;
            it = pending.insert(userId, p);
            order.append(userId);
        }
        applyEvent(*it, event);
        if (Json::str(event, "event") == QLatin1StringView("connection_opened"))
            noteNodeId(
                Json::str(event.value(QLatin1StringView("connection")).toObject(), "node_id"));
    }

    OnlineChanges changes;
    QList<int> removed;
    std::vector<std::unique_ptr<UserRow>> added;
    for (qint64 userId : std::as_const(order)) {
        Pending &p = pending[userId];
        if (p.wasOnline && p.online) {
            updateUser(*m_byId.value(userId), p.user);
        } else if (p.wasOnline) {
            const UserRow *u = m_byId.value(userId);
            changes.wentOffline.insert(userId, u->rooms);
            removed.append(rowOf(u));
        } else if (p.online) {
            changes.cameOnline.insert(userId, p.user.rooms);
            updateSearchText(p.user);
            added.push_back(std::make_unique<UserRow>(std::move(p.user)));
        }
    }
    removeUsers(std::move(removed));
    appendUsers(std::move(added));
    return changes;
}

// A user that stays online: its connection rows are removed and appended as they changed,
// then its row is told to redraw once.
void UsersModel::updateUser(UserRow &u, const UserRow &fresh)
{
    const int row = rowOf(&u);
    const QModelIndex parent = index(row, 0);
    for (int i = int(u.connections.size()) - 1; i >= 0; --i) {
        // A connection is its id and its node (ids are each node's own).
        const ConnectionRow &old = u.connections.at(i);
        const bool kept = std::any_of(
            fresh.connections.begin(), fresh.connections.end(),
            [&](const ConnectionRow &c) { return c.id == old.id && c.node == old.node; });
        if (kept)
            continue;
        beginRemoveRows(parent, i, i);
        u.connections.removeAt(i);
        --m_connectionCount;
        endRemoveRows();
    }
    QList<ConnectionRow> newOnes;
    for (const ConnectionRow &c : fresh.connections) {
        const bool known
            = std::any_of(u.connections.begin(), u.connections.end(),
                          [&](const ConnectionRow &k) { return k.id == c.id && k.node == c.node; });
        if (!known)
            newOnes.append(c);
    }
    if (!newOnes.isEmpty()) {
        const int first = int(u.connections.size());
        beginInsertRows(parent, first, first + int(newOnes.size()) - 1);
        u.connections.append(newOnes);
        m_connectionCount += int(newOnes.size());
        endInsertRows();
    }
    u.name = fresh.name;
    u.role = fresh.role;
    u.status = fresh.status;
    u.lastSeen = fresh.lastSeen;
    u.rooms = fresh.rooms;
    updateSearchText(u);
    emitUserChanged(row);
}

void UsersModel::removeUsers(QList<int> rows)
{
    if (rows.isEmpty())
        return;
    std::sort(rows.begin(), rows.end(), std::greater<int>());
    // Contiguous runs, highest first, so the rows still to remove keep their numbers.
    qsizetype i = 0;
    while (i < rows.size()) {
        const int last = rows.at(i);
        int first = last;
        while (i + 1 < rows.size() && rows.at(i + 1) == first - 1) {
            ++i;
            --first;
        }
        ++i;
        beginRemoveRows({}, first, last);
        for (int r = first; r <= last; ++r) {
            const UserRow *u = m_users[size_t(r)].get();
            m_byId.remove(u->id);
            m_connectionCount -= int(u->connections.size());
        }
        m_users.erase(m_users.begin() + first, m_users.begin() + last + 1);
        m_rowsValidBelow = qMin(m_rowsValidBelow, first);
        endRemoveRows();
    }
}

void UsersModel::appendUsers(std::vector<std::unique_ptr<UserRow>> users)
{
    if (users.empty())
        return;
    const int first = int(m_users.size());
    beginInsertRows({}, first, first + int(users.size()) - 1);
    const bool allValid = m_rowsValidBelow == first;
    for (auto &u : users) {
        u->row = int(m_users.size());
        m_byId.insert(u->id, u.get());
        m_connectionCount += int(u->connections.size());
        m_users.push_back(std::move(u));
    }
    if (allValid)
        m_rowsValidBelow = int(m_users.size());
    endInsertRows();
}

void UsersModel::connectionOpened(const QJsonObject &event)
{
    applyEvents({event});
}

void UsersModel::connectionClosed(const QJsonObject &event)
{
    applyEvents({event});
}

void UsersModel::userStatus(const QJsonObject &event)
{
    applyEvents({event});
}

void UsersModel::roomMember(const QJsonObject &event)
{
    applyEvents({event});
}

void UsersModel::roomDeleted(const QString &roomId)
{
    for (size_t row = 0; row < m_users.size(); ++row) {
        if (m_users[row]->rooms.removeAll(roomId) > 0) {
            updateSearchText(*m_users[row]);
            emitUserChanged(int(row));
        }
    }
}

} // namespace Switchboard::Console
