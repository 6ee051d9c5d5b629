// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include "accessview.h"
#include "broadcastview.h"
#include "chatlogindialog.h"
#include "chatwindow.h"
#include "connectdialog.h"
#include "dashboardview.h"
#include "eventlogview.h"
#include "icons.h"
#include "nodesview.h"
#include "roomsview.h"
#include "usersview.h"

#include "model/adminsession.h"
#include "model/eventlogmodel.h"
#include "model/languagemanager.h"
#include "model/profilestore.h"
#include "model/secretstore.h"
#include "model/serverhealth.h"

#include <QCloseEvent>
#include <QLabel>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

namespace Switchboard::Console {

MainWindow::MainWindow(AdminSession *session, LanguageManager *languages, QSettings *settings,
                       QWidget *parent)
    : QMainWindow(parent)
    , m_session(session)
    , m_languages(languages)
    , m_settings(settings)
    , m_tabs(new QTabWidget(this))
    , m_dashboard(new DashboardView(session, this))
    , m_users(new UsersView(session, this))
    , m_rooms(new RoomsView(session, this))
    , m_broadcast(new BroadcastView(session, this))
    , m_log(new EventLogView(session, this))
    , m_access(new AccessView(session, this))
    , m_nodes(new NodesView(session, this))
    , m_healthBanner(new QLabel(this))
    , m_stateLabel(new QLabel(this))
    , m_serverLabel(new QLabel(this))
{
    setObjectName(QStringLiteral("MainWindow"));
    setWindowIcon(Icons::appIcon());
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_dashboard, QString());
    m_tabs->addTab(m_users, QString());
    m_tabs->addTab(m_rooms, QString());
    m_tabs->addTab(m_broadcast, QString());
    m_tabs->addTab(m_log, QString());
    m_tabs->addTab(m_access, QString());
    m_tabs->addTab(m_nodes, QString());
    // Above every tab: a degraded server serves only its own node's connections, which changes
    // what every view means.
    m_healthBanner->setObjectName(QStringLiteral("healthBanner"));
    m_healthBanner->setWordWrap(true);
    m_healthBanner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_healthBanner->setMargin(6);
    m_healthBanner->setAutoFillBackground(true);
    QPalette warning = m_healthBanner->palette();
    warning.setColor(QPalette::Window, QColor(0xff, 0xe0, 0x82));
    warning.setColor(QPalette::WindowText, Qt::black);
    m_healthBanner->setPalette(warning);
    m_healthBanner->hide();
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_healthBanner);
    layout->addWidget(m_tabs, 1);
    setCentralWidget(central);
    statusBar()->addWidget(m_stateLabel);
    statusBar()->addPermanentWidget(m_serverLabel);
    createMenus();

    connect(m_session, &AdminSession::stateChanged, this, &MainWindow::updateState);
    connect(m_session->health(), &ServerHealth::changed, this, &MainWindow::updateHealth);
    connect(m_session, &AdminSession::failed, this,
            [this](const QString &message) { statusBar()->showMessage(message, 15000); });
    // What was done, as the event log words it ("Broadcast to room general: done").
    connect(m_session, &AdminSession::actionLogged, this,
            [this](const QString &text, bool) { statusBar()->showMessage(text, 8000); });
    connect(m_users, &UsersView::chatRequested, this, [this]() { newChatWindow(); });
    m_users->setHideLoadTestUsers(
        m_settings->value(QStringLiteral("users/hide_load_test_users"), true).toBool());
    connect(m_users, &UsersView::hideLoadTestUsersChanged, this, [this](bool hide) {
        m_settings->setValue(QStringLiteral("users/hide_load_test_users"), hide);
    });

    m_session->log()->setCapacity(
        m_settings->value(QStringLiteral("event_log/capacity"), EventLogModel::DEFAULT_CAPACITY)
            .toInt());
    if (!restoreGeometry(m_settings->value(QStringLiteral("window/geometry")).toByteArray()))
        resize(1100, 720);
    retranslateUi();
}

MainWindow::~MainWindow()
{
    for (const QPointer<ChatWindow> &chat : std::as_const(m_chats))
        delete chat.data();
}

void MainWindow::showTab(Tab tab)
{
    m_tabs->setCurrentIndex(int(tab));
}

QList<ChatWindow *> MainWindow::chatWindows() const
{
    QList<ChatWindow *> result;
    for (const QPointer<ChatWindow> &chat : m_chats) {
        if (chat)
            result.append(chat.data());
    }
    return result;
}

void MainWindow::retranslateUi()
{
    setWindowTitle(tr("Switchboard Console"));
    m_tabs->setTabText(DashboardTab, tr("&Dashboard"));
    m_tabs->setTabText(UsersTab, tr("&Users"));
    m_tabs->setTabText(RoomsTab, tr("&Rooms"));
    m_tabs->setTabText(BroadcastTab, tr("&Broadcast"));
    m_tabs->setTabText(EventLogTab, tr("Event lo&g"));
    m_tabs->setTabText(AccessTab, tr("&Access"));
    m_tabs->setTabText(NodesTab, tr("&Nodes"));
    retranslateMenus();
    updateState();
    updateHealth();
}

void MainWindow::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QMainWindow::changeEvent(event);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    m_settings->setValue(QStringLiteral("window/geometry"), saveGeometry());
    for (const QPointer<ChatWindow> &chat : std::as_const(m_chats)) {
        if (chat)
            chat->close();
    }
    event->accept();
}

void MainWindow::updateState()
{
    const AdminSession::State state = m_session->state();
    QString text = AdminSession::stateText(state);
    if (state == AdminSession::State::Failed && !m_session->lastError().isEmpty())
        text += QStringLiteral(": ") + m_session->lastError();
    m_stateLabel->setText(text);
    m_serverLabel->setText(
        state == AdminSession::State::Disconnected
            ? QString()
            : tr("%1 as %2")
                  .arg(m_session->profile().url.toString(), m_session->profile().username));
    if (m_disconnectAction)
        m_disconnectAction->setEnabled(state != AdminSession::State::Disconnected);
}

void MainWindow::updateHealth()
{
    const QString text = m_session->health()->text();
    m_healthBanner->setText(text);
    m_healthBanner->setVisible(!text.isEmpty());
}

void MainWindow::showConnectDialog()
{
    const SecretStore keyring;
    ProfileStore store(m_settings, &keyring);
    ConnectDialog dialog(&store, this);
    if (dialog.exec() == QDialog::Accepted)
        connectTo(dialog.profile());
}

void MainWindow::connectTo(const ServerProfile &profile)
{
    m_session->open(profile);
    showTab(DashboardTab);
}

void MainWindow::newChatWindow()
{
    ChatLoginDialog dialog(!m_session->profile().apiKey.isEmpty(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    openChatWindow(dialog.username(), dialog.password(), dialog.rooms());
}

ChatWindow *MainWindow::openChatWindow(const QString &username, const QString &password,
                                       const QStringList &joinRooms)
{
    auto *chat = new ChatWindow(m_session, nullptr);
    chat->setAttribute(Qt::WA_DeleteOnClose);
    m_chats.append(chat);
    chat->show();
    chat->start(username, password, joinRooms);
    return chat;
}

} // namespace Switchboard::Console
