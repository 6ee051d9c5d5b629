// SPDX-License-Identifier: MIT
// The console end to end: a real in-process server, the real main window (offscreen), real
// WebSocket clients on the other side.
#include "consoletestsupport.h"

#include "model/chatsession.h"
#include "model/eventlogmodel.h"
#include "model/nodesmodel.h"
#include "model/roomsmodel.h"
#include "model/statshistory.h"
#include "model/usersmodel.h"
#include "ui/broadcastview.h"
#include "ui/chatwindow.h"
#include "ui/dashboardview.h"
#include "ui/eventlogview.h"
#include "ui/mainwindow.h"
#include "ui/nodesview.h"
#include "ui/usersview.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTcpServer>
#include <QTest>
#include <QTableView>
#include <QTreeView>

using namespace Switchboard;
using namespace Switchboard::Test;
using Console::AdminSession;
using Console::UsersModel;

class TestConsole : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void logsInAndShowsServer();
    void nodesViewShowsTheServersNode();
    void userComesOnlineWithinASecond();
    void broadcastReachesClient_data();
    void broadcastReachesClient();
    void chatWindowsExchangeMessages();
    void roomsCreateEditDelete();
    void disconnectAndDisable();
    void eventLogFiltersAndExports();
    void keyboardShortcuts();
    void switchesLanguageAtRunTime();
    void badPasswordIsATranslatedFailure();
    void serverDownReconnectsWithTranslatedError();
    void apiKeyModeActsAsAdmin();

private:
    std::unique_ptr<ConsoleFixture> m_f;
};

void TestConsole::initTestCase()
{
    m_f = std::make_unique<ConsoleFixture>();
    QString why;
    QVERIFY2(m_f->start(&why), qPrintable(why));
    QVERIFY(m_f->connectConsole());
    // alice is a member of "support", for the broadcast to a room.
    const HttpResult joined = httpJson(
        "POST", m_f->server.httpUrl(QStringLiteral("/api/v1/rooms/support/join")),
        {{QStringLiteral("user_id"), m_f->aliceId}}, m_f->server.config().apiKey.toUtf8());
    QCOMPARE(joined.status, 200);
}

void TestConsole::cleanupTestCase()
{
    m_f.reset();
}

void TestConsole::logsInAndShowsServer()
{
    QCOMPARE(m_f->session->state(), AdminSession::State::Connected);
    Console::DashboardView *dash = m_f->window->dashboard();
    QCOMPARE(dash->valueText(QStringLiteral("version")), QStringLiteral(SWITCHBOARD_VERSION));
    QCOMPARE(dash->valueText(QStringLiteral("storage")), QStringLiteral("SQLite"));
    QVERIFY(!dash->valueText(QStringLiteral("uptime")).isEmpty());
    // The console's own connection is one of them.
    QTRY_VERIFY(dash->valueText(QStringLiteral("connections")).toInt() >= 1);
    // Stats ticks (1 s) become points of the graphs.
    QTRY_VERIFY_WITH_TIMEOUT(dash->sampleCount() >= 2, 10000);
    QVERIFY(m_f->session->rooms()->rowOfRoom(QStringLiteral("general")) >= 0);
}

