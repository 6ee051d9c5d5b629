// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace Switchboard {

struct Config;

// `switchboardd access list|add|remove ...`: the IP access rules, straight on the store and
// without a running server — the way back in after a rule locked every operator out
// (docs/SECURITY.md "Access rules"). Returns the process exit code.
int runAccessCommand(const Config &config, const QStringList &args);

} // namespace Switchboard
