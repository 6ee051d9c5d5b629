// SPDX-License-Identifier: MIT
// The console against several nodes (issue #15): two in-process nodes on one PostgreSQL
// database and one Redis, the real main window (offscreen) connected to the first. The Nodes
// view lists both with their ids and heartbeats, connections name their node, and the banner
// says "degraded" while Redis is away and goes when it is back. Skipped without PostgreSQL or
// Redis (scripts/with-postgres.sh scripts/with-redis.sh), failed instead under
// SWITCHBOARD_REQUIRE_POSTGRES/REDIS=1.
#include "consoletestsupport.h"
#include "redistestsupport.h"

#include "model/languagemanager.h"
#include "model/nodesmodel.h"
#include "model/serverhealth.h"
#include "model/usersmodel.h"
#include "ui/mainwindow.h"
#include "ui/nodesview.h"
#include "ui/usersview.h"

#include <QJsonArray>
#include <QLabel>
#include <QTableView>
#include <QTcpSocket>
#include <QTest>
#include <QTreeView>
#include <QUrl>

using namespace Switchboard;
using namespace Switchboard::Test;
using Console::NodesModel;

class TestConsoleCluster : public QObject
{
    Q_OBJECT

private slots:
    void nodesViewAndDegradedBanner();

private:
    static QString readiness(TestServer &node, QString *reason = nullptr);
    static bool waitReady(TestServer &node);
};

QString TestConsoleCluster::readiness(TestServer &node, QString *reason)
{
    const HttpResult r = http("GET", node.httpUrl(QStringLiteral("/readyz")));
    if (reason)
        *reason = str(r.json, "reason");
    return str(r.json, "status");
}

bool TestConsoleCluster::waitReady(TestServer &node)
{
    return QTest::qWaitFor([&node] { return readiness(node) == QLatin1StringView("ready"); },
                           10000);
}

