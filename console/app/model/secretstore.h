// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace Switchboard::Console {

// Secrets in the system keyring through QtKeychain (the Secret Service or KWallet on Linux,
// the Keychain on macOS, the Credential Store on Windows), one entry per key under the
// console's service name. Each call waits for the keyring's answer in a local event loop: it
// answers at once, unless it asks the user to unlock it first.
class SecretStore
{
public:
    enum class Status { Ok, NotFound, Unavailable };

    explicit SecretStore(const QString &service = QStringLiteral("switchboard-console"));

    Status read(const QString &key, QString *secret) const;
    Status write(const QString &key, const QString &secret) const;
    Status remove(const QString &key) const;

private:
    QString m_service;
};

} // namespace Switchboard::Console
