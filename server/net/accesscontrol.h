// SPDX-License-Identifier: MIT
#pragma once

#include "hub/accessrules.h"
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

class DeliveryBus;

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
class AccessControl : public QObject, public AccessRules
{
    Q_OBJECT

public:
    static constexpr const char *CLOSE_REASON = "address refused by an access rule";

    AccessControl(const Config *config, AsyncStore *store, ConnectionManager *connections,
                  std::shared_ptr<Io::Admission> admission, QObject *parent = nullptr);

    // Deletes expired rows and loads the rest (blocking: start-up only).
    bool load(QString *error);
    // Reads the rules again (another node changed them) and cuts what they now refuse.
    void reload();
    // Where a change made here is told to the other nodes (none: one node).
    void setBus(DeliveryBus *bus) { m_bus = bus; }

    // AccessRules (validate() is its static, shared with the operator commands)
    const QList<AccessRuleRecord> &rules() const override { return m_rules; }
    Impact preview(const AccessRuleRecord &candidate, const QHostAddress &caller) const override;
    Impact previewRemoval(qint64 id, const QHostAddress &caller) const override;
    void add(const AccessRuleRecord &rule, Added done) override;
    void remove(qint64 id, std::function<void(std::optional<bool>)> done) override;

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
    DeliveryBus *m_bus = nullptr;
    bool m_reloading = false;
    bool m_reloadAgain = false;
    int m_adding = 0; // adds on their way to the store, counted against max_access_rules
    QBasicTimer m_expiry;
};

} // namespace Switchboard
