// SPDX-License-Identifier: MIT
#pragma once

#include <QLatin1StringView>

namespace Switchboard::Protocol {

// Stable error codes shared by WebSocket `error` events and REST error bodies.
// Append only; the wire name is what clients match on.
enum class ErrorCode {
    InvalidJson,
    UnknownMessageType,
    MessageProcessingError,
    Unauthorized,
    Forbidden,
    ValidationError,
    TooLarge,
    NotFound,
    RateLimited,
    MethodNotAllowed,
    Conflict,
    InternalError,
    Unavailable,
    TokenExpired,
    LimitReached, // a configured limit (rooms, rooms per user, members of a room)
};

QLatin1StringView errorCodeName(ErrorCode code);
// The HTTP status a REST response uses for the code.
int errorCodeHttpStatus(ErrorCode code);

} // namespace Switchboard::Protocol
