// SPDX-License-Identifier: MIT
#include "eventlogmodel.h"

#include "jsonfields.h"

#include <QColor>

namespace Switchboard::Console {

EventLogModel::EventLogModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

int EventLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int EventLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventLogModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_entries.size())
        return {};
    const Entry &e = m_entries.at(index.row());
    switch (role) {
    case CategoryRole:
        return int(e.category);
    case EventJsonRole:
        return e.event;
    case TimestampRole:
        return e.at;
    case Qt::ToolTipRole:
        return Json::compact(e.event);
    case Qt::ForegroundRole:
        return e.category == EventDescriber::Category::Error ? QVariant(QColor(Qt::darkRed))
                                                             : QVariant();
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time:
            return Json::time(e.at);
        case Category:
            return EventDescriber::categoryName(e.category);
        case Text:
            return EventDescriber::describe(e.event);
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Time:
        return tr("Time");
    case Category:
        return tr("Category");
    case Text:
        return tr("Event");
    default:
        return {};
    }
}

void EventLogModel::append(const QJsonObject &event, qint64 atMs)
{
    if (m_entries.size() >= m_capacity) {
        const int drop = int(m_entries.size()) - m_capacity + 1;
        beginRemoveRows({}, 0, drop - 1);
        m_entries.remove(0, drop);
        endRemoveRows();
    }
    const int row = int(m_entries.size());
    beginInsertRows({}, row, row);
    m_entries.append({atMs, EventDescriber::category(event), event});
    endInsertRows();
}

void EventLogModel::clear()
{
    beginResetModel();
    m_entries.clear();
    endResetModel();
}

void EventLogModel::retranslate()
{
    Q_EMIT headerDataChanged(Qt::Horizontal, 0, ColumnCount - 1);
    if (!m_entries.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_entries.size()) - 1, ColumnCount - 1));
}

} // namespace Switchboard::Console
