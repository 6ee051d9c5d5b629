// SPDX-License-Identifier: MIT
#pragma once

#include "cluster/redisendpoint.h"
#include "cluster/redisreply.h"

#include <chrono>
#include <deque>
#include <functional>

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>
#include <QTimer>

struct redisAsyncContext;

namespace Switchboard {

// One asynchronous connection to Redis on the event loop of the thread that owns it (hiredis,
// non-blocking; host names resolved with QHostInfo). Owns the connection, reconnects with backoff
// when it is lost, and either runs commands or holds subscriptions: a node uses one client for
// commands and PUBLISH and another for SUBSCRIBE, because a subscribed Redis connection accepts
// nothing else.
//
// Commands. command() never queues for later: while the client is not connected (see
// isConnected()), and beyond MAX_IN_FLIGHT commands awaiting their reply, the completion gets an
// error reply at once. Completions always run later from the event loop, never inside command().
// When the connection is lost, every command in flight completes with an error (it may or may not
// have been executed). The replies of the commands that reached Redis arrive in order. A command on
// a client that has subscribed fails
// ("subscriber client"), as do SUBSCRIBE and the like through command().
//
// Subscriptions. The client remembers its channels and patterns, subscribes to them whenever it
// (re)connects and then emits resubscribed(): messages published while they were not active
// (during an outage, or before the first connection) were missed. A message for a channel is
// delivered only while the channel is in the set: unsubscribe() stops delivery at once.
//
// Lifetime. Destroying the client closes the connection; pending completions are then dropped
// without being called. Do not delete the client from one of its own signals or completions:
// use deleteLater().
class RedisClient : public QObject
{
    Q_OBJECT

public:
    using Completion = std::function<void(const RedisReply &)>;

    // Commands awaiting their reply, at most: beyond it command() fails at once. Keeps a client
    // that Redis cannot keep up with (or a stalled connection) from buffering without bound;
    // 65,536 PUBLISHes of a few hundred bytes are a few tens of MB.
    static constexpr qsizetype MAX_IN_FLIGHT = 65536;
    static constexpr std::chrono::milliseconds DEFAULT_INITIAL_RECONNECT_DELAY {100};
    static constexpr std::chrono::milliseconds DEFAULT_MAX_RECONNECT_DELAY {2000};
    // From the start of an attempt to the end of the handshake (AUTH, SELECT, PING).
    static constexpr std::chrono::milliseconds DEFAULT_CONNECT_TIMEOUT {5000};

    explicit RedisClient(const RedisEndpoint &endpoint, QObject *parent = nullptr);
    ~RedisClient() override;
    RedisClient(const RedisClient &) = delete;
    RedisClient &operator=(const RedisClient &) = delete;

    const RedisEndpoint &endpoint() const { return m_endpoint; }
    // After a failed attempt or a lost connection the next attempt waits `initial`, doubling up
    // to `max`; a successful handshake starts again from `initial`.
    void setReconnectDelays(std::chrono::milliseconds initial, std::chrono::milliseconds max);
    void setConnectTimeout(std::chrono::milliseconds timeout);

    // Starts connecting (returns at once) and keeps the client connected until
    // disconnectFromServer() or destruction.
    void connectToServer();
    // Closes the connection and stops reconnecting; commands in flight fail.
    void disconnectFromServer();
    // Connected and the handshake done: commands are accepted.
    bool isConnected() const { return m_state == State::Connected; }
    // Why the last attempt failed or the last connection was lost (empty if none).
    QString lastError() const { return m_lastError; }
    qsizetype commandsInFlight() const { return qsizetype(m_inFlight.size()); }

    // Sends one command, arguments binary-safe (e.g. {"SET", key, value}); `done` (optional)
    // receives the reply or an error, see above.
    void command(const QList<QByteArray> &args, Completion done = {});
    void publish(const QByteArray &channel, const QByteArray &payload, Completion done = {})
    {
        command({QByteArrayLiteral("PUBLISH"), channel, payload}, std::move(done));
    }

