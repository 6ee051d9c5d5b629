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

HistoryService::Done replyPage(const ReplyPtr &reply)
{
    return [reply](std::optional<QJsonObject> page, std::optional<Failure> failure) {
        if (failure)
            reply->failure(*failure);
        else
            reply->json(200, *page);
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
            s->history->page(viewerOf(request), 0, page, s->history, replyPage(reply));
        });

    // The conversation of the caller (or, for admins and the API key, of ?user_id=) with a user.
    router.add(
        "GET", {QStringLiteral("/api/v1/conversations/{user_id}/messages")}, Access::User,
        [s](const RestRequest &request, const ReplyPtr &reply) {
            HistoryRequest page;
            bool ok = false;
            page.withUserId = userIdFromJson(request.params.value(0), &ok);
            if (!ok) {
                reply->error(ErrorCode::ValidationError,
                             QStringLiteral("the user id in the path must be a positive integer"));
                return;
            }
            if (!pageParams(request, &page, reply))
                return;
            const Sender viewer = viewerOf(request);
            qint64 owner = viewer.userId;
            if (request.query.hasQueryItem(QStringLiteral("user_id"))) {
                if (!viewer.admin) {
                    reply->error(ErrorCode::Forbidden,
                                 QStringLiteral("reading another user's conversations needs "
                                                "the admin role"));
                    return;
                }
                owner
                    = userIdFromJson(request.query.queryItemValue(QStringLiteral("user_id")), &ok);
                if (!ok) {
                    reply->error(ErrorCode::ValidationError,
                                 QStringLiteral("'user_id' must be a positive integer"));
                    return;
                }
            } else if (owner == 0) {
                reply->error(ErrorCode::ValidationError,
                             QStringLiteral("with the API key, ?user_id= names whose "
                                            "conversation to read"));
                return;
            }
            s->history->page(viewer, owner, page, s->history, replyPage(reply));
        });
}

} // namespace Switchboard::RestApi
