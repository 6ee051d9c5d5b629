// SPDX-License-Identifier: MIT
// Session handlers of the room frames (docs/PROTOCOL.md, "Rooms").
#include "session.h"

#include "config/config.h"
#include "hub/roomservice.h"
#include "protocol/codec.h"
#include "protocol/dialect.h"
#include "protocol/events.h"
#include "protocol/protocol.h"

#include <QUrlQuery>

namespace Switchboard {

using namespace Protocol;

namespace {

QByteArray reply(QLatin1StringView type, const QJsonValue &id, QJsonObject fields)
{
    if (!id.isNull())
        fields.insert(QStringLiteral("id"), id);
    return Events::encode(type, fields);
}

} // namespace

void Session::handle(const QJsonValue &id, const RoomSettingsRequest &request)
{
    auto done = [this, id](std::optional<RoomView> view, std::optional<RoomFailure> failure) {
        if (failure) {
            sendFailure(*failure, id);
            return;
        }
        sendFrame(
            reply(ServerType::ROOM, id, {{QStringLiteral("room"), RoomService::toJson(*view)}}));
    };
    if (request.create)
        m_ctx.rooms->create(sender(), request, this, done);
    else
        m_ctx.rooms->update(sender(), request, this, done);
}

void Session::handle(const QJsonValue &id, const RoomActionRequest &request)
{
    using Action = RoomActionRequest::Action;
    const Sender me = sender();
    if (request.action == Action::Get) {
        const auto view = m_ctx.rooms->view(request.roomId, me);
        if (!view || !m_ctx.rooms->canSee(request.roomId, me)) {
            sendError(ErrorCode::NotFound, QStringLiteral("no room '%1'").arg(request.roomId), id);
            return;
        }
        sendFrame(
            reply(ServerType::ROOM, id,
                  {{QStringLiteral("room"), RoomService::toJson(*view)},
                   {QStringLiteral("members"), m_ctx.rooms->membersJson(request.roomId, me)}}));
        return;
    }
    QLatin1StringView type = ServerType::ROOM_JOINED;
    if (request.action == Action::Leave)
        type = ServerType::ROOM_LEFT;
    else if (request.action == Action::Delete)
        type = ServerType::ROOM_DELETED;
    auto done = [this, id, type](std::optional<RoomView> view, std::optional<RoomFailure> failure) {
        if (failure) {
            sendFailure(*failure, id);
            return;
        }
        sendFrame(reply(type, id,
                        {{QStringLiteral("room_id"), view->record.id},
                         {QStringLiteral("room"), RoomService::toJson(*view)}}));
    };
    switch (request.action) {
    case Action::Join:
        m_ctx.rooms->join(me, request.roomId, this, done);
        break;
    case Action::Leave:
        m_ctx.rooms->leave(me, request.roomId, this, done);
        break;
    case Action::Delete:
        m_ctx.rooms->remove(me, request.roomId, this, done);
        break;
    case Action::Get:
        break;
    }
}

void Session::handle(const QJsonValue &id, const RoomInviteRequest &request)
{
    if (mapExternalUser(id, request, &RoomInviteRequest::userExternalId, &RoomInviteRequest::userId,
                        QStringLiteral("user_id")))
        return;
    m_ctx.rooms->invite(
        sender(), request.roomId, request.userId, this,
        [this, id, request](std::optional<RoomView> view, std::optional<RoomFailure> failure) {
            if (failure) {
                sendFailure(*failure, id);
                return;
            }
            sendFrame(reply(ServerType::ACK, id,
                            {{QStringLiteral("room_id"), view->record.id},
                             {QStringLiteral("invited"), request.userId}}));
        });
}

void Session::handle(const QJsonValue &id, const RoomListRequest &)
{
    QJsonArray rooms;
    for (const RoomView &v : m_ctx.rooms->list(sender()))
        rooms.append(RoomService::toJson(v));
    sendFrame(reply(ServerType::ROOMS, id,
                    {{QStringLiteral("rooms"), rooms}, {QStringLiteral("count"), rooms.size()}}));
}

void Session::handle(const QJsonValue &id, const RoomSendRequest &request)
{
    if (request.content.size() > m_ctx.config->maxContentChars) {
        sendError(ErrorCode::TooLarge,
                  QStringLiteral("content is longer than %1 characters")
                      .arg(m_ctx.config->maxContentChars),
                  id);
        return;
    }
    if (request.idempotencyKey.size() > 128) {
        sendError(ErrorCode::ValidationError,
                  QStringLiteral("idempotency_key is longer than 128 characters"), id);
        return;
    }
    m_ctx.rooms->post(sender(), request, this, acknowledge(id));
}

void Session::joinConnectRoom()
{
    QString roomId
        = m_transport->query().queryItemValue(QStringLiteral("room_id"), QUrl::FullyDecoded);
    if (roomId.isEmpty())
        roomId = m_ctx.config->connectRoom;
    if (roomId.isEmpty())
        roomId = Protocol::connectRoomForPath(m_transport->path());
    if (roomId.isEmpty())
        return;
    if (!validRoomId(roomId)) {
        sendError(ErrorCode::ValidationError,
                  QStringLiteral("room_id must be 1-64 characters of A-Z a-z 0-9 _ -"),
                  QJsonValue());
        return;
    }
    if (m_ctx.rooms->isMember(roomId, userId()))
        return;
    m_ctx.rooms->join(sender(), roomId, this,
                      [this](std::optional<RoomView> view, std::optional<RoomFailure> failure) {
                          if (failure) {
                              sendFailure(*failure, QJsonValue());
                              return;
                          }
                          sendFrame(reply(ServerType::ROOM_JOINED, QJsonValue(),
                                          {{QStringLiteral("room_id"), view->record.id},
                                           {QStringLiteral("room"), RoomService::toJson(*view)}}));
                      });
}

} // namespace Switchboard
