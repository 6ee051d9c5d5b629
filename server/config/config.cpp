// SPDX-License-Identifier: MIT
#include "config.h"

#include <functional>

#include <QFileInfo>
#include <QHash>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QSettings>
#include <QUrl>

namespace Switchboard {

namespace {

using Setter = std::function<bool(Config &, const QString &value, QString *expected)>;

struct Key
{
    const char *name;
    Setter set;
};

bool parseInt(const QString &v, qint64 min, qint64 max, qint64 *out)
{
    bool ok = false;
    const qint64 n = v.trimmed().toLongLong(&ok);
    if (!ok || n < min || n > max)
        return false;
    *out = n;
    return true;
}

// "54s", "500ms", "2m", "1h", "30d" or a plain number of seconds.
bool parseDurationMs(const QString &v, qint64 *out)
{
    static const QRegularExpression re(QStringLiteral("^\\s*(\\d+)\\s*(ms|s|m|h|d)?\\s*$"));
    const auto m = re.match(v);
    if (!m.hasMatch())
        return false;
    bool ok = false;
    const qint64 n = m.captured(1).toLongLong(&ok);
    if (!ok || n > 365LL * 24 * 3600 * 1000)
        return false;
    const QString unit = m.captured(2);
    qint64 factor = 1000;
    if (unit == QLatin1StringView("ms"))
        factor = 1;
    else if (unit == QLatin1StringView("m"))
        factor = 60'000;
    else if (unit == QLatin1StringView("h"))
        factor = 3'600'000;
    else if (unit == QLatin1StringView("d"))
        factor = 86'400'000;
    *out = n * factor;
    return true;
}

// "65536", "64KiB", "64K", "1MiB", "1M".
bool parseBytes(const QString &v, qint64 *out)
{
    static const QRegularExpression re(
        QStringLiteral("^\\s*(\\d+)\\s*(B|K|KB|KiB|M|MB|MiB|G|GB|GiB)?\\s*$"),
        QRegularExpression::CaseInsensitiveOption);
    const auto m = re.match(v);
    if (!m.hasMatch())
        return false;
    bool ok = false;
    const qint64 n = m.captured(1).toLongLong(&ok);
    if (!ok)
        return false;
    const QString unit = m.captured(2).toUpper();
    qint64 factor = 1;
    if (unit.startsWith(QLatin1Char('K')))
        factor = 1024;
    else if (unit.startsWith(QLatin1Char('M')))
        factor = 1024 * 1024;
    else if (unit.startsWith(QLatin1Char('G')))
        factor = 1024LL * 1024 * 1024;
    if (n > (qint64(1) << 40) / factor)
        return false;
    *out = n * factor;
    return true;
}

bool parseBool(const QString &v, bool *out)
{
    const QString s = v.trimmed().toLower();
    if (s == QLatin1StringView("1") || s == QLatin1StringView("true")
        || s == QLatin1StringView("yes") || s == QLatin1StringView("on")) {
        *out = true;
        return true;
    }
    if (s == QLatin1StringView("0") || s == QLatin1StringView("false")
        || s == QLatin1StringView("no") || s == QLatin1StringView("off")) {
        *out = false;
        return true;
    }
    return false;
}

template<typename T> Setter intKey(T Config::*field, qint64 min, qint64 max)
{
    return [=](Config &c, const QString &v, QString *expected) {
        qint64 n = 0;
        if (!parseInt(v, min, max, &n)) {
            *expected = QStringLiteral("an integer from %1 to %2").arg(min).arg(max);
            return false;
        }
        c.*field = static_cast<T>(n);
        return true;
    };
}

template<typename T>
Setter durationKey(T Config::*field, qint64 minMs, qint64 maxMs, bool seconds = false)
{
    return [=](Config &c, const QString &v, QString *expected) {
        qint64 ms = 0;
        if (!parseDurationMs(v, &ms) || ms < minMs || ms > maxMs) {
            *expected = QStringLiteral("a duration from %1 ms to %2 ms (e.g. 30s, 500ms, 2m)")
                            .arg(minMs)
                            .arg(maxMs);
            return false;
        }
        c.*field = static_cast<T>(seconds ? ms / 1000 : ms);
        return true;
    };
}

Setter bytesKey(qint64 Config::*field, qint64 min, qint64 max)
{
    return [=](Config &c, const QString &v, QString *expected) {
        qint64 n = 0;
        if (!parseBytes(v, &n) || n < min || n > max) {
            *expected = QStringLiteral("a size from %1 to %2 bytes (e.g. 65536, 64KiB, 1MiB)")
                            .arg(min)
                            .arg(max);
            return false;
        }
        c.*field = n;
        return true;
    };
}

Setter stringKey(QString Config::*field)
{
    return [=](Config &c, const QString &v, QString *) {
        c.*field = v;
        return true;
    };
}

Setter boolKey(bool Config::*field)
{
    return [=](Config &c, const QString &v, QString *expected) {
        if (!parseBool(v, &(c.*field))) {
            *expected = QStringLiteral("true or false");
            return false;
        }
        return true;
    };
}

Setter oneOf(QString Config::*field, QStringList allowed)
{
    return [=](Config &c, const QString &v, QString *expected) {
        const QString s = v.trimmed();
        if (!allowed.contains(s)) {
            *expected = QStringLiteral("one of %1").arg(allowed.join(QStringLiteral(", ")));
            return false;
        }
        c.*field = s;
        return true;
    };
}

bool roomIdOk(const QString &id)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9_-]{1,64}$"));
    return re.match(id).hasMatch();
}

