// SPDX-License-Identifier: MIT
#pragma once

#include <memory>

#include <QString>
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

// What a command changed, for the nodes running on this configuration's Redis (redis_url set):
// an account (they forget what they cached of it; `closeReason` non-empty: they also close its
// connections with 4003 and that reason), or the access rules (they read them again).
struct NodeNotice
{
    qint64 accountChanged = 0;
    QString closeReason;
    bool accessRulesChanged = false;
};
// Publishes the notice on Redis as a node's REST would, so running nodes act at once, and prints
// how many heard it. Without redis_url, or when Redis cannot be reached within a few seconds,
// prints `otherwise` (when running servers will see the change instead) and returns false.
bool tellRunningNodes(const Config &config, const NodeNotice &notice, const QString &otherwise);

} // namespace Switchboard
