// SPDX-License-Identifier: MIT
#include "screenshotter.h"

#include "broadcastview.h"
#include "chatwindow.h"
#include "connectdialog.h"
#include "mainwindow.h"
#include "usersview.h"

#include "model/adminsession.h"
#include "model/chatsession.h"
#include "model/jsonfields.h"
#include "model/languagemanager.h"
#include "model/profilestore.h"
#include "model/usersmodel.h"

#include <memory>

#include <QApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QEventLoop>
#include <QPixmap>
#include <QSettings>
#include <QTemporaryDir>
#include <QTimer>
#include <QTreeView>

namespace Switchboard::Console {

Screenshotter::Screenshotter(const Options &options)
    : m_options(options)
{ }

bool Screenshotter::waitFor(const std::function<bool()> &condition, int timeoutMs, const char *what)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!condition()) {
        if (deadline.hasExpired()) {
            qWarning("screenshots: timed out waiting for %s", what);
            return false;
        }
        QEventLoop loop;
        QTimer::singleShot(20, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

namespace {
void pump(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}
} // namespace

bool Screenshotter::save(QWidget *widget, const QString &name)
{
    pump(400); // let layouts and charts settle
    const QString path = QDir(m_options.outDir)
                             .filePath(QStringLiteral("%1-%2.png").arg(name, m_options.language));
    if (!widget->grab().save(path)) {
        qWarning("screenshots: cannot write %s", qPrintable(path));
        return false;
    }
    qInfo("screenshots: wrote %s", qPrintable(path));
    return true;
}

int Screenshotter::run()
{
    QTemporaryDir settingsDir;
    QSettings settings(settingsDir.filePath(QStringLiteral("console.ini")), QSettings::IniFormat);
    LanguageManager languages;
    if (!languages.setLanguage(m_options.language))
        return 2;
    AdminSession session;
    MainWindow window(&session, &languages, &settings);
    window.resize(1200, 760);
    window.show();

    ServerProfile profile;
    profile.name = QStringLiteral("local");
    profile.url = m_options.url;
    profile.mode = ServerProfile::AuthMode::ApiKey;
    profile.username = m_options.admin;
    profile.apiKey = m_options.apiKey;
    window.connectTo(profile);
    if (!waitFor([&] { return session.subscribed(); }, 15000, "the admin snapshot"))
        return 1;

    // Two chat windows talk; the other users are plain sessions so the users view has a crowd.
    QList<ChatWindow *> chats;
    const QStringList rooms {QStringLiteral("general"), QStringLiteral("support")};
    for (int i = 0; i < qMin<qsizetype>(2, m_options.users.size()); ++i)
        chats.append(window.openChatWindow(m_options.users.at(i), QString(), rooms));
    std::vector<std::unique_ptr<ChatSession>> crowd;
    for (int i = 2; i < m_options.users.size(); ++i) {
        auto chat = std::make_unique<ChatSession>();
        ChatSession *raw = chat.get();
        const QString name = m_options.users.at(i);
        session.mintToken(
            name, [raw, name, this](bool ok, const QJsonObject &json, const QString &) {
                if (ok)
                    raw->open(m_options.url, name, QString(), Json::str(json, "token"));
            });
        crowd.push_back(std::move(chat));
    }
    if (!waitFor(
            [&] {
                for (ChatWindow *c : chats) {
                    if (c->session()->rooms().size() < rooms.size())
                        return false;
                }
                return true;
            },
            15000, "the chat windows"))
        return 1;
    for (const auto &c : crowd)
        waitFor([&] { return c->isConnected(); }, 10000, "a crowd session");
    if (crowd.size() > 0)
        crowd.front()->joinRoom(QStringLiteral("general"));
    if (crowd.size() > 1)
        crowd.at(1)->setPresence(QStringLiteral("busy"));

    // Conversation while the graphs fill up.
    const QStringList lines = m_options.language == QLatin1StringView("zh_CN")
        ? QStringList {QStringLiteral("大家好！"), QStringLiteral("今晚十点维护，请提前保存。"),
                       QStringLiteral("收到，谢谢提醒"), QStringLiteral("支持频道有人吗？")}
        : QStringList {QStringLiteral("Hello everyone!"),
                       QStringLiteral("Maintenance tonight at ten, please save your work."),
                       QStringLiteral("Got it, thanks"), QStringLiteral("Anyone in support?")};
    ChatWindow *a = chats.value(0);
    ChatWindow *b = chats.value(1);
    for (int tick = 0; tick < m_options.statsSeconds * 2; ++tick) {
        ChatWindow *from = tick % 2 ? b : a;
        if (from) {
            from->setTarget(QStringLiteral("room"), rooms.at((tick / 4) % 2));
            from->setMessageText(lines.at(tick % lines.size()));
            from->sendMessage();
        }
        pump(500);
    }
    if (a && b) {
        b->setTarget(QStringLiteral("user"), QString::number(a->session()->userId()));
        b->setMessageText(lines.at(2));
        b->sendMessage();
        b->session()->setPresence(QStringLiteral("away"));
        a->setTarget(QStringLiteral("user"), QString::number(b->session()->userId()));
        a->session()->setTyping(QStringLiteral("user:%1").arg(b->session()->userId()), true);
        waitFor([&] { return !b->session()->typing().isEmpty(); }, 3000, "typing");
    }

    AdminSession::Broadcast broadcast;
    broadcast.kind = QStringLiteral("notification");
    broadcast.target = QStringLiteral("room");
    broadcast.roomId = QStringLiteral("general");
    broadcast.title = lines.at(1).left(12);
    broadcast.message = lines.at(1);
    broadcast.priority = QStringLiteral("high");
    broadcast.link = QStringLiteral("https://status.example.com");
    window.broadcastView()->setBroadcast(broadcast);
    window.broadcastView()->send();
    window.broadcastView()->setBroadcast(broadcast);
    waitFor([&] { return window.broadcastView()->audienceUsers() >= 0; }, 5000, "the audience");

    window.usersView()->tree()->expandAll();
    if (a)
        window.usersView()->selectUser(a->session()->userId());
    bool ok = true;
    const QList<QPair<MainWindow::Tab, QString>> tabs {
        {MainWindow::DashboardTab, QStringLiteral("dashboard")},
        {MainWindow::UsersTab, QStringLiteral("users")},
        {MainWindow::RoomsTab, QStringLiteral("rooms")},
        {MainWindow::BroadcastTab, QStringLiteral("broadcast")},
        {MainWindow::EventLogTab, QStringLiteral("eventlog")}};
    for (const auto &[tab, name] : tabs) {
        window.showTab(tab);
        ok = save(&window, name) && ok;
    }
    if (b)
        ok = save(b, QStringLiteral("chat")) && ok;
    ProfileStore store(&settings, nullptr); // a throwaway profile: not the keyring
    store.save(profile);
    store.setLastUsed(profile.name);
    ConnectDialog dialog(&store, &window);
    dialog.show();
    ok = save(&dialog, QStringLiteral("connect")) && ok;
    for (ChatWindow *c : chats)
        c->close();
    return ok ? 0 : 1;
}

} // namespace Switchboard::Console
