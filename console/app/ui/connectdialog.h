// SPDX-License-Identifier: MIT
#pragma once

#include "model/serverprofile.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;

namespace Switchboard::Console {

class ProfileStore;

// Picks or edits a saved server profile and returns it to connect with. Secrets are saved
// only when the operator ticks the box that says they are stored in plain text.
class ConnectDialog : public QDialog
{
    Q_OBJECT

public:
    explicit ConnectDialog(ProfileStore *store, QWidget *parent = nullptr);

    ServerProfile profile() const;
    void setProfile(const ServerProfile &profile);

    void accept() override;

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslateUi();
    void reloadProfiles(const QString &select);
    void profileSelected(int index);
    void saveProfile();
    // Saves the profile; says so when a secret to remember found no keyring to keep it.
    void saveAndWarn(const ServerProfile &profile);
    void deleteProfile();
    void updateMode();

    ProfileStore *m_store;
    QFormLayout *m_form;
    QComboBox *m_profiles;
    QLineEdit *m_name;
    QLineEdit *m_url;
    QRadioButton *m_passwordMode;
    QRadioButton *m_apiKeyMode;
    QLineEdit *m_username;
    QLineEdit *m_secret;
    QCheckBox *m_remember;
    QLabel *m_error;
    QPushButton *m_save;
    QPushButton *m_delete;
    QDialogButtonBox *m_buttons;
};

} // namespace Switchboard::Console
