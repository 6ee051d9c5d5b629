// SPDX-License-Identifier: MIT
#pragma once

#include "chattranscript.h"

#include "connection.h"

#include <QHash>
#include <QObject>
#include <QStringList>
#include <QTimer>

namespace Switchboard::Console {

// One chat test client: a Connection logged in as some user, the rooms it joined, who is
// typing to it, and its transcript. The chat window is a thin view over it.
class ChatSession : public QObject
{
    Q_OBJECT

public:
    explicit ChatSession(QObject *parent = nullptr);
    ~ChatSession() override;

    // Log in with a password, or with a ready token (password empty).
    void open(const QUrl &url, const QString &username, const QString &password,
              const QString &token = {});
    void close();
    Client::Connection *connection() const { return m_connection; }
    ChatTranscript *transcript() const { return m_transcript; }
    QString username() const { return m_username; }
    qint64 userId() const { return m_connection->userId(); }
    bool isConnected() const;
    QStringList rooms() const { return m_rooms; }
    // "alice is typing in general" lines, newest last.
    QStringList typing() const;

    // Each returns the frame id ("" when not connected).
    QString joinRoom(const QString &roomId);
    QString leaveRoom(const QString &roomId);
    QString sendDirect(qint64 toUserId, const QString &text);
    QString sendRoom(const QString &roomId, const QString &text);
    QString setPresence(const QString &status);
    // context: "room:<id>" or "user:<id>".
    void setTyping(const QString &context, bool typing);
    // A frame typed by the user; false with a reason when it is not a JSON object.
    bool sendRaw(const QString &json, QString *error);

Q_SIGNALS:
    void stateChanged(Switchboard::Client::Connection::State state);
    void roomsChanged();
    void typingChanged();
    void failed(const QString &message);
    void frameText(bool incoming, const QString &text);

private:
    void onEvent(const QJsonObject &event);
    void expireTyping();

    Client::Connection *m_connection;
    ChatTranscript *m_transcript;
    QString m_username;
    QStringList m_rooms;
    struct Typist
    {
        QString name;
        QString context;
        qint64 until;
    };
    QHash<QString, Typist> m_typing; // "<user id>/<context>" -> who and until when
    QTimer m_typingTimer;
};

} // namespace Switchboard::Console
