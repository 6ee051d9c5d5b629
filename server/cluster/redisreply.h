// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace Switchboard {

// One Redis reply as a value, detached from hiredis: what a RedisClient hands to a command's
// completion. Strings are binary-safe; an array holds its elements (which may be nil).
struct RedisReply
{
    enum class Type { Nil, Status, Error, Integer, String, Array };

    Type type = Type::Nil;
    QByteArray string; // the text of a Status or an Error, the bytes of a String
    qint64 integer = 0; // an Integer
    QList<RedisReply> elements; // an Array

    bool isNil() const { return type == Type::Nil; }
    bool isError() const { return type == Type::Error; }
    bool isString() const { return type == Type::String; }
    bool isInteger() const { return type == Type::Integer; }
    bool isArray() const { return type == Type::Array; }
    bool isStatus() const { return type == Type::Status; }

    // An error that did not come from the server (not connected, connection lost, too many
    // commands in flight): the same shape as a server error, so one check covers both.
    static RedisReply error(const QByteArray &message);
    // For test failure messages and logs: `nil`, `+OK`, `-ERR ...`, `:42`, `"..."`, `[...]`.
    QString toDebugString() const;
};

} // namespace Switchboard
