// SPDX-License-Identifier: MIT
#include "profilestore.h"

#include "secretstore.h"

#include <QSettings>

namespace Switchboard::Console {

namespace {
const QString GROUP = QStringLiteral("profiles");

// QSettings groups use '/' as separator; keep names flat.
QString key(const QString &name)
{
    QString k = name;
    return k.replace(QLatin1Char('/'), QLatin1Char('_'));
}

const QString PASSWORD = QStringLiteral("password");
const QString API_KEY = QStringLiteral("api_key");

// The keyring entry of a profile's password or API key.
QString entry(const QString &name, const QString &field)
{
    return GROUP + QLatin1Char('/') + key(name) + QLatin1Char('/') + field;
}
} // namespace

ProfileStore::ProfileStore(QSettings *settings, const SecretStore *keyring)
    : m_settings(settings)
    , m_keyring(keyring)
{ }

bool ProfileStore::plainTextFallback() const
{
    return m_settings->value(QStringLiteral("secrets/plain_text_fallback"), false).toBool();
}

QString ProfileStore::settingsFile() const
{
    return m_settings->fileName();
}

QList<ServerProfile> ProfileStore::profiles() const
{
    QList<ServerProfile> result;
    m_settings->beginGroup(GROUP);
    const QStringList names = m_settings->childGroups();
    m_settings->endGroup();
    for (const QString &name : names)
        result.append(profile(name));
    return result;
}

ServerProfile ProfileStore::profile(const QString &name) const
{
    ServerProfile p;
    m_settings->beginGroup(GROUP + QLatin1Char('/') + key(name));
    p.name = m_settings->value(QStringLiteral("name"), name).toString();
    p.url = QUrl(m_settings->value(QStringLiteral("url")).toString());
    p.mode = m_settings->value(QStringLiteral("mode")).toString() == QLatin1StringView("api_key")
        ? ServerProfile::AuthMode::ApiKey
        : ServerProfile::AuthMode::Password;
    p.username = m_settings->value(QStringLiteral("username")).toString();
    p.rememberSecret = m_settings->value(QStringLiteral("remember_secret"), false).toBool();
    const bool inKeyring = m_settings->value(QStringLiteral("keyring"), false).toBool();
    const QString field = p.mode == ServerProfile::AuthMode::ApiKey ? API_KEY : PASSWORD;
    // A plain copy: the explicit fallback, or what a console before the keyring wrote.
    QString secret = m_settings->value(field).toString();
    m_settings->endGroup();
    if (!p.rememberSecret)
        return p;
    if (inKeyring && m_keyring
        && m_keyring->read(entry(p.name, field), &secret) != SecretStore::Status::Ok)
        secret.clear(); // the keyring is locked away or lost it: asked for again
    if (p.mode == ServerProfile::AuthMode::ApiKey)
        p.apiKey = secret;
    else
        p.password = secret;
    return p;
}

ProfileStore::SecretPlace ProfileStore::save(const ServerProfile &p)
{
    const QString group = GROUP + QLatin1Char('/') + key(p.name);
    const QString field = p.mode == ServerProfile::AuthMode::ApiKey ? API_KEY : PASSWORD;
    // What an earlier save put in the keyring goes: the new secret replaces it, and unticking
    // the box or changing the mode forgets it. A profile never kept there costs no keyring call.
    forgetKeyring(p.name);
    SecretPlace place = SecretPlace::NotKept;
    if (p.rememberSecret) {
        if (m_keyring
            && m_keyring->write(entry(p.name, field), p.secret()) == SecretStore::Status::Ok)
            place = SecretPlace::Keyring;
        else if (plainTextFallback())
            place = SecretPlace::SettingsFile;
    }
    m_settings->beginGroup(group);
    m_settings->setValue(QStringLiteral("name"), p.name);
    m_settings->setValue(QStringLiteral("url"), p.url.toString());
    m_settings->setValue(QStringLiteral("mode"),
                         p.mode == ServerProfile::AuthMode::ApiKey ? QStringLiteral("api_key")
                                                                   : QStringLiteral("password"));
    m_settings->setValue(QStringLiteral("username"), p.username);
    m_settings->setValue(QStringLiteral("remember_secret"), place != SecretPlace::NotKept);
    m_settings->setValue(QStringLiteral("keyring"), place == SecretPlace::Keyring);
    m_settings->remove(PASSWORD);
    m_settings->remove(API_KEY);
    if (place == SecretPlace::SettingsFile)
        m_settings->setValue(field, p.secret());
    m_settings->endGroup();
    m_settings->sync();
    return place;
}

void ProfileStore::forgetKeyring(const QString &name)
{
    const QString group = GROUP + QLatin1Char('/') + key(name);
    if (!m_keyring || !m_settings->value(group + QStringLiteral("/keyring")).toBool())
        return;
    m_keyring->remove(entry(name, PASSWORD));
    m_keyring->remove(entry(name, API_KEY));
}

void ProfileStore::remove(const QString &name)
{
    forgetKeyring(name);
    m_settings->remove(GROUP + QLatin1Char('/') + key(name));
    if (lastUsed() == name)
        m_settings->remove(QStringLiteral("last_profile"));
    m_settings->sync();
}

QString ProfileStore::lastUsed() const
{
    return m_settings->value(QStringLiteral("last_profile")).toString();
}

void ProfileStore::setLastUsed(const QString &name)
{
    m_settings->setValue(QStringLiteral("last_profile"), name);
}

} // namespace Switchboard::Console
