// SPDX-License-Identifier: MIT
#include "serverhealth.h"

#include "jsonfields.h"

namespace Switchboard::Console {

ServerHealth::ServerHealth(QObject *parent)
    : QObject(parent)
{ }

void ServerHealth::applyReadiness(bool ok, const QJsonObject &json, const QString &error)
{
    if (!ok) {
        set(State::NotReady, error);
        return;
    }
    const QString status = Json::str(json, "status");
    if (status == QLatin1StringView("degraded"))
        set(State::Degraded, Json::str(json, "reason"));
    else
        set(State::Ready, {});
}

void ServerHealth::clear()
{
    set(State::Unknown, {});
}

QString ServerHealth::text() const
{
    switch (m_state) {
    case State::Degraded:
        return m_reason.isEmpty()
            ? tr("Degraded: this node has lost the other nodes (Redis); it serves its own "
                 "connections only.")
            : tr("Degraded: this node has lost the other nodes (Redis); it serves its own "
                 "connections only. The server says: %1")
                  .arg(m_reason);
    case State::NotReady:
        return tr("The server is not ready: %1").arg(m_reason);
    case State::Unknown:
    case State::Ready:
        return {};
    }
    return {};
}

void ServerHealth::set(State state, const QString &reason)
{
    if (m_state == state && m_reason == reason)
        return;
    m_state = state;
    m_reason = reason;
    Q_EMIT changed();
}

} // namespace Switchboard::Console
