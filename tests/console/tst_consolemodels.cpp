// SPDX-License-Identifier: MIT
// The console's UI-free parts: saved profiles, languages, the event log filter and export,
// and every model checked by QAbstractItemModelTester while a real server feeds it; a snapshot
// in pages.
#include "consoletestsupport.h"

#include "model/chatsession.h"
#include "model/eventlogfilter.h"
#include "model/eventlogmodel.h"
#include "model/nodesmodel.h"
#include "model/profilestore.h"
#include "model/roomsmodel.h"
#include "model/serverhealth.h"
#include "model/usersmodel.h"
#include "ui/nodesview.h"

#include "hub/adminfeed.h"

#include <QAbstractItemModelTester>
#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;
using Console::ServerProfile;

class TestConsoleModels : public QObject
{
    Q_OBJECT

private slots:
    void profilesKeepSecretsOnlyWhenAsked();
    void languagesLoadAndRefuseUnknown();
    void eventLogFilterAndJsonExport();
    void modelsStayConsistentUnderLiveEvents();
    void pagedSnapshotListsEveryUserOnce();
    void nodesModelShowsWhatNodesCarry();
    void nodesModelIsCapped();
    void serverHealthFollowsReadyz();
};

namespace {

// Captured from real servers (tst_consolecluster's two nodes on PostgreSQL and Redis): what
// GET /api/v1/nodes answered with both nodes up, and /readyz of node 1 with Redis stopped.
// (The rates were added to a capture made before nodes carried them, in the shape a real
// node gives them: {"connects_per_sec":0,"frames_in_per_sec":0,...}; node 1's values set here.)
constexpr const char *CLUSTER_NODES
    = R"({"nodes":[{"alive":true,"connections":0,"connects_per_sec":0,"frames_in_per_sec":0,)"
      R"("frames_out_per_sec":0,"messages_per_sec":0,)"
      R"("listen":"http://127.0.0.1:38431","node_id":"console-node-2","rss_bytes":124661760,)"
      R"("started_at":1796642257306,"storage":"postgres","updated_at":1796642257375,)"
      R"("uptime_ms":68,"users_online":0,"version":"0.1.0"},{"alive":true,"connections":1,)"
      R"("connects_per_sec":0.5,"frames_in_per_sec":13,"frames_out_per_sec":26.5,)"
      R"("messages_per_sec":12.5,)"
      R"("listen":"http://127.0.0.1:32913","node_id":"console-node-1","rss_bytes":59215872,)"
      R"("started_at":1796642256902,"storage":"postgres","updated_at":1796642257630,)"
      R"("uptime_ms":727,"users_online":1,"version":"0.1.0"}]})";
constexpr const char *DEGRADED_READYZ
    = R"({"reason":"Redis redis://127.0.0.1:44493/0 )"
      R"(unreachable (Server closed the connection): events from other nodes are not received",)"
      R"("status":"degraded"})";

QJsonObject parse(const char *json)
{
    return QJsonDocument::fromJson(json).object();
}

} // namespace

