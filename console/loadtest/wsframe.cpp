// SPDX-License-Identifier: MIT
#include "wsframe.h"

#include <cstring>

#include <openssl/evp.h>

namespace Switchboard::LoadTest::WsFrame {

namespace {

std::string base64(const unsigned char *data, int size)
{
    std::string out(std::size_t(4 * ((size + 2) / 3)), '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()), data, size);
    out.resize(std::size_t(n));
    return out;
}

} // namespace

std::string makeKey(std::uint64_t random1, std::uint64_t random2)
{
    unsigned char bytes[16];
    std::memcpy(bytes, &random1, 8);
    std::memcpy(bytes + 8, &random2, 8);
    return base64(bytes, 16);
}

std::string acceptFor(std::string_view key)
{
    std::string text(key);
    text.append(ACCEPT_GUID);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha1(), nullptr);
    return base64(digest, int(size));
}

void appendFrame(std::string &out, Opcode opcode, std::string_view payload, std::uint32_t maskKey)
{
    const std::size_t size = payload.size();
    const std::size_t start = out.size();
    const std::size_t header = size < 126 ? 6 : size <= 0xFFFF ? 8 : 14;
    out.resize(start + header + size);
    auto *p = reinterpret_cast<unsigned char *>(out.data() + start);
    p[0] = 0x80 | opcode;
    if (size < 126) {
        p[1] = 0x80 | std::uint8_t(size);
        p += 2;
    } else if (size <= 0xFFFF) {
        p[1] = 0x80 | 126;
        p[2] = std::uint8_t(size >> 8);
        p[3] = std::uint8_t(size);
        p += 4;
    } else {
        p[1] = 0x80 | 127;
        for (int i = 0; i < 8; ++i)
            p[2 + i] = std::uint8_t(std::uint64_t(size) >> (56 - 8 * i));
        p += 10;
    }
    std::memcpy(p, &maskKey, 4);
    unsigned char *dst = p + 4;
    const auto *src = reinterpret_cast<const unsigned char *>(payload.data());
    // Eight bytes at a time: the 4-byte key repeats, so a doubled key masks a 64-bit word.
    const std::uint64_t key64 = std::uint64_t(maskKey) | (std::uint64_t(maskKey) << 32);
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, src + i, 8);
        w ^= key64;
        std::memcpy(dst + i, &w, 8);
    }
    for (; i < size; ++i)
        dst[i] = src[i] ^ p[i & 3];
}

ParseResult parseHeader(const char *data, std::size_t size, Header *header, const char **why)
{
    if (size < 2)
        return ParseResult::NeedMore;
    const auto *p = reinterpret_cast<const unsigned char *>(data);
    if (p[0] & 0x70) {
        *why = "reserved bits set (no extension was negotiated)";
        return ParseResult::Invalid;
    }
    if (p[1] & 0x80) {
        *why = "masked frame from the server";
        return ParseResult::Invalid;
    }
    header->fin = p[0] & 0x80;
    header->opcode = Opcode(p[0] & 0x0F);
    std::uint64_t len = p[1] & 0x7F;
    std::size_t hdr = 2;
    if (len == 126) {
        if (size < 4)
            return ParseResult::NeedMore;
        len = (std::uint64_t(p[2]) << 8) | p[3];
        hdr = 4;
    } else if (len == 127) {
        if (size < 10)
            return ParseResult::NeedMore;
        len = 0;
        for (int i = 0; i < 8; ++i)
            len = (len << 8) | p[2 + i];
        if (len >> 63) {
            *why = "64-bit length with the top bit set";
            return ParseResult::Invalid;
        }
        hdr = 10;
    }
    switch (header->opcode) {
    case CONTINUATION:
    case TEXT:
    case BINARY:
        break;
    case CLOSE:
    case PING:
    case PONG:
        if (!header->fin || len > 125) {
            *why = "fragmented or oversized control frame";
            return ParseResult::Invalid;
        }
        break;
    default:
        *why = "unknown opcode";
        return ParseResult::Invalid;
    }
    header->headerBytes = hdr;
    header->payloadBytes = len;
    if (size - hdr < len)
        return ParseResult::NeedMore;
    return ParseResult::Complete;
}

} // namespace Switchboard::LoadTest::WsFrame
