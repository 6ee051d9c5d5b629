// SPDX-License-Identifier: MIT
// SqlStore: reading streams (replay, resume, paged history) and retention.
#include "sqlstore.h"
#include "sqlstore_p.h"

#include <algorithm>
#include <limits>

namespace Switchboard {

namespace {

constexpr int MAX_PAGE = 10000;

const QString ENTRY_COLUMNS
    = QStringLiteral("SELECT e.seq, e.message_id, m.kind, m.sender_id, m.body, m.created_at "
                     "FROM stream_entries e JOIN messages m ON m.id = e.message_id ");

// The direct messages of one conversation inside the inbox of one of its two users.
const QString CONVERSATION
    = QStringLiteral(" AND m.kind = 'direct' AND ((m.sender_id = ? AND m.recipient_id = ?) "
                     "OR (m.sender_id = ? AND m.recipient_id = ?))");

StreamEntry entryFrom(const QSqlQuery &q, const QString &stream)
{
    StreamEntry e;
    e.stream = stream;
    e.seq = q.value(0).toLongLong();
    e.messageId = q.value(1).toLongLong();
    e.kind = q.value(2).toString();
    e.senderId = q.value(3).toLongLong();
    e.body = q.value(4).toString().toUtf8();
    e.createdAt = q.value(5).toLongLong();
    return e;
}

} // namespace

QList<StreamEntry> SqlStore::readStream(const QString &stream, qint64 afterSeq, int limit)
{
    HistoryQuery query;
    query.stream = stream;
    query.after = afterSeq;
    query.limit = limit;
    return readHistory(query);
}

QList<StreamEntry> SqlStore::readHistory(const HistoryQuery &query)
{
    const int limit = std::clamp(query.limit, 1, MAX_PAGE);
    const bool forward = query.after.has_value();
    const bool conversation = query.peer > 0;
    QString sql = ENTRY_COLUMNS + QStringLiteral("WHERE e.stream = ? AND e.seq > ? AND e.seq < ?");
    QVariantList values {query.stream, query.after.value_or(0),
                         query.before.value_or(std::numeric_limits<qint64>::max())};
    if (conversation) {
        sql += CONVERSATION;
        values << query.self << query.peer << query.peer << query.self;
    }
    sql += forward ? QStringLiteral(" ORDER BY e.seq LIMIT ?")
                   : QStringLiteral(" ORDER BY e.seq DESC LIMIT ?");
    values << limit;
    QSqlQuery &q = exec(QStringLiteral("read stream history"), sql, values);
    QList<StreamEntry> out;
    while (q.next())
        out << entryFrom(q, query.stream);
    q.finish();
    if (!forward)
        std::reverse(out.begin(), out.end());
    return out;
}

qint64 SqlStore::lastSeq(const QString &stream)
{
    QSqlQuery &q = exec(QStringLiteral("read last sequence number"),
                        QStringLiteral("SELECT last_seq FROM streams WHERE name = ?"), {stream});
    const qint64 v = q.next() ? q.value(0).toLongLong() : 0;
    q.finish();
    return v;
}

QHash<QString, qint64> SqlStore::lastSeqs(const QStringList &streams)
{
    // One statement of CHUNK names (the last chunk repeats its last name): index lookups, not
    // a scan of every user's stream.
    constexpr qsizetype CHUNK = 256;
    static const QString sql = [] {
        QStringList marks;
        for (qsizetype i = 0; i < CHUNK; ++i)
            marks << QStringLiteral("?");
        return QStringLiteral(
                   "SELECT name, last_seq FROM streams WHERE last_seq > 0 AND name IN (%1)")
            .arg(marks.join(QLatin1Char(',')));
    }();
    QHash<QString, qint64> out;
    for (qsizetype from = 0; from < streams.size(); from += CHUNK) {
        QVariantList names;
        for (qsizetype i = from; i < from + CHUNK; ++i)
            names << streams.at(std::min(i, streams.size() - 1));
        QSqlQuery &q = exec(QStringLiteral("read last sequence numbers"), sql, names);
        while (q.next())
            out.insert(q.value(0).toString(), q.value(1).toLongLong());
        q.finish();
    }
    return out;
}

StreamBounds SqlStore::streamBounds(const QString &stream)
{
    QSqlQuery &q
        = exec(QStringLiteral("read stream bounds"),
               QStringLiteral("SELECT (SELECT MIN(seq) FROM stream_entries WHERE stream = ?), "
                              "(SELECT last_seq FROM streams WHERE name = ?)"),
               {stream, stream});
    StreamBounds b;
    if (q.next()) {
        b.first = q.value(0).isNull() ? 0 : q.value(0).toLongLong();
        b.last = q.value(1).isNull() ? 0 : q.value(1).toLongLong();
    }
    q.finish();
    return b;
}

PurgeResult SqlStore::purge(const RetentionPolicy &policy)
{
    PurgeResult r;
    const int batch = std::max(1, policy.batch);
    if (policy.olderThanMs > 0) {
        // Deleting a message deletes its entries in every stream (ON DELETE CASCADE).
        Transaction tx(this);
        QSqlQuery &q = exec(QStringLiteral("purge old messages"),
                            QStringLiteral("DELETE FROM messages WHERE id IN (SELECT id FROM "
                                           "messages WHERE created_at < ? ORDER BY id LIMIT ?)"),
                            {policy.olderThanMs, batch});
        r.messages = std::max(0, q.numRowsAffected());
        q.finish();
        tx.commit();
        if (r.messages >= batch) {
            r.more = true;
            return r;
        }
    }
    if (policy.maxPerStream <= 0)
        return r;

    // Trim each stream to its newest maxPerStream entries, oldest first, at most `batch` entries
    // in this call; then drop the messages no stream refers to any more.
    QList<QPair<QString, qint64>> over;
    {
        QSqlQuery &q = exec(QStringLiteral("find long streams"),
                            QStringLiteral("SELECT name, last_seq FROM streams WHERE last_seq > ?"),
                            {policy.maxPerStream});
        while (q.next())
            over.append({q.value(0).toString(), q.value(1).toLongLong()});
        q.finish();
    }
    Transaction tx(this);
    for (const auto &[stream, last] : over) {
        const qint64 keepFrom = last - policy.maxPerStream + 1;
        const StreamBounds bounds = streamBounds(stream);
        if (bounds.first == 0 || bounds.first >= keepFrom)
            continue;
        const qint64 room = batch - r.entries;
        const qint64 upTo = std::min(keepFrom - 1, bounds.first + room - 1);
        QSqlQuery &d
            = exec(QStringLiteral("trim a stream"),
                   QStringLiteral("DELETE FROM stream_entries WHERE stream = ? AND seq <= ?"),
                   {stream, upTo});
        r.entries += std::max(0, d.numRowsAffected());
        d.finish();
        if (r.entries >= batch) {
            r.more = true;
            break;
        }
    }
    QSqlQuery &o
        = exec(QStringLiteral("drop unreferenced messages"),
               QStringLiteral("DELETE FROM messages WHERE id IN (SELECT m.id FROM messages m "
                              "WHERE NOT EXISTS (SELECT 1 FROM stream_entries e WHERE "
                              "e.message_id = m.id) LIMIT ?)"),
               {batch});
    const qint64 orphans = std::max(0, o.numRowsAffected());
    o.finish();
    tx.commit();
    r.messages += orphans;
    if (orphans >= batch)
        r.more = true;
    return r;
}

} // namespace Switchboard
