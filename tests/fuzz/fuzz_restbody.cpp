// SPDX-License-Identifier: MIT
// REST request bodies as the routes read them (RestRequest::jsonBody), then through the same
// canonical decoder the WebSocket path uses, since REST bodies are mapped onto those values.
#include "protocol/codec.h"
#include "rest/restrequest.h"

#include <cstdlib>

#include <QJsonDocument>

using namespace Switchboard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    RestRequest request;
    request.method = "POST";
    request.body = QByteArray(reinterpret_cast<const char *>(data), qsizetype(size));
    QJsonObject body;
    QString error;
    if (!request.jsonBody(&body, &error)) {
        if (error.isEmpty())
            std::abort();
        return 0;
    }
    // An accepted body survives a round trip unchanged.
    const QByteArray again = QJsonDocument(body).toJson(QJsonDocument::Compact);
    if (QJsonDocument::fromJson(again).object() != body)
        std::abort();
    (void)Protocol::decodeClientFrame(again);
    return 0;
}
