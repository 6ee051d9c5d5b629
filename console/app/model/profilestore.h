// SPDX-License-Identifier: MIT
#pragma once

#include "serverprofile.h"

#include <QList>

class QSettings;

namespace Switchboard::Console {

// Saved server profiles in QSettings (group "profiles/<name>"). A password or API key is
// written only when the profile says rememberSecret, and then in plain text: the settings file
// is the user's own, but it is not a keyring, which is why the dialog asks first.
class ProfileStore
{
public:
    explicit ProfileStore(QSettings *settings);

    QList<ServerProfile> profiles() const;
    ServerProfile profile(const QString &name) const;
    void save(const ServerProfile &profile);
    void remove(const QString &name);
    QString lastUsed() const;
    void setLastUsed(const QString &name);

private:
    QSettings *m_settings;
};

} // namespace Switchboard::Console
