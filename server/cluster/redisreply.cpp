// SPDX-License-Identifier: MIT
#include "cluster/redisreply.h"

#include <QStringList>

namespace Switchboard {

RedisReply RedisReply::error(const QByteArray &message)
{
    RedisReply reply;
    reply.type = Type::Error;
    reply.string = message;
    return reply;
}

QString RedisReply::toDebugString() const
{
    constexpr qsizetype SHOWN = 80; // bytes of a string shown; the length follows
    switch (type) {
    case Type::Nil:
        return QStringLiteral("nil");
    case Type::Status:
        return u'+' + QString::fromUtf8(string);
    case Type::Error:
        return u'-' + QString::fromUtf8(string);
    case Type::Integer:
        return u':' + QString::number(integer);
    case Type::String:
        if (string.size() <= SHOWN)
            return u'"' + QString::fromUtf8(string.toPercentEncoding(" ")) + u'"';
        return QStringLiteral("\"%1...\" (%2 bytes)")
            .arg(QString::fromUtf8(string.left(SHOWN).toPercentEncoding(" ")))
            .arg(string.size());
    case Type::Array: {
        QStringList parts;
        for (const RedisReply &element : elements)
            parts << element.toDebugString();
        return u'[' + parts.join(QStringLiteral(", ")) + u']';
    }
    }
    return QString();
}

} // namespace Switchboard
