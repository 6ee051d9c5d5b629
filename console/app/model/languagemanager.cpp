// SPDX-License-Identifier: MIT
#include "languagemanager.h"

#include "consolelogging.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>

namespace Switchboard::Console {

LanguageManager::LanguageManager(QObject *parent)
    : QObject(parent)
{ }

QStringList LanguageManager::availableLanguages()
{
    return {QStringLiteral("en"), QStringLiteral("zh_CN")};
}

QString LanguageManager::nativeName(const QString &code)
{
    if (code == QLatin1StringView("zh_CN"))
        return QStringLiteral("简体中文");
    return QStringLiteral("English");
}

QString LanguageManager::systemLanguage()
{
    // uiLanguages() honours LANGUAGE/LC_MESSAGES; any Chinese locale gets Simplified Chinese,
    // the only Chinese translation there is.
    for (const QString &lang : QLocale::system().uiLanguages()) {
        if (lang.startsWith(QLatin1StringView("zh")))
            return QStringLiteral("zh_CN");
        if (lang.startsWith(QLatin1StringView("en")))
            return QStringLiteral("en");
    }
    return QStringLiteral("en");
}

bool LanguageManager::setLanguage(const QString &code)
{
    const QString wanted = code.isEmpty() ? systemLanguage() : code;
    if (!availableLanguages().contains(wanted)) {
        qCWarning(lcConsole) << "unknown language" << code;
        return false;
    }
    m_requested = code;
    if (wanted == m_current && (wanted == QLatin1StringView("en") || !m_app.isEmpty()))
        return true;

    QCoreApplication::removeTranslator(&m_app);
    QCoreApplication::removeTranslator(&m_qt);
    if (wanted != QLatin1StringView("en")) {
        if (!m_app.load(QStringLiteral(":/i18n/switchboard_console_%1.qm").arg(wanted))) {
            qCWarning(lcConsole) << "translation missing for" << wanted;
            return false;
        }
        QCoreApplication::installTranslator(&m_app);
        if (m_qt.load(QLocale(wanted), QStringLiteral("qtbase"), QStringLiteral("_"),
                      QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
            QCoreApplication::installTranslator(&m_qt);
    } else {
        // removeTranslator() alone sends LanguageChange too; nothing else to load for English.
        (void)m_app.load(QString());
    }
    QLocale::setDefault(QLocale(wanted));
    m_current = wanted;
    Q_EMIT languageChanged(m_current);
    return true;
}

} // namespace Switchboard::Console
