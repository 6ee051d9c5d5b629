// SPDX-License-Identifier: MIT
#include "offlinecommand.h"

#include "cluster/busevent.h"
#include "cluster/redisclient.h"
#include "config/config.h"
#include "protocol/protocol.h"
#include "store/storefactory.h"

#include <functional>

#include <QCoreApplication>
#include <QDeadlineTimer>

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

namespace {

// Runs the event loop until `done` or the deadline.
bool waitFor(const std::function<bool()> &done, QDeadlineTimer deadline)
{
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 50);
    }
    return true;
}

} // namespace

bool tellRunningNodes(const Config &config, const NodeNotice &notice, const QString &otherwise)
{
    if (config.redisUrl.isEmpty()) {
        commandOut() << otherwise << Qt::endl;
        return false;
    }
    QString why;
    const std::optional<RedisEndpoint> endpoint = RedisEndpoint::fromUrl(config.redisUrl, &why);
    if (!endpoint) {
        commandErr() << "warning: invalid value for 'redis_url': " << why << "; " << otherwise
                     << Qt::endl;
        return false;
    }
    // Published as a node's REST would (RedisBus): the nodes on `<prefix>:all` act on them.
    QList<BusEvent> events;
    if (notice.accountChanged > 0) {
        BusEvent e;
        e.kind = BusEvent::Kind::AccountChange;
        e.id = notice.accountChanged;
        events << e;
        if (!notice.closeReason.isEmpty()) {
            BusEvent close;
            close.kind = BusEvent::Kind::CloseUser;
            close.id = notice.accountChanged;
            close.code = Protocol::CloseCode::FORBIDDEN;
            close.payload = notice.closeReason.toUtf8();
            events << close;
        }
    }
    if (notice.accessRulesChanged) {
        BusEvent e;
        e.kind = BusEvent::Kind::AccessRules;
        events << e;
    }
    const QByteArray origin
        = QStringLiteral("command:%1").arg(QCoreApplication::applicationPid()).toUtf8();
    const QByteArray channel = config.redisPrefix.toUtf8() + ":all";
    RedisClient redis(*endpoint);
    redis.connectToServer();
    const QDeadlineTimer deadline(5000);
    if (!waitFor([&redis] { return redis.isConnected(); }, deadline)) {
        commandErr() << "warning: Redis " << endpoint->toDisplayString() << " unreachable ("
                     << redis.lastError() << "); " << otherwise << Qt::endl;
        return false;
    }
    int replies = 0;
    qint64 heard = -1;
    QString error;
    for (BusEvent &e : events) {
        e.origin = origin;
        redis.publish(channel, e.encode(), [&](const RedisReply &reply) {
            ++replies;
            if (reply.isError())
                error = QString::fromUtf8(reply.string);
            else
                heard = reply.integer;
        });
    }
    if (!waitFor([&] { return replies == events.size(); }, deadline) || !error.isEmpty()) {
        commandErr() << "warning: publishing on Redis failed ("
                     << (error.isEmpty() ? QStringLiteral("no reply") : error) << "); " << otherwise
                     << Qt::endl;
        return false;
    }
    commandOut() << "running nodes told: " << heard << Qt::endl;
    return true;
}

} // namespace Switchboard
