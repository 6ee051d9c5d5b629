// SPDX-License-Identifier: MIT
// The console's Access view (issue 12), offscreen against a real server: it lists the server's
// rules, previews what a rule would cut among live connections (a client connected from
// 127.0.0.2), saves it (that client is closed with 4005), removes it, shows the server's
// refusals in the view, asks before cutting the operator's own address, lets expired rules go,
// is unusable with an explanation for a non-admin, and speaks Chinese.
#include "consoletestsupport.h"

#include "model/accessrules.h"
#include "model/accessrulesmodel.h"
#include "ui/accessview.h"
#include "ui/mainwindow.h"

#include <QAbstractButton>
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QDateTime>
#include <QGroupBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

using namespace Switchboard;
using namespace Switchboard::Test;
using Console::AccessRulesModel;
using Console::AccessView;

namespace {

// A WebSocket client whose TCP connection comes from another loopback address (QWebSocket
// cannot choose its source address): the upgrade and the frames it needs, by hand.
class BoundWsClient
{
public:
    bool open(const QHostAddress &from, quint16 port, const QString &pathAndQuery)
    {
        if (!m_socket.bind(from, 0))
            return false;
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        if (!m_socket.waitForConnected(5000))
            return false;
        m_socket.write("GET " + pathAndQuery.toUtf8()
                       + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                         "Sec-WebSocket-Version: 13\r\n\r\n");
        QDeadlineTimer deadline(5000);
        while (!m_buffer.contains("\r\n\r\n") && !deadline.hasExpired()) {
            QTest::qWait(5);
            m_buffer += m_socket.readAll();
        }
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0 || !m_buffer.startsWith("HTTP/1.1 101"))
            return false;
        m_buffer.remove(0, end + 4);
        return true;
    }
    // The next text frame of this type; empty on timeout.
    QJsonObject waitFor(const QString &type, int timeoutMs = 5000)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired()) {
            read();
            for (qsizetype i = 0; i < m_events.size(); ++i) {
                if (m_events.at(i).value(QLatin1StringView("type")).toString() == type)
                    return m_events.takeAt(i);
            }
            QTest::qWait(5);
        }
        return {};
    }
    // The close code the server sent (-1: none within the time).
    int waitClosed(int timeoutMs = 5000)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (m_closeCode < 0 && !deadline.hasExpired()) {
            read();
            if (m_closeCode < 0)
                QTest::qWait(5);
        }
        return m_closeCode;
    }
    QString closeReason() const { return m_closeReason; }

private:
    void read()
    {
        m_buffer += m_socket.readAll();
        // Server frames are unmasked; the few this test meets are not fragmented.
        while (m_buffer.size() >= 2) {
            const quint8 opcode = quint8(m_buffer.at(0)) & 0x0f;
            quint64 length = quint8(m_buffer.at(1)) & 0x7f;
            qsizetype header = 2;
            if (length == 126) {
                if (m_buffer.size() < 4)
                    return;
                length = (quint8(m_buffer.at(2)) << 8) | quint8(m_buffer.at(3));
                header = 4;
            } else if (length == 127) {
                if (m_buffer.size() < 10)
                    return;
                length = 0;
                for (int i = 2; i < 10; ++i)
                    length = (length << 8) | quint8(m_buffer.at(i));
                header = 10;
            }
            if (quint64(m_buffer.size()) < header + length)
                return;
            const QByteArray payload = m_buffer.mid(header, qsizetype(length));
            m_buffer.remove(0, header + qsizetype(length));
            if (opcode == 0x1) {
                m_events.append(QJsonDocument::fromJson(payload).object());
            } else if (opcode == 0x8 && payload.size() >= 2) {
                m_closeCode = (quint8(payload.at(0)) << 8) | quint8(payload.at(1));
                m_closeReason = QString::fromUtf8(payload.mid(2));
            }
        }
    }

    QTcpSocket m_socket;
    QByteArray m_buffer;
    QList<QJsonObject> m_events;
    int m_closeCode = -1;
    QString m_closeReason;
};

