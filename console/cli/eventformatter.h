// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QString>

namespace Switchboard::Cli {

// Turns server events into readable lines: time, who, where, what. Remembers the user names it
// sees so that later lines (and `dm NAME`) can use them.
class EventFormatter
{
public:
    void setSelf(qint64 userId, const QString &name);
    // One or more lines for an event; empty when it is not worth a line (a pong of an
    // automatic ping, an ack shown elsewhere).
    QString format(const QJsonObject &event) const;
    // Learns names from an event (from_name, username, the welcome).
    void learn(const QJsonObject &event);
    // The id of a user seen under this name, 0 when unknown.
    qint64 idOf(const QString &name) const { return m_ids.value(name.toLower()); }
    void remember(qint64 id, const QString &name);

    QString who(qint64 id, const QString &name = {}) const;
    static QString time(const QJsonObject &event);

private:
    QString message(const QJsonObject &e, bool withTime = true) const;

    qint64 m_self = 0;
    QHash<qint64, QString> m_names;
    QHash<QString, qint64> m_ids; // lower-case name -> id
};

} // namespace Switchboard::Cli
