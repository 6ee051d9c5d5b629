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

bool UsersFilter::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (sourceParent.isValid() || m_text.isEmpty())
        return true; // a shown user shows all its connections
    return sourceModel()
        ->index(sourceRow, 0)
        .data(UsersModel::SearchTextRole)
        .toString()
        .contains(m_text);
}

} // namespace Switchboard::Console
