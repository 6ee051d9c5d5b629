// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QStringList>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QListView;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;

namespace Switchboard::Console {

class AdminSession;
class ChatSession;

// A chat test client: one window, one connection as one user. Join and leave rooms, send
// direct and room messages (acks show in the transcript), see typing and presence, set a
// status, and watch or send raw frames. Several windows at once make a conversation.
class ChatWindow : public QWidget
{
    Q_OBJECT

public:
    explicit ChatWindow(AdminSession *admin, QWidget *parent = nullptr);
    ~ChatWindow() override;

    // Logs in: with the password, or with a token minted by the admin session's API key.
    void start(const QString &username, const QString &password, const QStringList &joinRooms);
    ChatSession *session() const { return m_session; }

    // What the send row does: to a room ("room") or a user id ("user").
    void setTarget(const QString &kind, const QString &target);
    void setMessageText(const QString &text);
    QString rawLog() const;
    // Why the last message was not sent ("" when it was).
    QString sendError() const;

public Q_SLOTS:
    void sendMessage();
    void joinRoom();
    void leaveRoom();
    void sendRawFrame();

protected:
    void changeEvent(QEvent *event) override;

private:
    void buildUi();
    void retranslateUi();
    void updateState();
    void updateRooms();
    void targetKindChanged();
    void showSendError(const QString &text);
    void updateTyping();
    void messageEdited(const QString &text);
    void appendRaw(bool incoming, const QString &text);
    QString typingContext() const;

    AdminSession *m_admin;
    ChatSession *m_session;
    QStringList m_joinOnConnect;
    QString m_error;
    QElapsedTimer m_lastTyping;

    QLabel *m_state = nullptr;
    QLabel *m_presenceLabel = nullptr;
    QComboBox *m_presence = nullptr;
    QTabWidget *m_tabs = nullptr;
    QListView *m_transcript = nullptr;
    QLabel *m_typing = nullptr;
    QLabel *m_roomLabel = nullptr;
    QComboBox *m_room = nullptr;
    QPushButton *m_join = nullptr;
    QPushButton *m_leave = nullptr;
    QComboBox *m_targetKind = nullptr;
    QComboBox *m_target = nullptr;
    QLineEdit *m_message = nullptr;
    QPushButton *m_send = nullptr;
    QLabel *m_sendError = nullptr;
    QPlainTextEdit *m_raw = nullptr;
    QLineEdit *m_rawInput = nullptr;
    QPushButton *m_rawSend = nullptr;
    QLabel *m_rawError = nullptr;
};

} // namespace Switchboard::Console