// Answers the next message box with `button` (once it is shown) and keeps its text.
void answerNextMessageBox(QMessageBox::StandardButton button, QString *text)
{
    auto *timer = new QTimer;
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, [timer, button, text]() {
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        if (!box)
            return;
        timer->stop();
        timer->deleteLater();
        if (text)
            *text = box->text();
        box->button(button)->click();
    });
    timer->start();
}

// Answers the next message boxes in turn, one button each (a box is answered once), and keeps
// their texts.
void answerMessageBoxes(const QList<QMessageBox::StandardButton> &buttons, QStringList *texts)
{
    auto *timer = new QTimer;
    timer->setInterval(20);
    auto answered = std::make_shared<QList<QMessageBox *>>();
    QObject::connect(timer, &QTimer::timeout, [timer, buttons, texts, answered]() {
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        if (!box || answered->contains(box))
            return;
        answered->append(box);
        texts->append(box->text());
        box->button(buttons.at(answered->size() - 1))->click();
        if (answered->size() == buttons.size()) {
            timer->stop();
            timer->deleteLater();
        }
    });
    timer->start();
}

QStringList cidrsOnScreen(QTableView *table)
{
    QStringList cidrs;
    for (int row = 0; row < table->model()->rowCount(); ++row)
        cidrs << table->model()->index(row, AccessRulesModel::Cidr).data().toString();
    return cidrs;
}

} // namespace

class TestConsoleAccess : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void modelUpdatesInPlaceAndDropsExpired();
    void cidrCheckGatesThePreview();
    void listsTheServersRules();
    void previewCountsALiveConnection();
    void saveCutsItWith4005();
    void removeLetsItBackIn();
    void validationErrorShownInTheView();
    void ownAddressAsksFirst();
    void removingOwnAllowAsksFirst();
    void expiredRuleLeavesByItself();
    void nonAdminSeesAnExplanation();
    void chineseLabels();

private:
    HttpResult api(const QByteArray &method, const QString &path, const QJsonObject &body = {});
    QStringList serverCidrs();
    AccessView *view() const { return m_f->window->accessView(); }

    std::unique_ptr<ConsoleFixture> m_f;
    std::unique_ptr<BoundWsClient> m_bob; // from 127.0.0.2
    qint64 m_savedId = 0;
};

void TestConsoleAccess::modelUpdatesInPlaceAndDropsExpired()
{
    AccessRulesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const auto rule = [](qint64 id, const char *cidr, qint64 expires) {
        return QJsonObject {
            {QStringLiteral("id"), id},
            {QStringLiteral("action"), QStringLiteral("deny")},
            {QStringLiteral("cidr"), QString::fromLatin1(cidr)},
            {QStringLiteral("note"), QString()},
            {QStringLiteral("expires_at"), expires > 0 ? QJsonValue(expires) : QJsonValue()},
            {QStringLiteral("created_at"), 1000},
            {QStringLiteral("created_by"), QStringLiteral("admin")}};
    };
    const qint64 now = 1'000'000;
    model.setRules({rule(1, "10.0.0.0/8", 0), rule(2, "192.0.2.0/24", now + 5000),
                    rule(3, "198.51.100.0/24", now - 1)},
                   now);
    QCOMPARE(model.ruleIds(), (QList<qint64> {1, 2})); // 3 had expired already
    QCOMPARE(model.nextExpiry(now), now + 5000);
    QCOMPARE(model.index(0, AccessRulesModel::Expires).data().toString(), QStringLiteral("never"));
    QVERIFY(model.index(1, AccessRulesModel::Expires)
                .data()
                .toString()
                .endsWith(QLatin1StringView("(in 5 s)")));
    // A refresh: 1 gone, 2 changed, 4 new; 2 keeps being a row (no reset).
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QJsonObject changed = rule(2, "192.0.2.0/24", now + 5000);
    changed.insert(QStringLiteral("note"), QStringLiteral("changed"));
    model.setRules({changed, rule(4, "2001:db8::/32", 0)}, now);
    QCOMPARE(model.ruleIds(), (QList<qint64> {2, 4}));
    QCOMPARE(model.index(0, AccessRulesModel::Note).data().toString(), QStringLiteral("changed"));
    QCOMPARE(reset.count(), 0);
    QVERIFY(!model.tick(now + 4999));
    QVERIFY(model.tick(now + 5000)); // at the expiry moment it leaves
    QCOMPARE(model.ruleIds(), (QList<qint64> {4}));
    QCOMPARE(model.nextExpiry(now + 5000), 0);
}

