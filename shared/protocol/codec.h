// SPDX-License-Identifier: MIT
#pragma once

#include "clientmessages.h"

#include <variant>

#include <QByteArrayView>

namespace Switchboard::Protocol {

// Turns one text frame into a typed client message or a typed error. Accepts the canonical
// v1 envelope and the seed documents' frames (see docs/PROTOCOL.md, "Seed compatibility").
std::variant<DecodedFrame, DecodeError> decodeClientFrame(QByteArrayView utf8);

// Parses a user id given as a JSON number or a numeric string; 0 when absent or invalid.
qint64 userIdFromJson(const QJsonValue &value, bool *valid = nullptr);

} // namespace Switchboard::Protocol
