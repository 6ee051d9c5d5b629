// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <vector>

#include <QAbstractItemModel>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QStringList>

namespace Switchboard::Console {

// Online users and, as their children, their connections. Filled once from admin_snapshot,
// then changed from batches of admin_event (insert/remove/dataChanged, never a reset), so a
// view keeps its selection, expansion and scroll position while the server is busy. Users and
// connections are found through hash indexes: nothing a view calls (index, parent, data)
// searches, so 20,000 users cost what 20 do per event.
class UsersModel : public QAbstractItemModel
{
    Q_OBJECT

public:
    enum Column {
        Name,
        UserId,
        Status,
        Rooms,
        Connections,
        LastSeen,
        Address,
        Client,
        Since,
        Rtt,
        Queue,
        // The node the connection is on (several nodes; GET /api/v1/connections names it).
        Node,
        ColumnCount
    };
    enum Role {
        UserIdRole = Qt::UserRole + 1,
        ConnectionIdRole,
        IsConnectionRole,
        // Lower-case text of a user row (name, id, status, rooms, addresses, clients), kept
        // with the row: what the users view's filter matches.
        SearchTextRole,
        // The raw value of a cell (numbers as numbers), what the users view sorts by.
        SortRole,
        // Whether the user is one switchboard-loadtest connects (named lt<its id>), kept with
        // the row: what the users view hides on request.
        LoadTestUserRole,
    };
    // What a batch of events did to who is online, for the rooms' online counters.
    struct OnlineChanges
    {
        QHash<qint64, QStringList> cameOnline; // user id -> its rooms now
        QHash<qint64, QStringList> wentOffline; // user id -> its rooms before
    };

    explicit UsersModel(QObject *parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Replaces everything; users that stay online keep their "last seen" (the snapshot says
    // "now" for every online user, which would reset it at each console reconnect).
    // A paged snapshot: applySnapshot() with its first page, then each further page, appended
    // (one insertion per page; a user already listed is not added again).
    void applySnapshot(const QJsonArray &users);
    void addSnapshotPage(const QJsonArray &users);
    // connection_opened / connection_closed / user_status / room_member events in order,
    // applied as one set of model changes: rows of updated users first, then removals (in
    // contiguous ranges), then one insertion of the users who came online.
    OnlineChanges applyEvents(const QList<QJsonObject> &events);
    // Single events (applyEvents with one event).
    void connectionOpened(const QJsonObject &event);
    void connectionClosed(const QJsonObject &event);
    void userStatus(const QJsonObject &event);
    void roomMember(const QJsonObject &event);
    void roomDeleted(const QString &roomId);
    // rtt_ms / queue_bytes / node_id of GET /api/v1/connections, applied to the rows that
    // exist.
    void updateConnectionMetrics(const QJsonArray &connections);
    void clear();
    // Header and status words are translated in data(); tell the views after a language switch.
    void retranslate();

    int rowOfUser(qint64 userId) const;
    bool isOnline(qint64 userId) const { return m_byId.contains(userId); }
    QString userName(qint64 userId) const;
    // The id of the online user with this name (case-insensitive), 0 when none.
    qint64 userIdByName(const QString &name) const;
    QStringList userRooms(qint64 userId) const;
    int connectionCount() const { return m_connectionCount; }
    // Whether the server named a node for some connection (it does with several nodes only).
    bool hasNodeIds() const { return m_hasNodeIds; }
    static QString statusText(const QString &status);

Q_SIGNALS:
    // hasNodeIds() changed: the views show or hide the node column.
    void hasNodeIdsChanged(bool has);

private:
    struct ConnectionRow
    {
        QString id;
        QString address;
        QString client;
        qint64 connectedAt = 0;
        qint64 rttMs = -1; // -1 = not measured yet
        qint64 queueBytes = 0;
        QString node; // empty on one node
    };
    struct UserRow
    {
        qint64 id = 0;
        QString name;
        QString role;
        QString status;
        qint64 lastSeen = 0;
        QStringList rooms;
        QList<ConnectionRow> connections;
        QString searchText;
        QString sortName; // the name lower-cased once, not at each comparison of a sort
        bool loadTest = false; // named as switchboard-loadtest names its users
        // Position in m_users; trusted only below m_rowsValidBelow (see rowOf()).
        mutable int row = 0;
    };
    // A user's state while a batch is applied to it.
    struct Pending
    {
        bool wasOnline = false;
        bool online = false;
        UserRow user;
    };

    static ConnectionRow connectionFromJson(const QJsonObject &c);
    std::unique_ptr<UserRow> userFromSnapshot(const QJsonObject &o) const;
    static void applyEvent(Pending &p, const QJsonObject &event);
    void noteNodeId(const QString &node);
    static void updateSearchText(UserRow &u);
    QVariant userData(const UserRow &u, int column, int role) const;
    QVariant connectionData(const ConnectionRow &c, int column, int role) const;
    int rowOf(const UserRow *u) const;
    void updateUser(UserRow &u, const UserRow &fresh);
    void removeUsers(QList<int> rows);
    void appendUsers(std::vector<std::unique_ptr<UserRow>> users);
    void emitUserChanged(int row);
    void reindex();

    std::vector<std::unique_ptr<UserRow>> m_users;
    QHash<qint64, UserRow *> m_byId;
    // "Last seen" of the users the current snapshot replaced, for its later pages.
    QHash<qint64, qint64> m_snapshotLastSeen;
    int m_connectionCount = 0;
    bool m_hasNodeIds = false;
    // Rows below this index sit where their `row` says; removals lower it, rowOf() renumbers
    // lazily (once per batch at most) instead of each removal renumbering every row after it.
    mutable int m_rowsValidBelow = 0;
};

} // namespace Switchboard::Console
