// SPDX-License-Identifier: MIT
// The native transport's frame reader as iothreadread.cpp drives it: headers parsed from the
// front of a client's bytes, payloads unmasked in pieces at any offset, text checked by the
// incremental UTF-8 validator. Checks that the pieces agree with the whole.
#include "io/wsprotocol.h"

#include <cstdlib>
#include <cstring>

using namespace Switchboard::Io;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *bytes = reinterpret_cast<const char *>(data);
    qsizetype at = 0;
    const auto total = qsizetype(size);
    Ws::Utf8Validator message;
    while (at < total) {
        Ws::FrameHeader header;
        const char *why = nullptr;
        const auto r = Ws::parseClientHeader(bytes + at, total - at, &header, &why);
        if (r == Ws::ParseResult::Invalid) {
            if (!why)
                std::abort(); // a refusal always says why
            break;
        }
        if (r == Ws::ParseResult::NeedMore)
            break;
        if (header.headerBytes < 6 || header.headerBytes > 14 || header.headerBytes > total - at)
            std::abort();
        if (header.opcode & 0x8 && header.payloadBytes > 125)
            std::abort();
        const quint64 available = quint64(total - at - header.headerBytes);
        const qsizetype n = qsizetype(std::min(available, header.payloadBytes));
        QByteArray whole(bytes + at + header.headerBytes, n);
        QByteArray pieces = whole;
        Ws::unmask(whole.data(), whole.size(), header.mask);
        // Unmasked in uneven pieces, at every phase of the mask: the same bytes.
        qsizetype done = 0, step = 1;
        while (done < n) {
            const qsizetype len = std::min(step, n - done);
            Ws::unmask(pieces.data() + done, len, header.mask, quint64(done));
            done += len;
            step = step * 3 + 1;
        }
        if (pieces != whole)
            std::abort();
        // The validator fed in two pieces agrees with the one-shot check.
        const qsizetype cut = n ? qsizetype(data[0]) % (n + 1) : 0;
        Ws::Utf8Validator split;
        const bool ok = split.feed(QByteArrayView(whole).first(cut))
            && split.feed(QByteArrayView(whole).sliced(cut)) && split.atBoundary();
        if (ok != Ws::isValidUtf8(whole))
            std::abort();
        message.feed(whole);
        if (quint64(n) < header.payloadBytes)
            break;
        at += header.headerBytes + n;
    }
    (void)Ws::acceptKey(QByteArrayView(bytes, std::min<qsizetype>(total, 64)));
    (void)Ws::encodeClose(1000, QByteArrayView(bytes, total));
    return 0;
}
