// SPDX-License-Identifier: MIT
#include "sqlstore.h"
#include "sqlstore_p.h"

#include <algorithm>
#include <array>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>

namespace Switchboard {

namespace {

constexpr qint64 MIGRATION_LOCK_ID = 0x5357424421; // pg_advisory_xact_lock key ("SWBD!")

// QtSql binds a null QString as NULL; NOT NULL text columns get '' instead.
QString notNull(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// Splits a migration file into statements: '--' comment lines dropped, ';' ends a statement.
// Migration files keep semicolons out of literals and bodies on purpose.
QStringList statementsOf(const QString &script)
{
    QString code;
    for (const QString &line : script.split(QLatin1Char('\n'))) {
        if (line.trimmed().startsWith(QLatin1StringView("--")))
            continue;
        code += line;
        code += QLatin1Char('\n');
    }
    QStringList out;
    for (const QString &part : code.split(QLatin1Char(';'))) {
        const QString s = part.trimmed();
        if (!s.isEmpty())
            out << s;
    }
    return out;
}

UserRecord userFrom(const QSqlQuery &q)
{
    UserRecord u;
    u.id = q.value(0).toLongLong();
    u.username = q.value(1).toString();
    u.passwordHash = q.value(2).toString();
    u.admin = q.value(3).toBool();
    u.disabled = q.value(4).toBool();
    u.createdAt = q.value(5).toLongLong();
    u.lastSeen = q.value(6).toLongLong();
    u.tokensValidAfter = q.value(7).toLongLong();
    return u;
}

const QString USER_COLUMNS
    = QStringLiteral("id, username, password_hash, is_admin, disabled, created_at, last_seen, "
                     "tokens_valid_after");

} // namespace

// BEGIN (IMMEDIATE on SQLite, so writers queue on the busy timeout instead of failing on a
// lock upgrade) ... COMMIT, rolled back when left without commit().
SqlStore::SqlStore(Backend backend, const QString &connectionName)
    : m_backend(backend)
    , m_connectionName(connectionName)
    , m_db(QSqlDatabase::database(connectionName, false))
{ }

SqlStore::~SqlStore()
{
    qDeleteAll(m_statements);
    m_statements.clear();
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
}

QString SqlStore::backendName() const
{
    return m_backend == Backend::Sqlite ? QStringLiteral("sqlite") : QStringLiteral("postgres");
}

QSqlQuery &SqlStore::prepared(const QString &sql)
{
    auto it = m_statements.find(sql);
    if (it != m_statements.end())
        return **it;
    auto *q = new QSqlQuery(m_db);
    q->setForwardOnly(true);
    if (!q->prepare(sql)) {
        const QSqlQuery failed = std::move(*q);
        delete q;
        fail(QStringLiteral("prepare"), failed);
    }
    m_statements.insert(sql, q);
    return *q;
}

void SqlStore::fail(const QString &what, const QSqlQuery &query) const
{
    if (m_inReads)
        m_readsSpoiled = true;
    const QSqlError e = query.lastError();
    m_lastSqlState = e.nativeErrorCode();
    QString text = e.databaseText().isEmpty() ? e.text() : e.databaseText();
    throw StoreError(QStringLiteral("%1 failed (%2): %3")
                         .arg(what, backendName(), text.trimmed())
                         .toStdString());
}

bool SqlStore::reconnectIfLost()
{
    if (m_inTransaction)
        return false;
    {
        QSqlQuery probe(m_db);
        if (m_db.isOpen() && probe.exec(QStringLiteral("SELECT 1")))
            return false; // the connection is fine: the statement itself failed
    }
    qDeleteAll(m_statements);
    m_statements.clear();
    m_db.close();
    return m_db.open();
}

void SqlStore::renewSpoiledReads()
{
    if (!m_readsSpoiled)
        return;
    m_readsSpoiled = false;
    endReads();
    try {
        beginReads();
    } catch (const StoreError &) {
        // The statement runs on its own then (and may reconnect a lost connection).
    }
}

QSqlQuery &SqlStore::exec(const QString &what, const QString &sql, const QVariantList &values)
{
    renewSpoiledReads();
    for (int attempt = 0;; ++attempt) {
        QSqlQuery *qp = nullptr;
        try {
            qp = &prepared(sql);
        } catch (const StoreError &) {
            if (attempt == 0 && reconnectIfLost())
                continue;
            throw;
        }
        QSqlQuery &q = *qp;
        for (int i = 0; i < values.size(); ++i)
            q.bindValue(i, values[i]);
        if (q.exec())
            return q;
        if (attempt == 0 && reconnectIfLost())
            continue;
        fail(what, q);
    }
}

void SqlStore::execDirect(const QString &what, const QString &sql)
{
    renewSpoiledReads();
    QSqlQuery q(m_db);
    if (!q.exec(sql)) {
        if (!m_inTransaction && reconnectIfLost()) {
            QSqlQuery again(m_db);
            if (again.exec(sql))
                return;
            fail(what, again);
        }
        fail(what, q);
    }
}

void SqlStore::beginReads()
{
    Q_ASSERT(!m_inTransaction);
    // DEFERRED on SQLite: a shared lock only, so writers elsewhere (the user commands) go on.
    execDirect(QStringLiteral("begin a read transaction"),
               m_backend == Backend::Sqlite ? QStringLiteral("BEGIN DEFERRED")
                                            : QStringLiteral("BEGIN READ ONLY"));
    m_inTransaction = true;
    m_inReads = true;
}

void SqlStore::endReads()
{
    if (!m_inReads)
        return;
    m_inReads = false;
    m_readsSpoiled = false;
    m_inTransaction = false;
    // Nothing was written: ending it either way releases the snapshot and the lock.
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("ROLLBACK")))
        qWarning("switchboard.store: ending a read transaction failed: %s",
                 qPrintable(q.lastError().text()));
}

