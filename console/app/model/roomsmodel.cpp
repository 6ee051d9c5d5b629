// SPDX-License-Identifier: MIT
#include "roomsmodel.h"

#include "jsonfields.h"

#include <QLocale>

namespace Switchboard::Console {

RoomsModel::RoomsModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

int RoomsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rooms.size());
}

int RoomsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString RoomsModel::policyText(const QString &policy)
{
    if (policy == QLatin1StringView("members"))
        return tr("members");
    if (policy == QLatin1StringView("owners"))
        return tr("owners");
    if (policy == QLatin1StringView("admins"))
        return tr("administrators");
    return policy;
}

QVariant RoomsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rooms.size())
        return {};
    const QJsonObject &r = m_rooms.at(index.row());
    if (role == RoomIdRole)
        return Json::str(r, "room_id");
    if (role == RoomJsonRole)
        return r;
    if (role == Qt::TextAlignmentRole && index.column() >= MaxMembers)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case RoomId:
        return Json::str(r, "room_id");
    case Name:
        return Json::str(r, "name");
    case Private:
        return r.value(QLatin1StringView("private")).toBool() ? tr("private") : tr("public");
    case PostPolicy:
        return policyText(Json::str(r, "post_policy"));
    case MaxMembers: {
        const qint64 max = Json::num(r, "max_members");
        return max > 0 ? QLocale().toString(max) : tr("server limit");
    }
    case Members:
        return QLocale().toString(Json::num(r, "members"));
    case Online:
        return QLocale().toString(Json::num(r, "online_members"));
    case Messages:
        return QLocale().toString(Json::num(r, "messages"));
    default:
        return {};
    }
}

QVariant RoomsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case RoomId:
        return tr("Room ID");
    case Name:
        return tr("Name");
    case Private:
        return tr("Visibility");
    case PostPolicy:
        return tr("Who may post");
    case MaxMembers:
        return tr("Member limit");
    case Members:
        return tr("Members");
    case Online:
        return tr("Online");
    case Messages:
        return tr("Messages");
    default:
        return {};
    }
}

void RoomsModel::applySnapshot(const QJsonArray &rooms)
{
    beginResetModel();
    m_rooms.clear();
    for (const QJsonValue &v : rooms)
        m_rooms.append(v.toObject());
    reindex();
    endResetModel();
}

void RoomsModel::clear()
{
    if (m_rooms.isEmpty())
        return;
    beginResetModel();
    m_rooms.clear();
    reindex();
    endResetModel();
}

void RoomsModel::reindex()
{
    m_rowOfRoom.clear();
    m_rowOfRoom.reserve(m_rooms.size());
    for (int i = 0; i < m_rooms.size(); ++i)
        m_rowOfRoom.insert(Json::str(m_rooms.at(i), "room_id"), i);
}

int RoomsModel::rowOfRoom(const QString &roomId) const
{
    return m_rowOfRoom.value(roomId, -1);
}

QJsonObject RoomsModel::room(const QString &roomId) const
{
    const int row = rowOfRoom(roomId);
    return row < 0 ? QJsonObject() : m_rooms.at(row);
}

QStringList RoomsModel::roomIds() const
{
    QStringList ids;
    for (const QJsonObject &r : m_rooms)
        ids.append(Json::str(r, "room_id"));
    return ids;
}

void RoomsModel::upsert(const QJsonObject &room)
{
    const int row = rowOfRoom(Json::str(room, "room_id"));
    if (row < 0) {
        const int at = int(m_rooms.size());
        beginInsertRows({}, at, at);
        m_rooms.append(room);
        m_rowOfRoom.insert(Json::str(room, "room_id"), at);
        endInsertRows();
        return;
    }
    // An update may carry only some fields: merge rather than replace.
    QJsonObject &r = m_rooms[row];
    for (auto it = room.begin(); it != room.end(); ++it)
        r.insert(it.key(), it.value());
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void RoomsModel::remove(const QString &roomId)
{
    const int row = rowOfRoom(roomId);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    m_rooms.removeAt(row);
    reindex(); // rooms are few and rarely deleted
    endRemoveRows();
}

void RoomsModel::changeCounter(int row, const char *key, int delta)
{
    QJsonObject &r = m_rooms[row];
    r.insert(QLatin1StringView(key), qMax<qint64>(0, Json::num(r, key) + delta));
}

void RoomsModel::memberChanged(const QString &roomId, bool joined, bool userOnline)
{
    const int row = rowOfRoom(roomId);
    if (row < 0)
        return;
    const int delta = joined ? 1 : -1;
    changeCounter(row, "members", delta);
    if (userOnline)
        changeCounter(row, "online_members", delta);
    Q_EMIT dataChanged(index(row, Members), index(row, Online));
}

void RoomsModel::userOnlineChanged(const QStringList &rooms, bool online)
{
    for (const QString &roomId : rooms) {
        const int row = rowOfRoom(roomId);
        if (row < 0)
            continue;
        changeCounter(row, "online_members", online ? 1 : -1);
        Q_EMIT dataChanged(index(row, Online), index(row, Online));
    }
}

void RoomsModel::addOnlineCounts(const QHash<QString, int> &deltas)
{
    for (auto it = deltas.begin(); it != deltas.end(); ++it) {
        const int row = rowOfRoom(it.key());
        if (row < 0 || it.value() == 0)
            continue;
        changeCounter(row, "online_members", it.value());
        Q_EMIT dataChanged(index(row, Online), index(row, Online));
    }
}

void RoomsModel::retranslate()
{
    Q_EMIT headerDataChanged(Qt::Horizontal, 0, ColumnCount - 1);
    if (!m_rooms.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rooms.size()) - 1, ColumnCount - 1));
}

} // namespace Switchboard::Console
