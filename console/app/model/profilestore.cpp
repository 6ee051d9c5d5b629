// SPDX-License-Identifier: MIT
#include "profilestore.h"

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
} // namespace

ProfileStore::ProfileStore(QSettings *settings)
    : m_settings(settings)
{ }

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
    if (p.rememberSecret) {
        p.password = m_settings->value(QStringLiteral("password")).toString();
        p.apiKey = m_settings->value(QStringLiteral("api_key")).toString();
    }
    m_settings->endGroup();
    return p;
}

void ProfileStore::save(const ServerProfile &p)
{
    m_settings->beginGroup(GROUP + QLatin1Char('/') + key(p.name));
    m_settings->setValue(QStringLiteral("name"), p.name);
    m_settings->setValue(QStringLiteral("url"), p.url.toString());
    m_settings->setValue(QStringLiteral("mode"),
                         p.mode == ServerProfile::AuthMode::ApiKey ? QStringLiteral("api_key")
                                                                   : QStringLiteral("password"));
    m_settings->setValue(QStringLiteral("username"), p.username);
    m_settings->setValue(QStringLiteral("remember_secret"), p.rememberSecret);
    // Unticking the box must also forget what an earlier save remembered.
    if (p.rememberSecret && p.mode == ServerProfile::AuthMode::Password)
        m_settings->setValue(QStringLiteral("password"), p.password);
    else
        m_settings->remove(QStringLiteral("password"));
    if (p.rememberSecret && p.mode == ServerProfile::AuthMode::ApiKey)
        m_settings->setValue(QStringLiteral("api_key"), p.apiKey);
    else
        m_settings->remove(QStringLiteral("api_key"));
    m_settings->endGroup();
    m_settings->sync();
}

void ProfileStore::remove(const QString &name)
{
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
