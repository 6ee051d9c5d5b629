// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractListModel>
#include <QHash>
#include <QJsonObject>
#include <QList>

namespace Switchboard::Console {

// What a chat test window shows: the events of its connection that a person reads (messages,
// room messages, system messages, notifications, presence, joins, errors) and the messages it
// sent, marked when the server acknowledged them. Rendered when painted, so it retranslates.
class ChatTranscript : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Role { KindRole = Qt::UserRole + 1, EventJsonRole, AckedRole };

    explicit ChatTranscript(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    // A server event; false when it is not something the transcript shows.
    bool addEvent(const QJsonObject &event);
    // A frame this window sent, waiting for the ack that carries `id`.
    void addOutgoing(const QJsonObject &frame, const QString &id);
    void clear();
    void retranslate();
    // The texts of every row (tests and copy-to-clipboard).
    QStringList lines() const;
    void setOwnUserId(qint64 id) { m_ownUserId = id; }

private:
    struct Entry
    {
        qint64 at;
        QString kind;
        QJsonObject event;
        bool outgoing = false;
        bool acked = false;
        qint64 seq = 0;
    };
    QString text(const Entry &e) const;
    QString sender(const QJsonObject &event) const;
    void append(const Entry &e);

    QList<Entry> m_entries;
    QHash<QString, int> m_pending; // frame id -> row waiting for its ack
    qint64 m_ownUserId = 0;
};

} // namespace Switchboard::Console
