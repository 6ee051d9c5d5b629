// SPDX-License-Identifier: MIT
#pragma once

#include "hub/connectionstatus.h"
#include "net/session.h"
#include "protocol/dialectcache.h"

#include <QBasicTimer>
#include <QHash>
#include <QObject>

class QAbstractHttpServer;

namespace Switchboard {

// Turns upgraded sockets into sessions, keeps every session (authenticated or not), drives
// their once-a-second housekeeping (auth deadlines, heartbeats, token expiry) from one timer
// instead of one per connection, and drains them at shutdown.
class ConnectionManager : public QObject, public ConnectionStatus
{
    Q_OBJECT

public:
    ConnectionManager(QAbstractHttpServer *http, const SessionContext &ctx,
                      QObject *parent = nullptr);
    ~ConnectionManager() override;

    // ConnectionStatus
    int sessionCount() const override { return int(m_sessions.size()); }
    bool admitting() const override;
    // Stops admitting, closes every session with 1001 and returns once all are gone or the
    // deadline passed (the event loop keeps running meanwhile).
    void drain(int timeoutMs);
    Session *session(quint64 connectionId) const { return m_sessions.value(connectionId); }
    // Every open session, authenticated or not (access rules cut them by address).
    QList<Session *> sessions() const { return m_sessions.values(); }
    // A WebSocket from either transport, upgraded (claims when its URL or header carried a
    // valid token; none = it must send an `auth` frame).
    void adopt(std::unique_ptr<Transport> transport, std::optional<TokenClaims> claims);

Q_SIGNALS:
    void sessionOpened(quint64 connectionId);
    void sessionClosed(quint64 connectionId);

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void onNewWebSocket();
    void deleteFinished();
    void sessionFinished(Session *s); // SessionContext::finished

    QAbstractHttpServer *m_http;
    SessionContext m_ctx;
    RateLimiter<qint64> m_userLimits; // user_frame_rate, shared by a user's connections
    Protocol::DialectCache m_dialects; // fan-out frames re-encoded for dialect connections
    QHash<quint64, Session *> m_sessions;
    // Closed sessions, deleted together by one queued call (the manager's destructor takes
    // any left over).
    QList<Session *> m_finished;
    QBasicTimer m_tick;
    quint64 m_nextId = 1;
    bool m_draining = false;
};

} // namespace Switchboard
