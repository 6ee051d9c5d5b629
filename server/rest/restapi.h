// SPDX-License-Identifier: MIT
#pragma once

#include "rest/router.h"

#include <functional>

#include <QElapsedTimer>

namespace Switchboard {

struct Config;
class AdminFeed;
class AsyncStore;
class Store;
class ConnectionManager;
struct Sender;
class Hub;
class MessageService;
class RoomService;
class PresenceService;
class HistoryService;
class TokenService;
class PasswordPool;
class AuthThrottle;
class AccountCache;
class ExternalIds;
class AccessControl;

// What the REST handlers work with; owned by the application.
struct RestServices
{
    const Config *config = nullptr;
    const TokenService *tokens = nullptr;
    AsyncStore *store = nullptr;
    Hub *hub = nullptr;
    MessageService *messages = nullptr;
    RoomService *rooms = nullptr;
    PresenceService *presence = nullptr;
    HistoryService *history = nullptr;
    ConnectionManager *connections = nullptr;
    AdminFeed *admin = nullptr;
    QElapsedTimer uptime;
    // authentication hardening: argon2id off the store thread, failure throttle, account state
    PasswordPool *passwords = nullptr;
    AuthThrottle *throttle = nullptr;
    AccountCache *accounts = nullptr;
    ExternalIds *externalIds = nullptr; // backends' own user ids as recipients (optional)
    AccessControl *access = nullptr; // IP access rules
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

// 1-64 characters of A-Z a-z 0-9 _ . @ -; shared with the operator commands.
bool validUsername(const QString &name);

// Positive integer query parameter with a default and an upper bound; false on bad input.
bool intParam(const RestRequest &request, const QString &name, qint64 defaultValue, qint64 max,
              qint64 *out, const ReplyPtr &reply);
} // namespace RestApi

} // namespace Switchboard
