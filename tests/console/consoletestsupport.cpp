// SPDX-License-Identifier: MIT
#include "consoletestsupport.h"

#include "ui/mainwindow.h"

#include <QTest>

namespace Switchboard::Test {

ConsoleFixture::ConsoleFixture(const QString &backend, std::function<void(Config &)> tweak)
    : server(backend, std::move(tweak))
{ }

ConsoleFixture::~ConsoleFixture()
{
    // Windows first (chat windows hold connections), then the session, then the server.
    window.reset();
    session.reset();
    languages.reset();
}

qint64 ConsoleFixture::createUser(const QString &name, const char *password, bool admin,
                                  QString *why)
{
    const HttpResult r = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/users")),
                                  {{QStringLiteral("username"), name},
                                   {QStringLiteral("password"), QString::fromLatin1(password)},
                                   {QStringLiteral("admin"), admin}},
                                  server.config().apiKey.toUtf8());
    if (r.status != 201) {
        *why = QStringLiteral("creating %1: HTTP %2 %3")
                   .arg(name)
                   .arg(r.status)
                   .arg(QString::fromUtf8(r.body));
        return 0;
    }
    return num(r.json, "user_id");
}

bool ConsoleFixture::start(QString *why)
{
    if (!server.start(why))
        return false;
    adminId = createUser(QStringLiteral("admin"), ADMIN_PASSWORD, true, why);
    aliceId = createUser(QStringLiteral("alice"), USER_PASSWORD, false, why);
    bobId = createUser(QStringLiteral("bob"), USER_PASSWORD, false, why);
    if (!adminId || !aliceId || !bobId)
        return false;
    settings = std::make_unique<QSettings>(dir.filePath(QStringLiteral("console.ini")),
                                           QSettings::IniFormat);
    languages = std::make_unique<Console::LanguageManager>();
    languages->setLanguage(QStringLiteral("en"));
    session = std::make_unique<Console::AdminSession>();
    window = std::make_unique<Console::MainWindow>(session.get(), languages.get(), settings.get());
    window->show();
    return true;
}

Console::ServerProfile ConsoleFixture::profile(bool apiKey) const
{
    Console::ServerProfile p;
    p.name = QStringLiteral("test");
    p.url = server.wsUrl();
    p.username = QStringLiteral("admin");
    if (apiKey) {
        p.mode = Console::ServerProfile::AuthMode::ApiKey;
        p.apiKey = server.config().apiKey;
    } else {
        p.password = QString::fromLatin1(ADMIN_PASSWORD);
    }
    return p;
}

bool ConsoleFixture::connectConsole(bool apiKey)
{
    window->connectTo(profile(apiKey));
    QDeadlineTimer deadline(15000);
    while (!session->subscribed() && !deadline.hasExpired())
        QTest::qWait(10);
    return session->subscribed();
}

} // namespace Switchboard::Test
