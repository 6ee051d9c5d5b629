// SPDX-License-Identifier: MIT
// Paged history over REST (docs/API.md, "History"): a room's messages and a direct conversation,
// with the same pages and access rules as the WebSocket `history` frame.
#include "restapi.h"

#include "hub/historyservice.h"
#include "protocol/codec.h"
#include "protocol/protocol.h"

#include <limits>

namespace Switchboard::RestApi {

using namespace Protocol;

namespace {

// ?before=&after=&limit= into a history request; false (and answered) on bad values.
bool pageParams(const RestRequest &request, HistoryRequest *out, const ReplyPtr &reply)
{
    constexpr qint64 maxSeq = std::numeric_limits<qint64>::max() / 2;
    for (const auto &[name, field] : {std::pair {QStringLiteral("before"), &out->before},
                                      std::pair {QStringLiteral("after"), &out->after}}) {
        if (!request.query.hasQueryItem(name))
            continue;
        qint64 v = 0;
        if (!intParam(request, name, 0, maxSeq, &v, reply))
            return false;
        *field = v;
    }
    qint64 limit = DEFAULT_HISTORY_PAGE;
    if (!intParam(request, QStringLiteral("limit"), DEFAULT_HISTORY_PAGE, MAX_HISTORY_PAGE, &limit,
                  reply))
        return false;
    if (limit < 1) {
        reply->error(ErrorCode::ValidationError,
                     QStringLiteral("query parameter 'limit' must be an integer from 1 to %1")
                         .arg(MAX_HISTORY_PAGE));
        return false;
    }
    out->limit = int(limit);
    return true;
}

// The viewer of a history call: the token's user, or the server for the API key.
Sender viewerOf(const RestRequest &request)
{
    Sender viewer;
    viewer.admin = request.principal.isAdmin();
    if (request.principal.kind == Principal::Kind::User) {
        viewer.userId = request.principal.claims.userId;
        viewer.username = request.principal.claims.username;
    }
    return viewer;
}

// A conversation's `with` is shown by the user's external id where it has one.
HistoryService::Done replyPage(RestServices *s, const ReplyPtr &reply)
{
    return [s, reply](std::optional<QJsonObject> page, std::optional<Failure> failure) {
        if (failure) {
            reply->failure(*failure);
            return;
        }
        const QJsonValue with = page->value(QStringLiteral("with"));
        if (!with.isDouble()) {
            reply->json(200, *page);
            return;
        }
        showUsers(s, {with.toInteger()},
                  [reply, page = *page, id = with.toInteger()](const UserNames &names) mutable {
                      page.insert(QStringLiteral("with"), names.shown(id));
                      reply->json(200, page);
                  });
    };
}

} // namespace

void addHistoryRoutes(Router &router, RestServices *s)
{
    router.add(
        "GET",
        {QStringLiteral("/api/v1/rooms/{id}/messages"),
         QStringLiteral("/api/v1/groups/{id}/messages"), QStringLiteral("/ws/rooms/{id}/messages")},
        Access::User, [s](const RestRequest &request, const ReplyPtr &reply) {
            HistoryRequest page;
            page.roomId = request.params.value(0);
            if (!validRoomId(page.roomId)) {
                reply->error(ErrorCode::ValidationError,
                             QStringLiteral("a room id is 1-64 characters of A-Z a-z 0-9 _ -"));
                return;
            }
            if (!pageParams(request, &page, reply))
                return;
            s->history->page(viewerOf(request), 0, page, s->history, replyPage(s, reply));
        });

    // The conversation of the caller (or, for admins and the API key, of ?user_id=) with a user.
    router.add("GET", {QStringLiteral("/api/v1/conversations/{user_id}/messages")}, Access::User,
               [s](const RestRequest &request, const ReplyPtr &reply) {
                   HistoryRequest page;
                   if (!pageParams(request, &page, reply))
                       return;
                   const Sender viewer = viewerOf(request);
                   const bool otherOwner = request.query.hasQueryItem(QStringLiteral("user_id"));
                   if (otherOwner && !viewer.admin) {
                       reply->error(ErrorCode::Forbidden,
                                    QStringLiteral("reading another user's conversations needs "
                                                   "the admin role"));
                       return;
                   }
                   if (!otherOwner && viewer.userId == 0) {
                       reply->error(ErrorCode::ValidationError,
                                    QStringLiteral("with the API key, ?user_id= names whose "
                                                   "conversation to read"));
                       return;
                   }
                   withUser(s, request.params.value(0), QStringLiteral("user_id"), false, reply,
                            [s, request, reply, viewer, otherOwner,
                             page](const ExternalIds::Lookup &with) {
                                HistoryRequest conversation = page;
                                conversation.withUserId = with.userId;
                                const auto read = [s, reply, viewer,
                                                   conversation](const ExternalIds::Lookup &owner) {
                                    s->history->page(viewer, owner.userId, conversation, s->history,
                                                     replyPage(s, reply));
                                };
                                if (!otherOwner) {
                                    ExternalIds::Lookup self;
                                    self.userId = viewer.userId;
                                    read(self);
                                    return;
                                }
                                withUser(s, request.query.queryItemValue(QStringLiteral("user_id")),
                                         QStringLiteral("user_id"), false, reply, read);
                            });
               });
}

} // namespace Switchboard::RestApi
