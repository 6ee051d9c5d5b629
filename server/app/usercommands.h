// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace Switchboard {

struct Config;

// `switchboardd user add|list|passwd|disable|enable ...`: operator commands that work on the
// same store as the daemon (which may be running). Returns the process exit code.
int runUserCommand(const Config &config, const QStringList &args);

} // namespace Switchboard