void TestConsole::nodesViewShowsTheServersNode()
{
    // What the server itself says about its nodes: one node, no Redis.
    const HttpResult r = http("GET", m_f->server.httpUrl(QStringLiteral("/api/v1/nodes")), {},
                              m_f->server.config().apiKey.toUtf8());
    QCOMPARE(r.status, 200);
    const QJsonArray nodes = r.json.value(QStringLiteral("nodes")).toArray();
    QCOMPARE(nodes.size(), 1);
    const QJsonObject node = nodes.first().toObject();

    Console::MainWindow *w = m_f->window.get();
    w->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(w));
    QTest::keyClick(w, Qt::Key_7, Qt::ControlModifier);
    QCOMPARE(w->tabs()->currentIndex(), int(Console::MainWindow::NodesTab));
    QCOMPARE(w->tabs()->tabText(Console::MainWindow::NodesTab), QStringLiteral("&Nodes"));
    QTableView *table = w->nodesView()->table();
    QTRY_COMPARE(table->model()->rowCount(), 1);
    auto cell = [table](int column, int role = Qt::DisplayRole) {
        return table->model()->index(0, column).data(role);
    };
    using Nodes = Console::NodesModel;
    // The node id the server reports (empty on one node), shown as "this server".
    QCOMPARE(cell(Nodes::NodeId, Nodes::SortRole).toString(), str(node, "node_id"));
    QCOMPARE(cell(Nodes::NodeId).toString(), QStringLiteral("(this server)"));
    QCOMPARE(cell(Nodes::State).toString(), QStringLiteral("alive"));
    QVERIFY(!str(node, "listen").isEmpty());
    QCOMPARE(cell(Nodes::Address).toString(), str(node, "listen"));
    QCOMPARE(cell(Nodes::Version).toString(), QStringLiteral(SWITCHBOARD_VERSION));
    QCOMPARE(cell(Nodes::Storage).toString(), QStringLiteral("SQLite"));
    QVERIFY(cell(Nodes::Connections, Nodes::SortRole).toInt() >= 1); // the console's own
    QVERIFY(!cell(Nodes::Memory).toString().isEmpty());
    // One node answers for itself without a heartbeat: no age to show, so no column for it.
    QVERIFY(!node.contains(QStringLiteral("updated_at")));
    QVERIFY(table->isColumnHidden(Nodes::HeartbeatAge));
    QVERIFY(!table->isColumnHidden(Nodes::Address));
    // The node's rates (over its last 2 s): shown, numbers.
    for (int rate : {Nodes::MessagesPerSec, Nodes::FramesInPerSec, Nodes::FramesOutPerSec}) {
        QVERIFY(!table->isColumnHidden(rate));
        QVERIFY(cell(rate).toString().contains(QLocale().decimalPoint()));
    }
    // English plurals are the source string's "(s)", as everywhere in the console.
    QCOMPARE(w->nodesView()->summaryText(), QStringLiteral("1 node(s)"));
    // One node is never degraded, and names no node for its connections.
    QVERIFY(w->healthBanner()->isHidden());
    QVERIFY(w->usersView()->tree()->isColumnHidden(UsersModel::Node));
    QTest::keyClick(w, Qt::Key_1, Qt::ControlModifier);
}

void TestConsole::userComesOnlineWithinASecond()
{
    UsersModel *users = m_f->session->users();
    QCOMPARE(users->rowOfUser(m_f->aliceId), -1);
    QSignalSpy resets(users, &QAbstractItemModel::modelReset);
    auto alice = connectAs(m_f->server, m_f->aliceId);
    QVERIFY(alice);
    // connectAs returns after the welcome: from then on, the console has one second.
    QTRY_VERIFY_WITH_TIMEOUT(users->rowOfUser(m_f->aliceId) >= 0, 1000);

    // The view shows it, and the user expands to its connection with an address.
    QTreeView *tree = m_f->window->usersView()->tree();
    QVERIFY(m_f->window->usersView()->selectUser(m_f->aliceId));
    const QModelIndex row = tree->currentIndex();
    QVERIFY(!row.siblingAtColumn(UsersModel::Name).data().toString().isEmpty());
    QCOMPARE(row.siblingAtColumn(UsersModel::UserId).data().toLongLong(), m_f->aliceId);
    QCOMPARE(tree->model()->rowCount(row.siblingAtColumn(0)), 1);
    const QModelIndex conn = tree->model()->index(0, UsersModel::Address, row.siblingAtColumn(0));
    QVERIFY2(conn.data().toString().startsWith(QLatin1StringView("127.0.0.1:")),
             qPrintable(conn.data().toString()));

    // A second connection is a child row, not a new user; closing both removes the user.
    auto again = connectAs(m_f->server, m_f->aliceId);
    QTRY_COMPARE(users->rowCount(users->index(users->rowOfUser(m_f->aliceId), 0)), 2);
    again.reset();
    alice.reset();
    QTRY_COMPARE_WITH_TIMEOUT(users->rowOfUser(m_f->aliceId), -1, 5000);
    // All of it row by row: the table was never rebuilt.
    QCOMPARE(resets.count(), 0);
}

