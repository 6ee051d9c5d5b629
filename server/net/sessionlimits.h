// SPDX-License-Identifier: MIT
#pragma once

#include "net/ratelimiter.h"
#include "net/tokenbucket.h"
#include "protocol/clientmessages.h"

namespace Switchboard {

struct Config;

// The rate limits of one WebSocket connection: its own frame and byte buckets, its user's
// bucket shared by all of that user's connections, the cost of each request type, and the
// count of refusals that turns a client that keeps pushing into one that is closed (4029).
class SessionLimits
{
public:
    // Refusals within this window that close the connection (rate_limit_close_after).
    static constexpr qint64 ABUSE_WINDOW_MS = 10'000;

    struct Verdict
    {
        qint64 retryAfterMs = 0; // 0 = go ahead
        bool close = false; // refused once too often within ABUSE_WINDOW_MS
    };

    SessionLimits(const Config &config, qint64 nowMs);

    // Charges one client frame of `bytes` (message = null for a frame that did not decode)
    // to this connection and, through `users` (optional), to its user. The configuration and
    // the users' limiter are passed in, not kept: every connection holds one of these.
    Verdict admit(const Config &config, RateLimiter<qint64> *users, qint64 userId,
                  const Protocol::ClientMessage *message, qsizetype bytes, qint64 nowMs);
    // What one frame of this type costs in the frame buckets: 1, or expensive_request_cost
    // for requests that read a lot (history, presence_query, room_list).
    static double cost(const Config &config, const Protocol::ClientMessage *message);
    // Requests answered through the store: refused with UNAVAILABLE while its queue is full.
    static bool needsStore(const Protocol::ClientMessage &message);

private:
    BucketState m_frames; // conn_frame_rate, conn_frame_burst
    BucketState m_bytes; // conn_byte_rate, conn_byte_burst
    qint64 m_windowStartMs = 0;
    int m_refusals = 0;
};

} // namespace Switchboard
