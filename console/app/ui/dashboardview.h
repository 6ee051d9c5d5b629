// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QTimer>
#include <QWidget>

class QChart;
class QChartView;
class QDateTimeAxis;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineSeries;
class QValueAxis;

namespace Switchboard::Console {

class AdminSession;

// Server identity, totals and two live graphs (connections and users online; messages and
// frames per second) drawn with Qt Charts from the admin_stats ticks of the last minutes.
class DashboardView : public QWidget
{
    Q_OBJECT

public:
    explicit DashboardView(AdminSession *session, QWidget *parent = nullptr);

    // Text of a value label by key ("version", "connections", ...), for tests.
    QString valueText(const QString &key) const;
    int sampleCount() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslateUi();
    void updateServer();
    void updateTotals();
    void addSample();
    void rebuildSeries();
    void updateAxes();
    QLabel *addValue(QFormLayout *form, const QString &key);

    AdminSession *m_session;
    QGroupBox *m_serverBox;
    QGroupBox *m_totalsBox;
    QFormLayout *m_serverForm;
    QFormLayout *m_totalsForm;
    QHash<QString, QLabel *> m_values;
    QChart *m_connectionsChart;
    QChart *m_trafficChart;
    QLineSeries *m_connections;
    QLineSeries *m_users;
    QLineSeries *m_messages;
    QLineSeries *m_framesIn;
    QLineSeries *m_framesOut;
    QDateTimeAxis *m_connTime;
    QValueAxis *m_connValue;
    QDateTimeAxis *m_trafficTime;
    QValueAxis *m_trafficValue;
    QTimer m_clock;
};

} // namespace Switchboard::Console
