// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace Switchboard::Console {

class AdminSession;

// Every room with members, online members and message counts; create, edit policy, delete.
class RoomsView : public QWidget
{
    Q_OBJECT

public:
    explicit RoomsView(AdminSession *session, QWidget *parent = nullptr);

    QTableView *table() const { return m_table; }
    QString selectedRoomId() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslateUi();
    void updateButtons();
    void createRoom();
    void editRoom();
    void deleteRoom();

    AdminSession *m_session;
    QTableView *m_table;
    QSortFilterProxyModel *m_proxy;
    QLabel *m_summary;
    QPushButton *m_create;
    QPushButton *m_edit;
    QPushButton *m_delete;
};

} // namespace Switchboard::Console
