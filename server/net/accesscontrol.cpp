// SPDX-License-Identifier: MIT
#include "accesscontrol.h"

#include "config/config.h"
#include "hub/deliverybus.h"
#include "io/admission.h"
#include "net/connectionmanager.h"
#include "protocol/events.h"
#include "protocol/protocol.h"
#include "store/asyncstore.h"

#include <algorithm>

#include <QLoggingCategory>
#include <QSet>
#include <QTimerEvent>

Q_LOGGING_CATEGORY(lcAccess, "switchboard.access")

namespace Switchboard {

namespace {

// A timer can wait about 24 days; a later expiry is re-armed when this one fires.
constexpr qint64 MAX_TIMER_MS = 7LL * 86400 * 1000;

QString addressKey(const QHostAddress &peer)
{
    bool ok = false;
    const quint32 v4 = peer.toIPv4Address(&ok);
    return ok ? QHostAddress(v4).toString() : peer.toString();
}

} // namespace

AccessControl::AccessControl(const Config *config, AsyncStore *store,
                             ConnectionManager *connections,
                             std::shared_ptr<Io::Admission> admission, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_store(store)
    , m_connections(connections)
    , m_admission(std::move(admission))
{
    // A connection accepted before a rule and upgraded after its cut is closed on arrival.
    connect(m_connections, &ConnectionManager::sessionOpened, this,
            &AccessControl::onSessionOpened);
}

bool AccessControl::load(QString *error)
{
    const qint64 now = Protocol::Events::nowMs();
    const auto rules = m_store->call<QList<AccessRuleRecord>>(
        [now](Store &s) {
            s.deleteExpiredAccessRules(now);
            return s.accessRules();
        },
        error);
    if (!rules)
        return false;
    m_rules = *rules;
    publish();
    qCInfo(lcAccess) << m_rules.size() << "access rule(s) loaded";
    return true;
}

void AccessControl::reload()
{
    if (m_reloading) {
        m_reloadAgain = true; // a read is out: one more after it sees every change
        return;
    }
    m_reloading = true;
    const qint64 now = Protocol::Events::nowMs();
    m_store->read<QList<AccessRuleRecord>>(
        this,
        [now](Store &s) {
            QList<AccessRuleRecord> rules = s.accessRules();
            rules.removeIf([now](const auto &r) { return r.expiresAt > 0 && r.expiresAt <= now; });
            return rules;
        },
        [this](std::optional<QList<AccessRuleRecord>> rules, QString error) {
            m_reloading = false;
            if (!rules) {
                qCWarning(lcAccess)
                    << "reading the access rules another node changed failed:" << error;
            } else {
                m_rules = *rules;
                publish();
                const int closed = cut();
                qCInfo(lcAccess) << "access rules changed on another node:" << m_rules.size()
                                 << "rule(s); closed" << closed << "connection(s)";
            }
            if (std::exchange(m_reloadAgain, false))
                reload();
        });
}

std::shared_ptr<const Io::AccessRuleSet>
AccessControl::build(const QList<AccessRuleRecord> &rules) const
{
    QList<Io::AccessRuleEntry> entries;
    entries.reserve(rules.size());
    for (const AccessRuleRecord &r : rules) {
        QString why;
        const auto network = Io::IpNetwork::parse(r.cidr, &why);
        if (!network) {
            qCWarning(lcAccess) << "access rule" << r.id << "ignored:" << why;
            continue;
        }
        entries.append({r.id, r.action == QLatin1StringView("deny"), *network});
    }
    return std::make_shared<const Io::AccessRuleSet>(entries);
}

void AccessControl::publish()
{
    m_set = build(m_rules);
    if (m_admission)
        m_admission->setAccessRules(m_set);
    scheduleExpiry();
}

AccessControl::Impact AccessControl::impactOf(const Io::AccessRuleSet &set,
                                              const QHostAddress &caller) const
{
    Impact impact;
    QSet<qint64> users;
    QSet<QString> addresses;
    for (const Session *s : m_connections->sessions()) {
        const QHostAddress peer = s->peerAddress();
        // A session already closing is not cut again (cut() skips it as well): the counts are
        // what a save closes, however long a cut client takes to answer its close.
        if (s->closing() || !set.refuses(peer))
            continue;
        ++impact.connections;
        if (s->userId() > 0)
            users.insert(s->userId());
        addresses.insert(addressKey(peer));
    }
    impact.users = int(users.size());
    impact.addresses = int(addresses.size());
    impact.cutsCaller = !caller.isNull() && set.refuses(caller);
    return impact;
}

AccessControl::Impact AccessControl::preview(const AccessRuleRecord &candidate,
                                             const QHostAddress &caller) const
{
    QList<AccessRuleRecord> rules = m_rules;
    AccessRuleRecord r = candidate;
    r.id = 0;
    rules.append(r);
    return impactOf(*build(rules), caller);
}

AccessControl::Impact AccessControl::previewRemoval(qint64 id, const QHostAddress &caller) const
{
    QList<AccessRuleRecord> rules = m_rules;
    rules.removeIf([id](const AccessRuleRecord &r) { return r.id == id; });
    return impactOf(*build(rules), caller);
}

void AccessControl::add(const AccessRuleRecord &rule, Added done)
{
    if (m_rules.size() + m_adding >= m_config->maxAccessRules) {
        done(Failure::LimitReached, rule, {});
        return;
    }
    ++m_adding;
    m_store->run<AccessRuleRecord>(
        this, [rule](Store &s) { return s.addAccessRule(rule); },
        [this, done](std::optional<AccessRuleRecord> stored, QString error) {
            --m_adding;
            if (!stored) {
                qCWarning(lcAccess) << "storing an access rule failed:" << error;
                done(Failure::Unavailable, {}, {});
                return;
            }
            m_rules.append(*stored);
            publish();
            if (m_bus)
                m_bus->publishAccessRulesChange();
            Impact impact = impactOf(*m_set, {});
            cut();
            qCInfo(lcAccess).noquote()
                << QStringLiteral("access rule %1 added by %2: %3 %4; closed %5 connection(s)")
                       .arg(stored->id)
                       .arg(stored->createdBy, stored->action, stored->cidr)
                       .arg(impact.connections);
            done(Failure::None, *stored, impact);
        });
}

void AccessControl::remove(qint64 id, std::function<void(std::optional<bool>)> done)
{
    m_store->run<bool>(
        this, [id](Store &s) { return s.removeAccessRule(id); },
        [this, id, done](std::optional<bool> removed, QString error) {
            if (!removed) {
                qCWarning(lcAccess) << "removing access rule" << id << "failed:" << error;
                done(std::nullopt);
                return;
            }
            const bool known = m_rules.removeIf([id](const auto &r) { return r.id == id; }) > 0;
            if (m_bus)
                m_bus->publishAccessRulesChange();
            if (known) {
                publish();
                // Removing an allow rule can leave its addresses to a wider deny.
                const int closed = cut();
                qCInfo(lcAccess) << "access rule" << id << "removed; closed" << closed
                                 << "connection(s)";
            }
            done(*removed || known);
        });
}

int AccessControl::cut()
{
    int closed = 0;
    for (Session *s : m_connections->sessions()) {
        if (!s->closing() && m_set->refuses(s->peerAddress())) {
            s->close(Protocol::CloseCode::ADDRESS_REFUSED, QLatin1StringView(CLOSE_REASON));
            ++closed;
        }
    }
    return closed;
}

void AccessControl::onSessionOpened(quint64 connectionId)
{
    Session *s = m_connections->session(connectionId);
    if (s && m_set && m_set->refuses(s->peerAddress()))
        s->close(Protocol::CloseCode::ADDRESS_REFUSED, QLatin1StringView(CLOSE_REASON));
}

void AccessControl::scheduleExpiry()
{
    qint64 next = 0;
    for (const AccessRuleRecord &r : std::as_const(m_rules)) {
        if (r.expiresAt > 0 && (next == 0 || r.expiresAt < next))
            next = r.expiresAt;
    }
    if (next == 0) {
        m_expiry.stop();
        return;
    }
    const qint64 wait = std::clamp<qint64>(next - Protocol::Events::nowMs(), 0, MAX_TIMER_MS);
    m_expiry.start(int(wait), Qt::PreciseTimer, this);
}

void AccessControl::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_expiry.timerId())
        expire();
}

void AccessControl::expire()
{
    m_expiry.stop();
    const qint64 now = Protocol::Events::nowMs();
    const qsizetype dropped = m_rules.removeIf(
        [now](const AccessRuleRecord &r) { return r.expiresAt > 0 && r.expiresAt <= now; });
    publish(); // re-arms the timer for the next expiry
    if (dropped == 0)
        return;
    // An expired allow rule can leave its addresses to a wider deny.
    const int closed = cut();
    qCInfo(lcAccess) << dropped << "access rule(s) expired; closed" << closed << "connection(s)";
    m_store->run<int>(
        this, [now](Store &s) { return s.deleteExpiredAccessRules(now); },
        [](std::optional<int>, QString error) {
            if (!error.isEmpty())
                qCWarning(lcAccess) << "deleting expired access rules failed:" << error;
        });
}

} // namespace Switchboard
