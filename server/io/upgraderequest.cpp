// SPDX-License-Identifier: MIT
#include "upgraderequest.h"

namespace Switchboard::Io {

namespace {

// Told apart from the other problems: it is answered 426 (RFC 6455 section 4.4).
constexpr char VERSION_PROBLEM[] = "Sec-WebSocket-Version must be 13";

bool containsToken(QByteArrayView list, QByteArrayView token)
{
    // Comma-separated, case-insensitive (Connection: keep-alive, Upgrade).
    qsizetype start = 0;
    while (start <= list.size()) {
        qsizetype end = list.indexOf(',', start);
        if (end < 0)
            end = list.size();
        if (list.sliced(start, end - start).trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
        start = end + 1;
    }
    return false;
}

bool isTokenChar(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

} // namespace

QByteArray UpgradeRequest::header(QByteArrayView lowerName) const
{
    for (const auto &[name, value] : headers) {
        if (name == lowerName)
            return value;
    }
    return {};
}

bool UpgradeRequest::wantsWebSocket() const
{
    return containsToken(header("upgrade"), "websocket");
}

QByteArray UpgradeRequest::upgradeProblem() const
{
    if (method != "GET")
        return QByteArrayLiteral("a WebSocket upgrade must use GET");
    if (!containsToken(header("connection"), "upgrade"))
        return QByteArrayLiteral("missing Connection: Upgrade");
    if (header("sec-websocket-version") != "13")
        return QByteArray(VERSION_PROBLEM);
    const QByteArray key = header("sec-websocket-key");
    if (QByteArray::fromBase64(key).size() != 16)
        return QByteArrayLiteral("Sec-WebSocket-Key must be 16 bytes in base64");
    return {};
}

int UpgradeRequest::problemStatus() const
{
    return upgradeProblem() == VERSION_PROBLEM ? 426 : 400;
}

QList<QPair<QByteArray, QByteArray>> UpgradeRequest::problemHeaders() const
{
    if (problemStatus() != 426)
        return {};
    return {{QByteArrayLiteral("Sec-WebSocket-Version"), QByteArrayLiteral("13")}};
}

UpgradeRequest::Result UpgradeRequest::parse(QByteArrayView data, qsizetype maxBytes,
                                             UpgradeRequest *out, qsizetype *consumed)
{
    if (!data.isEmpty() && !(data[0] >= 'A' && data[0] <= 'Z'))
        return Result::NotHttp; // every method is upper-case letters
    const qsizetype end = data.indexOf(QByteArrayView("\r\n\r\n"));
    if (end < 0)
        return data.size() > maxBytes ? Result::TooLarge : Result::NeedMore;
    if (end + 4 > maxBytes)
        return Result::TooLarge;
    *consumed = end + 4;
    const QByteArrayView head = data.first(end);
    qsizetype lineEnd = head.indexOf(QByteArrayView("\r\n"));
    const QByteArrayView requestLine = lineEnd < 0 ? head : head.first(lineEnd);
    // method SP request-target SP HTTP-version
    const qsizetype sp1 = requestLine.indexOf(' ');
    const qsizetype sp2 = sp1 < 0 ? -1 : requestLine.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 < 0 || requestLine.indexOf(' ', sp2 + 1) >= 0)
        return Result::Invalid;
    const QByteArrayView parts[3]
        = {requestLine.first(sp1), requestLine.sliced(sp1 + 1, sp2 - sp1 - 1),
           requestLine.sliced(sp2 + 1)};
    if (!parts[1].startsWith('/') || !parts[2].startsWith("HTTP/1."))
        return Result::Invalid;
    for (char c : parts[0]) {
        if (!isTokenChar(c))
            return Result::Invalid;
    }
    out->method = parts[0].toByteArray();
    out->target = parts[1].toByteArray();
    const qsizetype q = out->target.indexOf('?');
    out->path = q < 0 ? out->target : out->target.left(q);
    out->query = q < 0 ? QByteArray() : out->target.mid(q + 1);
    out->headers.clear();
    while (lineEnd >= 0) {
        const qsizetype start = lineEnd + 2;
        lineEnd = head.indexOf(QByteArrayView("\r\n"), start);
        const QByteArrayView line
            = head.sliced(start, (lineEnd < 0 ? head.size() : lineEnd) - start);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return Result::Invalid; // also refuses obsolete line folding
        const QByteArrayView name = line.first(colon);
        for (char c : name) {
            if (!isTokenChar(c))
                return Result::Invalid;
        }
        out->headers.append(
            {name.toByteArray().toLower(), line.sliced(colon + 1).trimmed().toByteArray()});
    }
    return Result::Complete;
}

QByteArray httpResponse(int status, QByteArrayView reason, QByteArrayView contentType,
                        QByteArrayView body,
                        const QList<QPair<QByteArray, QByteArray>> &extraHeaders)
{
    QByteArray out;
    out.reserve(160 + body.size());
    out += "HTTP/1.1 " + QByteArray::number(status) + ' ';
    out += reason;
    out += "\r\nContent-Type: ";
    out += contentType;
    out += "\r\n";
    out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    for (const auto &[name, value] : extraHeaders)
        out += name + ": " + value + "\r\n";
    out += "Connection: close\r\n\r\n";
    out += body;
    return out;
}

QByteArray switchingProtocols(QByteArrayView acceptKey)
{
    QByteArray out = QByteArrayLiteral("HTTP/1.1 101 Switching Protocols\r\n"
                                       "Upgrade: websocket\r\n"
                                       "Connection: Upgrade\r\n"
                                       "Sec-WebSocket-Accept: ");
    out += acceptKey;
    out += "\r\n\r\n";
    return out;
}

} // namespace Switchboard::Io
