// SPDX-License-Identifier: MIT
#pragma once

#include <QIcon>

namespace Switchboard::Console::Icons {

// A freedesktop theme icon when the desktop has one, else the closest standard style icon, so
// the console looks native on Linux desktops and still has icons everywhere else.
QIcon icon(const char *themeName);
QIcon appIcon();

} // namespace Switchboard::Console::Icons
