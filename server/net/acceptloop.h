// SPDX-License-Identifier: MIT
#pragma once

#include "io/sparedescriptor.h"

#include <functional>

#include <QBasicTimer>
#include <QObject>

class QSocketNotifier;
class QTcpServer;

namespace Switchboard {

// Accepts for a listening QTcpServer in place of Qt's own loop. When the process is out of
// descriptors, Qt's accept() fails with EMFILE, leaves the connection in the backlog and breaks
// off, and its level-triggered notifier fires again at once: the event loop spins at full CPU
// for as long as the shortage lasts. Here the waiting connections are accepted and closed
// through a spare descriptor instead, and accepting pauses for a moment (as the native
// transport's I/O threads do). Each accepted descriptor goes to `sink` (the listener's
// incomingConnection()). A child of the server; Qt's own accepting stays paused.
class AcceptLoop : public QObject
{
    Q_OBJECT

public:
    AcceptLoop(QTcpServer *server, std::function<void(qintptr)> sink);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void onReadable();

    QTcpServer *m_server;
    std::function<void(qintptr)> m_sink;
    QSocketNotifier *m_notifier;
    Io::SpareDescriptor m_spare;
    QBasicTimer m_resume;
    qint64 m_lastWarningMs = 0;
};

} // namespace Switchboard
