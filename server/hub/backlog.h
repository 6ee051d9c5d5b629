// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>

namespace Switchboard {

// What waits for one connection: sent and not yet written (Transport::backlog, Endpoint).
struct Backlog
{
    qint64 bytes = 0;
    qint64 frames = 0;
};

} // namespace Switchboard
