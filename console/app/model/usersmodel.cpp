// SPDX-License-Identifier: MIT
#include "usersmodel.h"

#include "jsonfields.h"

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
        return row < m_users.size() ? createIndex(row, column, quintptr(0)) : QModelIndex();
    if (parent.internalId() != 0 || parent.row() >= m_users.size())
        return {};
    const UserRow &u = m_users.at(parent.row());
    return row < u.connections.size() ? createIndex(row, column, quintptr(u.id)) : QModelIndex();
}

QModelIndex UsersModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == 0)
        return {};
    const int row = rowOfUser(qint64(child.internalId()));
    return row < 0 ? QModelIndex() : createIndex(row, 0, quintptr(0));
}

int UsersModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_users.size());
    if (parent.internalId() != 0 || parent.column() != 0 || parent.row() >= m_users.size())
        return 0;
    return int(m_users.at(parent.row()).connections.size());
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
        return index.row() < m_users.size()
            ? userData(m_users.at(index.row()), index.column(), role)
            : QVariant();
    const int userRow = rowOfUser(qint64(index.internalId()));
    if (userRow < 0)
        return {};
    const UserRow &u = m_users.at(userRow);
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

void UsersModel::applySnapshot(const QJsonArray &users)
{
    // The one reset: a snapshot replaces everything (first subscribe, or after a reconnect).
    beginResetModel();
    m_users.clear();
    for (const QJsonValue &v : users) {
        const QJsonObject o = v.toObject();
        UserRow u;
        u.id = Json::id(o, "user_id");
        u.name = Json::str(o, "name");
        u.role = Json::str(o, "role");
        u.status = Json::str(o, "status");
        u.lastSeen = Json::num(o, "last_seen");
        for (const QJsonValue &r : o.value(QLatin1StringView("rooms")).toArray())
            u.rooms.append(r.toString());
        for (const QJsonValue &c : o.value(QLatin1StringView("connections")).toArray())
            u.connections.append(connectionFromJson(c.toObject()));
        m_users.append(u);
    }
    endResetModel();
}

void UsersModel::clear()
{
    if (m_users.isEmpty())
        return;
    beginResetModel();
    m_users.clear();
    endResetModel();
}

int UsersModel::rowOfUser(qint64 userId) const
{
    for (int i = 0; i < m_users.size(); ++i) {
        if (m_users.at(i).id == userId)
            return i;
    }
    return -1;
}

QString UsersModel::userName(qint64 userId) const
{
    const int row = rowOfUser(userId);
    return row < 0 ? QString() : m_users.at(row).name;
}

QStringList UsersModel::userRooms(qint64 userId) const
{
    const int row = rowOfUser(userId);
    return row < 0 ? QStringList() : m_users.at(row).rooms;
}

int UsersModel::connectionCount() const
{
    int n = 0;
    for (const UserRow &u : m_users)
        n += int(u.connections.size());
    return n;
}

