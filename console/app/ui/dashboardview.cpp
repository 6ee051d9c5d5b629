// SPDX-License-Identifier: MIT
#include "dashboardview.h"

#include "model/adminsession.h"
#include "model/jsonfields.h"
#include "model/statshistory.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QEvent>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineSeries>
#include <QLocale>
#include <QValueAxis>
#include <QVBoxLayout>

namespace Switchboard::Console {

namespace {
// Keys of the value labels, in the order shown; their captions are translated in
// retranslateUi().
const QStringList SERVER_KEYS {QStringLiteral("version"), QStringLiteral("storage"),
                               QStringLiteral("listen"), QStringLiteral("started_at"),
                               QStringLiteral("uptime")};
const QStringList TOTAL_KEYS {QStringLiteral("connections"),
                              QStringLiteral("users_online"),
                              QStringLiteral("rooms"),
                              QStringLiteral("messages_stored"),
                              QStringLiteral("messages_per_sec"),
                              QStringLiteral("rss_bytes")};

QChart *makeChart(QLineSeries *a, QLineSeries *b, QLineSeries *c, QDateTimeAxis *time,
                  QValueAxis *value)
{
    auto *chart = new QChart;
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->addAxis(time, Qt::AlignBottom);
    chart->addAxis(value, Qt::AlignLeft);
    for (QLineSeries *s : {a, b, c}) {
        if (!s)
            continue;
        chart->addSeries(s);
        s->attachAxis(time);
        s->attachAxis(value);
    }
    time->setTickCount(6);
    value->setLabelFormat(QStringLiteral("%.0f"));
    value->setMin(0);
    return chart;
}
} // namespace

DashboardView::DashboardView(AdminSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_serverBox(new QGroupBox(this))
    , m_totalsBox(new QGroupBox(this))
    , m_serverForm(new QFormLayout(m_serverBox))
    , m_totalsForm(new QFormLayout(m_totalsBox))
    , m_connections(new QLineSeries(this))
    , m_users(new QLineSeries(this))
    , m_messages(new QLineSeries(this))
    , m_framesIn(new QLineSeries(this))
    , m_framesOut(new QLineSeries(this))
    , m_connTime(new QDateTimeAxis(this))
    , m_connValue(new QValueAxis(this))
    , m_trafficTime(new QDateTimeAxis(this))
    , m_trafficValue(new QValueAxis(this))
{
    setObjectName(QStringLiteral("DashboardView"));
    for (const QString &key : SERVER_KEYS)
        addValue(m_serverForm, key);
    for (const QString &key : TOTAL_KEYS)
        addValue(m_totalsForm, key);

    m_connectionsChart = makeChart(m_connections, m_users, nullptr, m_connTime, m_connValue);
    m_trafficChart = makeChart(m_messages, m_framesIn, m_framesOut, m_trafficTime, m_trafficValue);
    auto *connView = new QChartView(m_connectionsChart, this);
    auto *trafficView = new QChartView(m_trafficChart, this);
    for (QChartView *v : {connView, trafficView}) {
        v->setRenderHint(QPainter::Antialiasing);
        v->setMinimumHeight(220);
        v->setFocusPolicy(Qt::NoFocus);
    }

    auto *left = new QVBoxLayout;
    left->addWidget(m_serverBox);
    left->addWidget(m_totalsBox);
    left->addStretch();
    auto *right = new QVBoxLayout;
    right->addWidget(connView, 1);
    right->addWidget(trafficView, 1);
    auto *layout = new QGridLayout(this);
    layout->addLayout(left, 0, 0);
    layout->addLayout(right, 0, 1);
    layout->setColumnStretch(1, 1);

    StatsHistory *stats = m_session->stats();
    connect(stats, &StatsHistory::serverChanged, this, &DashboardView::updateServer);
    connect(stats, &StatsHistory::totalsChanged, this, &DashboardView::updateTotals);
    connect(stats, &StatsHistory::sampleAdded, this, &DashboardView::addSample);
    connect(stats, &StatsHistory::cleared, this, [this]() {
        rebuildSeries();
        updateServer();
        updateTotals();
    });
    m_clock.setInterval(1000);
    connect(&m_clock, &QTimer::timeout, this, [this]() {
        m_values.value(QStringLiteral("uptime"))
            ->setText(m_session->stats()->server().isEmpty()
                          ? QString()
                          : Json::duration(
                              m_session->stats()->uptimeMs(QDateTime::currentMSecsSinceEpoch())));
        updateAxes();
    });
    m_clock.start();
    retranslateUi();
    updateAxes();
}

QLabel *DashboardView::addValue(QFormLayout *form, const QString &key)
{
    auto *value = new QLabel(this);
    value->setObjectName(key);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(QStringLiteral("-"), value);
    m_values.insert(key, value);
    return value;
}

QString DashboardView::valueText(const QString &key) const
{
    const QLabel *label = m_values.value(key);
    return label ? label->text() : QString();
}

int DashboardView::sampleCount() const
{
    return int(m_connections->count());
}

void DashboardView::retranslateUi()
{
    m_serverBox->setTitle(tr("Server"));
    m_totalsBox->setTitle(tr("Totals"));
    const QStringList serverCaptions {tr("Version:"), tr("Storage:"), tr("Listening on:"),
                                      tr("Started:"), tr("Uptime:")};
    const QStringList totalCaptions {
        tr("Connections:"),     tr("Users online:"),        tr("Rooms:"),
        tr("Stored messages:"), tr("Messages per second:"), tr("Server memory:")};
    auto caption = [](QFormLayout *form, const QStringList &texts) {
        for (int row = 0; row < texts.size(); ++row) {
            if (auto *l
                = qobject_cast<QLabel *>(form->itemAt(row, QFormLayout::LabelRole)->widget()))
                l->setText(texts.at(row));
        }
    };
    caption(m_serverForm, serverCaptions);
    caption(m_totalsForm, totalCaptions);
    m_connectionsChart->setTitle(tr("Connections"));
    m_trafficChart->setTitle(tr("Traffic per second"));
    m_connections->setName(tr("Connections"));
    m_users->setName(tr("Users online"));
    m_messages->setName(tr("Messages/s"));
    m_framesIn->setName(tr("Frames in/s"));
    m_framesOut->setName(tr("Frames out/s"));
    updateServer();
    updateTotals();
}

void DashboardView::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QWidget::changeEvent(event);
}

void DashboardView::updateServer()
{
    const QJsonObject s = m_session->stats()->server();
    const QString storage = Json::str(s, "storage");
    m_values.value(QStringLiteral("version"))->setText(Json::str(s, "version"));
    m_values.value(QStringLiteral("storage"))
        ->setText(storage == QLatin1StringView("postgres")     ? QStringLiteral("PostgreSQL")
                      : storage == QLatin1StringView("sqlite") ? QStringLiteral("SQLite")
                                                               : storage);
    m_values.value(QStringLiteral("listen"))->setText(Json::str(s, "listen"));
    m_values.value(QStringLiteral("started_at"))->setText(Json::time(Json::num(s, "started_at")));
    m_values.value(QStringLiteral("uptime"))
        ->setText(s.isEmpty() ? QString()
                              : Json::duration(m_session->stats()->uptimeMs(
                                  QDateTime::currentMSecsSinceEpoch())));
}

void DashboardView::updateTotals()
{
    const QJsonObject t = m_session->stats()->totals();
    const QLocale locale;
    for (const char *key : {"connections", "users_online", "rooms", "messages_stored"}) {
        m_values.value(QLatin1StringView(key))
            ->setText(t.contains(QLatin1StringView(key)) ? locale.toString(Json::num(t, key))
                                                         : QString());
    }
    const QList<StatsHistory::Sample> &samples = m_session->stats()->samples();
    m_values.value(QStringLiteral("messages_per_sec"))
        ->setText(samples.isEmpty() ? QString()
                                    : locale.toString(samples.last().messagesPerSec, 'f', 1));
    m_values.value(QStringLiteral("rss_bytes"))
        ->setText(samples.isEmpty() || samples.last().rssBytes <= 0
                      ? QString()
                      : Json::bytes(samples.last().rssBytes));
}

void DashboardView::addSample()
{
    const StatsHistory::Sample &s = m_session->stats()->samples().last();
    const qreal x = qreal(s.at);
    m_connections->append(x, qreal(s.connections));
    m_users->append(x, qreal(s.usersOnline));
    m_messages->append(x, s.messagesPerSec);
    m_framesIn->append(x, s.framesInPerSec);
    m_framesOut->append(x, s.framesOutPerSec);
    // Drop what slid out of the window from the front, as the history does.
    const qreal oldest = qreal(s.at - m_session->stats()->windowMs());
    for (QLineSeries *series : {m_connections, m_users, m_messages, m_framesIn, m_framesOut}) {
        int drop = 0;
        while (drop < series->count() && series->at(drop).x() < oldest)
            ++drop;
        if (drop > 0)
            series->removePoints(0, drop);
    }
    updateTotals();
    updateAxes();
}

void DashboardView::rebuildSeries()
{
    for (QLineSeries *series : {m_connections, m_users, m_messages, m_framesIn, m_framesOut})
        series->clear();
    for (const StatsHistory::Sample &s : m_session->stats()->samples()) {
        const qreal x = qreal(s.at);
        m_connections->append(x, qreal(s.connections));
        m_users->append(x, qreal(s.usersOnline));
        m_messages->append(x, s.messagesPerSec);
        m_framesIn->append(x, s.framesInPerSec);
        m_framesOut->append(x, s.framesOutPerSec);
    }
    updateAxes();
}

void DashboardView::updateAxes()
{
    // The time axis shows the last few minutes and follows the clock, so an idle server still
    // shows a moving, flat line rather than a frozen one.
    // The window grows with the data up to five minutes (at least 30 s), so a fresh
    // session is not a sliver at the right edge.
    const QDateTime now = QDateTime::currentDateTime();
    QDateTime from = now.addSecs(-30);
    if (m_connections->count() > 0) {
        const QDateTime first = QDateTime::fromMSecsSinceEpoch(qint64(m_connections->at(0).x()));
        from = qMax(now.addSecs(-5 * 60), qMin(first, from));
    }
    const QString format
        = from.secsTo(now) > 120 ? QStringLiteral("HH:mm") : QStringLiteral("HH:mm:ss");
    m_connTime->setFormat(format);
    m_trafficTime->setFormat(format);
    m_connTime->setRange(from, now);
    m_trafficTime->setRange(from, now);
    auto maxOf = [](std::initializer_list<QLineSeries *> list) {
        qreal max = 0;
        for (QLineSeries *s : list) {
            for (const QPointF &p : s->points())
                max = qMax(max, p.y());
        }
        return max;
    };
    m_connValue->setRange(0, qMax<qreal>(4, maxOf({m_connections, m_users}) * 1.1));
    m_connValue->applyNiceNumbers();
    m_trafficValue->setRange(0, qMax<qreal>(4, maxOf({m_messages, m_framesIn, m_framesOut}) * 1.1));
    m_trafficValue->applyNiceNumbers();
}

} // namespace Switchboard::Console
