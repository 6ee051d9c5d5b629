// SPDX-License-Identifier: MIT
#include "jsonwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace Switchboard::Protocol {

namespace {

void appendEscaped(QByteArray &out, const char *p, qsizetype n)
{
    static const char hex[] = "0123456789abcdef";
    out.append('"');
    qsizetype run = 0; // bytes copied as they are, flushed before each escape
    for (qsizetype i = 0; i < n; ++i) {
        const unsigned char c = static_cast<unsigned char>(p[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out.append(p + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
            out.append("\\\"", 2);
            break;
        case '\\':
            out.append("\\\\", 2);
            break;
        case '\n':
            out.append("\\n", 2);
            break;
        case '\r':
            out.append("\\r", 2);
            break;
        case '\t':
            out.append("\\t", 2);
            break;
        case '\b':
            out.append("\\b", 2);
            break;
        case '\f':
            out.append("\\f", 2);
            break;
        default: {
            const char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
            out.append(u, 6);
        }
        }
    }
    out.append(p + run, n - run);
    out.append('"');
}

} // namespace

JsonWriter::JsonWriter(qsizetype reserve)
{
    m_out.reserve(reserve);
    m_out.append('{');
}

void JsonWriter::key(QLatin1StringView k)
{
    if (!m_first)
        m_out.append(',');
    m_first = false;
    appendLatin1String(m_out, k);
    m_out.append(':');
}

void JsonWriter::appendString(QByteArray &out, QStringView s)
{
    const QByteArray utf8 = s.toUtf8();
    appendEscaped(out, utf8.constData(), utf8.size());
}

void JsonWriter::appendLatin1String(QByteArray &out, QLatin1StringView s)
{
    // Callers pass ASCII keys and names; anything above 0x7f is converted properly.
    for (char c : s) {
        if (static_cast<unsigned char>(c) >= 0x80) {
            appendString(out, QString(s));
            return;
        }
    }
    appendEscaped(out, s.data(), s.size());
}

JsonWriter &JsonWriter::field(QLatin1StringView k, QLatin1StringView value)
{
    key(k);
    appendLatin1String(m_out, value);
    return *this;
}

JsonWriter &JsonWriter::field(QLatin1StringView k, const QString &value)
{
    key(k);
    appendString(m_out, value);
    return *this;
}

JsonWriter &JsonWriter::field(QLatin1StringView k, qint64 value)
{
    key(k);
    m_out.append(QByteArray::number(value));
    return *this;
}

JsonWriter &JsonWriter::field(QLatin1StringView k, bool value)
{
    key(k);
    m_out.append(value ? "true" : "false");
    return *this;
}

JsonWriter &JsonWriter::fieldIfSet(QLatin1StringView k, const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        break;
    case QJsonValue::String:
        key(k);
        appendString(m_out, value.toString());
        break;
    case QJsonValue::Bool:
        field(k, value.toBool());
        break;
    case QJsonValue::Double: {
        // Integers as integers, like QJsonDocument; other numbers through it.
        const double d = value.toDouble();
        // Range first: casting a double outside qint64 to it is undefined.
        if (d > -9007199254740992.0 && d < 9007199254740992.0 && d == std::trunc(d)) {
            field(k, qint64(d));
        } else {
            key(k);
            const QByteArray array
                = QJsonDocument(QJsonArray {value}).toJson(QJsonDocument::Compact);
            m_out.append(array.mid(1, array.size() - 2));
        }
        break;
    }
    case QJsonValue::Array:
        key(k);
        m_out.append(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
        break;
    case QJsonValue::Object:
        key(k);
        m_out.append(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
        break;
    }
    return *this;
}

JsonWriter &JsonWriter::json(QLatin1StringView k, const QByteArray &encoded)
{
    key(k);
    m_out.append(encoded);
    return *this;
}

bool JsonWriter::members(const QByteArray &object)
{
    if (object.size() < 2 || object.front() != '{' || object.back() != '}')
        return false;
    if (object.size() == 2)
        return true; // {}: nothing to add
    if (!m_first)
        m_out.append(',');
    m_first = false;
    m_out.append(object.constData() + 1, object.size() - 2);
    return true;
}

QByteArray JsonWriter::take()
{
    m_out.append('}');
    return std::move(m_out);
}

} // namespace Switchboard::Protocol
