// SPDX-License-Identifier: MIT
// The client-frame decoder shared by the server and the tools: every canonical type, every seed
// dialect and alias. A frame decodes to a typed value or a typed error, never anything else; an
// error's id is only ever one the frame was allowed to carry.
#include "protocol/codec.h"

#include <cstdlib>

using namespace Switchboard::Protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    auto decoded = decodeClientFrame(bytes);
    if (const auto *error = std::get_if<DecodeError>(&decoded)) {
        if (error->message.isEmpty())
            std::abort(); // every error says what is wrong
        if (!(error->id.isNull() || error->id.isString() || error->id.isDouble()))
            std::abort();
        if (error->id.isString() && error->id.toString().size() > 128)
            std::abort();
    }
    return 0;
}