void TestConsoleModels::profilesKeepSecretsOnlyWhenAsked()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("p.ini"));
    {
        QSettings settings(path, QSettings::IniFormat);
        Console::ProfileStore store(&settings, nullptr); // no keyring (tst_consolekeyring has one)
        ServerProfile p;
        p.name = QStringLiteral("prod");
        p.url = QUrl(QStringLiteral("wss://switchboard.example/ws"));
        p.username = QStringLiteral("ops");
        p.password = QStringLiteral("s3cret-password");
        store.save(p);
        QCOMPARE(store.profile(QStringLiteral("prod")).url, p.url);
        QVERIFY(store.profile(QStringLiteral("prod")).password.isEmpty());
    }
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(!file.readAll().contains("s3cret-password"));
    file.close();
    {
        QSettings settings(path, QSettings::IniFormat);
        Console::ProfileStore store(&settings, nullptr);
        ServerProfile p = store.profile(QStringLiteral("prod"));
        p.password = QStringLiteral("s3cret-password");
        p.rememberSecret = true;
        // No keyring: not kept, unless the settings file is allowed explicitly.
        QVERIFY(!store.plainTextFallback());
        QCOMPARE(store.save(p), Console::ProfileStore::SecretPlace::NotKept);
        QVERIFY(store.profile(QStringLiteral("prod")).password.isEmpty());
        QVERIFY(!store.profile(QStringLiteral("prod")).rememberSecret);
        settings.sync();
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadOnly));
            QVERIFY(!file.readAll().contains("s3cret-password"));
        }
        settings.setValue(QStringLiteral("secrets/plain_text_fallback"), true);
        QCOMPARE(store.save(p), Console::ProfileStore::SecretPlace::SettingsFile);
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::ReadOnly));
            QVERIFY(file.readAll().contains("s3cret-password"));
        }
        QCOMPARE(store.profile(QStringLiteral("prod")).password, p.password);
        // Unticking forgets what was remembered.
        p.rememberSecret = false;
        store.save(p);
        QVERIFY(store.profile(QStringLiteral("prod")).password.isEmpty());
        store.remove(QStringLiteral("prod"));
        QVERIFY(store.profiles().isEmpty());
    }
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(!file.readAll().contains("s3cret-password"));

    QString why;
    ServerProfile bad;
    bad.url = QUrl(QStringLiteral("http://host/ws"));
    bad.username = QStringLiteral("x");
    bad.password = QStringLiteral("y");
    QVERIFY(!bad.isValid(&why));
    QVERIFY(why.contains(QLatin1StringView("ws://")));
}

void TestConsoleModels::languagesLoadAndRefuseUnknown()
{
    Console::LanguageManager languages;
    QVERIFY(!languages.setLanguage(QStringLiteral("xx_YY")));
    QVERIFY(languages.setLanguage(QStringLiteral("zh_CN")));
    QCOMPARE(languages.current(), QStringLiteral("zh_CN"));
    QCOMPARE(Console::UsersModel::statusText(QStringLiteral("away")), QStringLiteral("离开"));
    // The client library's messages are translated in the console too.
    QCOMPARE(QCoreApplication::translate("Connection", "Cannot connect to %1: %2"),
             QStringLiteral("无法连接到 %1：%2"));
    QVERIFY(languages.setLanguage(QStringLiteral("en")));
    QCOMPARE(Console::UsersModel::statusText(QStringLiteral("away")), QStringLiteral("away"));
    QVERIFY(Console::LanguageManager::availableLanguages().contains(
        Console::LanguageManager::systemLanguage()));
}

void TestConsoleModels::eventLogFilterAndJsonExport()
{
    Console::EventLogModel log;
    log.setCapacity(3);
    Console::EventLogFilter filter;
    filter.setSourceModel(&log);
    QAbstractItemModelTester tester(&filter);
    const qint64 t = 1700000000000;
    log.append({{QStringLiteral("event"), QStringLiteral("room_deleted")},
                {QStringLiteral("room_id"), QStringLiteral("a")}},
               t);
    log.append({{QStringLiteral("event"), QStringLiteral("user_disabled")},
                {QStringLiteral("user_id"), 7}},
               t + 1);
    log.append({{QStringLiteral("event"), QStringLiteral("error_sent")},
                {QStringLiteral("user_id"), 7},
                {QStringLiteral("code"), QStringLiteral("FORBIDDEN")}},
               t + 2);
    log.append({{QStringLiteral("event"), QStringLiteral("room_deleted")},
                {QStringLiteral("room_id"), QStringLiteral("b")}},
               t + 3);
    QCOMPARE(log.rowCount(), 3); // capped: the oldest went first
    filter.setCategory(int(Console::EventDescriber::Category::Room));
    QCOMPARE(filter.rowCount(), 1);
    QCOMPARE(filter.index(0, Console::EventLogModel::Text).data().toString(),
             QStringLiteral("Room b deleted"));
    filter.setCategory(-1);
    filter.setText(QStringLiteral("forbidden"));
    QCOMPARE(filter.rowCount(), 1);

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("log.jsonl"));
    QString error;
    QVERIFY2(filter.exportTo(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 1);
    const QJsonObject o = QJsonDocument::fromJson(lines.first()).object();
    QCOMPARE(o.value(QLatin1StringView("code")).toString(), QStringLiteral("FORBIDDEN"));
    QVERIFY(o.value(QLatin1StringView("text")).toString().contains(QLatin1StringView("FORBIDDEN")));
    QVERIFY(!filter.exportTo(dir.filePath(QStringLiteral("no/such/dir/x.tsv")), &error));
}

