// SPDX-License-Identifier: MIT
#include "offlinecommand.h"

#include "config/config.h"
#include "store/storefactory.h"

namespace Switchboard {

QTextStream &commandOut()
{
    static QTextStream s(stdout);
    return s;
}

QTextStream &commandErr()
{
    static QTextStream s(stderr);
    return s;
}

std::unique_ptr<Store> openCommandStore(const Config &config)
{
    QString error;
    auto store = openStore(StoreSettings {config.dataDir, config.databaseUrl}, &error);
    if (!store) {
        commandErr() << "error: " << error << Qt::endl;
        return nullptr;
    }
    store->migrate();
    return store;
}

} // namespace Switchboard
