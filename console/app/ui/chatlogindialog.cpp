// SPDX-License-Identifier: MIT
#include "chatlogindialog.h"

#include <QDialogButtonBox>
#include <QEvent>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace Switchboard::Console {

ChatLoginDialog::ChatLoginDialog(bool apiKeyAvailable, QWidget *parent)
    : QDialog(parent)
    , m_apiKey(apiKeyAvailable)
    , m_form(new QFormLayout)
    , m_username(new QLineEdit(this))
    , m_password(new QLineEdit(this))
    , m_rooms(new QLineEdit(this))
    , m_hint(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("ChatLoginDialog"));
    m_password->setEchoMode(QLineEdit::Password);
    m_hint->setWordWrap(true);
    m_form->addRow(QStringLiteral("-"), m_username);
    m_form->addRow(QStringLiteral("-"), m_password);
    m_form->addRow(QStringLiteral("-"), m_rooms);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(m_form);
    layout->addWidget(m_hint);
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto updateOk = [this]() {
        m_buttons->button(QDialogButtonBox::Ok)
            ->setEnabled(!m_username->text().trimmed().isEmpty()
                         && (m_apiKey || !m_password->text().isEmpty()));
    };
    connect(m_username, &QLineEdit::textChanged, this, updateOk);
    connect(m_password, &QLineEdit::textChanged, this, updateOk);
    retranslateUi();
    updateOk();
}

void ChatLoginDialog::retranslateUi()
{
    setWindowTitle(tr("New chat test window"));
    const QList<QPair<QWidget *, QString>> captions {{m_username, tr("&User name:")},
                                                     {m_password, tr("&Password:")},
                                                     {m_rooms, tr("&Join rooms:")}};
    for (const auto &[field, text] : captions) {
        if (auto *label = qobject_cast<QLabel *>(m_form->labelForField(field)))
            label->setText(text);
    }
    m_rooms->setPlaceholderText(tr("comma-separated, e.g. general, support"));
    m_password->setPlaceholderText(m_apiKey ? tr("empty: use the profile's API key") : QString());
    m_hint->setText(m_apiKey ? tr("Without a password the console mints a token for this user "
                                  "with the API key of the current profile.")
                             : tr("The window logs in with this user's password."));
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Open"));
}

void ChatLoginDialog::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QDialog::changeEvent(event);
}

QString ChatLoginDialog::username() const
{
    return m_username->text().trimmed();
}

QString ChatLoginDialog::password() const
{
    return m_password->text();
}

QStringList ChatLoginDialog::rooms() const
{
    QStringList result;
    for (const QString &r : m_rooms->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        if (!r.trimmed().isEmpty())
            result.append(r.trimmed());
    }
    return result;
}

} // namespace Switchboard::Console
