// SPDX-License-Identifier: MIT
#pragma once

#include "eventdescriber.h"

#include <QAbstractTableModel>
#include <QJsonObject>
#include <QList>

namespace Switchboard::Console {

// The operator's event log: admin_event frames, session changes and the operator's own
// actions, newest last, in a ring buffer of a fixed capacity (the oldest rows go first, in one
// removal per batch, without moving the others). Rows keep the raw event and are described
// when shown, so a language switch retranslates the whole log.
class EventLogModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Time, Category, Text, ColumnCount };
    enum Role {
        CategoryRole = Qt::UserRole + 1,
        EventJsonRole,
        TimestampRole,
        // Lower-case description and raw JSON of the row, computed once (per language):
        // what the log's search box matches.
        SearchTextRole,
    };
    static constexpr int DEFAULT_CAPACITY = 20000;
    static constexpr int MIN_CAPACITY = 1;
    static constexpr int MAX_CAPACITY = 1000000;

    explicit EventLogModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void append(const QJsonObject &event, qint64 atMs);
    // Several events at the same time: at most one removal and one insertion.
    void appendBatch(const QList<QJsonObject> &events, qint64 atMs);
    void clear();
    void retranslate();
    int capacity() const { return m_capacity; }
    // Clamped to [MIN_CAPACITY, MAX_CAPACITY]; shrinking drops the oldest rows.
    void setCapacity(int rows);

private:
    struct Entry
    {
        qint64 at = 0;
        EventDescriber::Category category = EventDescriber::Category::Session;
        QJsonObject event;
        mutable QString searchText;
    };
    const Entry &entry(int row) const { return m_ring.at((m_head + row) % m_ring.size()); }
    void dropOldest(int rows);
    void linearize();

    QList<Entry> m_ring; // grows up to m_capacity, then wraps
    qsizetype m_head = 0; // index in m_ring of row 0
    int m_count = 0;
    int m_capacity = DEFAULT_CAPACITY;
};

} // namespace Switchboard::Console
