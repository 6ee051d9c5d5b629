// SPDX-License-Identifier: MIT
#include "serverprofile.h"

#include <QCoreApplication>

namespace Switchboard::Console {

bool ServerProfile::isValid(QString *why) const
{
    const QString scheme = url.scheme();
    if (!url.isValid() || url.host().isEmpty()
        || (scheme != QLatin1StringView("ws") && scheme != QLatin1StringView("wss"))) {
        *why = QCoreApplication::translate("ServerProfile",
                                           "The server URL must look like ws://host:8000/ws or "
                                           "wss://host/ws.");
        return false;
    }
    if (username.trimmed().isEmpty()) {
        *why = QCoreApplication::translate("ServerProfile", "Enter the administrator's user name.");
        return false;
    }
    if (secret().isEmpty()) {
        *why = mode == AuthMode::ApiKey
            ? QCoreApplication::translate("ServerProfile", "Enter the API key.")
            : QCoreApplication::translate("ServerProfile", "Enter the password.");
        return false;
    }
    return true;
}

QUrl ServerProfile::httpBase() const
{
    QUrl base;
    base.setScheme(url.scheme() == QLatin1StringView("wss") ? QStringLiteral("https")
                                                            : QStringLiteral("http"));
    base.setHost(url.host());
    base.setPort(url.port());
    return base;
}

} // namespace Switchboard::Console
