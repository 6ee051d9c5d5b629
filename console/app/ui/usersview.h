// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;

class QTreeView;

namespace Switchboard::Console {

class AdminSession;
class UsersFilter;

// Online users; a user expands to its connections. Actions on the selection: send a message,
// disconnect (a user or one connection) with a reason, disable the account.
class UsersView : public QWidget
{
    Q_OBJECT

public:
    explicit UsersView(AdminSession *session, QWidget *parent = nullptr);

    QTreeView *tree() const { return m_tree; }
    // Selects the row of a user (tests and the broadcast view's "to this user").
    bool selectUser(qint64 userId);
    qint64 selectedUserId() const;
    QString selectedConnectionId() const;

    // The actions, with their texts given (the buttons ask the operator for them).
    void messageSelected(const QString &text);
    void disconnectSelected(const QString &reason);
    void disableSelected();

Q_SIGNALS:
    void chatRequested();

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslateUi();
    void updateButtons();
    void askMessage();
    void askDisconnect();
    void askDisable();

    AdminSession *m_session;
    QLineEdit *m_filter;
    QTreeView *m_tree;
    UsersFilter *m_proxy;
    QLabel *m_summary;
    QPushButton *m_message;
    QPushButton *m_disconnect;
    QPushButton *m_disable;
    QPushButton *m_chat;
};

} // namespace Switchboard::Console