void TestConsoleAccess::cidrCheckGatesThePreview()
{
    using Console::AccessRules;
    for (const char *ok : {"10.0.0.0/8", "127.0.0.2", "2001:db8::/32", "::1", " 10.1.2.3/32 "})
        QVERIFY2(AccessRules::isValidCidr(QString::fromLatin1(ok)), ok);
    for (const char *bad : {"", "10.0.0.", "10.0.0.300/8", "10.0.0.0/255.0.0.0", "10.0.0.0/x",
                            "example.com", "10.0.0.0/33"})
        QVERIFY2(!AccessRules::isValidCidr(QString::fromLatin1(bad)), bad);
}

HttpResult TestConsoleAccess::api(const QByteArray &method, const QString &path,
                                  const QJsonObject &body)
{
    return httpJson(method, m_f->server.httpUrl(path), body,
                    m_f->server.token(m_f->adminId, QStringLiteral("admin"), true));
}

QStringList TestConsoleAccess::serverCidrs()
{
    QStringList cidrs;
    const HttpResult r = api("GET", QStringLiteral("/api/v1/access/rules"));
    for (const QJsonValue &v : r.json.value(QLatin1StringView("rules")).toArray())
        cidrs << v.toObject().value(QLatin1StringView("cidr")).toString();
    return cidrs;
}

void TestConsoleAccess::initTestCase()
{
    m_f = std::make_unique<ConsoleFixture>();
    QString why;
    QVERIFY2(m_f->start(&why), qPrintable(why));
    // The view is there before connecting, and says why it is not usable yet.
    QVERIFY(view());
    QVERIFY(!view()->isUsable());
    QVERIFY(view()->explanationText().contains(QLatin1StringView("Connect")));
    QVERIFY(m_f->connectConsole());
    m_f->window->showTab(Console::MainWindow::AccessTab);
}

void TestConsoleAccess::cleanupTestCase()
{
    m_bob.reset();
    m_f.reset();
}

void TestConsoleAccess::listsTheServersRules()
{
    // The routes come with the server side of issue 12 (GET /api/v1/access/rules); a server
    // without them leaves the view unusable ("older than this console").
    QTRY_VERIFY2(view()->rules()->loaded() || view()->rules()->unsupported(), "no answer");
    QVERIFY2(!view()->rules()->unsupported(), "the server has no /api/v1/access/rules");
    QVERIFY(view()->isUsable());
    const qint64 expires = QDateTime::currentMSecsSinceEpoch() + 3600 * 1000;
    const HttpResult r = api("POST", QStringLiteral("/api/v1/access/rules"),
                             {{QStringLiteral("action"), QStringLiteral("deny")},
                              {QStringLiteral("cidr"), QStringLiteral("192.0.2.0/24")},
                              {QStringLiteral("note"), QStringLiteral("documentation range")},
                              {QStringLiteral("expires_at"), expires}});
    QCOMPARE(r.status, 201);
    view()->refresh();
    QTableView *table = view()->table();
    QTRY_VERIFY(cidrsOnScreen(table).contains(QStringLiteral("192.0.2.0/24")));
    const int row = int(cidrsOnScreen(table).indexOf(QStringLiteral("192.0.2.0/24")));
    const auto cell
        = [&](int column) { return table->model()->index(row, column).data().toString(); };
    QCOMPARE(cell(AccessRulesModel::Action), QStringLiteral("deny"));
    QCOMPARE(cell(AccessRulesModel::Note), QStringLiteral("documentation range"));
    QCOMPARE(cell(AccessRulesModel::CreatedBy), QStringLiteral("admin"));
    QVERIFY2(cell(AccessRulesModel::Expires).contains(QLatin1StringView("(in ")),
             qPrintable(cell(AccessRulesModel::Expires)));
    QVERIFY(!cell(AccessRulesModel::CreatedAt).isEmpty());
}

