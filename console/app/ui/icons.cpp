// SPDX-License-Identifier: MIT
#include "icons.h"

#include <QApplication>
#include <QHash>
#include <QStyle>

namespace Switchboard::Console::Icons {

QIcon icon(const char *themeName)
{
    static const QHash<QByteArray, QStyle::StandardPixmap> fallback {
        {"network-connect", QStyle::SP_DriveNetIcon},
        {"network-disconnect", QStyle::SP_BrowserStop},
        {"view-refresh", QStyle::SP_BrowserReload},
        {"document-save", QStyle::SP_DialogSaveButton},
        {"application-exit", QStyle::SP_DialogCloseButton},
        {"list-add", QStyle::SP_FileDialogNewFolder},
        {"list-remove", QStyle::SP_TrashIcon},
        {"document-properties", QStyle::SP_FileDialogDetailedView},
        {"mail-send", QStyle::SP_ArrowForward},
        {"dialog-warning", QStyle::SP_MessageBoxWarning},
        {"user-available", QStyle::SP_DialogYesButton},
        {"process-stop", QStyle::SP_BrowserStop},
        {"im-user", QStyle::SP_ComputerIcon},
        {"help-about", QStyle::SP_MessageBoxInformation},
    };
    const QString name = QString::fromLatin1(themeName);
    if (QIcon::hasThemeIcon(name))
        return QIcon::fromTheme(name);
    const auto it = fallback.constFind(QByteArray(themeName));
    return it == fallback.cend() ? QIcon() : QApplication::style()->standardIcon(*it);
}

QIcon appIcon()
{
    return QIcon(QStringLiteral(":/icons/switchboard-console.png"));
}

} // namespace Switchboard::Console::Icons
