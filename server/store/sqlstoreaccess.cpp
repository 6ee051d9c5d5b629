// SPDX-License-Identifier: MIT
// SqlStore: IP access rules (migration 005).
#include "sqlstore.h"
#include "sqlstore_p.h"

#include <QDateTime>

namespace Switchboard {

QList<AccessRuleRecord> SqlStore::accessRules()
{
    QSqlQuery &q = exec(QStringLiteral("list access rules"),
                        QStringLiteral("SELECT id, action, cidr, note, expires_at, created_at, "
                                       "created_by FROM access_rules ORDER BY id"));
    QList<AccessRuleRecord> out;
    while (q.next()) {
        AccessRuleRecord r;
        r.id = q.value(0).toLongLong();
        r.action = q.value(1).toString();
        r.cidr = q.value(2).toString();
        r.note = q.value(3).toString();
        r.expiresAt = q.value(4).isNull() ? 0 : q.value(4).toLongLong();
        r.createdAt = q.value(5).toLongLong();
        r.createdBy = q.value(6).toString();
        out << r;
    }
    q.finish();
    return out;
}

AccessRuleRecord SqlStore::addAccessRule(const AccessRuleRecord &rule)
{
    AccessRuleRecord r = rule;
    if (r.createdAt == 0)
        r.createdAt = QDateTime::currentMSecsSinceEpoch();
    // QtSql binds a null QString as NULL; the text columns are NOT NULL.
    const auto text = [](const QString &s) { return s.isNull() ? QStringLiteral("") : s; };
    QSqlQuery &q = exec(
        QStringLiteral("add access rule"),
        QStringLiteral("INSERT INTO access_rules (action, cidr, note, expires_at, created_at, "
                       "created_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"),
        {r.action, r.cidr, text(r.note),
         r.expiresAt > 0 ? QVariant(r.expiresAt) : QVariant(QMetaType(QMetaType::LongLong)),
         r.createdAt, text(r.createdBy)});
    if (!q.next())
        throw StoreError("add access rule returned no id");
    r.id = q.value(0).toLongLong();
    q.finish();
    return r;
}

bool SqlStore::removeAccessRule(qint64 id)
{
    return exec(QStringLiteral("remove access rule"),
                QStringLiteral("DELETE FROM access_rules WHERE id = ?"), {id})
               .numRowsAffected()
        > 0;
}

int SqlStore::deleteExpiredAccessRules(qint64 nowMs)
{
    return exec(QStringLiteral("delete expired access rules"),
                QStringLiteral("DELETE FROM access_rules WHERE expires_at IS NOT NULL AND "
                               "expires_at <= ?"),
                {nowMs})
        .numRowsAffected();
}

} // namespace Switchboard