void TestConsoleModels::modelsStayConsistentUnderLiveEvents()
{
    ConsoleFixture f;
    QString why;
    QVERIFY2(f.start(&why), qPrintable(why));
    // The testers check every signal and index of the models as the feed changes them.
    QAbstractItemModelTester users(f.session->users());
    QAbstractItemModelTester rooms(f.session->rooms());
    QAbstractItemModelTester log(f.session->log());
    QVERIFY(f.connectConsole());

    std::vector<std::unique_ptr<WsClient>> clients;
    for (qint64 id : {f.aliceId, f.bobId, f.aliceId})
        clients.push_back(connectAs(f.server, id, false, QStringLiteral("room_id=support")));
    for (const auto &c : clients)
        QVERIFY(c);
    QTRY_COMPARE(f.session->users()->connectionCount(), 4); // three clients and the console
    QTRY_VERIFY(f.session->users()->userRooms(f.bobId).contains(QStringLiteral("support")));
    Console::ChatSession chat;
    QAbstractItemModelTester transcript(chat.transcript());
    chat.open(f.server.wsUrl(), QStringLiteral("bob"),
              QString::fromLatin1(ConsoleFixture::USER_PASSWORD));
    QTRY_VERIFY(chat.isConnected());
    QTRY_VERIFY(chat.rooms().contains(QStringLiteral("support")));
    request(*clients[0], "room_send",
            {{QStringLiteral("room_id"), QStringLiteral("support")},
             {QStringLiteral("content"), QStringLiteral("hi")}},
            "ack");
    QTRY_VERIFY(chat.transcript()->lines().join(QString()).contains(QStringLiteral(": hi")));
    request(*clients[1], "room_leave", {{QStringLiteral("room_id"), QStringLiteral("support")}},
            "room_left");
    clients.clear();
    chat.close();
    QTRY_COMPARE(f.session->users()->connectionCount(), 1);
    QTRY_COMPARE(f.session->users()->rowCount(), 1);
}

void TestConsoleModels::pagedSnapshotListsEveryUserOnce()
{
    // More users online than two snapshot pages when the console subscribes: the first page
    // resets the model, the others are appended, and every user is listed once.
    ConsoleFixture f;
    QString why;
    QVERIFY2(f.start(&why), qPrintable(why));
    constexpr qint64 FIRST_ID = 5000;
    constexpr int N = 2 * AdminFeed::SNAPSHOT_PAGE_USERS + 30;
    auto clients = openStorm(f.server, FIRST_ID, N);
    QCOMPARE(int(clients.size()), N);
    Console::UsersModel *users = f.session->users();
    QAbstractItemModelTester tester(users);
    QSignalSpy resets(users, &QAbstractItemModel::modelReset);
    QSignalSpy inserts(users, &QAbstractItemModel::rowsInserted);
    QSignalSpy snapshots(f.session.get(), &Console::AdminSession::snapshotReceived);
    QVERIFY(f.connectConsole());
    QCOMPARE(snapshots.count(), 1);
    QCOMPARE(resets.count(), 1);
    QCOMPARE(inserts.count(), 2); // pages 2 and 3
    QCOMPARE(users->rowCount(), N + 1); // and the console's admin
    QSet<qint64> ids;
    for (int row = 0; row < users->rowCount(); ++row) {
        const QModelIndex user = users->index(row, 0);
        ids.insert(user.data(Console::UsersModel::UserIdRole).toLongLong());
        QCOMPARE(users->rowCount(user), 1); // its one connection
    }
    QCOMPARE(ids.size(), qsizetype(N + 1));
    for (int i = 0; i < N; ++i)
        QVERIFY(ids.contains(FIRST_ID + i));
    QVERIFY(ids.contains(f.adminId));
    QCOMPARE(users->connectionCount(), N + 1);

    // The feed goes on after the pages.
    clients.resize(N - 10);
    QTRY_COMPARE_WITH_TIMEOUT(users->rowCount(), N + 1 - 10, 10000);
    QVERIFY(!users->isOnline(FIRST_ID + N - 1));
    QVERIFY(users->isOnline(FIRST_ID));
}

