// SPDX-License-Identifier: MIT
// What a newcomer tripped on in the console (issue 14, items 6, 7 and 8), offscreen against a
// real server: a live audience count, the chat window's user field, --help without a display,
// "last seen" across a new snapshot, status bar wording, Chinese sentences without English
// pieces, and the load tester's users hidden from the users view.
#include "consoletestsupport.h"

#include "model/chatsession.h"
#include "model/chattranscript.h"
#include "model/eventdescriber.h"
#include "model/eventlogmodel.h"
#include "model/servererror.h"
#include "model/usersmodel.h"
#include "ui/broadcastview.h"
#include "ui/chatwindow.h"
#include "ui/mainwindow.h"
#include "ui/usersview.h"

#include "protocol/loadtestusers.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFontMetrics>
#include <QJsonArray>
#include <QLineEdit>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTest>
#include <QTreeView>

using namespace Switchboard;
using namespace Switchboard::Test;
using Console::AdminSession;
using Console::UsersModel;

namespace {
QString joined(Console::ChatWindow *w)
{
    return w->session()->transcript()->lines().join(QLatin1Char('\n'));
}

QComboBox *combo(QWidget *w, const char *name)
{
    return w->findChild<QComboBox *>(QLatin1StringView(name));
}

// Latin words of three letters or more that are not error codes, ids or names we put there.
QStringList englishWords(const QString &text)
{
    QStringList words;
    static const QRegularExpression word(QStringLiteral("\\b[a-z]{3,}\\b"));
    for (auto it = word.globalMatch(text); it.hasNext();)
        words << it.next().captured();
    return words;
}
} // namespace

class TestConsoleOperator : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void audienceFollowsTheLiveFeed();
    void chatUserFieldTakesANameAndRefusesNonsense();
    void switchingTheTargetKindClearsTheField();
    void helpWithoutADisplay();
    void lastSeenSurvivesANewSnapshot();
    void statusBarSaysWhatWasDone();
    void chineseSentencesHaveNoEnglishPieces();
    void chineseTargetKindIsNotCut();
    void loadTestUsersHiddenUntilAsked();

private:
    std::unique_ptr<ConsoleFixture> m_f;
};

void TestConsoleOperator::initTestCase()
{
    m_f = std::make_unique<ConsoleFixture>();
    QString why;
    QVERIFY2(m_f->start(&why), qPrintable(why));
    QVERIFY(m_f->connectConsole());
    m_f->window->show();
}

void TestConsoleOperator::cleanupTestCase()
{
    m_f.reset();
}

void TestConsoleOperator::audienceFollowsTheLiveFeed()
{
    Console::BroadcastView *view = m_f->window->broadcastView();
    AdminSession::Broadcast b;
    b.target = QStringLiteral("all");
    view->setBroadcast(b);
    QTRY_VERIFY(view->audienceUsers() >= 1);
    const int before = view->audienceUsers();
    // Nobody touches the composer: the count follows users coming online.
    auto alice = connectAs(m_f->server, m_f->aliceId);
    auto bob = connectAs(m_f->server, m_f->bobId);
    QVERIFY(alice && bob);
    QTRY_COMPARE_WITH_TIMEOUT(view->audienceUsers(), before + 2, 5000);
    bob.reset();
    QTRY_COMPARE_WITH_TIMEOUT(view->audienceUsers(), before + 1, 5000);
}

void TestConsoleOperator::chatUserFieldTakesANameAndRefusesNonsense()
{
    const QString pw = QString::fromLatin1(ConsoleFixture::USER_PASSWORD);
    auto bob = connectAs(m_f->server, m_f->bobId);
    QVERIFY(bob);
    QTRY_VERIFY(m_f->session->users()->isOnline(m_f->bobId));
    Console::ChatWindow *alice = m_f->window->openChatWindow(QStringLiteral("alice"), pw, {});
    QTRY_VERIFY_WITH_TIMEOUT(alice->session()->isConnected(), 10000);

    // A name that is nobody: refused on the spot, nothing left "sending…".
    alice->setTarget(QStringLiteral("user"), QStringLiteral("nobody-here"));
    alice->setMessageText(QStringLiteral("hello?"));
    alice->sendMessage();
    QVERIFY(alice->sendError().contains(QLatin1StringView("nobody-here")));
    QVERIFY(!joined(alice).contains(QLatin1StringView("sending")));

    // The name of an online user (as the users view shows it) is resolved to its id.
    const QString bobName = m_f->session->users()->userName(m_f->bobId);
    QVERIFY(!bobName.isEmpty());
    alice->setTarget(QStringLiteral("user"), bobName);
    alice->setMessageText(QStringLiteral("hi bob by name"));
    alice->sendMessage();
    QVERIFY(alice->sendError().isEmpty());
    QTRY_VERIFY(joined(alice).contains(QLatin1StringView("delivered, seq")));
    QVERIFY(bob->waitFor("message", 5000).value(QLatin1StringView("content")).toString()
            == QStringLiteral("hi bob by name"));
    alice->close();
}

