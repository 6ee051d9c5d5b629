// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <stdexcept>

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

// The persistence contract of the server, grouped by domain. Implementations are synchronous
// and bound to the thread that created them (one database connection each); the server calls
// them through AsyncStore on a worker thread, operator commands call them directly.
namespace Switchboard {

// Thrown by every Store method when the database fails; the message names the operation.
class StoreError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

struct UserRecord
{
    qint64 id = 0;
    QString username;
    QString passwordHash; // argon2id string from PasswordHasher; empty = no password login
    bool admin = false;
    bool disabled = false;
    qint64 createdAt = 0; // ms since epoch
    qint64 lastSeen = 0; // ms since epoch, 0 = never
    qint64 tokensValidAfter = 0; // ms since epoch: older tokens are revoked; 0 = none
};

// A message to persist. It is appended to every stream listed, each of which assigns the next
// sequence number of its own (a direct message goes to the recipient's and the sender's inbox).
struct NewMessage
{
    QString kind; // "direct", "notification", "system", "room"
    qint64 senderId = 0; // 0 = the server / a backend
    qint64 recipientId = 0; // direct messages: the addressee (per-conversation history)
    QByteArray body; // the message as a compact JSON object (content, data, to, ...)
    QStringList streams; // e.g. "u:42"; at least one
    QString idempotencyKey; // optional; unique per sender
    qint64 createdAt = 0; // ms since epoch
};

struct AppendResult
{
    qint64 messageId = 0;
    QList<qint64> seqs; // parallel to NewMessage::streams
    qint64 createdAt = 0;
    bool duplicate = false; // the idempotency key was seen before: ids and seqs are the stored ones
};

struct StreamEntry
{
    QString stream;
    qint64 seq = 0;
    qint64 messageId = 0;
    QString kind;
    qint64 senderId = 0;
    QByteArray body;
    qint64 createdAt = 0;
};

// A room (group). Its messages live in the stream "r:<id>".
struct RoomRecord
{
    QString id; // 1-64 characters of A-Z a-z 0-9 _ -
    QString name;
    QString description;
    bool isPrivate = false; // members join by invitation of an owner (or an admin)
    QString postPolicy = QStringLiteral("members"); // members | owners | admins
    int maxMembers = 0; // 0 = the server's max_room_members
    bool announceMembership = true; // send user_joined / user_left to the members
    qint64 createdBy = 0; // 0 = the server
    qint64 createdAt = 0; // ms since epoch
};

struct RoomMember
{
    QString roomId;
    qint64 userId = 0;
    QString role = QStringLiteral("member"); // owner | member
    qint64 joinedAt = 0;
};

// What a stream still holds: `first` is the oldest retained seq (0 when nothing is retained),
// `last` the highest seq ever allocated (0 when the stream was never used). Retention removes
// a prefix of each stream, so seqs first..last are all present.
struct StreamBounds
{
    qint64 first = 0;
    qint64 last = 0;
};

// A page of one stream's history. With `after`: the first `limit` entries above it (and below
// `before` when given); otherwise the last `limit` entries below `before` (or the newest).
// Either way the page is returned oldest first. `peer` > 0 keeps only the direct messages
// between `self` (whose inbox `stream` is) and `peer`.
struct HistoryQuery
{
    QString stream;
    std::optional<qint64> after;
    std::optional<qint64> before;
    int limit = 50;
    qint64 self = 0;
    qint64 peer = 0;
};

// Retention: messages older than `olderThanMs` (0 = keep all ages) and entries beyond the
// newest `maxPerStream` of a stream (0 = no count limit) go. One call does at most `batch`
// deletions of each kind, so a large purge does not hold the store for long.
struct RetentionPolicy
{
    qint64 olderThanMs = 0;
    int maxPerStream = 0;
    int batch = 5000;
};

struct PurgeResult
{
    qint64 messages = 0; // messages deleted (with all their stream entries)
    qint64 entries = 0; // stream entries trimmed by the count limit
    bool more = false; // a batch was full: call again
};

struct StreamCursor
{
    qint64 userId = 0;
    QString stream;
    qint64 seq = 0;
};

// An IP access rule (docs/SECURITY.md "Access rules"): allow or deny one network.
struct AccessRuleRecord
{
    qint64 id = 0;
    QString action; // allow | deny
    QString cidr; // normalised: "10.0.0.0/8", "2001:db8::/32"
    QString note;
    qint64 expiresAt = 0; // ms since epoch; 0 = never
    qint64 createdAt = 0; // ms since epoch
    QString createdBy; // the operator's name ("api-key" for the API key)
};

class Store
{
public:
    virtual ~Store() = default;

    // "sqlite" or "postgres".
    virtual QString backendName() const = 0;
    // Applies pending numbered migrations, each in a transaction; returns the schema version.
    virtual int migrate() = 0;

    // Reads between beginReads() and endReads() share one read-only transaction (one snapshot
    // on SQLite), so a batch of queued reads costs one lock round trip instead of one per
    // statement. Only reads may run in between. beginReads() throws StoreError; endReads()
    // never throws, and ends the transaction after a failed read too.
    virtual void beginReads() = 0;
    virtual void endReads() = 0;

