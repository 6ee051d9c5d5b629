// SPDX-License-Identifier: MIT
#pragma once

#include "hub/failure.h"
#include "protocol/clientmessages.h"
#include "store/store.h"

#include <functional>
#include <optional>

#include <QJsonObject>
#include <QObject>
#include <QPointer>

namespace Switchboard {

class AsyncStore;
class KnownUsers;
class DeliveryBus;
class Hub;

// Who is sending: a user (over WebSocket or REST) or the server itself (API key, operators).
struct Sender
{
    qint64 userId = 0; // 0 = the server
    QString username;
    bool admin = false;
    quint64 connectionId = 0; // the sending WebSocket connection, 0 for REST
};

// What a persisted send produced, for the `ack` and the REST reply.
struct SendOutcome
{
    qint64 messageId = 0;
    QString stream; // the sender's stream (its inbox), or the recipient's when sent by the server
    qint64 seq = 0;
    qint64 createdAt = 0;
    bool duplicate = false;
};

using SendFailure = Failure;

// Kinds of persisted user-addressed messages; each maps to one event type on the wire.
enum class MessageKind { Direct, Notification, System };

// Persists user-addressed messages (stored before they are acknowledged), delivers them through
// the bus, and encodes every event once for all of its recipients.
class MessageService : public QObject
{
    Q_OBJECT

public:
    using Done = std::function<void(std::optional<SendOutcome>, std::optional<SendFailure>)>;

    MessageService(AsyncStore *store, DeliveryBus *bus, Hub *hub, QObject *parent = nullptr);

    // The one rule on a message's size, for every path that stores a message or sends one to
    // everyone (WebSocket, REST, seed aliases, operator broadcasts): its encoded body may
    // take max_message_bytes less ENVELOPE_BYTES, the room the event's own fields (type, ts,
    // ids, stream, seq) need. So every message the server sends fits the frame limit it
    // enforces itself, and a backlog always goes out in bounded frames. TOO_LARGE beyond.
    static constexpr qsizetype ENVELOPE_BYTES = 512;
    static std::optional<Failure> sizeFailure(qsizetype bodyBytes, qint64 maxMessageBytes);
    void setMaxMessageBytes(qint64 bytes) { m_maxMessageBytes = bytes; }
    qint64 maxMessageBytes() const { return m_maxMessageBytes; }
    // Messages to a user go only to known users (KnownUsers); with acceptUnknown an unknown
    // recipient's id is reserved by the message instead (accept_unknown_recipients).
    void setKnownUsers(KnownUsers *known, bool acceptUnknown)
    {
        m_knownUsers = known;
        m_acceptUnknownRecipients = acceptUnknown;
    }
    KnownUsers *knownUsers() const { return m_knownUsers; }

    // A direct message, notification or system message to one user; `done` runs once stored
    // (or with TOO_LARGE at once).
    void sendToUser(const Sender &sender, qint64 toUserId, MessageKind kind, QJsonObject body,
                    const QString &idempotencyKey, QObject *context, Done done);
    // Live events to every connected user (not stored); TOO_LARGE (nothing sent) over the
    // size rule.
    [[nodiscard]] std::optional<Failure> broadcast(const Sender &sender, const QString &content,
                                                   const QJsonObject &data);
    [[nodiscard]] std::optional<Failure> systemToAll(const QString &content,
                                                     const QJsonObject &data);
    [[nodiscard]] std::optional<Failure> notifyAll(const Sender &sender,
                                                   const Protocol::NotifyRequest &request);

    // Body of a stored direct message / notification built from client requests.
    static QJsonObject directBody(const Sender &sender, qint64 to, const QString &content,
                                  const QJsonObject &data);
    static QJsonObject notificationBody(const Sender &sender, qint64 to,
                                        const Protocol::NotifyRequest &request);
    // The wire event of a stored message (kind direct, notification, system or room), from
    // its stored body (a compact JSON object).
    static QByteArray encodeEvent(const QString &kind, const QByteArray &body, qint64 messageId,
                                  const QString &stream, qint64 seq, qint64 createdAt);
    // The wire event of a stored message, as read back from its stream.
    static QByteArray encodeStored(const StreamEntry &entry);
    // The same event as a JSON object (history pages, REST pulls); `ts` is the creation time.
    static QJsonObject storedEventObject(const StreamEntry &entry);

Q_SIGNALS:
    // A live event went to every connection (kind: broadcast, system or notification).
    void sentToAll(qint64 fromUserId, const QString &kind, int recipients);

private:
    void store(const Sender &sender, qint64 toUserId, bool copyToSender, NewMessage message,
               QPointer<QObject> guard, Done done);
    AsyncStore *m_store;
    DeliveryBus *m_bus;
    Hub *m_hub;
    qint64 m_maxMessageBytes = 64 * 1024; // Config::maxMessageBytes's default
    KnownUsers *m_knownUsers = nullptr;
    bool m_acceptUnknownRecipients = false;
};

} // namespace Switchboard