void TestConsoleModels::nodesModelShowsWhatNodesCarry()
{
    using Console::NodesModel;
    NodesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QJsonArray nodes = parse(CLUSTER_NODES).value(QStringLiteral("nodes")).toArray();
    const qint64 receivedAt = 1796642258000;
    model.setNodes(nodes, receivedAt);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(reset.size(), 1);
    const int one = model.rowOfNode(QStringLiteral("console-node-1"));
    const int two = model.rowOfNode(QStringLiteral("console-node-2"));
    QVERIFY(one >= 0 && two >= 0);
    QCOMPARE(model.index(two, NodesModel::Address).data().toString(),
             QStringLiteral("http://127.0.0.1:38431"));
    QCOMPARE(model.index(two, NodesModel::Storage).data().toString(), QStringLiteral("PostgreSQL"));
    QCOMPARE(model.index(one, NodesModel::Connections).data(NodesModel::SortRole).toInt(), 1);
    QCOMPARE(model.index(one, NodesModel::State).data().toString(), QStringLiteral("alive"));
    QVERIFY(!model.index(one, NodesModel::Memory).data().toString().isEmpty());
    QCOMPARE(model.index(one, NodesModel::MessagesPerSec).data(NodesModel::SortRole).toDouble(),
             12.5);
    QCOMPARE(model.index(one, NodesModel::MessagesPerSec).data().toString(),
             QLocale().toString(12.5, 'f', 1));
    QCOMPARE(model.index(one, NodesModel::FramesOutPerSec).data().toString(),
             QLocale().toString(26.5, 'f', 1));
    QCOMPARE(model.index(two, NodesModel::FramesInPerSec).data().toString(),
             QLocale().toString(0.0, 'f', 1));
    // Heartbeat ages against the answering node's clock (its own entry is the newest), not this
    // machine's: node 2 beat 255 ms before node 1 answered.
    QCOMPARE(model.heartbeatAgeMs(one, receivedAt), 0);
    QCOMPARE(model.heartbeatAgeMs(two, receivedAt), 255);
    QCOMPARE(model.heartbeatAgeMs(two, receivedAt + 2000), 2255);
    for (int column = 0; column < NodesModel::ColumnCount; ++column)
        QVERIFY2(model.hasData(column), qPrintable(QString::number(column)));

    // The same nodes again: changed in place, no reset (the view keeps its selection).
    model.setNodes(nodes, receivedAt + 5000);
    QCOMPARE(reset.size(), 1);

    // A node that stopped beating, as RedisBus lists it (no heartbeat key: id and alive only).
    nodes.append(QJsonObject {{QStringLiteral("node_id"), QStringLiteral("console-node-3")},
                              {QStringLiteral("alive"), false}});
    model.setNodes(nodes, receivedAt);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.staleCount(), 1);
    const int three = model.rowOfNode(QStringLiteral("console-node-3"));
    QCOMPARE(model.index(three, NodesModel::State).data().toString(), QStringLiteral("stale"));
    QVERIFY(model.index(three, NodesModel::Address).data().toString().isEmpty());
    QVERIFY(model.index(three, NodesModel::Memory).data().toString().isEmpty());
    QCOMPARE(model.heartbeatAgeMs(three, receivedAt), -1);
    QVERIFY(model.index(three, NodesModel::HeartbeatAge).data().toString().isEmpty());

    // One node answers for itself, without a heartbeat or an id: no age column to show.
    QJsonObject single = nodes.at(1).toObject();
    single.insert(QStringLiteral("node_id"), QString());
    single.remove(QStringLiteral("updated_at"));
    model.setNodes(QJsonArray {single}, receivedAt);
    QCOMPARE(model.index(0, NodesModel::NodeId).data().toString(), QStringLiteral("(this server)"));
    QVERIFY(!model.hasData(NodesModel::HeartbeatAge));
    QVERIFY(model.hasData(NodesModel::Address));

    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