    // Subscriptions are kept across reconnections; a client that subscribed once stays a
    // subscriber client (command() fails on it).
    void subscribe(const QByteArray &channel);
    void unsubscribe(const QByteArray &channel);
    void psubscribe(const QByteArray &pattern);
    void punsubscribe(const QByteArray &pattern);
    QSet<QByteArray> channels() const { return m_channels; }
    // Redis confirmed the channel's latest SUBSCRIBE on this connection: it hears every
    // message published from here on (until unsubscribe() or a lost connection).
    bool isSubscribed(const QByteArray &channel) const
    {
        return m_state == State::Connected && m_channels.contains(channel)
            && !m_unconfirmed.contains(channel);
    }
    QSet<QByteArray> patterns() const { return m_patterns; }

signals:
    // The handshake is done (after each successful (re)connection).
    void connected();
    // A connection that was connected() is lost (or closed by disconnectFromServer()); failed
    // attempts in between do not emit it (see lastError()).
    void disconnected(const QString &reason);
    // Redis confirmed a subscription to a channel or pattern on the current connection (a
    // channel subscribed, dropped and subscribed again: once the last SUBSCRIBE is).
    void subscribed(const QByteArray &channelOrPattern);
    // Every remembered channel and pattern is subscribed again on a new connection.
    void resubscribed();
    void message(const QByteArray &channel, const QByteArray &payload);
    void patternMessage(const QByteArray &pattern, const QByteArray &channel,
                        const QByteArray &payload);

private:
    enum class State { Idle, Resolving, Connecting, Handshaking, Connected };
    struct InFlight
    {
        quint64 id;
        Completion done;
    };

    // hiredis callbacks (C function pointers); ac->data is the client, or null once detached.
    static void onConnect(const redisAsyncContext *ac, int status);
    static void onDisconnect(const redisAsyncContext *ac, int status);
    static void onReply(redisAsyncContext *ac, void *reply, void *privdata);
    static void onPubSub(redisAsyncContext *ac, void *reply, void *privdata);

    void attempt();
    void open(const QString &address);
    void startHandshake();
    void handshakeDone();
    void lose(const QString &reason);
    void abort(const QString &reason);
    void retryLater();
    bool send(const QList<QByteArray> &args, Completion done);
    void sendSubscriptions(const char *command, const QSet<QByteArray> &names);
    void failLater(Completion done, const QByteArray &message);
    void confirmed(const QByteArray &name, bool pattern);
    void maybeRestored();

    RedisEndpoint m_endpoint;
    redisAsyncContext *m_ac = nullptr;
    State m_state = State::Idle;
    bool m_wanted = false;
    bool m_subscriber = false;
    QString m_lastError;
    std::chrono::milliseconds m_initialDelay = DEFAULT_INITIAL_RECONNECT_DELAY;
    std::chrono::milliseconds m_maxDelay = DEFAULT_MAX_RECONNECT_DELAY;
    std::chrono::milliseconds m_delay = DEFAULT_INITIAL_RECONNECT_DELAY;
    QTimer m_retryTimer;
    QTimer m_connectTimer;
    std::chrono::milliseconds m_connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    quint64 m_nextId = 1; // of a command, the privdata hiredis hands back with its reply
    quint64 m_generation = 0; // of a connection attempt: late results of older ones are ignored
    std::deque<InFlight> m_inFlight;
    QSet<QByteArray> m_channels;
    QSet<QByteArray> m_patterns;
    // Names sent with the subscriptions of a new connection and not yet confirmed.
    QSet<QByteArray> m_awaitingChannels;
    // SUBSCRIBEs sent on this connection and not confirmed yet, per channel.
    QHash<QByteArray, int> m_unconfirmed;
    QSet<QByteArray> m_awaitingPatterns;
    bool m_restoring = false;
};

} // namespace Switchboard
