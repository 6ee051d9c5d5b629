// SPDX-License-Identifier: MIT
// MainWindow's menus, shortcuts and the small dialogs they open.
#include "mainwindow.h"

#include "eventlogview.h"
#include "icons.h"

#include "model/adminsession.h"
#include "model/languagemanager.h"

#include <QActionGroup>
#include <QApplication>
#include <QFileDialog>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>

namespace Switchboard::Console {

void MainWindow::createMenus()
{
    m_serverMenu = menuBar()->addMenu(QString());
    m_connectAction = m_serverMenu->addAction(Icons::icon("network-connect"), QString(), this,
                                              &MainWindow::showConnectDialog);
    m_connectAction->setShortcut(QKeySequence::Open);
    m_disconnectAction = m_serverMenu->addAction(Icons::icon("network-disconnect"), QString(),
                                                 m_session, &AdminSession::close);
    m_disconnectAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
    m_serverMenu->addSeparator();
    m_exportAction = m_serverMenu->addAction(Icons::icon("document-save"), QString(), this,
                                             &MainWindow::exportLog);
    m_exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_serverMenu->addSeparator();
    m_quitAction = m_serverMenu->addAction(Icons::icon("application-exit"), QString(), this,
                                           &QWidget::close);
    m_quitAction->setShortcut(QKeySequence::Quit);

    m_viewMenu = menuBar()->addMenu(QString());
    for (int tab = DashboardTab; tab <= NodesTab; ++tab) {
        QAction *a = m_viewMenu->addAction(QString(), this, [this, tab]() { showTab(Tab(tab)); });
        a->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + tab)));
        m_tabActions.append(a);
    }

    m_toolsMenu = menuBar()->addMenu(QString());
    m_chatAction = m_toolsMenu->addAction(Icons::icon("im-user"), QString(), this,
                                          &MainWindow::newChatWindow);
    m_chatAction->setShortcut(QKeySequence::New);
    m_broadcastAction = m_toolsMenu->addAction(Icons::icon("mail-send"), QString(), this,
                                               [this]() { showTab(BroadcastTab); });
    m_broadcastAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_B));

    // Language names are shown in their own language, as every multilingual program does:
    // someone who cannot read the current language must still find theirs.
    m_languageMenu = menuBar()->addMenu(QString());
    m_languageGroup = new QActionGroup(this);
    m_systemLanguageAction = m_languageMenu->addAction(QString());
    m_systemLanguageAction->setCheckable(true);
    m_systemLanguageAction->setData(QString());
    m_languageGroup->addAction(m_systemLanguageAction);
    m_languageMenu->addSeparator();
    for (const QString &code : LanguageManager::availableLanguages()) {
        QAction *a = m_languageMenu->addAction(LanguageManager::nativeName(code));
        a->setCheckable(true);
        a->setData(code);
        m_languageGroup->addAction(a);
    }
    const QString requested = m_languages->requested();
    for (QAction *a : m_languageGroup->actions())
        a->setChecked(a->data().toString() == requested);
    connect(m_languageGroup, &QActionGroup::triggered, this, [this](QAction *a) {
        const QString code = a->data().toString();
        m_languages->setLanguage(code);
        m_settings->setValue(QStringLiteral("language"), code);
    });

    m_helpMenu = menuBar()->addMenu(QString());
    m_aboutAction
        = m_helpMenu->addAction(Icons::icon("help-about"), QString(), this, &MainWindow::showAbout);
}

void MainWindow::exportLog()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export event log"), dir + QStringLiteral("/switchboard-events.tsv"),
        tr("Tab-separated text (*.tsv *.txt);;JSON lines (*.jsonl)"));
    if (path.isEmpty())
        return;
    QString error;
    if (m_log->exportTo(path, &error))
        statusBar()->showMessage(tr("Event log saved to %1").arg(path), 8000);
    else
        QMessageBox::warning(this, tr("Export event log"),
                             tr("The event log could not be saved: %1").arg(error));
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About Switchboard Console"),
                       tr("<p><b>Switchboard Console</b> %1</p>"
                          "<p>Watch users, rooms and traffic of a Switchboard server live, send "
                          "broadcasts and try the protocol with chat test clients.</p>")
                           .arg(QApplication::applicationVersion()));
}

void MainWindow::retranslateMenus()
{
    m_serverMenu->setTitle(tr("&Server"));
    m_connectAction->setText(tr("&Connect…"));
    m_connectAction->setStatusTip(tr("Connect to a server with a saved or new profile"));
    m_disconnectAction->setText(tr("&Disconnect"));
    m_exportAction->setText(tr("&Export event log…"));
    m_quitAction->setText(tr("&Quit"));
    m_viewMenu->setTitle(tr("&View"));
    const QStringList tabNames {tr("&Dashboard"), tr("&Users"),  tr("&Rooms"), tr("&Broadcast"),
                                tr("Event lo&g"), tr("&Access"), tr("&Nodes")};
    for (int i = 0; i < m_tabActions.size(); ++i)
        m_tabActions.at(i)->setText(tabNames.at(i));
    m_toolsMenu->setTitle(tr("&Tools"));
    m_chatAction->setText(tr("New &chat test window…"));
    m_broadcastAction->setText(tr("&Compose a broadcast"));
    m_languageMenu->setTitle(tr("&Language"));
    m_systemLanguageAction->setText(
        tr("System language (%1)")
            .arg(LanguageManager::nativeName(LanguageManager::systemLanguage())));
    m_helpMenu->setTitle(tr("&Help"));
    m_aboutAction->setText(tr("&About Switchboard Console"));
}

} // namespace Switchboard::Console
