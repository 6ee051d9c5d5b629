// SPDX-License-Identifier: MIT
#include "usercommands.h"

#include "auth/passwordhasher.h"
#include "app/offlinecommand.h"
#include "config/config.h"
#include "rest/restapi.h"
#include "store/storefactory.h"

#include <QDateTime>
#include <QTextStream>

#include <cstdio>
#include <termios.h>
#include <unistd.h>

namespace Switchboard {

namespace {

QTextStream &out()
{
    return commandOut();
}
QTextStream &err()
{
    return commandErr();
}

// One line from standard input; on a terminal it asks without echoing.
QByteArray readPassword(const QString &prompt)
{
    const bool tty = isatty(STDIN_FILENO);
    termios saved {};
    if (tty) {
        err() << prompt << Qt::flush;
        tcgetattr(STDIN_FILENO, &saved);
        termios silent = saved;
        silent.c_lflag &= ~tcflag_t(ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &silent);
    }
    QByteArray line;
    int c;
    while ((c = std::getchar()) != EOF && c != '\n')
        line.append(char(c));
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        err() << Qt::endl;
    }
    if (line.endsWith('\r'))
        line.chop(1);
    return line;
}

// Without redis_url (or Redis), what a running server sees of an account change, and when.
const QString LATER = QStringLiteral(
    "a running server applies this within account_cache_ttl (30 s by default); with redis_url "
    "set, its nodes are told at once");

int usage()
{
    err()
        << "usage: switchboardd [--config FILE] [--data-dir DIR] [--database-url URL] user "
           "COMMAND\n"
           "  user add NAME [--admin] [--password-stdin]   create a user (password from stdin)\n"
           "  user list                                    list users\n"
           "  user passwd NAME [--password-stdin]          set a new password\n"
           "  user disable NAME | user enable NAME         block or allow logins and connections\n"
           "  user signout NAME                            revoke every token issued until now\n"
        << Qt::flush;
    return 2;
}

QByteArray newPassword()
{
    const QByteArray pw = readPassword(QStringLiteral("Password: "));
    if (pw.size() < 8) {
        err() << "error: the password must have at least 8 characters" << Qt::endl;
        return {};
    }
    return pw;
}

} // namespace

int runUserCommand(const Config &config, const QStringList &args)
{
    if (args.isEmpty())
        return usage();
    const QString command = args.first();
    QStringList positional;
    bool admin = false;
    for (const QString &a : args.mid(1)) {
        if (a == QLatin1StringView("--admin"))
            admin = true;
        else if (a == QLatin1StringView("--password-stdin"))
            continue; // the password always comes from standard input; the flag documents it
        else if (a.startsWith(QLatin1StringView("--")))
            return usage();
        else
            positional << a;
    }

    try {
        const std::unique_ptr<Store> store = openCommandStore(config);
        if (!store)
            return 1;
        if (command == QLatin1StringView("list") && positional.isEmpty()) {
            const auto users = store->users();
            out() << QStringLiteral("%1  %2  %3  %4\n")
                         .arg(QStringLiteral("ID"), 6)
                         .arg(QStringLiteral("USERNAME"), -24)
                         .arg(QStringLiteral("ROLE"), -6)
                         .arg(QStringLiteral("STATE"));
            for (const UserRecord &u : users) {
                out() << QStringLiteral("%1  %2  %3  %4\n")
                             .arg(u.id, 6)
                             .arg(u.username, -24)
                             .arg(u.admin ? QStringLiteral("admin") : QStringLiteral("user"), -6)
                             .arg(u.disabled ? QStringLiteral("disabled")
                                             : QStringLiteral("active"));
            }
            out() << Qt::flush;
            return 0;
        }
        if (positional.size() != 1)
            return usage();
        const QString name = positional.first();
        if (command == QLatin1StringView("add")) {
            if (!RestApi::validUsername(name)) {
                err() << "error: a username is 1-64 characters of A-Z a-z 0-9 _ . @ -" << Qt::endl;
                return 1;
            }
            const QByteArray pw = newPassword();
            if (pw.isEmpty())
                return 1;
            const auto user = store->createUser(name, PasswordHasher::hash(pw), admin);
            if (!user) {
                err() << "error: user '" << name << "' exists" << Qt::endl;
                return 1;
            }
            out() << "created user " << user->username << " (id " << user->id << ")"
                  << (admin ? " with the admin role" : "") << Qt::endl;
            return 0;
        }
        const auto user = store->userByName(name);
        if (!user) {
            err() << "error: no user '" << name << "'" << Qt::endl;
            return 1;
        }
        if (command == QLatin1StringView("passwd")) {
            const QByteArray pw = newPassword();
            if (pw.isEmpty())
                return 1;
            store->setPasswordHash(user->id, PasswordHasher::hash(pw));
            out() << "password of " << name << " changed" << Qt::endl;
            tellRunningNodes(config, {user->id, QStringLiteral("password changed"), false}, LATER);
            return 0;
        }
        if (command == QLatin1StringView("signout")) {
            store->setTokensValidAfter(user->id, QDateTime::currentMSecsSinceEpoch());
            out() << "tokens of " << name << " issued until now are revoked" << Qt::endl;
            tellRunningNodes(config, {user->id, QStringLiteral("signed out"), false}, LATER);
            return 0;
        }
        if (command == QLatin1StringView("disable") || command == QLatin1StringView("enable")) {
            const bool disable = command == QLatin1StringView("disable");
            store->setDisabled(user->id, disable);
            out() << name << (disable ? " disabled" : " enabled") << Qt::endl;
            tellRunningNodes(
                config, {user->id, disable ? QStringLiteral("account disabled") : QString(), false},
                LATER);
            return 0;
        }
    } catch (const StoreError &e) {
        err() << "error: " << e.what() << Qt::endl;
        return 1;
    }
    return usage();
}

} // namespace Switchboard
