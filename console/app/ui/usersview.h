// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;

class QTreeView;

namespace Switchboard::Console {

class AdminSession;
class UsersFilter;

// Online users; a user expands to its connections. Actions on the selection: send a message,
// disconnect (a user or one connection) with a reason, disable the account. The load tester's
// users (named lt<their id>) are hidden until the operator asks for them.
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
    // The "Hide load-test users" box (ticked unless set otherwise).
    void setHideLoadTestUsers(bool hide);
    bool hidesLoadTestUsers() const;

    // The actions, with their texts given (the buttons ask the operator for them).
    void messageSelected(const QString &text);
    // Selects one connection of the user (false: not listed).
    bool selectConnection(qint64 userId, const QString &connectionId);
    void disconnectSelected(const QString &reason);
    void disableSelected();

Q_SIGNALS:
    void chatRequested();
    // The operator ticked or unticked the box (the main window remembers it).
    void hideLoadTestUsersChanged(bool hide);

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
    QCheckBox *m_hideLoadTest;
    QTreeView *m_tree;
    UsersFilter *m_proxy;
    QLabel *m_summary;
    QPushButton *m_message;
    QPushButton *m_disconnect;
    QPushButton *m_disable;
    QPushButton *m_chat;
};

} // namespace Switchboard::Console
