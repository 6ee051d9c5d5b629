// SPDX-License-Identifier: MIT
#include "usersview.h"

#include "icons.h"
#include "taborder.h"

#include "model/adminsession.h"
#include "model/usersfilter.h"
#include "model/usersmodel.h"

#include <QCheckBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QTreeView>
#include <QVBoxLayout>

namespace Switchboard::Console {

UsersView::UsersView(AdminSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_filter(new QLineEdit(this))
    , m_hideLoadTest(new QCheckBox(this))
    , m_tree(new QTreeView(this))
    , m_proxy(new UsersFilter(this))
    , m_summary(new QLabel(this))
    , m_message(new QPushButton(Icons::icon("mail-send"), QString(), this))
    , m_disconnect(new QPushButton(Icons::icon("network-disconnect"), QString(), this))
    , m_disable(new QPushButton(Icons::icon("process-stop"), QString(), this))
    , m_chat(new QPushButton(Icons::icon("im-user"), QString(), this))
{
    setObjectName(QStringLiteral("UsersView"));
    m_proxy->setSourceModel(m_session->users());
    m_tree->setModel(m_proxy);
    m_tree->setSortingEnabled(true);
    m_tree->sortByColumn(UsersModel::Name, Qt::AscendingOrder);
    m_tree->setAlternatingRowColors(true);
    m_tree->setUniformRowHeights(true);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    // Size columns from the rows on screen, not from a thousand rows at each change.
    m_tree->header()->setResizeContentsPrecision(0);
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &UsersFilter::setText);
    // A load test brings thousands of synthetic users that bury the real ones, so they are
    // hidden by default; the summary still counts every user online, as the dashboard does.
    m_hideLoadTest->setObjectName(QStringLiteral("hideLoadTestUsers"));
    m_hideLoadTest->setChecked(true);
    m_proxy->setHideLoadTestUsers(true);
    connect(m_hideLoadTest, &QCheckBox::toggled, m_proxy, &UsersFilter::setHideLoadTestUsers);
    connect(m_hideLoadTest, &QCheckBox::clicked, this, &UsersView::hideLoadTestUsersChanged);

    auto *top = new QHBoxLayout;
    top->addWidget(m_filter, 1);
    top->addWidget(m_hideLoadTest);
    top->addWidget(m_summary);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_message);
    buttons->addWidget(m_disconnect);
    buttons->addWidget(m_disable);
    buttons->addStretch();
    buttons->addWidget(m_chat);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_tree, 1);
    layout->addLayout(buttons);
    setTabOrderChain(
        {m_filter, m_hideLoadTest, m_tree, m_message, m_disconnect, m_disable, m_chat});

    connect(m_message, &QPushButton::clicked, this, &UsersView::askMessage);
    connect(m_disconnect, &QPushButton::clicked, this, &UsersView::askDisconnect);
    connect(m_disable, &QPushButton::clicked, this, &UsersView::askDisable);
    connect(m_chat, &QPushButton::clicked, this, &UsersView::chatRequested);
    connect(m_tree->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &UsersView::updateButtons);
    UsersModel *users = m_session->users();
    // One node names no node: the column appears when the server names one.
    m_tree->setColumnHidden(UsersModel::Node, !users->hasNodeIds());
    connect(users, &UsersModel::hasNodeIdsChanged, this,
            [this](bool has) { m_tree->setColumnHidden(UsersModel::Node, !has); });
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(users, signal, this, &UsersView::retranslateUi);
    connect(users, &QAbstractItemModel::modelReset, this, &UsersView::retranslateUi);
    connect(users, &QAbstractItemModel::modelReset, this, &UsersView::updateButtons);
    retranslateUi();
    updateButtons();
}

void UsersView::retranslateUi()
{
    m_filter->setPlaceholderText(tr("Filter by name, address, client or room"));
    m_hideLoadTest->setText(tr("Hide load-test users (lt…)"));
    m_hideLoadTest->setToolTip(tr("Hide the users switchboard-loadtest connects: each is named lt "
                                  "followed by its user ID, for example lt1000000."));
    m_summary->setText(tr("%n user(s) online", nullptr, m_session->users()->rowCount())
                       + QStringLiteral(" · ")
                       + tr("%n connection(s)", nullptr, m_session->users()->connectionCount()));
    m_message->setText(tr("Send &message…"));
    m_disconnect->setText(tr("&Disconnect…"));
    m_disable->setText(tr("Disa&ble account…"));
    m_chat->setText(tr("Open &chat test window…"));
}

