// SPDX-License-Identifier: MIT
#pragma once

#include "store/store.h"

#include <QHash>
#include <QSqlDatabase>

class QSqlQuery;

namespace Switchboard {

// The Store on QtSql: SQLite (QSQLITE, WAL) or PostgreSQL (QPSQL). One database connection,
// bound to the thread that constructed the object.
class SqlStore final : public Store
{
public:
    enum class Backend { Sqlite, Postgres };

    // Takes an opened connection (see openStore()); closes and removes it on destruction.
    SqlStore(Backend backend, const QString &connectionName);
    ~SqlStore() override;

    QString backendName() const override;
    int migrate() override;
    void beginReads() override;
    void endReads() override;

    std::optional<UserRecord> createUser(const QString &username, const QString &passwordHash,
                                         bool admin) override;
    std::optional<UserRecord> userByName(const QString &username) override;
    std::optional<UserRecord> userById(qint64 id) override;
    QList<UserRecord> users() override;
    bool setPasswordHash(qint64 userId, const QString &passwordHash) override;
    bool setDisabled(qint64 userId, bool disabled) override;
    bool setTokensValidAfter(qint64 userId, qint64 ms) override;
    void setLastSeen(const QList<QPair<qint64, qint64>> &userIdAndMs) override;
    bool isKnownUser(qint64 id) override;
    void addPrincipals(const QList<qint64> &ids, const QString &source) override;
    std::optional<qint64> userIdOfExternal(const QString &externalId, bool create) override;
    QHash<qint64, QString> externalIdsOf(const QList<qint64> &userIds) override;

    QList<AppendResult> append(const QList<NewMessage> &messages) override;
    QList<StreamEntry> readStream(const QString &stream, qint64 afterSeq, int limit) override;
    qint64 lastSeq(const QString &stream) override;
    QHash<QString, qint64> lastSeqs(const QStringList &streams) override;
    StreamBounds streamBounds(const QString &stream) override;
    QList<StreamEntry> readHistory(const HistoryQuery &query) override;
    PurgeResult purge(const RetentionPolicy &policy) override;
    qint64 messageCount() override;

    bool createRoom(const RoomRecord &room) override;
    bool updateRoom(const RoomRecord &room) override;
    bool deleteRoom(const QString &roomId) override;
    QList<RoomRecord> rooms() override;
    QList<RoomMember> roomMembers() override;
    bool addRoomMember(const RoomMember &member) override;
    bool removeRoomMember(const QString &roomId, qint64 userId) override;
    bool setRoomMemberRole(const QString &roomId, qint64 userId, const QString &role) override;
    void setRoomInvite(const QString &roomId, qint64 userId, bool invited) override;
    QList<QPair<QString, qint64>> roomInvites() override;

    qint64 cursor(qint64 userId, const QString &stream) override;
    QHash<QString, qint64> cursors(qint64 userId) override;
    void advanceCursors(const QList<StreamCursor> &cursors) override;

    QList<AccessRuleRecord> accessRules() override;
    AccessRuleRecord addAccessRule(const AccessRuleRecord &rule) override;
    bool removeAccessRule(qint64 id) override;
    int deleteExpiredAccessRules(qint64 nowMs) override;

private:
    class Transaction;

    // A prepared statement, cached by its SQL text for the life of the connection.
    QSqlQuery &prepared(const QString &sql);
    // Executes a prepared statement with positional values; throws StoreError naming `what`.
    QSqlQuery &exec(const QString &what, const QString &sql, const QVariantList &values = {});
    void execDirect(const QString &what, const QString &sql);
    // Inside beginReads(): after a failed statement the next one starts a fresh read
    // transaction, so one bad read does not fail the others of its batch.
    void renewSpoiledReads();
    [[noreturn]] void fail(const QString &what, const QSqlQuery &query) const;
    // Re-opens a connection the server dropped (PostgreSQL restart), outside transactions.
    bool reconnectIfLost();
    std::optional<UserRecord> oneUser(const QString &what, const QString &where,
                                      const QVariant &value);
    QList<AppendResult> appendOnce(const QList<NewMessage> &messages);

    Backend m_backend;
    QString m_connectionName;
    QSqlDatabase m_db;
    QHash<QString, QSqlQuery *> m_statements;
    bool m_inTransaction = false;
    bool m_inReads = false; // between beginReads() and endReads(): Transactions nest in it
    mutable bool m_readsSpoiled = false; // a statement failed in it (PostgreSQL aborts it then)
    mutable QString m_lastSqlState; // of the last failed statement (PostgreSQL: SQLSTATE)
};

} // namespace Switchboard
