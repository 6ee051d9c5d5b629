// SPDX-License-Identifier: MIT
#include "eventlogview.h"

#include "icons.h"
#include "taborder.h"

#include "model/adminsession.h"
#include "model/eventlogfilter.h"
#include "model/eventlogmodel.h"

#include <QComboBox>
#include <QEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollBar>
#include <QStandardPaths>
#include <QTableView>
#include <QVBoxLayout>

namespace Switchboard::Console {

EventLogView::EventLogView(AdminSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_filter(new EventLogFilter(this))
    , m_text(new QLineEdit(this))
    , m_categoryLabel(new QLabel(this))
    , m_category(new QComboBox(this))
    , m_clear(new QPushButton(this))
    , m_export(new QPushButton(Icons::icon("document-save"), QString(), this))
    , m_table(new QTableView(this))
{
    setObjectName(QStringLiteral("EventLogView"));
    m_filter->setSourceModel(m_session->log());
    m_table->setModel(m_filter);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    // Size columns from the rows on screen, not from a thousand rows at each change.
    m_table->horizontalHeader()->setResizeContentsPrecision(0);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false);
    m_text->setClearButtonEnabled(true);
    m_categoryLabel->setBuddy(m_category);
    m_category->addItem(QString(), -1);
    using Category = EventDescriber::Category;
    for (Category c : {Category::Session, Category::Connection, Category::Presence, Category::Room,
                       Category::Broadcast, Category::Error, Category::Operator})
        m_category->addItem(QString(), int(c));

    auto *top = new QHBoxLayout;
    top->addWidget(m_text, 1);
    top->addWidget(m_categoryLabel);
    top->addWidget(m_category);
    top->addWidget(m_clear);
    top->addWidget(m_export);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_table, 1);
    setTabOrderChain({m_text, m_category, m_clear, m_export, m_table});

    connect(m_text, &QLineEdit::textChanged, m_filter, &EventLogFilter::setText);
    connect(m_category, &QComboBox::currentIndexChanged, this,
            [this]() { m_filter->setCategory(m_category->currentData().toInt()); });
    connect(m_clear, &QPushButton::clicked, m_session->log(), &EventLogModel::clear);
    connect(m_export, &QPushButton::clicked, this, [this]() {
        const QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export event log"), dir + QStringLiteral("/switchboard-events.tsv"),
            tr("Tab-separated text (*.tsv *.txt);;JSON lines (*.jsonl)"));
        QString error;
        if (!path.isEmpty() && !exportTo(path, &error))
            QMessageBox::warning(this, tr("Export event log"),
                                 tr("The event log could not be saved: %1").arg(error));
    });
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, &EventLogView::rowsAdded);
    retranslateUi();
}

void EventLogView::retranslateUi()
{
    m_text->setPlaceholderText(tr("Search the log (text or JSON)"));
    m_categoryLabel->setText(tr("&Category:"));
    m_category->setItemText(0, tr("All"));
    for (int i = 1; i < m_category->count(); ++i)
        m_category->setItemText(i,
                                EventDescriber::categoryName(
                                    EventDescriber::Category(m_category->itemData(i).toInt())));
    m_clear->setText(tr("C&lear"));
    m_export->setText(tr("E&xport…"));
}

void EventLogView::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange) {
        retranslateUi();
        m_session->log()->retranslate();
    }
    QWidget::changeEvent(event);
}

void EventLogView::rowsAdded()
{
    // Follow new events only when the operator is already looking at the newest ones.
    QScrollBar *bar = m_table->verticalScrollBar();
    if (bar->value() >= bar->maximum() - 2)
        m_table->scrollToBottom();
}

void EventLogView::setFilterText(const QString &text)
{
    m_text->setText(text);
}

bool EventLogView::exportTo(const QString &path, QString *error) const
{
    return m_filter->exportTo(path, error);
}

} // namespace Switchboard::Console
