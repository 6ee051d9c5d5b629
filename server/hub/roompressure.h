// SPDX-License-Identifier: MIT
#pragma once

#include "hub/hub.h"

#include <functional>

#include <QtGlobal>

namespace Switchboard {

// One room's publish admission under overload (docs/RELIABILITY.md, "Overload"): whether its
// fan-out is ahead of what its recipients' connections take, measured at each fan-out, and its
// optional fixed publish budget. Publishers are refused (RATE_LIMITED with a retry hint) while
// the room pushes back, so the queues drain instead of overflowing into 4029s.
class RoomPressure
{
public:
    struct Settings
    {
        qint64 high = 0; // bytes waiting that make a recipient "behind"; 0 = no push-back
        qint64 low = 0; // ... and below which it has caught up again
        qint64 highFrames = 0; // the same in frames waiting; 0 = not counted
        qint64 lowFrames = 0;
        int membersPercent = 10; // share of the recipients behind that makes the room push back
        int publishRate = 0; // publishes a second; 0 = no fixed budget
    };

    // Retry hint while the room pushes back: about the time a reading client needs to take a
    // few hundred kilobytes, short enough that publishers resume soon after the queues drain.
    static constexpr qint64 PUSHBACK_RETRY_MS = 100;
    // The room's state is measured again at most this often while it pushes back (each
    // measurement reads every recipient's queue).
    static constexpr qint64 REMEASURE_MS = 20;
    // At least this many recipients must be behind: one client that does not read is the
    // slow-consumer policy's (4029), never a reason to hold back everyone else's publishers.
    static constexpr int MIN_BEHIND = 2;

    // After a fan-out of a stored message, with the load it measured.
    void measured(const FanoutLoad &load, qint64 nowMs, int membersPercent);
    // Before storing a publish: 0 = admitted (a budget token is spent), otherwise the retry
    // hint in ms. `measure` reads the recipients' queues again when the last look is stale.
    qint64 admit(qint64 nowMs, const Settings &settings,
                 const std::function<FanoutLoad()> &measure);
    bool pushingBack() const { return m_pushingBack; }

private:
    static int needed(int recipients, int membersPercent);

    bool m_pushingBack = false;
    qint64 m_measuredAt = 0;
    double m_tokens = -1; // the publish budget's bucket; < 0 = not started (full)
    qint64 m_refilledAt = 0;
};

} // namespace Switchboard
