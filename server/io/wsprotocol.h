// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace Switchboard::Io::Ws {

// The server half of RFC 6455 framing. Outgoing frames are built whole (header + payload) so
// that one encoded event can be queued, unchanged, on every connection that receives it.

enum Opcode : quint8 {
    CONTINUATION = 0x0,
    TEXT = 0x1,
    BINARY = 0x2,
    CLOSE = 0x8,
    PING = 0x9,
    PONG = 0xA,
};

// Close codes of RFC 6455 section 7.4.1 that the transport itself sends.
enum CloseCode : quint16 {
    CLOSE_NORMAL = 1000,
    CLOSE_GOING_AWAY = 1001,
    CLOSE_PROTOCOL_ERROR = 1002,
    CLOSE_BAD_DATA = 1007, // text that is not UTF-8
    CLOSE_TOO_BIG = 1009,
    CLOSE_NO_STATUS = 1005, // never sent: what an empty close payload means
};

constexpr QByteArrayView ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// One unmasked frame with FIN set.
QByteArray encodeFrame(Opcode opcode, QByteArrayView payload);
// A close frame; the reason is cut to what fits a control frame (123 bytes) on a UTF-8 boundary.
QByteArray encodeClose(quint16 code, QByteArrayView reason);

// One frame header read from the front of a buffer of client bytes.
struct FrameHeader
{
    bool fin = false;
    Opcode opcode = CONTINUATION;
    qsizetype headerBytes = 0;
    quint64 payloadBytes = 0;
    quint32 mask = 0; // network byte order as it appears on the wire, applied bytewise
};

enum class ParseResult {
    Complete, // the header is in the buffer (the payload may not be yet)
    NeedMore,
    Invalid, // a protocol violation; `why` says which
};

// Client frames must be masked, use no reserved bits or opcodes, and control frames must be
// unfragmented and at most 125 bytes.
ParseResult parseClientHeader(const char *data, qsizetype size, FrameHeader *header,
                              const char **why);

// XORs `size` bytes with the 4-byte mask, starting at `offset` bytes into the masked payload.
void unmask(char *data, qsizetype size, quint32 mask, quint64 offset = 0);

// RFC 3629 UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool isValidUtf8(QByteArrayView text);

// The same rules fed piece by piece: a text message is checked as its bytes arrive, across
// fragments and partial reads, so that it fails at the first byte that cannot be part of valid
// UTF-8 (RFC 6455 section 8.1 "fail fast") instead of when the message is complete.
class Utf8Validator
{
public:
    // False from the first invalid byte on (the validator stays failed until reset()).
    bool feed(QByteArrayView bytes);
    // True when no character was cut short: the end of a message may come here.
    bool atBoundary() const { return m_need == 0 && !m_failed; }
    void reset() { *this = Utf8Validator(); }

private:
    quint8 m_need = 0; // continuation bytes still expected for the current character
    quint8 m_lo = 0x80; // range of the next continuation byte (narrower right after a lead)
    quint8 m_hi = 0xBF;
    bool m_failed = false;
};

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key: base64(SHA-1(key + GUID)).
QByteArray acceptKey(QByteArrayView clientKey);

} // namespace Switchboard::Io::Ws
