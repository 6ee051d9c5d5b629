// SPDX-License-Identifier: MIT
#pragma once

#include <QTimer>
#include <QWidget>

class QLabel;
class QSortFilterProxyModel;
class QTableView;

namespace Switchboard::Console {

class AdminSession;

// The nodes of the service, one row each (GET /api/v1/nodes, refreshed with the console's
// other metrics): id, alive or stale, address, connections, users, memory, uptime, version,
// storage, age of the last heartbeat. Columns the server sends nothing for stay hidden; a list
// past NodesModel::MAX_NODES is cut, and the summary says so.
class NodesView : public QWidget
{
    Q_OBJECT

public:
    explicit NodesView(AdminSession *session, QWidget *parent = nullptr);

    QTableView *table() const { return m_table; }
    QString summaryText() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslateUi();
    void updateColumns();

    AdminSession *m_session;
    QLabel *m_summary;
    QTableView *m_table;
    QSortFilterProxyModel *m_proxy;
    QTimer m_clock; // heartbeat ages move between refreshes
};

} // namespace Switchboard::Console
