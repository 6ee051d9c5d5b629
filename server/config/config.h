// SPDX-License-Identifier: MIT
#pragma once

#include "protocol/dialect.h"

#include <QHostAddress>
#include <QMap>
#include <QString>
#include <QStringList>

namespace Switchboard {

// The shortest API key accepted: a guessable key is a remote admin password.
constexpr int MIN_API_KEY_CHARS = 32;

// The daemon's typed settings. Built from defaults < INI file < SWITCHBOARD_* environment <
// command line; every key is validated and errors name the key and where the value came from.
struct Config
{
    // network
    QHostAddress listenAddress = QHostAddress::LocalHost;
    quint16 listenPort = 8000;
    int listenBacklog = 4096;
    QString tlsCertFile;
    QString tlsKeyFile;
    int maxConnections = 10000;
    int handshakeTimeoutMs = 10000;
    qint64 maxBodyBytes = 1024 * 1024;
    // Plain TCP: the native epoll transport with this many I/O threads (0 = one per core but
    // one, at least 1). TLS always uses Qt's QWebSocket. false = Qt's for everything.
    bool nativeTransport = true;
    int ioThreads = 0;
    qint64 maxSendQueueBytes = 8 * 1024 * 1024; // unsent bytes before a client is dropped (4029)

    // storage
    QString dataDir = QStringLiteral("data");
    QString databaseUrl; // empty = SQLite in dataDir

    // several nodes (issue #15): the Redis every node shares (empty = one node), and this
    // node's name among them (empty = host name and port)
    QString redisUrl;
    QString redisPrefix = QStringLiteral("switchboard"); // of every channel and key
    QString nodeId;

    // authentication
    QString jwtAlgorithm = QStringLiteral("HS256");
    QString jwtSecret; // empty = generated once into dataDir/jwt_secret
    QString jwtPublicKeyFile;
    QString jwtPrivateKeyFile;
    qint64 tokenTtlSeconds = 24 * 3600;
    qint64 tokenLeewaySeconds = 30;
    QString apiKey; // empty = backends cannot use the REST API with a key
    int authTimeoutMs = 10000; // time to send an `auth` frame when the URL carries no token

    // WebSocket sessions
    int heartbeatIntervalMs = 54000;
    int heartbeatTimeoutMs = 60000;
    qint64 maxFrameBytes = 64 * 1024;
    qint64 maxMessageBytes = 64 * 1024;
    int maxContentChars = 8192;
    bool allowUserBroadcast = false;
    // The dialect of /ws connections without ?dialect= (seeds 000 and 001 use /ws themselves).
    Protocol::Dialect defaultDialect = Protocol::Dialect::Canonical;
    int offlineBatch = 500; // stored messages replayed per round on connect
    int replayLimit = 1000; // most room messages replayed per room on connect (more: reload)
    int typingTimeoutMs = 5000; // a typing indicator ends by itself after this
    int typingIntervalMs = 1000; // at most one typing event per user and context per interval

    // rooms
    // Created at start when missing: id[:policy] items, policy "readonly" = only admins post.
    QStringList defaultRooms {QStringLiteral("general"), QStringLiteral("announcements:readonly"),
                              QStringLiteral("support")};
    QString
        connectRoom; // room joined on connect without ?room_id= (seed 003: general); empty = none
    int maxRooms = 1000;
    int maxRoomsPerUser = 100; // memberships per user
    int maxRoomMembers = 10000;

    // history and retention
    qint64 messageRetentionMs = 0; // messages older than this are purged; 0 = kept forever
    int maxStreamMessages = 0; // newest messages kept per stream; 0 = no count limit
    int purgeIntervalMs = 3'600'000; // how often retention runs

    // operations
    QString logLevel = QStringLiteral("info");
    int drainTimeoutMs = 10000;

