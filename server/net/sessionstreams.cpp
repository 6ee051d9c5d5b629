// SPDX-License-Identifier: MIT
// Session and the streams it reads (docs/PROTOCOL.md, "Streams, replay and resume"): live
// delivery in stream order, the replay of what the user missed when it connects (from the
// client's own positions or the stored cursors), and the history requests.
#include "session.h"

#include "auth/externalids.h"
#include "config/config.h"
#include "hub/historyservice.h"
#include "hub/messageservice.h"
#include "hub/hub.h"
#include "hub/roomservice.h"
#include "io/sendbatch.h"
#include "protocol/codec.h"
#include "protocol/events.h"
#include "protocol/jsonwriter.h"
#include "protocol/protocol.h"
#include "store/asyncstore.h"

#include <algorithm>

#include <QLoggingCategory>
#include <QPointer>
#include <QSet>
#include <QUrlQuery>

Q_DECLARE_LOGGING_CATEGORY(lcSession)

namespace Switchboard {

using namespace Protocol;

namespace {

// The replay keeps at most max_send_queue_bytes / REPLAY_HIGH_DIVISOR waiting for a client and
// tops it up once less than max_send_queue_bytes / REPLAY_LOW_DIVISOR waits: a backlog of any
// size goes out at the client's pace without ever tripping the slow-consumer limit.
constexpr qint64 REPLAY_HIGH_DIVISOR = 4;
constexpr qint64 REPLAY_LOW_DIVISOR = 8;

// Reads one round of a replay on the store's thread. The first round also settles where each stream
// starts and whether its gap can be recovered.
QList<ReplayItem> readRound(Store &store, AsyncStore *async, qint64 userId, QList<ReplayItem> items,
                            bool first, int batch, int replayLimit)
{
    QHash<QString, qint64> cursors;
    if (first) {
        cursors = store.cursors(userId);
        // A cursor raised but not yet written counts too (the flush runs on this thread).
        const auto pending = async->pendingCursors(userId);
        for (auto it = pending.cbegin(); it != pending.cend(); ++it)
            cursors[it.key()] = std::max(cursors.value(it.key()), it.value());
    }
    for (ReplayItem &item : items) {
        item.entries.clear();
        item.more = false;
        if (first) {
            item.bounds = store.streamBounds(item.stream);
            const qint64 last = item.bounds.last;
            if (item.given)
                item.from = *item.given;
            else if (cursors.contains(item.stream)) {
                item.from = cursors.value(item.stream);
                item.fromCursor = true;
            } else
                item.from = item.room ? last : 0; // a room without a cursor: live from now
            if (item.from > last) {
                item.reason = QStringLiteral("unknown_position"); // ahead of the stream
                item.from = last;
                continue;
            }
            if (item.from == last)
                continue;
            const bool purged = item.bounds.first == 0 || item.from + 1 < item.bounds.first;
            if (purged)
                item.reason = QStringLiteral("retention");
            // What a replay would send: the retained entries above the position.
            const qint64 replayable
                = item.bounds.first == 0 ? 0 : last - std::max(item.from, item.bounds.first - 1);
            if (item.room && replayable > replayLimit) {
                item.reason = QStringLiteral("too_many");
                item.from = last;
                continue;
            }
        }
        item.entries = store.readStream(item.stream, item.from, batch);
        item.more = item.entries.size() >= batch && item.entries.last().seq < item.bounds.last;
    }
    return items;
}

} // namespace

Session::StreamState *Session::streamState(const QString &stream, bool create)
{
    // Every delivery asks: the last stream found first (one comparison in a room's fan-out,
    // where the room's stream is one shared string, RoomService::Room::stream: equal data
    // pointers settle it at once). An equal string made elsewhere is adopted, so that the
    // next time its pointer settles it too.
    if (m_lastStream < m_streams.size()) {
        StreamState &last = m_streams[m_lastStream];
        if (last.stream.constData() == stream.constData())
            return &last;
        if (last.stream == stream) {
            last.stream = stream;
            return &last;
        }
    }
    for (qsizetype i = 0; i < m_streams.size(); ++i) {
        if (m_streams[i].stream == stream) {
            m_lastStream = i;
            m_streams[i].stream = stream;
            return &m_streams[i];
        }
    }
    if (!create)
        return nullptr;
    StreamState state;
    state.stream = stream;
    m_streams.append(std::move(state));
    m_lastStream = m_streams.size() - 1;
    return &m_streams.last();
}

void Session::deliver(const QByteArray &frame, const QString &stream, qint64 seq)
{
    if (seq > 0) {
        StreamState *s = streamState(stream, true);
        if (s->replaying) {
            hold(*s, seq, frame);
            return;
        }
        if (seq <= s->seq)
            return; // the replay sent it already
        s->seq = seq;
        track(*s, seq, write(frame, true));
        if (!s->held.isEmpty())
            ownAfter(*s);
        return;
    }
    sendFrame(frame);
}

// Messages this connection posted past a seq it has not been sent yet (another node's earlier
// message still on its way): they count as sent once everything before them was.
void Session::ownAfter(StreamState &state)
{
    std::sort(state.held.begin(), state.held.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    qsizetype i = 0;
    for (; i < state.held.size(); ++i) {
        const qint64 seq = state.held[i].first;
        if (seq > state.seq + 1)
            break;
        if (seq == state.seq + 1) {
            state.seq = seq;
            track(state, seq, m_lastEnd);
        }
    }
    state.held.remove(0, i);
    m_heldFrames -= i;
}

bool Session::replaying() const
{
    return std::any_of(m_streams.cbegin(), m_streams.cend(),
                       [](const StreamState &s) { return s.replaying; });
}

void Session::hold(StreamState &state, qint64 seq, const QByteArray &frame)
{
    state.held.append({seq, frame});
    ++m_heldFrames;
    m_heldBytes += frame.size();
    if (m_heldFrames <= m_ctx.config->maxReplayHeldFrames
        && m_heldBytes <= m_ctx.config->maxReplayHeldBytes)
        return;
    // Every held message is stored (it was delivered after its commit): rather than grow
    // without bound while a long replay runs, let them go and have the replay read on to the
    // highest of them. Own messages (no frame) go too: the replay sends them, once.
    quint64 released = 0;
    for (StreamState &s : m_streams) {
        for (const auto &h : std::as_const(s.held))
            s.released = std::max(s.released, h.first);
        released += quint64(s.held.size());
        s.held.clear();
    }
    m_ctx.hub->counters().replayHeldReleased += released;
    qCDebug(lcSession) << "connection" << connectionId() << "let go of" << released
                       << "live frames held during its replay (" << m_heldBytes
                       << "bytes); the replay reads them from the store";
    m_heldFrames = 0;
    m_heldBytes = 0;
}

void Session::track(StreamState &state, qint64 seq, qint64 end)
{
    if (end < 0)
        return; // not sent: the cursor stays before it
    const qsizetype stream = &state - m_streams.data();
    if (m_open.stream == stream && end - m_open.start < UNCONFIRMED_GRAIN) {
        m_open.end = end;
        m_open.seq = seq;
    } else {
        if (m_open.stream >= 0)
            m_unconfirmed.push_back(m_open);
        m_open = {end, end, seq, stream};
    }
    m_cursorsDirty = true;
}

void Session::noteOwnMessage(const QString &stream, qint64 seq)
{
    StreamState *s = streamState(stream, true);
    if (s->replaying) {
        hold(*s, seq, QByteArray());
    } else if (s->seq > 0 && seq > s->seq + 1 && s->held.size() < MAX_OWN_AHEAD) {
        // Several nodes: an earlier message of this stream, from another node, is still on its
        // way here; taking this seq now would make this connection drop that one.
        s->held.append({seq, QByteArray()});
        ++m_heldFrames;
    } else if (seq > s->seq) {
        s->seq = seq;
        track(*s, seq, m_lastEnd); // confirmed with the frames sent before it
        if (!s->held.isEmpty())
            ownAfter(*s);
    }
}

void Session::saveCursors()
{
    // Called every tick for every connection: idle ones stop at the flag.
    if (!m_cursorsDirty)
        return;
    m_cursorsDirty = false;
    // Only what was written to the socket counts (docs/RELIABILITY.md): a connection dropped
    // with frames still queued resumes at the first of them.
    size_t head = m_unconfirmedHead;
    for (; head < m_unconfirmed.size() && m_unconfirmed[head].end <= m_writtenSeen; ++head) {
        StreamState &s = m_streams[m_unconfirmed[head].stream];
        s.confirmed = std::max(s.confirmed, m_unconfirmed[head].seq);
    }
    if (head == m_unconfirmed.size()) {
        // Drained. Storage a burst grew stays for the next one unless it is large.
        constexpr size_t KEEP = 256;
        if (m_unconfirmed.capacity() > KEEP)
            std::vector<Unconfirmed>().swap(m_unconfirmed);
        else
            m_unconfirmed.clear();
        head = 0;
        if (m_open.stream >= 0 && m_open.end <= m_writtenSeen) {
            StreamState &s = m_streams[m_open.stream];
            s.confirmed = std::max(s.confirmed, m_open.seq);
            m_open = {};
        } else if (m_open.stream >= 0) {
            m_cursorsDirty = true;
        }
    } else {
        m_cursorsDirty = true;
        if (head >= m_unconfirmed.size() / 2) { // move the rest to the front now and then
            m_unconfirmed.erase(m_unconfirmed.begin(), m_unconfirmed.begin() + qsizetype(head));
            head = 0;
        }
    }
    m_unconfirmedHead = head;
    for (StreamState &s : m_streams) {
        if (s.confirmed <= s.saved)
            continue;
        m_ctx.store->advanceCursor(StreamCursor {m_claims.userId, s.stream, s.confirmed});
        s.saved = s.confirmed;
    }
}

QList<ReplayItem> Session::prepareSync()
{
    // Positions from the URL (?resume=u:7:12,r:general:41) unless the auth frame gave them.
    StreamPositions resume;
    if (m_startup)
        resume = std::exchange(m_startup->resume, {});
    if (resume.isEmpty()) {
        const QString text
            = m_transport->query().queryItemValue(QStringLiteral("resume"), QUrl::FullyDecoded);
        const QString error = parseStreamPositions(text, &resume);
        if (!error.isEmpty()) {
            resume.clear();
            sendError(ErrorCode::ValidationError, error, QJsonValue());
        }
    }
    const QString inbox = userStream(m_claims.userId);
    QList<ReplayItem> items;
    auto add = [&](const QString &stream, bool room) {
        ReplayItem item;
        item.stream = stream;
        item.room = room;
        if (const auto it = resume.constFind(stream); it != resume.cend())
            item.given = *it;
        streamState(stream, true)->replaying = true;
        items << item;
    };
    add(inbox, false);
    for (const QString &roomId : m_ctx.rooms->roomsOf(m_claims.userId))
        add(roomStream(roomId), true);
    // Positions for streams this user does not read are answered, never replayed.
    for (auto it = resume.cbegin(); it != resume.cend(); ++it) {
        if (!streamState(it.key(), false))
            reportStream(it.key(), false, R"({"complete":false,"reason":"forbidden"})");
    }
    return items;
}

void Session::replayRound(QList<ReplayItem> items, bool first)
{
    const qint64 userId = m_claims.userId;
    const int batch = m_ctx.config->offlineBatch;
    const int limit = m_ctx.config->replayLimit;
    AsyncStore *async = m_ctx.store;
    m_ctx.store->read<QList<ReplayItem>>(
        this,
        [items, first, userId, batch, limit, async](Store &store) {
            return readRound(store, async, userId, items, first, batch, limit);
        },
        [this, first](std::optional<QList<ReplayItem>> result, QString error) {
            if (m_state == State::Active)
                takeRound(std::move(result), error, first);
        });
}

void Session::activate()
{
    // The session gets its user's stored deliveries from here on (held until the replay of
    // their stream is done) before the store is read, so nothing committed meanwhile is
    // missed. One read then both checks the account and reads the first replay round.
    QList<ReplayItem> items = prepareSync();
    m_ctx.hub->reserve(this);
    if (!m_ctx.bus) {
        readActivation(std::move(items));
        return;
    }
    // Several nodes: the store is read once this node receives the user's events (its inbox
    // and rooms), so that nothing stored between the read and the first live event is missed.
    QPointer<Session> self(this);
    m_ctx.bus->whenFollowing(m_claims.userId, QString(), this, [self, items] {
        if (self && self->m_state == State::Activating)
            self->readActivation(items);
    });
}

void Session::readActivation(QList<ReplayItem> items)
{
    struct Activation
    {
        std::optional<UserRecord> user;
        std::optional<QList<ReplayItem>> round;
        QString roundError;
    };
    const qint64 userId = m_claims.userId;
    const int batch = m_ctx.config->offlineBatch;
    const int limit = m_ctx.config->replayLimit;
    AsyncStore *async = m_ctx.store;
    m_ctx.store->read<Activation>(
        this,
        [items, userId, batch, limit, async](Store &store) {
            Activation a;
            a.user = store.userById(userId);
            if (a.user && a.user->disabled)
                return a;
            try {
                a.round = readRound(store, async, userId, items, true, batch, limit);
            } catch (const StoreError &e) {
                a.roundError = QString::fromUtf8(e.what());
            }
            return a;
        },
        [this](std::optional<Activation> a, QString error) {
            if (m_state != State::Activating)
                return;
            // connected, the replay and sync_complete leave together
            const Io::SendBatch sendBatch;
            if (!a) {
                qCWarning(lcSession) << "user lookup failed:" << error;
                close(CloseCode::TRY_AGAIN_LATER, QStringLiteral("storage unavailable"));
                return;
            }
            if (!enterActive(a->user))
                return;
            takeRound(std::move(a->round), a->roundError, true);
            handleFramesBeforeActive();
        });
}

void Session::takeRound(std::optional<QList<ReplayItem>> result, const QString &error, bool first)
{
    if (!result) {
        qCWarning(lcSession) << "replay read failed:" << error;
        for (StreamState &s : m_streams) {
            if (s.replaying) {
                reportStream(s.stream, false, R"({"complete":false,"reason":"unavailable"})");
                finishStream(s);
            }
        }
        result.emplace();
    }
    m_round = std::make_unique<ReplayRound>();
    m_round->items = std::move(*result);
    m_round->first = first;
    if (m_dialect != Dialect::Canonical && m_ctx.externalIds) {
        // A seed dialect shows senders by their external ids, which this node may not hold (a
        // restart, a sender not connected): those are read before the round's frames are
        // encoded (at once when memory knows them all).
        QSet<qint64> senders;
        for (const ReplayItem &item : std::as_const(m_round->items)) {
            for (const StreamEntry &e : item.entries)
                senders.insert(e.senderId);
        }
        QPointer<Session> self(this);
        m_ctx.externalIds->externalIdsOf(senders.values(), [self](const QHash<qint64, QString> &) {
            if (!self || self->m_state != State::Active)
                return;
            const Io::SendBatch batch;
            self->pumpReplay();
        });
        return;
    }
    pumpReplay();
}

void Session::transportDrained()
{
    if (!m_waitingDrain)
        return;
    m_waitingDrain = false;
    const Io::SendBatch batch; // this round's frames go to the I/O thread together
    pumpReplay();
}

void Session::pumpReplay()
{
    const qint64 limit = m_ctx.config->maxSendQueueBytes;
    const qint64 high = limit / REPLAY_HIGH_DIVISOR;
    const qint64 low = limit / REPLAY_LOW_DIVISOR;
    if (!m_round)
        return;
    ReplayRound &r = *m_round;
    while (r.item < r.items.size()) {
        if (m_state != State::Active || m_slow)
            return;
        ReplayItem &item = r.items[r.item];
        StreamState *s = streamState(item.stream, true);
        if (!r.itemStarted) {
            r.itemStarted = true;
            s->seq = std::max(s->seq, item.from);
            if (r.first) {
                // The client has what is below its own position; below the stored cursor it
                // was delivered before; a room's backlog starts at its end.
                s->confirmed = std::max(s->confirmed, item.from);
                m_cursorsDirty = true;
                if (!item.given && item.fromCursor)
                    s->saved = item.from; // the stored cursor is there already
            }
        }
        while (r.entry < item.entries.size()) {
            const StreamEntry &e = item.entries[r.entry];
            if (e.seq <= s->seq) {
                ++r.entry;
                continue;
            }
            const bool own = std::any_of(s->held.cbegin(), s->held.cend(), [&](const auto &h) {
                return h.first == e.seq && h.second.isEmpty();
            });
            if (own) {
                track(*s, e.seq, m_lastEnd);
            } else {
                if (r.frame.isEmpty())
                    r.frame = MessageService::encodeStored(e);
                // Flow control: the frame goes once the queue has room for it below the
                // high-water mark; otherwise wait for the transport to drain.
                const qint64 backlog = m_transport->backlogBytes();
                if (backlog > 0 && (backlog >= high || backlog + r.frame.size() > limit)) {
                    const qint64 below = std::max<qint64>(1, std::min(low, limit - r.frame.size()));
                    if (m_transport->notifyWhenBelow(below)) {
                        m_waitingDrain = true;
                        return;
                    }
                }
                const qint64 end = write(std::exchange(r.frame, {}), true);
                if (end < 0)
                    return; // closed meanwhile
                track(*s, e.seq, end);
            }
            s->seq = e.seq;
            ++r.entry;
        }
        r.entry = 0;
        r.itemStarted = false;
        ++r.item;
        // Live frames let go during the replay are read from the store (they are there); a
        // round that found none of them (purged meanwhile) ends the chase.
        const bool chase = s->released > s->seq && !(item.chasing && s->seq == item.from);
        if (item.more || chase) {
            item.chasing = !item.more;
            item.bounds.last = std::max(item.bounds.last, s->released);
            item.from = s->seq;
            item.entries = {}; // sent: only one round's entries are ever held
            r.next << item;
            continue;
        }
        finishStream(*s);
        JsonWriter report(96);
        report.field(QLatin1StringView("seq"), s->seq)
            .field(QLatin1StringView("last_seq"), item.bounds.last)
            .field(QLatin1StringView("complete"), item.reason.isEmpty());
        if (item.given)
            report.field(QLatin1StringView("from"), *item.given);
        if (!item.reason.isEmpty()) {
            report.field(QLatin1StringView("reason"), item.reason)
                .field(QLatin1StringView("first_seq"), item.bounds.first);
        }
        reportStream(item.stream, item.reason.isEmpty(), report.take());
    }
    // Released, not kept: most connections replay once, at connect, and then idle (heaptrack
    // of a 19k storm: ~280 B per idle connection were held by the last round's lists).
    QList<ReplayItem> next = std::move(r.next);
    m_round.reset();
    if (!next.isEmpty()) {
        replayRound(std::move(next), false);
        return;
    }
    sendSyncComplete();
}

void Session::sendSyncComplete()
{
    // streams: {"<stream>": {report}, ...}
    bool complete = true;
    QByteArray streams("{");
    if (m_startup) {
        for (const SyncReport &r : std::as_const(m_startup->syncReport)) {
            if (streams.size() > 1)
                streams.append(',');
            JsonWriter::appendString(streams, r.stream);
            streams.append(':');
            streams.append(r.json);
            complete = complete && r.complete;
        }
        // The start is over: what an idle connection does not need goes (frames that came
        // in while activating were handled before the replay began).
        if (m_startup->pendingBeforeActive.isEmpty() && m_startup->framesBeforeActive.isEmpty())
            m_startup.reset();
        else
            m_startup->syncReport = {};
    }
    streams.append('}');
    const QString inboxStream = userStream(m_claims.userId);
    const StreamState *inbox = streamState(inboxStream, false);
    JsonWriter done(128 + streams.size());
    done.field(QLatin1StringView("type"), ServerType::SYNC_COMPLETE)
        .field(QLatin1StringView("ts"), Events::nowMs())
        .field(QLatin1StringView("stream"), inboxStream)
        .field(QLatin1StringView("seq"), inbox ? inbox->seq : qint64(0))
        .field(QLatin1StringView("complete"), complete)
        .json(QLatin1StringView("streams"), streams);
    sendFrame(done.take());
    saveCursors();
}

void Session::reportStream(const QString &stream, bool complete, QByteArray json)
{
    QList<SyncReport> &reports = startup().syncReport;
    for (SyncReport &r : reports) {
        if (r.stream == stream) {
            r.complete = complete;
            r.json = std::move(json);
            return;
        }
    }
    reports.append({stream, complete, std::move(json)});
}

// The stream's backlog is out: live frames held meanwhile follow, in order, without repeats.
void Session::finishStream(StreamState &state)
{
    state.replaying = false;
    m_cursorsDirty = true;
    auto held = std::exchange(state.held, {});
    m_heldFrames -= held.size();
    for (const auto &h : std::as_const(held))
        m_heldBytes -= h.second.size();
    std::stable_sort(held.begin(), held.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    for (const auto &[seq, frame] : held) {
        if (seq <= state.seq)
            continue;
        track(state, seq, frame.isEmpty() ? m_lastEnd : write(frame, true));
        state.seq = seq;
    }
}

void Session::handle(const QJsonValue &id, const HistoryRequest &request)
{
    if (mapExternalUser(id, request, &HistoryRequest::withExternalId, &HistoryRequest::withUserId,
                        QStringLiteral("with")))
        return;
    m_ctx.history->page(
        sender(), m_claims.userId, request, this,
        [this, id](std::optional<QJsonObject> page, std::optional<Failure> failure) {
            if (failure) {
                sendFailure(*failure, id);
                return;
            }
            if (!id.isNull())
                page->insert(QStringLiteral("id"), id);
            sendFrame(Events::encode(ServerType::HISTORY, *page));
        });
}

} // namespace Switchboard
