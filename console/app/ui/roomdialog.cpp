// SPDX-License-Identifier: MIT
#include "roomdialog.h"

#include "model/jsonfields.h"
#include "model/roomsmodel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QEvent>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QSpinBox>
#include <QVBoxLayout>

namespace Switchboard::Console {

RoomDialog::RoomDialog(const QJsonObject &room, QWidget *parent)
    : QDialog(parent)
    , m_original(room)
    , m_form(new QFormLayout)
    , m_id(new QLineEdit(this))
    , m_name(new QLineEdit(this))
    , m_description(new QLineEdit(this))
    , m_private(new QCheckBox(this))
    , m_policy(new QComboBox(this))
    , m_maxMembers(new QSpinBox(this))
    , m_announce(new QCheckBox(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("RoomDialog"));
    // The protocol's room id rule (PROTOCOL.md, Rooms).
    m_id->setValidator(new QRegularExpressionValidator(
        QRegularExpression(QStringLiteral("[A-Za-z0-9_-]{1,64}")), m_id));
    m_name->setMaxLength(100);
    m_description->setMaxLength(1000);
    for (const char *policy : {"members", "owners", "admins"})
        m_policy->addItem(QString(), QString::fromLatin1(policy));
    m_maxMembers->setRange(0, 1000000);
    m_form->addRow(QStringLiteral("-"), m_id);
    m_form->addRow(QStringLiteral("-"), m_name);
    m_form->addRow(QStringLiteral("-"), m_description);
    m_form->addRow(QString(), m_private);
    m_form->addRow(QStringLiteral("-"), m_policy);
    m_form->addRow(QStringLiteral("-"), m_maxMembers);
    m_form->addRow(QString(), m_announce);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(m_form);
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto updateOk = [this]() {
        m_buttons->button(QDialogButtonBox::Ok)->setEnabled(m_id->hasAcceptableInput());
    };
    connect(m_id, &QLineEdit::textChanged, this, updateOk);

    const bool editing = !room.isEmpty();
    m_id->setText(Json::str(room, "room_id"));
    m_id->setReadOnly(editing);
    m_name->setText(Json::str(room, "name"));
    m_description->setText(Json::str(room, "description"));
    m_private->setChecked(room.value(QLatin1StringView("private")).toBool());
    const int policy
        = m_policy->findData(editing ? Json::str(room, "post_policy") : QStringLiteral("members"));
    m_policy->setCurrentIndex(qMax(0, policy));
    m_maxMembers->setValue(int(Json::num(room, "max_members")));
    m_announce->setChecked(room.value(QLatin1StringView("announce_membership")).toBool(true));
    retranslateUi();
    updateOk();
}

void RoomDialog::retranslateUi()
{
    setWindowTitle(m_original.isEmpty() ? tr("New room")
                                        : tr("Room %1").arg(Json::str(m_original, "room_id")));
    const QList<QPair<QWidget *, QString>> captions {{m_id, tr("Room &ID:")},
                                                     {m_name, tr("&Name:")},
                                                     {m_description, tr("&Description:")},
                                                     {m_policy, tr("Who may &post:")},
                                                     {m_maxMembers, tr("&Member limit:")}};
    for (const auto &[field, text] : captions) {
        if (auto *label = qobject_cast<QLabel *>(m_form->labelForField(field)))
            label->setText(text);
    }
    m_id->setPlaceholderText(tr("letters, digits, _ and -"));
    m_private->setText(tr("P&rivate (members join by invitation)"));
    m_announce->setText(tr("&Announce joins and leaves to members"));
    m_maxMembers->setSpecialValueText(tr("server limit"));
    for (int i = 0; i < m_policy->count(); ++i)
        m_policy->setItemText(i, RoomsModel::policyText(m_policy->itemData(i).toString()));
}

void RoomDialog::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QDialog::changeEvent(event);
}

QJsonObject RoomDialog::result() const
{
    const QJsonObject all {{QStringLiteral("room_id"), m_id->text()},
                           {QStringLiteral("name"), m_name->text()},
                           {QStringLiteral("description"), m_description->text()},
                           {QStringLiteral("private"), m_private->isChecked()},
                           {QStringLiteral("post_policy"), m_policy->currentData().toString()},
                           {QStringLiteral("max_members"), m_maxMembers->value()},
                           {QStringLiteral("announce_membership"), m_announce->isChecked()}};
    if (m_original.isEmpty())
        return all;
    QJsonObject changed;
    for (auto it = all.begin(); it != all.end(); ++it) {
        if (it.key() != QLatin1StringView("room_id") && m_original.value(it.key()) != it.value())
            changed.insert(it.key(), it.value());
    }
    return changed;
}

} // namespace Switchboard::Console
