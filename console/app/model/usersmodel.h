// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractItemModel>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QStringList>

namespace Switchboard::Console {

// Online users and, as their children, their connections. Filled once from admin_snapshot,
// then changed row by row from admin_event (insert/remove/dataChanged, never a reset), so a
// view keeps its selection, expansion and scroll position while the server is busy.
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
        ColumnCount
    };
    enum Role { UserIdRole = Qt::UserRole + 1, ConnectionIdRole, IsConnectionRole };

    explicit UsersModel(QObject *parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void applySnapshot(const QJsonArray &users);
    void connectionOpened(const QJsonObject &event);
    void connectionClosed(const QJsonObject &event);
    void userStatus(const QJsonObject &event);
    void roomMember(const QJsonObject &event);
    void roomDeleted(const QString &roomId);
    // rtt_ms / queue_bytes of GET /api/v1/connections, applied to the rows that exist.
    void updateConnectionMetrics(const QJsonArray &connections);
    void clear();
    // Header and status words are translated in data(); tell the views after a language switch.
    void retranslate();

    int rowOfUser(qint64 userId) const;
    QString userName(qint64 userId) const;
    QStringList userRooms(qint64 userId) const;
    int connectionCount() const;
    static QString statusText(const QString &status);

private:
    struct ConnectionRow
    {
        QString id;
        QString address;
        QString client;
        qint64 connectedAt = 0;
        qint64 rttMs = -1; // -1 = not measured yet
        qint64 queueBytes = 0;
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
    };

    static ConnectionRow connectionFromJson(const QJsonObject &c);
    QVariant userData(const UserRow &u, int column, int role) const;
    QVariant connectionData(const ConnectionRow &c, int column, int role) const;
    void removeUserRow(int row);
    void emitUserChanged(int row);

    QList<UserRow> m_users;
};

} // namespace Switchboard::Console
