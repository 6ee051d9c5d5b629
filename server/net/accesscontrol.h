// SPDX-License-Identifier: MIT
#pragma once

#include "io/accessruleset.h"
#include "store/store.h"

#include <functional>
#include <memory>
#include <optional>

#include <QBasicTimer>
#include <QHostAddress>
#include <QList>
#include <QObject>

namespace Switchboard {

struct Config;
class AsyncStore;
class ConnectionManager;
namespace Io {
class Admission;
}

// Owns the IP access rules (docs/SECURITY.md "Access rules"): loads them from the store,
// publishes an immutable snapshot to the admission (consulted at accept on both transports),
// adds and removes rules, closes the live connections a new rule refuses (4005), and lets
// expired rules drop out at their moment (a timer on the logic thread). Logic thread only.
class AccessControl : public QObject
{
    Q_OBJECT

public:
    static constexpr int MAX_NOTE_CHARS = 200;
    static constexpr const char *CLOSE_REASON = "address refused by an access rule";

    // What a rule set refuses among the live WebSocket connections.
    struct Impact
    {
        int connections = 0;
        int users = 0;
        int addresses = 0;
        bool cutsCaller = false;
    };

    AccessControl(const Config *config, AsyncStore *store, ConnectionManager *connections,
                  std::shared_ptr<Io::Admission> admission, QObject *parent = nullptr);

    // Deletes expired rows and loads the rest (blocking: start-up only).
    bool load(QString *error);
    const QList<AccessRuleRecord> &rules() const { return m_rules; }

    // Checks and normalises a new rule in place (action, cidr, note, expiry); false with a
    // message. Shared with the operator commands.
    static bool validate(AccessRuleRecord *rule, qint64 nowMs, QString *error);

    // What the current rules plus `candidate` would refuse now; `caller` is checked too.
    Impact preview(const AccessRuleRecord &candidate, const QHostAddress &caller) const;

    // What the current rules without rule `id` would refuse now (removing an allow rule can
    // leave addresses to a wider deny).
    Impact previewRemoval(qint64 id, const QHostAddress &caller) const;

    enum class Failure { None, LimitReached, Unavailable };
    using Added = std::function<void(Failure, const AccessRuleRecord &, const Impact &)>;
    // Stores a validated rule, publishes the new set and closes what it refuses.
    void add(const AccessRuleRecord &rule, Added done);
    // done(nullopt) = the store failed; false = no such rule.
    void remove(qint64 id, std::function<void(std::optional<bool>)> done);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    std::shared_ptr<const Io::AccessRuleSet> build(const QList<AccessRuleRecord> &rules) const;
    void publish();
    Impact impactOf(const Io::AccessRuleSet &set, const QHostAddress &caller) const;
    int cut();
    void onSessionOpened(quint64 connectionId);
    void scheduleExpiry();
    void expire();

    const Config *m_config;
    AsyncStore *m_store;
    ConnectionManager *m_connections;
    std::shared_ptr<Io::Admission> m_admission;
    QList<AccessRuleRecord> m_rules; // by id
    std::shared_ptr<const Io::AccessRuleSet> m_set;
    int m_adding = 0; // adds on their way to the store, counted against max_access_rules
    QBasicTimer m_expiry;
};

} // namespace Switchboard
