// SPDX-License-Identifier: MIT
#pragma once

#include "protocol/errorcode.h"

#include <QString>

namespace Switchboard {

// Why a service refused or could not do something: a stable protocol error code and an English
// message for the client. Every service reports failures this way (WebSocket `error` events and
// REST error bodies carry the same two fields).
struct Failure
{
    Protocol::ErrorCode code;
    QString message;
};

} // namespace Switchboard
