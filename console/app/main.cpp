// SPDX-License-Identifier: MIT
// switchboard-console: the operator console. Wiring only; everything else is in ui/ and model/.
#include "model/adminsession.h"
#include "model/languagemanager.h"
#include "model/profilestore.h"
#include "ui/mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>
#include <QTimer>

using namespace Switchboard::Console;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Switchboard"));
    QApplication::setApplicationName(QStringLiteral("switchboard-console"));
    QApplication::setApplicationVersion(QStringLiteral(SWITCHBOARD_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Switchboard operator console"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption language(
        QStringLiteral("language"),
        QStringLiteral("Interface language: en or zh_CN "
                       "(default: the saved choice, else the system's)."),
        QStringLiteral("code"));
    const QCommandLineOption profile(QStringLiteral("profile"),
                                     QStringLiteral("Connect with this saved profile at start."),
                                     QStringLiteral("name"));
    parser.addOptions({language, profile});
    parser.process(app);

    QSettings settings;
    LanguageManager languages;
    languages.setLanguage(parser.isSet(language)
                              ? parser.value(language)
                              : settings.value(QStringLiteral("language")).toString());
    AdminSession session;
    MainWindow window(&session, &languages, &settings);
    window.show();

    ProfileStore profiles(&settings);
    const QString name = parser.value(profile);
    const ServerProfile saved = profiles.profile(name);
    QString why;
    if (!name.isEmpty() && saved.isValid(&why))
        window.connectTo(saved);
    else
        QTimer::singleShot(0, &window, &MainWindow::showConnectDialog);
    return app.exec();
}
