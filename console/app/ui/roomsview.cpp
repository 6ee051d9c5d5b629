// SPDX-License-Identifier: MIT
#include "roomsview.h"

#include "icons.h"
#include "taborder.h"
#include "roomdialog.h"

#include "model/adminsession.h"
#include "model/roomsmodel.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace Switchboard::Console {

RoomsView::RoomsView(AdminSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_table(new QTableView(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_summary(new QLabel(this))
    , m_create(new QPushButton(Icons::icon("list-add"), QString(), this))
    , m_edit(new QPushButton(Icons::icon("document-properties"), QString(), this))
    , m_delete(new QPushButton(Icons::icon("list-remove"), QString(), this))
{
    setObjectName(QStringLiteral("RoomsView"));
    m_proxy->setSourceModel(m_session->rooms());
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(RoomsModel::RoomId, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    // Size columns from the rows on screen, not from a thousand rows at each change.
    m_table->horizontalHeader()->setResizeContentsPrecision(0);
    m_table->horizontalHeader()->setSectionResizeMode(RoomsModel::Name, QHeaderView::Stretch);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_create);
    buttons->addWidget(m_edit);
    buttons->addWidget(m_delete);
    buttons->addStretch();
    buttons->addWidget(m_summary);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_table, 1);
    layout->addLayout(buttons);
    setTabOrderChain({m_table, m_create, m_edit, m_delete});

    connect(m_create, &QPushButton::clicked, this, &RoomsView::createRoom);
    connect(m_edit, &QPushButton::clicked, this, &RoomsView::editRoom);
    connect(m_delete, &QPushButton::clicked, this, &RoomsView::deleteRoom);
    connect(m_table, &QTableView::doubleClicked, this, &RoomsView::editRoom);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &RoomsView::updateButtons);
    RoomsModel *rooms = m_session->rooms();
    connect(rooms, &QAbstractItemModel::rowsInserted, this, &RoomsView::retranslateUi);
    connect(rooms, &QAbstractItemModel::rowsRemoved, this, &RoomsView::retranslateUi);
    connect(rooms, &QAbstractItemModel::modelReset, this, &RoomsView::retranslateUi);
    connect(rooms, &QAbstractItemModel::modelReset, this, &RoomsView::updateButtons);
    retranslateUi();
    updateButtons();
}

void RoomsView::retranslateUi()
{
    m_create->setText(tr("&New room…"));
    m_edit->setText(tr("&Edit policy…"));
    m_delete->setText(tr("De&lete room"));
    m_summary->setText(tr("%n room(s)", nullptr, m_session->rooms()->rowCount()));
}

void RoomsView::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange) {
        retranslateUi();
        m_session->rooms()->retranslate();
    }
    QWidget::changeEvent(event);
}

QString RoomsView::selectedRoomId() const
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(RoomsModel::RoomIdRole).toString();
}

void RoomsView::updateButtons()
{
    const bool any = !selectedRoomId().isEmpty();
    m_edit->setEnabled(any);
    m_delete->setEnabled(any);
}

void RoomsView::createRoom()
{
    RoomDialog dialog({}, this);
    if (dialog.exec() == QDialog::Accepted)
        m_session->createRoom(dialog.result());
}

void RoomsView::editRoom()
{
    const QString roomId = selectedRoomId();
    if (roomId.isEmpty())
        return;
    RoomDialog dialog(m_session->rooms()->room(roomId), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const QJsonObject changes = dialog.result();
    if (!changes.isEmpty())
        m_session->updateRoom(roomId, changes);
}

void RoomsView::deleteRoom()
{
    const QString roomId = selectedRoomId();
    if (roomId.isEmpty())
        return;
    const auto answer = QMessageBox::question(
        this, tr("Delete room"),
        tr("Delete the room %1? Its members are told that it is gone.").arg(roomId));
    if (answer == QMessageBox::Yes)
        m_session->deleteRoom(roomId);
}

} // namespace Switchboard::Console