void TestConsoleAccess::previewCountsALiveConnection()
{
    m_bob = std::make_unique<BoundWsClient>();
    const QUrl url = m_f->server.wsUrl(QString::fromLatin1(m_f->server.token(m_f->bobId)));
    QVERIFY(m_bob->open(QHostAddress(QStringLiteral("127.0.0.2")), m_f->server.port(),
                        url.path() + QLatin1Char('?') + url.query(QUrl::FullyEncoded)));
    QVERIFY(!m_bob->waitFor(QStringLiteral("connected")).isEmpty());

    auto *cidr = view()->findChild<QLineEdit *>(QStringLiteral("cidr"));
    QVERIFY(cidr);
    cidr->clear();
    QTest::keyClicks(cidr, QStringLiteral("127.0.0.2/32"));
    // Not asked per key: right after typing the count is not known yet.
    QVERIFY(!view()->previewCut().known());
    QVERIFY(view()->previewText().contains(QLatin1StringView("Counting")));
    QTRY_VERIFY_WITH_TIMEOUT(view()->previewCut().known(), 5000);
    QCOMPARE(view()->previewCut().connections, 1);
    QCOMPARE(view()->previewCut().users, 1);
    QCOMPARE(view()->previewCut().addresses, 1);
    QVERIFY(!view()->previewCut().cutsCaller);
    // English plurals are the source strings' "(s)", as everywhere in the console.
    QCOMPARE(view()->previewText(),
             QStringLiteral("Would cut 1 connection(s) of 1 user(s) (1 address(es))."));
    QVERIFY(view()->warningText().isEmpty());

    // An address nobody connects from cuts nothing.
    cidr->clear();
    QTest::keyClicks(cidr, QStringLiteral("198.51.100.7"));
    QTRY_VERIFY_WITH_TIMEOUT(view()->previewCut().known(), 5000);
    QCOMPARE(view()->previewCut().connections, 0);
    QCOMPARE(view()->previewText(), QStringLiteral("Would cut no live connection."));
}

void TestConsoleAccess::saveCutsItWith4005()
{
    QVERIFY(m_bob);
    Console::AccessRuleDraft d;
    d.cidr = QStringLiteral("127.0.0.2/32");
    d.note = QStringLiteral("test: bob's address");
    view()->setDraft(d);
    QTRY_VERIFY_WITH_TIMEOUT(view()->previewCut().known(), 5000);
    QCOMPARE(view()->previewCut().connections, 1);
    QSignalSpy saved(view()->rules(), &Console::AccessRules::saved);
    view()->save();
    QVERIFY(saved.wait(5000));
    m_savedId = saved.first().at(0).toJsonObject().value(QLatin1StringView("id")).toInteger();
    QVERIFY(m_savedId > 0);
    QCOMPARE(m_bob->waitClosed(5000), 4005);
    QCOMPARE(m_bob->closeReason(), QStringLiteral("address refused by an access rule"));
    QVERIFY2(!view()->statusIsError(), qPrintable(view()->statusText()));
    QVERIFY2(view()->statusText().contains(
                 QLatin1StringView("Cut 1 connection(s) of 1 user(s) (1 address(es)).")),
             qPrintable(view()->statusText()));
    QTRY_VERIFY(cidrsOnScreen(view()->table()).contains(QStringLiteral("127.0.0.2/32")));
    QVERIFY(serverCidrs().contains(QStringLiteral("127.0.0.2/32")));
    QTRY_COMPARE(view()->selectedRuleId(), m_savedId);
    // The address stays refused.
    BoundWsClient again;
    const QUrl url = m_f->server.wsUrl(QString::fromLatin1(m_f->server.token(m_f->bobId)));
    QVERIFY(!again.open(QHostAddress(QStringLiteral("127.0.0.2")), m_f->server.port(),
                        url.path() + QLatin1Char('?') + url.query(QUrl::FullyEncoded))
            || again.waitFor(QStringLiteral("connected"), 1000).isEmpty());
}

