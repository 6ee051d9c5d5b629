// SPDX-License-Identifier: MIT
#pragma once

#include <QCoreApplication>
#include <QJsonObject>
#include <QString>

namespace Switchboard::Console {

// Turns an operator-feed event (admin_event, the console's own session changes and operator
// actions) into one translated sentence. Called when a row is painted, not when it arrives, so
// the log follows a language switch.
class EventDescriber
{
    Q_DECLARE_TR_FUNCTIONS(EventDescriber)

public:
    enum class Category { Session, Connection, Presence, Room, Broadcast, Error, Operator };

    static Category category(const QJsonObject &event);
    static QString categoryName(Category category);
    static QString describe(const QJsonObject &event);

private:
    static QString who(const QJsonObject &event);
    static QString describeOperator(const QJsonObject &event);
    static QString describeSession(const QJsonObject &event);
};

} // namespace Switchboard::Console
