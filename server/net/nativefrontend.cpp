// SPDX-License-Identifier: MIT
#include "nativefrontend.h"

#include "config/config.h"
#include "io/sendbatch.h"
#include "net/httpfrontend.h"
#include "protocol/adminframes.h"
#include "protocol/dialect.h"
#include "protocol/errorcode.h"
#include "protocol/events.h"
#include "protocol/protocol.h"

#include <algorithm>

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QThread>

#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace Switchboard {

using namespace Protocol;

namespace {

Io::Verdict refusal(ErrorCode code, const QString &message, int status = 0)
{
    Io::Verdict verdict;
    verdict.kind = Io::Verdict::Refuse;
    verdict.status = status ? status : errorCodeHttpStatus(code);
    switch (verdict.status) {
    case 400:
        verdict.reason = QByteArrayLiteral("Bad Request");
        break;
    case 401:
        verdict.reason = QByteArrayLiteral("Unauthorized");
        break;
    case 403:
        verdict.reason = QByteArrayLiteral("Forbidden");
        break;
    case 404:
        verdict.reason = QByteArrayLiteral("Not Found");
        break;
    case 426:
        verdict.reason = QByteArrayLiteral("Upgrade Required");
        break;
    case 429:
        verdict.reason = QByteArrayLiteral("Too Many Requests");
        break;
    case 503:
        verdict.reason = QByteArrayLiteral("Service Unavailable");
        break;
    default:
        verdict.reason = QByteArrayLiteral("Error");
        break;
    }
    verdict.body
        = QJsonDocument(QJsonObject {{QStringLiteral("error"),
                                      QJsonObject {{QStringLiteral("code"), errorCodeName(code)},
                                                   {QStringLiteral("message"), message}}}})
              .toJson(QJsonDocument::Compact);
    return verdict;
}

// The upgrade's path as a QString that shares one copy per endpoint (a string per connection
// otherwise, kept for its lifetime).
QString endpointPath(const QByteArray &path)
{
    static const QString known[]
        = {QStringLiteral("/ws"), QStringLiteral("/api/v1/ws"), QStringLiteral("/ws/connect"),
           QStringLiteral("/api/ws/connect")};
    for (const QString &k : known) {
        if (QLatin1StringView(path) == k)
            return k;
    }
    return QString::fromUtf8(path);
}

int defaultIoThreads()
{
    return std::max(1, QThread::idealThreadCount() - 1);
}

} // namespace

NativeTransport::NativeTransport(NativeFrontend *owner, const Io::IoEvent &opened)
    : m_owner(owner)
    , m_id(opened.id)
    , m_peer(opened.peer)
    , m_port(opened.peerPort)
    , m_queued(opened.queued)
    , m_flow(opened.flow ? opened.flow : std::make_shared<Io::Flow>())
{
    // Kept for the session's ?room_id= / ?resume=; the token has done its job and stays out.
    QUrlQuery q(QString::fromUtf8(opened.request->query));
    q.removeAllQueryItems(QStringLiteral("token"));
    m_query = q.query(QUrl::FullyEncoded).toUtf8();
    m_path = endpointPath(opened.request->path);
    m_client = q.queryItemValue(QStringLiteral("client"), QUrl::FullyDecoded);
    if (m_client.isEmpty())
        m_client = QString::fromUtf8(opened.request->header("user-agent"));
    m_client.truncate(Admin::MAX_CLIENT_CHARS);
}

NativeTransport::~NativeTransport()
{
    if (m_owner) {
        m_owner->m_transports.remove(m_id);
        if (!m_gone) {
            // The session went first (shutdown): let the socket go too.
            if (!m_closing)
                m_owner->m_io->close(m_id, CloseCode::GOING_AWAY, QByteArray());
            m_owner->m_admission->open--;
        }
    }
}

qint64 NativeTransport::sendText(const QByteArray &utf8)
{
    if (!m_gone) {
        m_owner->m_io->send(m_id, Io::Ws::TEXT, utf8);
        m_sent += utf8.size();
        ++m_framesSent;
    }
    return m_sent;
}

