// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <optional>

#include <QHash>
#include <QJsonValue>
#include <QList>
#include <QSet>
#include <QString>

#include "protocol/errorcode.h"

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
    // The external ids of those of the users that have one (Store::externalIdsOf); nullopt =
    // the store failed.
    using Named = std::function<void(std::optional<QHash<qint64, QString>>)>;
    using NameResolver = std::function<void(const QList<qint64> &userIds, Named done)>;

    // A user a request named (userReferenceFromJson): how lookUp() found it.
    struct Lookup
    {
        enum class Status { Found, Invalid, Unknown, Unavailable };
        Status status = Status::Invalid;
        qint64 userId = 0; // Found: the internal id
        QString externalId; // the external id it was named by; empty for a number

        bool found() const { return status == Status::Found; }
        // The answer to a request whose `field` named a user not found: VALIDATION_ERROR for
        // a value that is no user id and for an external id never seen, UNAVAILABLE when the
        // store failed.
        Protocol::ErrorCode errorCode() const;
        QString errorText(const QString &field) const;
        // The user as the request named it: the external id, else the number.
        QJsonValue shown() const;
    };
    using LookedUp = std::function<void(const Lookup &)>;

    ExternalIds(Resolver resolver, int maxEntries, NameResolver names = {});

    // The one reading of a user a REST route or a WebSocket frame names (a number, a numeric
    // string or an external id): a number at once, an external id through resolve() (with
    // `create`, mapped on first sight: accept_unknown_recipients).
    void lookUp(const QJsonValue &value, bool create, LookedUp done);
    // Several at once (a list a request names): `done` is called once, with every internal id
    // in order, or with the first lookup that failed (the others still under way are ignored).
    using LookedUpAll = std::function<void(const QList<qint64> &ids, const Lookup *failed)>;
    void lookUpAll(const QList<QJsonValue> &values, bool create, LookedUpAll done);
    // The external ids of these users, for replies that show users: from memory, and for the
    // ids not known here from the store (then kept in memory). Users without one are absent;
    // when the store fails, only what memory knows.
    void externalIdsOf(const QList<qint64> &userIds,
                       std::function<void(QHash<qint64, QString>)> done);

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
    NameResolver m_names;
    int m_maxEntries;
    QSet<qint64> m_without; // users the store said have no external id (bounded like the rest)
    QHash<QString, qint64> m_byExternal;
    QHash<qint64, QString> m_byUser;
    QHash<qint64, int> m_pins; // connections per pinned user
    QHash<QString, QList<Resolved>> m_pending[2]; // [create]: resolutions under way
};

} // namespace Switchboard
