// SPDX-License-Identifier: MIT
#include "streamtracker.h"

#include "protocol/codec.h"

namespace Switchboard::Client {

namespace {

bool streamAndSeq(const QJsonObject &o, QString *stream, qint64 *seq)
{
    *stream = o.value(QLatin1StringView("stream")).toString();
    const QJsonValue v = o.value(QLatin1StringView("seq"));
    if (stream->isEmpty() || !v.isDouble() || !Protocol::validStreamName(*stream))
        return false;
    *seq = v.toInteger(-1);
    return *seq > 0;
}

} // namespace

void StreamTracker::advance(const QString &stream, qint64 seq)
{
    qint64 &position = m_positions[stream];
    position = std::max(position, seq);
    // Our own acked posts right after the new position are received too.
    auto own = m_ownAhead.find(stream);
    if (own == m_ownAhead.end())
        return;
    while (own->remove(position + 1))
        ++position;
    own->removeIf([position](qint64 s) { return s <= position; });
    if (own->isEmpty())
        m_ownAhead.erase(own);
}

bool StreamTracker::observeEvent(const QJsonObject &event)
{
    QString stream;
    qint64 seq = 0;
    if (!streamAndSeq(event, &stream, &seq))
        return true;
    const bool fresh = seq > m_positions.value(stream, 0);
    advance(stream, seq);
    return fresh;
}

void StreamTracker::observeAck(const QJsonObject &ack)
{
    QString stream;
    qint64 seq = 0;
    if (!streamAndSeq(ack, &stream, &seq))
        return;
    // A stream without a position stays without one: the server's stored cursor is safer
    // than guessing that nothing before our post is missing.
    const qint64 position = m_positions.value(stream, -1);
    if (position >= 0 && seq == position + 1)
        advance(stream, seq);
    else if (seq > position)
        m_ownAhead[stream].insert(seq);
}

void StreamTracker::observeJoin(const QJsonObject &roomJoined)
{
    // A room's backlog starts when we join: its `messages` (last seq) is where we stand.
    const QJsonObject room = roomJoined.value(QLatin1StringView("room")).toObject();
    const QString stream = room.value(QLatin1StringView("stream")).toString();
    const QJsonValue last = room.value(QLatin1StringView("messages"));
    if (Protocol::validStreamName(stream) && last.isDouble() && !m_positions.contains(stream))
        advance(stream, last.toInteger());
}

void StreamTracker::observeSync(const QJsonObject &syncComplete)
{
    const QJsonObject streams = syncComplete.value(QLatin1StringView("streams")).toObject();
    for (auto it = streams.constBegin(); it != streams.constEnd(); ++it) {
        const QJsonValue seq = it.value().toObject().value(QLatin1StringView("seq"));
        if (seq.isDouble() && Protocol::validStreamName(it.key()))
            advance(it.key(), seq.toInteger());
    }
}

void StreamTracker::clear()
{
    m_positions.clear();
    m_ownAhead.clear();
}

} // namespace Switchboard::Client
