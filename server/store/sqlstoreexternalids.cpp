// SPDX-License-Identifier: MIT
// SqlStore: backends' own user ids mapped to internal ids (migration 007).
#include "sqlstore.h"
#include "sqlstore_p.h"

#include <algorithm>

#include <QDateTime>
#include <QStringList>

namespace Switchboard {

namespace {

// Writers reserving an id at the same moment (two nodes): the loser's insert fails on the
// principals' key and tries again with the next free id.
constexpr int MAP_ATTEMPTS = 5;
// User ids looked up per statement by externalIdsOf().
constexpr qsizetype IDS_PER_QUERY = 64;

} // namespace

std::optional<qint64> SqlStore::userIdOfExternal(const QString &externalId, bool create)
{
    const auto find = [this, &externalId]() -> std::optional<qint64> {
        QSqlQuery &q = exec(QStringLiteral("find external id"),
                            QStringLiteral("SELECT user_id FROM external_ids WHERE "
                                           "external_id = ?"),
                            {externalId});
        std::optional<qint64> id;
        if (q.next())
            id = q.value(0).toLongLong();
        q.finish();
        return id;
    };
    if (const auto id = find())
        return id;
    if (!create)
        return std::nullopt;
    for (int attempt = 1;; ++attempt) {
        try {
            Transaction tx(this);
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            // Past every account and every principal, as createUser allocates: the id is a
            // principal, so no account is ever created with it (and no username is taken).
            QSqlQuery &reserve = exec(
                QStringLiteral("reserve an id for an external id"),
                QStringLiteral("INSERT INTO principals (id, source, created_at) VALUES ((SELECT "
                               "COALESCE(MAX(m), 0) + 1 FROM (SELECT MAX(id) AS m FROM users "
                               "UNION ALL SELECT MAX(id) FROM principals) AS ids), 'external', "
                               "?) RETURNING id"),
                {now});
            if (!reserve.next())
                throw StoreError("reserving an id returned none");
            const qint64 id = reserve.value(0).toLongLong();
            reserve.finish();
            QSqlQuery &map = exec(QStringLiteral("map external id"),
                                  QStringLiteral("INSERT INTO external_ids (external_id, user_id, "
                                                 "created_at) VALUES (?, ?, ?) "
                                                 "ON CONFLICT (external_id) DO NOTHING"),
                                  {externalId, id, now});
            const bool mapped = map.numRowsAffected() > 0;
            map.finish();
            if (mapped) {
                tx.commit();
                return id;
            }
            // Another writer mapped it first: its id stands, the reservation rolls back.
        } catch (const StoreError &) {
            if (attempt >= MAP_ATTEMPTS)
                throw;
        }
        if (const auto id = find())
            return id;
    }
}

QHash<qint64, QString> SqlStore::externalIdsOf(const QList<qint64> &userIds)
{
    // In chunks of a fixed size (the last one padded with its last id), so that one prepared
    // statement serves every call: a reply may show thousands of users.
    static const QString sql = [] {
        QStringList marks;
        for (int i = 0; i < IDS_PER_QUERY; ++i)
            marks << QStringLiteral("?");
        return QStringLiteral("SELECT user_id, external_id FROM external_ids WHERE user_id IN (%1)")
            .arg(marks.join(QLatin1Char(',')));
    }();
    QHash<qint64, QString> out;
    for (qsizetype from = 0; from < userIds.size(); from += IDS_PER_QUERY) {
        QVariantList values;
        for (qsizetype i = 0; i < IDS_PER_QUERY; ++i)
            values << userIds.at(std::min(from + i, userIds.size() - 1));
        QSqlQuery &q = exec(QStringLiteral("find the external ids of users"), sql, values);
        while (q.next())
            out.insert(q.value(0).toLongLong(), q.value(1).toString());
        q.finish();
    }
    return out;
}

} // namespace Switchboard
