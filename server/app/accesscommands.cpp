// SPDX-License-Identifier: MIT
#include "accesscommands.h"

#include "app/offlinecommand.h"
#include "config/config.h"
#include "net/accesscontrol.h"
#include "store/storefactory.h"

#include <QDateTime>
#include <QTextStream>

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

int usage()
{
    err() << "usage: switchboardd [--config FILE] [--data-dir DIR] [--database-url URL] access "
             "COMMAND\n"
             "  access list                                      list the rules\n"
             "  access add allow|deny CIDR [--note TEXT] [--expires-in SECONDS]\n"
             "                                                   add a rule\n"
             "  access remove ID                                 remove a rule\n"
             "A running server reads the rules at start-up: restart it after a change made "
             "here.\n"
          << Qt::flush;
    return 2;
}

QString when(qint64 ms)
{
    return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms).toString(Qt::ISODate)
                  : QStringLiteral("never");
}

int list(Store &store, qint64 now)
{
    out() << QStringLiteral("%1  %2  %3  %4  %5\n")
                 .arg(QStringLiteral("ID"), 6)
                 .arg(QStringLiteral("ACTION"), -6)
                 .arg(QStringLiteral("CIDR"), -43)
                 .arg(QStringLiteral("EXPIRES"), -20)
                 .arg(QStringLiteral("NOTE"));
    for (const AccessRuleRecord &r : store.accessRules()) {
        const bool expired = r.expiresAt > 0 && r.expiresAt <= now;
        out() << QStringLiteral("%1  %2  %3  %4  %5\n")
                     .arg(r.id, 6)
                     .arg(r.action, -6)
                     .arg(r.cidr, -43)
                     .arg(expired ? QStringLiteral("expired") : when(r.expiresAt), -20)
                     .arg(r.note);
    }
    out() << Qt::flush;
    return 0;
}

int add(const Config &config, Store &store, const QStringList &args, qint64 now)
{
    AccessRuleRecord rule;
    QStringList positional;
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &a = args.at(i);
        if ((a == QLatin1StringView("--note") || a == QLatin1StringView("--expires-in"))
            && i + 1 < args.size()) {
            const QString value = args.at(++i);
            if (a == QLatin1StringView("--note")) {
                rule.note = value;
                continue;
            }
            bool ok = false;
            const qint64 seconds = value.toLongLong(&ok);
            if (!ok || seconds <= 0 || seconds > 100LL * 365 * 86400) {
                err() << "error: --expires-in takes seconds (1 to 100 years)" << Qt::endl;
                return 1;
            }
            rule.expiresAt = now + seconds * 1000;
        } else if (a.startsWith(QLatin1StringView("--"))) {
            return usage();
        } else {
            positional << a;
        }
    }
    if (positional.size() != 2)
        return usage();
    rule.action = positional.at(0);
    rule.cidr = positional.at(1);
    rule.createdBy = QStringLiteral("switchboardd access");
    QString error;
    if (!AccessControl::validate(&rule, now, &error)) {
        err() << "error: " << error << Qt::endl;
        return 1;
    }
    if (store.accessRules().size() >= config.maxAccessRules) {
        err() << "error: there are " << config.maxAccessRules
              << " access rules already (max_access_rules)" << Qt::endl;
        return 1;
    }
    const AccessRuleRecord stored = store.addAccessRule(rule);
    out() << "added access rule " << stored.id << ": " << stored.action << ' ' << stored.cidr
          << " (expires " << when(stored.expiresAt) << ")" << Qt::endl;
    return 0;
}

} // namespace

int runAccessCommand(const Config &config, const QStringList &args)
{
    if (args.isEmpty())
        return usage();
    const QString command = args.first();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    try {
        const std::unique_ptr<Store> store = openCommandStore(config);
        if (!store)
            return 1;
        if (command == QLatin1StringView("list") && args.size() == 1)
            return list(*store, now);
        // Without Redis a running server reads the rules at its next start.
        const QString later = QStringLiteral("a running server applies this at its next start; "
                                             "with redis_url set, its nodes are told at once");
        if (command == QLatin1StringView("add")) {
            const int rc = add(config, *store, args.mid(1), now);
            if (rc == 0)
                tellRunningNodes(config, {0, QString(), true}, later);
            return rc;
        }
        if (command == QLatin1StringView("remove") && args.size() == 2) {
            bool ok = false;
            const qint64 id = args.at(1).toLongLong(&ok);
            if (!ok || id <= 0) {
                err() << "error: the rule id must be a positive integer" << Qt::endl;
                return 1;
            }
            if (!store->removeAccessRule(id)) {
                err() << "error: no access rule " << id << Qt::endl;
                return 1;
            }
            out() << "removed access rule " << id << Qt::endl;
            tellRunningNodes(config, {0, QString(), true}, later);
            return 0;
        }
    } catch (const StoreError &e) {
        err() << "error: " << e.what() << Qt::endl;
        return 1;
    }
    return usage();
}

} // namespace Switchboard
