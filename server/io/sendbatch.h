// SPDX-License-Identifier: MIT
#pragma once

namespace Switchboard::Io {

// While one lives on a thread, every frame that thread sends to the I/O threads (and every
// close) is collected; when the outermost one ends, each I/O thread gets its share under one
// lock with at most one wake-up. A fan-out to 1000 connections then costs one hand-over per
// I/O thread instead of 1000. Order is kept: per I/O thread, commands go over in the order
// they were made. Scopes nest; only the outermost one hands over. Harmless where nothing is
// sent through the native transport (the QWebSocket transport ignores it).
class SendBatch
{
public:
    SendBatch();
    ~SendBatch();
    SendBatch(const SendBatch &) = delete;
    SendBatch &operator=(const SendBatch &) = delete;
};

} // namespace Switchboard::Io
