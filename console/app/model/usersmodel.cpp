// SPDX-License-Identifier: MIT
#include "usersmodel.h"

#include "jsonfields.h"

#include "protocol/loadtestusers.h"

#include <algorithm>

#include <QColor>
#include <QLocale>

namespace Switchboard::Console {

// A child index carries its user's id in internalId (ids are positive); a user row carries 0.
// Ids, unlike row numbers, survive rows being inserted or removed above.

UsersModel::UsersModel(QObject *parent)
    : QAbstractItemModel(parent)
{ }

QModelIndex UsersModel::index(int row, int column, const QModelIndex &parent) const
{
    if (column < 0 || column >= ColumnCount || row < 0)
        return {};
    if (!parent.isValid())
        return row < int(m_users.size()) ? createIndex(row, column, quintptr(0)) : QModelIndex();
    if (parent.internalId() != 0 || parent.row() >= int(m_users.size()))
        return {};
    const UserRow &u = *m_users[size_t(parent.row())];
    return row < u.connections.size() ? createIndex(row, column, quintptr(u.id)) : QModelIndex();
}

int UsersModel::rowOf(const UserRow *u) const
{
    if (u->row >= m_rowsValidBelow) {
        for (int i = m_rowsValidBelow; i < int(m_users.size()); ++i)
            m_users[size_t(i)]->row = i;
        m_rowsValidBelow = int(m_users.size());
    }
    return u->row;
}

QModelIndex UsersModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == 0)
        return {};
    const UserRow *u = m_byId.value(qint64(child.internalId()));
    return u ? createIndex(rowOf(u), 0, quintptr(0)) : QModelIndex();
}

int UsersModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_users.size());
    if (parent.internalId() != 0 || parent.column() != 0 || parent.row() >= int(m_users.size()))
        return 0;
    return int(m_users[size_t(parent.row())]->connections.size());
}

int UsersModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QString UsersModel::statusText(const QString &status)
{
    if (status == QLatin1StringView("online"))
        return tr("online");
    if (status == QLatin1StringView("away"))
        return tr("away");
    if (status == QLatin1StringView("busy"))
        return tr("busy");
    if (status == QLatin1StringView("offline"))
        return tr("offline");
    return status;
}

QVariant UsersModel::userData(const UserRow &u, int column, int role) const
{
    if (role == UserIdRole)
        return u.id;
    if (role == IsConnectionRole)
        return false;
    if (role == Qt::ForegroundRole && column == Status) {
        if (u.status == QLatin1StringView("online"))
            return QColor(Qt::darkGreen);
        if (u.status == QLatin1StringView("busy"))
            return QColor(Qt::darkRed);
        return QColor(Qt::darkYellow);
    }
    if (role == Qt::ToolTipRole && column == Name)
        return u.role == QLatin1StringView("admin") ? tr("Administrator") : tr("User");
    if (role == SearchTextRole)
        return u.searchText;
    if (role == LoadTestUserRole)
        return u.loadTest;
    if (role == SortRole) {
        switch (column) {
        case UserId:
            return u.id;
        case Connections:
            return int(u.connections.size());
        case LastSeen:
            return u.lastSeen;
        case Name:
            return u.sortName;
        default:
            role = Qt::DisplayRole;
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (column) {
    case Name:
        return u.name;
    case UserId:
        return u.id;
    case Status:
        return statusText(u.status);
    case Rooms:
        return u.rooms.join(QStringLiteral(", "));
    case Connections:
        return int(u.connections.size());
    case LastSeen:
        return Json::time(u.lastSeen);
    default:
        return {};
    }
}

QVariant UsersModel::connectionData(const ConnectionRow &c, int column, int role) const
{
    if (role == ConnectionIdRole)
        return c.id;
    if (role == IsConnectionRole)
        return true;
    if (role == Qt::TextAlignmentRole && (column == Rtt || column == Queue))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == SortRole) {
        switch (column) {
        case Since:
            return c.connectedAt;
        case Rtt:
            return c.rttMs;
        case Queue:
            return c.queueBytes;
        default:
            role = Qt::DisplayRole;
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (column) {
    case Name:
        return tr("Connection %1").arg(c.id);
    case Address:
        return c.address;
    case Client:
        return c.client;
    case Since:
        return Json::time(c.connectedAt);
    case Rtt:
        return c.rttMs < 0 ? tr("not measured") : QLocale().toString(c.rttMs);
    case Queue:
        return Json::bytes(c.queueBytes);
    default:
        return {};
    }
}

QVariant UsersModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    if (index.internalId() == 0)
        return index.row() < int(m_users.size())
            ? userData(*m_users[size_t(index.row())], index.column(), role)
            : QVariant();
    const UserRow *user = m_byId.value(qint64(index.internalId()));
    if (!user)
        return {};
    const UserRow &u = *user;
    if (role == UserIdRole)
        return u.id;
    return index.row() < u.connections.size()
        ? connectionData(u.connections.at(index.row()), index.column(), role)
        : QVariant();
}

QVariant UsersModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name:
        return tr("Name");
    case UserId:
        return tr("ID");
    case Status:
        return tr("Status");
    case Rooms:
        return tr("Rooms");
    case Connections:
        return tr("Connections");
    case LastSeen:
        return tr("Last seen");
    case Address:
        return tr("Address");
    case Client:
        return tr("Client");
    case Since:
        return tr("Connected since");
    case Rtt:
        return tr("RTT (ms)");
    case Queue:
        return tr("Send queue");
    default:
        return {};
    }
}