void TestConsoleOperator::switchingTheTargetKindClearsTheField()
{
    const QString pw = QString::fromLatin1(ConsoleFixture::USER_PASSWORD);
    Console::ChatWindow *w = m_f->window->openChatWindow(QStringLiteral("alice"), pw, {});
    QTRY_VERIFY_WITH_TIMEOUT(w->session()->isConnected(), 10000);
    QComboBox *kind = combo(w, "targetKind");
    QComboBox *target = combo(w, "target");
    QVERIFY(kind && target);
    w->setTarget(QStringLiteral("room"), QStringLiteral("general"));
    QCOMPARE(target->currentText(), QStringLiteral("general"));
    kind->setCurrentIndex(kind->findData(QStringLiteral("user")));
    QCOMPARE(target->currentText(), QString()); // not "general" as a user id
    target->setEditText(QString::number(m_f->bobId));
    kind->setCurrentIndex(kind->findData(QStringLiteral("room")));
    QVERIFY(target->currentText() != QString::number(m_f->bobId));
    w->close();
}

void TestConsoleOperator::helpWithoutADisplay()
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(CONSOLE_BINARY), {QStringLiteral("--help")});
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(p.readAllStandardOutput().contains("--language"));
}

void TestConsoleOperator::lastSeenSurvivesANewSnapshot()
{
    auto alice = connectAs(m_f->server, m_f->aliceId);
    QVERIFY(alice);
    UsersModel *users = m_f->session->users();
    QTRY_VERIFY(users->isOnline(m_f->aliceId));
    const auto lastSeen = [&]() {
        return users->index(users->rowOfUser(m_f->aliceId), UsersModel::LastSeen)
            .data(UsersModel::SortRole)
            .toLongLong();
    };
    QTest::qWait(500); // the user_status that follows the connection sets it too
    const qint64 before = lastSeen();
    QVERIFY(before > 0);
    QTest::qWait(1100);
    // What a reconnect does: subscribe again, and the server sends a fresh snapshot (which
    // says "now" for every online user).
    QSignalSpy snapshot(m_f->session.get(), &AdminSession::snapshotReceived);
    m_f->session->connection()->send({{QStringLiteral("type"), QStringLiteral("admin_subscribe")},
                                      {QStringLiteral("stats_interval_ms"), 1000}});
    QVERIFY(snapshot.wait(5000));
    QVERIFY(users->isOnline(m_f->aliceId));
    QCOMPARE(lastSeen(), before);
}

void TestConsoleOperator::statusBarSaysWhatWasDone()
{
    QSignalSpy done(m_f->session.get(), &AdminSession::actionFinished);
    AdminSession::Broadcast b;
    b.target = QStringLiteral("room");
    b.roomId = QStringLiteral("general");
    b.message = QStringLiteral("status bar check");
    m_f->session->sendBroadcast(b);
    QVERIFY(done.wait(5000));
    QCOMPARE(m_f->window->statusBar()->currentMessage(),
             QStringLiteral("Broadcast to room general: done"));
    // A failure says what failed and why, in words.
    m_f->session->deleteRoom(QStringLiteral("no-such-room"));
    QVERIFY(done.wait(5000));
    const QString failed = m_f->window->statusBar()->currentMessage();
    QVERIFY2(failed.startsWith(QLatin1StringView("Delete room no-such-room: failed")),
             qPrintable(failed));
    QVERIFY2(failed.contains(QLatin1StringView("NOT_FOUND")), qPrintable(failed));
}

void TestConsoleOperator::chineseSentencesHaveNoEnglishPieces()
{
    // An action logged in English, then shown in Chinese.
    QSignalSpy done(m_f->session.get(), &AdminSession::actionFinished);
    AdminSession::Broadcast b;
    b.target = QStringLiteral("room");
    b.roomId = QStringLiteral("general");
    b.message = QStringLiteral("before the switch");
    m_f->session->sendBroadcast(b);
    QVERIFY(done.wait(5000));
    QVERIFY(m_f->languages->setLanguage(QStringLiteral("zh_CN")));
    Console::EventLogModel *log = m_f->session->log();
    QString broadcast;
    for (int row = log->rowCount() - 1; row >= 0 && broadcast.isEmpty(); --row) {
        const QModelIndex i = log->index(row, Console::EventLogModel::Text);
        if (i.data(Console::EventLogModel::EventJsonRole)
                .toJsonObject()
                .value(QLatin1StringView("action"))
            == QLatin1StringView("broadcast"))
            broadcast = i.data().toString();
    }
    QVERIFY(broadcast.contains(QLatin1StringView("general")));
    QVERIFY2(englishWords(broadcast) == QStringList {QStringLiteral("general")},
             qPrintable(broadcast));

    // A server refusal is worded in Chinese too, the code kept for searching.
    m_f->session->deleteRoom(QStringLiteral("no-such-room"));
    QVERIFY(done.wait(5000));
    const QString failed = m_f->window->statusBar()->currentMessage();
    QVERIFY2(failed.contains(QLatin1StringView("NOT_FOUND")), qPrintable(failed));
    QVERIFY2(englishWords(failed) == QStringList({QStringLiteral("such"), QStringLiteral("room")}),
             qPrintable(failed)); // only the room's own id "no-such-room"
    QCOMPARE(englishWords(Console::ServerError::text(QStringLiteral("RATE_LIMITED"),
                                                     QStringLiteral("slow down"))),
             QStringList());
    QVERIFY(m_f->languages->setLanguage(QStringLiteral("en")));
}

