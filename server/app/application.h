// SPDX-License-Identifier: MIT
#pragma once

#include "config/config.h"
#include "rest/restapi.h"

#include <memory>

#include <QObject>

class QTcpServer;

namespace Switchboard {

class AdminFeed;
class AsyncStore;
class ConnectionManager;
class HttpFrontend;
class NativeFrontend;
class DeliveryBus;
class Hub;
class MessageService;
class KnownUsers;
class RoomService;
class PresenceService;
class Announcements;
class HistoryService;
class TokenService;
class PasswordPool;
class AuthThrottle;
class AccountCache;
class ExternalIds;
class AccessControl;
namespace Io {
class Admission;
}

// Wires the daemon's parts together and owns them; no logic of its own beyond start and stop.
class Application : public QObject
{
    Q_OBJECT

public:
    explicit Application(const Config &config, QObject *parent = nullptr);
    ~Application() override;

    // Opens the store, prepares keys and listens. False with a message naming the cause.
    // False with the reason when the server cannot start; `configuration` tells whether the
    // configuration is the cause (switchboardd exits 2 then: no restart can help, see
    // docs/CONFIG.md), or something that may pass (a busy port, the database down: exit 1).
    bool start(QString *error, bool *configuration = nullptr);
    // Graceful stop: refuse new connections, close sessions with 1001, flush the store.
    void stop();

    quint16 port() const;
    const Config &config() const { return m_config; }
    Hub *hub() const { return m_hub.get(); }
    MessageService *messages() const { return m_messages.get(); }
    RoomService *rooms() const { return m_rooms.get(); }
    HistoryService *history() const { return m_history.get(); }
    AsyncStore *store() const { return m_store.get(); }
    KnownUsers *knownUsers() const { return m_knownUsers.get(); }
    const TokenService *tokens() const { return m_tokens.get(); }
    ConnectionManager *connections() const { return m_connections; }
    AdminFeed *adminFeed() const { return m_admin.get(); }
    DeliveryBus *bus() const { return m_bus.get(); } // a RedisBus with redis_url
    AccessControl *access() const { return m_access; }

    // Token settings from the config: the secret (generated once into the data dir when unset)
    // or the key files. Shared with the operator commands.
    static bool tokenSettings(const Config &config, struct TokenSettings *settings, QString *error);

private:
    void wireAdminFeed();
    // The password pool, the failed-authentication throttle and the account-state cache.
    void startAuthentication();

    Config m_config;
    std::unique_ptr<AsyncStore> m_store;
    std::unique_ptr<TokenService> m_tokens;
    std::unique_ptr<Hub> m_hub;
    std::unique_ptr<DeliveryBus> m_bus; // after the hub, before the services that use it
    std::unique_ptr<KnownUsers> m_knownUsers;
    std::unique_ptr<MessageService> m_messages;
    std::unique_ptr<RoomService> m_rooms;
    std::unique_ptr<PresenceService> m_presence;
    std::unique_ptr<Announcements> m_announcements;
    std::unique_ptr<HistoryService> m_history;
    std::unique_ptr<AdminFeed> m_admin;
    // authentication hardening (destroyed before the hub their completions are posted to)
    std::unique_ptr<PasswordPool> m_passwords;
    std::unique_ptr<AuthThrottle> m_throttle;
    std::unique_ptr<AccountCache> m_accounts;
    std::unique_ptr<ExternalIds> m_externalIds;
    Router m_router;
    RestServices m_rest;
    HttpFrontend *m_http = nullptr;
    ConnectionManager *m_connections = nullptr;
    QTcpServer *m_listener = nullptr;
    NativeFrontend *m_native = nullptr; // plain TCP on the native transport
    // IP access rules: published to the admission both transports consult at accept
    std::shared_ptr<Io::Admission> m_admission;
    AccessControl *m_access = nullptr;
    bool m_stopped = false;
};

} // namespace Switchboard
