// SPDX-License-Identifier: MIT
// The HTTP upgrade head as the native transport peeks it: any bytes, any length limit.
#include "io/upgraderequest.h"

#include <cstdlib>

using namespace Switchboard::Io;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    for (qsizetype limit : {qsizetype(8 * 1024), qsizetype(64)}) {
        UpgradeRequest request;
        qsizetype consumed = -1;
        const auto r = UpgradeRequest::parse(bytes, limit, &request, &consumed);
        if (r == UpgradeRequest::Result::Complete) {
            if (consumed <= 0 || consumed > bytes.size() || consumed > limit)
                std::abort();
            if (!bytes.first(consumed).endsWith("\r\n\r\n")
                && !bytes.first(consumed).endsWith("\n\n"))
                std::abort();
            (void)request.wantsWebSocket();
            (void)request.upgradeProblem();
            (void)request.header("sec-websocket-key");
            (void)request.header("authorization");
        }
    }
    (void)httpResponse(400, "Bad Request", "application/json", bytes);
    return 0;
}