    // room limits and presence privacy (issue 12; docs/CONFIG.md, "Room limits and presence")
    // Rooms a user created that still exist, whether or not it is still a member (admins and
    // the API key are exempt); 0 = users cannot create rooms.
    int maxRoomsCreatedPerUser = 10;
    bool publicOnlineList = false; // GET /api/v1/online lists names to users, not only admins
    // A message to an unknown user id reserves the id instead of NOT_FOUND (backends that
    // address users before their first sign-in)
    bool acceptUnknownRecipients = false;
    // Seed 000's user_joined / user_left to every dialect-000 connection: at most this many
    // announcements a second on this server, the rest dropped; 0 = none
    int announcementsPerSecond = 20;
    // authentication hardening: token policy, password pool, failure throttle, account cache
    qint64 tokenMaxLifetimeSeconds = 30 * 86400; // longest exp - iat (and exp - now) accepted
    QString jwtIssuer; // empty = "iss" not checked (nor set on issued tokens)
    QString jwtAudience; // empty = "aud" not checked (nor set on issued tokens)
    int passwordThreads = 2; // argon2id workers, apart from the store's thread
    int passwordQueue = 64; // hash jobs waiting for a worker; beyond it login answers 503
    int authFailuresPerUser = 5; // failed logins per username before the back-off starts
    int authFailuresPerAddress = 20; // failed logins/keys/tokens per address before back-off
    qint64 authBackoffMs = 1000; // first back-off; doubles with each further failure
    qint64 authBackoffMaxMs = 300'000; // longest back-off
    qint64 authFailureWindowMs = 900'000; // a throttle entry is forgotten this long after it
    int authThrottleEntries = 100'000; // usernames + addresses tracked at most
    qint64 accountCacheTtlMs = 30'000; // account state (disabled, role, revocation) kept cached
    int accountCacheEntries = 100'000; // users whose account state is cached at most
    // admission control and browser origins (see docs/SECURITY.md)
    int maxPendingConnections = 8192; // accepted but not (yet) a WebSocket: handshakes, plain HTTP
    int maxConnectionsPerAddress = 256; // open TCP connections per client address, of any kind
    int maxConnectionRatePerAddress = 100; // new connections per second per address (burst: same)
    int admissionIpv6Prefix = 64; // IPv6 clients are one address per prefix of this length
    // Networks free of the per-address limits (a local reverse proxy, the load tester).
    QList<QPair<QHostAddress, int>> admissionExempt {{QHostAddress(QStringLiteral("127.0.0.0")), 8},
                                                     {QHostAddress::LocalHostIPv6, 128}};
    // Browser origins allowed to open a WebSocket besides the server's own; "*" = any.
    QStringList allowedOrigins;
    // rate limits and bounded queues (docs/CONFIG.md "Rate limits"); a rate of 0 disables
    int connFrameRate = 2000; // frames a second per WebSocket connection (cost-weighted)
    int connFrameBurst = 4000;
    qint64 connByteRate = 1024 * 1024; // bytes a second per WebSocket connection
    qint64 connByteBurst = 4 * 1024 * 1024;
    int userFrameRate = 4000; // frames a second per user, all its connections together
    int userFrameBurst = 8000;
    int expensiveRequestCost = 100; // frames' worth of history, presence_query, room_list
    int rateLimitCloseAfter = 100; // refusals within 10 s before closing with 4029; 0 = never
    int rateLimitTableSize = 100000; // per-user and per-REST-principal buckets kept
    int restRate = 200; // REST requests a second per user or API key
    int restBurst = 400;
    int restAnonymousRate = 50; // REST requests a second per client address without credentials
    int restAnonymousBurst = 100;
    int maxPendingFrames = 64; // client frames held while a session activates (4029 above)
    qint64 maxPendingBytes = 256 * 1024;
    int storeMaxQueue = 20000; // store jobs and appends waiting; UNAVAILABLE above; 0 = no bound
    // access rules (IP allow/deny at accept time, docs/SECURITY.md "Access rules")
    int maxAccessRules = 10000; // stored rules at most; adding more answers LIMIT_REACHED

    // fault tolerance (issue 13, fault suite)
    qint64 databaseStatementTimeoutMs = 5000; // PostgreSQL: a statement longer fails; 0 = none

    // fan-out push-back and the replay's live holds (issue 13, overload)
    // A recipient is behind above this % of maxSendQueueBytes; 0 = no push-back.
    int roomPushbackPercent = 25;
    // ... or above this many frames waiting (small frames cost memory and latency beyond their
    // bytes); 0 = bytes only.
    int roomPushbackFrames = 250;
    int roomPushbackMembersPercent = 10; // % of a room's recipients behind before it pushes back
    int roomPublishRate = 0; // publishes a second per room (burst: one second's); 0 = no budget
    int maxReplayHeldFrames = 1000; // live frames held per connection while it replays
    qint64 maxReplayHeldBytes = 1024 * 1024; // ... and their bytes
    // A connection behind (above roomPushbackPercent of maxSendQueueBytes) for longer than
    // this is closed as a slow consumer (4029): a non-reader cannot hold a room's push-back.
    int slowConsumerGraceMs = 10000;
    // Bytes waiting that make a connection "behind" (push-back and the grace above); 0 = off.
    qint64 roomPushbackBytes() const { return maxSendQueueBytes * roomPushbackPercent / 100; }
    // ... or frames waiting (0 = not counted; also 0 while push-back is off).
    qint64 roomPushbackFrameMark() const
    {
        return roomPushbackPercent > 0 ? roomPushbackFrames : 0;
    }

    // Log-safe list of effective values (secrets redacted).
    QStringList describe() const;
};

// Builds a Config from its sources. Kept apart from Config so tests can feed every source.
class ConfigLoader
{
public:
    struct Sources
    {
        QString configFile; // INI; empty = none
        QMap<QString, QString> environment; // SWITCHBOARD_* variables
        QMap<QString, QString> commandLine; // key -> value from --key value options
    };

    // Returns false and fills *error (naming the key and its source) on an invalid value.
    static bool load(const Sources &sources, Config *config, QString *error);
    // The environment of this process, restricted to SWITCHBOARD_* variables.
    static QMap<QString, QString> processEnvironment();
    // Every key the loader knows, in documentation order.
    static QStringList keys();
};

} // namespace Switchboard
