// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

namespace Switchboard::Client {
Q_DECLARE_LOGGING_CATEGORY(lcClient) // switchboard.client
} // namespace Switchboard::Client
