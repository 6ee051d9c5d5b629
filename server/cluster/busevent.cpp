// SPDX-License-Identifier: MIT
#include "busevent.h"

#include <QtEndian>

namespace Switchboard {

namespace {

constexpr char MAGIC = 'B';

template<typename T> void put(QByteArray &out, T value)
{
    char bytes[sizeof(T)];
    qToLittleEndian(value, bytes);
    out.append(bytes, sizeof(T));
}

class Reader
{
public:
    explicit Reader(const QByteArray &bytes)
        : m_bytes(bytes)
    { }
    template<typename T> bool get(T *value)
    {
        if (m_bytes.size() - m_pos < qsizetype(sizeof(T)))
            return false;
        *value = qFromLittleEndian<T>(m_bytes.constData() + m_pos);
        m_pos += sizeof(T);
        return true;
    }
    bool get(QByteArray *value, qsizetype size)
    {
        if (size < 0 || m_bytes.size() - m_pos < size)
            return false;
        *value = m_bytes.mid(m_pos, size);
        m_pos += size;
        return true;
    }
    QByteArray rest() const { return m_bytes.mid(m_pos); }

private:
    const QByteArray &m_bytes;
    qsizetype m_pos = 0;
};

} // namespace

// magic, version, kind, origin length (1 byte), origin, id, seq, code, name length
// (2 bytes), name (UTF-8), payload to the end.
QByteArray BusEvent::encode() const
{
    const QByteArray nameBytes = name.toUtf8();
    const QByteArray node = origin.left(255);
    QByteArray out;
    out.reserve(4 + node.size() + 8 + 8 + 4 + 2 + nameBytes.size() + payload.size());
    out.append(MAGIC);
    put<quint8>(out, VERSION);
    put<quint8>(out, quint8(kind));
    put<quint8>(out, quint8(node.size()));
    out.append(node);
    put<qint64>(out, id);
    put<qint64>(out, seq);
    put<qint32>(out, code);
    put<quint16>(out, quint16(std::min<qsizetype>(nameBytes.size(), 65535)));
    out.append(nameBytes.left(65535));
    out.append(payload);
    return out;
}

std::optional<BusEvent> BusEvent::decode(const QByteArray &bytes)
{
    Reader in(bytes);
    quint8 magic = 0, version = 0, kind = 0, nodeSize = 0;
    quint16 nameSize = 0;
    BusEvent e;
    QByteArray nameBytes;
    if (!in.get(&magic) || magic != quint8(MAGIC) || !in.get(&version) || version != VERSION
        || !in.get(&kind) || kind < quint8(Kind::User) || kind > quint8(Kind::OperatorsListening)
        || !in.get(&nodeSize) || !in.get(&e.origin, nodeSize) || !in.get(&e.id) || !in.get(&e.seq)
        || !in.get(&e.code) || !in.get(&nameSize) || !in.get(&nameBytes, nameSize))
        return std::nullopt;
    e.kind = Kind(kind);
    e.name = QString::fromUtf8(nameBytes);
    e.payload = in.rest();
    return e;
}

QByteArray BusEvent::packFrames(const QList<QByteArray> &frames)
{
    qsizetype size = 0;
    for (const QByteArray &frame : frames)
        size += 4 + frame.size();
    QByteArray out;
    out.reserve(size);
    for (const QByteArray &frame : frames) {
        put<quint32>(out, quint32(frame.size()));
        out.append(frame);
    }
    return out;
}

QList<QByteArray> BusEvent::unpackFrames(const QByteArray &payload, qint32 count)
{
    Reader in(payload);
    QList<QByteArray> frames;
    quint32 size = 0;
    QByteArray frame;
    while (frames.size() < count && in.get(&size) && in.get(&frame, qsizetype(size)))
        frames.append(frame);
    return frames;
}

} // namespace Switchboard
