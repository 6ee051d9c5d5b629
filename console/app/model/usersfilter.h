// SPDX-License-Identifier: MIT
#pragma once

#include <QSortFilterProxyModel>

namespace Switchboard::Console {

// What the users view shows: users whose search text (UsersModel::SearchTextRole, kept by the
// model with each row) contains the filter, with all their connections, less the load tester's
// users when they are hidden (UsersModel::LoadTestUserRole, also kept with the row); sorted by
// the raw values of UsersModel::SortRole. A keystroke costs one substring test per user, not a
// walk over every cell's display text.
class UsersFilter : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit UsersFilter(QObject *parent = nullptr);

    void setText(const QString &text);
    QString text() const { return m_text; }
    // Hides the users switchboard-loadtest connects (named lt<their id>). Off by default.
    void setHideLoadTestUsers(bool hide);
    bool hidesLoadTestUsers() const { return m_hideLoadTest; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
    bool m_hideLoadTest = false;
};

} // namespace Switchboard::Console
