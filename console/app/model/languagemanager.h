// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QStringList>
#include <QTranslator>

namespace Switchboard::Console {

// Installs the console's translation (and Qt's own, for standard dialogs) for a language and
// swaps it at run time: installing a translator makes Qt send QEvent::LanguageChange to every
// widget, which retranslates itself. English is the source language and needs no file.
class LanguageManager : public QObject
{
    Q_OBJECT

public:
    explicit LanguageManager(QObject *parent = nullptr);

    // "" follows the system locale; otherwise one of availableLanguages().
    bool setLanguage(const QString &code);
    QString requested() const { return m_requested; }
    // The language in effect ("en" or "zh_CN").
    QString current() const { return m_current; }
    static QStringList availableLanguages();
    // The language's own name ("English", "简体中文"), never translated.
    static QString nativeName(const QString &code);
    // The supported language the system locale asks for, "en" when none fits.
    static QString systemLanguage();

Q_SIGNALS:
    void languageChanged(const QString &code);

private:
    QTranslator m_app;
    QTranslator m_qt;
    QString m_requested;
    QString m_current = QStringLiteral("en");
};

} // namespace Switchboard::Console
