// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QUrl>

namespace Switchboard::Client {

// How a Connection reaches its server and authenticates. Plain data, copied into Connection.
struct ConnectionOptions
{
    QUrl url; // ws:// or wss:// ending in /ws (or an alias path)
    QString username; // with password: log in over REST (POST /api/v1/users/login, same host)
    QString password;
    QString token; // or a ready JWT
    QString apiKey; // for REST calls that accept the API key
    QString roomOnConnect; // optional ?room_id=
    QString clientName; // optional, sent as ?client=<name> (shown to operators)
    bool autoReconnect = true; // exponential backoff 0.5 s .. 30 s with jitter
    int autoPingMs = 0; // 0 = off; application `ping` every N ms
    int connectTimeoutMs = 15000; // upgrade + welcome; then it counts as a failed attempt
};

} // namespace Switchboard::Client
