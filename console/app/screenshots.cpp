// SPDX-License-Identifier: MIT
// switchboard-console-screenshots: the console's screenshots for docs/screenshots, taken from
// the real console against a real server (see scripts/screenshots.sh, which starts one).
#include "ui/screenshotter.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("switchboard-console-screenshots"));
    QApplication::setApplicationVersion(QStringLiteral(SWITCHBOARD_VERSION));
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption url(QStringLiteral("url"), QStringLiteral("WebSocket URL."),
                                 QStringLiteral("url"));
    const QCommandLineOption key(QStringLiteral("api-key"), QStringLiteral("The server's API key."),
                                 QStringLiteral("key"));
    const QCommandLineOption admin(QStringLiteral("admin"), QStringLiteral("Admin user name."),
                                   QStringLiteral("name"), QStringLiteral("admin"));
    const QCommandLineOption users(QStringLiteral("users"),
                                   QStringLiteral("Comma-separated users to bring online."),
                                   QStringLiteral("names"));
    const QCommandLineOption language(QStringLiteral("language"), QStringLiteral("en or zh_CN."),
                                      QStringLiteral("code"), QStringLiteral("en"));
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("Output directory."),
                                 QStringLiteral("dir"), QStringLiteral("."));
    parser.addOptions({url, key, admin, users, language, out});
    parser.process(app);

    Switchboard::Console::Screenshotter::Options o;
    o.url = QUrl(parser.value(url));
    o.apiKey = parser.value(key);
    o.admin = parser.value(admin);
    o.users = parser.value(users).split(QLatin1Char(','), Qt::SkipEmptyParts);
    o.language = parser.value(language);
    o.outDir = parser.value(out);
    return Switchboard::Console::Screenshotter(o).run();
}