void UsersView::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange) {
        retranslateUi();
        m_session->users()->retranslate();
    }
    QWidget::changeEvent(event);
}

qint64 UsersView::selectedUserId() const
{
    const QModelIndex index = m_tree->currentIndex();
    return index.isValid() ? index.data(UsersModel::UserIdRole).toLongLong() : 0;
}

QString UsersView::selectedConnectionId() const
{
    const QModelIndex index = m_tree->currentIndex();
    return index.isValid() && index.data(UsersModel::IsConnectionRole).toBool()
        ? index.data(UsersModel::ConnectionIdRole).toString()
        : QString();
}

void UsersView::setHideLoadTestUsers(bool hide)
{
    m_hideLoadTest->setChecked(hide);
}

bool UsersView::hidesLoadTestUsers() const
{
    return m_hideLoadTest->isChecked();
}

bool UsersView::selectUser(qint64 userId)
{
    const int row = m_session->users()->rowOfUser(userId);
    if (row < 0)
        return false;
    const QModelIndex index = m_proxy->mapFromSource(m_session->users()->index(row, 0));
    m_tree->setCurrentIndex(index);
    return index.isValid();
}

bool UsersView::selectConnection(qint64 userId, const QString &connectionId)
{
    UsersModel *users = m_session->users();
    const int row = users->rowOfUser(userId);
    if (row < 0)
        return false;
    const QModelIndex user = users->index(row, 0);
    for (int i = 0; i < users->rowCount(user); ++i) {
        const QModelIndex c = users->index(i, 0, user);
        if (c.data(UsersModel::ConnectionIdRole).toString() != connectionId)
            continue;
        const QModelIndex index = m_proxy->mapFromSource(c);
        m_tree->setCurrentIndex(index);
        return index.isValid();
    }
    return false;
}

void UsersView::updateButtons()
{
    const bool any = selectedUserId() > 0;
    m_message->setEnabled(any);
    m_disconnect->setEnabled(any);
    m_disable->setEnabled(any);
}

void UsersView::messageSelected(const QString &text)
{
    if (selectedUserId() > 0 && !text.isEmpty())
        m_session->sendMessage(selectedUserId(), text);
}

void UsersView::disconnectSelected(const QString &reason)
{
    const QString connectionId = selectedConnectionId();
    if (!connectionId.isEmpty()) {
        // Several nodes: the node that has it closes it (connection ids are each node's own).
        const QModelIndex index = m_tree->currentIndex();
        const QString node = index.siblingAtColumn(UsersModel::Node).data().toString();
        m_session->closeConnection(connectionId, reason, node);
        return;
    }
    if (selectedUserId() > 0)
        m_session->disconnectUser(selectedUserId(), reason);
}

void UsersView::disableSelected()
{
    if (selectedUserId() > 0)
        m_session->disableUser(selectedUserId());
}

void UsersView::askMessage()
{
    const QString name = m_session->users()->userName(selectedUserId());
    bool ok = false;
    const QString text = QInputDialog::getMultiLineText(
        this, tr("Send a message"), tr("Message to %1:").arg(name), QString(), &ok);
    if (ok)
        messageSelected(text.trimmed());
}

void UsersView::askDisconnect()
{
    const QString connectionId = selectedConnectionId();
    const QString name = m_session->users()->userName(selectedUserId());
    const QString question = connectionId.isEmpty()
        ? tr("Close every connection of %1. Reason (shown to the client):").arg(name)
        : tr("Close connection %1 of %2. Reason (shown to the client):").arg(connectionId, name);
    bool ok = false;
    const QString reason = QInputDialog::getText(this, tr("Disconnect"), question,
                                                 QLineEdit::Normal, tr("closed by operator"), &ok);
    if (ok)
        disconnectSelected(reason.trimmed());
}

void UsersView::askDisable()
{
    const QString name = m_session->users()->userName(selectedUserId());
    const auto answer = QMessageBox::question(
        this, tr("Disable account"),
        tr("Disable the account %1? Its connections are closed and it cannot log in until "
           "an operator enables it again.")
            .arg(name));
    if (answer == QMessageBox::Yes)
        disableSelected();
}

} // namespace Switchboard::Console
