// SPDX-License-Identifier: MIT
#include "broadcastview.h"

#include "icons.h"
#include "taborder.h"

#include "model/jsonfields.h"
#include "model/roomsmodel.h"
#include "model/usersmodel.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QEvent>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QRadioButton>
#include <QShortcut>
#include <QVBoxLayout>

namespace Switchboard::Console {

qint64 userIdOf(const QString &typed, const UsersModel *users)
{
    // "alice (#7)" from a list, a bare id, or the name of an online user.
    const QString text = typed.trimmed();
    const qsizetype hash = text.lastIndexOf(QLatin1Char('#'));
    bool isNumber = false;
    const qint64 id = (hash >= 0 ? text.mid(hash + 1).remove(QLatin1Char(')')) : text)
                          .trimmed()
                          .toLongLong(&isNumber);
    if (isNumber)
        return id > 0 ? id : 0;
    return text.isEmpty() ? 0 : users->userIdByName(text);
}

BroadcastView::BroadcastView(AdminSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
    , m_kindBox(new QGroupBox(this))
    , m_system(new QRadioButton(m_kindBox))
    , m_notification(new QRadioButton(m_kindBox))
    , m_form(new QFormLayout)
    , m_target(new QComboBox(this))
    , m_room(new QComboBox(this))
    , m_user(new QComboBox(this))
    , m_title(new QLineEdit(this))
    , m_message(new QPlainTextEdit(this))
    , m_priority(new QComboBox(this))
    , m_link(new QLineEdit(this))
    , m_audience(new QLabel(this))
    , m_refresh(new QPushButton(Icons::icon("view-refresh"), QString(), this))
    , m_send(new QPushButton(Icons::icon("mail-send"), QString(), this))
{
    setObjectName(QStringLiteral("BroadcastView"));
    auto *kindLayout = new QHBoxLayout(m_kindBox);
    kindLayout->addWidget(m_system);
    kindLayout->addWidget(m_notification);
    kindLayout->addStretch();
    m_system->setChecked(true);

    for (const char *t : {"all", "room", "user"})
        m_target->addItem(QString(), QString::fromLatin1(t));
    for (const char *p : {"low", "normal", "high", "urgent"})
        m_priority->addItem(QString(), QString::fromLatin1(p));
    m_priority->setCurrentIndex(1);
    m_user->setEditable(true); // an offline user can be named by id
    m_message->setTabChangesFocus(true);
    m_message->setMinimumHeight(90);
    m_audience->setWordWrap(true);

    m_form->addRow(QStringLiteral("-"), m_target);
    m_form->addRow(QStringLiteral("-"), m_room);
    m_form->addRow(QStringLiteral("-"), m_user);
    m_form->addRow(QStringLiteral("-"), m_title);
    m_form->addRow(QStringLiteral("-"), m_message);
    m_form->addRow(QStringLiteral("-"), m_priority);
    m_form->addRow(QStringLiteral("-"), m_link);
    auto *bottom = new QHBoxLayout;
    bottom->addWidget(m_audience, 1);
    bottom->addWidget(m_refresh);
    bottom->addWidget(m_send);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_kindBox);
    layout->addLayout(m_form);
    layout->addLayout(bottom);
    layout->addStretch();
    setTabOrderChain({m_system, m_notification, m_target, m_room, m_user, m_title, m_message,
                      m_priority, m_link, m_refresh, m_send});

    m_audienceDelay.setSingleShot(true);
    m_audienceDelay.setInterval(300);
    connect(&m_audienceDelay, &QTimer::timeout, this, &BroadcastView::refreshAudience);
    connect(m_notification, &QRadioButton::toggled, this, &BroadcastView::updateFields);
    connect(m_target, &QComboBox::currentIndexChanged, this, &BroadcastView::targetChanged);
    connect(m_room, &QComboBox::currentTextChanged, this, &BroadcastView::targetChanged);
    connect(m_user, &QComboBox::currentTextChanged, this, &BroadcastView::targetChanged);
    connect(m_refresh, &QPushButton::clicked, this, &BroadcastView::refreshAudience);
    connect(m_send, &QPushButton::clicked, this, &BroadcastView::send);
    auto *sendShortcut = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), this);
    sendShortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(sendShortcut, &QShortcut::activated, this, &BroadcastView::send);
    connect(m_session, &AdminSession::snapshotReceived, this, [this]() {
        fillTargets();
        refreshAudience();
    });
    // The target lists and the audience follow the live feed, at most once per interval:
    // a storm of connections must not rebuild a combo box or ask the server per event.
    m_fillDelay.setSingleShot(true);
    m_fillDelay.setInterval(FOLLOW_INTERVAL_MS);
    connect(&m_fillDelay, &QTimer::timeout, this, &BroadcastView::fillTargets);
    m_liveRecount.setSingleShot(true);
    m_liveRecount.setInterval(FOLLOW_INTERVAL_MS);
    connect(&m_liveRecount, &QTimer::timeout, this, &BroadcastView::refreshAudience);
    for (QAbstractItemModel *model : {static_cast<QAbstractItemModel *>(m_session->rooms()),
                                      static_cast<QAbstractItemModel *>(m_session->users())}) {
        for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved}) {
            connect(model, signal, this, [this]() {
                if (!m_fillDelay.isActive())
                    m_fillDelay.start();
            });
        }
    }
    connect(m_session, &AdminSession::eventsApplied, this, [this]() {
        if (!m_liveRecount.isActive() && !m_audienceDelay.isActive())
            m_liveRecount.start();
    });
    retranslateUi();
    updateFields();
}

