// SPDX-License-Identifier: MIT
#include "errorcode.h"

namespace Switchboard::Protocol {

QLatin1StringView errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidJson:
        return QLatin1StringView("INVALID_JSON");
    case ErrorCode::UnknownMessageType:
        return QLatin1StringView("UNKNOWN_MESSAGE_TYPE");
    case ErrorCode::MessageProcessingError:
        return QLatin1StringView("MESSAGE_PROCESSING_ERROR");
    case ErrorCode::Unauthorized:
        return QLatin1StringView("UNAUTHORIZED");
    case ErrorCode::Forbidden:
        return QLatin1StringView("FORBIDDEN");
    case ErrorCode::ValidationError:
        return QLatin1StringView("VALIDATION_ERROR");
    case ErrorCode::TooLarge:
        return QLatin1StringView("TOO_LARGE");
    case ErrorCode::NotFound:
        return QLatin1StringView("NOT_FOUND");
    case ErrorCode::RateLimited:
        return QLatin1StringView("RATE_LIMITED");
    case ErrorCode::MethodNotAllowed:
        return QLatin1StringView("METHOD_NOT_ALLOWED");
    case ErrorCode::Conflict:
        return QLatin1StringView("CONFLICT");
    case ErrorCode::InternalError:
        return QLatin1StringView("INTERNAL_ERROR");
    case ErrorCode::Unavailable:
        return QLatin1StringView("UNAVAILABLE");
    case ErrorCode::TokenExpired:
        return QLatin1StringView("TOKEN_EXPIRED");
    case ErrorCode::LimitReached:
        return QLatin1StringView("LIMIT_REACHED");
    }
    return QLatin1StringView("INTERNAL_ERROR");
}

int errorCodeHttpStatus(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidJson:
    case ErrorCode::UnknownMessageType:
    case ErrorCode::ValidationError:
        return 400;
    case ErrorCode::Unauthorized:
    case ErrorCode::TokenExpired:
        return 401;
    case ErrorCode::Forbidden:
        return 403;
    case ErrorCode::NotFound:
        return 404;
    case ErrorCode::MethodNotAllowed:
        return 405;
    case ErrorCode::Conflict:
    case ErrorCode::LimitReached:
        return 409;
    case ErrorCode::TooLarge:
        return 413;
    case ErrorCode::RateLimited:
        return 429;
    case ErrorCode::MessageProcessingError:
    case ErrorCode::InternalError:
        return 500;
    case ErrorCode::Unavailable:
        return 503;
    }
    return 500;
}

} // namespace Switchboard::Protocol