bool setDefaultRooms(Config &c, const QString &v, QString *expected)
{
    *expected = QStringLiteral("a comma-separated list of room ids, each optionally followed by "
                               "':readonly' (e.g. general,announcements:readonly,support)");
    QStringList rooms;
    for (const QString &item : v.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString t = item.trimmed();
        const QString id = t.section(QLatin1Char(':'), 0, 0);
        const QString policy = t.section(QLatin1Char(':'), 1);
        if (!roomIdOk(id) || !(policy.isEmpty() || policy == QLatin1StringView("readonly")))
            return false;
        rooms << t;
    }
    c.defaultRooms = rooms;
    return true;
}

bool setConnectRoom(Config &c, const QString &v, QString *expected)
{
    *expected = QStringLiteral("a room id (1-64 characters of A-Z a-z 0-9 _ -) or empty");
    const QString t = v.trimmed();
    if (!t.isEmpty() && !roomIdOk(t))
        return false;
    c.connectRoom = t;
    return true;
}

bool setDefaultDialect(Config &c, const QString &v, QString *expected)
{
    *expected = QStringLiteral("one of canonical, 000, 001, 002, 003, 004");
    const auto dialect = Protocol::parseDialect(v.trimmed());
    if (!dialect)
        return false;
    c.defaultDialect = *dialect;
    return true;
}

bool setListen(Config &c, const QString &v, QString *expected)
{
    *expected = QStringLiteral("ADDRESS:PORT, e.g. 127.0.0.1:8000 or [::1]:8000");
    const QString s = v.trimmed();
    const int colon = s.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0)
        return false;
    QString host = s.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    bool ok = false;
    const uint port = s.mid(colon + 1).toUInt(&ok);
    if (!ok || port > 65535)
        return false;
    QHostAddress address;
    if (host == QLatin1StringView("localhost"))
        address = QHostAddress::LocalHost;
    else if (host == QLatin1StringView("*") || host == QLatin1StringView("0.0.0.0"))
        address = QHostAddress::AnyIPv4;
    else if (!address.setAddress(host))
        return false;
    c.listenAddress = address;
    c.listenPort = static_cast<quint16>(port);
    return true;
}

bool setAdmissionExempt(Config &c, const QString &v, QString *expected)
{
    *expected = QStringLiteral("a comma-separated list of networks (e.g. 127.0.0.0/8,::1/128, "
                               "10.0.0.0/8) or empty");
    QList<QPair<QHostAddress, int>> networks;
    for (const QString &item : v.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        QString t = item.trimmed();
        if (!t.contains(QLatin1Char('/')))
            t += t.contains(QLatin1Char(':')) ? QStringLiteral("/128") : QStringLiteral("/32");
        const auto network = QHostAddress::parseSubnet(t);
        if (network.first.isNull())
            return false;
        networks << network;
    }
    c.admissionExempt = networks;
    return true;
}

