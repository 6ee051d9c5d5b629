// SPDX-License-Identifier: MIT
#pragma once

// Helpers shared by RoomService's two source files (roomservice.cpp, roomservicemembers.cpp).
#include "roomservice.h"

namespace Switchboard::RoomServicePrivate {

inline RoomFailure failure(Protocol::ErrorCode code, const QString &message)
{
    return RoomFailure {code, message};
}

inline QString notFound(const QString &roomId)
{
    return QStringLiteral("no room '%1'").arg(roomId);
}

} // namespace Switchboard::RoomServicePrivate
