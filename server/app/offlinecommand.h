// SPDX-License-Identifier: MIT
#pragma once

#include <memory>

#include <QTextStream>

namespace Switchboard {

struct Config;
class Store;

// What the offline commands (`switchboardd user ...`, `switchboardd access ...`) share: their
// output streams, and the store they work on, opened and migrated without a running server.
QTextStream &commandOut();
QTextStream &commandErr();
// The configured store, migrated; nullptr after printing why it could not be opened. May throw
// StoreError (a failed migration), like every other store call of a command.
std::unique_ptr<Store> openCommandStore(const Config &config);

} // namespace Switchboard
