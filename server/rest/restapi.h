// SPDX-License-Identifier: MIT
#pragma once

#include "auth/externalids.h"
#include "rest/router.h"

#include <functional>

#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>

namespace Switchboard {

struct Config;
class AdminFeed;
class AsyncStore;
class Store;
class ConnectionStatus;
struct Sender;
class DeliveryBus;
class Hub;
class MessageService;
class RoomService;
class PresenceService;
class HistoryService;
class TokenService;
class PasswordPool;
class AuthThrottle;
class AccountCache;
class AccessRules;

// What the REST handlers work with; owned by the application.
struct RestServices
{
    const Config *config = nullptr;
    const TokenService *tokens = nullptr;
    AsyncStore *store = nullptr;
    Hub *hub = nullptr; // this node's connections, for reading
    DeliveryBus *bus = nullptr; // what reaches other connections (sends, closes)
    MessageService *messages = nullptr;
    RoomService *rooms = nullptr;
    PresenceService *presence = nullptr;
    HistoryService *history = nullptr;
    ConnectionStatus *connections = nullptr; // every WebSocket, authenticated or not
    AdminFeed *admin = nullptr;
    QElapsedTimer uptime;
    // authentication hardening: argon2id off the store thread, failure throttle, account state
    PasswordPool *passwords = nullptr;
    AuthThrottle *throttle = nullptr;
    AccountCache *accounts = nullptr;
    ExternalIds *externalIds = nullptr; // backends' own user ids as recipients (optional)
    AccessRules *access = nullptr; // IP access rules
};

// Registers every REST resource (one file each) with the router; docs/API.md lists them.
namespace RestApi {
void addHealthRoutes(Router &router, RestServices *services);
void addAuthRoutes(Router &router, RestServices *services);
void addUserRoutes(Router &router, RestServices *services);
void addPresenceRoutes(Router &router, RestServices *services);
void addMessageRoutes(Router &router, RestServices *services);
void addRoomRoutes(Router &router, RestServices *services);
void addHistoryRoutes(Router &router, RestServices *services);
void addAdminRoutes(Router &router, RestServices *services);
void addAccessRoutes(Router &router, RestServices *services);
// A send to every connection went out: answers {recipients: the connections of every node}
// (and "incomplete": true when a node did not answer in time: its connections are not counted).
void replyRecipients(RestServices *services, const ReplyPtr &reply, int status);
// POST /api/v1/broadcast with a `target` (adminroutes.cpp): all, a room or a user.
void targetedBroadcast(RestServices *services, const QJsonObject &body, const Sender &sender,
                       const ReplyPtr &reply);

inline void addAll(Router &router, RestServices *services)
{
    addHealthRoutes(router, services);
    addAuthRoutes(router, services);
    addUserRoutes(router, services);
    addPresenceRoutes(router, services);
    addMessageRoutes(router, services);
    addRoomRoutes(router, services);
    addHistoryRoutes(router, services);
    addAdminRoutes(router, services);
    addAccessRoutes(router, services);
}

// A stored change to one account (disable, enable, password, sign-out): runs `job` on the store
// (false = no such user), answers 503/404 itself, drops the account's cached state (every path
// reads accounts through it) and then calls `changed`. `closeReason` non-empty: the user's live
// connections are closed with 4003 and that reason first; `changed` gets how many.
void changeAccount(RestServices *services, const ReplyPtr &reply, qint64 userId,
                   std::function<bool(Store &)> job, const QString &closeReason,
                   std::function<void(int closed)> changed);

// A user a request names in `field` (a body's value, a path capture or a query item as a
// string): a positive integer or a backend's external id (ExternalIds::lookUp; with `create`,
// mapped on first sight). then() runs when it is a user id; otherwise the reply is answered:
// 400 VALIDATION_ERROR (no user id, or an external id never seen), 503 (the store failed).
void withUser(RestServices *s, const QJsonValue &value, const QString &field, bool create,
              const ReplyPtr &reply, std::function<void(const ExternalIds::Lookup &)> then);
// The same for a list: then() gets the internal ids in order; the first failure answers.
void withUsers(RestServices *s, const QList<QJsonValue> &values, const QString &field,
               const ReplyPtr &reply, std::function<void(QList<qint64>)> then);

// The caller as the services see it: a user as itself, the API key as the server (an admin).
Sender callerOf(const RestRequest &request);
// Who acts in a call: a user as itself; the API key as the server, or as the user `userKey`
// of the body names (a number or an external id) when a backend acts for one of its users
// (`userRequired`: it must name one).
void withActor(RestServices *s, const RestRequest &request, const QJsonObject &body,
               const QString &userKey, bool userRequired, const ReplyPtr &reply,
               std::function<void(const Sender &)> then);

// How a reply shows users: by the external id for those that have one, else by the number.
class UserNames
{
public:
    UserNames() = default;
    explicit UserNames(QHash<qint64, QString> externalIds)
        : m_externalIds(std::move(externalIds))
    { }
    QJsonValue shown(qint64 userId) const;
    // The objects with their `field` (a user id) shown.
    QJsonArray shownIn(QJsonArray objects, const QString &field) const;

private:
    QHash<qint64, QString> m_externalIds;
};
// The names of these users: from memory, and from the store for the users this node does not
// hold (a restart, an evicted or never connected user); numbers when the store fails.
void showUsers(RestServices *s, const QList<qint64> &userIds,
               std::function<void(const UserNames &)> then);
// The user ids in the `field` of each object.
QList<qint64> userIdsIn(const QJsonArray &objects, const QString &field);

// 1-64 characters of A-Z a-z 0-9 _ . @ -; shared with the operator commands.
bool validUsername(const QString &name);

// Positive integer query parameter with a default and an upper bound; false on bad input.
bool intParam(const RestRequest &request, const QString &name, qint64 defaultValue, qint64 max,
              qint64 *out, const ReplyPtr &reply);
} // namespace RestApi

} // namespace Switchboard
