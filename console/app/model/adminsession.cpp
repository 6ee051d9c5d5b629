// SPDX-License-Identifier: MIT
#include "adminsession.h"

#include "consolelogging.h"
#include "eventlogmodel.h"
#include "jsonfields.h"
#include "nodesmodel.h"
#include "roomsmodel.h"
#include "servererror.h"
#include "serverhealth.h"
#include "statshistory.h"
#include "usersmodel.h"

#include <algorithm>

#include <QDateTime>
#include <QJsonArray>
#include <QNetworkAccessManager>

namespace Switchboard::Console {

namespace {
constexpr int METRICS_INTERVAL_MS = 5000;
constexpr int TOKEN_TTL_S = 24 * 3600;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}
} // namespace

AdminSession::AdminSession(QObject *parent)
    : QObject(parent)
    , m_users(new UsersModel(this))
    , m_rooms(new RoomsModel(this))
    , m_stats(new StatsHistory(this))
    , m_log(new EventLogModel(this))
    , m_nodes(new NodesModel(this))
    , m_health(new ServerHealth(this))
    , m_network(new QNetworkAccessManager(this))
{
    // Round-trip times and send queues change all the time and are not events; counters of
    // rooms, the nodes' heartbeats and the server's readiness neither. A slow refresh keeps
    // them honest without flooding the feed.
    m_metricsTimer.setInterval(METRICS_INTERVAL_MS);
    connect(&m_metricsTimer, &QTimer::timeout, this, &AdminSession::refreshConnectionMetrics);
    // A local +1/-1 on room_member keeps the view quick, but a counter fetched just before the
    // event arrived (REST and the feed are two connections) would count the change twice: the
    // server's own numbers follow shortly after every change.
    m_roomCountersTimer.setSingleShot(true);
    m_roomCountersTimer.setInterval(250);
    connect(&m_roomCountersTimer, &QTimer::timeout, this, &AdminSession::refreshRoomCounters);
    m_batchTimer.setSingleShot(true);
    connect(&m_batchTimer, &QTimer::timeout, this, &AdminSession::applyPendingEvents);
}

AdminSession::~AdminSession()
{
    m_closing = true;
    if (m_connection)
        m_connection->close();
}

QString AdminSession::stateText(State state)
{
    switch (state) {
    case State::Disconnected:
        return tr("Not connected");
    case State::Authorizing:
        return tr("Signing in…");
    case State::Connecting:
        return tr("Connecting…");
    case State::Connected:
        return tr("Connected");
    case State::Reconnecting:
        return tr("Connection lost, reconnecting…");
    case State::Failed:
        return tr("Connection failed");
    }
    return {};
}

void AdminSession::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void AdminSession::open(const ServerProfile &profile)
{
    close();
    m_closing = false;
    m_profile = profile;
    m_lastError.clear();
    m_connection = new Client::Connection(this);
    connect(m_connection, &Client::Connection::stateChanged, this,
            &AdminSession::onConnectionState);
    connect(m_connection, &Client::Connection::connected, this, &AdminSession::onConnected);
    connect(m_connection, &Client::Connection::eventReceived, this, &AdminSession::onEvent);
    connect(m_connection, &Client::Connection::failed, this, &AdminSession::onFailed);
    connect(m_connection, &Client::Connection::disconnected, this,
            [this](int code, const QString &reason) {
                m_subscribed = false;
                m_metricsTimer.stop();
                logSession({{QStringLiteral("state"), QStringLiteral("disconnected")},
                            {QStringLiteral("code"), code},
                            {QStringLiteral("reason"), reason}});
            });
    connect(m_connection, &Client::Connection::reconnectScheduled, this,
            [this](int attempt, int delayMs) {
                logSession({{QStringLiteral("state"), QStringLiteral("reconnecting")},
                            {QStringLiteral("attempt"), attempt},
                            {QStringLiteral("delay_ms"), delayMs}});
            });

    if (profile.mode == ServerProfile::AuthMode::Password) {
        startConnection();
        return;
    }
    // API-key mode: the key may not open a WebSocket itself; it mints a token for the admin
    // account named in the profile, and the session runs as that admin.
    setState(State::Authorizing);
    const QPointer<Client::Connection> connection = m_connection;
    mintToken(profile.username,
              [this, connection](bool ok, const QJsonObject &json, const QString &error) {
                  if (!connection || connection != m_connection)
                      return; // closed or reopened meanwhile
                  if (!ok) {
                      onFailed(tr("The server refused the API key: %1").arg(error));
                      setState(State::Failed);
                      return;
                  }
                  m_profile.password.clear();
                  Client::ConnectionOptions o;
                  o.url = m_profile.url;
                  o.token = Json::str(json, "token");
                  o.apiKey = m_profile.apiKey;
                  o.clientName = QStringLiteral("switchboard-console");
                  m_connection->setOptions(o);
                  m_connection->open();
              });
}

void AdminSession::startConnection()
{
    Client::ConnectionOptions o;
    o.url = m_profile.url;
    o.username = m_profile.username;
    o.password = m_profile.password;
    o.clientName = QStringLiteral("switchboard-console");
    m_connection->setOptions(o);
    m_connection->open();
}

