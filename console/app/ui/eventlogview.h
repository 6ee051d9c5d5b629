// SPDX-License-Identifier: MIT
#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace Switchboard::Console {

class AdminSession;
class EventLogFilter;

// The operator feed as a log: every admin_event, session change and operator action, newest
// at the bottom, filterable by category and text, exportable to a file.
class EventLogView : public QWidget
{
    Q_OBJECT

public:
    explicit EventLogView(AdminSession *session, QWidget *parent = nullptr);

    QTableView *table() const { return m_table; }
    EventLogFilter *filter() const { return m_filter; }
    void setFilterText(const QString &text);
    bool exportTo(const QString &path, QString *error) const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslateUi();
    void rowsAdded();

    AdminSession *m_session;
    EventLogFilter *m_filter;
    QLineEdit *m_text;
    QLabel *m_categoryLabel;
    QComboBox *m_category;
    QPushButton *m_clear;
    QPushButton *m_export;
    QTableView *m_table;
};

} // namespace Switchboard::Console