void TestConsoleCluster::nodesViewAndDegradedBanner()
{
    QString why;
    if (!postgresAvailable(&why)) {
        if (qEnvironmentVariableIntValue("SWITCHBOARD_REQUIRE_POSTGRES"))
            QFAIL(qPrintable(why));
        QSKIP(qPrintable(why));
    }
    const QString redis = qEnvironmentVariable("SWITCHBOARD_TEST_REDIS_URL");
    if (redis.isEmpty() || qEnvironmentVariableIsEmpty("SWITCHBOARD_TEST_REDIS_SERVER")) {
        if (qEnvironmentVariableIntValue("SWITCHBOARD_REQUIRE_REDIS"))
            QFAIL("SWITCHBOARD_TEST_REDIS_URL is not set (scripts/with-redis.sh)");
        QSKIP("SWITCHBOARD_TEST_REDIS_URL is not set (scripts/with-redis.sh)");
    }
    // A prefix of its own: another cluster on the same Redis must not show up as a node here.
    const QString prefix = QStringLiteral("console-%1").arg(QCoreApplication::applicationPid());
    ConsoleFixture f(QStringLiteral("postgres"), [&](Config &c) {
        c.redisUrl = redis;
        c.redisPrefix = prefix;
        c.nodeId = QStringLiteral("console-node-1");
    });
    QVERIFY2(f.start(&why), qPrintable(why));
    TestServer second(QStringLiteral("shared"), [&](Config &c) {
        c.redisUrl = redis;
        c.redisPrefix = prefix;
        c.nodeId = QStringLiteral("console-node-2");
        c.databaseUrl = f.server.config().databaseUrl;
    });
    QVERIFY2(second.start(&why), qPrintable(why));
    QVERIFY(waitReady(f.server));
    QVERIFY(waitReady(second));
    QVERIFY(f.connectConsole());

    // Both nodes, by the ids the servers report, each with a heartbeat.
    Console::MainWindow *w = f.window.get();
    w->showTab(Console::MainWindow::NodesTab);
    NodesModel *nodes = f.session->nodes();
    QTRY_COMPARE_WITH_TIMEOUT(nodes->rowCount(), 2, 15000);
    for (const char *name : {"console-node-1", "console-node-2"}) {
        const QString id = QString::fromLatin1(name);
        const int row = nodes->rowOfNode(id);
        QVERIFY2(row >= 0, qPrintable(id));
        QCOMPARE(nodes->index(row, NodesModel::NodeId).data().toString(), id);
        QCOMPARE(nodes->index(row, NodesModel::State).data().toString(), QStringLiteral("alive"));
        QCOMPARE(nodes->index(row, NodesModel::Storage).data().toString(),
                 QStringLiteral("PostgreSQL"));
        QVERIFY(nodes->heartbeatAgeMs(row, QDateTime::currentMSecsSinceEpoch()) >= 0);
        QVERIFY(nodes->index(row, NodesModel::HeartbeatAge)
                    .data()
                    .toString()
                    .endsWith(QStringLiteral(" ago")));
    }
    const QString secondListen = str(http("GET", second.httpUrl(QStringLiteral("/api/v1/server")),
                                          {}, second.config().apiKey.toUtf8())
                                         .json,
                                     "listen");
    QVERIFY(!secondListen.isEmpty());
    QCOMPARE(nodes->index(nodes->rowOfNode(QStringLiteral("console-node-2")), NodesModel::Address)
                 .data()
                 .toString(),
             secondListen);
    QVERIFY(!w->nodesView()->table()->isColumnHidden(NodesModel::HeartbeatAge));
    QCOMPARE(w->nodesView()->summaryText(), QStringLiteral("2 node(s)"));
    QVERIFY(w->healthBanner()->isHidden());

    // The console's own connection (the admin's) names its node (GET /api/v1/connections).
    Console::UsersModel *users = f.session->users();
    const int adminRow = users->rowOfUser(f.adminId);
    QVERIFY(adminRow >= 0);
    const QModelIndex admin = users->index(adminRow, 0);
    QVERIFY(users->rowCount(admin) >= 1);
    QTRY_COMPARE_WITH_TIMEOUT(users->index(0, Console::UsersModel::Node, admin).data().toString(),
                              QStringLiteral("console-node-1"), 15000);
    QTRY_VERIFY(!w->usersView()->tree()->isColumnHidden(Console::UsersModel::Node));

    // A connection on node 2, listed with its node (the operator feed crosses nodes), closed
    // from the console through node 1: node 2 closes it (?node_id=).
    auto remote = connectAs(second, 501);
    QVERIFY(remote);
    const QString remoteId
        = str(remote->eventsOfType(QStringLiteral("connected")).value(0), "connection_id");
    QVERIFY(!remoteId.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(w->usersView()->selectConnection(501, remoteId), 10000);
    QCOMPARE(w->usersView()
                 ->tree()
                 ->currentIndex()
                 .siblingAtColumn(Console::UsersModel::Node)
                 .data()
                 .toString(),
             QStringLiteral("console-node-2"));
    w->usersView()->disconnectSelected(QStringLiteral("maintenance"));
    QCOMPARE(remote->waitClosed(5000), 4004);

    // Connection ids are each node's own: one user with the same id on both nodes has two
    // rows, each keeps its node through a refresh of the metrics, and closing node 2's leaves
    // node 1's.
    std::vector<std::unique_ptr<WsClient>> on1, on2;
    QString shared;
    qsizetype sharedOn2 = -1;
    const auto idOf = [](WsClient &c) {
        return str(c.eventsOfType(QStringLiteral("connected")).value(0), "connection_id");
    };
    for (int i = 0; i < 16 && shared.isEmpty(); ++i) {
        on1.push_back(connectAs(f.server, 502));
        on2.push_back(connectAs(second, 502));
        QVERIFY(on1.back() && on2.back());
        for (qsizetype k = 0; k < qsizetype(on2.size()) && shared.isEmpty(); ++k)
            for (auto &c : on1)
                if (idOf(*c) == idOf(*on2[size_t(k)])) {
                    shared = idOf(*c);
                    sharedOn2 = k;
                }
    }
    QVERIFY2(!shared.isEmpty(), "no connection id in common on the two nodes");
    const int total = int(on1.size() + on2.size());
    const auto rowsOf502 = [users]() {
        QStringList rows;
        const int row = users->rowOfUser(502);
        if (row < 0)
            return rows;
        const QModelIndex user = users->index(row, 0);
        for (int i = 0; i < users->rowCount(user); ++i)
            rows << users->index(i, Console::UsersModel::Node, user).data().toString()
                    + QLatin1Char('/')
                    + users->index(i, 0, user)
                          .data(Console::UsersModel::ConnectionIdRole)
                          .toString();
        rows.sort();
        return rows;
    };
    const QString on1Row = QStringLiteral("console-node-1/") + shared;
    const QString on2Row = QStringLiteral("console-node-2/") + shared;
    QTRY_COMPARE_WITH_TIMEOUT(rowsOf502().size(), total, 10000);
    f.session->refreshConnectionMetrics();
    QTest::qWait(1000); // its answer applied
    QVERIFY2(rowsOf502().contains(on1Row) && rowsOf502().contains(on2Row),
             qPrintable(rowsOf502().join(QLatin1Char(' '))));
    on2[size_t(sharedOn2)].reset();
    QTRY_COMPARE_WITH_TIMEOUT(rowsOf502().size(), total - 1, 10000);
    QVERIFY2(rowsOf502().contains(on1Row) && !rowsOf502().contains(on2Row),
             qPrintable(rowsOf502().join(QLatin1Char(' '))));
    on1.clear();
    on2.clear();

    // Redis goes away: the node says "degraded", and so does the console, with its reason.
    const quint16 port = quint16(QUrl(redis).port());
    {
        QTcpSocket admin;
        admin.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(admin.waitForConnected(5000));
        admin.write("*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n");
        QVERIFY(admin.waitForBytesWritten(5000));
        QTRY_VERIFY(!redisListening(port));
    }
    QString reason;
    QTRY_COMPARE_WITH_TIMEOUT(readiness(f.server, &reason), QStringLiteral("degraded"), 10000);
    QVERIFY(!reason.isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(w->healthBanner()->isVisible(), 15000);
    QCOMPARE(f.session->health()->state(), Console::ServerHealth::State::Degraded);
    QVERIFY2(w->healthBanner()->text().startsWith(QStringLiteral("Degraded:")),
             qPrintable(w->healthBanner()->text()));
    QVERIFY2(w->healthBanner()->text().contains(f.session->health()->reason()),
             qPrintable(w->healthBanner()->text()));
    QVERIFY(!f.session->health()->reason().isEmpty());
    qInfo() << "banner:" << w->healthBanner()->text() << "/readyz reason:" << reason;
    // The banner follows a language switch, the server's reason as it said it.
    QVERIFY(f.languages->setLanguage(QStringLiteral("zh_CN")));
    QTRY_VERIFY(w->healthBanner()->text().startsWith(QStringLiteral("降级")));
    QVERIFY(w->healthBanner()->text().contains(f.session->health()->reason()));
    QVERIFY(f.languages->setLanguage(QStringLiteral("en")));
    QTRY_VERIFY(w->healthBanner()->text().startsWith(QStringLiteral("Degraded:")));

    // Without Redis the node knows only itself; the nodes view says why the others went.
    QTRY_COMPARE_WITH_TIMEOUT(nodes->rowCount(), 1, 15000);
    QCOMPARE(nodes->index(0, NodesModel::NodeId).data().toString(),
             QStringLiteral("console-node-1"));
    QVERIFY2(w->nodesView()->summaryText().contains(QStringLiteral("only this node")),
             qPrintable(w->nodesView()->summaryText()));

    // Back: the banner goes.
    QVERIFY2(restartTestRedis(), "could not start the Redis server again");
    QTRY_COMPARE_WITH_TIMEOUT(readiness(f.server), QStringLiteral("ready"), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(w->healthBanner()->isHidden(), 15000);
    QCOMPARE(f.session->health()->state(), Console::ServerHealth::State::Ready);
    QTRY_COMPARE_WITH_TIMEOUT(nodes->rowCount(), 2, 15000);
    QVERIFY(!w->nodesView()->summaryText().contains(QStringLiteral("only this node")));
}

QTEST_MAIN(TestConsoleCluster)
#include "tst_consolecluster.moc"
