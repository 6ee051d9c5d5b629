// SPDX-License-Identifier: MIT
#include "nodesview.h"

#include "model/adminsession.h"
#include "model/nodesmodel.h"
#include "model/serverhealth.h"

#include <QEvent>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

namespace Switchboard::Console {

NodesView::NodesView(AdminSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_summary(new QLabel(this))
    , m_table(new QTableView(this))
    , m_proxy(new QSortFilterProxyModel(this))
{
    setObjectName(QStringLiteral("NodesView"));
    m_summary->setObjectName(QStringLiteral("nodesSummary"));
    m_summary->setWordWrap(true);
    m_proxy->setSourceModel(m_session->nodes());
    m_proxy->setSortRole(NodesModel::SortRole);
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(NodesModel::NodeId, Qt::AscendingOrder);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setResizeContentsPrecision(0);
    m_table->horizontalHeader()->setStretchLastSection(true);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_table, 1);

    connect(m_session->nodes(), &NodesModel::nodesChanged, this, [this]() {
        updateColumns();
        retranslateUi();
    });
    connect(m_session->health(), &ServerHealth::changed, this, &NodesView::retranslateUi);
    m_clock.setInterval(1000);
    connect(&m_clock, &QTimer::timeout, m_session->nodes(), &NodesModel::tick);
    m_clock.start();
    updateColumns();
    retranslateUi();
}

QString NodesView::summaryText() const
{
    return m_summary->text();
}

void NodesView::updateColumns()
{
    // Only what the nodes carry: a column without a value in any row would be an empty promise.
    const NodesModel *nodes = m_session->nodes();
    for (int column = 0; column < NodesModel::ColumnCount; ++column)
        m_table->setColumnHidden(column,
                                 nodes->rowCount() > 0 && column != NodesModel::NodeId
                                     && column != NodesModel::State && !nodes->hasData(column));
}

void NodesView::retranslateUi()
{
    const NodesModel *nodes = m_session->nodes();
    const QLocale locale;
    QString text;
    if (nodes->rowCount() == 0) {
        text = tr("No nodes yet: the list comes from the server once connected.");
    } else {
        text = tr("%n node(s)", nullptr, nodes->reported());
        if (nodes->staleCount() > 0)
            text += QStringLiteral(" · ") + tr("%n stale", nullptr, nodes->staleCount());
        if (nodes->capped())
            text += QStringLiteral(" · ")
                + tr("showing the first %1 of %2 nodes")
                      .arg(locale.toString(nodes->rowCount()), locale.toString(nodes->reported()));
        // A node without its Redis lists itself alone: the others did not go away.
        if (m_session->health()->state() == ServerHealth::State::Degraded)
            text += QStringLiteral(" · ")
                + tr("only this node is known while it cannot reach Redis");
    }
    m_summary->setText(text);
}

void NodesView::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange) {
        retranslateUi();
        m_session->nodes()->retranslate();
    }
    QWidget::changeEvent(event);
}

} // namespace Switchboard::Console