void TestConsoleOperator::chineseTargetKindIsNotCut()
{
    const QString pw = QString::fromLatin1(ConsoleFixture::USER_PASSWORD);
    Console::ChatWindow *w = m_f->window->openChatWindow(QStringLiteral("alice"), pw, {});
    w->show();
    QVERIFY(QTest::qWaitForWindowExposed(w));
    QVERIFY(m_f->languages->setLanguage(QStringLiteral("zh_CN")));
    QComboBox *kind = combo(w, "targetKind");
    QVERIFY(kind);
    for (int i = 0; i < kind->count(); ++i) {
        kind->setCurrentIndex(i);
        QApplication::processEvents();
        const int needed = QFontMetrics(kind->font()).horizontalAdvance(kind->itemText(i));
        // The text and the arrow fit: at least the text's width plus some room for the arrow.
        QVERIFY2(kind->width() >= needed + 16,
                 qPrintable(QStringLiteral("%1: %2 < %3 + 16")
                                .arg(kind->itemText(i))
                                .arg(kind->width())
                                .arg(needed)));
    }
    QVERIFY(m_f->languages->setLanguage(QStringLiteral("en")));
    w->close();
}

void TestConsoleOperator::loadTestUsersHiddenUntilAsked()
{
    // Item 8: switchboard-loadtest's users (lt1000000 and up, docs/BENCHMARKS.md) filled the
    // users view. They are hidden until the operator unticks the box; users whose names only
    // look alike stay; the model, whose rows the summary counts, keeps everyone online.
    constexpr qint64 LOAD_TEST_USER = 1000000;
    QCOMPARE(QString::fromStdString(LoadTestUsers::name(LOAD_TEST_USER)),
             QStringLiteral("lt1000000")); // what the load tester names it
    const QList<QPair<qint64, QString>> people {{LOAD_TEST_USER, QStringLiteral("lt1000000")},
                                                {1000001, QStringLiteral("lt7")},
                                                {1000002, QStringLiteral("ltorvalds")}};
    std::vector<std::unique_ptr<WsClient>> clients;
    for (const auto &[id, name] : people) {
        clients.push_back(std::make_unique<WsClient>());
        QVERIFY(clients.back()->open(
            m_f->server.wsUrl(QString::fromLatin1(m_f->server.token(id, name)))));
        QVERIFY(!clients.back()->waitFor(QStringLiteral("connected")).isEmpty());
    }
    UsersModel *users = m_f->session->users();
    for (const auto &[id, name] : people)
        QTRY_VERIFY_WITH_TIMEOUT(users->isOnline(id), 5000);

    m_f->window->showTab(Console::MainWindow::UsersTab);
    Console::UsersView *view = m_f->window->usersView();
    auto *hide = view->findChild<QCheckBox *>(QStringLiteral("hideLoadTestUsers"));
    QVERIFY(hide);
    QVERIFY(hide->isChecked());
    QVERIFY(!view->selectUser(LOAD_TEST_USER));
    QVERIFY(view->selectUser(1000001));
    QVERIFY(view->selectUser(1000002));
    QCOMPARE(view->tree()->model()->rowCount(), users->rowCount() - 1);

    hide->click();
    QVERIFY(!hide->isChecked());
    QVERIFY(view->selectUser(LOAD_TEST_USER));
    QCOMPARE(view->tree()->model()->rowCount(), users->rowCount());
    // The choice is remembered: a console started with these settings shows them too.
    const QString key = QStringLiteral("users/hide_load_test_users");
    QVERIFY(m_f->settings->contains(key));
    QCOMPARE(m_f->settings->value(key).toBool(), false);
    {
        Console::MainWindow next(m_f->session.get(), m_f->languages.get(), m_f->settings.get());
        QVERIFY(!next.usersView()->hidesLoadTestUsers());
        QVERIFY(next.usersView()->selectUser(LOAD_TEST_USER));
    }
    // Ticked again: hidden again, also from a filter that names it.
    hide->click();
    QCOMPARE(m_f->settings->value(key).toBool(), true);
    auto *filter = view->findChild<QLineEdit *>();
    QVERIFY(filter);
    filter->setText(QStringLiteral("lt"));
    QVERIFY(!view->selectUser(LOAD_TEST_USER));
    QVERIFY(view->selectUser(1000001));
    filter->clear();
}

QTEST_MAIN(TestConsoleOperator)
#include "tst_consoleoperator.moc"