qint64 NativeTransport::writtenBytes() const
{
    const qint64 written = m_flow->written.load();
    if (!m_gone)
        m_writtenSeen = written;
    return written;
}

Backlog NativeTransport::backlog() const
{
    const qint64 written = writtenBytes(); // first: Flow::frames is stored before it
    const qint64 frames = m_flow->frames.load(std::memory_order_relaxed);
    if (!m_gone)
        m_framesWrittenSeen = frames;
    // Once gone, `written` may have been taken back (bytes the peer never acknowledged) while
    // the frame count was not: what waits is then at least one frame if any byte does.
    const qint64 bytes = m_sent - written;
    return {bytes, std::max(m_framesSent - frames, bytes > 0 ? qint64(1) : qint64(0))};
}

bool NativeTransport::notifyWhenBelow(qint64 bytes)
{
    const qint64 target = m_sent - bytes + 1; // backlog < bytes  <=>  written >= target
    if (m_gone || target <= 0 || m_flow->written.load() >= target)
        return false;
    m_flow->drainAt.store(target);
    // The I/O thread may have written past it meanwhile: whoever clears drainAt owns it.
    if (m_flow->written.load() >= target && m_flow->drainAt.exchange(0) == target)
        return false;
    return true;
}

void NativeTransport::ping()
{
    if (m_gone)
        return;
    m_pingSent.start();
    m_owner->m_io->send(m_id, Io::Ws::PING, QByteArray());
}

void NativeTransport::close(int code, const QString &reason)
{
    if (m_gone || m_closing)
        return;
    m_closing = true;
    m_owner->m_io->close(m_id, quint16(code), reason.toUtf8());
}

void NativeTransport::abort()
{
    if (!m_gone)
        m_owner->m_io->abort(m_id);
}

qint64 NativeTransport::queuedBytes() const
{
    return m_queued ? m_queued->load(std::memory_order_relaxed) : 0;
}

void NativeTransport::received(Io::IoEvent &event)
{
    switch (event.kind) {
    case Io::IoEvent::Message:
        if (m_sink)
            m_sink->transportText(event.data);
        break;
    case Io::IoEvent::Drained:
        if (m_sink)
            m_sink->transportDrained();
        break;
    case Io::IoEvent::Pong:
        if (m_sink)
            m_sink->transportPong(m_pingSent.isValid() ? m_pingSent.elapsed() : 0);
        break;
    case Io::IoEvent::CloseRequested:
        // A protocol violation or the client's close: the frames before it are answered by now.
        close(event.code, QString::fromUtf8(event.data));
        break;
    case Io::IoEvent::Closed:
        m_gone = true;
        if (m_sink)
            m_sink->transportClosed(event.code, QString::fromUtf8(event.data));
        break;
    default:
        break;
    }
}

