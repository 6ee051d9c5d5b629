// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>
#include <QJsonObject>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QLineEdit;
class QSpinBox;

namespace Switchboard::Console {

// Creates a room or edits its policy (visibility, who may post, member limit, membership
// announcements). The room id is fixed once the room exists.
class RoomDialog : public QDialog
{
    Q_OBJECT

public:
    // An empty `room` creates a new one.
    explicit RoomDialog(const QJsonObject &room, QWidget *parent = nullptr);

    // The fields to send: all of them for a new room, only the changed ones for an edit.
    QJsonObject result() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslateUi();

    QJsonObject m_original;
    QFormLayout *m_form;
    QLineEdit *m_id;
    QLineEdit *m_name;
    QLineEdit *m_description;
    QCheckBox *m_private;
    QComboBox *m_policy;
    QSpinBox *m_maxMembers;
    QCheckBox *m_announce;
    QDialogButtonBox *m_buttons;
};

} // namespace Switchboard::Console
