// SPDX-License-Identifier: MIT
// The translation checks: the zh_CN .ts file is complete for the sources as they are now, and
// no visible text of the console stays English once Chinese is switched on.
#include "consoletestsupport.h"

#include "ui/chatlogindialog.h"
#include "ui/chatwindow.h"
#include "ui/connectdialog.h"
#include "ui/mainwindow.h"
#include "ui/roomdialog.h"

#include "model/chatsession.h"
#include "model/profilestore.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QAbstractSeries>
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFile>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QProcess>
#include <QRegularExpression>
#include <QTabWidget>
#include <QTest>
#include <QXmlStreamReader>

using namespace Switchboard;
using namespace Switchboard::Test;

class TestConsoleTranslations : public QObject
{
    Q_OBJECT

private slots:
    void tsFileIsCompleteAndCurrent();
    void noVisibleEnglishInChinese();

private:
    QStringList untranslated(QWidget *root) const;
    void check(const QString &where, const QString &text, QStringList *problems) const;
};

void TestConsoleTranslations::tsFileIsCompleteAndCurrent()
{
    // lupdate on a copy: strings added to the code since the last update come out
    // "unfinished", strings removed come out "vanished"/"obsolete".
    QTemporaryDir dir;
    const QString copy = dir.filePath(QStringLiteral("check.ts"));
    QVERIFY(QFile::copy(QStringLiteral(CONSOLE_TS_FILE), copy));
    QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
    QProcess lupdate;
    QStringList args {QStringLiteral("-locations"), QStringLiteral("none"),
                      QStringLiteral("-silent")};
    args += QStringLiteral(CONSOLE_SOURCE_DIRS).split(QLatin1Char('|'));
    args += {QStringLiteral("-ts"), copy};
    lupdate.start(QStringLiteral(LUPDATE_PATH), args);
    QVERIFY2(lupdate.waitForFinished(60000), "lupdate did not finish");
    QVERIFY2(lupdate.exitCode() == 0, lupdate.readAllStandardError().constData());

    QFile ts(copy);
    QVERIFY(ts.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&ts);
    QString context, source;
    QStringList problems;
    int messages = 0;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement())
            continue;
        if (xml.name() == QLatin1StringView("name")) {
            context = xml.readElementText();
        } else if (xml.name() == QLatin1StringView("source")) {
            source = xml.readElementText();
            ++messages;
        } else if (xml.name() == QLatin1StringView("translation")) {
            const QString type = xml.attributes().value(QLatin1StringView("type")).toString();
            const QString text = xml.readElementText(QXmlStreamReader::IncludeChildElements);
            if (!type.isEmpty())
                problems.append(QStringLiteral("%1 [%2] %3").arg(type, context, source));
            else if (text.trimmed().isEmpty())
                problems.append(QStringLiteral("empty [%1] %2").arg(context, source));
        }
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QVERIFY(messages > 100);
    QVERIFY2(problems.isEmpty(),
             qPrintable(QStringLiteral("translations/switchboard_console_zh_CN.ts is not "
                                       "complete (run the update_translations target, then "
                                       "translate):\n")
                        + problems.join(QLatin1Char('\n'))));
}

void TestConsoleTranslations::check(const QString &where, const QString &text,
                                    QStringList *problems) const
{
    // Names, numbers, protocol words and examples may stay as they are; anything else made of
    // Latin letters is English that escaped translation.
    static const QStringList allowed {
        QStringLiteral("Switchboard"), QStringLiteral("API"), QStringLiteral("JSON"),
        QStringLiteral("ID"), QStringLiteral("HTTP"), QStringLiteral("Ctrl"),
        QStringLiteral("CIDR"), QStringLiteral("Enter"), QStringLiteral("SQLite"),
        QStringLiteral("PostgreSQL"), QStringLiteral("Redis"), QStringLiteral("English"),
        QStringLiteral("admin"), QStringLiteral("alice"), QStringLiteral("bob"),
        QStringLiteral("general"), QStringLiteral("support"), QStringLiteral("announcements"),
        QStringLiteral("tsv"), QStringLiteral("txt"), QStringLiteral("jsonl"),
        QStringLiteral("user"), QStringLiteral("test"),
        // the load tester and the names it gives its users (lt1000000), which the users view
        // names in its "hide load-test users" box
        QStringLiteral("switchboard-loadtest"), QStringLiteral("lt\\d*"),
        // data-size units as Qt's locale writes them in every language
        QStringLiteral("kB"), QStringLiteral("KB"), QStringLiteral("MB"), QStringLiteral("GB"),
        QStringLiteral("TB")};
    QString t = text;
    t.remove(QLatin1Char('&'));
    static const QRegularExpression strip(
        QStringLiteral(R"(\w+://\S*|\{.*\}|<[^>]*>|%\d|\*\.\w+|#\d+)"));
    t.remove(strip);
    for (const QString &word : allowed)
        t.remove(QRegularExpression(QStringLiteral("\\b%1\\b").arg(word)));
    static const QRegularExpression english(QStringLiteral("[A-Za-z]{2,}"));
    if (english.match(t).hasMatch())
        problems->append(QStringLiteral("%1: \"%2\"").arg(where, text));
}

