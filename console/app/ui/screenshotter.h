// SPDX-License-Identifier: MIT
#pragma once

#include <functional>

#include <QString>
#include <QStringList>
#include <QUrl>

class QWidget;

namespace Switchboard::Console {

// Drives the real console against a real server into a busy, realistic state (users online,
// chat windows talking, a broadcast, stats ticking) and saves PNGs of the main views, for
// docs/screenshots (scripts/screenshots.sh). Uses only the console's public surface.
class Screenshotter
{
public:
    struct Options
    {
        QUrl url;
        QString apiKey;
        QString admin = QStringLiteral("admin");
        QStringList users; // the first two get chat windows, the rest plain sessions
        QString language = QStringLiteral("en");
        QString outDir;
        int statsSeconds = 20; // how much graph to draw before the shots
    };

    explicit Screenshotter(const Options &options);
    // Returns 0 on success; prints what failed otherwise.
    int run();

private:
    bool waitFor(const std::function<bool()> &condition, int timeoutMs, const char *what);
    bool save(QWidget *widget, const QString &name);

    Options m_options;
};

} // namespace Switchboard::Console
