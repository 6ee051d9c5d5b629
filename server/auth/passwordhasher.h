// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArrayView>
#include <QString>

namespace Switchboard {

// argon2id password hashes (libsodium's crypto_pwhash_str, interactive limits by default).
class PasswordHasher
{
public:
    // Returns the encoded hash ("$argon2id$v=19$..."); empty on failure (out of memory).
    static QString hash(QByteArrayView password);
    // Constant-time check of a password against an encoded hash; false for a malformed hash.
    static bool verify(const QString &encodedHash, QByteArrayView password);
};

} // namespace Switchboard
