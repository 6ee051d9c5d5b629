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
    // Typing frames get no reply (they come several times a second); only refusals answer.
    if (auto failure = m_ctx.presence->typing(sender(), request))
        sendFailure(*failure, id);
}

} // namespace Switchboard
