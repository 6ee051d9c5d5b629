// SPDX-License-Identifier: MIT
#include "cluster/redisclient.h"

#include "cluster/redisevents_p.h"

#include <algorithm>
#include <vector>

#include <QHostAddress>
#include <QHostInfo>
#include <QLoggingCategory>
#include <QPointer>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

Q_LOGGING_CATEGORY(lcRedis, "switchboard.redis")

namespace Switchboard {

namespace {

RedisReply convert(const redisReply *r)
{
    RedisReply out;
    switch (r->type) {
    case REDIS_REPLY_STRING:
        out.type = RedisReply::Type::String;
        out.string = QByteArray(r->str, r->len);
        break;
    case REDIS_REPLY_STATUS:
        out.type = RedisReply::Type::Status;
        out.string = QByteArray(r->str, r->len);
        break;
    case REDIS_REPLY_ERROR:
        out.type = RedisReply::Type::Error;
        out.string = QByteArray(r->str, r->len);
        break;
    case REDIS_REPLY_INTEGER:
        out.type = RedisReply::Type::Integer;
        out.integer = r->integer;
        break;
    case REDIS_REPLY_ARRAY:
        out.type = RedisReply::Type::Array;
        out.elements.reserve(qsizetype(r->elements));
        for (size_t i = 0; i < r->elements; ++i)
            out.elements.append(convert(r->element[i]));
        break;
    default: // REDIS_REPLY_NIL
        break;
    }
    return out;
}

// hiredis's own text for why a context failed (ac->errstr is only set once it disconnects).
QString contextError(const redisAsyncContext *ac, const char *otherwise)
{
    return QString::fromUtf8(ac->c.err ? ac->c.errstr : otherwise);
}

bool isSubscriptionCommand(const QByteArray &name)
{
    static const QByteArrayList names
        = {"subscribe", "unsubscribe", "psubscribe", "punsubscribe", "monitor", "ssubscribe"};
    return names.contains(name.toLower());
}

} // namespace

RedisClient::RedisClient(const RedisEndpoint &endpoint, QObject *parent)
    : QObject(parent)
    , m_endpoint(endpoint)
{
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &RedisClient::attempt);
    m_connectTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        abort(QStringLiteral("no connection within %1 ms").arg(m_connectTimeout.count()));
    });
}

RedisClient::~RedisClient()
{
    if (m_ac) {
        // Detached first: the callbacks hiredis still runs while it frees the context (pending
        // replies with NULL, the disconnect callback) find no client and do nothing.
        m_ac->data = nullptr;
        redisAsyncFree(m_ac);
        m_ac = nullptr;
    }
}

void RedisClient::setReconnectDelays(std::chrono::milliseconds initial,
                                     std::chrono::milliseconds max)
{
    m_initialDelay = std::max(initial, std::chrono::milliseconds(1));
    m_maxDelay = std::max(max, m_initialDelay);
    m_delay = m_initialDelay;
}

void RedisClient::setConnectTimeout(std::chrono::milliseconds timeout)
{
    m_connectTimeout = std::max(timeout, std::chrono::milliseconds(1));
}

void RedisClient::connectToServer()
{
    m_wanted = true;
    if (m_state == State::Idle && !m_retryTimer.isActive())
        attempt();
}

void RedisClient::disconnectFromServer()
{
    m_wanted = false;
    m_retryTimer.stop();
    if (m_state != State::Idle)
        abort(QStringLiteral("disconnected by the client"));
}

void RedisClient::attempt()
{
    if (!m_wanted || m_state != State::Idle)
        return;
    ++m_generation;
    m_connectTimer.start(m_connectTimeout);
    if (m_endpoint.isUnixSocket() || !QHostAddress(m_endpoint.host).isNull()) {
        open(m_endpoint.host);
        return;
    }
    // hiredis would resolve the name with a blocking getaddrinfo(): QHostInfo does it on its own
    // threads, and hiredis gets an address.
    m_state = State::Resolving;
    QHostInfo::lookupHost(
        m_endpoint.host, this, [this, generation = m_generation](const QHostInfo &info) {
            if (generation != m_generation || m_state != State::Resolving)
                return;
            if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
                abort(QStringLiteral("cannot resolve %1: %2")
                          .arg(m_endpoint.host, info.errorString()));
                return;
            }
            m_state = State::Idle;
            open(info.addresses().constFirst().toString());
        });
}