void TestConsoleAccess::removeLetsItBackIn()
{
    QVERIFY(m_savedId > 0);
    QVERIFY(view()->selectRule(m_savedId));
    QString question;
    answerNextMessageBox(QMessageBox::Yes, &question);
    QSignalSpy removed(view()->rules(), &Console::AccessRules::removed);
    view()->deleteSelected();
    QVERIFY(question.contains(QLatin1StringView("127.0.0.2/32")));
    QVERIFY(removed.wait(5000));
    QTRY_VERIFY(!cidrsOnScreen(view()->table()).contains(QStringLiteral("127.0.0.2/32")));
    QVERIFY(!serverCidrs().contains(QStringLiteral("127.0.0.2/32")));
    QCOMPARE(view()->statusText(), QStringLiteral("Rule #%1 removed.").arg(m_savedId));

    BoundWsClient bob;
    const QUrl url = m_f->server.wsUrl(QString::fromLatin1(m_f->server.token(m_f->bobId)));
    QVERIFY(bob.open(QHostAddress(QStringLiteral("127.0.0.2")), m_f->server.port(),
                     url.path() + QLatin1Char('?') + url.query(QUrl::FullyEncoded)));
    QVERIFY(!bob.waitFor(QStringLiteral("connected")).isEmpty());

    // Cancelled: nothing is removed.
    QVERIFY(view()->selectRule(view()->rules()->model()->ruleIds().value(0)));
    const int before = view()->rules()->model()->rowCount();
    QVERIFY(before > 0);
    answerNextMessageBox(QMessageBox::No, nullptr);
    view()->deleteSelected();
    QTest::qWait(300);
    QCOMPARE(view()->rules()->model()->rowCount(), before);
}

void TestConsoleAccess::validationErrorShownInTheView()
{
    auto *cidr = view()->findChild<QLineEdit *>(QStringLiteral("cidr"));
    cidr->clear();
    QTest::keyClicks(cidr, QStringLiteral("10.0.0.300/8"));
    // Not an address: nothing to count, and the view says what it waits for.
    QVERIFY(view()->previewText().startsWith(QLatin1StringView("Type an address")));
    view()->save();
    QTRY_VERIFY_WITH_TIMEOUT(view()->statusIsError(), 5000);
    QVERIFY2(view()->statusText().contains(QLatin1StringView("VALIDATION_ERROR")),
             qPrintable(view()->statusText()));
    QVERIFY2(view()->statusText().startsWith(QLatin1StringView("The rule was not saved")),
             qPrintable(view()->statusText()));
    bool shown = false;
    for (QLabel *l : view()->findChildren<QLabel *>())
        shown = shown || (l->isVisible() && l->text() == view()->statusText());
    QVERIFY(shown);
    QVERIFY(!serverCidrs().contains(QStringLiteral("10.0.0.300/8")));
}

