// SPDX-License-Identifier: MIT
#include "clientlogging.h"

namespace Switchboard::Client {
Q_LOGGING_CATEGORY(lcClient, "switchboard.client", QtInfoMsg)
} // namespace Switchboard::Client
