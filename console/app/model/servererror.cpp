// SPDX-License-Identifier: MIT
#include "servererror.h"

namespace Switchboard::Console {

namespace {
// The codes of shared/protocol/errorcode.h, by wire name.
QString known(const QString &code)
{
    const auto is = [&](const char *name) { return code == QLatin1StringView(name); };
    if (is("INVALID_JSON"))
        return ServerError::tr("the request was not valid JSON");
    if (is("UNKNOWN_MESSAGE_TYPE"))
        return ServerError::tr("the server does not know this kind of message");
    if (is("MESSAGE_PROCESSING_ERROR"))
        return ServerError::tr("the server could not process the message");
    if (is("UNAUTHORIZED"))
        return ServerError::tr("not signed in, or the credentials were refused");
    if (is("FORBIDDEN"))
        return ServerError::tr("not allowed for this account");
    if (is("VALIDATION_ERROR"))
        return ServerError::tr("a field is missing or invalid");
    if (is("TOO_LARGE"))
        return ServerError::tr("too large");
    if (is("NOT_FOUND"))
        return ServerError::tr("no such user, room or connection");
    if (is("RATE_LIMITED"))
        return ServerError::tr("too many requests, try again shortly");
    if (is("METHOD_NOT_ALLOWED"))
        return ServerError::tr("not supported by the server");
    if (is("CONFLICT"))
        return ServerError::tr("conflicts with what exists (already there?)");
    if (is("INTERNAL_ERROR"))
        return ServerError::tr("internal server error");
    if (is("UNAVAILABLE"))
        return ServerError::tr("the server is not available right now");
    if (is("TOKEN_EXPIRED"))
        return ServerError::tr("the sign-in token has expired");
    if (is("LIMIT_REACHED"))
        return ServerError::tr("a configured limit was reached");
    return {};
}
} // namespace

bool ServerError::isKnown(const QString &code)
{
    return !known(code).isEmpty();
}

QString ServerError::text(const QString &code, const QString &message)
{
    if (code.isEmpty())
        return message;
    const QString worded = known(code);
    if (worded.isEmpty())
        return message.isEmpty() ? code : QStringLiteral("%1: %2").arg(code, message);
    return tr("%1 (%2)").arg(worded, code);
}

} // namespace Switchboard::Console
