// SPDX-License-Identifier: MIT
// Private to the SqlStore implementation files.
#pragma once

#include "sqlstore.h"

#include <QSqlQuery>

namespace Switchboard {

// One transaction on the store's connection; rolled back unless commit() is called. Inside
// beginReads() ... endReads() it is part of that read transaction and does nothing itself.
class SqlStore::Transaction
{
public:
    explicit Transaction(SqlStore *store)
        : m_store(store)
        , m_nested(store->m_inReads)
    {
        if (m_nested)
            return;
        m_store->execDirect(QStringLiteral("begin a transaction"),
                            m_store->m_backend == Backend::Sqlite
                                ? QStringLiteral("BEGIN IMMEDIATE")
                                : QStringLiteral("BEGIN"));
        m_store->m_inTransaction = true;
    }
    ~Transaction()
    {
        if (!m_nested && m_store->m_inTransaction) {
            QSqlQuery q(m_store->m_db);
            q.exec(QStringLiteral("ROLLBACK"));
            m_store->m_inTransaction = false;
        }
    }
    void commit()
    {
        if (m_nested)
            return;
        m_store->execDirect(QStringLiteral("commit"), QStringLiteral("COMMIT"));
        m_store->m_inTransaction = false;
    }

private:
    SqlStore *m_store;
    bool m_nested;
};

} // namespace Switchboard
