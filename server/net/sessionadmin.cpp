// SPDX-License-Identifier: MIT
// Session's part of the operator feed: subscribing, and what operators see of a connection.
#include "session.h"

#include "hub/adminfeed.h"
#include "protocol/adminframes.h"
#include "protocol/events.h"
#include "protocol/protocol.h"

#include <QUrlQuery>

namespace Switchboard {

using namespace Protocol;

QString Session::address() const
{
    QHostAddress peer = m_transport->peerAddress();
    bool mapped = false;
    const quint32 v4 = peer.toIPv4Address(&mapped);
    if (mapped)
        peer = QHostAddress(v4);
    const QString host = peer.protocol() == QAbstractSocket::IPv6Protocol
        ? QLatin1Char('[') + peer.toString() + QLatin1Char(']')
        : peer.toString();
    return host + QLatin1Char(':') + QString::number(m_transport->peerPort());
}

qint64 Session::queueBytes() const
{
    return m_transport->queuedBytes();
}

Backlog Session::backlog() const
{
    // A connection on its way out (closed as a slow consumer, say) holds back nobody.
    return m_state == State::Closed || m_slow ? Backlog {} : m_transport->backlog();
}

Backlog Session::backlogBound() const
{
    return m_state == State::Closed || m_slow ? Backlog {} : m_transport->backlogBound();
}

void Session::handle(const QJsonValue &id, const AdminSubscribeRequest &request)
{
    if (!m_claims.admin || !m_ctx.admin) {
        sendError(ErrorCode::Forbidden, QStringLiteral("the operator feed needs the admin role"),
                  id);
        return;
    }
    m_ctx.admin->subscribe(this, request.statsIntervalMs, request.feed, id);
}

void Session::handle(const QJsonValue &id, const AdminUnsubscribeRequest &)
{
    if (m_ctx.admin)
        m_ctx.admin->unsubscribe(this);
    QJsonObject fields;
    if (!id.isNull())
        fields.insert(QStringLiteral("id"), id);
    sendFrame(Events::encode(ServerType::ACK, fields));
}

} // namespace Switchboard
