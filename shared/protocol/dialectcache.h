// SPDX-License-Identifier: MIT
#pragma once

#include "dialect.h"

#include <array>

#include <QByteArray>

namespace Switchboard::Protocol {

// The last few frames re-encoded for dialect connections, so that a fan-out (a room message to
// every member, a broadcast to everyone) is re-encoded once per dialect, not once per member.
// A frame is known by its shared bytes: the fan-out hands the same QByteArray to every
// recipient, and an entry holds a reference to it, so its address cannot be reused by another
// frame while the entry lives. One thread only (the sessions' logic thread).
class DialectCache
{
public:
    // Dialects::encode(dialect, frame), from the cache when this frame was encoded already.
    QByteArray encode(Dialect dialect, const QByteArray &frame);
    // How user ids are shown (Dialects::convert); the same for every connection.
    void setUserIdNames(UserIdNames names) { m_names = std::move(names); }

    static constexpr int ENTRIES = 8;
    // Larger frames (history pages, snapshots) go to one connection: not worth holding.
    static constexpr qsizetype MAX_FRAME_BYTES = 256 * 1024;

private:
    struct Entry
    {
        QByteArray canonical;
        std::array<QByteArray, DIALECT_COUNT> encoded;
    };
    std::array<Entry, ENTRIES> m_entries;
    int m_next = 0; // the entry replaced next (round robin)
    UserIdNames m_names;
};

} // namespace Switchboard::Protocol
