// SPDX-License-Identifier: MIT
#include "application.h"

#include "auth/secretfile.h"
#include "auth/tokenservice.h"
#include "hub/adminfeed.h"
#include "hub/historyservice.h"
#include "hub/hub.h"
#include "hub/messageservice.h"
#include "hub/presenceservice.h"
#include "hub/roomservice.h"
#include "net/connectionmanager.h"
#include "net/httpfrontend.h"
#include "net/listener.h"
#include "net/nativefrontend.h"
#include "protocol/events.h"
#include "store/asyncstore.h"
#include "store/storefactory.h"

#include <QDir>
#include <QFile>
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
        *error = QStringLiteral("invalid token settings: %1").arg(why);
        return false;
    }
    return true;
}

bool Application::start(QString *error)
{
    if (!QDir().mkpath(m_config.dataDir)) {
        *error = QStringLiteral("cannot create data_dir '%1'").arg(m_config.dataDir);
        return false;
    }
    TokenSettings tokenSettings;
    if (!Application::tokenSettings(m_config, &tokenSettings, error))
        return false;
    m_tokens = std::make_unique<TokenService>(tokenSettings);

    const StoreSettings storeSettings {m_config.dataDir, m_config.databaseUrl};
    m_store
        = std::make_unique<AsyncStore>([storeSettings] { return openStoreOrThrow(storeSettings); });
    if (!m_store->start(error))
        return false;

    m_hub = std::make_unique<Hub>();
    m_messages = std::make_unique<MessageService>(m_store.get(), m_hub.get(), m_hub.get());
    m_messages->setMaxMessageBytes(m_config.maxMessageBytes);
    m_rooms = std::make_unique<RoomService>(&m_config, m_store.get(), m_hub.get());
    if (!m_rooms->load(error))
        return false;
    m_presence
        = std::make_unique<PresenceService>(&m_config, m_hub.get(), m_rooms.get(), m_store.get());
    m_history = std::make_unique<HistoryService>(&m_config, m_store.get(), m_rooms.get());
    m_history->startRetention();
    connect(m_hub.get(), &Hub::userOffline, this,
            [this](qint64 userId) { m_store->setLastSeen(userId, Protocol::Events::nowMs()); });
    wireAdminFeed();

    m_http = new HttpFrontend(m_config, *m_tokens, m_router, this);
    SessionContext ctx {&m_config,        m_tokens.get(),   m_store.get(),
                        m_hub.get(),      m_messages.get(), m_rooms.get(),
                        m_presence.get(), m_history.get(),  m_admin.get()};
    m_connections = new ConnectionManager(m_http, ctx, this);
    m_http->admitWebSocket = [this]() { return m_connections->admitting(); };

    m_rest.config = &m_config;
    m_rest.tokens = m_tokens.get();
    m_rest.store = m_store.get();
    m_rest.hub = m_hub.get();
    m_rest.messages = m_messages.get();
    m_rest.rooms = m_rooms.get();
    m_rest.presence = m_presence.get();
    m_rest.history = m_history.get();
    m_rest.connections = m_connections;
    m_rest.admin = m_admin.get();
    m_rest.uptime.start();
    RestApi::addAll(m_router, &m_rest);

    ListenerSettings ls;
    ls.backlog = m_config.listenBacklog;
    // HTTP calls need sockets too: keep headroom above the WebSocket limit.
    ls.maxOpen = m_config.maxConnections + 256;
    ls.idleTimeoutMs = m_config.handshakeTimeoutMs;
    ls.maxRequestBytes = m_config.maxBodyBytes + 64 * 1024;
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
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificateChain(chain);
        tls.setPrivateKey(key);
        tls.setPeerVerifyMode(QSslSocket::VerifyNone);
        m_listener = new TlsListener(ls, tls, this);
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
        m_native->handOff = [listener](int fd) { listener->adoptDescriptor(fd); };
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
    if (!m_native)
        m_http->bind(m_listener);
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

void Application::wireAdminFeed()
{
    m_admin
        = std::make_unique<AdminFeed>(m_hub.get(), m_rooms.get(), m_presence.get(), m_store.get());
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
    if (m_store)
        m_store->drain();
    qCInfo(lcApp) << "switchboardd stopped";
}

} // namespace Switchboard
