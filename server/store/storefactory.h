// SPDX-License-Identifier: MIT
#pragma once

#include "store/store.h"

#include <memory>

namespace Switchboard {

struct StoreSettings
{
    QString dataDir; // SQLite: <dataDir>/switchboard.db when databaseUrl is empty
    QString databaseUrl; // postgres://user:pass@host:port/db, postgresql://..., sqlite:///path
    // PostgreSQL: the server cancels a statement that runs longer (a hung database, a lock
    // held elsewhere), so the store's thread is never stuck behind it; 0 = no limit.
    qint64 statementTimeoutMs = 0;
};

// Opens (but does not migrate) the configured store on the calling thread. Returns null with
// an error naming the database (never its password) when it cannot be opened.
std::unique_ptr<Store> openStore(const StoreSettings &settings, QString *error);
// The same, throwing StoreError with that error instead: what AsyncStore's factory wants.
std::unique_ptr<Store> openStoreOrThrow(const StoreSettings &settings);

// The URL with any password replaced by "***", for logs and error messages.
QString redactDatabaseUrl(const QString &url);

} // namespace Switchboard
