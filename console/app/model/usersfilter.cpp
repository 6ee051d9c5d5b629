// SPDX-License-Identifier: MIT
#include "usersfilter.h"

#include "usersmodel.h"

namespace Switchboard::Console {

UsersFilter::UsersFilter(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(UsersModel::SortRole);
    setDynamicSortFilter(true);
}

void UsersFilter::setText(const QString &text)
{
    const QString lower = text.trimmed().toLower();
    if (lower == m_text)
        return;
    m_text = lower;
    invalidateFilter();
}

void UsersFilter::setHideLoadTestUsers(bool hide)
{
    if (hide == m_hideLoadTest)
        return;
    m_hideLoadTest = hide;
    invalidateFilter();
}

bool UsersFilter::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (sourceParent.isValid() || (m_text.isEmpty() && !m_hideLoadTest))
        return true; // a shown user shows all its connections
    const QModelIndex user = sourceModel()->index(sourceRow, 0);
    if (m_hideLoadTest && user.data(UsersModel::LoadTestUserRole).toBool())
        return false;
    return m_text.isEmpty() || user.data(UsersModel::SearchTextRole).toString().contains(m_text);
}

} // namespace Switchboard::Console
