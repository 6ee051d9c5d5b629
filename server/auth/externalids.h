// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <optional>

#include <QHash>
#include <QList>
#include <QString>

namespace Switchboard {

// Backends' own user ids ("user123", UUIDs: a token "sub" that is not a number) and the internal
// ids the store maps them to, resolved once through the store and kept in memory both ways:
// bounded, except for the users a live connection pins (their ids are shown in the seed
// dialects for as long as they are connected). Event-loop thread only.
class ExternalIds
{
public:
    // The internal id; 0 = not mapped (only when create is false); nullopt = the store failed.
    using Resolved = std::function<void(std::optional<qint64>)>;
    using Resolver = std::function<void(const QString &externalId, bool create, Resolved done)>;

    ExternalIds(Resolver resolver, int maxEntries);

    // The internal id of an external id: at once when it is in memory, else after the store
    // answered. With `create`, an external id seen the first time gets a new internal id.
    void resolve(const QString &externalId, bool create, Resolved done);
    // Memory only: 0 when not known here.
    qint64 cachedUserId(const QString &externalId) const;
    // The external id of an internal one, memory only: empty when the user has none (or it is
    // not known here; it is as long as the user is connected to this node).
    QString externalIdOf(qint64 userId) const;
    void put(qint64 userId, const QString &externalId);
    // A live connection of this user: its mapping stays in memory until the last one unpins.
    void pin(qint64 userId);
    void unpin(qint64 userId);
    qsizetype size() const { return m_byUser.size(); }

    // The answer to a recipient given by an external id that is not mapped (VALIDATION_ERROR,
    // as for any other `to` that names nobody: the text cannot be read as a user).
    static QString unknownText(const QString &externalId);

private:
    void evictFor(qint64 userId);

    Resolver m_resolver;
    int m_maxEntries;
    QHash<QString, qint64> m_byExternal;
    QHash<qint64, QString> m_byUser;
    QHash<qint64, int> m_pins; // connections per pinned user
    QHash<QString, QList<Resolved>> m_pending[2]; // [create]: resolutions under way
};

} // namespace Switchboard