NativeFrontend::NativeFrontend(const Config &config, const TokenService &tokens, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_tokens(tokens)
    , m_origins(config.allowedOrigins)
{
    m_admission->max = config.maxConnections;
}

NativeFrontend::~NativeFrontend()
{
    stop();
    for (NativeTransport *t : std::as_const(m_transports))
        t->m_owner = nullptr;
}

bool NativeFrontend::listen(QString *error)
{
    Io::Limits limits;
    limits.maxFrameBytes = m_config.maxFrameBytes;
    limits.maxMessageBytes = m_config.maxMessageBytes;
    // The session closes a slow consumer at max_send_queue_bytes; this is the backstop.
    limits.maxQueueBytes = 2 * m_config.maxSendQueueBytes;
    limits.slowConsumerCode = quint16(CloseCode::RATE_LIMITED);
    limits.handshakeTimeoutMs = m_config.handshakeTimeoutMs;
    const int threads = m_config.ioThreads > 0 ? m_config.ioThreads : defaultIoThreads();
    m_io = std::make_unique<Io::IoServer>(
        threads, limits,
        [this](const Io::UpgradeRequest &request, const QHostAddress &peer) {
            return decide(request, peer);
        },
        [this] {
            // Called from I/O threads; one queued drain at a time is enough.
            if (!m_drainQueued.exchange(true))
                QMetaObject::invokeMethod(this, &NativeFrontend::drainEvents, Qt::QueuedConnection);
        });
    if (m_connectionAdmission)
        m_io->setAdmission(m_connectionAdmission);
    return m_io->listen(m_config.listenAddress, m_config.listenPort, m_config.listenBacklog, error);
}

void NativeFrontend::stop()
{
    if (m_io)
        m_io->stop();
}

// On an I/O thread: only the immutable config, the (stateless) token service and atomics.
Io::Verdict NativeFrontend::decide(const Io::UpgradeRequest &request,
                                   const QHostAddress &peer) const
{
    if (!request.wantsWebSocket()) {
        Io::Verdict verdict;
        verdict.kind = Io::Verdict::HandOff; // REST, health checks: the Qt HTTP server
        return verdict;
    }
    const QString path = QString::fromUtf8(request.path);
    if (!HttpFrontend::isWebSocketPath(path))
        return refusal(ErrorCode::NotFound,
                       QStringLiteral("no WebSocket endpoint at %1").arg(path));
    if (const QByteArray problem = request.upgradeProblem(); !problem.isEmpty()) {
        Io::Verdict verdict = refusal(ErrorCode::ValidationError, QString::fromUtf8(problem),
                                      request.problemStatus());
        verdict.headers = request.problemHeaders();
        return verdict;
    }
    const QUrlQuery query(QString::fromUtf8(request.query));
    QString dialectError;
    if (!dialectForRequest(path, query, m_config.defaultDialect, &dialectError))
        return refusal(ErrorCode::ValidationError, dialectError);
    // The native transport is plain TCP: its own origin is http://<Host>.
    if (!m_origins.allows(request.header("origin"), request.header("host"), false)) {
        if (m_origins.shouldLog())
            qCInfo(lcHttp) << "refused WebSocket upgrade from" << peer.toString()
                           << ": origin not allowed (see allowed_origins)";
        return refusal(ErrorCode::Forbidden,
                       QStringLiteral("this origin may not open a WebSocket here"));
    }
    if (!m_admission->admitting || m_admission->open.load() >= m_admission->max)
        return refusal(ErrorCode::Unavailable,
                       QStringLiteral("the server is not accepting connections"));
    const QString token = HttpFrontend::requestToken(query, request.header("authorization"));
    Io::Verdict verdict;
    if (!token.isEmpty()) {
        auto result = m_tokens.verify(token.toUtf8(), Events::nowMs() / 1000);
        if (const auto *error = std::get_if<TokenError>(&result)) {
            qCInfo(lcHttp) << "refused WebSocket upgrade from" << peer.toString() << "to" << path
                           << ":" << TokenService::errorText(*error);
            return refusal(*error == TokenError::Expired ? ErrorCode::TokenExpired
                                                         : ErrorCode::Unauthorized,
                           TokenService::errorText(*error));
        }
        verdict.context = std::make_shared<TokenClaims>(std::get<TokenClaims>(std::move(result)));
    }
    verdict.kind = Io::Verdict::Accept;
    return verdict;
}

void NativeFrontend::drainEvents()
{
    m_drainQueued = false;
    // Replies and fan-outs caused by this round of events go over together.
    const Io::SendBatch batch;
    for (Io::IoEvent &event : m_io->takeEvents()) {
        if (event.kind == Io::IoEvent::HandedOff) {
            if (handOff) {
                handOff(event.fd, event.peer);
            } else {
                ::close(event.fd);
                if (m_connectionAdmission)
                    m_connectionAdmission->release(event.peer, true);
            }
            continue;
        }
        if (event.kind == Io::IoEvent::Opened) {
            auto transport = std::make_unique<NativeTransport>(this, event);
            m_transports.insert(event.id, transport.get());
            m_admission->open++;
            std::optional<TokenClaims> claims;
            if (event.context)
                claims = *std::static_pointer_cast<TokenClaims>(event.context);
            if (opened)
                opened(std::move(transport), claims);
            continue;
        }
        NativeTransport *transport = m_transports.value(event.id);
        if (!transport)
            continue;
        if (event.kind == Io::IoEvent::Closed) {
            m_transports.remove(event.id);
            m_admission->open--;
        }
        transport->received(event);
    }
}

} // namespace Switchboard
