// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>

class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;

namespace Switchboard::Console {

// Asks as whom a chat test window logs in: a user name and password, or, when the operator's
// profile has the API key, only a user name (the console mints a token for it).
class ChatLoginDialog : public QDialog
{
    Q_OBJECT

public:
    explicit ChatLoginDialog(bool apiKeyAvailable, QWidget *parent = nullptr);

    QString username() const;
    QString password() const;
    QStringList rooms() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslateUi();

    bool m_apiKey;
    QFormLayout *m_form;
    QLineEdit *m_username;
    QLineEdit *m_password;
    QLineEdit *m_rooms;
    QLabel *m_hint;
    QDialogButtonBox *m_buttons;
};

} // namespace Switchboard::Console