    // --- users
    // Returns nullopt when the name is taken.
    virtual std::optional<UserRecord> createUser(const QString &username,
                                                 const QString &passwordHash, bool admin)
        = 0;
    virtual std::optional<UserRecord> userByName(const QString &username) = 0;
    virtual std::optional<UserRecord> userById(qint64 id) = 0;
    virtual QList<UserRecord> users() = 0;
    // Also revokes the user's tokens issued before now (tokens_valid_after).
    virtual bool setPasswordHash(qint64 userId, const QString &passwordHash) = 0;
    // Revokes the user's tokens issued before `ms` ("sign out everywhere"); false: no user.
    virtual bool setTokensValidAfter(qint64 userId, qint64 ms) = 0;
    virtual bool setDisabled(qint64 userId, bool disabled) = 0;
    virtual void setLastSeen(const QList<QPair<qint64, qint64>> &userIdAndMs) = 0;
    // Whether the id is a user: an account, or a principal (an id that authenticated with a
    // token, or that accept_unknown_recipients reserved).
    virtual bool isKnownUser(qint64 id) = 0;
    // Records ids as principals (`source`: "token" or "addressed"); known ones stay as they are.
    virtual void addPrincipals(const QList<qint64> &ids, const QString &source) = 0;
    // The internal id of a backend's own id (a token "sub" that is not a number, migration
    // 007); when unknown, nullopt, or with `create` a new principal (source "external") mapped
    // to it. Race-safe: writers mapping the same external id at once all get one id.
    virtual std::optional<qint64> userIdOfExternal(const QString &externalId, bool create) = 0;
    // The external ids of those of these users that have one.
    virtual QHash<qint64, QString> externalIdsOf(const QList<qint64> &userIds) = 0;

    // --- messages
    // Appends all messages in one transaction (group commit). A message whose (senderId,
    // idempotencyKey) exists already is not stored again: its result has duplicate = true.
    virtual QList<AppendResult> append(const QList<NewMessage> &messages) = 0;
    // Entries of one stream with seq > afterSeq, oldest first, at most limit.
    virtual QList<StreamEntry> readStream(const QString &stream, qint64 afterSeq, int limit) = 0;
    // Highest seq of a stream, 0 when empty.
    virtual qint64 lastSeq(const QString &stream) = 0;
    // The highest seq of each of these streams (every room's, for a cluster node), by primary
    // key in reads of a few hundred; streams without a message are left out.
    virtual QHash<QString, qint64> lastSeqs(const QStringList &streams) = 0;
    virtual StreamBounds streamBounds(const QString &stream) = 0;
    virtual QList<StreamEntry> readHistory(const HistoryQuery &query) = 0;
    virtual PurgeResult purge(const RetentionPolicy &policy) = 0;
    virtual qint64 messageCount() = 0;

    // --- rooms
    // false when the id is taken.
    virtual bool createRoom(const RoomRecord &room) = 0;
    // Rewrites name, description and policy; false when there is no such room.
    virtual bool updateRoom(const RoomRecord &room) = 0;
    // Removes the room, its memberships, invitations and messages (its stream keeps its last
    // sequence number, so a room created again with the same id never reuses one).
    virtual bool deleteRoom(const QString &roomId) = 0;
    virtual QList<RoomRecord> rooms() = 0;
    virtual QList<RoomMember> roomMembers() = 0; // every membership, for the in-memory index
    // false when the user is a member already.
    virtual bool addRoomMember(const RoomMember &member) = 0;
    virtual bool removeRoomMember(const QString &roomId, qint64 userId) = 0;
    // Sets a member's role (owner | member); false when the user is not a member.
    virtual bool setRoomMemberRole(const QString &roomId, qint64 userId, const QString &role) = 0;
    virtual void setRoomInvite(const QString &roomId, qint64 userId, bool invited) = 0;
    virtual QList<QPair<QString, qint64>> roomInvites() = 0;

    // --- per-user delivery cursors (what was delivered to at least one of the user's devices)
    virtual qint64 cursor(qint64 userId, const QString &stream) = 0;
    // Every cursor of one user: stream -> seq.
    virtual QHash<QString, qint64> cursors(qint64 userId) = 0;
    // Raises each cursor to the given seq (never lowers one), in one transaction.
    virtual void advanceCursors(const QList<StreamCursor> &cursors) = 0;

    // --- access rules (IP allow/deny, applied at accept time)
    virtual QList<AccessRuleRecord> accessRules() = 0; // by id
    // Stores the rule (its id and createdAt are set; createdAt 0 = now) and returns it.
    virtual AccessRuleRecord addAccessRule(const AccessRuleRecord &rule) = 0;
    virtual bool removeAccessRule(qint64 id) = 0;
    // Deletes the rules whose expiry is at or before `nowMs`; returns how many.
    virtual int deleteExpiredAccessRules(qint64 nowMs) = 0;
};

} // namespace Switchboard