void TestConsole::broadcastReachesClient_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("target");
    QTest::newRow("system to everyone") << "system"
                                        << "all";
    QTest::newRow("notification to a user") << "notification"
                                            << "user";
    QTest::newRow("system to a room") << "system"
                                      << "room";
}

void TestConsole::broadcastReachesClient()
{
    QFETCH(QString, kind);
    QFETCH(QString, target);
    auto alice = connectAs(m_f->server, m_f->aliceId);
    QVERIFY(alice);
    QTRY_VERIFY(m_f->session->users()->rowOfUser(m_f->aliceId) >= 0);

    m_f->window->showTab(Console::MainWindow::BroadcastTab);
    Console::BroadcastView *view = m_f->window->broadcastView();
    AdminSession::Broadcast b;
    b.kind = kind;
    b.target = target;
    b.roomId = QStringLiteral("support");
    b.userId = m_f->aliceId;
    b.title = QStringLiteral("Maintenance");
    b.message = QStringLiteral("服务器将于 22:00 维护 (%1)")
                    .arg(QString::fromLatin1(QTest::currentDataTag()));
    b.priority = QStringLiteral("high");
    b.link = QStringLiteral("https://example.com/maintenance");
    view->setBroadcast(b);
    // The audience is counted before sending: alice is one of the users it reaches.
    QTRY_VERIFY_WITH_TIMEOUT(view->audienceUsers() >= 1, 5000);
    QVERIFY(!view->audienceText().isEmpty());
    view->send();

    const QJsonObject got
        = alice->waitFor(kind == QLatin1StringView("notification") ? QStringLiteral("notification")
                                                                   : QStringLiteral("system"),
                         5000);
    QVERIFY2(!got.isEmpty(), "the test client received nothing");
    if (kind == QLatin1StringView("notification")) {
        const QJsonObject data = got.value(QLatin1StringView("data")).toObject();
        QCOMPARE(str(data, "title"), b.title);
        QCOMPARE(str(data, "message"), b.message);
        QCOMPARE(str(data, "priority"), b.priority);
        QCOMPARE(str(data, "link"), b.link);
    } else {
        QCOMPARE(str(got, "content"), b.message);
    }
    alice.reset();
    QTRY_COMPARE(m_f->session->users()->rowOfUser(m_f->aliceId), -1);
}

