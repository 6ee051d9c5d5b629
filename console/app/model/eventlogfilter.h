// SPDX-License-Identifier: MIT
#pragma once

#include <QSet>
#include <QSortFilterProxyModel>

namespace Switchboard::Console {

// What the event log view shows: some categories (all by default) and rows whose text or raw
// JSON contains a search string. Also writes what it shows to a file.
class EventLogFilter : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit EventLogFilter(QObject *parent = nullptr);

    // -1 = every category.
    void setCategory(int category);
    void setText(const QString &text);
    // Tab-separated text (time, category, event, JSON), or JSON lines when the file name ends
    // in .jsonl / .json. False with a message on failure.
    bool exportTo(const QString &path, QString *error) const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    int m_category = -1;
    QString m_text;
};

} // namespace Switchboard::Console
