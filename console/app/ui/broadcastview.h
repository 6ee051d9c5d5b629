// SPDX-License-Identifier: MIT
#pragma once

#include "model/adminsession.h"

#include <QTimer>
#include <QWidget>

class QButtonGroup;
class QComboBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;

namespace Switchboard::Console {

class UsersModel;

// The user id meant by what the operator typed or picked: "alice (#7)", "7", or the name of an
// online user; 0 when it names no one.
qint64 userIdOf(const QString &typed, const UsersModel *users);

// Composes a system message or a notification (title, message, priority, link) to everyone,
// a room or a user, shows how many users and connections it would reach right now (asked
// from the server whenever the target changes), and sends it.
class BroadcastView : public QWidget
{
    Q_OBJECT

public:
    // How often the target lists and the audience follow the live feed at most.
    static constexpr int FOLLOW_INTERVAL_MS = 1000;
    // Online users offered in the user list; others are typed (name or id).
    static constexpr int MAX_LISTED_USERS = 500;

    explicit BroadcastView(AdminSession *session, QWidget *parent = nullptr);

    AdminSession::Broadcast broadcast() const;
    // Fills the form (tests and the users view's "broadcast to this user").
    void setBroadcast(const AdminSession::Broadcast &b);
    QString audienceText() const;
    // The audience of the current target was fetched (users, connections; -1 when unknown).
    int audienceUsers() const { return m_audienceUsers; }

public Q_SLOTS:
    void send();
    void refreshAudience();

Q_SIGNALS:
    void audienceUpdated(int users, int connections);

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslateUi();
    void updateFields();
    void targetChanged();
    void fillTargets();

    AdminSession *m_session;
    QGroupBox *m_kindBox;
    QRadioButton *m_system;
    QRadioButton *m_notification;
    QFormLayout *m_form;
    QComboBox *m_target;
    QComboBox *m_room;
    QComboBox *m_user;
    QLineEdit *m_title;
    QPlainTextEdit *m_message;
    QComboBox *m_priority;
    QLineEdit *m_link;
    QLabel *m_audience;
    QPushButton *m_refresh;
    QPushButton *m_send;
    QTimer m_audienceDelay;
    QTimer m_fillDelay;
    QTimer m_liveRecount;
    int m_audienceUsers = -1;
    int m_audienceConnections = -1;
    QString m_audienceError;
    quint64 m_audienceQuery = 0;
};

} // namespace Switchboard::Console
