// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <memory>

namespace Switchboard {

// A context of AsyncStore jobs that can end before its queued reads run (a session whose
// client went away). The flag is shared with the queued reads and read by the store's worker
// before each runs: a QPointer to the context cannot be read safely from that thread.
class CancellableContext
{
public:
    virtual ~CancellableContext() = default;

    std::shared_ptr<const std::atomic<bool>> cancelFlag() const { return m_cancelled; }
    bool cancelled() const { return m_cancelled->load(std::memory_order_acquire); }

protected:
    // Reads queued in this context's name are skipped from now on (writes still run).
    void cancelQueuedReads() { m_cancelled->store(true, std::memory_order_release); }

private:
    std::shared_ptr<std::atomic<bool>> m_cancelled = std::make_shared<std::atomic<bool>>(false);
};

} // namespace Switchboard
