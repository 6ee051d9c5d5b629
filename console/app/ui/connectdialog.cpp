// SPDX-License-Identifier: MIT
#include "connectdialog.h"

#include "taborder.h"
#include "model/profilestore.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QEvent>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace Switchboard::Console {

ConnectDialog::ConnectDialog(ProfileStore *store, QWidget *parent)
    : QDialog(parent)
    , m_store(store)
    , m_form(new QFormLayout)
    , m_profiles(new QComboBox(this))
    , m_name(new QLineEdit(this))
    , m_url(new QLineEdit(this))
    , m_passwordMode(new QRadioButton(this))
    , m_apiKeyMode(new QRadioButton(this))
    , m_username(new QLineEdit(this))
    , m_secret(new QLineEdit(this))
    , m_remember(new QCheckBox(this))
    , m_error(new QLabel(this))
    , m_save(new QPushButton(this))
    , m_delete(new QPushButton(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("ConnectDialog"));
    m_secret->setEchoMode(QLineEdit::Password);
    m_url->setPlaceholderText(QStringLiteral("ws://127.0.0.1:8000/ws"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #a40000"));
    m_error->hide();
    auto *modes = new QButtonGroup(this);
    modes->addButton(m_passwordMode);
    modes->addButton(m_apiKeyMode);
    m_passwordMode->setChecked(true);

    auto *profileRow = new QHBoxLayout;
    profileRow->addWidget(m_profiles, 1);
    profileRow->addWidget(m_save);
    profileRow->addWidget(m_delete);
    auto *modeRow = new QHBoxLayout;
    modeRow->addWidget(m_passwordMode);
    modeRow->addWidget(m_apiKeyMode);
    modeRow->addStretch();
    m_form->addRow(QStringLiteral("-"), profileRow);
    m_form->addRow(QStringLiteral("-"), m_name);
    m_form->addRow(QStringLiteral("-"), m_url);
    m_form->addRow(QStringLiteral("-"), modeRow);
    m_form->addRow(QStringLiteral("-"), m_username);
    m_form->addRow(QStringLiteral("-"), m_secret);
    m_form->addRow(QString(), m_remember);
    if (auto *label = qobject_cast<QLabel *>(m_form->itemAt(0, QFormLayout::LabelRole)->widget()))
        label->setBuddy(m_profiles);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(m_form);
    layout->addWidget(m_error);
    layout->addWidget(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &ConnectDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ConnectDialog::reject);
    connect(m_save, &QPushButton::clicked, this, &ConnectDialog::saveProfile);
    connect(m_delete, &QPushButton::clicked, this, &ConnectDialog::deleteProfile);
    connect(m_profiles, &QComboBox::activated, this, &ConnectDialog::profileSelected);
    connect(m_apiKeyMode, &QRadioButton::toggled, this, &ConnectDialog::updateMode);

    setTabOrderChain({m_profiles, m_save, m_delete, m_name, m_url, m_passwordMode, m_apiKeyMode,
                      m_username, m_secret, m_remember, m_buttons});
    retranslateUi();
    reloadProfiles(m_store->lastUsed());
    profileSelected(m_profiles->currentIndex());
}

void ConnectDialog::retranslateUi()
{
    setWindowTitle(tr("Connect to a server"));
    const QStringList labels {tr("&Profile:"),     tr("&Name:"),          tr("Server &URL:"),
                              tr("Sign in with:"), tr("&Administrator:"), QString()};
    for (int row = 0; row < labels.size(); ++row) {
        QLayoutItem *item = m_form->itemAt(row, QFormLayout::LabelRole);
        if (auto *label = item ? qobject_cast<QLabel *>(item->widget()) : nullptr)
            label->setText(labels.at(row));
    }
    m_passwordMode->setText(tr("Pass&word"));
    m_apiKeyMode->setText(tr("API &key"));
    m_save->setText(tr("&Save"));
    m_delete->setText(tr("De&lete"));
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Connect"));
    m_remember->setText(tr("&Remember the secret (in the system keyring)"));
    m_username->setPlaceholderText(tr("an account with the admin role"));
    m_name->setPlaceholderText(tr("e.g. Production"));
    if (m_profiles->count() > 0)
        m_profiles->setItemText(0, tr("New profile"));
    updateMode();
}

void ConnectDialog::updateMode()
{
    const bool apiKey = m_apiKeyMode->isChecked();
    if (auto *label = qobject_cast<QLabel *>(m_form->labelForField(m_secret)))
        label->setText(apiKey ? tr("API &key:") : tr("Pass&word:"));
    m_username->setToolTip(apiKey ? tr("The console mints a token for this admin account with "
                                       "the API key and acts as it.")
                                  : tr("The console logs in as this admin account."));
}

void ConnectDialog::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QDialog::changeEvent(event);
}

void ConnectDialog::reloadProfiles(const QString &select)
{
    m_profiles->clear();
    m_profiles->addItem(tr("New profile"));
    for (const ServerProfile &p : m_store->profiles())
        m_profiles->addItem(p.name, p.name);
    const int index = select.isEmpty() ? 0 : qMax(0, m_profiles->findData(select));
    m_profiles->setCurrentIndex(index);
}

void ConnectDialog::profileSelected(int index)
{
    const QString name = m_profiles->itemData(index).toString();
    if (name.isEmpty()) {
        ServerProfile fresh;
        fresh.url = QUrl(QStringLiteral("ws://127.0.0.1:8000/ws"));
        setProfile(fresh);
        return;
    }
    setProfile(m_store->profile(name));
}

void ConnectDialog::setProfile(const ServerProfile &p)
{
    m_name->setText(p.name);
    m_url->setText(p.url.toString());
    (p.mode == ServerProfile::AuthMode::ApiKey ? m_apiKeyMode : m_passwordMode)->setChecked(true);
    m_username->setText(p.username);
    m_secret->setText(p.secret());
    m_remember->setChecked(p.rememberSecret);
    m_delete->setEnabled(!p.name.isEmpty());
    updateMode();
}

ServerProfile ConnectDialog::profile() const
{
    ServerProfile p;
    p.name = m_name->text().trimmed();
    if (p.name.isEmpty())
        p.name = QUrl::fromUserInput(m_url->text().trimmed()).host();
    p.url = QUrl::fromUserInput(m_url->text().trimmed());
    p.mode = m_apiKeyMode->isChecked() ? ServerProfile::AuthMode::ApiKey
                                       : ServerProfile::AuthMode::Password;
    p.username = m_username->text().trimmed();
    (p.mode == ServerProfile::AuthMode::ApiKey ? p.apiKey : p.password) = m_secret->text();
    p.rememberSecret = m_remember->isChecked();
    return p;
}

void ConnectDialog::saveProfile()
{
    const ServerProfile p = profile();
    saveAndWarn(p);
    reloadProfiles(p.name);
    m_delete->setEnabled(true);
}

void ConnectDialog::deleteProfile()
{
    const QString name = m_profiles->currentData().toString();
    if (name.isEmpty())
        return;
    m_store->remove(name);
    reloadProfiles({});
    profileSelected(0);
}

void ConnectDialog::saveAndWarn(const ServerProfile &p)
{
    if (m_store->save(p) != ProfileStore::SecretPlace::NotKept || !p.rememberSecret)
        return;
    QMessageBox::warning(
        this, tr("Secret not remembered"),
        tr("No system keyring is available, so the secret was not remembered: the console "
           "will ask for it next time. To keep it in the settings file in plain text "
           "instead, set secrets/plain_text_fallback=true in %1.")
            .arg(m_store->settingsFile()));
}

void ConnectDialog::accept()
{
    const ServerProfile p = profile();
    QString why;
    if (!p.isValid(&why)) {
        m_error->setText(why);
        m_error->show();
        return;
    }
    // Connecting saves the profile (so it is there next time) and remembers it as the last one.
    saveAndWarn(p);
    m_store->setLastUsed(p.name);
    QDialog::accept();
}

} // namespace Switchboard::Console
