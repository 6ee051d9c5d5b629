// SPDX-License-Identifier: MIT
#pragma once

#include "errorcode.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QJsonValue>
#include <QString>

// The operator feed's server frames (admin_snapshot, admin_event, admin_stats) as plain structs
// and builders, so the server encodes them in one place and the console reads the same names.
namespace Switchboard::Protocol::Admin {

constexpr int MIN_STATS_INTERVAL_MS = 250;
constexpr int MAX_STATS_INTERVAL_MS = 60000;
constexpr int DEFAULT_STATS_INTERVAL_MS = 1000;
constexpr int MAX_CLIENT_CHARS = 128; // `client` (?client= or User-Agent) is cut to this
// admin_subscribe `feed`: 1 (the default) sends one admin_event frame per event and the whole
// snapshot in one frame, as consoles before feed 2 read it; 2 batches events (admin_events)
// and pages the snapshot (admin_snapshot_page).
constexpr int FEED_SINGLE = 1;
constexpr int FEED_BATCHED = 2;

// One WebSocket connection as operators see it.
struct Connection
{
    quint64 connectionId = 0; // on the wire as a string, like `connected.connection_id`
    QString address; // peer "IP:port" ("[IPv6]:port")
    QString client; // ?client= or the User-Agent header
    qint64 connectedAt = 0; // ms since epoch
    qint64 rttMs = -1; // heartbeat round trip; -1 (null on the wire) until measured
    qint64 queueBytes = 0; // bytes waiting to be written on the socket

    QJsonObject toJson() const;
    static Connection fromJson(const QJsonObject &obj);
};

// The periodic admin_stats frame; rates are over the last interval.
struct Stats
{
    qint64 connections = 0;
    qint64 usersOnline = 0;
    qint64 rooms = 0;
    qint64 messagesStored = 0;
    double messagesPerSec = 0;
    double framesInPerSec = 0;
    double framesOutPerSec = 0;
    double connectsPerSec = 0;
    qint64 rssBytes = 0; // 0 when unknown

    QJsonObject toJson() const;
    static Stats fromJson(const QJsonObject &obj);
};

// admin_event {event, ...fields}.
QByteArray event(QLatin1StringView name, QJsonObject fields);
// admin_events {events: [...]}: each element is an admin_event frame from event(), in order.
QByteArray eventBatch(const QList<QByteArray> &events);
// admin_stats with the stats' fields.
QByteArray stats(const Stats &stats);
// admin_snapshot {server, totals, users, rooms}, with the request id when there was one. A
// paged snapshot (pages > 0) holds the first page of users and says how many pages there are.
QByteArray snapshot(const QJsonObject &server, const QJsonObject &totals, const QJsonArray &users,
                    const QJsonArray &rooms, const QJsonValue &id, int pages = 0);
// admin_snapshot_page {users, page, pages}: page 2 and on of a paged snapshot.
QByteArray snapshotPage(const QJsonArray &users, int page, int pages, const QJsonValue &id);

// Event field builders (docs/PROTOCOL.md, "Operator feed").
QJsonObject connectionClosed(qint64 userId, quint64 connectionId, int code, const QString &reason);
QJsonObject userStatus(qint64 userId, const QString &name, const QString &status,
                       const QJsonObject &statusData, qint64 lastSeen);
QJsonObject roomMember(const QString &roomId, qint64 userId, bool joined);
// target: all | room | user; kind: system | notification | broadcast.
QJsonObject broadcast(qint64 fromUserId, const QString &target, const QString &roomId,
                      qint64 userId, int recipients, const QString &kind);
QJsonObject errorSent(qint64 userId, quint64 connectionId, ErrorCode code);

} // namespace Switchboard::Protocol::Admin