void TestConsoleAccess::ownAddressAsksFirst()
{
    // The console connects from 127.0.0.1: the preview warns, and saving asks first.
    Console::AccessRuleDraft d;
    d.cidr = QStringLiteral("127.0.0.1/32");
    view()->setDraft(d);
    QTRY_VERIFY_WITH_TIMEOUT(view()->previewCut().known(), 5000);
    QVERIFY(view()->previewCut().cutsCaller);
    QVERIFY(view()->previewCut().connections >= 1);
    QVERIFY(view()->warningText().contains(QLatin1StringView("your own address")));
    QString question;
    answerNextMessageBox(QMessageBox::Cancel, &question);
    view()->save();
    QVERIFY2(question.contains(QLatin1StringView("Save the rule anyway?")), qPrintable(question));
    QCOMPARE(view()->statusText(), QStringLiteral("The rule was not saved."));

    // Saved before the preview came back: the server refuses (409) and the view asks then.
    view()->setDraft(d);
    QVERIFY(!view()->previewCut().known());
    question.clear();
    answerNextMessageBox(QMessageBox::Cancel, &question);
    QSignalSpy needsForce(view()->rules(), &Console::AccessRules::saveNeedsForce);
    view()->save();
    QVERIFY(needsForce.wait(5000));
    QVERIFY(question.contains(QLatin1StringView("Save the rule anyway?")));
    QTRY_COMPARE(view()->statusText(), QStringLiteral("The rule was not saved."));
    QVERIFY(!serverCidrs().contains(QStringLiteral("127.0.0.1/32")));
    QVERIFY(m_f->session->subscribed());
}

void TestConsoleAccess::removingOwnAllowAsksFirst()
{
    // The console (127.0.0.1) is let in by an allow rule inside a deny: removing the allow
    // would lock it out. The server says 409; the view asks, and Cancel keeps the rule.
    const HttpResult allow = api("POST", QStringLiteral("/api/v1/access/rules"),
                                 {{QStringLiteral("action"), QStringLiteral("allow")},
                                  {QStringLiteral("cidr"), QStringLiteral("127.0.0.1/32")}});
    QCOMPARE(allow.status, 201);
    const HttpResult deny = api("POST", QStringLiteral("/api/v1/access/rules"),
                                {{QStringLiteral("action"), QStringLiteral("deny")},
                                 {QStringLiteral("cidr"), QStringLiteral("127.0.0.0/24")}});
    QCOMPARE(deny.status, 201);
    const qint64 allowId = allow.json.value(QLatin1StringView("rule"))
                               .toObject()
                               .value(QLatin1StringView("id"))
                               .toInteger();
    const qint64 denyId = deny.json.value(QLatin1StringView("rule"))
                              .toObject()
                              .value(QLatin1StringView("id"))
                              .toInteger();
    view()->refresh();
    QTRY_VERIFY(view()->selectRule(allowId));
    QStringList questions;
    QSignalSpy needsForce(view()->rules(), &Console::AccessRules::removeNeedsForce);
    answerMessageBoxes({QMessageBox::Yes, QMessageBox::Cancel}, &questions);
    view()->deleteSelected();
    QVERIFY(needsForce.wait(5000));
    QTRY_COMPARE(questions.size(), 2);
    QVERIFY2(questions.at(1).contains(QLatin1StringView("Remove the rule anyway?")),
             qPrintable(questions.at(1)));
    QTRY_COMPARE(view()->statusText(), QStringLiteral("Rule #%1 was not removed.").arg(allowId));
    QVERIFY(serverCidrs().contains(QStringLiteral("127.0.0.1/32")));
    QVERIFY(m_f->session->subscribed());
    // Clean up: the deny first (the allow keeps this test's REST calls in meanwhile).
    QCOMPARE(api("DELETE", QStringLiteral("/api/v1/access/rules/%1").arg(denyId)).status, 204);
    QCOMPARE(api("DELETE", QStringLiteral("/api/v1/access/rules/%1").arg(allowId)).status, 204);
}

