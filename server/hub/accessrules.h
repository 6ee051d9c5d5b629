// SPDX-License-Identifier: MIT
#pragma once

#include "store/store.h"

#include <functional>
#include <optional>

#include <QHostAddress>
#include <QList>

namespace Switchboard {

// The IP access rules as the REST routes and the operator commands see them (docs/SECURITY.md
// "Access rules"): the rules, what a change would refuse, adding and removing. Implemented by
// AccessControl (net/), which cuts the refused connections; handed to REST at start-up so REST
// does not depend on net/ (docs/ARCHITECTURE.md, layers).
class AccessRules
{
public:
    static constexpr int MAX_NOTE_CHARS = 200;

    // What a rule set refuses among the live WebSocket connections.
    struct Impact
    {
        int connections = 0;
        int users = 0;
        int addresses = 0;
        bool cutsCaller = false;
    };
    enum class Failure { None, LimitReached, Unavailable };
    using Added = std::function<void(Failure, const AccessRuleRecord &, const Impact &)>;

    // Checks and normalises a new rule in place (action, cidr, note, expiry); false with a
    // message. Shared with the operator commands.
    static bool validate(AccessRuleRecord *rule, qint64 nowMs, QString *error);

    virtual const QList<AccessRuleRecord> &rules() const = 0;
    // What the current rules plus `candidate` would refuse now; `caller` is checked too.
    virtual Impact preview(const AccessRuleRecord &candidate, const QHostAddress &caller) const = 0;
    // What the current rules without rule `id` would refuse now (removing an allow rule can
    // leave addresses to a wider deny).
    virtual Impact previewRemoval(qint64 id, const QHostAddress &caller) const = 0;
    // Stores a validated rule, publishes the new set and closes what it refuses.
    virtual void add(const AccessRuleRecord &rule, Added done) = 0;
    // done(nullopt) = the store failed; false = no such rule.
    virtual void remove(qint64 id, std::function<void(std::optional<bool>)> done) = 0;

protected:
    ~AccessRules() = default;
};

} // namespace Switchboard
