// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace Switchboard {

// Log format and level filter for the daemon: `log_level` sets the switchboard.* categories;
// QT_LOGGING_RULES still overrides everything, as usual in Qt.
void setupLogging(const QString &level);
void logInfo(const QString &message);

} // namespace Switchboard
