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
    Failure(Protocol::ErrorCode code, QString message, qint64 retryAfterMs = 0)
        : code(code)
        , message(std::move(message))
        , retryAfterMs(retryAfterMs)
    { }

    Protocol::ErrorCode code;
    QString message;
    // When set: the request may succeed if retried after this long (RATE_LIMITED,
    // UNAVAILABLE); WebSocket errors carry it as retry_after_ms, REST as Retry-After.
    qint64 retryAfterMs = 0;
};

} // namespace Switchboard
