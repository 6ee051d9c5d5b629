// SPDX-License-Identifier: MIT
#include "wsprotocol.h"

#include <cstring>

#include <QCryptographicHash>

namespace Switchboard::Io::Ws {

namespace {

constexpr qsizetype MAX_CONTROL_PAYLOAD = 125;

void appendHeader(QByteArray &out, Opcode opcode, quint64 length)
{
    out.append(char(0x80 | opcode));
    if (length < 126) {
        out.append(char(length));
    } else if (length <= 0xFFFF) {
        out.append(char(126));
        out.append(char(length >> 8));
        out.append(char(length & 0xFF));
    } else {
        out.append(char(127));
        for (int shift = 56; shift >= 0; shift -= 8)
            out.append(char((length >> shift) & 0xFF));
    }
}

bool isControl(quint8 opcode)
{
    return opcode & 0x8;
}

} // namespace

QByteArray encodeFrame(Opcode opcode, QByteArrayView payload)
{
    QByteArray out;
    out.reserve(payload.size() + 10);
    appendHeader(out, opcode, quint64(payload.size()));
    out.append(payload.data(), payload.size());
    return out;
}

QByteArray encodeClose(quint16 code, QByteArrayView reason)
{
    qsizetype n = std::min<qsizetype>(reason.size(), MAX_CONTROL_PAYLOAD - 2);
    // Never cut a UTF-8 sequence in half: step back over continuation bytes.
    while (n > 0 && n < reason.size() && (quint8(reason[n]) & 0xC0) == 0x80)
        --n;
    QByteArray payload;
    payload.reserve(2 + n);
    payload.append(char(code >> 8));
    payload.append(char(code & 0xFF));
    payload.append(reason.data(), n);
    return encodeFrame(CLOSE, payload);
}

ParseResult parseClientHeader(const char *data, qsizetype size, FrameHeader *header,
                              const char **why)
{
    if (size < 2)
        return ParseResult::NeedMore;
    const auto b0 = quint8(data[0]), b1 = quint8(data[1]);
    const quint8 opcode = b0 & 0x0F;
    if (b0 & 0x70) {
        *why = "reserved bits set without a negotiated extension";
        return ParseResult::Invalid;
    }
    if ((opcode > BINARY && opcode < CLOSE) || opcode > PONG) {
        *why = "reserved opcode";
        return ParseResult::Invalid;
    }
    if (!(b1 & 0x80)) {
        *why = "client frames must be masked";
        return ParseResult::Invalid;
    }
    quint64 length = b1 & 0x7F;
    qsizetype at = 2;
    if (length == 126) {
        if (size < at + 2)
            return ParseResult::NeedMore;
        length = (quint64(quint8(data[2])) << 8) | quint8(data[3]);
        at += 2;
        if (length < 126) {
            *why = "length not in its shortest form";
            return ParseResult::Invalid;
        }
    } else if (length == 127) {
        if (size < at + 8)
            return ParseResult::NeedMore;
        length = 0;
        for (int i = 0; i < 8; ++i)
            length = (length << 8) | quint8(data[2 + i]);
        at += 8;
        if (length >> 63) {
            *why = "length with the most significant bit set";
            return ParseResult::Invalid;
        }
        if (length <= 0xFFFF) {
            *why = "length not in its shortest form";
            return ParseResult::Invalid;
        }
    }
    if (isControl(opcode) && (!(b0 & 0x80) || length > MAX_CONTROL_PAYLOAD)) {
        *why = "fragmented or oversized control frame";
        return ParseResult::Invalid;
    }
    if (size < at + 4)
        return ParseResult::NeedMore;
    quint32 mask;
    std::memcpy(&mask, data + at, 4);
    at += 4;
    header->fin = b0 & 0x80;
    header->opcode = Opcode(opcode);
    header->headerBytes = at;
    header->payloadBytes = length;
    header->mask = mask;
    return ParseResult::Complete;
}

void unmask(char *data, qsizetype size, quint32 mask, quint64 offset)
{
    unsigned char key[4];
    std::memcpy(key, &mask, 4);
    qsizetype i = 0;
    // Align to the mask phase, then go 8 bytes at a time.
    while (i < size && ((offset + quint64(i)) & 3) != 0) {
        data[i] ^= char(key[(offset + quint64(i)) & 3]);
        ++i;
    }
    quint64 wide;
    const quint64 k = quint64(mask) | (quint64(mask) << 32);
    for (; i + 8 <= size; i += 8) {
        std::memcpy(&wide, data + i, 8);
        wide ^= k;
        std::memcpy(data + i, &wide, 8);
    }
    for (; i < size; ++i)
        data[i] ^= char(key[(offset + quint64(i)) & 3]);
}

bool isValidUtf8(QByteArrayView text)
{
    Utf8Validator validator;
    return validator.feed(text) && validator.atBoundary();
}

bool Utf8Validator::feed(QByteArrayView text)
{
    if (m_failed)
        return false;
    const auto *s = reinterpret_cast<const unsigned char *>(text.data());
    const qsizetype n = text.size();
    qsizetype i = 0;
    while (i < n) {
        if (m_need > 0) {
            const unsigned char c = s[i];
            if (c < m_lo || c > m_hi) {
                m_failed = true;
                return false;
            }
            m_lo = 0x80;
            m_hi = 0xBF;
            --m_need;
            ++i;
            continue;
        }
        // ASCII runs, 8 bytes at a time.
        while (i + 8 <= n) {
            quint64 w;
            std::memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        const unsigned char c = s[i++];
        if (c < 0x80)
            continue;
        if (c >= 0xC2 && c <= 0xDF) {
            m_need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            m_need = 2;
            if (c == 0xE0)
                m_lo = 0xA0; // no overlongs
            if (c == 0xED)
                m_hi = 0x9F; // no surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            m_need = 3;
            if (c == 0xF0)
                m_lo = 0x90;
            if (c == 0xF4)
                m_hi = 0x8F; // nothing above U+10FFFF
        } else {
            m_failed = true;
            return false;
        }
    }
    return true;
}

QByteArray acceptKey(QByteArrayView clientKey)
{
    QCryptographicHash sha1(QCryptographicHash::Sha1);
    sha1.addData(clientKey);
    sha1.addData(ACCEPT_GUID);
    return sha1.result().toBase64();
}

} // namespace Switchboard::Io::Ws
