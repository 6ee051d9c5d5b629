// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QLatin1StringView>
#include <QString>

// Writes compact JSON straight into a byte array, for the frames the server sends most often
// (acks, pongs, errors and stored messages). QJsonDocument builds a tree of QCborValues and
// re-encodes it; this writes each field once. Its output parses to the same value that
// QJsonDocument would give (tests/protocol/tst_jsonwriter.cpp checks that); keys come out in
// the order they are written, not sorted.
namespace Switchboard::Protocol {

class JsonWriter
{
public:
    explicit JsonWriter(qsizetype reserve = 128);

    // Starts the object; every field then goes through one of the setters, in order.
    JsonWriter &field(QLatin1StringView key, QLatin1StringView value);
    JsonWriter &field(QLatin1StringView key, const QString &value);
    JsonWriter &field(QLatin1StringView key, qint64 value);
    JsonWriter &field(QLatin1StringView key, bool value);
    // Any JSON value (objects and arrays through QJsonDocument); skipped when null/undefined.
    JsonWriter &fieldIfSet(QLatin1StringView key, const QJsonValue &value);
    // A value already encoded as compact JSON (a nested JsonWriter's take(), say), as it is.
    JsonWriter &json(QLatin1StringView key, const QByteArray &encoded);
    // The members of a compact JSON object text ("{...}"), spliced in as they are. Returns
    // false (and writes nothing) unless `object` starts with '{' and ends with '}'.
    bool members(const QByteArray &object);

    // Closes the object and hands over the bytes.
    QByteArray take();

    static void appendString(QByteArray &out, QStringView s);
    static void appendLatin1String(QByteArray &out, QLatin1StringView s);

private:
    void key(QLatin1StringView k);

    QByteArray m_out;
    bool m_first = true;
};

} // namespace Switchboard::Protocol
