// SPDX-License-Identifier: MIT
#include "storefactory.h"

#include "sqlstore.h"

#include <QAtomicInteger>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>
#include <QUrlQuery>

namespace Switchboard {

namespace {

QString nextConnectionName()
{
    static QAtomicInteger<quint64> counter;
    return QStringLiteral("switchboard-store-%1").arg(counter.fetchAndAddRelaxed(1) + 1);
}

bool execAll(QSqlDatabase &db, const QStringList &statements, QString *error)
{
    QSqlQuery q(db);
    for (const QString &s : statements) {
        if (!q.exec(s)) {
            *error = QStringLiteral("%1: %2").arg(s, q.lastError().text());
            return false;
        }
        q.finish();
    }
    return true;
}

std::unique_ptr<Store> openSqlite(const QString &path, QString *error)
{
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        *error = QStringLiteral("cannot create the directory of the database '%1'").arg(path);
        return nullptr;
    }
    if (!QFileInfo::exists(path)) {
        // Password hashes live here: owner-only from the start (SQLite gives the -wal and -shm
        // files the database file's mode).
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly)
            || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
            *error = QStringLiteral("cannot create the SQLite database '%1': %2")
                         .arg(path, file.errorString());
            return nullptr;
        }
    }
    const QString name = nextConnectionName();
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        if (!db.isValid()) {
            *error = QStringLiteral("the Qt SQLite driver (QSQLITE) is not installed "
                                    "(Debian package libqt6sql6-sqlite)");
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(name);
            return nullptr;
        }
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
        QString why;
        if (!db.open()
            || !execAll(db,
                        {QStringLiteral("PRAGMA journal_mode=WAL"),
                         // FULL: a commit (and so an ack) survives power loss, not only a crash.
                         // Group commit keeps the fsync count per message low.
                         QStringLiteral("PRAGMA synchronous=FULL"),
                         QStringLiteral("PRAGMA foreign_keys=ON"),
                         QStringLiteral("PRAGMA temp_store=MEMORY")},
                        &why)) {
            *error = QStringLiteral("cannot open the SQLite database '%1': %2")
                         .arg(path, why.isEmpty() ? db.lastError().text() : why);
            db.close();
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(name);
            return nullptr;
        }
    }
    return std::make_unique<SqlStore>(SqlStore::Backend::Sqlite, name);
}

std::unique_ptr<Store> openPostgres(const QUrl &url, const QString &shownUrl,
                                    qint64 statementTimeoutMs, QString *error)
{
    const QString database = url.path().mid(1);
    if (url.host().isEmpty() || database.isEmpty() || database.contains(QLatin1Char('/'))) {
        *error = QStringLiteral("invalid database_url '%1': expected "
                                "postgres://user:password@host:port/database")
                     .arg(shownUrl);
        return nullptr;
    }
    const QString name = nextConnectionName();
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        if (!db.isValid()) {
            *error = QStringLiteral("the Qt PostgreSQL driver (QPSQL) is not installed "
                                    "(Debian package libqt6sql6-psql)");
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(name);
            return nullptr;
        }
        db.setHostName(url.host());
        db.setPort(url.port(5432));
        db.setDatabaseName(database);
        db.setUserName(url.userName(QUrl::FullyDecoded));
        db.setPassword(url.password(QUrl::FullyDecoded));
        // libpq options from the query string: ?sslmode=require&connect_timeout=5
        QStringList options {QStringLiteral("connect_timeout=10")};
        const QUrlQuery query(url);
        for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
            if (key == QLatin1StringView("connect_timeout"))
                options.removeFirst();
            options << QStringLiteral("%1=%2").arg(key, value);
        }
        // A startup option rather than a SET: SqlStore reopens a lost connection with the same
        // options, so the bound survives a PostgreSQL restart.
        if (statementTimeoutMs > 0)
            options << QStringLiteral("options=-cstatement_timeout=%1").arg(statementTimeoutMs);
        db.setConnectOptions(options.join(QLatin1Char(';')));
        if (!db.open()) {
            *error = QStringLiteral("cannot connect to PostgreSQL at '%1': %2")
                         .arg(shownUrl, db.lastError().text().trimmed());
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(name);
            return nullptr;
        }
        QString why;
        if (!execAll(db, {QStringLiteral("SET client_min_messages TO WARNING")}, &why)) {
            *error = QStringLiteral("cannot set up the PostgreSQL session: %1").arg(why);
            db.close();
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(name);
            return nullptr;
        }
    }
    return std::make_unique<SqlStore>(SqlStore::Backend::Postgres, name);
}

} // namespace

QString redactDatabaseUrl(const QString &url)
{
    QUrl u(url);
    if (!u.isValid())
        return QStringLiteral("(unparsable URL)");
    if (!u.password().isEmpty())
        u.setPassword(QStringLiteral("***"));
    return u.toString();
}

std::unique_ptr<Store> openStore(const StoreSettings &settings, QString *error)
{
    if (settings.databaseUrl.isEmpty())
        return openSqlite(QDir(settings.dataDir).filePath(QStringLiteral("switchboard.db")), error);

    const QUrl url(settings.databaseUrl, QUrl::StrictMode);
    const QString shown = redactDatabaseUrl(settings.databaseUrl);
    const QString scheme = url.scheme();
    if (url.isValid()
        && (scheme == QLatin1StringView("postgres") || scheme == QLatin1StringView("postgresql")))
        return openPostgres(url, shown, settings.statementTimeoutMs, error);
    if (url.isValid() && scheme == QLatin1StringView("sqlite") && !url.path().isEmpty())
        return openSqlite(url.path(), error);
    *error = QStringLiteral("invalid database_url '%1': use postgres://user:password@host:port/db "
                            "or sqlite:///path/to/file.db (empty = SQLite in data_dir)")
                 .arg(shown);
    return nullptr;
}

std::unique_ptr<Store> openStoreOrThrow(const StoreSettings &settings)
{
    QString error;
    auto store = openStore(settings, &error);
    if (!store)
        throw StoreError(error.toStdString());
    return store;
}

} // namespace Switchboard
