// SPDX-License-Identifier: MIT
// The console's UI-free parts: saved profiles, languages, the event log filter and export,
// and every model checked by QAbstractItemModelTester while a real server feeds it; a snapshot
// in pages.
#include "consoletestsupport.h"

#include "model/chatsession.h"
#include "model/eventlogfilter.h"
#include "model/eventlogmodel.h"
#include "model/profilestore.h"
#include "model/roomsmodel.h"
#include "model/usersmodel.h"

#include "hub/adminfeed.h"

#include <QAbstractItemModelTester>
#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
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
};

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

QTEST_MAIN(TestConsoleModels)
#include "tst_consolemodels.moc"