void AdminSession::close()
{
    m_closing = true;
    m_metricsTimer.stop();
    if (m_connection) {
        m_connection->disconnect(this);
        m_connection->close();
        m_connection->deleteLater();
        m_connection = nullptr;
    }
    m_subscribed = false;
    m_batchTimer.stop();
    m_pendingEvents.clear();
    m_users->clear();
    m_rooms->clear();
    m_stats->clear();
    m_nodes->clear();
    m_health->clear();
    setState(State::Disconnected);
}

void AdminSession::onConnectionState(Client::Connection::State state)
{
    switch (state) {
    case Client::Connection::State::LoggingIn:
        setState(State::Authorizing);
        break;
    case Client::Connection::State::Connecting:
        if (m_state != State::Reconnecting)
            setState(State::Connecting);
        break;
    case Client::Connection::State::Connected:
        setState(State::Connected);
        break;
    case Client::Connection::State::Reconnecting:
        setState(State::Reconnecting);
        break;
    case Client::Connection::State::Disconnected:
        if (m_state == State::Failed)
            break; // failed already, and says why
        setState(m_closing || m_lastError.isEmpty() ? State::Disconnected : State::Failed);
        break;
    }
}

void AdminSession::onConnected(const QJsonObject &welcome)
{
    m_lastError.clear();
    const QJsonObject user = welcome.value(QLatin1StringView("user")).toObject();
    logSession({{QStringLiteral("state"), QStringLiteral("connected")},
                {QStringLiteral("server"), m_profile.url.toString()},
                {QStringLiteral("name"), Json::str(user, "name")}});
    // Feed 2: events in batches and the snapshot in pages (docs/PROTOCOL.md, Operator feed).
    m_subscribeId = m_connection->send({{QStringLiteral("type"), QStringLiteral("admin_subscribe")},
                                        {QStringLiteral("stats_interval_ms"), m_statsIntervalMs},
                                        {QStringLiteral("feed"), 2}});
}

void AdminSession::onFailed(const QString &message)
{
    m_lastError = message;
    qCInfo(lcConsole) << "connection failed:" << message;
    logSession({{QStringLiteral("state"), QStringLiteral("failed")},
                {QStringLiteral("message"), message}});
    if (!m_connection || m_connection->state() == Client::Connection::State::Disconnected)
        setState(State::Failed);
    Q_EMIT failed(message);
}

void AdminSession::logSession(QJsonObject fields)
{
    fields.insert(QStringLiteral("event"), QStringLiteral("session"));
    m_log->append(fields, nowMs());
}

void AdminSession::onEvent(const QJsonObject &event)
{
    const QString type = Json::str(event, "type");
    if (type == QLatin1StringView("admin_stats")) {
        m_stats->addStats(event, nowMs());
    } else if (type == QLatin1StringView("admin_event")) {
        onAdminEvent(event);
    } else if (type == QLatin1StringView("admin_events")) {
        // Each element is an admin_event frame; they join the same batches.
        for (const QJsonValue &e : event.value(QLatin1StringView("events")).toArray())
            onAdminEvent(e.toObject());
    } else if (type == QLatin1StringView("admin_snapshot")) {
        // Older than the snapshot: logged, then replaced by it.
        while (applyEventChunk()) { }
        m_users->applySnapshot(event.value(QLatin1StringView("users")).toArray());
        m_rooms->applySnapshot(event.value(QLatin1StringView("rooms")).toArray());
        m_stats->setServer(event.value(QLatin1StringView("server")).toObject(), nowMs());
        m_stats->setTotals(event.value(QLatin1StringView("totals")).toObject());
        // A paged snapshot: its first page is shown now, the others are appended as they come.
        m_snapshotPage = 1;
        m_snapshotPages = int(std::max<qint64>(1, Json::num(event, "pages", 1)));
        if (m_snapshotPage >= m_snapshotPages)
            snapshotComplete();
    } else if (type == QLatin1StringView("admin_snapshot_page")) {
        const int page = int(Json::num(event, "page"));
        if (page != m_snapshotPage + 1 || page > m_snapshotPages) {
            qCWarning(lcConsole) << "snapshot page" << page << "out of order, expected"
                                 << m_snapshotPage + 1 << "of" << m_snapshotPages;
            return;
        }
        m_users->addSnapshotPage(event.value(QLatin1StringView("users")).toArray());
        m_snapshotPage = page;
        if (m_snapshotPage >= m_snapshotPages)
            snapshotComplete();
    } else if (type == QLatin1StringView("error") && !m_subscribeId.isEmpty()
               && Json::str(event, "id") == m_subscribeId) {
        const QString code = Json::str(event, "code");
        m_lastError = code == QLatin1StringView("FORBIDDEN")
            ? tr("%1 is not an administrator: the operator console needs an account with "
                 "the admin role.")
                  .arg(m_profile.username)
            : tr("The server refused the operator feed: %1")
                  .arg(ServerError::text(code, Json::str(event, "message")));
        const QString message = m_lastError;
        // Failed first, and the close that follows keeps it: were the session Disconnected on
        // the way, its parts would take that for "another session follows" and forget why it
        // failed (the Access view lost its "administrators only" that way).
        setState(State::Failed);
        m_connection->close();
        m_lastError = message;
        logSession({{QStringLiteral("state"), QStringLiteral("failed")},
                    {QStringLiteral("message"), message}});
        Q_EMIT failed(message);
    } else if (type == QLatin1StringView("token_expiring")
               && m_profile.mode == ServerProfile::AuthMode::ApiKey) {
        // A minted token is renewed with the key; a password session logs in again on its
        // next reconnect (the client library does that).
        mintToken(m_profile.username, [this](bool ok, const QJsonObject &json, const QString &) {
            if (ok && m_connection)
                m_connection->send({{QStringLiteral("type"), QStringLiteral("refresh")},
                                    {QStringLiteral("token"), Json::str(json, "token")}});
        });
    }
}

