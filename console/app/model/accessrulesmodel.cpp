// SPDX-License-Identifier: MIT
#include "accessrulesmodel.h"

#include "jsonfields.h"

#include <QSet>

namespace Switchboard::Console {

namespace {
qint64 expiresAt(const QJsonObject &rule)
{
    return Json::num(rule, "expires_at"); // null or absent: 0, never
}

bool expired(const QJsonObject &rule, qint64 nowMs)
{
    const qint64 at = expiresAt(rule);
    return at > 0 && at <= nowMs;
}
} // namespace

AccessRulesModel::AccessRulesModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

int AccessRulesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rules.size());
}

int AccessRulesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString AccessRulesModel::actionText(const QString &action)
{
    if (action == QLatin1StringView("deny"))
        return tr("deny");
    if (action == QLatin1StringView("allow"))
        return tr("allow");
    return action;
}

QString AccessRulesModel::expiryText(qint64 expiresAtMs, qint64 nowMs)
{
    if (expiresAtMs <= 0)
        return tr("never");
    if (expiresAtMs <= nowMs)
        return tr("expired");
    return tr("%1 (in %2)").arg(Json::time(expiresAtMs), Json::duration(expiresAtMs - nowMs));
}

QVariant AccessRulesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rules.size())
        return {};
    const QJsonObject &r = m_rules.at(index.row());
    if (role == RuleIdRole)
        return Json::id(r, "id");
    if (role == RuleJsonRole)
        return r;
    if (role == SortRole) {
        switch (index.column()) {
        case Expires: // "never" after every expiry
            return expiresAt(r) > 0 ? expiresAt(r) : std::numeric_limits<qint64>::max();
        case CreatedAt:
            return Json::num(r, "created_at");
        default:
            return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::ToolTipRole && index.column() == Note)
        return Json::str(r, "note");
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Action:
        return actionText(Json::str(r, "action"));
    case Cidr:
        return Json::str(r, "cidr");
    case Note:
        return Json::str(r, "note");
    case Expires:
        return expiryText(expiresAt(r), m_now);
    case CreatedBy:
        return Json::str(r, "created_by");
    case CreatedAt:
        return Json::time(Json::num(r, "created_at"));
    }
    return {};
}

QVariant AccessRulesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Action:
        return tr("Action");
    case Cidr:
        return tr("Addresses (CIDR)");
    case Note:
        return tr("Note");
    case Expires:
        return tr("Expires");
    case CreatedBy:
        return tr("Created by");
    case CreatedAt:
        return tr("Created");
    }
    return {};
}

void AccessRulesModel::setRules(const QJsonArray &rules, qint64 nowMs)
{
    m_now = nowMs;
    QList<QJsonObject> incoming;
    QSet<qint64> ids;
    for (const QJsonValue &v : rules) {
        const QJsonObject r = v.toObject();
        if (Json::id(r, "id") > 0 && !expired(r, nowMs)) {
            incoming.append(r);
            ids.insert(Json::id(r, "id"));
        }
    }
    // In place: rules gone are removed, known ones updated, new ones appended, so a selected
    // rule stays selected while the list is polled.
    for (int row = int(m_rules.size()) - 1; row >= 0; --row) {
        if (!ids.contains(Json::id(m_rules.at(row), "id"))) {
            beginRemoveRows({}, row, row);
            m_rules.removeAt(row);
            endRemoveRows();
        }
    }
    QList<QJsonObject> added;
    for (const QJsonObject &r : std::as_const(incoming)) {
        const int row = rowOfRule(Json::id(r, "id"));
        if (row < 0) {
            added.append(r);
        } else {
            m_rules[row] = r;
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        }
    }
    if (!added.isEmpty()) {
        beginInsertRows({}, int(m_rules.size()), int(m_rules.size() + added.size()) - 1);
        m_rules.append(added);
        endInsertRows();
    }
}

void AccessRulesModel::clear()
{
    if (m_rules.isEmpty())
        return;
    beginResetModel();
    m_rules.clear();
    endResetModel();
}

bool AccessRulesModel::tick(qint64 nowMs)
{
    m_now = nowMs;
    bool removed = false;
    for (int row = int(m_rules.size()) - 1; row >= 0; --row) {
        if (expired(m_rules.at(row), nowMs)) {
            beginRemoveRows({}, row, row);
            m_rules.removeAt(row);
            endRemoveRows();
            removed = true;
        }
    }
    if (!m_rules.isEmpty())
        Q_EMIT dataChanged(index(0, Expires), index(rowCount() - 1, Expires));
    return removed;
}

void AccessRulesModel::retranslate()
{
    Q_EMIT headerDataChanged(Qt::Horizontal, 0, ColumnCount - 1);
    if (!m_rules.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int AccessRulesModel::rowOfRule(qint64 id) const
{
    // The server caps the number of rules (LIMIT_REACHED beyond): a scan is fine.
    for (int row = 0; row < m_rules.size(); ++row) {
        if (Json::id(m_rules.at(row), "id") == id)
            return row;
    }
    return -1;
}

QJsonObject AccessRulesModel::rule(qint64 id) const
{
    const int row = rowOfRule(id);
    return row < 0 ? QJsonObject() : m_rules.at(row);
}

QList<qint64> AccessRulesModel::ruleIds() const
{
    QList<qint64> ids;
    for (const QJsonObject &r : m_rules)
        ids.append(Json::id(r, "id"));
    return ids;
}

qint64 AccessRulesModel::nextExpiry(qint64 nowMs) const
{
    qint64 next = 0;
    for (const QJsonObject &r : m_rules) {
        const qint64 at = expiresAt(r);
        if (at > nowMs && (next == 0 || at < next))
            next = at;
    }
    return next;
}

} // namespace Switchboard::Console