void TestConsole::chatWindowsExchangeMessages()
{
    const QString pw = QString::fromLatin1(ConsoleFixture::USER_PASSWORD);
    Console::ChatWindow *alice
        = m_f->window->openChatWindow(QStringLiteral("alice"), pw, {QStringLiteral("general")});
    Console::ChatWindow *bob
        = m_f->window->openChatWindow(QStringLiteral("bob"), pw, {QStringLiteral("general")});
    QCOMPARE(m_f->window->chatWindows().size(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(alice->session()->rooms().contains(QStringLiteral("general")), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(bob->session()->rooms().contains(QStringLiteral("general")), 10000);
    // The operator sees both online.
    QTRY_VERIFY(m_f->session->users()->rowOfUser(m_f->aliceId) >= 0);
    QTRY_VERIFY(m_f->session->users()->rowOfUser(m_f->bobId) >= 0);

    // A room message from alice's window reaches bob's, and alice's is acknowledged.
    alice->setTarget(QStringLiteral("room"), QStringLiteral("general"));
    alice->setMessageText(QStringLiteral("hello bob, 你好"));
    alice->sendMessage();
    QTRY_VERIFY(bob->session()
                    ->transcript()
                    ->lines()
                    .join(QLatin1Char('\n'))
                    .contains(QStringLiteral("[general] alice: hello bob, 你好")));
    QTRY_VERIFY(alice->session()
                    ->transcript()
                    ->lines()
                    .join(QLatin1Char('\n'))
                    .contains(QStringLiteral("delivered, seq")));

    // A direct message back, by typing in bob's window and pressing Enter.
    bob->setTarget(QStringLiteral("user"), QString::number(m_f->aliceId));
    bob->activateWindow();
    QLineEdit *message = nullptr;
    for (QLineEdit *e : bob->findChildren<QLineEdit *>()) {
        if (e->placeholderText().contains(QLatin1StringView("Type a message")))
            message = e;
    }
    QVERIFY(message);
    QTest::keyClicks(message, QStringLiteral("hi alice"));
    // Typing was sent while the keys went in: alice sees bob typing to her.
    QTRY_VERIFY(alice->session()->typing().join(QString()).contains(QStringLiteral("bob")));
    QTest::keyClick(message, Qt::Key_Return);
    QTRY_VERIFY(alice->session()
                    ->transcript()
                    ->lines()
                    .join(QLatin1Char('\n'))
                    .contains(QStringLiteral("bob → me: hi alice")));

    // Presence from bob's status reaches alice (they share a room).
    bob->session()->setPresence(QStringLiteral("away"));
    QTRY_VERIFY(alice->session()
                    ->transcript()
                    ->lines()
                    .join(QLatin1Char('\n'))
                    .contains(QStringLiteral("bob is now away")));

    // The raw frame box sends any JSON and shows both directions.
    QString error;
    QVERIFY(!alice->session()->sendRaw(QStringLiteral("not json"), &error));
    QVERIFY(
        alice->session()->sendRaw(QStringLiteral("{\"type\":\"ping\",\"id\":\"raw-1\"}"), &error));
    QTRY_VERIFY(alice->rawLog().contains(QStringLiteral("\"pong\"")));
    QVERIFY(alice->rawLog().contains(QStringLiteral("→ {\"type\":\"ping\",\"id\":\"raw-1\"}")));

    alice->close();
    bob->close();
    QTRY_COMPARE(m_f->window->chatWindows().size(), 0);
    QTRY_COMPARE(m_f->session->users()->rowOfUser(m_f->aliceId), -1);
}

void TestConsole::roomsCreateEditDelete()
{
    Console::RoomsModel *rooms = m_f->session->rooms();
    m_f->session->createRoom({{QStringLiteral("room_id"), QStringLiteral("ops")},
                              {QStringLiteral("name"), QStringLiteral("运维")},
                              {QStringLiteral("post_policy"), QStringLiteral("members")}});
    QTRY_VERIFY(rooms->rowOfRoom(QStringLiteral("ops")) >= 0);
    const int row = rooms->rowOfRoom(QStringLiteral("ops"));
    QCOMPARE(rooms->index(row, Console::RoomsModel::Name).data().toString(),
             QStringLiteral("运维"));

    m_f->session->updateRoom(QStringLiteral("ops"),
                             {{QStringLiteral("post_policy"), QStringLiteral("admins")}});
    QTRY_COMPARE(
        rooms->room(QStringLiteral("ops")).value(QLatin1StringView("post_policy")).toString(),
        QStringLiteral("admins"));

    // A member joining moves the member count without rebuilding the table.
    QSignalSpy resets(rooms, &QAbstractItemModel::modelReset);
    auto bob = connectAs(m_f->server, m_f->bobId, false, QStringLiteral("room_id=ops"));
    QVERIFY(bob);
    // The console's admin created the room (its owner), bob joined: the server's count.
    QTRY_COMPARE(rooms->room(QStringLiteral("ops")).value(QLatin1StringView("members")).toInt(), 2);
    QCOMPARE(resets.count(), 0);
    bob.reset();

    m_f->session->deleteRoom(QStringLiteral("ops"));
    QTRY_COMPARE(rooms->rowOfRoom(QStringLiteral("ops")), -1);
}

void TestConsole::disconnectAndDisable()
{
    auto carol = connectAs(m_f->server, m_f->bobId);
    QVERIFY(carol);
    QTRY_VERIFY(m_f->window->usersView()->selectUser(m_f->bobId));
    m_f->window->usersView()->disconnectSelected(QStringLiteral("maintenance"));
    const int code = carol->waitClosed(5000);
    QCOMPARE(code, 4004); // closed by an operator (PROTOCOL.md, close codes)
    QTRY_COMPARE(m_f->session->users()->rowOfUser(m_f->bobId), -1);

    auto again = connectAs(m_f->server, m_f->bobId);
    QVERIFY(again);
    QTRY_VERIFY(m_f->window->usersView()->selectUser(m_f->bobId));
    m_f->window->usersView()->disableSelected();
    QCOMPARE(again->waitClosed(5000), 4003);
    // Enable again so later tests can use bob.
    QSignalSpy done(m_f->session.get(), &AdminSession::actionFinished);
    m_f->session->enableUser(m_f->bobId);
    QTRY_VERIFY(!done.isEmpty());
    QVERIFY(done.last().at(1).toBool());
}

void TestConsole::eventLogFiltersAndExports()
{
    Console::EventLogView *view = m_f->window->eventLogView();
    QVERIFY(m_f->session->log()->rowCount() > 0);
    view->setFilterText(QStringLiteral("maintenance"));
    QTRY_VERIFY(view->table()->model()->rowCount() >= 1);
    QVERIFY(view->table()->model()->rowCount() < m_f->session->log()->rowCount());
    const QString path = m_f->dir.filePath(QStringLiteral("events.tsv"));
    QString error;
    QVERIFY2(view->exportTo(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().split('\n');
    QCOMPARE(lines.size() - 1, view->table()->model()->rowCount());
    QVERIFY(lines.first().contains("maintenance"));
    QCOMPARE(lines.first().count('\t'), 3);
    view->setFilterText(QString());
}

void TestConsole::keyboardShortcuts()
{
    Console::MainWindow *w = m_f->window.get();
    w->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(w));
    QTest::keyClick(w, Qt::Key_3, Qt::ControlModifier);
    QCOMPARE(w->tabs()->currentIndex(), int(Console::MainWindow::RoomsTab));
    QTest::keyClick(w, Qt::Key_B, Qt::ControlModifier);
    QCOMPARE(w->tabs()->currentIndex(), int(Console::MainWindow::BroadcastTab));
    QTest::keyClick(w, Qt::Key_5, Qt::ControlModifier);
    QCOMPARE(w->tabs()->currentIndex(), int(Console::MainWindow::EventLogTab));
    // Tab moves through the event log view in its order: search, category, clear, export, table.
    Console::EventLogView *log = w->eventLogView();
    QWidget *first = log->findChild<QLineEdit *>();
    QVERIFY(first);
    first->setFocus();
    QStringList order;
    for (int i = 0; i < 4; ++i) {
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        order.append(QString::fromLatin1(QApplication::focusWidget()->metaObject()->className()));
    }
    QCOMPARE(order,
             (QStringList {QStringLiteral("QComboBox"), QStringLiteral("QPushButton"),
                           QStringLiteral("QPushButton"), QStringLiteral("QTableView")}));
    QTest::keyClick(w, Qt::Key_1, Qt::ControlModifier);
    QCOMPARE(w->tabs()->currentIndex(), int(Console::MainWindow::DashboardTab));
}

void TestConsole::switchesLanguageAtRunTime()
{
    Console::MainWindow *w = m_f->window.get();
    Console::ChatWindow *chat = w->openChatWindow(
        QStringLiteral("alice"), QString::fromLatin1(ConsoleFixture::USER_PASSWORD));
    QCOMPARE(w->windowTitle(), QStringLiteral("Switchboard Console"));
    QVERIFY(m_f->languages->setLanguage(QStringLiteral("zh_CN")));
    QTRY_COMPARE(w->windowTitle(), QStringLiteral("Switchboard 控制台"));
    QCOMPARE(w->tabs()->tabText(Console::MainWindow::UsersTab), QStringLiteral("用户(&U)"));
    QCOMPARE(w->menuBar()->actions().first()->text(), QStringLiteral("服务器(&S)"));
    QCOMPARE(m_f->session->users()->headerData(UsersModel::LastSeen, Qt::Horizontal).toString(),
             QStringLiteral("最后在线"));
    QTRY_VERIFY(chat->windowTitle().startsWith(QStringLiteral("聊天测试")));
    // The log is described when painted: its rows follow the language too.
    const QModelIndex first = m_f->session->log()->index(0, Console::EventLogModel::Category);
    QCOMPARE(first.data().toString(), QStringLiteral("会话"));
    // The nodes view follows too: its tab, header, rows and summary.
    QCOMPARE(w->tabs()->tabText(Console::MainWindow::NodesTab), QStringLiteral("节点(&N)"));
    QTableView *nodes = w->nodesView()->table();
    QCOMPARE(nodes->model()->headerData(Console::NodesModel::State, Qt::Horizontal).toString(),
             QStringLiteral("状态"));
    QCOMPARE(nodes->model()->index(0, Console::NodesModel::State).data().toString(),
             QStringLiteral("存活"));
    QCOMPARE(w->nodesView()->summaryText(), QStringLiteral("1 个节点"));

    QVERIFY(m_f->languages->setLanguage(QStringLiteral("en")));
    QTRY_COMPARE(w->windowTitle(), QStringLiteral("Switchboard Console"));
    QCOMPARE(w->tabs()->tabText(Console::MainWindow::UsersTab), QStringLiteral("&Users"));
    chat->close();
}

void TestConsole::badPasswordIsATranslatedFailure()
{
    AdminSession other;
    Console::ServerProfile p = m_f->profile();
    p.password = QStringLiteral("wrong password");
    QSignalSpy failed(&other, &AdminSession::failed);
    other.open(p);
    QTRY_COMPARE_WITH_TIMEOUT(other.state(), AdminSession::State::Failed, 10000);
    QVERIFY(!failed.isEmpty());
    QVERIFY2(failed.first().at(0).toString().contains(QLatin1StringView("401")),
             qPrintable(failed.first().at(0).toString()));

    // A non-admin account is refused by the feed, with a message that says why.
    AdminSession notAdmin;
    Console::ServerProfile user = m_f->profile();
    user.username = QStringLiteral("alice");
    user.password = QString::fromLatin1(ConsoleFixture::USER_PASSWORD);
    notAdmin.open(user);
    QTRY_COMPARE_WITH_TIMEOUT(notAdmin.state(), AdminSession::State::Failed, 10000);
    QVERIFY2(notAdmin.lastError().contains(QLatin1StringView("not an administrator")),
             qPrintable(notAdmin.lastError()));
}

void TestConsole::serverDownReconnectsWithTranslatedError()
{
    // A port nobody listens on: bind one, then let it go.
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    QVERIFY(m_f->languages->setLanguage(QStringLiteral("zh_CN")));
    AdminSession down;
    Console::ServerProfile p = m_f->profile();
    p.url = QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(port));
    QSignalSpy failed(&down, &AdminSession::failed);
    down.open(p);
    // Network failures are retried with backoff, and said in the interface language.
    QTRY_COMPARE_WITH_TIMEOUT(down.state(), AdminSession::State::Reconnecting, 10000);
    QTRY_VERIFY(!failed.isEmpty());
    const QString message = failed.first().at(0).toString();
    QVERIFY(m_f->languages->setLanguage(QStringLiteral("en")));
    QVERIFY2(message.startsWith(QStringLiteral("无法")), qPrintable(message));
    QCOMPARE(AdminSession::stateText(down.state()),
             QStringLiteral("Connection lost, reconnecting…"));
    down.close();
    QCOMPARE(down.state(), AdminSession::State::Disconnected);
}

void TestConsole::apiKeyModeActsAsAdmin()
{
    AdminSession viaKey;
    viaKey.open(m_f->profile(true));
    QTRY_VERIFY_WITH_TIMEOUT(viaKey.subscribed(), 10000);
    QCOMPARE(viaKey.connection()->userId(), m_f->adminId);
    // It sees the main console's admin connection in its snapshot or events.
    QTRY_VERIFY(viaKey.users()->rowOfUser(m_f->adminId) >= 0);
}

QTEST_MAIN(TestConsole)
#include "tst_console.moc"
