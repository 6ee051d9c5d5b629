// SPDX-License-Identifier: MIT
#include "logging.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcMain, "switchboard.main")

namespace Switchboard {

void setupLogging(const QString &level)
{
    qSetMessagePattern(QStringLiteral(
        "%{time yyyy-MM-ddThh:mm:ss.zzz} %{if-debug}debug%{endif}%{if-info}info %{endif}"
        "%{if-warning}warn %{endif}%{if-critical}crit %{endif}%{if-fatal}fatal%{endif} "
        "[%{category}] %{message}"));
    QString rules;
    if (level == QLatin1StringView("debug"))
        rules = QStringLiteral("switchboard.*.debug=true");
    else if (level == QLatin1StringView("info"))
        rules = QStringLiteral("switchboard.*.debug=false");
    else if (level == QLatin1StringView("warning"))
        rules = QStringLiteral("switchboard.*.debug=false\nswitchboard.*.info=false");
    else
        rules = QStringLiteral("switchboard.*.debug=false\nswitchboard.*.info=false\n"
                               "switchboard.*.warning=false");
    // Qt's own "WebSocket received but no slots connected" on every refused upgrade is noise:
    // the refusal is logged by switchboard.http with its reason.
    rules += QStringLiteral("\nqt.httpserver.warning=false");
    QLoggingCategory::setFilterRules(rules);
}

void logInfo(const QString &message)
{
    qCInfo(lcMain).noquote() << message;
}

} // namespace Switchboard