void BroadcastView::retranslateUi()
{
    m_kindBox->setTitle(tr("Kind"));
    m_system->setText(tr("S&ystem message"));
    m_notification->setText(tr("&Notification"));
    const QList<QPair<QWidget *, QString>> captions {
        {m_target, tr("&To:")},   {m_room, tr("R&oom:")},       {m_user, tr("&User:")},
        {m_title, tr("T&itle:")}, {m_message, tr("&Message:")}, {m_priority, tr("&Priority:")},
        {m_link, tr("&Link:")}};
    for (const auto &[field, text] : captions) {
        if (auto *label = qobject_cast<QLabel *>(m_form->labelForField(field)))
            label->setText(text);
    }
    m_target->setItemText(0, tr("Everyone"));
    m_target->setItemText(1, tr("A room"));
    m_target->setItemText(2, tr("A user"));
    m_priority->setItemText(0, tr("low"));
    m_priority->setItemText(1, tr("normal"));
    m_priority->setItemText(2, tr("high"));
    m_priority->setItemText(3, tr("urgent"));
    m_link->setPlaceholderText(tr("optional, e.g. https://example.com/maintenance"));
    m_refresh->setText(tr("&Recount"));
    m_send->setText(tr("&Send"));
    m_send->setToolTip(tr("Send the broadcast (Ctrl+Enter)"));
    m_user->lineEdit()->setPlaceholderText(tr("a user name or id"));
    m_audience->setText(audienceText());
    updateFields();
}

void BroadcastView::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QWidget::changeEvent(event);
}

void BroadcastView::fillTargets()
{
    const QString room = m_room->currentText();
    const QString user = m_user->currentText();
    QSignalBlocker roomBlocker(m_room), userBlocker(m_user);
    m_room->clear();
    m_room->addItems(m_session->rooms()->roomIds());
    m_room->setCurrentIndex(qMax(0, m_room->findText(room)));
    m_user->clear();
    UsersModel *users = m_session->users();
    // A pick list, not a directory: past MAX_LISTED_USERS the operator types a name or id.
    for (int row = 0; row < qMin(users->rowCount(), MAX_LISTED_USERS); ++row) {
        const qint64 id = users->index(row, 0).data(UsersModel::UserIdRole).toLongLong();
        m_user->addItem(QStringLiteral("%1 (#%2)").arg(users->userName(id)).arg(id), id);
    }
    m_user->setEditText(user);
}

void BroadcastView::updateFields()
{
    const bool notification = m_notification->isChecked();
    const QString target = m_target->currentData().toString();
    m_form->setRowVisible(m_room, target == QLatin1StringView("room"));
    m_form->setRowVisible(m_user, target == QLatin1StringView("user"));
    m_form->setRowVisible(m_priority, notification);
    m_form->setRowVisible(m_link, notification);
    m_title->setPlaceholderText(notification ? QString() : tr("optional"));
}

void BroadcastView::targetChanged()
{
    updateFields();
    m_audienceUsers = m_audienceConnections = -1;
    m_audienceError.clear();
    m_audience->setText(audienceText());
    m_audienceDelay.start();
}

AdminSession::Broadcast BroadcastView::broadcast() const
{
    AdminSession::Broadcast b;
    b.kind
        = m_notification->isChecked() ? QStringLiteral("notification") : QStringLiteral("system");
    b.target = m_target->currentData().toString();
    b.roomId = m_room->currentText();
    b.userId = userIdOf(m_user->currentText(), m_session->users());
    b.title = m_title->text().trimmed();
    b.message = m_message->toPlainText().trimmed();
    b.priority = m_priority->currentData().toString();
    b.link = m_link->text().trimmed();
    return b;
}

void BroadcastView::setBroadcast(const AdminSession::Broadcast &b)
{
    (b.kind == QLatin1StringView("notification") ? m_notification : m_system)->setChecked(true);
    m_target->setCurrentIndex(qMax(0, m_target->findData(b.target)));
    m_room->setCurrentText(b.roomId);
    m_user->setEditText(b.userId > 0 ? QString::number(b.userId) : QString());
    m_title->setText(b.title);
    m_message->setPlainText(b.message);
    m_priority->setCurrentIndex(qMax(0, m_priority->findData(b.priority)));
    m_link->setText(b.link);
    targetChanged();
}

QString BroadcastView::audienceText() const
{
    if (!m_audienceError.isEmpty())
        return tr("Audience unknown: %1").arg(m_audienceError);
    if (m_audienceUsers < 0)
        return tr("Counting the audience…");
    return tr("Reaches %n user(s)", nullptr, m_audienceUsers) + QStringLiteral(" · ")
        + tr("%n connection(s) right now", nullptr, m_audienceConnections);
}

void BroadcastView::refreshAudience()
{
    if (!m_session->subscribed())
        return;
    const quint64 query = ++m_audienceQuery;
    const QPointer<BroadcastView> self(this);
    m_session->queryAudience(
        broadcast(), [this, self, query](bool ok, const QJsonObject &json, const QString &error) {
            if (!self || query != m_audienceQuery)
                return; // the target changed meanwhile; a newer answer is coming
            m_audienceError = ok ? QString() : error;
            m_audienceUsers = ok ? int(Json::num(json, "users")) : -1;
            m_audienceConnections = ok ? int(Json::num(json, "connections")) : -1;
            m_audience->setText(audienceText());
            Q_EMIT audienceUpdated(m_audienceUsers, m_audienceConnections);
        });
}

void BroadcastView::send()
{
    const AdminSession::Broadcast b = broadcast();
    if (b.message.isEmpty() && b.title.isEmpty()) {
        m_message->setFocus();
        return;
    }
    m_session->sendBroadcast(b);
    m_message->clear();
    m_title->clear();
}

} // namespace Switchboard::Console
