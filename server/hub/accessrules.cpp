// SPDX-License-Identifier: MIT
#include "accessrules.h"

#include "io/accessruleset.h"

#include <algorithm>

namespace Switchboard {

bool AccessRules::validate(AccessRuleRecord *rule, qint64 nowMs, QString *error)
{
    if (rule->action != QLatin1StringView("allow") && rule->action != QLatin1StringView("deny")) {
        *error = QStringLiteral("'action' must be allow or deny");
        return false;
    }
    QString why;
    const auto network = Io::IpNetwork::parse(rule->cidr, &why);
    if (!network) {
        *error = QStringLiteral("'cidr': %1").arg(why);
        return false;
    }
    rule->cidr = network->toString();
    if (rule->note.size() > MAX_NOTE_CHARS) {
        *error = QStringLiteral("'note' is longer than %1 characters").arg(MAX_NOTE_CHARS);
        return false;
    }
    // The note is shown in tables, `switchboardd access list` and logs: one line, no escapes.
    if (std::any_of(rule->note.cbegin(), rule->note.cend(),
                    [](QChar c) { return c.category() == QChar::Other_Control; })) {
        *error = QStringLiteral("'note' must be one line without control characters");
        return false;
    }
    if (rule->expiresAt != 0 && rule->expiresAt <= nowMs) {
        *error = QStringLiteral("'expires_at' is in the past");
        return false;
    }
    return true;
}

} // namespace Switchboard
