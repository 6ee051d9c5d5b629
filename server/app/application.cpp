// SPDX-License-Identifier: MIT
#include "application.h"

#include "auth/accountcache.h"
#include "auth/auththrottle.h"
#include "auth/externalids.h"
#include "auth/passwordpool.h"
#include "auth/secretfile.h"
#include "auth/tokenservice.h"
#include "hub/adminfeed.h"
#include "hub/announcements.h"
#include "hub/historyservice.h"
#include "hub/hub.h"
#include "cluster/redisbus.h"
#include "hub/knownusers.h"
#include "hub/localbus.h"
#include "hub/messageservice.h"
#include "hub/presenceservice.h"
#include "hub/roomservice.h"
#include "io/admission.h"
#include "net/accesscontrol.h"
#include "net/connectionmanager.h"
#include "net/httpfrontend.h"
#include "net/listener.h"
#include "net/nativefrontend.h"
#include "protocol/events.h"
#include "store/asyncstore.h"
#include "store/storefactory.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostInfo>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QLoggingCategory>
#include <QSslCertificate>
#include <QSslKey>

Q_LOGGING_CATEGORY(lcApp, "switchboard.app")

namespace Switchboard {

Application::Application(const Config &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
{ }

Application::~Application()
{
    stop();
    // Sessions refer to the hub and the store: they go first, before the members.
    delete m_access; // refers to the connections
    m_access = nullptr;
    delete m_connections;
    m_connections = nullptr;
    delete m_http;
    m_http = nullptr;
    m_listener = nullptr;
}

static bool readFile(const QString &path, const QString &key, QByteArray *out, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error
            = QStringLiteral("cannot read '%1' (setting '%2'): %3").arg(path, key, f.errorString());
        return false;
    }
    *out = f.readAll();
    return true;
}

bool Application::tokenSettings(const Config &config, TokenSettings *settings, QString *error)
{
    settings->algorithm = config.jwtAlgorithm;
    settings->ttlSeconds = config.tokenTtlSeconds;
    settings->leewaySeconds = config.tokenLeewaySeconds;
    settings->maxLifetimeSeconds = config.tokenMaxLifetimeSeconds;
    settings->issuer = config.jwtIssuer;
    settings->audience = config.jwtAudience;
    if (config.jwtAlgorithm == QLatin1StringView("HS256")) {
        if (!config.jwtSecret.isEmpty()) {
            settings->secret = config.jwtSecret.toUtf8();
        } else {
            const QString path = QDir(config.dataDir).filePath(QStringLiteral("jwt_secret"));
            settings->secret = SecretFile::loadOrCreate(path, error);
            if (settings->secret.isEmpty())
                return false;
        }
    } else {
        if (config.jwtPublicKeyFile.isEmpty()) {
            *error = QStringLiteral("invalid value for 'jwt_public_key_file': required with "
                                    "jwt_algorithm %1")
                         .arg(config.jwtAlgorithm);
            return false;
        }
        if (!readFile(config.jwtPublicKeyFile, QStringLiteral("jwt_public_key_file"),
                      &settings->publicKeyPem, error))
            return false;
        if (!config.jwtPrivateKeyFile.isEmpty()
            && !readFile(config.jwtPrivateKeyFile, QStringLiteral("jwt_private_key_file"),
                         &settings->privateKeyPem, error))
            return false;
    }
    TokenService probe(*settings);
    QString why;
    if (!probe.isValid(&why)) {
        const bool secret
            = config.jwtAlgorithm == QLatin1StringView("HS256") && !config.jwtSecret.isEmpty();
        *error = secret ? QStringLiteral("invalid value for 'jwt_secret': %1").arg(why)
                        : QStringLiteral("invalid token settings: %1").arg(why);
        return false;
    }
    return true;
}

namespace {

// mkdir -p that says why it failed (QDir::mkpath only says that it did).
bool makeDirectory(const QString &path, QString *why)
{
    const QString absolute = QDir::cleanPath(QDir(path).absolutePath());
    QString prefix;
    for (const QString &part : absolute.split(QLatin1Char('/'), Qt::SkipEmptyParts)) {
        prefix += QLatin1Char('/') + part;
        const QByteArray native = QFile::encodeName(prefix);
        if (::mkdir(native.constData(), 0777) == 0 || errno == EEXIST) {
            if (!QFileInfo(prefix).isDir()) {
                *why = QStringLiteral("'%1' exists and is not a directory").arg(prefix);
                return false;
            }
            continue;
        }
        *why = QStringLiteral("%1: %2").arg(prefix, QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    return true;
}

} // namespace

bool Application::start(QString *error, bool *configuration)
{
    bool ignored = false;
    bool &byConfig = configuration ? *configuration : ignored;
    // Everything the configuration alone decides is checked before any file is created.
    byConfig = true;
    if (m_config.listenPort != 0) {
        // A second server on a busy port fails here, before it writes to data_dir. A busy
        // port may come free (exit 1); an address that is not on this host does not (2).
        QTcpServer probe;
        if (!probe.listen(m_config.listenAddress, m_config.listenPort)) {
            byConfig = probe.serverError() != QAbstractSocket::AddressInUseError;
            *error = QStringLiteral("cannot listen on %1:%2 (setting 'listen'): %3")
                         .arg(m_config.listenAddress.toString())
                         .arg(m_config.listenPort)
                         .arg(probe.errorString());
            return false;
        }
    }
    std::optional<QSslConfiguration> tls;
    if (!m_config.tlsCertFile.isEmpty()) {
        QByteArray certPem, keyPem;
        if (!readFile(m_config.tlsCertFile, QStringLiteral("tls_cert_file"), &certPem, error)
            || !readFile(m_config.tlsKeyFile, QStringLiteral("tls_key_file"), &keyPem, error))
            return false;
        const auto chain = QSslCertificate::fromData(certPem, QSsl::Pem);
        QSslKey key(keyPem, QSsl::Rsa, QSsl::Pem);
        if (key.isNull())
            key = QSslKey(keyPem, QSsl::Ec, QSsl::Pem);
        if (chain.isEmpty() || key.isNull()) {
            *error = QStringLiteral("invalid value for 'tls_cert_file'/'tls_key_file': not a PEM "
                                    "certificate and RSA/EC private key");
            return false;
        }
        tls = QSslConfiguration::defaultConfiguration();
        tls->setLocalCertificateChain(chain);
        tls->setPrivateKey(key);
        tls->setPeerVerifyMode(QSslSocket::VerifyNone);
    }
    if (QString why; !makeDirectory(m_config.dataDir, &why)) {
        *error = QStringLiteral("cannot create data_dir '%1': %2").arg(m_config.dataDir, why);
        return false;
    }
    std::optional<RedisEndpoint> redis;
    if (!m_config.redisUrl.isEmpty()) {
        QString why;
        redis = RedisEndpoint::fromUrl(m_config.redisUrl, &why);
        if (!redis) {
            *error = QStringLiteral("invalid value for 'redis_url': %1").arg(why);
            return false;
        }
        const QString scheme = QUrl(m_config.databaseUrl).scheme();
        if (scheme != QLatin1StringView("postgres") && scheme != QLatin1StringView("postgresql")) {
            *error = QStringLiteral("'redis_url' is set (several nodes on one Redis), and several "
                                    "nodes need PostgreSQL: set database_url=postgres://user:"
                                    "password@host:port/db (SQLite is one node's own file)");
            return false;
        }
    }
    TokenSettings tokenSettings;
    if (!Application::tokenSettings(m_config, &tokenSettings, error))
        return false;
    m_tokens = std::make_unique<TokenService>(tokenSettings);

    const StoreSettings storeSettings {m_config.dataDir, m_config.databaseUrl,
                                       m_config.databaseStatementTimeoutMs};
    m_store
        = std::make_unique<AsyncStore>([storeSettings] { return openStoreOrThrow(storeSettings); });
    byConfig = false; // from here on, what fails may pass on a retry
    if (!m_store->start(error))
        return false;
    m_store->setMaxQueued(m_config.storeMaxQueue);

    m_hub = std::make_unique<Hub>();
    // One node: every event goes straight to this node's hub (docs/ARCHITECTURE.md, "one bus").
    // Several: also through Redis to the other nodes' hubs (OPERATIONS.md, "Several nodes").
    auto *bus = new LocalBus(m_hub.get());
    if (redis) {
        // A port chosen by the system (listen port 0, tests) is not known yet: a random tag
        // keeps two such nodes apart.
        const QString node = !m_config.nodeId.isEmpty() ? m_config.nodeId
            : m_config.listenPort != 0
            ? QStringLiteral("%1:%2").arg(QHostInfo::localHostName()).arg(m_config.listenPort)
            : QStringLiteral("%1:%2")
                  .arg(QHostInfo::localHostName())
                  .arg(QRandomGenerator::system()->generate(), 8, 16, QLatin1Char('0'));
        auto *cluster = new RedisBus(*redis, m_config.redisPrefix, node, bus, m_store.get());
        bus->setParent(cluster);
        cluster->start();
        m_bus.reset(cluster);
    } else {
        m_bus.reset(bus);
    }
    m_messages = std::make_unique<MessageService>(m_store.get(), m_bus.get(), m_hub.get());
    m_messages->setMaxMessageBytes(m_config.maxMessageBytes);
    m_knownUsers = std::make_unique<KnownUsers>(m_store.get());
    m_messages->setKnownUsers(m_knownUsers.get(), m_config.acceptUnknownRecipients);
    if (redis) // a miss waits for the other nodes' next batch of sign-ins before NOT_FOUND
        m_knownUsers->setOtherNodes(
            2 * KnownUsers::FLUSH_INTERVAL_MS,
            [bus = m_bus.get()](qint64 userId) { return bus->isOnline(userId); });
    m_rooms = std::make_unique<RoomService>(&m_config, m_store.get(), m_hub.get(), m_bus.get());
    bus->setRooms(m_rooms.get());
    if (!m_rooms->load(error))
        return false;
    m_presence = std::make_unique<PresenceService>(&m_config, m_hub.get(), m_bus.get(),
                                                   m_rooms.get(), m_store.get());
    bus->setPresence(m_presence.get());
    m_announcements = std::make_unique<Announcements>(&m_config, m_bus.get());
    m_history = std::make_unique<HistoryService>(&m_config, m_store.get(), m_rooms.get());
    m_history->startRetention();
    connect(m_bus.get(), &DeliveryBus::userOffline, this,
            [this](qint64 userId) { m_store->setLastSeen(userId, Protocol::Events::nowMs()); });
    wireAdminFeed();
    bus->setOperators(m_admin.get());
    bus->setNodeInfo([this]() { return m_admin->nodeJson(); });
    bus->setAccountChanged([this](qint64 userId) {
        if (m_accounts)
            m_accounts->invalidate(userId);
    });
    m_admin->setClustered(redis.has_value()); // operators of other nodes read this one's
    startAuthentication();

    m_http = new HttpFrontend(m_config, *m_tokens, m_router, this);
    m_http->throttle = m_throttle.get();
    m_http->accounts = m_accounts.get();
    m_http->externalIds = m_externalIds.get();
    SessionContext ctx {&m_config,        m_tokens.get(),   m_store.get(),
                        m_hub.get(),      m_messages.get(), m_rooms.get(),
                        m_presence.get(), m_history.get(),  m_admin.get()};
    ctx.accounts = m_accounts.get();
    ctx.externalIds = m_externalIds.get();
    ctx.bus = m_bus.get();
    m_connections = new ConnectionManager(m_http, ctx, this);
    m_http->admitWebSocket = [this]() { return m_connections->admitting(); };
    m_http->storeSaturated = [this]() { return m_store->saturated(); };
    // One count of accepted connections for whichever listener accepts them (the native
    // transport hands plain HTTP sockets to the Qt one still counted); it consults the access
    // rules first.
    Io::AdmissionSettings admission;
    admission.maxPending = m_config.maxPendingConnections;
    admission.maxPerAddress = m_config.maxConnectionsPerAddress;
    admission.ratePerAddress = m_config.maxConnectionRatePerAddress;
    admission.ipv6Prefix = m_config.admissionIpv6Prefix;
    admission.exempt = m_config.admissionExempt;
    m_admission = std::make_shared<Io::Admission>(admission);
    m_access = new AccessControl(&m_config, m_store.get(), m_connections, m_admission, this);
    m_access->setBus(m_bus.get());
    bus->setAccessRulesChanged([this]() {
        if (m_access)
            m_access->reload();
    });
    if (!m_access->load(error))
        return false;
    m_http->addressRefused = [admission = m_admission](const QHostAddress &peer) {
        const auto rules = admission->accessRules();
        return rules && rules->refuses(peer);
    };

    m_rest.config = &m_config;
    m_rest.tokens = m_tokens.get();
    m_rest.store = m_store.get();
    m_rest.hub = m_hub.get();
    m_rest.bus = m_bus.get();
    m_rest.messages = m_messages.get();
    m_rest.rooms = m_rooms.get();
    m_rest.presence = m_presence.get();
    m_rest.history = m_history.get();
    m_rest.connections = m_connections;
    m_rest.admin = m_admin.get();
    m_rest.passwords = m_passwords.get();
    m_rest.throttle = m_throttle.get();
    m_rest.accounts = m_accounts.get();
    m_rest.externalIds = m_externalIds.get();
    m_rest.access = m_access;
    m_rest.uptime.start();
    RestApi::addAll(m_router, &m_rest);

    ListenerSettings ls;
    ls.backlog = m_config.listenBacklog;
    // HTTP calls need sockets too: keep headroom above the WebSocket limit.
    ls.maxOpen = m_config.maxConnections + 256;
    ls.idleTimeoutMs = m_config.handshakeTimeoutMs;
    ls.maxRequestBytes = m_config.maxBodyBytes + 64 * 1024;
    ls.admission = m_admission;
    if (tls) {
        m_listener = new TlsListener(ls, *tls, this);
    } else if (m_config.nativeTransport) {
        // The native transport owns the port: WebSocket upgrades stay on its I/O threads,
        // every other request's socket is handed, untouched, to the Qt HTTP server.
        auto *listener = new TcpListener(ls, this);
        m_listener = listener;
        m_native = new NativeFrontend(m_config, *m_tokens, this);
        m_native->opened
            = [this](std::unique_ptr<Transport> transport, std::optional<TokenClaims> claims) {
                  m_connections->adopt(std::move(transport), claims);
              };
        m_native->handOff
            = [listener](int fd, const QHostAddress &peer) { listener->adoptDescriptor(fd, peer); };
        m_native->setAdmission(ls.admission);
        if (!m_native->listen(error)) {
            *error = QStringLiteral("cannot listen on %1:%2: %3")
                         .arg(m_config.listenAddress.toString())
                         .arg(m_config.listenPort)
                         .arg(*error);
            return false;
        }
        // QAbstractHttpServer::bind() wants a listening server; this one only ever gets
        // handed-over sockets, so it listens on a loopback port just long enough to be bound.
        listener->listen(QHostAddress::LocalHost, 0);
        m_http->bind(m_listener);
        listener->close();
    } else {
        m_listener = new TcpListener(ls, this);
    }
    if (!m_native && !m_listener->listen(m_config.listenAddress, m_config.listenPort)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3")
                     .arg(m_config.listenAddress.toString())
                     .arg(m_config.listenPort)
                     .arg(m_listener->errorString());
        return false;
    }
    if (!m_native) {
        m_http->bind(m_listener);
        // Our own accept loop: Qt's spins when the process runs out of descriptors.
        if (auto *tcp = qobject_cast<TcpListener *>(m_listener))
            tcp->startAcceptLoop();
        else if (auto *secure = qobject_cast<TlsListener *>(m_listener))
            secure->startAcceptLoop();
    }
    m_admin->setListen(
        QStringLiteral("%1://%2:%3")
            .arg(m_config.tlsCertFile.isEmpty() ? QStringLiteral("http") : QStringLiteral("https"))
            .arg(m_config.listenAddress.toString())
            .arg(port()));
    qCInfo(lcApp).noquote() << "switchboardd listening on"
                            << QStringLiteral("%1://%2:%3")
                                   .arg(m_config.tlsCertFile.isEmpty() ? QStringLiteral("http")
                                                                       : QStringLiteral("https"))
                                   .arg(m_config.listenAddress.toString())
                                   .arg(port())
                            << "storage" << m_store->backendName();
    return true;
}

void Application::startAuthentication()
{
    m_passwords = std::make_unique<PasswordPool>(m_config.passwordThreads, m_config.passwordQueue);
    ThrottleSettings throttle;
    throttle.userFailures = m_config.authFailuresPerUser;
    throttle.addressFailures = m_config.authFailuresPerAddress;
    throttle.backoffMs = m_config.authBackoffMs;
    throttle.backoffMaxMs = m_config.authBackoffMaxMs;
    throttle.windowMs = m_config.authFailureWindowMs;
    throttle.maxEntries = m_config.authThrottleEntries;
    m_throttle = std::make_unique<AuthThrottle>(throttle);
    AsyncStore *store = m_store.get();
    Hub *hub = m_hub.get();
    KnownUsers *known = m_knownUsers.get();
    m_accounts = std::make_unique<AccountCache>(
        [store, hub, known](qint64 userId, AccountCache::Loaded done) {
            store->read<std::optional<UserRecord>>(
                hub, [userId](Store &s) { return s.userById(userId); },
                [done, known, userId](std::optional<std::optional<UserRecord>> user, QString) {
                    if (!user) {
                        done(std::nullopt);
                        return;
                    }
                    // A verified token's user: a known recipient from now on.
                    known->noteAuthenticated(userId, user->has_value());
                    AccountState state;
                    if (const auto &u = *user)
                        state = AccountState {true, u->disabled, u->admin, u->tokensValidAfter,
                                              u->username};
                    done(state);
                });
        },
        m_config.accountCacheTtlMs, m_config.accountCacheEntries);
    // Backends' own user ids, mapped (and created on first sight, for a token's or with
    // accept_unknown_recipients a recipient's) on the store thread; bounded like the accounts.
    m_externalIds = std::make_unique<ExternalIds>(
        [store, hub](const QString &externalId, bool create, ExternalIds::Resolved done) {
            auto job = [externalId, create](Store &s) {
                return s.userIdOfExternal(externalId, create).value_or(0);
            };
            auto finished = [done](std::optional<qint64> id, QString error) {
                if (!id)
                    qCWarning(lcApp) << "mapping an external user id failed:" << error;
                done(id);
            };
            if (create)
                store->run<qint64>(hub, job, finished);
            else
                store->read<qint64>(hub, job, finished);
        },
        m_config.accountCacheEntries,
        // and back, for replies that show users the server does not hold in memory
        [store, hub](const QList<qint64> &userIds, ExternalIds::Named done) {
            using Names = QHash<qint64, QString>;
            store->read<Names>(
                hub, [userIds](Store &s) { return s.externalIdsOf(userIds); },
                [done](std::optional<Names> names, QString error) {
                    if (!names)
                        qCWarning(lcApp) << "looking up external user ids failed:" << error;
                    done(std::move(names));
                });
        });
}

void Application::wireAdminFeed()
{
    m_admin = std::make_unique<AdminFeed>(m_hub.get(), m_bus.get(), m_rooms.get(), m_presence.get(),
                                          m_store.get());
    AdminFeed *feed = m_admin.get();
    connect(m_presence.get(), &PresenceService::statusChanged, feed, &AdminFeed::userStatus);
    connect(m_rooms.get(), &RoomService::roomCreated, feed, &AdminFeed::roomCreated);
    connect(m_rooms.get(), &RoomService::roomUpdated, feed, &AdminFeed::roomUpdated);
    connect(m_rooms.get(), &RoomService::roomDeleted, feed, &AdminFeed::roomDeleted);
    connect(m_rooms.get(), &RoomService::memberChanged, feed, &AdminFeed::roomMember);
    connect(m_messages.get(), &MessageService::sentToAll, feed,
            [feed](qint64 from, const QString &kind, int recipients) {
                feed->broadcast(from, QStringLiteral("all"), QString(), 0, recipients, kind);
            });
}

quint16 Application::port() const
{
    if (m_native)
        return m_native->port();
    return m_listener ? m_listener->serverPort() : 0;
}

void Application::stop()
{
    if (m_stopped)
        return;
    m_stopped = true;
    if (m_listener)
        m_listener->close();
    if (m_native)
        m_native->setAdmitting(false);
    if (m_connections)
        m_connections->drain(m_config.drainTimeoutMs);
    if (m_native)
        m_native->stop();
    if (m_knownUsers)
        m_knownUsers->flush(); // the token users that signed in since the last batch
    if (m_store)
        m_store->drain();
    qCInfo(lcApp) << "switchboardd stopped";
}

} // namespace Switchboard
