// SPDX-License-Identifier: MIT
#include "secretfile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <sodium.h>

namespace Switchboard {

QByteArray SecretFile::loadOrCreate(const QString &path, QString *error)
{
    QFile existing(path);
    if (existing.exists()) {
        if (!existing.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot read the JWT secret file '%1': %2")
                         .arg(path, existing.errorString());
            return {};
        }
        const QByteArray secret = existing.readAll().trimmed();
        if (secret.size() < 32) {
            *error = QStringLiteral("the JWT secret file '%1' holds fewer than 32 bytes; remove "
                                    "it to have a new one generated")
                         .arg(path);
            return {};
        }
        return secret;
    }
    if (sodium_init() < 0) {
        *error = QStringLiteral("libsodium failed to initialise");
        return {};
    }
    if (!QDir().mkpath(QFileInfo(path).absolutePath())) {
        *error = QStringLiteral("cannot create the directory of '%1'").arg(path);
        return {};
    }
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    const QByteArray secret = QByteArray(reinterpret_cast<const char *>(raw), sizeof raw).toHex();
    sodium_memzero(raw, sizeof raw);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)
        || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        || file.write(secret + '\n') != secret.size() + 1 || !file.commit()) {
        *error = QStringLiteral("cannot write the JWT secret file '%1': %2")
                     .arg(path, file.errorString());
        return {};
    }
    return secret;
}

} // namespace Switchboard
