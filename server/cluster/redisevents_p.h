// SPDX-License-Identifier: MIT
#pragma once

struct redisAsyncContext;

namespace Switchboard::RedisEvents {

// Puts a hiredis async context on the event loop of the calling thread: a read and a write
// QSocketNotifier on its socket, switched on and off through the context's ev hooks (hiredis's
// own adapters/qt.h does the same, but declares a Q_OBJECT class in a system header). The
// notifiers belong to the context: hiredis calls the cleanup hook when it frees it, from then on
// they neither fire nor touch the context, and they are deleted by the event loop. Call before
// redisAsyncSetConnectCallback (which already asks for a write event).
void attach(redisAsyncContext *ac);

} // namespace Switchboard::RedisEvents
