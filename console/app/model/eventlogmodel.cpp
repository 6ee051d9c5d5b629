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
    return parent.isValid() ? 0 : m_count;
}

int EventLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventLogModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_count)
        return {};
    const Entry &e = entry(index.row());
    switch (role) {
    case SearchTextRole:
        if (e.searchText.isEmpty())
            e.searchText
                = (EventDescriber::describe(e.event) + QLatin1Char('\n') + Json::compact(e.event))
                      .toLower();
        return e.searchText;
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
    appendBatch({event}, atMs);
}

void EventLogModel::dropOldest(int rows)
{
    if (rows <= 0)
        return;
    beginRemoveRows({}, 0, rows - 1);
    for (int i = 0; i < rows; ++i)
        m_ring[(m_head + i) % m_ring.size()] = Entry(); // free the event now
    m_head = (m_head + rows) % m_ring.size();
    m_count -= rows;
    endRemoveRows();
}

void EventLogModel::appendBatch(const QList<QJsonObject> &events, qint64 atMs)
{
    // More than fit: only the newest capacity() of them are kept.
    const qsizetype skip = qMax<qsizetype>(0, events.size() - m_capacity);
    const int adding = int(events.size() - skip);
    if (adding <= 0)
        return;
    dropOldest(m_count + adding - m_capacity);
    if (m_head != 0 && m_ring.size() < m_capacity)
        linearize(); // dropped before the ring had grown to its size: grow from row 0 again
    beginInsertRows({}, m_count, m_count + adding - 1);
    for (qsizetype i = skip; i < events.size(); ++i) {
        Entry e {atMs, EventDescriber::category(events.at(i)), events.at(i), {}};
        if (m_ring.size() < m_capacity && m_head == 0) {
            m_ring.append(std::move(e)); // still growing
        } else {
            m_ring[(m_head + m_count) % m_ring.size()] = std::move(e);
        }
        ++m_count;
    }
    endInsertRows();
}

void EventLogModel::setCapacity(int rows)
{
    rows = qBound(MIN_CAPACITY, rows, MAX_CAPACITY);
    if (rows == m_capacity)
        return;
    dropOldest(m_count - rows);
    linearize(); // so it can grow (or wrap) at the new size
    m_capacity = rows;
}

void EventLogModel::linearize()
{
    QList<Entry> linear;
    linear.reserve(m_count);
    for (int i = 0; i < m_count; ++i)
        linear.append(entry(i));
    m_ring = std::move(linear);
    m_head = 0;
}

void EventLogModel::clear()
{
    beginResetModel();
    m_ring.clear();
    m_head = 0;
    m_count = 0;
    endResetModel();
}

void EventLogModel::retranslate()
{
    Q_EMIT headerDataChanged(Qt::Horizontal, 0, ColumnCount - 1);
    for (const Entry &e : std::as_const(m_ring))
        e.searchText.clear();
    if (m_count > 0)
        Q_EMIT dataChanged(index(0, 0), index(m_count - 1, ColumnCount - 1));
}

} // namespace Switchboard::Console