UsersModel::ConnectionRow UsersModel::connectionFromJson(const QJsonObject &c)
{
    ConnectionRow row;
    row.id = Json::str(c, "connection_id");
    row.address = Json::str(c, "address");
    row.client = Json::str(c, "client");
    row.connectedAt = Json::num(c, "connected_at");
    row.rttMs = c.value(QLatin1StringView("rtt_ms")).isDouble() ? Json::num(c, "rtt_ms") : -1;
    row.queueBytes = Json::num(c, "queue_bytes");
    return row;
}

void UsersModel::updateSearchText(UserRow &u)
{
    QStringList parts {u.name, QString::number(u.id), u.status, u.rooms.join(QLatin1Char(' '))};
    for (const ConnectionRow &c : std::as_const(u.connections))
        parts << c.id << c.address << c.client;
    u.searchText = parts.join(QLatin1Char('\n')).toLower();
    u.sortName = u.name.toLower();
    u.loadTest = LoadTestUsers::isLoadTestUser(u.id, u.name);
}

void UsersModel::reindex()
{
    m_byId.clear();
    m_byId.reserve(qsizetype(m_users.size()));
    m_connectionCount = 0;
    for (size_t i = 0; i < m_users.size(); ++i) {
        UserRow *u = m_users[i].get();
        u->row = int(i);
        m_byId.insert(u->id, u);
        m_connectionCount += int(u->connections.size());
    }
    m_rowsValidBelow = int(m_users.size());
}

void UsersModel::applySnapshot(const QJsonArray &users)
{
    // The one reset: a snapshot replaces everything (first subscribe, or after a reconnect).
    QHash<qint64, qint64> lastSeen;
    for (const auto &u : m_users)
        lastSeen.insert(u->id, u->lastSeen);
    beginResetModel();
    m_users.clear();
    m_users.reserve(size_t(users.size()));
    for (const QJsonValue &v : users) {
        const QJsonObject o = v.toObject();
        auto u = std::make_unique<UserRow>();
        u->id = Json::id(o, "user_id");
        u->name = Json::str(o, "name");
        u->role = Json::str(o, "role");
        u->status = Json::str(o, "status");
        u->lastSeen = lastSeen.value(u->id, Json::num(o, "last_seen"));
        for (const QJsonValue &r : o.value(QLatin1StringView("rooms")).toArray())
            u->rooms.append(r.toString());
        for (const QJsonValue &c : o.value(QLatin1StringView("connections")).toArray())
            u->connections.append(connectionFromJson(c.toObject()));
        updateSearchText(*u);
        m_users.push_back(std::move(u));
    }
    reindex();
    endResetModel();
}

