// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>

namespace Switchboard::Console {

// Every room on the server with its policy and counters, from admin_snapshot and then
// room_created / room_updated / room_deleted / room_member events, one row at a time; rows
// are found by room id through a hash index.
class RoomsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        RoomId,
        Name,
        Private,
        PostPolicy,
        MaxMembers,
        Members,
        Online,
        Messages,
        ColumnCount
    };
    enum Role { RoomIdRole = Qt::UserRole + 1, RoomJsonRole };

    explicit RoomsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void applySnapshot(const QJsonArray &rooms);
    void upsert(const QJsonObject &room);
    void remove(const QString &roomId);
    // joined/left: members +-1; online members +-1 when the user is online.
    void memberChanged(const QString &roomId, bool joined, bool userOnline);
    // A user came online or went offline: its rooms' online counts move.
    void userOnlineChanged(const QStringList &rooms, bool online);
    // Online counters moved by a batch of events: room id -> change.
    void addOnlineCounts(const QHash<QString, int> &deltas);
    void clear();
    void retranslate();

    int rowOfRoom(const QString &roomId) const;
    QJsonObject room(const QString &roomId) const;
    QStringList roomIds() const;
    static QString policyText(const QString &policy);

private:
    void changeCounter(int row, const char *key, int delta);
    void reindex();
    QList<QJsonObject> m_rooms;
    QHash<QString, int> m_rowOfRoom; // room id -> row, kept in step with m_rooms
};

} // namespace Switchboard::Console
