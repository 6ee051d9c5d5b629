// SPDX-License-Identifier: MIT
// ChatWindow's widgets, layout, tab order and texts.
#include "chatwindow.h"

#include "icons.h"
#include "taborder.h"

#include "model/chatsession.h"
#include "model/usersmodel.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>

namespace Switchboard::Console {

void ChatWindow::buildUi()
{
    m_state = new QLabel(this);
    m_presenceLabel = new QLabel(this);
    m_presence = new QComboBox(this);
    for (const char *s : {"online", "away", "busy", "offline"})
        m_presence->addItem(QString(), QString::fromLatin1(s));
    m_presenceLabel->setBuddy(m_presence);
    m_tabs = new QTabWidget(this);

    auto *conversation = new QWidget(m_tabs);
    m_transcript = new QListView(conversation);
    m_transcript->setModel(m_session->transcript());
    m_transcript->setWordWrap(true);
    m_transcript->setUniformItemSizes(false);
    m_typing = new QLabel(conversation);
    m_typing->setStyleSheet(QStringLiteral("color: gray"));
    m_roomLabel = new QLabel(conversation);
    m_room = new QComboBox(conversation);
    m_room->setEditable(true);
    m_room->setMinimumContentsLength(12);
    m_roomLabel->setBuddy(m_room);
    m_join = new QPushButton(conversation);
    m_leave = new QPushButton(conversation);
    m_targetKind = new QComboBox(conversation);
    m_targetKind->setObjectName(QStringLiteral("targetKind"));
    m_targetKind->addItem(QString(), QStringLiteral("room"));
    m_targetKind->addItem(QString(), QStringLiteral("user"));
    // Translated item texts differ in length: the box follows them (no "发往用户 I").
    m_targetKind->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_presence->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_target = new QComboBox(conversation);
    m_target->setObjectName(QStringLiteral("target"));
    m_target->setEditable(true);
    m_target->setMinimumContentsLength(10);
    m_message = new QLineEdit(conversation);
    m_send = new QPushButton(Icons::icon("mail-send"), QString(), conversation);
    m_send->setDefault(true);
    m_sendError = new QLabel(conversation);
    m_sendError->setStyleSheet(QStringLiteral("color: #a40000"));
    m_sendError->hide();

    auto *roomRow = new QHBoxLayout;
    roomRow->addWidget(m_roomLabel);
    roomRow->addWidget(m_room, 1);
    roomRow->addWidget(m_join);
    roomRow->addWidget(m_leave);
    auto *sendRow = new QHBoxLayout;
    sendRow->addWidget(m_targetKind);
    sendRow->addWidget(m_target);
    sendRow->addWidget(m_message, 1);
    sendRow->addWidget(m_send);
    auto *convLayout = new QVBoxLayout(conversation);
    convLayout->addLayout(roomRow);
    convLayout->addWidget(m_transcript, 1);
    convLayout->addWidget(m_typing);
    convLayout->addLayout(sendRow);
    convLayout->addWidget(m_sendError);

    auto *rawPage = new QWidget(m_tabs);
    m_raw = new QPlainTextEdit(rawPage);
    m_raw->setReadOnly(true);
    m_raw->setMaximumBlockCount(5000);
    m_raw->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_rawInput = new QLineEdit(rawPage);
    m_rawInput->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_rawSend = new QPushButton(rawPage);
    m_rawError = new QLabel(rawPage);
    m_rawError->setStyleSheet(QStringLiteral("color: #a40000"));
    auto *rawRow = new QHBoxLayout;
    rawRow->addWidget(m_rawInput, 1);
    rawRow->addWidget(m_rawSend);
    auto *rawLayout = new QVBoxLayout(rawPage);
    rawLayout->addWidget(m_raw, 1);
    rawLayout->addLayout(rawRow);
    rawLayout->addWidget(m_rawError);

    m_tabs->addTab(conversation, QString());
    m_tabs->addTab(rawPage, QString());
    auto *top = new QHBoxLayout;
    top->addWidget(m_state, 1);
    top->addWidget(m_presenceLabel);
    top->addWidget(m_presence);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_tabs, 1);

    setTabOrderChain({m_message, m_send, m_targetKind, m_target, m_room, m_join, m_leave,
                      m_transcript, m_presence, m_rawInput, m_rawSend, m_raw});
    m_message->setFocus();
    resize(640, 520);
}

void ChatWindow::retranslateUi()
{
    updateState();
    m_presenceLabel->setText(tr("&Status:"));
    for (int i = 0; i < m_presence->count(); ++i)
        m_presence->setItemText(i, UsersModel::statusText(m_presence->itemData(i).toString()));
    m_tabs->setTabText(0, tr("Conversation"));
    m_tabs->setTabText(1, tr("Raw frames"));
    m_roomLabel->setText(tr("R&oom:"));
    m_join->setText(tr("&Join"));
    m_leave->setText(tr("Lea&ve"));
    m_targetKind->setItemText(0, tr("to room"));
    m_targetKind->setItemText(1, tr("to user"));
    m_target->lineEdit()->setPlaceholderText(
        m_targetKind->currentData().toString() == QLatin1StringView("user") ? tr("name or id")
                                                                            : tr("room id"));
    m_message->setPlaceholderText(tr("Type a message and press Enter"));
    m_send->setText(tr("Sen&d"));
    m_rawInput->setPlaceholderText(tr("Any JSON frame, e.g. {\"type\":\"ping\"}"));
    m_rawSend->setText(tr("Send &frame"));
    updateTyping();
}

} // namespace Switchboard::Console
