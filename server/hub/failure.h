// SPDX-License-Identifier: MIT
#pragma once

#include "protocol/errorcode.h"
#include "store/asyncstore.h"

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

// The refusal of a request while the store's queue is full: UNAVAILABLE with a retry hint
// (the front checks of both transports answer it, and so does work the store itself refused).
inline Failure storeBusy()
{
    return Failure {
        Protocol::ErrorCode::Unavailable,
        QStringLiteral("the server is busy; retry after %1 ms").arg(AsyncStore::BUSY_RETRY_MS),
        AsyncStore::BUSY_RETRY_MS};
}

// The failure of store work that did not complete: storeBusy() when the store refused it
// because its queue was full (back-pressure, not an error of the request), otherwise
// `otherwise`; an UNAVAILABLE always carries a retry hint (the database is locked, hung,
// restarting or full: transient). Every caller of AsyncStore maps its error through here.
inline Failure storeFailure(const QString &storeError, Failure otherwise)
{
    if (AsyncStore::isOverloaded(storeError))
        return storeBusy();
    if (otherwise.code == Protocol::ErrorCode::Unavailable && otherwise.retryAfterMs <= 0)
        otherwise.retryAfterMs = AsyncStore::BUSY_RETRY_MS;
    return otherwise;
}

} // namespace Switchboard