bool setAllowedOrigins(Config &c, const QString &v, QString *expected)
{
    *expected = QStringLiteral("a comma-separated list of origins: '*', scheme://host[:port], "
                               "or scheme://*.domain[:port] (e.g. https://chat.example.com, "
                               "https://*.example.com)");
    static const QRegularExpression re(QStringLiteral(
        "^(https?|wss?)://(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\\d{1,5})?$"));
    QStringList origins;
    for (const QString &item : v.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString t = item.trimmed();
        if (t != QLatin1StringView("*") && !re.match(t).hasMatch())
            return false;
        origins << t;
    }
    c.allowedOrigins = origins;
    return true;
}

const QList<Key> &keyTable()
{
    static const QList<Key> table = {
        {"listen", setListen},
        {"listen_backlog", intKey(&Config::listenBacklog, 1, 65535)},
        {"tls_cert_file", stringKey(&Config::tlsCertFile)},
        {"tls_key_file", stringKey(&Config::tlsKeyFile)},
        {"max_connections", intKey(&Config::maxConnections, 1, 1'000'000)},
        {"handshake_timeout", durationKey(&Config::handshakeTimeoutMs, 100, 600'000)},
        {"max_body_bytes", bytesKey(&Config::maxBodyBytes, 1024, 256LL * 1024 * 1024)},
        {"native_transport", boolKey(&Config::nativeTransport)},
        {"io_threads", intKey(&Config::ioThreads, 0, 64)},
        {"max_send_queue_bytes",
         bytesKey(&Config::maxSendQueueBytes, 64 * 1024, 1024LL * 1024 * 1024)},
        {"data_dir", stringKey(&Config::dataDir)},
        {"database_url", stringKey(&Config::databaseUrl)},
        {"redis_url", stringKey(&Config::redisUrl)},
        {"redis_prefix", stringKey(&Config::redisPrefix)},
        {"node_id", stringKey(&Config::nodeId)},
        {"jwt_algorithm",
         oneOf(&Config::jwtAlgorithm,
               {QStringLiteral("HS256"), QStringLiteral("RS256"), QStringLiteral("ES256")})},
        {"jwt_secret", stringKey(&Config::jwtSecret)},
        {"jwt_public_key_file", stringKey(&Config::jwtPublicKeyFile)},
        {"jwt_private_key_file", stringKey(&Config::jwtPrivateKeyFile)},
        {"token_ttl", durationKey(&Config::tokenTtlSeconds, 60'000, 366LL * 86400 * 1000, true)},
        {"token_leeway", durationKey(&Config::tokenLeewaySeconds, 0, 3'600'000, true)},
        {"api_key", stringKey(&Config::apiKey)},
        {"auth_timeout", durationKey(&Config::authTimeoutMs, 100, 600'000)},
        {"heartbeat_interval", durationKey(&Config::heartbeatIntervalMs, 100, 3'600'000)},
        {"heartbeat_timeout", durationKey(&Config::heartbeatTimeoutMs, 200, 7'200'000)},
        {"max_frame_bytes", bytesKey(&Config::maxFrameBytes, 128, 64LL * 1024 * 1024)},
        {"max_message_bytes", bytesKey(&Config::maxMessageBytes, 128, 64LL * 1024 * 1024)},
        {"max_content_chars", intKey(&Config::maxContentChars, 1, 16 * 1024 * 1024)},
        {"allow_user_broadcast", boolKey(&Config::allowUserBroadcast)},
        {"default_dialect", setDefaultDialect},
        {"announcements_per_second", intKey(&Config::announcementsPerSecond, 0, 100'000)},
        {"offline_batch", intKey(&Config::offlineBatch, 1, 100'000)},
        {"replay_limit", intKey(&Config::replayLimit, 0, 1'000'000)},
        {"typing_timeout", durationKey(&Config::typingTimeoutMs, 500, 600'000)},
        {"typing_interval", durationKey(&Config::typingIntervalMs, 0, 60'000)},
        {"default_rooms", setDefaultRooms},
        {"connect_room", setConnectRoom},
        {"max_rooms", intKey(&Config::maxRooms, 0, 1'000'000)},
        {"max_rooms_per_user", intKey(&Config::maxRoomsPerUser, 0, 100'000)},
        {"max_room_members", intKey(&Config::maxRoomMembers, 1, 10'000'000)},
        {"message_retention",
         durationKey(&Config::messageRetentionMs, 0, 100LL * 365 * 86'400'000)},
        {"max_stream_messages", intKey(&Config::maxStreamMessages, 0, 1'000'000'000)},
        {"purge_interval", durationKey(&Config::purgeIntervalMs, 100, 7 * 86'400'000)},
        {"log_level",
         oneOf(&Config::logLevel,
               {QStringLiteral("debug"), QStringLiteral("info"), QStringLiteral("warning"),
                QStringLiteral("critical")})},
        {"drain_timeout", durationKey(&Config::drainTimeoutMs, 0, 600'000)},
        // room limits and presence privacy (issue 12)
        {"max_rooms_created_per_user", intKey(&Config::maxRoomsCreatedPerUser, 0, 1'000'000)},
        {"public_online_list", boolKey(&Config::publicOnlineList)},
        {"accept_unknown_recipients", boolKey(&Config::acceptUnknownRecipients)},
        // authentication hardening (token policy, password pool, throttle, account cache)
        {"token_max_lifetime",
         durationKey(&Config::tokenMaxLifetimeSeconds, 60'000, 366LL * 86400 * 1000, true)},
        {"jwt_issuer", stringKey(&Config::jwtIssuer)},
        {"jwt_audience", stringKey(&Config::jwtAudience)},
        {"password_threads", intKey(&Config::passwordThreads, 1, 64)},
        {"password_queue", intKey(&Config::passwordQueue, 1, 100'000)},
        {"auth_failures_per_user", intKey(&Config::authFailuresPerUser, 1, 1'000'000)},
        {"auth_failures_per_address", intKey(&Config::authFailuresPerAddress, 1, 1'000'000)},
        {"auth_backoff", durationKey(&Config::authBackoffMs, 1, 3'600'000)},
        {"auth_backoff_max", durationKey(&Config::authBackoffMaxMs, 1, 86'400'000)},
        {"auth_failure_window", durationKey(&Config::authFailureWindowMs, 1000, 86'400'000)},
        {"auth_throttle_entries", intKey(&Config::authThrottleEntries, 16, 10'000'000)},
        {"account_cache_ttl", durationKey(&Config::accountCacheTtlMs, 0, 3'600'000)},
        {"account_cache_entries", intKey(&Config::accountCacheEntries, 16, 10'000'000)},
        // admission control and browser origins
        {"max_pending_connections", intKey(&Config::maxPendingConnections, 1, 1'000'000)},
        {"max_connections_per_address", intKey(&Config::maxConnectionsPerAddress, 1, 1'000'000)},
        {"max_connection_rate_per_address",
         intKey(&Config::maxConnectionRatePerAddress, 1, 1'000'000)},
        {"admission_ipv6_prefix", intKey(&Config::admissionIpv6Prefix, 16, 128)},
        {"admission_exempt", setAdmissionExempt},
        {"allowed_origins", setAllowedOrigins},
        // rate limits and bounded queues
        {"conn_frame_rate", intKey(&Config::connFrameRate, 0, 10'000'000)},
        {"conn_frame_burst", intKey(&Config::connFrameBurst, 1, 100'000'000)},
        {"conn_byte_rate", bytesKey(&Config::connByteRate, 0, 1024LL * 1024 * 1024)},
        {"conn_byte_burst", bytesKey(&Config::connByteBurst, 1024, 1024LL * 1024 * 1024)},
        {"user_frame_rate", intKey(&Config::userFrameRate, 0, 10'000'000)},
        {"user_frame_burst", intKey(&Config::userFrameBurst, 1, 100'000'000)},
        {"expensive_request_cost", intKey(&Config::expensiveRequestCost, 1, 1'000'000)},
        {"rate_limit_close_after", intKey(&Config::rateLimitCloseAfter, 0, 1'000'000)},
        {"rate_limit_table_size", intKey(&Config::rateLimitTableSize, 1, 10'000'000)},
        {"rest_rate", intKey(&Config::restRate, 0, 10'000'000)},
        {"rest_burst", intKey(&Config::restBurst, 1, 100'000'000)},
        {"rest_anonymous_rate", intKey(&Config::restAnonymousRate, 0, 10'000'000)},
        {"rest_anonymous_burst", intKey(&Config::restAnonymousBurst, 1, 100'000'000)},
        {"max_pending_frames", intKey(&Config::maxPendingFrames, 1, 1'000'000)},
        {"max_pending_bytes", bytesKey(&Config::maxPendingBytes, 1024, 1024LL * 1024 * 1024)},
        {"store_max_queue", intKey(&Config::storeMaxQueue, 0, 100'000'000)},
        // fault tolerance (issue 13, fault suite)
        {"database_statement_timeout",
         durationKey(&Config::databaseStatementTimeoutMs, 0, 3'600'000)},
        // access rules
        {"max_access_rules", intKey(&Config::maxAccessRules, 1, 1'000'000)},
        // fan-out push-back and the replay's live holds (issue 13, overload)
        {"room_pushback_percent", intKey(&Config::roomPushbackPercent, 0, 100)},
        {"room_pushback_frames", intKey(&Config::roomPushbackFrames, 0, 100'000'000)},
        {"room_pushback_members_percent", intKey(&Config::roomPushbackMembersPercent, 1, 100)},
        {"room_publish_rate", intKey(&Config::roomPublishRate, 0, 10'000'000)},
        {"max_replay_held_frames", intKey(&Config::maxReplayHeldFrames, 1, 10'000'000)},
        {"max_replay_held_bytes",
         bytesKey(&Config::maxReplayHeldBytes, 1024, 1024LL * 1024 * 1024)},
        {"slow_consumer_grace", durationKey(&Config::slowConsumerGraceMs, 0, 3'600'000)},
    };
    return table;
}

const Key *findKey(const QString &name)
{
    for (const Key &k : keyTable()) {
        if (name == QLatin1StringView(k.name))
            return &k;
    }
    return nullptr;
}

// Where each key was set last (the source that won), for errors that involve several keys.
using SourceMap = QHash<QString, QString>;

bool apply(Config &c, const QString &key, const QString &value, const QString &source,
           QString *error, SourceMap *sources)
{
    sources->insert(key, source);
    const Key *k = findKey(key);
    if (!k) {
        *error = QStringLiteral("unknown setting '%1' (from %2)").arg(key, source);
        return false;
    }
    QString expected;
    if (!k->set(c, value, &expected)) {
        *error = QStringLiteral("invalid value for '%1' (from %2): expected %3")
                     .arg(key, source, expected);
        return false;
    }
    return true;
}

// "'key' (from SOURCE)" for a key the operator set, "'key' (default)" for one left alone.
QString named(const SourceMap &sources, const QString &key)
{
    const QString source = sources.value(key);
    return source.isEmpty() ? QStringLiteral("'%1' (default)").arg(key)
                            : QStringLiteral("'%1' (from %2)").arg(key, source);
}

// An error about two keys names the one the operator set (the later source, when both were).
QString blame(const SourceMap &sources, const QString &first, const QString &second)
{
    if (sources.contains(second) && !sources.contains(first))
        return second;
    return first;
}

} // namespace

QStringList ConfigLoader::keys()
{
    QStringList names;
    for (const Key &k : keyTable())
        names << QLatin1StringView(k.name);
    return names;
}

QMap<QString, QString> ConfigLoader::processEnvironment()
{
    QMap<QString, QString> env;
    const QProcessEnvironment pe = QProcessEnvironment::systemEnvironment();
    for (const QString &name : pe.keys()) {
        if (name.startsWith(QLatin1StringView("SWITCHBOARD_")))
            env.insert(name, pe.value(name));
    }
    return env;
}

bool ConfigLoader::load(const Sources &sources, Config *config, QString *error)
{
    Config c;
    SourceMap from;
    if (!sources.configFile.isEmpty()) {
        const QFileInfo info(sources.configFile);
        if (!info.isFile() || !info.isReadable()) {
            *error = QStringLiteral("cannot read config file '%1'").arg(sources.configFile);
            return false;
        }
        QSettings ini(sources.configFile, QSettings::IniFormat);
        if (ini.status() != QSettings::NoError) {
            *error = QStringLiteral("config file '%1' is not a valid INI file")
                         .arg(sources.configFile);
            return false;
        }
        // Keys may sit at the top level or in a [switchboard] section.
        for (const QString &fullKey : ini.allKeys()) {
            QString key = fullKey;
            if (key.startsWith(QLatin1StringView("switchboard/")))
                key = key.mid(12);
            else if (key.startsWith(QLatin1StringView("General/")))
                key = key.mid(8);
            if (key.startsWith(QLatin1Char('#'))) {
                *error = QStringLiteral("config file %1: '%2' is read as a setting: comments "
                                        "start with ';' in this INI file, not '#'")
                             .arg(sources.configFile, key.trimmed());
                return false;
            }
            const QVariant v = ini.value(fullKey);
            const QString value = v.typeId() == QMetaType::QStringList
                ? v.toStringList().join(QLatin1Char(','))
                : v.toString();
            if (!apply(c, key, value, QStringLiteral("config file %1").arg(sources.configFile),
                       error, &from))
                return false;
        }
    }
    for (auto it = sources.environment.cbegin(); it != sources.environment.cend(); ++it) {
        if (!it.key().startsWith(QLatin1StringView("SWITCHBOARD_")))
            continue;
        const QString key = it.key().mid(12).toLower();
        if (key == QLatin1StringView("config") || !findKey(key))
            continue; // SWITCHBOARD_CONFIG and test-only variables are not settings
        if (!apply(c, key, it.value(), QStringLiteral("environment %1").arg(it.key()), error,
                   &from))
            return false;
    }
    for (auto it = sources.commandLine.cbegin(); it != sources.commandLine.cend(); ++it) {
        if (!apply(c, it.key(), it.value(),
                   QStringLiteral("command line --%1")
                       .arg(QString(it.key()).replace(QLatin1Char('_'), QLatin1Char('-'))),
                   error, &from))
            return false;
    }
    // Errors between keys name the key and source the operator set, not a default.
    const QString interval = QStringLiteral("heartbeat_interval");
    const QString timeout = QStringLiteral("heartbeat_timeout");
    if (c.heartbeatTimeoutMs <= c.heartbeatIntervalMs) {
        if (blame(from, timeout, interval) == interval)
            *error = QStringLiteral("invalid value for %1: must be shorter than %2, %3 ms")
                         .arg(named(from, interval), named(from, timeout))
                         .arg(c.heartbeatTimeoutMs);
        else
            *error = QStringLiteral("invalid value for %1: must be longer than %2, %3 ms")
                         .arg(named(from, timeout), named(from, interval))
                         .arg(c.heartbeatIntervalMs);
        return false;
    }
    if (c.tlsCertFile.isEmpty() != c.tlsKeyFile.isEmpty()) {
        const QString set = c.tlsCertFile.isEmpty() ? QStringLiteral("tls_key_file")
                                                    : QStringLiteral("tls_cert_file");
        const QString missing = c.tlsCertFile.isEmpty() ? QStringLiteral("tls_cert_file")
                                                        : QStringLiteral("tls_key_file");
        *error = QStringLiteral("invalid value for %1: needs '%2' too (set both or neither)")
                     .arg(named(from, set), missing);
        return false;
    }
    if (c.maxFrameBytes > c.maxMessageBytes) {
        const QString frame = QStringLiteral("max_frame_bytes");
        const QString message = QStringLiteral("max_message_bytes");
        if (blame(from, frame, message) == message)
            *error = QStringLiteral("invalid value for %1: must be at least %2, %3")
                         .arg(named(from, message), named(from, frame))
                         .arg(c.maxFrameBytes);
        else
            *error = QStringLiteral("invalid value for %1: must not exceed %2, %3")
                         .arg(named(from, frame), named(from, message))
                         .arg(c.maxMessageBytes);
        return false;
    }
    // authentication hardening
    if (c.tokenTtlSeconds > c.tokenMaxLifetimeSeconds) {
        *error = QStringLiteral("invalid value for 'token_ttl': must not exceed "
                                "token_max_lifetime (%1 s)")
                     .arg(c.tokenMaxLifetimeSeconds);
        return false;
    }
    if (!c.apiKey.isEmpty() && c.apiKey.size() < MIN_API_KEY_CHARS) {
        *error = QStringLiteral("invalid value for 'api_key': must be at least %1 characters "
                                "(generate one with: openssl rand -hex 32)")
                     .arg(MIN_API_KEY_CHARS);
        return false;
    }
    if (c.authBackoffMaxMs < c.authBackoffMs) {
        *error = QStringLiteral("invalid value for 'auth_backoff_max': must not be shorter than "
                                "auth_backoff (%1 ms)")
                     .arg(c.authBackoffMs);
        return false;
    }
    if (c.dataDir.trimmed().isEmpty()) {
        *error = QStringLiteral("invalid value for %1: must not be empty")
                     .arg(named(from, QStringLiteral("data_dir")));
        return false;
    }
    if (!c.databaseUrl.isEmpty()) {
        // The schemes the store opens (server/store/storefactory.cpp); checked here too so that
        // a wrong one is a configuration error (exit 2) before anything is created.
        const QUrl url(c.databaseUrl, QUrl::StrictMode);
        const QString scheme = url.scheme();
        const bool known = scheme == QLatin1StringView("postgres")
            || scheme == QLatin1StringView("postgresql")
            || (scheme == QLatin1StringView("sqlite") && !url.path().isEmpty());
        if (!url.isValid() || !known) {
            *error = QStringLiteral("invalid value for %1: expected postgres://user:password@"
                                    "host:port/db or sqlite:///path/to/file.db (empty = SQLite "
                                    "in data_dir), not a '%2' URL")
                         .arg(named(from, QStringLiteral("database_url")),
                              scheme.isEmpty() ? QStringLiteral("scheme-less") : scheme);
            return false;
        }
    }
    if (!c.redisUrl.isEmpty()) {
        // The URL itself is parsed when the bus starts (cluster/redisendpoint.h); its form and
        // what it needs are configuration errors.
        if (!c.redisUrl.startsWith(QLatin1StringView("redis://"))
            && !c.redisUrl.startsWith(QLatin1StringView("unix://"))) {
            *error = QStringLiteral("invalid value for %1: expected redis://[:password@]host:port"
                                    "[/db] or unix:///path/to/redis.sock")
                         .arg(named(from, QStringLiteral("redis_url")));
            return false;
        }
        // That several nodes need PostgreSQL is checked at start (Application::start), for
        // every way a configuration is made.
    }
    static const QRegularExpression prefixForm(QStringLiteral("^[A-Za-z0-9_.-]{1,64}$"));
    if (!prefixForm.match(c.redisPrefix).hasMatch()) {
        *error = QStringLiteral("invalid value for %1: 1 to 64 of A-Z a-z 0-9 _ . -")
                     .arg(named(from, QStringLiteral("redis_prefix")));
        return false;
    }
    if (c.nodeId.toUtf8().size() > 255) {
        *error = QStringLiteral("invalid value for %1: at most 255 bytes")
                     .arg(named(from, QStringLiteral("node_id")));
        return false;
    }
    *config = c;
    return true;
}

QStringList Config::describe() const
{
    auto secret = [](const QString &s) {
        return s.isEmpty() ? QStringLiteral("(unset)") : QStringLiteral("(set, redacted)");
    };
    QString db = databaseUrl;
    static const QRegularExpression password(QStringLiteral("(://[^:/@]*:)[^@]*@"));
    db.replace(password, QStringLiteral("\\1***@"));
    QString redis = redisUrl;
    redis.replace(password, QStringLiteral("\\1***@"));
    return {
        QStringLiteral("listen=%1:%2").arg(listenAddress.toString()).arg(listenPort),
        QStringLiteral("tls=%1").arg(tlsCertFile.isEmpty() ? QStringLiteral("off")
                                                           : QStringLiteral("on")),
        QStringLiteral("data_dir=%1").arg(dataDir),
        QStringLiteral("database_url=%1").arg(db.isEmpty() ? QStringLiteral("(sqlite)") : db),
        QStringLiteral("redis_url=%1").arg(redis.isEmpty() ? QStringLiteral("(one node)") : redis),
        QStringLiteral("jwt_algorithm=%1").arg(jwtAlgorithm),
        QStringLiteral("jwt_secret=%1").arg(secret(jwtSecret)),
        QStringLiteral("api_key=%1").arg(secret(apiKey)),
        QStringLiteral("max_connections=%1").arg(maxConnections),
        QStringLiteral("transport=%1 io_threads=%2")
            .arg(nativeTransport && tlsCertFile.isEmpty() ? QStringLiteral("native")
                                                          : QStringLiteral("qt"))
            .arg(ioThreads),
        QStringLiteral("heartbeat_interval=%1ms heartbeat_timeout=%2ms")
            .arg(heartbeatIntervalMs)
            .arg(heartbeatTimeoutMs),
        QStringLiteral("max_frame_bytes=%1 max_message_bytes=%2")
            .arg(maxFrameBytes)
            .arg(maxMessageBytes),
        QStringLiteral("default_dialect=%1 announcements_per_second=%2")
            .arg(Protocol::dialectName(defaultDialect))
            .arg(announcementsPerSecond),
    };
}

} // namespace Switchboard
