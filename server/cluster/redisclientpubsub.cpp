// SPDX-License-Identifier: MIT
// RedisClient: subscriptions, kept across reconnections (redisclient.cpp has the connection).
#include "cluster/redisclient.h"

#include <vector>

#include <QPointer>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

namespace Switchboard {

namespace {

QByteArray bytes(const redisReply *r)
{
    return r->type == REDIS_REPLY_STRING ? QByteArray(r->str, r->len) : QByteArray();
}

bool kindIs(const redisReply *kind, const char *name, size_t length)
{
    return kind->type == REDIS_REPLY_STRING && size_t(kind->len) == length
        && qstrnicmp(kind->str, name, qsizetype(length)) == 0;
}

} // namespace

void RedisClient::subscribe(const QByteArray &channel)
{
    m_subscriber = true;
    if (m_channels.contains(channel))
        return;
    m_channels.insert(channel);
    sendSubscriptions("SUBSCRIBE", {channel});
}

void RedisClient::unsubscribe(const QByteArray &channel)
{
    if (!m_channels.remove(channel))
        return;
    m_awaitingChannels.remove(channel);
    sendSubscriptions("UNSUBSCRIBE", {channel});
    maybeRestored();
}

void RedisClient::psubscribe(const QByteArray &pattern)
{
    m_subscriber = true;
    if (m_patterns.contains(pattern))
        return;
    m_patterns.insert(pattern);
    sendSubscriptions("PSUBSCRIBE", {pattern});
}

void RedisClient::punsubscribe(const QByteArray &pattern)
{
    if (!m_patterns.remove(pattern))
        return;
    m_awaitingPatterns.remove(pattern);
    sendSubscriptions("PUNSUBSCRIBE", {pattern});
    maybeRestored();
}

// On the current connection, once its handshake is under way; before that, the sets are what
// startHandshake() sends.
void RedisClient::sendSubscriptions(const char *command, const QSet<QByteArray> &names)
{
    if (names.isEmpty() || !m_ac || (m_state != State::Handshaking && m_state != State::Connected))
        return;
    std::vector<const char *> argv {command};
    std::vector<size_t> lengths {qstrlen(command)};
    const bool channels = qstrcmp(command, "SUBSCRIBE") == 0;
    for (const QByteArray &name : names) {
        argv.push_back(name.constData());
        lengths.push_back(size_t(name.size()));
        if (channels)
            ++m_unconfirmed[name];
    }
    // hiredis keeps the callback per channel or pattern and hands it every message and
    // confirmation; an UNSUBSCRIBE while it has no subscription is refused (and needless).
    redisAsyncCommandArgv(m_ac, &RedisClient::onPubSub, nullptr, int(argv.size()), argv.data(),
                          lengths.data());
}

// Every push of a subscribed connection: [message, channel, payload],
// [pmessage, pattern, channel, payload], [subscribe|psubscribe, name, count], [(p)unsubscribe...].
void RedisClient::onPubSub(redisAsyncContext *ac, void *reply, void *)
{
    auto *self = static_cast<RedisClient *>(ac->data);
    const auto *r = static_cast<const redisReply *>(reply);
    // No reply: the context is being freed (the client reconnects and subscribes again).
    if (!self || !r || r->type != REDIS_REPLY_ARRAY || r->elements < 3)
        return;
    const redisReply *kind = r->element[0];
    if (kindIs(kind, "message", 7)) {
        const QByteArray channel = bytes(r->element[1]);
        // Not after unsubscribe(), even for a message Redis sent before it saw the UNSUBSCRIBE.
        if (self->m_channels.contains(channel))
            emit self->message(channel, bytes(r->element[2]));
    } else if (kindIs(kind, "pmessage", 8) && r->elements >= 4) {
        const QByteArray pattern = bytes(r->element[1]);
        if (self->m_patterns.contains(pattern))
            emit self->patternMessage(pattern, bytes(r->element[2]), bytes(r->element[3]));
    } else if (kindIs(kind, "subscribe", 9)) {
        const QByteArray channel = bytes(r->element[1]);
        // Only the last of several SUBSCRIBEs (dropped and subscribed again meanwhile) counts.
        if (const auto it = self->m_unconfirmed.find(channel); it != self->m_unconfirmed.end()) {
            if (--*it > 0)
                return;
            self->m_unconfirmed.erase(it);
        }
        self->confirmed(channel, false);
    } else if (kindIs(kind, "psubscribe", 10)) {
        self->confirmed(bytes(r->element[1]), true);
    }
}

void RedisClient::confirmed(const QByteArray &name, bool pattern)
{
    if (pattern ? !m_patterns.contains(name) : !m_channels.contains(name))
        return; // unsubscribed meanwhile
    (pattern ? m_awaitingPatterns : m_awaitingChannels).remove(name);
    QPointer<RedisClient> alive(this);
    emit subscribed(name);
    if (alive)
        maybeRestored();
}

void RedisClient::maybeRestored()
{
    if (!m_restoring || m_state != State::Connected || !m_awaitingChannels.isEmpty()
        || !m_awaitingPatterns.isEmpty())
        return;
    m_restoring = false;
    emit resubscribed();
}

} // namespace Switchboard