void TestConsoleAccess::expiredRuleLeavesByItself()
{
    const qint64 expires = QDateTime::currentMSecsSinceEpoch() + 3000;
    const HttpResult r = api("POST", QStringLiteral("/api/v1/access/rules"),
                             {{QStringLiteral("action"), QStringLiteral("deny")},
                              {QStringLiteral("cidr"), QStringLiteral("203.0.113.0/24")},
                              {QStringLiteral("expires_at"), expires}});
    QCOMPARE(r.status, 201);
    view()->refresh();
    QTRY_VERIFY(cidrsOnScreen(view()->table()).contains(QStringLiteral("203.0.113.0/24")));
    // Nobody refreshes: the rule leaves at its expiry (the poll is 30 s away).
    QTRY_VERIFY_WITH_TIMEOUT(
        !cidrsOnScreen(view()->table()).contains(QStringLiteral("203.0.113.0/24")), 8000);
    QVERIFY(QDateTime::currentMSecsSinceEpoch() >= expires);
}

void TestConsoleAccess::nonAdminSeesAnExplanation()
{
    Console::AdminSession session;
    Console::MainWindow window(&session, m_f->languages.get(), m_f->settings.get());
    window.show();
    Console::ServerProfile p = m_f->profile();
    p.username = QStringLiteral("alice");
    p.password = QString::fromLatin1(ConsoleFixture::USER_PASSWORD);
    QList<Console::AdminSession::State> states;
    connect(&session, &Console::AdminSession::stateChanged, this,
            [&states](Console::AdminSession::State s) { states << s; });
    session.open(p);
    window.showTab(Console::MainWindow::AccessTab);
    AccessView *v = window.accessView();
    // The session fails for good (the operator feed refuses alice): the view keeps saying why,
    // however long after the failure it is looked at.
    QTRY_COMPARE_WITH_TIMEOUT(session.state(), Console::AdminSession::State::Failed, 10000);
    QVERIFY2(!states.contains(Console::AdminSession::State::Disconnected),
             "the session passed through Disconnected on its way to Failed");
    QVERIFY(v->rules()->forbidden());
    QVERIFY(!v->isUsable());
    QVERIFY2(v->explanationText().contains(QLatin1StringView("administrators only")),
             qPrintable(v->explanationText()));
    QVERIFY(v->explanationText().contains(QLatin1StringView("alice")));
    QCOMPARE(v->rules()->model()->rowCount(), 0);
    bool shown = false;
    for (QLabel *l : v->findChildren<QLabel *>())
        shown = shown || (l->isVisible() && l->text() == v->explanationText());
    QVERIFY(shown);
    QVERIFY(!v->table()->isEnabled());
    // And the server refuses the rules to this account too.
    const HttpResult r
        = httpJson("GET", m_f->server.httpUrl(QStringLiteral("/api/v1/access/rules")), {},
                   m_f->server.token(m_f->aliceId));
    QCOMPARE(r.status, 403);
}

void TestConsoleAccess::chineseLabels()
{
    QVERIFY(m_f->languages->setLanguage(QStringLiteral("zh_CN")));
    QTabWidget *tabs = m_f->window->tabs();
    QTRY_COMPARE(tabs->tabText(Console::MainWindow::AccessTab), QStringLiteral("访问规则(&A)"));
    auto *box = view()->findChild<QGroupBox *>();
    QVERIFY(box);
    QCOMPARE(box->title(), QStringLiteral("新规则"));
    QCOMPARE(view()->table()->model()->headerData(AccessRulesModel::Expires, Qt::Horizontal),
             QVariant(QStringLiteral("到期")));
    auto *cidr = view()->findChild<QLineEdit *>(QStringLiteral("cidr"));
    cidr->clear();
    QVERIFY(view()->previewText().startsWith(QStringLiteral("输入")));
    QTest::keyClicks(cidr, QStringLiteral("198.51.100.7"));
    QTRY_VERIFY_WITH_TIMEOUT(view()->previewCut().known(), 5000);
    QCOMPARE(view()->previewText(), QStringLiteral("不会断开任何在线连接。"));
    QVERIFY(m_f->languages->setLanguage(QStringLiteral("en")));
    QTRY_COMPARE(tabs->tabText(Console::MainWindow::AccessTab), QStringLiteral("&Access"));
}

QTEST_MAIN(TestConsoleAccess)
#include "tst_consoleaccess.moc"
