// SPDX-License-Identifier: MIT
#pragma once

#include "testsupport.h"

#include "model/adminsession.h"
#include "model/languagemanager.h"
#include "model/serverprofile.h"

#include <functional>
#include <memory>

#include <QSettings>
#include <QTemporaryDir>

namespace Switchboard::Console {
class MainWindow;
}

namespace Switchboard::Test {

// A real server with an admin and two users (passwords known), the console's settings in a
// temporary INI file, and the console's parts: session, language manager and main window.
class ConsoleFixture
{
public:
    static constexpr const char *ADMIN_PASSWORD = "admin-password-1";
    static constexpr const char *USER_PASSWORD = "user-password-1";

    // One node on SQLite by default; a backend and a tweak of its config for the others
    // (several nodes: PostgreSQL and a redis_url).
    explicit ConsoleFixture(const QString &backend = QStringLiteral("sqlite"),
                            std::function<void(Config &)> tweak = {});
    ~ConsoleFixture();

    // Starts the server, creates admin/alice/bob and builds the window; false + why on failure.
    bool start(QString *why);
    // A profile for the admin: password mode, or API-key mode acting as "admin".
    Console::ServerProfile profile(bool apiKey = false) const;
    // Connects the console and waits for the admin snapshot.
    bool connectConsole(bool apiKey = false);

    TestServer server;
    QTemporaryDir dir;
    std::unique_ptr<QSettings> settings;
    std::unique_ptr<Console::LanguageManager> languages;
    std::unique_ptr<Console::AdminSession> session;
    std::unique_ptr<Console::MainWindow> window;
    qint64 adminId = 0;
    qint64 aliceId = 0;
    qint64 bobId = 0;

private:
    qint64 createUser(const QString &name, const char *password, bool admin, QString *why);
};

} // namespace Switchboard::Test
