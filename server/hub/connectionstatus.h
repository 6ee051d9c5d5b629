// SPDX-License-Identifier: MIT
#pragma once

namespace Switchboard {

// What the health routes read of the connection layer (every WebSocket, authenticated or not,
// which the hub does not hold): implemented by ConnectionManager (net/), handed to REST at
// start-up so REST does not depend on net/ (docs/ARCHITECTURE.md, layers).
class ConnectionStatus
{
public:
    // Open WebSocket connections, authenticated or not.
    virtual int sessionCount() const = 0;
    // False while draining at shutdown (or when no frontend admits connections).
    virtual bool admitting() const = 0;

protected:
    ~ConnectionStatus() = default;
};

} // namespace Switchboard
