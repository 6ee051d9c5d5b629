// SPDX-License-Identifier: MIT
#include "acceptloop.h"

#include <cerrno>
#include <cstring>

#include <QDateTime>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTimerEvent>

#include <sys/socket.h>

Q_DECLARE_LOGGING_CATEGORY(lcListener)

namespace Switchboard {

namespace {

// As the native transport's I/O threads: long enough that a full descriptor table costs
// nothing, short enough that a freed descriptor is used soon.
constexpr int ACCEPT_PAUSE_MS = 100;
constexpr int ACCEPTS_PER_ROUND = 256; // then other events get their turn
constexpr qint64 WARNING_INTERVAL_MS = 10'000;

} // namespace

AcceptLoop::AcceptLoop(QTcpServer *server, std::function<void(qintptr)> sink)
    : QObject(server)
    , m_server(server)
    , m_sink(std::move(sink))
    , m_notifier(new QSocketNotifier(server->socketDescriptor(), QSocketNotifier::Read, this))
{
    server->pauseAccepting();
    connect(m_notifier, &QSocketNotifier::activated, this, &AcceptLoop::onReadable);
}

void AcceptLoop::onReadable()
{
    if (!m_server->isListening()) { // closed (shutdown): its descriptor is no longer ours
        m_notifier->setEnabled(false);
        return;
    }
    const int listener = int(m_server->socketDescriptor());
    for (int i = 0; i < ACCEPTS_PER_ROUND; ++i) {
        const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            m_sink(fd);
            continue;
        }
        const int error = errno;
        if (error == EINTR || error == ECONNABORTED)
            continue;
        if (error == EAGAIN || error == EWOULDBLOCK)
            return;
        int shed = 0;
        if (error == EMFILE || error == ENFILE)
            shed = m_spare.shed(listener, ACCEPTS_PER_ROUND);
        m_notifier->setEnabled(false);
        m_resume.start(ACCEPT_PAUSE_MS, this);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        if (now - m_lastWarningMs > WARNING_INTERVAL_MS) {
            m_lastWarningMs = now;
            qCWarning(lcListener).nospace()
                << "cannot accept a connection: " << std::strerror(error) << "; closed " << shed
                << " waiting connection(s), accepting pauses for " << ACCEPT_PAUSE_MS
                << " ms (raise the open-file limit or lower max_connections)";
        }
        return;
    }
}

void AcceptLoop::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_resume.timerId())
        return;
    m_resume.stop();
    if (m_server->isListening())
        m_notifier->setEnabled(true);
}

} // namespace Switchboard
