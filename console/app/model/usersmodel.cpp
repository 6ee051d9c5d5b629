// SPDX-License-Identifier: MIT
#include "usersmodel.h"

#include "jsonfields.h"

#include "protocol/loadtestusers.h"

#include <algorithm>

#include <QColor>
#include <QSet>
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
    case Node:
        return c.node;
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
    case Node:
        return tr("Node");
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
    row.node = Json::str(c, "node_id");
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

std::unique_ptr<UsersModel::UserRow> UsersModel::userFromSnapshot(const QJsonObject &o) const
{
    auto u = std::make_unique<UserRow>();
    u->id = Json::id(o, "user_id");
    u->name = Json::str(o, "name");
    u->role = Json::str(o, "role");
    u->status = Json::str(o, "status");
    u->lastSeen = m_snapshotLastSeen.value(u->id, Json::num(o, "last_seen"));
    for (const QJsonValue &r : o.value(QLatin1StringView("rooms")).toArray())
        u->rooms.append(r.toString());
    for (const QJsonValue &c : o.value(QLatin1StringView("connections")).toArray())
        u->connections.append(connectionFromJson(c.toObject()));
    updateSearchText(*u);
    return u;
}

void UsersModel::applySnapshot(const QJsonArray &users)
{
    // The one reset: a snapshot replaces everything (first subscribe, or after a reconnect).
    // Its later pages need the "last seen" of the users it replaced too.
    m_snapshotLastSeen.clear();
    for (const auto &u : m_users)
        m_snapshotLastSeen.insert(u->id, u->lastSeen);
    beginResetModel();
    m_users.clear();
    m_users.reserve(size_t(users.size()));
    for (const QJsonValue &v : users)
        m_users.push_back(userFromSnapshot(v.toObject()));
    reindex();
    endResetModel();
    for (const auto &u : m_users)
        for (const ConnectionRow &c : std::as_const(u->connections))
            noteNodeId(c.node);
}

// Several nodes: a connection that names its node shows the users view's Node column.
void UsersModel::noteNodeId(const QString &node)
{
    if (node.isEmpty() || m_hasNodeIds)
        return;
    m_hasNodeIds = true;
    Q_EMIT hasNodeIdsChanged(true);
}

void UsersModel::addSnapshotPage(const QJsonArray &users)
{
    std::vector<std::unique_ptr<UserRow>> rows;
    rows.reserve(size_t(users.size()));
    QSet<qint64> seen; // a user the snapshot already holds is not added twice
    for (const QJsonValue &v : users) {
        auto u = userFromSnapshot(v.toObject());
        if (m_byId.contains(u->id) || seen.contains(u->id))
            continue;
        seen.insert(u->id);
        for (const ConnectionRow &c : std::as_const(u->connections))
            noteNodeId(c.node);
        rows.push_back(std::move(u));
    }
    appendUsers(std::move(rows));
}

void UsersModel::clear()
{
    m_snapshotLastSeen.clear();
    if (m_hasNodeIds) {
        m_hasNodeIds = false;
        Q_EMIT hasNodeIdsChanged(false);
    }
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
            // Connection ids are each node's own: the same id on two nodes is two connections.
            if (conns.at(i).id != fresh.id || conns.at(i).node != fresh.node)
                continue;
            if (conns.at(i).rttMs != fresh.rttMs || conns.at(i).queueBytes != fresh.queueBytes) {
                conns[i].rttMs = fresh.rttMs;
                conns[i].queueBytes = fresh.queueBytes;
                const QModelIndex parent = index(rowOf(u), 0);
                Q_EMIT dataChanged(index(i, Rtt, parent), index(i, Queue, parent));
            }
            noteNodeId(fresh.node);
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
