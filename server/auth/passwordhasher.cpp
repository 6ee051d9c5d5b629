// SPDX-License-Identifier: MIT
#include "passwordhasher.h"

#include <sodium.h>

namespace Switchboard {

namespace {

bool sodiumReady()
{
    static const bool ready = sodium_init() >= 0;
    return ready;
}

} // namespace

QString PasswordHasher::hash(QByteArrayView password)
{
    if (!sodiumReady())
        return {};
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), quint64(password.size()),
                              crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13)
        != 0)
        return {};
    return QString::fromLatin1(out);
}

bool PasswordHasher::verify(const QString &encodedHash, QByteArrayView password)
{
    if (!sodiumReady() || encodedHash.isEmpty())
        return false;
    const QByteArray h = encodedHash.toLatin1();
    if (h.size() >= crypto_pwhash_STRBYTES)
        return false;
    return crypto_pwhash_str_verify(h.constData(), password.data(), quint64(password.size())) == 0;
}

} // namespace Switchboard