void UsersModel::clear()
{
    if (m_users.empty())
        return;
    beginResetModel();
    m_users.clear();
    reindex();
    endResetModel();
}

int UsersModel::rowOfUser(qint64 userId) const
{
    const UserRow *u = m_byId.value(userId);
    return u ? rowOf(u) : -1;
}

QString UsersModel::userName(qint64 userId) const
{
    const UserRow *u = m_byId.value(userId);
    return u ? u->name : QString();
}

qint64 UsersModel::userIdByName(const QString &name) const
{
    // An operator's occasional lookup (typing a name), not on any per-event path.
    for (const auto &u : m_users) {
        if (u->name.compare(name, Qt::CaseInsensitive) == 0)
            return u->id;
    }
    return 0;
}

QStringList UsersModel::userRooms(qint64 userId) const
{
    const UserRow *u = m_byId.value(userId);
    return u ? u->rooms : QStringList();
}

void UsersModel::emitUserChanged(int row)
{
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

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
            if (c.id == conn.id)
                return; // already known from the snapshot
        }
        u.connections.append(conn);
    } else if (e == QLatin1StringView("connection_closed")) {
        if (!p.online)
            return;
        const QString connectionId = Json::str(event, "connection_id");
        u.connections.removeIf([&](const ConnectionRow &c) { return c.id == connectionId; });
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
        const QString id = u.connections.at(i).id;
        const bool kept = std::any_of(fresh.connections.begin(), fresh.connections.end(),
                                      [&](const ConnectionRow &c) { return c.id == id; });
        if (kept)
            continue;
        beginRemoveRows(parent, i, i);
        u.connections.removeAt(i);
        --m_connectionCount;
        endRemoveRows();
    }
    QList<ConnectionRow> newOnes;
    for (const ConnectionRow &c : fresh.connections) {
        const bool known = std::any_of(u.connections.begin(), u.connections.end(),
                                       [&](const ConnectionRow &k) { return k.id == c.id; });
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

void UsersModel::updateConnectionMetrics(const QJsonArray &connections)
{
    for (const QJsonValue &v : connections) {
        const QJsonObject o = v.toObject();
        UserRow *u = m_byId.value(Json::id(o, "user_id"));
        if (!u)
            continue;
        const ConnectionRow fresh = connectionFromJson(o);
        QList<ConnectionRow> &conns = u->connections;
        for (int i = 0; i < conns.size(); ++i) {
            if (conns.at(i).id != fresh.id)
                continue;
            if (conns.at(i).rttMs != fresh.rttMs || conns.at(i).queueBytes != fresh.queueBytes) {
                conns[i].rttMs = fresh.rttMs;
                conns[i].queueBytes = fresh.queueBytes;
                const QModelIndex parent = index(rowOf(u), 0);
                Q_EMIT dataChanged(index(i, Rtt, parent), index(i, Queue, parent));
            }
            break;
        }
    }
}

void UsersModel::retranslate()
{
    Q_EMIT headerDataChanged(Qt::Horizontal, 0, ColumnCount - 1);
    if (m_users.empty())
        return;
    Q_EMIT dataChanged(index(0, 0), index(int(m_users.size()) - 1, ColumnCount - 1));
    // Connection rows have words too ("Connection 7", "not measured").
    for (size_t row = 0; row < m_users.size(); ++row) {
        const int children = int(m_users[row]->connections.size());
        if (children > 0) {
            const QModelIndex parent = index(int(row), 0);
            Q_EMIT dataChanged(index(0, 0, parent), index(children - 1, ColumnCount - 1, parent));
        }
    }
}

} // namespace Switchboard::Console
