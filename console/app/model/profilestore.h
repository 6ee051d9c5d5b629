// SPDX-License-Identifier: MIT
#pragma once

#include "serverprofile.h"

#include <QList>

class QSettings;

namespace Switchboard::Console {

class SecretStore;

// Saved server profiles in QSettings (group "profiles/<name>"). A password or API key is kept
// only when the profile says rememberSecret: in the system keyring (SecretStore); where there
// is none, in the settings file in plain text only when the setting
// secrets/plain_text_fallback says so, else not at all.
class ProfileStore
{
public:
    // Where save() put the secret.
    enum class SecretPlace { NotKept, Keyring, SettingsFile };

    // keyring may be null: no keyring.
    ProfileStore(QSettings *settings, const SecretStore *keyring);

    QList<ServerProfile> profiles() const;
    ServerProfile profile(const QString &name) const;
    SecretPlace save(const ServerProfile &profile);
    void remove(const QString &name);
    QString lastUsed() const;
    void setLastUsed(const QString &name);
    // secrets/plain_text_fallback: a remembered secret goes to the settings file when no
    // keyring takes it.
    bool plainTextFallback() const;
    QString settingsFile() const;

private:
    // Removes the profile's secrets from the keyring when a save put them there.
    void forgetKeyring(const QString &name);

    QSettings *m_settings;
    const SecretStore *m_keyring;
};

} // namespace Switchboard::Console
