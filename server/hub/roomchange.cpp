// SPDX-License-Identifier: MIT
#include "roomchange.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace Switchboard {

namespace {

constexpr const char *KINDS[] = {"record", "deleted", "member", "left", "invite"};

} // namespace

QByteArray RoomChange::encode() const
{
    QJsonObject o {{QStringLiteral("k"), QLatin1StringView(KINDS[int(kind)])},
                   {QStringLiteral("room"), roomId}};
    switch (kind) {
    case Kind::Record:
        o.insert(QStringLiteral("name"), record.name);
        o.insert(QStringLiteral("description"), record.description);
        o.insert(QStringLiteral("private"), record.isPrivate);
        o.insert(QStringLiteral("post_policy"), record.postPolicy);
        o.insert(QStringLiteral("max_members"), record.maxMembers);
        o.insert(QStringLiteral("announce"), record.announceMembership);
        o.insert(QStringLiteral("created_by"), record.createdBy);
        o.insert(QStringLiteral("created_at"), record.createdAt);
        break;
    case Kind::Deleted:
        break;
    case Kind::Member:
        o.insert(QStringLiteral("role"), role);
        o.insert(QStringLiteral("joined_at"), joinedAt);
        if (seq >= 0)
            o.insert(QStringLiteral("seq"), seq);
        Q_FALLTHROUGH();
    case Kind::Left:
        o.insert(QStringLiteral("user"), userId);
        break;
    case Kind::Invite:
        o.insert(QStringLiteral("user"), userId);
        o.insert(QStringLiteral("invited"), invited);
        break;
    }
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

std::optional<RoomChange> RoomChange::decode(const QByteArray &bytes)
{
    const QJsonObject o = QJsonDocument::fromJson(bytes).object();
    RoomChange c;
    const QString k = o.value(QStringLiteral("k")).toString();
    int kind = -1;
    for (int i = 0; i < int(std::size(KINDS)); ++i) {
        if (k == QLatin1StringView(KINDS[i]))
            kind = i;
    }
    c.roomId = o.value(QStringLiteral("room")).toString();
    if (kind < 0 || c.roomId.isEmpty())
        return std::nullopt;
    c.kind = Kind(kind);
    c.userId = o.value(QStringLiteral("user")).toInteger();
    c.role = o.value(QStringLiteral("role")).toString();
    c.joinedAt = o.value(QStringLiteral("joined_at")).toInteger();
    c.invited = o.value(QStringLiteral("invited")).toBool();
    c.seq = o.value(QStringLiteral("seq")).toInteger(-1);
    if (c.kind == Kind::Record) {
        c.record.id = c.roomId;
        c.record.name = o.value(QStringLiteral("name")).toString();
        c.record.description = o.value(QStringLiteral("description")).toString();
        c.record.isPrivate = o.value(QStringLiteral("private")).toBool();
        c.record.postPolicy = o.value(QStringLiteral("post_policy")).toString();
        c.record.maxMembers = o.value(QStringLiteral("max_members")).toInt();
        c.record.announceMembership = o.value(QStringLiteral("announce")).toBool(true);
        c.record.createdBy = o.value(QStringLiteral("created_by")).toInteger();
        c.record.createdAt = o.value(QStringLiteral("created_at")).toInteger();
    } else if ((c.kind == Kind::Member || c.kind == Kind::Left || c.kind == Kind::Invite)
               && c.userId == 0) {
        return std::nullopt;
    }
    return c;
}

} // namespace Switchboard
