// SPDX-License-Identifier: MIT
#include "roomservice.h"
#include "roomservice_p.h"

#include "config/config.h"
#include "hub/hub.h"
#include "io/sendbatch.h"
#include "protocol/events.h"
#include "protocol/protocol.h"
#include "store/asyncstore.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QTimer>
#include <QPointer>

Q_LOGGING_CATEGORY(lcRooms, "switchboard.rooms")

namespace Switchboard {

using namespace Protocol;

using namespace RoomServicePrivate;

namespace {

// A room_message event around a post's body: ids, stream, seq, times, the type.
constexpr qint64 POST_ENVELOPE_BYTES = 160;
// When a room's admitted posts are over their bound: about one store batch later.
constexpr qint64 ADMITTED_RETRY_MS = 50;

} // namespace

RoomService::RoomService(const Config *config, AsyncStore *store, Hub *hub, DeliveryBus *bus,
                         QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_store(store)
    , m_hub(hub)
    , m_bus(bus)
{ }

bool RoomService::load(QString *error)
{
    struct Snapshot
    {
        QList<RoomRecord> rooms;
        QList<RoomMember> members;
        QList<QPair<QString, qint64>> invites;
        QHash<QString, qint64> lastSeqs;
    };
    const QStringList defaults = m_config->defaultRooms;
    auto snapshot = m_store->call<Snapshot>(
        [defaults](Store &store) {
            const qint64 now = Events::nowMs();
            for (qsizetype i = 0; i < defaults.size(); ++i) {
                const QString &item = defaults[i];
                RoomRecord r;
                r.id = item.section(QLatin1Char(':'), 0, 0);
                r.name = r.id;
                r.createdAt = now + i; // lists show them in configuration order
                if (item.section(QLatin1Char(':'), 1) == QLatin1StringView("readonly"))
                    r.postPolicy = QStringLiteral("admins");
                store.createRoom(r); // no-op when it exists (an operator may have changed it)
            }
            Snapshot s;
            s.rooms = store.rooms();
            s.members = store.roomMembers();
            s.invites = store.roomInvites();
            for (const RoomRecord &r : std::as_const(s.rooms))
                s.lastSeqs.insert(r.id, store.lastSeq(roomStream(r.id)));
            return s;
        },
        error);
    if (!snapshot)
        return false;
    m_rooms.clear();
    m_userRooms.clear();
    m_created.clear();
    for (const RoomRecord &r : std::as_const(snapshot->rooms)) {
        m_rooms.insert(r.id,
                       Room {r, {}, {}, snapshot->lastSeqs.value(r.id), {}, 0, roomStream(r.id)});
        countCreated(r.createdBy, 1);
    }
    for (const RoomMember &m : std::as_const(snapshot->members))
        addMemberLocally(m.roomId, m.userId, m.role, m.joinedAt);
    for (const auto &[roomId, userId] : std::as_const(snapshot->invites)) {
        if (auto it = m_rooms.find(roomId); it != m_rooms.end())
            it->invites.insert(userId);
    }
    qCInfo(lcRooms) << m_rooms.size() << "rooms," << snapshot->members.size() << "memberships";
    if (!m_bus->nodeId().isEmpty() && !m_seqRefresh) {
        m_seqRefresh = new QTimer(this);
        m_seqRefresh->setInterval(SEQ_REFRESH_MS);
        connect(m_seqRefresh, &QTimer::timeout, this, &RoomService::refreshLastSeqs);
        m_seqRefresh->start();
    }
    return true;
}

void RoomService::refreshLastSeqs()
{
    if (std::exchange(m_refreshingSeqs, true))
        return; // the last read is still out
    QStringList streams;
    streams.reserve(m_rooms.size());
    for (const Room &r : std::as_const(m_rooms))
        streams << r.stream;
    m_store->read<QHash<QString, qint64>>(
        this, [streams](Store &store) { return store.lastSeqs(streams); },
        [this](std::optional<QHash<QString, qint64>> seqs, QString error) {
            m_refreshingSeqs = false;
            if (!seqs) {
                qCDebug(lcRooms) << "reading the rooms' last seqs failed:" << error;
                return;
            }
            for (auto s = seqs->cbegin(); s != seqs->cend(); ++s) {
                if (const auto it = m_rooms.find(s.key().mid(2)); it != m_rooms.end())
                    it->lastSeq = std::max(it->lastSeq, s.value());
            }
        });
}

// --- the in-memory index

void RoomService::addMemberLocally(const QString &roomId, qint64 userId, const QString &role,
                                   qint64 joinedAt, qint64 seq)
{
    auto it = m_rooms.find(roomId);
    if (it == m_rooms.end())
        return;
    const bool added = !it->members.contains(userId);
    it->members.insert(userId, Member {role, joinedAt});
    it->invites.remove(userId);
    it->lastSeq = std::max(it->lastSeq, seq);
    m_userRooms[userId].insert(roomId);
    if (added)
        emit membership(roomId, userId, true, seq);
}

void RoomService::removeMemberLocally(const QString &roomId, qint64 userId)
{
    bool removed = false;
    if (auto it = m_rooms.find(roomId); it != m_rooms.end())
        removed = it->members.remove(userId);
    if (auto it = m_userRooms.find(userId); it != m_userRooms.end()) {
        it->remove(roomId);
        if (it->isEmpty())
            m_userRooms.erase(it);
    }
    if (removed)
        emit membership(roomId, userId, false, -1);
}

void RoomService::setRoleLocally(const QString &roomId, qint64 userId, const QString &role)
{
    if (auto it = m_rooms.find(roomId); it != m_rooms.end()) {
        if (auto m = it->members.find(userId); m != it->members.end())
            m->role = role;
    }
}

void RoomService::countCreated(qint64 creator, int delta)
{
    if (creator == 0)
        return; // the server's rooms (default rooms, API key) count against max_rooms only
    int &n = m_created[creator];
    n += delta;
    if (n <= 0)
        m_created.remove(creator);
}

bool RoomService::hasOwner(const Room &room)
{
    for (const Member &m : room.members) {
        if (m.role == QLatin1StringView("owner"))
            return true;
    }
    return false;
}

qint64 RoomService::heirOf(const Room &room, qint64 leaving)
{
    const auto me = room.members.constFind(leaving);
    if (me == room.members.cend() || me->role != QLatin1StringView("owner"))
        return 0;
    qint64 heir = 0;
    const Member *best = nullptr;
    for (auto it = room.members.cbegin(); it != room.members.cend(); ++it) {
        if (it.key() == leaving)
            continue;
        if (it->role == QLatin1StringView("owner"))
            return 0; // another owner stays
        if (!best || it->joinedAt < best->joinedAt
            || (it->joinedAt == best->joinedAt && it.key() < heir)) {
            best = &*it;
            heir = it.key();
        }
    }
    return heir;
}

bool RoomService::shareRoom(qint64 a, qint64 b) const
{
    const auto ra = m_userRooms.constFind(a), rb = m_userRooms.constFind(b);
    if (ra == m_userRooms.cend() || rb == m_userRooms.cend())
        return false;
    // Walk the smaller set: bounded by max_rooms_per_user lookups.
    const QSet<QString> &small = ra->size() <= rb->size() ? *ra : *rb;
    const QSet<QString> &large = ra->size() <= rb->size() ? *rb : *ra;
    for (const QString &roomId : small) {
        if (large.contains(roomId))
            return true;
    }
    return false;
}

bool RoomService::presenceVisible(const Sender &viewer, qint64 userId) const
{
    return viewer.userId == 0 || viewer.admin || viewer.userId == userId
        || shareRoom(viewer.userId, userId);
}

int RoomService::limitOf(const Room &room) const
{
    const int own = room.record.maxMembers;
    return own > 0 ? std::min(own, m_config->maxRoomMembers) : m_config->maxRoomMembers;
}

bool RoomService::isMember(const QString &roomId, qint64 userId) const
{
    const auto it = m_rooms.constFind(roomId);
    return it != m_rooms.cend() && it->members.contains(userId);
}

QStringList RoomService::roomsOf(qint64 userId) const
{
    QStringList out = m_userRooms.value(userId).values();
    out.sort();
    return out;
}

QList<RoomMember> RoomService::members(const QString &roomId) const
{
    QList<RoomMember> out;
    const auto it = m_rooms.constFind(roomId);
    if (it == m_rooms.cend())
        return out;
    for (auto m = it->members.cbegin(); m != it->members.cend(); ++m)
        out << RoomMember {roomId, m.key(), m->role, m->joinedAt};
    std::sort(out.begin(), out.end(),
              [](const RoomMember &a, const RoomMember &b) { return a.userId < b.userId; });
    return out;
}

qint64 RoomService::totalRoomMessages() const
{
    qint64 n = 0;
    for (const Room &r : m_rooms)
        n += r.lastSeq;
    return n;
}

RoomView RoomService::viewOf(const Room &room, const Sender &viewer) const
{
    RoomView v;
    v.record = room.record;
    v.members = int(room.members.size());
    if (viewer.userId == 0 || viewer.admin || room.members.contains(viewer.userId)) {
        for (auto it = room.members.cbegin(); it != room.members.cend(); ++it) {
            if (m_bus->isOnline(it.key()))
                ++v.onlineMembers;
        }
    } else {
        v.onlineMembers = -1;
    }
    v.messages = room.lastSeq;
    v.myRole = room.members.value(viewer.userId).role;
    v.invited = room.invites.contains(viewer.userId);
    return v;
}

bool RoomService::canSee(const QString &roomId, const Sender &viewer) const
{
    const auto it = m_rooms.constFind(roomId);
    if (it == m_rooms.cend())
        return false;
    return !it->record.isPrivate || viewer.admin || viewer.userId == 0
        || it->members.contains(viewer.userId) || it->invites.contains(viewer.userId);
}

std::optional<RoomView> RoomService::view(const QString &roomId, const Sender &viewer) const
{
    const auto it = m_rooms.constFind(roomId);
    if (it == m_rooms.cend())
        return std::nullopt;
    return viewOf(*it, viewer);
}

QList<RoomView> RoomService::list(const Sender &viewer) const
{
    QList<RoomView> out;
    for (const Room &r : m_rooms) {
        if (canSee(r.record.id, viewer))
            out << viewOf(r, viewer);
    }
    std::sort(out.begin(), out.end(), [](const RoomView &a, const RoomView &b) {
        return a.record.createdAt != b.record.createdAt ? a.record.createdAt < b.record.createdAt
                                                        : a.record.id < b.record.id;
    });
    return out;
}

std::optional<RoomFailure> RoomService::checkCanManage(const Room &room, const Sender &actor) const
{
    // The server (API key) and admins manage every room; owners their own; the creator a room
    // of its that has no owner left (it left an empty room behind).
    if (actor.userId == 0 || actor.admin
        || room.members.value(actor.userId).role == QLatin1StringView("owner")
        || (room.record.createdBy == actor.userId && !hasOwner(room)))
        return std::nullopt;
    return failure(
        ErrorCode::Forbidden,
        QStringLiteral("only an owner of room '%1' (or its creator, when no owner is left) or "
                       "an admin may do that")
            .arg(room.record.id));
}

QJsonObject RoomService::toJson(const RoomView &v)
{
    QJsonObject o {{QStringLiteral("room_id"), v.record.id},
                   {QStringLiteral("name"), v.record.name},
                   {QStringLiteral("description"), v.record.description},
                   {QStringLiteral("private"), v.record.isPrivate},
                   {QStringLiteral("post_policy"), v.record.postPolicy},
                   {QStringLiteral("max_members"), v.record.maxMembers},
                   {QStringLiteral("announce_membership"), v.record.announceMembership},
                   {QStringLiteral("created_by"), v.record.createdBy},
                   {QStringLiteral("created_at"), v.record.createdAt},
                   {QStringLiteral("members"), v.members},
                   {QStringLiteral("messages"), v.messages},
                   {QStringLiteral("stream"), roomStream(v.record.id)}};
    if (v.onlineMembers >= 0)
        o.insert(QStringLiteral("online_members"), v.onlineMembers);
    if (!v.myRole.isEmpty())
        o.insert(QStringLiteral("role"), v.myRole);
    if (v.invited)
        o.insert(QStringLiteral("invited"), true);
    return o;
}

QJsonArray RoomService::membersJson(const QString &roomId, const Sender &viewer) const
{
    QJsonArray out;
    for (const RoomMember &m : members(roomId)) {
        QJsonObject o {{QStringLiteral("user_id"), m.userId}, {QStringLiteral("role"), m.role}};
        if (presenceVisible(viewer, m.userId))
            o.insert(QStringLiteral("online"), m_bus->isOnline(m.userId));
        out.append(o);
    }
    return out;
}

// --- other nodes' changes

// Applied silently: the node that made the change tells the operator feed (through the bus).
void RoomService::applyChange(BusKey, const RoomChange &c)
{
    auto it = m_rooms.find(c.roomId);
    switch (c.kind) {
    case RoomChange::Kind::Record:
        if (it == m_rooms.end()) {
            m_rooms.insert(c.roomId, Room {c.record, {}, {}, 0, {}, 0, roomStream(c.roomId)});
            countCreated(c.record.createdBy, 1);
        } else {
            it->record = c.record;
        }
        return;
    case RoomChange::Kind::Deleted:
        if (it == m_rooms.end())
            return;
        for (qint64 userId : it->members.keys())
            removeMemberLocally(c.roomId, userId);
        countCreated(it->record.createdBy, -1);
        m_rooms.erase(it);
        return;
    case RoomChange::Kind::Member: {
        if (it == m_rooms.end())
            return;
        addMemberLocally(c.roomId, c.userId, c.role, c.joinedAt, c.seq);
        return;
    }
    case RoomChange::Kind::Left:
        removeMemberLocally(c.roomId, c.userId);
        return;
    case RoomChange::Kind::Invite:
        if (it == m_rooms.end())
            return;
        if (c.invited)
            it->invites.insert(c.userId);
        else
            it->invites.remove(c.userId);
        return;
    }
}

// --- fan-out

int RoomService::deliverToRoom(BusKey key, const QString &roomId, const QByteArray &frame,
                               quint64 exceptConnection, qint64 seq)
{
    const auto it = m_rooms.find(roomId);
    if (it == m_rooms.end())
        return 0;
    it->lastSeq = std::max(it->lastSeq, seq); // another node's message, too
    const QString stream = seq > 0 ? it->stream : QString();
    const Io::SendBatch batch; // one hand-over per I/O thread for the whole fan-out
    // A stored message's fan-out measures how far behind the recipients are (push-back).
    const RoomPressure::Settings settings = pressureSettings();
    FanoutLoad load {settings.high, settings.low, settings.highFrames, settings.lowFrames};
    FanoutLoad *measured = seq > 0 && settings.high > 0 ? &load : nullptr;
    int count = 0;
    for (auto m = it->members.cbegin(); m != it->members.cend(); ++m)
        count += m_hub->deliverToUser(key, m.key(), frame, exceptConnection, stream, seq, measured);
    if (measured) {
        // Several nodes: the others' members count too (one node: no-ops).
        m_bus->noteRoomLoad(roomId, load);
        m_bus->addOtherNodesLoad(roomId, load);
        RoomPressure &pressure = m_rooms.find(roomId)->pressure;
        const bool before = pressure.pushingBack();
        pressure.measured(load, Events::nowMs(), settings.membersPercent);
        if (pressure.pushingBack() != before)
            qCDebug(lcRooms) << "room" << roomId
                             << (before ? "caught up: publishes admitted again"
                                        : "is behind: publishes refused until it drains")
                             << "(" << load.aboveHigh << "of" << load.recipients
                             << "recipients behind)";
    }
    return count;
}

RoomPressure::Settings RoomService::pressureSettings() const
{
    RoomPressure::Settings s;
    s.high = m_config->roomPushbackBytes();
    s.low = s.high / 2;
    s.highFrames = m_config->roomPushbackFrameMark();
    s.lowFrames = s.highFrames / 2;
    s.membersPercent = m_config->roomPushbackMembersPercent;
    s.publishRate = m_config->roomPublishRate;
    return s;
}

qint64 RoomService::admittedBytesBound() const
{
    const qint64 mark = m_config->roomPushbackBytes();
    return mark > 0 ? std::max<qint64>(0, (m_config->maxSendQueueBytes - mark) / 2) : 0;
}

int RoomService::admittedPostsBound() const
{
    return int(m_config->roomPushbackFrameMark());
}

std::optional<RoomFailure> RoomService::admitPublish(Room &room, quint64 exceptConnection)
{
    const RoomPressure::Settings settings = pressureSettings();
    const bool before = room.pressure.pushingBack();
    const qint64 retry = room.pressure.admit(Events::nowMs(), settings, [&] {
        FanoutLoad load {settings.high, settings.low, settings.highFrames, settings.lowFrames};
        for (auto m = room.members.cbegin(); m != room.members.cend(); ++m)
            m_hub->measure(m.key(), exceptConnection, load);
        m_bus->addOtherNodesLoad(room.record.id, load);
        return load;
    });
    if (before && !room.pressure.pushingBack())
        qCDebug(lcRooms) << "room" << room.record.id << "caught up: publishes admitted again";
    if (retry <= 0)
        return std::nullopt;
    const QString why = room.pressure.pushingBack()
        ? QStringLiteral("room '%1' is busy: its members' connections are behind")
        : QStringLiteral("room '%1' is over its publish budget");
    return RoomFailure {
        ErrorCode::RateLimited,
        (why + QStringLiteral("; retry after %2 ms")).arg(room.record.id).arg(retry), retry};
}

FanoutLoad RoomService::measureRoom(const QString &roomId) const
{
    const RoomPressure::Settings settings = pressureSettings();
    FanoutLoad load {settings.high, settings.low, settings.highFrames, settings.lowFrames};
    const auto it = m_rooms.constFind(roomId);
    if (it == m_rooms.cend() || settings.high <= 0)
        return load;
    for (auto m = it->members.cbegin(); m != it->members.cend(); ++m)
        m_hub->measure(m.key(), 0, load);
    return load;
}

qint64 RoomService::lastSeq(const QString &roomId) const
{
    const auto it = m_rooms.constFind(roomId);
    return it == m_rooms.cend() ? 0 : it->lastSeq;
}

void RoomService::announce(const Room &room, QLatin1StringView type, const Sender &who,
                           quint64 exceptConnection)
{
    if (!room.record.announceMembership)
        return;
    QJsonObject fields {{QStringLiteral("room_id"), room.record.id},
                        {QStringLiteral("user_id"), who.userId}};
    if (!who.username.isEmpty())
        fields.insert(QStringLiteral("username"), who.username);
    fields.insert(QStringLiteral("members"), int(room.members.size()));
    m_bus->publishToRoom(room.record.id, Events::encode(type, fields), exceptConnection);
}

// --- operations

void RoomService::create(const Sender &actor, const RoomSettingsRequest &request, QObject *context,
                         Done done)
{
    if (m_rooms.contains(request.roomId)) {
        done(std::nullopt,
             failure(ErrorCode::Conflict,
                     QStringLiteral("room '%1' exists already").arg(request.roomId)));
        return;
    }
    if (m_rooms.size() >= m_config->maxRooms) {
        done(std::nullopt,
             failure(ErrorCode::LimitReached,
                     QStringLiteral("the server holds its maximum of %1 rooms (max_rooms)")
                         .arg(m_config->maxRooms)));
        return;
    }
    // A user's budget counts the rooms it created that still exist, member or not: leaving a
    // room does not make room for another (issue 12). Admins and the API key are exempt.
    if (actor.userId && !actor.admin
        && createdBy(actor.userId) >= m_config->maxRoomsCreatedPerUser) {
        done(std::nullopt,
             failure(ErrorCode::LimitReached,
                     QStringLiteral("a user may have created at most %1 rooms that still exist "
                                    "(max_rooms_created_per_user): delete one of yours first")
                         .arg(m_config->maxRoomsCreatedPerUser)));
        return;
    }
    if (actor.userId && m_userRooms.value(actor.userId).size() >= m_config->maxRoomsPerUser) {
        done(std::nullopt,
             failure(ErrorCode::LimitReached,
                     QStringLiteral("a user may be a member of at most %1 rooms "
                                    "(max_rooms_per_user)")
                         .arg(m_config->maxRoomsPerUser)));
        return;
    }
    RoomRecord r;
    r.id = request.roomId;
    r.name = request.name.value_or(request.roomId);
    r.description = request.description.value_or(QString());
    r.isPrivate = request.isPrivate.value_or(false);
    r.postPolicy = request.postPolicy.value_or(QStringLiteral("members"));
    r.maxMembers = request.maxMembers.value_or(0);
    r.announceMembership = request.announceMembership.value_or(true);
    r.createdBy = actor.userId;
    r.createdAt = Events::nowMs();
    // Reserved at once, so a second create of the same id is refused while this one commits.
    m_rooms.insert(r.id, Room {r, {}, {}, 0, {}, 0, roomStream(r.id)});
    countCreated(r.createdBy, 1);
    if (actor.userId)
        addMemberLocally(r.id, actor.userId, QStringLiteral("owner"), r.createdAt);
    QPointer<QObject> guard(context);
    const qint64 owner = actor.userId;
    m_store->run<bool>(
        this,
        [r, owner](Store &store) {
            if (!store.createRoom(r))
                return false;
            if (owner)
                store.addRoomMember(RoomMember {r.id, owner, QStringLiteral("owner"), r.createdAt});
            return true;
        },
        [this, r, actor, guard, done](std::optional<bool> ok, QString error) {
            if (!ok || !*ok) {
                if (actor.userId)
                    removeMemberLocally(r.id, actor.userId);
                if (m_rooms.remove(r.id))
                    countCreated(r.createdBy, -1);
                qCWarning(lcRooms) << "creating room" << r.id << "failed:" << error;
                if (guard)
                    done(
                        std::nullopt,
                        ok ? failure(ErrorCode::Conflict,
                                     QStringLiteral("room '%1' exists already").arg(r.id))
                           : storeFailure(error,
                                          failure(ErrorCode::Unavailable,
                                                  QStringLiteral("the room could not be stored"))));
                return;
            }
            qCInfo(lcRooms) << "room" << r.id << "created by" << actor.userId;
            RoomChange change {RoomChange::Kind::Record, r.id, r};
            m_bus->publishRoomChange(change);
            if (actor.userId) {
                change.kind = RoomChange::Kind::Member;
                change.userId = actor.userId;
                change.role = QStringLiteral("owner");
                change.joinedAt = r.createdAt;
                m_bus->publishRoomChange(change);
            }
            emit roomCreated(r.id);
            if (guard)
                done(view(r.id, actor), std::nullopt);
        });
}

void RoomService::update(const Sender &actor, const RoomSettingsRequest &request, QObject *context,
                         Done done)
{
    auto it = m_rooms.find(request.roomId);
    if (it == m_rooms.end()) {
        done(std::nullopt, failure(ErrorCode::NotFound, notFound(request.roomId)));
        return;
    }
    if (auto denied = checkCanManage(*it, actor)) {
        done(std::nullopt, denied);
        return;
    }
    RoomRecord r = it->record;
    if (request.name)
        r.name = *request.name;
    if (request.description)
        r.description = *request.description;
    if (request.isPrivate)
        r.isPrivate = *request.isPrivate;
    if (request.postPolicy)
        r.postPolicy = *request.postPolicy;
    if (request.maxMembers)
        r.maxMembers = *request.maxMembers;
    if (request.announceMembership)
        r.announceMembership = *request.announceMembership;
    const RoomRecord before = it->record;
    it->record = r;
    QPointer<QObject> guard(context);
    m_store->run<bool>(
        this, [r](Store &store) { return store.updateRoom(r); },
        [this, r, before, actor, guard, done](std::optional<bool> ok, QString error) {
            auto it = m_rooms.find(r.id);
            if (!ok || !*ok) {
                if (it != m_rooms.end())
                    it->record = before;
                qCWarning(lcRooms) << "updating room" << r.id << "failed:" << error;
                if (guard)
                    done(std::nullopt,
                         storeFailure(error,
                                      failure(ErrorCode::Unavailable,
                                              QStringLiteral("the room could not be stored"))));
                return;
            }
            m_bus->publishRoomChange(RoomChange {RoomChange::Kind::Record, r.id, r});
            emit roomUpdated(r.id);
            if (guard)
                done(view(r.id, actor), std::nullopt);
        });
}

void RoomService::remove(const Sender &actor, const QString &roomId, QObject *context, Done done)
{
    auto it = m_rooms.find(roomId);
    if (it == m_rooms.end()) {
        done(std::nullopt, failure(ErrorCode::NotFound, notFound(roomId)));
        return;
    }
    if (auto denied = checkCanManage(*it, actor)) {
        done(std::nullopt, denied);
        return;
    }
    const RoomView last = viewOf(*it, actor);
    // Members hear about it first, then the room is gone from the index at once (no more
    // posts or joins), then from the store.
    m_bus->publishToRoom(
        roomId, Events::encode(ServerType::ROOM_DELETED, {{QStringLiteral("room_id"), roomId}}), 0);
    const QList<qint64> memberIds = it->members.keys();
    for (qint64 userId : memberIds)
        removeMemberLocally(roomId, userId);
    countCreated(it->record.createdBy, -1);
    m_rooms.erase(it);
    m_bus->publishRoomChange(RoomChange {RoomChange::Kind::Deleted, roomId});
    emit roomDeleted(roomId);
    QPointer<QObject> guard(context);
    m_store->run<bool>(
        this, [roomId](Store &store) { return store.deleteRoom(roomId); },
        [roomId, last, guard, done](std::optional<bool> ok, QString error) {
            if (!ok) {
                qCWarning(lcRooms) << "deleting room" << roomId << "failed:" << error;
                if (guard)
                    done(std::nullopt,
                         storeFailure(error,
                                      failure(ErrorCode::Unavailable,
                                              QStringLiteral("the room could not be deleted"))));
                return;
            }
            qCInfo(lcRooms) << "room" << roomId << "deleted";
            if (guard)
                done(last, std::nullopt);
        });
}

void RoomService::post(const Sender &actor, const RoomSendRequest &request, QObject *context,
                       MessageService::Done done)
{
    const auto it = m_rooms.constFind(request.roomId);
    if (it == m_rooms.cend()) {
        done(std::nullopt, SendFailure {ErrorCode::NotFound, notFound(request.roomId)});
        return;
    }
    const bool server = actor.userId == 0;
    const QString role = it->members.value(actor.userId).role;
    if (!server && !actor.admin && role.isEmpty()) {
        done(std::nullopt,
             SendFailure {
                 ErrorCode::Forbidden,
                 QStringLiteral("join room '%1' before posting to it").arg(request.roomId)});
        return;
    }
    const QString &policy = it->record.postPolicy;
    const bool allowed = server || actor.admin || policy == QLatin1StringView("members")
        || (policy == QLatin1StringView("owners") && role == QLatin1StringView("owner"));
    if (!allowed) {
        done(std::nullopt,
             SendFailure {ErrorCode::Forbidden,
                          QStringLiteral("room '%1' is read-only: only %2 may post")
                              .arg(request.roomId, policy)});
        return;
    }
    if (auto refused = admitPublish(m_rooms[request.roomId], actor.connectionId)) {
        done(std::nullopt, std::move(refused));
        return;
    }
    QJsonObject body {{QStringLiteral("from"), actor.userId},
                      {QStringLiteral("room_id"), request.roomId}};
    if (!actor.username.isEmpty())
        body.insert(QStringLiteral("from_name"), actor.username);
    if (!request.content.isEmpty())
        body.insert(QStringLiteral("content"), request.content);
    if (!request.data.isEmpty())
        body.insert(QStringLiteral("data"), request.data);
    NewMessage message;
    message.kind = QStringLiteral("room");
    message.senderId = actor.userId;
    message.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    if (auto failure
        = MessageService::sizeFailure(message.body.size(), m_config->maxMessageBytes)) {
        done(std::nullopt, std::move(failure));
        return;
    }
    // What a member's queue gets from this post: the body and the event's envelope.
    const qint64 cost = message.body.size() + POST_ENVELOPE_BYTES;
    Room &room = m_rooms[request.roomId];
    const qint64 bound = admittedBytesBound();
    if (bound > 0 && room.admittedBytes > 0 && room.admittedBytes + cost > bound) {
        done(std::nullopt,
             RoomFailure {ErrorCode::RateLimited,
                          QStringLiteral("room '%1' is busy: %2 bytes of posts wait to be "
                                         "stored; retry after %3 ms")
                              .arg(request.roomId)
                              .arg(room.admittedBytes)
                              .arg(ADMITTED_RETRY_MS),
                          ADMITTED_RETRY_MS});
        return;
    }
    const int postsBound = admittedPostsBound();
    if (postsBound > 0 && room.admittedPosts >= postsBound) {
        done(std::nullopt,
             RoomFailure {ErrorCode::RateLimited,
                          QStringLiteral("room '%1' is busy: %2 posts wait to be stored; retry "
                                         "after %3 ms")
                              .arg(request.roomId)
                              .arg(room.admittedPosts)
                              .arg(ADMITTED_RETRY_MS),
                          ADMITTED_RETRY_MS});
        return;
    }
    room.admittedBytes += cost;
    ++room.admittedPosts;
    message.streams << roomStream(request.roomId);
    message.idempotencyKey = request.idempotencyKey;
    message.createdAt = Events::nowMs();
    QPointer<QObject> guard(context);
    const QString roomId = request.roomId;
    m_store->append(
        message, this,
        [this, roomId, message, actor, guard, done, cost](std::optional<AppendResult> result,
                                                          QString error) {
            if (auto it = m_rooms.find(roomId); it != m_rooms.end()) {
                it->admittedBytes = std::max<qint64>(0, it->admittedBytes - cost);
                it->admittedPosts = std::max(0, it->admittedPosts - 1);
            }
            if (!result) {
                qCWarning(lcRooms) << "storing a room message failed:" << error;
                if (guard)
                    done(std::nullopt,
                         storeFailure(
                             error,
                             SendFailure {ErrorCode::Unavailable,
                                          QStringLiteral("the message could not be stored")}));
                return;
            }
            const qint64 seq = result->seqs.value(0);
            if (!result->duplicate) {
                m_hub->counters().messagesStored++;
                if (auto it = m_rooms.find(roomId); it != m_rooms.end()) {
                    it->lastSeq = std::max(it->lastSeq, seq);
                    m_bus->publishToRoom(
                        roomId,
                        MessageService::encodeEvent(message.kind, message.body, result->messageId,
                                                    message.streams[0], seq, result->createdAt),
                        actor.connectionId, seq);
                }
            }
            if (guard)
                done(SendOutcome {result->messageId, message.streams[0], seq, result->createdAt,
                                  result->duplicate},
                     std::nullopt);
        });
}

} // namespace Switchboard
