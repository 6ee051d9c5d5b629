// SPDX-License-Identifier: MIT
#pragma once

namespace Switchboard::Io {

// A file descriptor held in reserve (/dev/null) for the moment the process runs out of them:
// accept() then fails with EMFILE and the connection stays in the backlog, so a level-triggered
// listener would report it again at once, for ever. Giving the spare back lets the listener
// accept the waiting connections and close them (the clients get a clean close instead of a
// hang), after which the caller pauses accepting for a moment. One per accepting thread.
class SpareDescriptor
{
public:
    SpareDescriptor();
    ~SpareDescriptor();
    SpareDescriptor(const SpareDescriptor &) = delete;
    SpareDescriptor &operator=(const SpareDescriptor &) = delete;

    // Accepts and closes at most `max` connections waiting on `listener` (non-blocking),
    // through the spare's slot; returns how many were closed.
    int shed(int listener, int max);

private:
    int m_fd = -1;
};

} // namespace Switchboard::Io
