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

// Composes a system message or a notification (title, message, priority, link) to everyone,
// a room or a user, shows how many users and connections it would reach right now (asked
// from the server whenever the target changes), and sends it.
class BroadcastView : public QWidget
{
    Q_OBJECT

public:
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
    int m_audienceUsers = -1;
    int m_audienceConnections = -1;
    QString m_audienceError;
    quint64 m_audienceQuery = 0;
};

} // namespace Switchboard::Console
