// SPDX-License-Identifier: MIT
#include "externalids.h"

#include <memory>

#include "protocol/codec.h"

namespace Switchboard {

ExternalIds::ExternalIds(Resolver resolver, int maxEntries, NameResolver names)
    : m_resolver(std::move(resolver))
    , m_names(std::move(names))
    , m_maxEntries(qMax(1, maxEntries))
{ }

Protocol::ErrorCode ExternalIds::Lookup::errorCode() const
{
    return status == Status::Unavailable ? Protocol::ErrorCode::Unavailable
                                         : Protocol::ErrorCode::ValidationError;
}

QString ExternalIds::Lookup::errorText(const QString &field) const
{
    switch (status) {
    case Status::Unknown:
        return unknownText(externalId);
    case Status::Unavailable:
        return QStringLiteral("'%1' could not be looked up; retry").arg(field);
    case Status::Found:
    case Status::Invalid:
        break;
    }
    return QStringLiteral("'%1' must be a user id (positive integer) or a user's external id")
        .arg(field);
}

QJsonValue ExternalIds::Lookup::shown() const
{
    return externalId.isEmpty() ? QJsonValue(userId) : QJsonValue(externalId);
}

void ExternalIds::lookUpAll(const QList<QJsonValue> &values, bool create, LookedUpAll done)
{
    struct State
    {
        QList<qint64> ids;
        qsizetype pending = 0;
        bool failed = false;
        LookedUpAll done;
    };
    auto state = std::make_shared<State>();
    state->ids.resize(values.size());
    state->pending = values.size();
    state->done = std::move(done);
    if (values.isEmpty()) {
        state->done({}, nullptr);
        return;
    }
    for (qsizetype i = 0; i < values.size() && !state->failed; ++i) {
        lookUp(values.at(i), create, [state, i](const Lookup &user) {
            if (state->failed)
                return;
            if (!user.found()) {
                state->failed = true; // the first failure answers, the rest are dropped
                state->done({}, &user);
                return;
            }
            state->ids[i] = user.userId;
            if (--state->pending == 0)
                state->done(state->ids, nullptr);
        });
    }
}

void ExternalIds::lookUp(const QJsonValue &value, bool create, LookedUp done)
{
    Lookup lookup;
    if (!Protocol::userReferenceFromJson(value, &lookup.userId, &lookup.externalId)) {
        lookup.status = Lookup::Status::Invalid;
        done(lookup);
        return;
    }
    if (lookup.externalId.isEmpty()) {
        lookup.status = Lookup::Status::Found;
        done(lookup);
        return;
    }
    resolve(lookup.externalId, create,
            [lookup, done = std::move(done)](std::optional<qint64> id) mutable {
                if (!id)
                    lookup.status = Lookup::Status::Unavailable;
                else if (*id == 0)
                    lookup.status = Lookup::Status::Unknown;
                else
                    lookup.status = Lookup::Status::Found;
                lookup.userId = id.value_or(0);
                done(lookup);
            });
}

void ExternalIds::externalIdsOf(const QList<qint64> &userIds,
                                std::function<void(QHash<qint64, QString>)> done)
{
    QHash<qint64, QString> known;
    QList<qint64> missing;
    for (const qint64 id : userIds) {
        if (id <= 0)
            continue;
        if (const QString external = m_byUser.value(id); !external.isEmpty())
            known.insert(id, external);
        else if (!m_without.contains(id) && !missing.contains(id))
            missing.append(id);
    }
    if (missing.isEmpty() || !m_names) {
        done(known);
        return;
    }
    m_names(missing,
            [this, missing, known,
             done = std::move(done)](std::optional<QHash<qint64, QString>> found) mutable {
                if (found) {
                    for (const qint64 id : missing) {
                        const QString external = found->value(id);
                        if (external.isEmpty()) {
                            if (m_without.size() >= m_maxEntries)
                                m_without.clear(); // only a cache: the store has the answer
                            m_without.insert(id);
                        } else {
                            put(id, external);
                            known.insert(id, external);
                        }
                    }
                }
                done(known);
            });
}

QString ExternalIds::unknownText(const QString &externalId)
{
    return QStringLiteral("'%1' is neither a user id nor the id of a user that has signed in")
        .arg(externalId);
}

void ExternalIds::resolve(const QString &externalId, bool create, Resolved done)
{
    if (const qint64 id = cachedUserId(externalId)) {
        done(id);
        return;
    }
    auto &pending = m_pending[create ? 1 : 0];
    auto it = pending.find(externalId);
    if (it != pending.end()) {
        it->append(std::move(done));
        return;
    }
    pending.insert(externalId, {std::move(done)});
    m_resolver(externalId, create, [this, externalId, create](std::optional<qint64> id) {
        const QList<Resolved> waiters = m_pending[create ? 1 : 0].take(externalId);
        if (id && *id > 0)
            put(*id, externalId);
        for (const Resolved &waiter : waiters)
            waiter(id);
    });
}

qint64 ExternalIds::cachedUserId(const QString &externalId) const
{
    return m_byExternal.value(externalId, 0);
}

QString ExternalIds::externalIdOf(qint64 userId) const
{
    return m_byUser.value(userId);
}

void ExternalIds::put(qint64 userId, const QString &externalId)
{
    if (userId <= 0 || externalId.isEmpty() || m_byUser.contains(userId))
        return;
    evictFor(userId);
    m_without.remove(userId);
    m_byUser.insert(userId, externalId);
    m_byExternal.insert(externalId, userId);
}

void ExternalIds::evictFor(qint64 userId)
{
    if (m_byUser.size() < m_maxEntries)
        return;
    // An arbitrary unpinned entry goes (it is only a cache: the store has them all); pinned
    // ones stay, so the table may pass its bound by the number of connected external users.
    for (auto it = m_byUser.begin(); it != m_byUser.end() && m_byUser.size() >= m_maxEntries;) {
        if (it.key() != userId && !m_pins.contains(it.key())) {
            m_byExternal.remove(it.value());
            it = m_byUser.erase(it);
        } else {
            ++it;
        }
    }
}

void ExternalIds::pin(qint64 userId)
{
    ++m_pins[userId];
}

void ExternalIds::unpin(qint64 userId)
{
    auto it = m_pins.find(userId);
    if (it != m_pins.end() && --*it <= 0)
        m_pins.erase(it);
}

} // namespace Switchboard
