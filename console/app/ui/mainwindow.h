// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QMainWindow>
#include <QPointer>

class QAction;
class QActionGroup;
class QLabel;
class QMenu;
class QSettings;
class QTabWidget;

namespace Switchboard::Console {

class AccessView;
class AdminSession;
class BroadcastView;
class ChatWindow;
class DashboardView;
class EventLogView;
class LanguageManager;
class NodesView;
class RoomsView;
class UsersView;
struct ServerProfile;

// The console's main window: the views in tabs, the menus, the connection state in the status
// bar, and the chat test windows it opened. It wires parts together and holds no logic of its
// own beyond that.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    MainWindow(AdminSession *session, LanguageManager *languages, QSettings *settings,
               QWidget *parent = nullptr);
    ~MainWindow() override;

    enum Tab { DashboardTab, UsersTab, RoomsTab, BroadcastTab, EventLogTab, AccessTab, NodesTab };
    void showTab(Tab tab);
    QTabWidget *tabs() const { return m_tabs; }
    DashboardView *dashboard() const { return m_dashboard; }
    UsersView *usersView() const { return m_users; }
    RoomsView *roomsView() const { return m_rooms; }
    BroadcastView *broadcastView() const { return m_broadcast; }
    EventLogView *eventLogView() const { return m_log; }
    AccessView *accessView() const { return m_access; }
    NodesView *nodesView() const { return m_nodes; }
    // The line above the tabs while the server is degraded or not ready (hidden otherwise).
    QLabel *healthBanner() const { return m_healthBanner; }
    QList<ChatWindow *> chatWindows() const;

    // Opens a chat test window logged in as this user (password, or a token minted with the
    // profile's API key when the password is empty).
    ChatWindow *openChatWindow(const QString &username, const QString &password,
                               const QStringList &joinRooms = {});

public Q_SLOTS:
    void showConnectDialog();
    void connectTo(const ServerProfile &profile);
    void newChatWindow();

protected:
    void changeEvent(QEvent *event) override;
    void closeEvent(QCloseEvent *event) override;

private:
    void createMenus();
    void retranslateUi();
    void retranslateMenus();
    void updateState();
    void updateHealth();
    void exportLog();
    void showAbout();

    AdminSession *m_session;
    LanguageManager *m_languages;
    QSettings *m_settings;
    QTabWidget *m_tabs;
    DashboardView *m_dashboard;
    UsersView *m_users;
    RoomsView *m_rooms;
    BroadcastView *m_broadcast;
    EventLogView *m_log;
    AccessView *m_access;
    NodesView *m_nodes;
    QLabel *m_healthBanner;
    QLabel *m_stateLabel;
    QLabel *m_serverLabel;
    QList<QPointer<ChatWindow>> m_chats;

    QMenu *m_serverMenu = nullptr;
    QMenu *m_viewMenu = nullptr;
    QMenu *m_toolsMenu = nullptr;
    QMenu *m_languageMenu = nullptr;
    QMenu *m_helpMenu = nullptr;
    QAction *m_connectAction = nullptr;
    QAction *m_disconnectAction = nullptr;
    QAction *m_exportAction = nullptr;
    QAction *m_quitAction = nullptr;
    QList<QAction *> m_tabActions;
    QAction *m_chatAction = nullptr;
    QAction *m_broadcastAction = nullptr;
    QAction *m_systemLanguageAction = nullptr;
    QActionGroup *m_languageGroup = nullptr;
    QAction *m_aboutAction = nullptr;
};

} // namespace Switchboard::Console