void AdminSession::snapshotComplete()
{
    m_subscribed = true;
    m_metricsTimer.start();
    // The slow refresh's views filled at once, not a period later.
    refreshNodes();
    refreshHealth();
    Q_EMIT snapshotReceived();
}

void AdminSession::onAdminEvent(const QJsonObject &event)
{
    m_pendingEvents.append(event);
    if (m_pendingEvents.size() >= MAX_PENDING_EVENTS)
        applyEventChunk(); // one part now; the timer goes on with the rest
    if (!m_batchTimer.isActive())
        m_batchTimer.start(BATCH_INTERVAL_MS);
}

void AdminSession::applyPendingEvents()
{
    // The rest of a large batch follows in the next event-loop turn (interval 0), after what
    // the loop has waiting; a new batch waits the full interval again.
    m_batchTimer.start(applyEventChunk() ? 0 : BATCH_INTERVAL_MS);
    if (m_pendingEvents.isEmpty())
        m_batchTimer.stop();
}

bool AdminSession::applyEventChunk()
{
    if (m_pendingEvents.isEmpty())
        return false;
    QList<QJsonObject> events;
    if (m_pendingEvents.size() <= APPLY_CHUNK_EVENTS) {
        events = std::move(m_pendingEvents);
        m_pendingEvents.clear();
    } else {
        events = m_pendingEvents.first(APPLY_CHUNK_EVENTS);
        m_pendingEvents.remove(0, APPLY_CHUNK_EVENTS);
    }
    // The log names users by name; a user who leaves in this batch is gone afterwards.
    for (QJsonObject &event : events) {
        const qint64 userId = Json::id(event, "user_id");
        if (userId > 0 && !event.contains(QLatin1StringView("name"))) {
            const QString name = m_users->userName(userId);
            if (!name.isEmpty())
                event.insert(QStringLiteral("_name"), name);
        }
    }

    const UsersModel::OnlineChanges changes = m_users->applyEvents(events);
    QHash<QString, int> onlineDelta;
    for (const QStringList &rooms : changes.cameOnline) {
        for (const QString &room : rooms)
            ++onlineDelta[room];
    }
    for (const QStringList &rooms : changes.wentOffline) {
        for (const QString &room : rooms)
            --onlineDelta[room];
    }
    // Room structure in feed order. A membership counts as online when the user is online
    // after the batch; the server's own counters follow shortly after any change.
    for (const QJsonObject &event : std::as_const(events)) {
        const QString e = Json::str(event, "event");
        if (e == QLatin1StringView("room_created") || e == QLatin1StringView("room_updated")) {
            m_rooms->upsert(event.value(QLatin1StringView("room")).toObject());
        } else if (e == QLatin1StringView("room_deleted")) {
            m_rooms->remove(Json::str(event, "room_id"));
            m_users->roomDeleted(Json::str(event, "room_id"));
        } else if (e == QLatin1StringView("room_member")) {
            const QString roomId = Json::str(event, "room_id");
            const bool joined = event.value(QLatin1StringView("joined")).toBool();
            const qint64 userId = Json::id(event, "user_id");
            // A user who came online in this batch is counted by onlineDelta already.
            const bool online = m_users->isOnline(userId) && !changes.cameOnline.contains(userId);
            m_rooms->memberChanged(roomId, joined, online);
            if (!m_roomCountersTimer.isActive())
                m_roomCountersTimer.start();
        }
    }
    m_rooms->addOnlineCounts(onlineDelta);
    m_log->appendBatch(events, nowMs());
    Q_EMIT eventsApplied();
    return !m_pendingEvents.isEmpty();
}

QString restErrorText(int status, const QJsonObject &body, const QString &transportError)
{
    const QJsonObject error = body.value(QLatin1StringView("error")).toObject();
    if (!error.isEmpty())
        return ServerError::text(Json::str(error, "code"), Json::str(error, "message"));
    if (status > 0)
        return QStringLiteral("HTTP %1").arg(status);
    return transportError;
}

} // namespace Switchboard::Console