void RedisClient::open(const QString &address)
{
    redisAsyncContext *ac = m_endpoint.isUnixSocket()
        ? redisAsyncConnectUnix(m_endpoint.socketPath.toLocal8Bit().constData())
        : redisAsyncConnect(address.toLatin1().constData(), m_endpoint.port);
    if (!ac) {
        lose(QStringLiteral("out of memory"));
        return;
    }
    if (ac->err) { // refused at once (a missing socket file, say): nothing is attached yet
        const QString why = contextError(ac, "connection failed");
        redisAsyncFree(ac);
        lose(why);
        return;
    }
    if (!m_endpoint.isUnixSocket())
        redisEnableKeepAlive(&ac->c); // notices a peer that vanished without a FIN
    ac->data = this;
    RedisEvents::attach(ac);
    m_ac = ac;
    m_state = State::Connecting;
    redisAsyncSetDisconnectCallback(ac, &RedisClient::onDisconnect);
    redisAsyncSetConnectCallback(ac, &RedisClient::onConnect);
}

// Called by hiredis outside of its callback guard: with an error, it frees the context as soon as
// this returns. Nothing here runs code of the client's users.
void RedisClient::onConnect(const redisAsyncContext *ac, int status)
{
    auto *self = static_cast<RedisClient *>(ac->data);
    if (!self)
        return;
    if (status != REDIS_OK) {
        self->m_ac = nullptr;
        const_cast<redisAsyncContext *>(ac)->data = nullptr;
        self->lose(contextError(ac, "connection failed"));
        return;
    }
    self->startHandshake();
}

// The last thing hiredis does with a context that had connected, before it frees the memory.
void RedisClient::onDisconnect(const redisAsyncContext *ac, int status)
{
    auto *self = static_cast<RedisClient *>(ac->data);
    if (!self)
        return;
    self->m_ac = nullptr;
    const_cast<redisAsyncContext *>(ac)->data = nullptr;
    self->lose(status == REDIS_OK ? QStringLiteral("connection closed")
                                  : contextError(ac, "connection lost"));
}

void RedisClient::startHandshake()
{
    m_state = State::Handshaking;
    const quint64 generation = m_generation;
    // Each step's error ends the attempt; the next connection starts over.
    const auto step = [this, generation](const char *what, bool last) {
        return [this, generation, what, last](const RedisReply &reply) {
            if (generation != m_generation || m_state != State::Handshaking)
                return; // a failure handed back after this attempt was over
            if (reply.isError())
                abort(QStringLiteral("%1 failed: %2").arg(what, QString::fromUtf8(reply.string)));
            else if (last)
                handshakeDone();
        };
    };
    if (!m_endpoint.password.isEmpty()) {
        QList<QByteArray> auth {QByteArrayLiteral("AUTH")};
        if (!m_endpoint.username.isEmpty())
            auth << m_endpoint.username;
        send(auth << m_endpoint.password, step("AUTH", false));
    }
    if (m_endpoint.database != 0)
        send({QByteArrayLiteral("SELECT"), QByteArray::number(m_endpoint.database)},
             step("SELECT", false));
    send({QByteArrayLiteral("PING")}, step("PING", true));
    // Pipelined behind the handshake: Redis answers in order, so the subscriptions are confirmed
    // after connected() is emitted.
    m_awaitingChannels = m_channels;
    m_awaitingPatterns = m_patterns;
    m_restoring = !m_channels.isEmpty() || !m_patterns.isEmpty();
    sendSubscriptions("SUBSCRIBE", m_channels);
    sendSubscriptions("PSUBSCRIBE", m_patterns);
}

void RedisClient::handshakeDone()
{
    m_state = State::Connected;
    m_connectTimer.stop();
    m_delay = m_initialDelay;
    qCInfo(lcRedis) << "connected to" << m_endpoint.toDisplayString();
    QPointer<RedisClient> alive(this);
    emit connected();
    if (alive)
        maybeRestored();
}

void RedisClient::abort(const QString &reason)
{
    if (redisAsyncContext *ac = m_ac) {
        m_ac = nullptr;
        // Detached: hiredis's callbacks for this context are no-ops from here on, and lose()
        // fails what was in flight. From inside a hiredis callback the free is deferred until it
        // returns.
        ac->data = nullptr;
        redisAsyncFree(ac);
    }
    lose(reason);
}

