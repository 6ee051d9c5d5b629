// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

namespace Switchboard {

// The JWT secret generated on first start when none is configured: 32 random bytes, hex,
// written atomically with mode 0600 and read back on every later start.
class SecretFile
{
public:
    // The secret in the file, created when missing; empty with an error naming the path.
    static QByteArray loadOrCreate(const QString &path, QString *error);
};

} // namespace Switchboard
