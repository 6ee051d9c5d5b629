// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace Switchboard::LoadTest {

// The client half of RFC 6455 framing, written for speed: frames are appended to a connection's
// output buffer (masked, as a client must), and incoming server frames are cut out of a byte
// buffer without copies unless a message is fragmented.
namespace WsFrame {

enum Opcode : std::uint8_t {
    CONTINUATION = 0x0,
    TEXT = 0x1,
    BINARY = 0x2,
    CLOSE = 0x8,
    PING = 0x9,
    PONG = 0xA,
};

constexpr std::string_view ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// Sec-WebSocket-Key: 16 random bytes, base64.
std::string makeKey(std::uint64_t random1, std::uint64_t random2);
// The Sec-WebSocket-Accept a server must answer for `key`: base64(SHA-1(key + GUID)).
std::string acceptFor(std::string_view key);

// Appends one masked frame (FIN set) to `out`. The mask is taken from `maskKey`.
void appendFrame(std::string &out, Opcode opcode, std::string_view payload, std::uint32_t maskKey);

// One frame header parsed from the front of a buffer.
struct Header
{
    bool fin = false;
    Opcode opcode = CONTINUATION;
    std::size_t headerBytes = 0;
    std::uint64_t payloadBytes = 0;
};

enum class ParseResult {
    Complete, // header and the whole payload are in the buffer
    NeedMore, // the frame is not complete yet
    Invalid, // a protocol violation (masked server frame, reserved bits, bad control frame)
};

ParseResult parseHeader(const char *data, std::size_t size, Header *header, const char **why);

} // namespace WsFrame

} // namespace Switchboard::LoadTest
