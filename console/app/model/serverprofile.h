// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QUrl>

namespace Switchboard::Console {

// One saved server the operator connects to: where it is and how to authenticate. Secrets
// (password, API key) are kept in memory; ProfileStore writes them only when rememberSecret.
struct ServerProfile
{
    enum class AuthMode { Password, ApiKey };

    QString name;
    QUrl url; // ws://host:port/ws
    AuthMode mode = AuthMode::Password;
    QString username; // Password mode: the admin account; ApiKey mode: the admin to act as
    QString password;
    QString apiKey;
    bool rememberSecret = false;

    bool isValid(QString *why) const;
    // The secret of the chosen mode (password or API key).
    QString secret() const { return mode == AuthMode::ApiKey ? apiKey : password; }
    // http(s)://host:port of the WebSocket URL, for REST calls.
    QUrl httpBase() const;
};

} // namespace Switchboard::Console
