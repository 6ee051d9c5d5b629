// SPDX-License-Identifier: MIT
// SqlStore: appending messages, a group commit at a time.
//
// A batch costs a handful of statements, whatever its size: the idempotency look-ups (only
// for messages that carry a key), one id allocation, multi-row INSERTs of the messages and of
// their stream entries, and one multi-row upsert that raises every stream's last_seq by the
// number of entries it gets and returns the new value. Rows go in chunks of 128, 64, ..., 1,
// so the prepared-statement cache holds at most eight shapes per statement.
#include "sqlstore.h"
#include "sqlstore_p.h"

#include <QDateTime>
#include <QSqlQuery>

#include <algorithm>

namespace Switchboard {

namespace {

constexpr int MAX_ROWS = 128; // rows per statement (7 values each at most: far below limits)

// The next chunk of `left` rows: the largest power of two not above it, at most MAX_ROWS.
int chunkOf(qsizetype left)
{
    int n = MAX_ROWS;
    while (n > left)
        n /= 2;
    return n;
}

// "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)..." for `rows` rows of `columns` values.
QString valuesSql(const QString &head, int columns, int rows)
{
    QString row = QStringLiteral("(?");
    for (int c = 1; c < columns; ++c)
        row += QStringLiteral(", ?");
    row += QLatin1Char(')');
    QString sql = head + QStringLiteral(" VALUES ") + row;
    for (int r = 1; r < rows; ++r)
        sql += QStringLiteral(", ") + row;
    return sql;
}

QVariant nullableText(const QString &s)
{
    return s.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(s);
}

} // namespace

QList<AppendResult> SqlStore::append(const QList<NewMessage> &messages)
{
    if (messages.isEmpty())
        return {};
    m_lastSqlState.clear();
    try {
        return appendOnce(messages);
    } catch (const StoreError &) {
        // Another node may have stored the same idempotency key between our check and insert
        // (a unique violation aborts the transaction): one more try finds it as a duplicate.
        // Only then: a statement cancelled by the timeout (a hung database, a lock held
        // elsewhere) tried again would hold the store's thread for a second timeout.
        if (m_backend != Backend::Postgres || m_lastSqlState != QLatin1StringView("23505"))
            throw;
        return appendOnce(messages);
    }
}

QList<AppendResult> SqlStore::appendOnce(const QList<NewMessage> &messages)
{
    const QString findKey = QStringLiteral(
        "SELECT id, created_at FROM messages WHERE sender_id = ? AND idempotency_key = ?");
    const QString findSeqs
        = QStringLiteral("SELECT stream, seq FROM stream_entries WHERE message_id = ?");

    QList<AppendResult> results(messages.size());
    QList<qsizetype> fresh; // indexes of the messages to insert, in order
    fresh.reserve(messages.size());
    QHash<QPair<qint64, QString>, qsizetype> keysInBatch;
    QList<QPair<qsizetype, qsizetype>> repeats; // (message, the earlier one with its key)

    Transaction tx(this);

    // 1. Idempotency keys: a key stored before, or earlier in this batch, is a duplicate.
    for (qsizetype i = 0; i < messages.size(); ++i) {
        const NewMessage &m = messages[i];
        if (m.streams.isEmpty())
            throw StoreError("append: a message needs at least one stream");
        if (!m.idempotencyKey.isEmpty()) {
            const QPair<qint64, QString> key {m.senderId, m.idempotencyKey};
            if (auto it = keysInBatch.constFind(key); it != keysInBatch.cend()) {
                repeats.append({i, *it});
                continue;
            }
            keysInBatch.insert(key, i);
            QSqlQuery &q = exec(QStringLiteral("find idempotency key"), findKey,
                                {m.senderId, m.idempotencyKey});
            if (q.next()) {
                AppendResult &r = results[i];
                r.messageId = q.value(0).toLongLong();
                r.createdAt = q.value(1).toLongLong();
                r.duplicate = true;
                q.finish();
                QHash<QString, qint64> seqs;
                QSqlQuery &s
                    = exec(QStringLiteral("find stored sequence numbers"), findSeqs, {r.messageId});
                while (s.next())
                    seqs.insert(s.value(0).toString(), s.value(1).toLongLong());
                s.finish();
                for (const QString &stream : m.streams)
                    r.seqs << seqs.value(stream, 0);
                continue;
            }
            q.finish();
        }
        fresh << i;
    }

    if (!fresh.isEmpty()) {
        // 2. Ids, allocated up front so that the rows can go in multi-row INSERTs. On SQLite
        // the write lock (BEGIN IMMEDIATE) is ours, and AUTOINCREMENT's counter only grows;
        // on PostgreSQL the column's sequence hands out distinct values to every node.
        QList<qint64> ids;
        ids.reserve(fresh.size());
        if (m_backend == Backend::Sqlite) {
            QSqlQuery &q = exec(QStringLiteral("allocate message ids"),
                                QStringLiteral("SELECT MAX(COALESCE((SELECT seq FROM "
                                               "sqlite_sequence WHERE name = 'messages'), 0), "
                                               "COALESCE((SELECT MAX(id) FROM messages), 0))"));
            if (!q.next())
                throw StoreError("allocate message ids returned nothing");
            const qint64 last = q.value(0).toLongLong();
            q.finish();
            for (qsizetype k = 0; k < fresh.size(); ++k)
                ids << last + 1 + k;
        } else {
            QSqlQuery &q = exec(QStringLiteral("allocate message ids"),
                                QStringLiteral("SELECT nextval(pg_get_serial_sequence('messages', "
                                               "'id')) FROM generate_series(1, ?)"),
                                {qint64(fresh.size())});
            while (q.next())
                ids << q.value(0).toLongLong();
            q.finish();
            if (ids.size() != fresh.size())
                throw StoreError("allocate message ids returned too few");
            std::sort(ids.begin(), ids.end());
        }

        // 3. The messages.
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const QString messageHead = QStringLiteral(
            "INSERT INTO messages (id, kind, sender_id, recipient_id, body, idempotency_key, "
            "created_at)");
        for (qsizetype done = 0; done < fresh.size();) {
            const int rows = chunkOf(fresh.size() - done);
            QVariantList values;
            values.reserve(rows * 7);
            for (int k = 0; k < rows; ++k) {
                const qsizetype i = fresh[done + k];
                const NewMessage &m = messages[i];
                AppendResult &r = results[i];
                r.messageId = ids[done + k];
                r.createdAt = m.createdAt ? m.createdAt : now;
                values << r.messageId << m.kind << m.senderId << m.recipientId
                       << QString::fromUtf8(m.body) << nullableText(m.idempotencyKey)
                       << r.createdAt;
            }
            exec(QStringLiteral("store messages"), valuesSql(messageHead, 7, rows), values)
                .finish();
            done += rows;
        }

        // 4. Sequence numbers: each stream's last_seq rises by the entries it gets here.
        QHash<QString, qint64> count; // stream -> entries in this batch, then the next seq
        QStringList order; // the batch's streams, sorted below
        for (qsizetype i : fresh) {
            for (const QString &stream : messages[i].streams) {
                qint64 &n = count[stream];
                if (n++ == 0)
                    order << stream;
            }
        }
        // Rows in one order on every node: a conversation's two inboxes, taken in either order
        // by two nodes at once, would deadlock (PostgreSQL).
        std::sort(order.begin(), order.end());
        const QString streamHead = QStringLiteral("INSERT INTO streams (name, last_seq)");
        const QString streamTail
            = QStringLiteral(" ON CONFLICT (name) DO UPDATE SET last_seq = streams.last_seq + "
                             "excluded.last_seq RETURNING name, last_seq");
        QHash<QString, qint64> next; // stream -> the first seq this batch may use
        for (qsizetype done = 0; done < order.size();) {
            const int rows = chunkOf(order.size() - done);
            QVariantList values;
            values.reserve(rows * 2);
            for (int k = 0; k < rows; ++k)
                values << order[done + k] << count.value(order[done + k]);
            QSqlQuery &q = exec(QStringLiteral("allocate sequence numbers"),
                                valuesSql(streamHead, 2, rows) + streamTail, values);
            while (q.next()) {
                const QString name = q.value(0).toString();
                next.insert(name, q.value(1).toLongLong() - count.value(name) + 1);
            }
            q.finish();
            done += rows;
        }
        if (next.size() != order.size())
            throw StoreError("allocate sequence numbers returned too few streams");

        // 5. The stream entries.
        struct Entry
        {
            const QString *stream;
            qint64 seq;
            qint64 messageId;
        };
        QList<Entry> entries;
        for (qsizetype i : fresh) {
            AppendResult &r = results[i];
            for (const QString &stream : messages[i].streams) {
                const qint64 seq = next[stream]++;
                r.seqs << seq;
                entries.append({&stream, seq, r.messageId});
            }
        }
        const QString entryHead
            = QStringLiteral("INSERT INTO stream_entries (stream, seq, message_id)");
        for (qsizetype done = 0; done < entries.size();) {
            const int rows = chunkOf(entries.size() - done);
            QVariantList values;
            values.reserve(rows * 3);
            for (int k = 0; k < rows; ++k) {
                const Entry &e = entries[done + k];
                values << *e.stream << e.seq << e.messageId;
            }
            exec(QStringLiteral("store stream entries"), valuesSql(entryHead, 3, rows), values)
                .finish();
            done += rows;
        }
    }

    for (const auto &[i, earlier] : std::as_const(repeats)) {
        results[i] = results[earlier];
        results[i].duplicate = true;
    }
    tx.commit();
    return results;
}

} // namespace Switchboard
