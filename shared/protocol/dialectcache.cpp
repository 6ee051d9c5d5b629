// SPDX-License-Identifier: MIT
#include "dialectcache.h"

namespace Switchboard::Protocol {

QByteArray DialectCache::encode(Dialect dialect, const QByteArray &frame)
{
    if (dialect == Dialect::Canonical || frame.isEmpty())
        return frame;
    if (frame.size() > MAX_FRAME_BYTES)
        return Dialects::encode(dialect, frame, m_names);
    const int d = int(dialect);
    for (Entry &entry : m_entries) {
        if (entry.canonical.constData() == frame.constData()
            && entry.canonical.size() == frame.size()) {
            if (entry.encoded[d].isNull())
                entry.encoded[d] = Dialects::encode(dialect, frame, m_names);
            return entry.encoded[d];
        }
    }
    Entry &entry = m_entries[m_next];
    m_next = (m_next + 1) % ENTRIES;
    entry.canonical = frame;
    entry.encoded = {};
    entry.encoded[d] = Dialects::encode(dialect, frame, m_names);
    return entry.encoded[d];
}

} // namespace Switchboard::Protocol