void UsersModel::emitUserChanged(int row)
{
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void UsersModel::connectionOpened(const QJsonObject &event)
{
    const qint64 userId = Json::id(event, "user_id");
    const ConnectionRow conn
        = connectionFromJson(event.value(QLatin1StringView("connection")).toObject());
    int row = rowOfUser(userId);
    if (row < 0) {
        UserRow u;
        u.id = userId;
        u.name = Json::str(event, "name");
        u.role = Json::str(event, "role");
        u.status = QStringLiteral("online");
        // Servers that know the user's rooms send them with the first connection.
        for (const QJsonValue &r : event.value(QLatin1StringView("rooms")).toArray())
            u.rooms.append(r.toString());
        row = int(m_users.size());
        beginInsertRows({}, row, row);
        m_users.append(u);
        endInsertRows();
    }
    UserRow &u = m_users[row];
    for (const ConnectionRow &c : std::as_const(u.connections)) {
        if (c.id == conn.id)
            return; // already known from the snapshot
    }
    const int child = int(u.connections.size());
    beginInsertRows(index(row, 0), child, child);
    u.connections.append(conn);
    endInsertRows();
    emitUserChanged(row);
}

void UsersModel::connectionClosed(const QJsonObject &event)
{
    const int row = rowOfUser(Json::id(event, "user_id"));
    if (row < 0)
        return;
    const QString connectionId = Json::str(event, "connection_id");
    UserRow &u = m_users[row];
    for (int i = 0; i < u.connections.size(); ++i) {
        if (u.connections.at(i).id != connectionId)
            continue;
        beginRemoveRows(index(row, 0), i, i);
        u.connections.removeAt(i);
        endRemoveRows();
        break;
    }
    // The users view lists who is online: a user without connections leaves it.
    if (m_users.at(row).connections.isEmpty())
        removeUserRow(row);
    else
        emitUserChanged(row);
}

void UsersModel::removeUserRow(int row)
{
    beginRemoveRows({}, row, row);
    m_users.removeAt(row);
    endRemoveRows();
}

void UsersModel::userStatus(const QJsonObject &event)
{
    const int row = rowOfUser(Json::id(event, "user_id"));
    if (row < 0)
        return; // a user appears with its first connection_opened
    UserRow &u = m_users[row];
    u.status = Json::str(event, "status");
    if (event.contains(QLatin1StringView("last_seen")))
        u.lastSeen = Json::num(event, "last_seen");
    if (event.contains(QLatin1StringView("name")))
        u.name = Json::str(event, "name");
    emitUserChanged(row);
}

void UsersModel::roomMember(const QJsonObject &event)
{
    const int row = rowOfUser(Json::id(event, "user_id"));
    if (row < 0)
        return;
    const QString roomId = Json::str(event, "room_id");
    QStringList &rooms = m_users[row].rooms;
    if (event.value(QLatin1StringView("joined")).toBool()) {
        if (!rooms.contains(roomId))
            rooms.append(roomId);
    } else {
        rooms.removeAll(roomId);
    }
    emitUserChanged(row);
}

void UsersModel::roomDeleted(const QString &roomId)
{
    for (int row = 0; row < m_users.size(); ++row) {
        if (m_users[row].rooms.removeAll(roomId) > 0)
            emitUserChanged(row);
    }
}

void UsersModel::updateConnectionMetrics(const QJsonArray &connections)
{
    for (const QJsonValue &v : connections) {
        const QJsonObject o = v.toObject();
        const int row = rowOfUser(Json::id(o, "user_id"));
        if (row < 0)
            continue;
        const ConnectionRow fresh = connectionFromJson(o);
        QList<ConnectionRow> &conns = m_users[row].connections;
        for (int i = 0; i < conns.size(); ++i) {
            if (conns.at(i).id != fresh.id)
                continue;
            if (conns.at(i).rttMs != fresh.rttMs || conns.at(i).queueBytes != fresh.queueBytes) {
                conns[i].rttMs = fresh.rttMs;
                conns[i].queueBytes = fresh.queueBytes;
                const QModelIndex parent = index(row, 0);
                Q_EMIT dataChanged(index(i, Rtt, parent), index(i, Queue, parent));
            }
            break;
        }
    }
}

void UsersModel::retranslate()
{
    Q_EMIT headerDataChanged(Qt::Horizontal, 0, ColumnCount - 1);
    if (m_users.isEmpty())
        return;
    Q_EMIT dataChanged(index(0, 0), index(int(m_users.size()) - 1, ColumnCount - 1));
    // Connection rows have words too ("Connection 7", "not measured").
    for (int row = 0; row < m_users.size(); ++row) {
        const int children = int(m_users.at(row).connections.size());
        if (children > 0) {
            const QModelIndex parent = index(row, 0);
            Q_EMIT dataChanged(index(0, 0, parent), index(children - 1, ColumnCount - 1, parent));
        }
    }
}

} // namespace Switchboard::Console
