// SPDX-License-Identifier: MIT
#include "restrequest.h"

#include "protocol/events.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QTcpSocket>

namespace Switchboard {

bool RestRequest::jsonBody(QJsonObject *out, QString *error) const
{
    if (body.trimmed().isEmpty()) {
        *error = QStringLiteral("the request needs a JSON object body");
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = QStringLiteral("invalid JSON at offset %1: %2")
                     .arg(parseError.offset)
                     .arg(parseError.errorString());
        return false;
    }
    if (!doc.isObject()) {
        *error = QStringLiteral("the body must be a JSON object");
        return false;
    }
    *out = doc.object();
    return true;
}

RestReply::RestReply(QTcpSocket *socket)
    : m_socket(socket)
{ }

static QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 426:
        return "Upgrade Required";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

void RestReply::raw(int status, const QByteArray &contentType, const QByteArray &body,
                    const QList<QPair<QByteArray, QByteArray>> &extraHeaders)
{
    if (m_answered)
        return;
    m_answered = true;
    if (!m_socket || !m_socket->isOpen())
        return;
    QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
        + "\r\nContent-Type: " + contentType
        + "\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
    for (const auto &[name, value] : extraHeaders)
        head += name + ": " + value + "\r\n";
    head += "\r\n";
    m_socket->write(head + body);
}

void RestReply::json(int status, const QJsonObject &body)
{
    raw(status, "application/json",
        QJsonDocument(Protocol::Dialects::restReply(m_dialect, status, body))
            .toJson(QJsonDocument::Compact));
}

void RestReply::retryLater(Protocol::ErrorCode code, const QString &message, qint64 retryAfterMs,
                           int status)
{
    const qint64 seconds = qMax<qint64>(1, (retryAfterMs + 999) / 1000);
    error(code, message, status, {{QByteArray("Retry-After"), QByteArray::number(seconds)}});
}

void RestReply::failure(const Failure &f)
{
    if (f.retryAfterMs > 0)
        retryLater(f.code, f.message, f.retryAfterMs);
    else
        error(f.code, f.message);
}

void RestReply::storeError(const QString &storeError)
{
    failure(storeFailure(
        storeError,
        Failure {Protocol::ErrorCode::Unavailable, QStringLiteral("database unavailable")}));
}

void RestReply::error(Protocol::ErrorCode code, const QString &message, int status,
                      const QList<QPair<QByteArray, QByteArray>> &extraHeaders)
{
    const QJsonObject body {{QStringLiteral("error"),
                             QJsonObject {{QStringLiteral("code"), Protocol::errorCodeName(code)},
                                          {QStringLiteral("message"), message}}}};
    QList<QPair<QByteArray, QByteArray>> headers = extraHeaders;
    const int httpStatus = status ? status : Protocol::errorCodeHttpStatus(code);
    if (httpStatus == 401)
        headers.append(qMakePair(QByteArray("WWW-Authenticate"), QByteArray("Bearer")));
    raw(httpStatus, "application/json",
        QJsonDocument(Protocol::Dialects::restReply(m_dialect, httpStatus, body))
            .toJson(QJsonDocument::Compact),
        headers);
}

} // namespace Switchboard
