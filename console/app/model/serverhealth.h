// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QObject>
#include <QString>

namespace Switchboard::Console {

// Whether the server the console is connected to serves normally, from its /readyz answer
// (refreshed with the other metrics): "degraded" while a node of several has lost its Redis (it
// serves its own connections only), with the server's reason; "not ready" with its error.
class ServerHealth : public QObject
{
    Q_OBJECT

public:
    enum class State { Unknown, Ready, Degraded, NotReady };
    Q_ENUM(State)

    explicit ServerHealth(QObject *parent = nullptr);

    // One /readyz answer: ok (2xx) with {"status":"ready"|"degraded","reason"}, or a refusal
    // (503 with the server's error text, or no answer at all).
    void applyReadiness(bool ok, const QJsonObject &json, const QString &error);
    void clear();

    State state() const { return m_state; }
    // The server's own words (not translated): why it is degraded or not ready.
    QString reason() const { return m_reason; }
    // The operator's line for the state, in the interface language; empty when all is well.
    QString text() const;

Q_SIGNALS:
    void changed();

private:
    void set(State state, const QString &reason);

    State m_state = State::Unknown;
    QString m_reason;
};

} // namespace Switchboard::Console