QStringList TestConsoleTranslations::untranslated(QWidget *root) const
{
    QStringList problems;
    QList<QWidget *> widgets = root->findChildren<QWidget *>();
    widgets.prepend(root);
    check(QStringLiteral("window title"), root->windowTitle(), &problems);
    for (QWidget *w : std::as_const(widgets)) {
        const QString name = QString::fromLatin1(w->metaObject()->className());
        check(name + QStringLiteral(" tooltip"), w->toolTip(), &problems);
        if (auto *l = qobject_cast<QLabel *>(w))
            check(name, l->text(), &problems);
        else if (auto *b = qobject_cast<QAbstractButton *>(w))
            check(name, b->text(), &problems);
        else if (auto *g = qobject_cast<QGroupBox *>(w))
            check(name, g->title(), &problems);
        else if (auto *e = qobject_cast<QLineEdit *>(w))
            check(name + QStringLiteral(" placeholder"), e->placeholderText(), &problems);
        else if (auto *c = qobject_cast<QComboBox *>(w); c && !c->isEditable()) {
            for (int i = 0; i < c->count(); ++i)
                check(name, c->itemText(i), &problems);
        } else if (auto *tabs = qobject_cast<QTabWidget *>(w)) {
            for (int i = 0; i < tabs->count(); ++i)
                check(name, tabs->tabText(i), &problems);
        } else if (auto *view = qobject_cast<QAbstractItemView *>(w); view && view->model()) {
            for (int c = 0; c < view->model()->columnCount(); ++c)
                check(name + QStringLiteral(" header"),
                      view->model()->headerData(c, Qt::Horizontal).toString(), &problems);
        } else if (auto *chartView = qobject_cast<QChartView *>(w)) {
            check(QStringLiteral("chart title"), chartView->chart()->title(), &problems);
            for (QAbstractSeries *series : chartView->chart()->series())
                check(QStringLiteral("chart series"), series->name(), &problems);
        } else if (auto *menuBar = qobject_cast<QMenuBar *>(w)) {
            for (QAction *top : menuBar->actions()) {
                check(QStringLiteral("menu"), top->text(), &problems);
                if (top->menu()) {
                    for (QAction *a : top->menu()->actions())
                        check(QStringLiteral("menu item"), a->text(), &problems);
                }
            }
        }
    }
    return problems;
}

void TestConsoleTranslations::noVisibleEnglishInChinese()
{
    ConsoleFixture f;
    QString why;
    QVERIFY2(f.start(&why), qPrintable(why));
    QVERIFY(f.connectConsole());
    auto alice = connectAs(f.server, f.aliceId);
    QVERIFY(alice);
    Console::ChatWindow *chat = f.window->openChatWindow(
        QStringLiteral("bob"), QString::fromLatin1(ConsoleFixture::USER_PASSWORD),
        {QStringLiteral("general")});
    QTRY_VERIFY(chat->session()->rooms().contains(QStringLiteral("general")));
    Console::ProfileStore store(f.settings.get(), nullptr);
    Console::ConnectDialog connectDialog(&store, f.window.get());
    Console::RoomDialog roomDialog({}, f.window.get());
    Console::ChatLoginDialog chatLogin(true, f.window.get());

    // Switched at run time, as the menu does: every open window must follow.
    QVERIFY(f.languages->setLanguage(QStringLiteral("zh_CN")));
    QTRY_COMPARE(f.window->windowTitle(), QStringLiteral("Switchboard 控制台"));
    QStringList problems;
    for (QWidget *w : {static_cast<QWidget *>(f.window.get()), static_cast<QWidget *>(chat),
                       static_cast<QWidget *>(&connectDialog), static_cast<QWidget *>(&roomDialog),
                       static_cast<QWidget *>(&chatLogin)})
        problems += untranslated(w);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));

    // And the check does catch English: in English the same walk finds plenty.
    QVERIFY(f.languages->setLanguage(QStringLiteral("en")));
    QTRY_COMPARE(f.window->windowTitle(), QStringLiteral("Switchboard Console"));
    QVERIFY(untranslated(f.window.get()).size() > 20);
}

QTEST_MAIN(TestConsoleTranslations)
#include "tst_consoletranslations.moc"
