// SPDX-License-Identifier: MIT
// switchboard-console: the operator console. Wiring only; everything else is in ui/ and model/.
#include "model/adminsession.h"
#include "model/languagemanager.h"
#include "model/profilestore.h"
#include "model/secretstore.h"
#include "model/stallprobe.h"
#include "ui/mainwindow.h"

#include <cstring>

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>
#include <QTimer>

using namespace Switchboard::Console;

namespace {
const QCommandLineOption LANGUAGE(QStringLiteral("language"),
                                  QStringLiteral("Interface language: en or zh_CN "
                                                 "(default: the saved choice, else the system's)."),
                                  QStringLiteral("code"));
const QCommandLineOption PROFILE(QStringLiteral("profile"),
                                 QStringLiteral("Connect with this saved profile at start."),
                                 QStringLiteral("name"));

void setUp(QCoreApplication &app, QCommandLineParser &parser)
{
    QCoreApplication::setOrganizationName(QStringLiteral("Switchboard"));
    QCoreApplication::setApplicationName(QStringLiteral("switchboard-console"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SWITCHBOARD_VERSION));
    parser.setApplicationDescription(QStringLiteral("Switchboard operator console"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions({LANGUAGE, PROFILE});
    parser.process(app); // --help / --version print and exit here
}

// --help and --version need no display: answered before QApplication looks for one (without a
// display it aborts).
bool onlyAsksForText(int argc, char *argv[])
{
    for (int i = 1; i < argc; ++i) {
        for (const char *flag : {"-h", "--help", "-?", "--help-all", "-v", "--version"}) {
            if (std::strcmp(argv[i], flag) == 0)
                return true;
        }
    }
    return false;
}
} // namespace

int main(int argc, char *argv[])
{
    if (onlyAsksForText(argc, argv)) {
        QCoreApplication app(argc, argv);
        QCommandLineParser parser;
        setUp(app, parser);
        return 0;
    }
    QApplication app(argc, argv);
    QCommandLineParser parser;
    setUp(app, parser);
    // SWITCHBOARD_CONSOLE_STALL_PROBE=<file>: measure event-loop stalls (benchmarks).
    StallProbe::startFromEnvironment(&app);

    QSettings settings;
    LanguageManager languages;
    languages.setLanguage(parser.isSet(LANGUAGE)
                              ? parser.value(LANGUAGE)
                              : settings.value(QStringLiteral("language")).toString());
    AdminSession session;
    MainWindow window(&session, &languages, &settings);
    window.show();

    const SecretStore keyring;
    ProfileStore profiles(&settings, &keyring);
    const QString name = parser.value(PROFILE);
    const ServerProfile saved = profiles.profile(name);
    QString why;
    if (!name.isEmpty() && saved.isValid(&why))
        window.connectTo(saved);
    else
        QTimer::singleShot(0, &window, &MainWindow::showConnectDialog);
    return app.exec();
}
