// SPDX-License-Identifier: MIT
#pragma once

#include "eventdescriber.h"

#include <QAbstractTableModel>
#include <QJsonObject>
#include <QList>

namespace Switchboard::Console {

// The operator's event log: admin_event frames, session changes and the operator's own
// actions, newest last, capped (the oldest rows go first). Rows keep the raw event and are
// described when shown, so a language switch retranslates the whole log.
class EventLogModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Time, Category, Text, ColumnCount };
    enum Role { CategoryRole = Qt::UserRole + 1, EventJsonRole, TimestampRole };

    explicit EventLogModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void append(const QJsonObject &event, qint64 atMs);
    void clear();
    void retranslate();
    int capacity() const { return m_capacity; }
    void setCapacity(int rows) { m_capacity = rows; }

private:
    struct Entry
    {
        qint64 at;
        EventDescriber::Category category;
        QJsonObject event;
    };
    QList<Entry> m_entries;
    int m_capacity = 20000;
};

} // namespace Switchboard::Console
