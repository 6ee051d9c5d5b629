// SPDX-License-Identifier: MIT
#pragma once

#include <QCoreApplication>
#include <QString>

namespace Switchboard::Console {

// Server error codes (docs/PROTOCOL.md, "Errors") worded in the interface language, so a
// Chinese sentence does not carry the server's English text. Unknown codes keep the server's
// own words.
class ServerError
{
    Q_DECLARE_TR_FUNCTIONS(ServerError)

public:
    // "The server refused: not found" style text for {code, message}; message alone when
    // there is no code (a transport error).
    static QString text(const QString &code, const QString &message);
    static bool isKnown(const QString &code);
};

} // namespace Switchboard::Console