// The connection is gone (m_ac is null): fail what was in flight, plan the next attempt, tell.
void RedisClient::lose(const QString &reason)
{
    const bool wasConnected = m_state == State::Connected;
    m_state = State::Idle;
    ++m_generation; // a pending host lookup or handshake step of this attempt is void
    m_connectTimer.stop();
    m_restoring = false;
    m_awaitingChannels.clear();
    m_awaitingPatterns.clear();
    m_unconfirmed.clear();
    if (!m_wanted) // disconnectFromServer()
        qCInfo(lcRedis).noquote() << m_endpoint.toDisplayString() << "closed:" << reason;
    else if (wasConnected || reason != m_lastError)
        qCWarning(lcRedis).noquote()
            << m_endpoint.toDisplayString() << (wasConnected ? "lost:" : "unreachable:") << reason;
    else
        qCDebug(lcRedis).noquote()
            << m_endpoint.toDisplayString() << "still unreachable:" << reason;
    m_lastError = reason;
    if (!m_inFlight.empty()) {
        std::deque<InFlight> failed;
        failed.swap(m_inFlight);
        const QByteArray message = "connection lost: " + reason.toUtf8();
        QMetaObject::invokeMethod(
            this,
            [failed = std::move(failed), message] {
                for (const InFlight &command : failed) {
                    if (command.done)
                        command.done(RedisReply::error(message));
                }
            },
            Qt::QueuedConnection);
    }
    retryLater();
    if (wasConnected)
        emit disconnected(reason);
}

void RedisClient::retryLater()
{
    if (!m_wanted)
        return;
    m_retryTimer.start(m_delay);
    m_delay = std::min(m_delay * 2, m_maxDelay);
}

void RedisClient::command(const QList<QByteArray> &args, Completion done)
{
    if (args.isEmpty())
        return failLater(std::move(done), "empty command");
    if (m_subscriber)
        return failLater(std::move(done),
                         "subscriber client: send commands through another "
                         "RedisClient");
    if (isSubscriptionCommand(args.constFirst()))
        return failLater(std::move(done), "use RedisClient::subscribe() and the like");
    if (m_state != State::Connected)
        return failLater(std::move(done), "not connected to Redis");
    if (qsizetype(m_inFlight.size()) >= MAX_IN_FLIGHT)
        return failLater(std::move(done), "too many Redis commands in flight");
    if (!send(args, done))
        failLater(std::move(done), "the Redis connection is closing");
}

bool RedisClient::send(const QList<QByteArray> &args, Completion done)
{
    std::vector<const char *> argv;
    std::vector<size_t> lengths;
    argv.reserve(size_t(args.size()));
    lengths.reserve(size_t(args.size()));
    for (const QByteArray &arg : args) {
        argv.push_back(arg.constData());
        lengths.push_back(size_t(arg.size()));
    }
    const quint64 id = m_nextId++;
    if (redisAsyncCommandArgv(m_ac, &RedisClient::onReply, reinterpret_cast<void *>(quintptr(id)),
                              int(argv.size()), argv.data(), lengths.data())
        != REDIS_OK)
        return false;
    m_inFlight.push_back({id, std::move(done)});
    return true;
}

void RedisClient::failLater(Completion done, const QByteArray &message)
{
    if (!done)
        return;
    QMetaObject::invokeMethod(
        this, [done = std::move(done), message] { done(RedisReply::error(message)); },
        Qt::QueuedConnection);
}

void RedisClient::onReply(redisAsyncContext *ac, void *reply, void *privdata)
{
    auto *self = static_cast<RedisClient *>(ac->data);
    // No reply: the context is being freed; lose() fails what was in flight.
    if (!self || !reply)
        return;
    // Replies come in the order of the commands. The id check guards against a callback hiredis
    // would run for a reply that is not this command's.
    const quint64 id = quintptr(privdata);
    if (self->m_inFlight.empty() || self->m_inFlight.front().id != id) {
        qCWarning(lcRedis) << "reply without its command ignored";
        return;
    }
    const Completion done = std::move(self->m_inFlight.front().done);
    self->m_inFlight.pop_front();
    if (done)
        done(convert(static_cast<const redisReply *>(reply)));
}

} // namespace Switchboard