int SqlStore::migrate()
{
    {
        // Several nodes starting at once on an empty database: PostgreSQL's CREATE TABLE IF
        // NOT EXISTS is not safe against itself (one fails on pg_type's unique index), so
        // the creation waits for the migration lock too.
        Transaction tx(this);
        if (m_backend == Backend::Postgres)
            exec(QStringLiteral("lock migrations"),
                 QStringLiteral("SELECT pg_advisory_xact_lock(?)"), {MIGRATION_LOCK_ID})
                .finish();
        execDirect(QStringLiteral("create schema_migrations"),
                   QStringLiteral("CREATE TABLE IF NOT EXISTS schema_migrations ("
                                  "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                                  "applied_at BIGINT NOT NULL)"));
        tx.commit();
    }
    const QString dirPath = QStringLiteral(":/switchboard/migrations/%1").arg(backendName());
    QDir dir(dirPath);
    static const QRegularExpression numbered(QStringLiteral("^(\\d+)_[A-Za-z0-9_]+\\.sql$"));
    QList<QPair<int, QString>> files;
    for (const QString &name : dir.entryList(QDir::Files, QDir::Name)) {
        const auto m = numbered.match(name);
        if (m.hasMatch())
            files.append({m.captured(1).toInt(), name});
    }
    std::sort(files.begin(), files.end());
    if (files.isEmpty())
        throw StoreError("no migrations compiled in for " + backendName().toStdString());

    auto currentVersion = [this]() {
        QSqlQuery &q
            = exec(QStringLiteral("read the schema version"),
                   QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
        const int v = q.next() ? q.value(0).toInt() : 0;
        q.finish();
        return v;
    };

    int version = currentVersion();
    for (const auto &[number, name] : files) {
        if (number <= version)
            continue;
        QFile f(dir.filePath(name));
        if (!f.open(QIODevice::ReadOnly))
            throw StoreError("cannot read migration " + name.toStdString());
        const QString script = QString::fromUtf8(f.readAll());
        Transaction tx(this);
        if (m_backend == Backend::Postgres) {
            // Several nodes starting at once: one migrates, the others wait and then skip.
            exec(QStringLiteral("lock migrations"),
                 QStringLiteral("SELECT pg_advisory_xact_lock(?)"), {MIGRATION_LOCK_ID})
                .finish();
            if (currentVersion() >= number) {
                tx.commit();
                version = number;
                continue;
            }
        }
        for (const QString &statement : statementsOf(script))
            execDirect(QStringLiteral("migration %1").arg(name), statement);
        exec(QStringLiteral("record migration %1").arg(name),
             QStringLiteral("INSERT INTO schema_migrations (version, name, applied_at) "
                            "VALUES (?, ?, ?)"),
             {number, name, nowMs()});
        tx.commit();
        version = number;
    }
    return version;
}

// --- users

std::optional<UserRecord> SqlStore::oneUser(const QString &what, const QString &where,
                                            const QVariant &value)
{
    QSqlQuery &q
        = exec(what, QStringLiteral("SELECT %1 FROM users WHERE %2 = ?").arg(USER_COLUMNS, where),
               {value});
    std::optional<UserRecord> out;
    if (q.next())
        out = userFrom(q);
    q.finish();
    return out;
}

std::optional<UserRecord> SqlStore::createUser(const QString &username, const QString &passwordHash,
                                               bool admin)
{
    if (userByName(username))
        return std::nullopt;
    UserRecord u;
    u.username = username;
    u.passwordHash = passwordHash;
    u.admin = admin;
    u.createdAt = nowMs();
    try {
        // The id goes past every account and every principal: an id a token user or an
        // addressed recipient holds is never handed to a new account (it would receive
        // what was meant for that user).
        QSqlQuery &q = exec(
            QStringLiteral("create user"),
            QStringLiteral("INSERT INTO users (id, username, password_hash, is_admin, created_at) "
                           "VALUES ((SELECT COALESCE(MAX(m), 0) + 1 FROM (SELECT MAX(id) AS m "
                           "FROM users UNION ALL SELECT MAX(id) FROM principals) AS ids), "
                           "?, ?, ?, ?) RETURNING id"),
            {username, notNull(passwordHash), admin, u.createdAt});
        if (!q.next())
            throw StoreError("create user returned no id");
        u.id = q.value(0).toLongLong();
        q.finish();
    } catch (const StoreError &) {
        if (userByName(username)) // lost a race with another writer
            return std::nullopt;
        throw;
    }
    return u;
}

std::optional<UserRecord> SqlStore::userByName(const QString &username)
{
    return oneUser(QStringLiteral("find user"), QStringLiteral("username"), username);
}

std::optional<UserRecord> SqlStore::userById(qint64 id)
{
    return oneUser(QStringLiteral("find user"), QStringLiteral("id"), id);
}

QList<UserRecord> SqlStore::users()
{
    QSqlQuery &q = exec(QStringLiteral("list users"),
                        QStringLiteral("SELECT %1 FROM users ORDER BY id").arg(USER_COLUMNS));
    QList<UserRecord> out;
    while (q.next())
        out << userFrom(q);
    q.finish();
    return out;
}

bool SqlStore::setPasswordHash(qint64 userId, const QString &passwordHash)
{
    QSqlQuery &q = exec(QStringLiteral("set password"),
                        QStringLiteral("UPDATE users SET password_hash = ?, tokens_valid_after = ? "
                                       "WHERE id = ?"),
                        {notNull(passwordHash), nowMs(), userId});
    return q.numRowsAffected() > 0;
}

bool SqlStore::setTokensValidAfter(qint64 userId, qint64 ms)
{
    QSqlQuery &q = exec(QStringLiteral("revoke tokens"),
                        QStringLiteral("UPDATE users SET tokens_valid_after = ? WHERE id = ?"),
                        {ms, userId});
    return q.numRowsAffected() > 0;
}

bool SqlStore::setDisabled(qint64 userId, bool disabled)
{
    QSqlQuery &q
        = exec(QStringLiteral("set disabled"),
               QStringLiteral("UPDATE users SET disabled = ? WHERE id = ?"), {disabled, userId});
    return q.numRowsAffected() > 0;
}

void SqlStore::setLastSeen(const QList<QPair<qint64, qint64>> &userIdAndMs)
{
    if (userIdAndMs.isEmpty())
        return;
    QList<QPair<qint64, qint64>> sorted = userIdAndMs; // rows in one order (advanceCursors)
    std::sort(sorted.begin(), sorted.end());
    Transaction tx(this);
    for (const auto &[userId, ms] : std::as_const(sorted)) {
        exec(QStringLiteral("set last seen"),
             QStringLiteral("UPDATE users SET last_seen = ? WHERE id = ? AND last_seen < ?"),
             {ms, userId, ms});
    }
    tx.commit();
}

bool SqlStore::isKnownUser(qint64 id)
{
    QSqlQuery &q = exec(QStringLiteral("find user or principal"),
                        QStringLiteral("SELECT 1 FROM users WHERE id = ? UNION ALL "
                                       "SELECT 1 FROM principals WHERE id = ?"),
                        {id, id});
    const bool known = q.next();
    q.finish();
    return known;
}

void SqlStore::addPrincipals(const QList<qint64> &given, const QString &source)
{
    if (given.isEmpty())
        return;
    QList<qint64> ids = given; // rows in one order (advanceCursors)
    std::sort(ids.begin(), ids.end());
    const qint64 now = nowMs();
    // Many rows per statement (a reconnect storm records thousands of new ids at once): a
    // statement per id cost more in binding and dispatch than the insert itself. Three shapes
    // (64, 8 and 1 rows), so all stay prepared.
    static const std::array<std::pair<int, QString>, 3> shapes = [] {
        std::array<std::pair<int, QString>, 3> out;
        const int rows[] = {64, 8, 1};
        for (int s = 0; s < 3; ++s) {
            QString sql = QStringLiteral("INSERT INTO principals (id, source, created_at) VALUES ");
            for (int i = 0; i < rows[s]; ++i)
                sql += i ? QStringLiteral(", (?, ?, ?)") : QStringLiteral("(?, ?, ?)");
            out[size_t(s)] = {rows[s], sql + QStringLiteral(" ON CONFLICT (id) DO NOTHING")};
        }
        return out;
    }();
    Transaction tx(this);
    qsizetype next = 0;
    QVariantList values;
    for (const auto &[rows, sql] : shapes) {
        for (; ids.size() - next >= rows; next += rows) {
            values.clear();
            values.reserve(3 * rows);
            for (qsizetype i = next; i < next + rows; ++i)
                values << ids[i] << source << now;
            exec(QStringLiteral("add principals"), sql, values);
        }
    }
    tx.commit();
}

// --- messages

qint64 SqlStore::messageCount()
{
    QSqlQuery &q
        = exec(QStringLiteral("count messages"), QStringLiteral("SELECT COUNT(*) FROM messages"));
    const qint64 v = q.next() ? q.value(0).toLongLong() : 0;
    q.finish();
    return v;
}

// --- rooms

bool SqlStore::createRoom(const RoomRecord &room)
{
    const QString sql = m_backend == Backend::Sqlite
        ? QStringLiteral("INSERT OR IGNORE INTO rooms (id, name, description, is_private, "
                         "post_policy, max_members, announce_membership, created_by, "
                         "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        : QStringLiteral("INSERT INTO rooms (id, name, description, is_private, post_policy, "
                         "max_members, announce_membership, created_by, created_at) VALUES "
                         "(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING");
    QSqlQuery &q = exec(QStringLiteral("create room"), sql,
                        {room.id, notNull(room.name), notNull(room.description), room.isPrivate,
                         room.postPolicy, room.maxMembers, room.announceMembership, room.createdBy,
                         room.createdAt ? room.createdAt : nowMs()});
    return q.numRowsAffected() > 0;
}

bool SqlStore::updateRoom(const RoomRecord &room)
{
    QSqlQuery &q
        = exec(QStringLiteral("update room"),
               QStringLiteral("UPDATE rooms SET name = ?, description = ?, is_private = ?, "
                              "post_policy = ?, max_members = ?, announce_membership = ? "
                              "WHERE id = ?"),
               {notNull(room.name), notNull(room.description), room.isPrivate, room.postPolicy,
                room.maxMembers, room.announceMembership, room.id});
    return q.numRowsAffected() > 0;
}

bool SqlStore::deleteRoom(const QString &roomId)
{
    const QString stream = QStringLiteral("r:") + roomId;
    Transaction tx(this);
    exec(QStringLiteral("delete room messages"),
         QStringLiteral("DELETE FROM messages WHERE id IN (SELECT message_id FROM stream_entries "
                        "WHERE stream = ?)"),
         {stream});
    exec(QStringLiteral("delete room stream"),
         QStringLiteral("DELETE FROM stream_entries WHERE stream = ?"), {stream});
    exec(QStringLiteral("delete room members"),
         QStringLiteral("DELETE FROM room_members WHERE room_id = ?"), {roomId});
    exec(QStringLiteral("delete room invites"),
         QStringLiteral("DELETE FROM room_invites WHERE room_id = ?"), {roomId});
    exec(QStringLiteral("delete room cursors"),
         QStringLiteral("DELETE FROM cursors WHERE stream = ?"), {stream});
    const bool deleted = exec(QStringLiteral("delete room"),
                              QStringLiteral("DELETE FROM rooms WHERE id = ?"), {roomId})
                             .numRowsAffected()
        > 0;
    tx.commit();
    return deleted;
}

QList<RoomRecord> SqlStore::rooms()
{
    QSqlQuery &q = exec(QStringLiteral("list rooms"),
                        QStringLiteral("SELECT id, name, description, is_private, post_policy, "
                                       "max_members, announce_membership, created_by, created_at "
                                       "FROM rooms ORDER BY created_at, id"));
    QList<RoomRecord> out;
    while (q.next()) {
        RoomRecord r;
        r.id = q.value(0).toString();
        r.name = q.value(1).toString();
        r.description = q.value(2).toString();
        r.isPrivate = q.value(3).toBool();
        r.postPolicy = q.value(4).toString();
        r.maxMembers = q.value(5).toInt();
        r.announceMembership = q.value(6).toBool();
        r.createdBy = q.value(7).toLongLong();
        r.createdAt = q.value(8).toLongLong();
        out << r;
    }
    q.finish();
    return out;
}

QList<RoomMember> SqlStore::roomMembers()
{
    QSqlQuery &q = exec(QStringLiteral("list room members"),
                        QStringLiteral("SELECT room_id, user_id, role, joined_at FROM room_members "
                                       "ORDER BY room_id, joined_at, user_id"));
    QList<RoomMember> out;
    while (q.next())
        out << RoomMember {q.value(0).toString(), q.value(1).toLongLong(), q.value(2).toString(),
                           q.value(3).toLongLong()};
    q.finish();
    return out;
}

bool SqlStore::addRoomMember(const RoomMember &member)
{
    const QString sql = m_backend == Backend::Sqlite
        ? QStringLiteral("INSERT OR IGNORE INTO room_members (room_id, user_id, role, "
                         "joined_at) VALUES (?, ?, ?, ?)")
        : QStringLiteral("INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES "
                         "(?, ?, ?, ?) ON CONFLICT (room_id, user_id) DO NOTHING");
    QSqlQuery &q = exec(
        QStringLiteral("add room member"), sql,
        {member.roomId, member.userId, member.role, member.joinedAt ? member.joinedAt : nowMs()});
    return q.numRowsAffected() > 0;
}

bool SqlStore::removeRoomMember(const QString &roomId, qint64 userId)
{
    QSqlQuery &q
        = exec(QStringLiteral("remove room member"),
               QStringLiteral("DELETE FROM room_members WHERE room_id = ? AND user_id = ?"),
               {roomId, userId});
    return q.numRowsAffected() > 0;
}

bool SqlStore::setRoomMemberRole(const QString &roomId, qint64 userId, const QString &role)
{
    QSqlQuery &q
        = exec(QStringLiteral("set room member role"),
               QStringLiteral("UPDATE room_members SET role = ? WHERE room_id = ? AND user_id = ?"),
               {role, roomId, userId});
    return q.numRowsAffected() > 0;
}

void SqlStore::setRoomInvite(const QString &roomId, qint64 userId, bool invited)
{
    if (invited) {
        const QString sql = m_backend == Backend::Sqlite
            ? QStringLiteral("INSERT OR IGNORE INTO room_invites (room_id, user_id, "
                             "created_at) VALUES (?, ?, ?)")
            : QStringLiteral("INSERT INTO room_invites (room_id, user_id, created_at) VALUES "
                             "(?, ?, ?) ON CONFLICT (room_id, user_id) DO NOTHING");
        exec(QStringLiteral("invite to room"), sql, {roomId, userId, nowMs()});
    } else {
        exec(QStringLiteral("withdraw room invitation"),
             QStringLiteral("DELETE FROM room_invites WHERE room_id = ? AND user_id = ?"),
             {roomId, userId});
    }
}

QList<QPair<QString, qint64>> SqlStore::roomInvites()
{
    QSqlQuery &q = exec(QStringLiteral("list room invitations"),
                        QStringLiteral("SELECT room_id, user_id FROM room_invites"));
    QList<QPair<QString, qint64>> out;
    while (q.next())
        out.append({q.value(0).toString(), q.value(1).toLongLong()});
    q.finish();
    return out;
}

// --- cursors

qint64 SqlStore::cursor(qint64 userId, const QString &stream)
{
    QSqlQuery &q = exec(QStringLiteral("read cursor"),
                        QStringLiteral("SELECT seq FROM cursors WHERE user_id = ? AND stream = ?"),
                        {userId, stream});
    const qint64 v = q.next() ? q.value(0).toLongLong() : 0;
    q.finish();
    return v;
}

QHash<QString, qint64> SqlStore::cursors(qint64 userId)
{
    QSqlQuery &q
        = exec(QStringLiteral("read cursors"),
               QStringLiteral("SELECT stream, seq FROM cursors WHERE user_id = ?"), {userId});
    QHash<QString, qint64> out;
    while (q.next())
        out.insert(q.value(0).toString(), q.value(1).toLongLong());
    q.finish();
    return out;
}

void SqlStore::advanceCursors(const QList<StreamCursor> &cursors)
{
    if (cursors.isEmpty())
        return;
    // Rows in one order (user, stream) on every node: two nodes' batches that share rows wait
    // for each other instead of deadlocking (PostgreSQL).
    QList<StreamCursor> sorted = cursors;
    std::sort(sorted.begin(), sorted.end(), [](const StreamCursor &a, const StreamCursor &b) {
        return a.userId != b.userId ? a.userId < b.userId : a.stream < b.stream;
    });
    Transaction tx(this);
    for (const StreamCursor &c : std::as_const(sorted)) {
        exec(QStringLiteral("advance cursor"),
             QStringLiteral("INSERT INTO cursors (user_id, stream, seq) VALUES (?, ?, ?) "
                            "ON CONFLICT (user_id, stream) DO UPDATE SET seq = excluded.seq "
                            "WHERE cursors.seq < excluded.seq"),
             {c.userId, c.stream, c.seq});
    }
    tx.commit();
}

} // namespace Switchboard
