// SPDX-License-Identifier: MIT
#include "cluster/redisevents_p.h"

#include <QSocketNotifier>

#include <hiredis/async.h>

namespace Switchboard::RedisEvents {

namespace {

struct Notifiers
{
    QSocketNotifier *read = nullptr;
    QSocketNotifier *write = nullptr;
};

void addRead(void *data)
{
    static_cast<Notifiers *>(data)->read->setEnabled(true);
}

void delRead(void *data)
{
    static_cast<Notifiers *>(data)->read->setEnabled(false);
}

void addWrite(void *data)
{
    static_cast<Notifiers *>(data)->write->setEnabled(true);
}

void delWrite(void *data)
{
    static_cast<Notifiers *>(data)->write->setEnabled(false);
}

// hiredis 0.14 calls this exactly once, from __redisAsyncFree (1.x also clears the hook after
// calling it). It may run inside one of the notifiers' own activated() signals (the read that
// saw the server close the connection), hence deleteLater. A disabled notifier never calls into
// the context again (see the isEnabled() checks below), which is about to be freed.
void cleanup(void *data)
{
    auto *notifiers = static_cast<Notifiers *>(data);
    for (QSocketNotifier *notifier : {notifiers->read, notifiers->write}) {
        notifier->setEnabled(false);
        notifier->deleteLater();
    }
    delete notifiers;
}

} // namespace

void attach(redisAsyncContext *ac)
{
    auto *notifiers = new Notifiers;
    const qintptr fd = ac->c.fd;
    notifiers->read = new QSocketNotifier(fd, QSocketNotifier::Read);
    notifiers->read->setEnabled(false);
    notifiers->write = new QSocketNotifier(fd, QSocketNotifier::Write);
    notifiers->write->setEnabled(false);
    // A read and a write event may be reported in the same round; when the first one frees the
    // context, the cleanup hook disables both, and the second must not call into it.
    QObject::connect(notifiers->read, &QSocketNotifier::activated, notifiers->read,
                     [ac, notifier = notifiers->read] {
                         if (notifier->isEnabled())
                             redisAsyncHandleRead(ac);
                     });
    QObject::connect(notifiers->write, &QSocketNotifier::activated, notifiers->write,
                     [ac, notifier = notifiers->write] {
                         if (notifier->isEnabled())
                             redisAsyncHandleWrite(ac);
                     });
    ac->ev.data = notifiers;
    ac->ev.addRead = addRead;
    ac->ev.delRead = delRead;
    ac->ev.addWrite = addWrite;
    ac->ev.delWrite = delWrite;
    ac->ev.cleanup = cleanup;
}

} // namespace Switchboard::RedisEvents