void TestConsoleModels::nodesModelIsCapped()
{
    using Console::NodesModel;
    Console::AdminSession session;
    Console::NodesView view(&session);
    NodesModel *model = session.nodes();
    const QJsonObject real
        = parse(CLUSTER_NODES).value(QStringLiteral("nodes")).toArray().first().toObject();
    const auto list = [&real](int count) {
        QJsonArray nodes;
        for (int i = 0; i < count; ++i) {
            QJsonObject n = real;
            n.insert(QStringLiteral("node_id"),
                     QStringLiteral("node-%1").arg(i, 4, 10, QLatin1Char('0')));
            nodes.append(n);
        }
        return nodes;
    };
    model->setNodes(list(NodesModel::MAX_NODES), 0);
    QCOMPARE(model->rowCount(), NodesModel::MAX_NODES);
    QVERIFY(!model->capped());
    QVERIFY(!view.summaryText().contains(QStringLiteral("showing the first")));

    model->setNodes(list(NodesModel::MAX_NODES + 500), 0);
    QCOMPARE(model->rowCount(), NodesModel::MAX_NODES);
    QVERIFY(model->capped());
    QCOMPARE(model->reported(), NodesModel::MAX_NODES + 500);
    const QLocale locale;
    QCOMPARE(view.summaryText(),
             QStringLiteral("1500 node(s) · showing the first %1 of %2 nodes")
                 .arg(locale.toString(NodesModel::MAX_NODES),
                      locale.toString(NodesModel::MAX_NODES + 500)));
}

void TestConsoleModels::serverHealthFollowsReadyz()
{
    using Console::ServerHealth;
    ServerHealth health;
    QSignalSpy changed(&health, &ServerHealth::changed);
    health.applyReadiness(true, {{QStringLiteral("status"), QStringLiteral("ready")}}, {});
    QCOMPARE(health.state(), ServerHealth::State::Ready);
    QVERIFY(health.text().isEmpty());

    const QJsonObject degraded = parse(DEGRADED_READYZ);
    health.applyReadiness(true, degraded, {});
    QCOMPARE(health.state(), ServerHealth::State::Degraded);
    QCOMPARE(health.reason(), str(degraded, "reason"));
    QVERIFY(health.text().startsWith(QStringLiteral("Degraded:")));
    QVERIFY(health.text().endsWith(str(degraded, "reason")));
    QCOMPARE(changed.size(), 2);
    health.applyReadiness(true, degraded, {}); // the same again: no change to tell
    QCOMPARE(changed.size(), 2);

    // 503 (or no answer): the error text as restErrorText words it.
    health.applyReadiness(false, {}, QStringLiteral("the server is not available right now"));
    QCOMPARE(health.state(), ServerHealth::State::NotReady);
    QVERIFY(health.text().contains(QStringLiteral("not available right now")));

    health.applyReadiness(true, {{QStringLiteral("status"), QStringLiteral("ready")}}, {});
    QCOMPARE(health.state(), ServerHealth::State::Ready);
    QVERIFY(health.text().isEmpty());
    health.clear();
    QCOMPARE(health.state(), ServerHealth::State::Unknown);
}

QTEST_MAIN(TestConsoleModels)
#include "tst_consolemodels.moc"
