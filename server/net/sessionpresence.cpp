// SPDX-License-Identifier: MIT
// Session handlers of presence and typing frames (docs/PROTOCOL.md, "Presence and typing").
#include "session.h"

#include "hub/presenceservice.h"
#include "hub/roomservice.h"
#include "protocol/events.h"
#include "protocol/protocol.h"

#include <QPointer>

namespace Switchboard {

using namespace Protocol;

void Session::handle(const QJsonValue &id, const PresenceRequest &request)
{
    if (auto failure = m_ctx.presence->setStatus(sender(), request)) {
        sendFailure(*failure, id);
        return;
    }
    QJsonObject fields {{QStringLiteral("status"), request.status}};
    if (!id.isNull())
        fields.insert(QStringLiteral("id"), id);
    sendFrame(Events::encode(ServerType::ACK, fields));
}

void Session::handle(const QJsonValue &id, const PresenceQueryRequest &request)
{
    if (!request.externalIds.isEmpty()) {
        // The users named by external ids are mapped first, all at once.
        const QList<qsizetype> positions = request.externalIds.keys();
        QStringList externalIds;
        for (const qsizetype at : positions)
            externalIds << request.externalIds.value(at);
        lookUpUsers(externalIds, QStringLiteral("user_ids"), false, id,
                    [this, id, request, positions](const QList<qint64> &mapped) {
                        PresenceQueryRequest r = request;
                        for (qsizetype i = 0; i < positions.size(); ++i)
                            r.userIds[positions.at(i)] = mapped.at(i);
                        r.externalIds.clear();
                        handle(id, r);
                    });
        return;
    }
    const Sender me = sender();
    QList<qint64> ids = request.userIds;
    if (!request.roomId.isEmpty()) {
        if (!m_ctx.rooms->canSee(request.roomId, me)) {
            sendError(ErrorCode::NotFound, QStringLiteral("no room '%1'").arg(request.roomId), id);
            return;
        }
        for (const RoomMember &m : m_ctx.rooms->members(request.roomId))
            ids << m.userId;
    }
    // Each entry obeys the presence rule (room peers, admins): a room's member list tells no
    // more than asking for the members one by one.
    m_ctx.presence->describe(me, ids, this, [this, id, roomId = request.roomId](QJsonArray users) {
        QJsonObject fields {{QStringLiteral("users"), users}};
        if (!roomId.isEmpty())
            fields.insert(QStringLiteral("room_id"), roomId);
        if (!id.isNull())
            fields.insert(QStringLiteral("id"), id);
        sendFrame(Events::encode(ServerType::PRESENCE_LIST, fields));
    });
}

void Session::handle(const QJsonValue &id, const TypingRequest &request)
{
    if (mapExternalUser(id, request, &TypingRequest::toExternalId, &TypingRequest::toUserId,
                        QStringLiteral("to")))
        return;
    // Typing frames get no reply (they come several times a second); only refusals answer.
    if (auto failure = m_ctx.presence->typing(sender(), request))
        sendFailure(*failure, id);
}

} // namespace Switchboard
