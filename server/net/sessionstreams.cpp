// SPDX-License-Identifier: MIT
// Session and the streams it reads (docs/PROTOCOL.md, "Streams, replay and resume"): live
// delivery in stream order, the replay of what the user missed when it connects (from the
// client's own positions or the stored cursors), and the history requests.
#include "session.h"

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

#include <QLoggingCategory>
#include <QUrlQuery>

Q_DECLARE_LOGGING_CATEGORY(lcSession)

namespace Switchboard {

using namespace Protocol;

// One stream in a replay: where it starts, what the store holds, and the entries of this round.
struct ReplayItem
{
    QString stream;
    bool room = false;
    std::optional<qint64> given; // the client's position, when it gave one
    qint64 from = 0; // the replay sends entries above this
    bool fromCursor = false; // `from` is the user's stored cursor
    StreamBounds bounds;
    QString reason; // why the stream cannot be fully recovered; empty = it can
    QList<StreamEntry> entries;
    bool more = false; // another round is needed
};

namespace {

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
    for (StreamState &s : m_streams) {
        if (s.stream == stream)
            return &s;
    }
    if (!create)
        return nullptr;
    m_streams.append(StreamState {stream, 0, -1, false, {}});
    return &m_streams.last();
}

void Session::deliver(const QByteArray &frame, const QString &stream, qint64 seq)
{
    if (seq > 0) {
        StreamState *s = streamState(stream, true);
        if (s->replaying) {
            s->held.append({seq, frame});
            return;
        }
        if (seq <= s->seq)
            return; // the replay sent it already
        s->seq = seq;
        m_cursorsDirty = true;
    }
    sendFrame(frame);
}

void Session::noteOwnMessage(const QString &stream, qint64 seq)
{
    StreamState *s = streamState(stream, true);
    if (s->replaying) {
        s->held.append({seq, QByteArray()});
    } else {
        s->seq = std::max(s->seq, seq);
        m_cursorsDirty = true;
    }
}

void Session::saveCursors()
{
    // Called every tick for every connection: idle ones stop at the flag.
    if (!m_cursorsDirty)
        return;
    m_cursorsDirty = false;
    for (StreamState &s : m_streams) {
        if (s.seq <= s.saved)
            continue;
        if (s.replaying) {
            m_cursorsDirty = true; // saved once its replay is done
            continue;
        }
        m_ctx.store->advanceCursor(StreamCursor {m_claims.userId, s.stream, s.seq});
        s.saved = s.seq;
    }
}

QList<ReplayItem> Session::prepareSync()
{
    // Positions from the URL (?resume=u:7:12,r:general:41) unless the auth frame gave them.
    if (m_resume.isEmpty()) {
        const QString text
            = m_transport->query().queryItemValue(QStringLiteral("resume"), QUrl::FullyDecoded);
        const QString error = parseStreamPositions(text, &m_resume);
        if (!error.isEmpty()) {
            m_resume.clear();
            sendError(ErrorCode::ValidationError, error, QJsonValue());
        }
    }
    const QString inbox = userStream(m_claims.userId);
    QList<ReplayItem> items;
    auto add = [&](const QString &stream, bool room) {
        ReplayItem item;
        item.stream = stream;
        item.room = room;
        if (const auto it = m_resume.constFind(stream); it != m_resume.cend())
            item.given = *it;
        streamState(stream, true)->replaying = true;
        items << item;
    };
    add(inbox, false);
    for (const QString &roomId : m_ctx.rooms->roomsOf(m_claims.userId))
        add(roomStream(roomId), true);
    // Positions for streams this user does not read are answered, never replayed.
    for (auto it = m_resume.cbegin(); it != m_resume.cend(); ++it) {
        if (!streamState(it.key(), false))
            reportStream(it.key(), false, R"({"complete":false,"reason":"forbidden"})");
    }
    m_resume.clear();
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
    const QList<ReplayItem> items = prepareSync();
    m_ctx.hub->reserve(this);
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
    QList<ReplayItem> next;
    for (ReplayItem &item : *result) {
        StreamState *s = streamState(item.stream, true);
        s->seq = std::max(s->seq, item.from);
        m_cursorsDirty = true;
        if (first && !item.given && item.fromCursor)
            s->saved = item.from; // the stored cursor is there already
        for (const StreamEntry &e : std::as_const(item.entries)) {
            if (e.seq <= s->seq)
                continue;
            const bool own = std::any_of(s->held.cbegin(), s->held.cend(), [&](const auto &h) {
                return h.first == e.seq && h.second.isEmpty();
            });
            if (!own)
                sendFrame(MessageService::encodeStored(e));
            s->seq = e.seq;
        }
        if (item.more) {
            item.from = s->seq;
            next << item;
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
    if (!next.isEmpty()) {
        replayRound(next, false);
        return;
    }
    // streams: {"<stream>": {report}, ...}
    bool complete = true;
    QByteArray streams("{");
    for (const SyncReport &r : std::as_const(m_syncReport)) {
        if (streams.size() > 1)
            streams.append(',');
        JsonWriter::appendString(streams, r.stream);
        streams.append(':');
        streams.append(r.json);
        complete = complete && r.complete;
    }
    streams.append('}');
    m_syncReport.clear();
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
    for (SyncReport &r : m_syncReport) {
        if (r.stream == stream) {
            r.complete = complete;
            r.json = std::move(json);
            return;
        }
    }
    m_syncReport.append({stream, complete, std::move(json)});
}

// The stream's backlog is out: live frames held meanwhile follow, in order, without repeats.
void Session::finishStream(StreamState &state)
{
    state.replaying = false;
    m_cursorsDirty = true;
    auto held = std::exchange(state.held, {});
    std::stable_sort(held.begin(), held.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    for (const auto &[seq, frame] : held) {
        if (seq <= state.seq)
            continue;
        if (!frame.isEmpty())
            sendFrame(frame);
        state.seq = seq;
    }
}

void Session::handle(const QJsonValue &id, const HistoryRequest &request)
{
    m_ctx.history->page(
        sender(), m_claims.userId, request, this,
        [this, id](std::optional<QJsonObject> page, std::optional<Failure> failure) {
            if (failure) {
                sendError(failure->code, failure->message, id);
                return;
            }
            if (!id.isNull())
                page->insert(QStringLiteral("id"), id);
            sendFrame(Events::encode(ServerType::HISTORY, *page));
        });
}

} // namespace Switchboard
