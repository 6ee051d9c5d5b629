// SPDX-License-Identifier: MIT
#include "testsupport.h"

#include "protocol/events.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QTest>
#include <QUrlQuery>

#include <algorithm>
#include <utility>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>

namespace Switchboard::Test {

void addBackendRows()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgres") << QStringLiteral("postgres");
}

bool postgresAvailable(QString *why)
{
    if (!qEnvironmentVariableIsEmpty("SWITCHBOARD_TEST_DATABASE_URL"))
        return true;
    *why = QStringLiteral("SWITCHBOARD_TEST_DATABASE_URL is not set (run through "
                          "scripts/with-postgres.sh)");
    return false;
}

namespace {

// Runs SQL on the test cluster's maintenance database (CREATE/DROP DATABASE).
bool adminExec(const QString &sql, QString *error)
{
    const QUrl url(qEnvironmentVariable("SWITCHBOARD_TEST_DATABASE_URL"));
    const QString name = QStringLiteral("sb-admin-%1").arg(QRandomGenerator::global()->generate());
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        db.setHostName(url.host());
        db.setPort(url.port(5432));
        db.setUserName(url.userName());
        db.setPassword(url.password());
        db.setDatabaseName(url.path().mid(1));
        if (db.open()) {
            QSqlQuery q(db);
            ok = q.exec(sql);
            if (!ok)
                *error = q.lastError().text();
        } else {
            *error = db.lastError().text();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

} // namespace

QString createDatabase(QString *name, QString *error)
{
    *name = QStringLiteral("sbtest_%1_%2")
                .arg(QCoreApplication::applicationPid())
                .arg(QRandomGenerator::global()->generate());
    if (!adminExec(QStringLiteral("CREATE DATABASE %1").arg(*name), error))
        return {};
    QUrl url(qEnvironmentVariable("SWITCHBOARD_TEST_DATABASE_URL"));
    url.setPath(QLatin1Char('/') + *name);
    return url.toString();
}

void dropDatabase(const QString &name)
{
    QString error;
    adminExec(QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(name), &error);
}

TestServer::TestServer(const QString &backend, std::function<void(Config &)> tweak)
    : m_backend(backend)
{
    m_config.listenAddress = QHostAddress::LocalHost;
    m_config.listenPort = 0;
    m_config.dataDir = m_dir.path();
    m_config.jwtSecret = QString::fromLatin1(SECRET);
    m_config.apiKey = QStringLiteral("test-api-key-0123456789-abcdefghij");
    m_config.drainTimeoutMs = 3000;
    if (tweak)
        tweak(m_config);
}

TestServer::~TestServer()
{
    stop();
    if (!m_pgDatabase.isEmpty())
        dropDatabase(m_pgDatabase);
}

bool TestServer::start(QString *error)
{
    if (m_backend == QLatin1StringView("postgres") && m_pgDatabase.isEmpty()) {
        m_config.databaseUrl = createDatabase(&m_pgDatabase, error);
        if (m_config.databaseUrl.isEmpty())
            return false;
    }
    m_app = std::make_unique<Application>(m_config);
    if (!m_app->start(error))
        return false;
    m_port = m_app->port();
    return true;
}

void TestServer::stop()
{
    m_app.reset();
}

QUrl TestServer::wsUrl(const QString &token, const QString &path) const
{
    QUrl url(QStringLiteral("ws://127.0.0.1:%1%2").arg(m_port).arg(path));
    if (!token.isEmpty()) {
        QUrlQuery q;
        q.addQueryItem(QStringLiteral("token"), token);
        url.setQuery(q);
    }
    return url;
}

QUrl TestServer::httpUrl(const QString &pathAndQuery) const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(pathAndQuery));
}

QByteArray TestServer::token(qint64 userId, const QString &name, bool admin,
                             qint64 ttlSeconds) const
{
    TokenSettings settings;
    settings.secret = SECRET;
    TokenService service(settings);
    TokenClaims claims;
    claims.userId = userId;
    claims.username = name.isEmpty() ? QStringLiteral("user%1").arg(userId) : name;
    claims.admin = admin;
    const qint64 now = Protocol::Events::nowMs() / 1000;
    claims.expiresAt = now + ttlSeconds;
    return service.issue(claims, now);
}

QByteArray TestServer::externalToken(const QString &externalId, const QString &name) const
{
    TokenSettings settings;
    settings.secret = SECRET;
    TokenClaims claims;
    claims.externalId = externalId;
    claims.username = name;
    const qint64 now = Protocol::Events::nowMs() / 1000;
    claims.expiresAt = now + 3600;
    return TokenService(settings).issue(claims, now);
}

WsClient::WsClient()
{
    connect(&m_socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
        m_events.append(QJsonDocument::fromJson(text.toUtf8()).object());
    });
    connect(&m_socket, &QWebSocket::disconnected, this, [this]() { m_closed = true; });
}

WsClient::~WsClient()
{
    m_socket.abort();
}

bool WsClient::open(const QUrl &url, int timeoutMs,
                    const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QNetworkRequest request(url);
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    m_socket.open(request);
    QDeadlineTimer deadline(timeoutMs);
    while (m_socket.state() != QAbstractSocket::ConnectedState && !m_closed
           && !deadline.hasExpired())
        QTest::qWait(5);
    return m_socket.state() == QAbstractSocket::ConnectedState;
}

void WsClient::send(const QJsonObject &frame)
{
    m_socket.sendTextMessage(
        QString::fromUtf8(QJsonDocument(frame).toJson(QJsonDocument::Compact)));
}

void WsClient::sendRaw(const QByteArray &text)
{
    m_socket.sendTextMessage(QString::fromUtf8(text));
}

QJsonObject WsClient::waitFor(const QString &type, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    qsizetype &index = m_readByType[type];
    forever
    {
        for (; index < m_events.size(); ++index) {
            if (m_events[index].value(QStringLiteral("type")).toString() == type)
                return m_events[index++];
        }
        if (deadline.hasExpired())
            return {};
        QTest::qWait(2);
    }
}

int WsClient::waitClosed(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!m_closed && !deadline.hasExpired())
        QTest::qWait(5);
    return m_closed ? int(m_socket.closeCode()) : -1;
}

QList<QJsonObject> WsClient::eventsOfType(const QString &type) const
{
    QList<QJsonObject> out;
    for (const QJsonObject &e : m_events) {
        if (e.value(QStringLiteral("type")).toString() == type)
            out.append(e);
    }
    return out;
}

bool WsClient::noEventOfType(const QString &type, int ms)
{
    const qsizetype before = eventsOfType(type).size();
    QTest::qWait(ms);
    return eventsOfType(type).size() == before;
}

HttpResult http(const QByteArray &method, const QUrl &url, const QByteArray &body,
                const QByteArray &bearer, int timeoutMs)
{
    static QNetworkAccessManager *nam = new QNetworkAccessManager(qApp);
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    if (!bearer.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + bearer);
    QNetworkReply *reply = nam->sendCustomRequest(request, method, body);
    QDeadlineTimer deadline(timeoutMs);
    while (!reply->isFinished() && !deadline.hasExpired())
        QTest::qWait(2);
    HttpResult result;
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.body = reply->readAll();
    result.json = QJsonDocument::fromJson(result.body).object();
    for (const auto &[name, value] : reply->rawHeaderPairs())
        result.headers.insert(name.toLower(), value);
    reply->deleteLater();
    return result;
}

HttpResult httpJson(const QByteArray &method, const QUrl &url, const QJsonObject &body,
                    const QByteArray &bearer)
{
    return http(method, url, QJsonDocument(body).toJson(QJsonDocument::Compact), bearer);
}

QByteArray handMadeToken(const QJsonObject &header, const QJsonObject &payload,
                         const QByteArray &signature)
{
    const auto enc = [](const QByteArray &b) {
        return b.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    };
    return enc(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.'
        + enc(QJsonDocument(payload).toJson(QJsonDocument::Compact)) + '.' + enc(signature);
}

QString str(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1StringView(key)).toString();
}

qint64 num(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1StringView(key)).toInteger();
}

QJsonObject frame(const char *type, QJsonObject fields)
{
    fields.insert(QStringLiteral("type"), QLatin1StringView(type));
    return fields;
}

std::unique_ptr<WsClient> connectAs(TestServer &server, qint64 userId, bool admin,
                                    const QString &query)
{
    auto c = std::make_unique<WsClient>();
    QUrl url = server.wsUrl(QString::fromLatin1(server.token(userId, {}, admin)));
    if (!query.isEmpty())
        url.setQuery(url.query() + QLatin1Char('&') + query);
    if (!c->open(url) || c->waitFor(QStringLiteral("connected")).isEmpty())
        return nullptr;
    return c;
}

std::vector<std::unique_ptr<WsClient>> openStorm(TestServer &server, qint64 firstId, int count)
{
    std::vector<std::unique_ptr<WsClient>> clients;
    for (int i = 0; i < count; ++i) {
        clients.push_back(std::make_unique<WsClient>());
        clients.back()->socket().open(server.wsUrl(QString::fromLatin1(server.token(firstId + i))));
    }
    const auto connected = [&clients]() {
        return std::all_of(clients.begin(), clients.end(), [](const auto &c) {
            return !c->eventsOfType(QStringLiteral("connected")).isEmpty();
        });
    };
    QDeadlineTimer deadline(60000);
    while (!connected() && !deadline.hasExpired())
        QTest::qWait(20);
    if (!connected())
        clients.clear();
    return clients;
}

QJsonObject request(WsClient &c, const char *type, QJsonObject fields, const char *replyType)
{
    static int next = 1;
    const int id = next++;
    fields.insert(QStringLiteral("id"), id);
    c.send(frame(type, fields));
    QDeadlineTimer deadline(5000);
    while (!deadline.hasExpired()) {
        for (const QJsonObject &e : c.events()) {
            if (e.value(QStringLiteral("id")).toInt() == id
                && (str(e, "type") == QLatin1StringView(replyType)
                    || str(e, "type") == QLatin1StringView("error")))
                return e;
        }
        QTest::qWait(5);
    }
    return {};
}

QSqlDatabase sideConnection(const QString &connectionName, const QString &dataDir,
                            const QString &databaseUrl)
{
    if (databaseUrl.isEmpty()) {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connectionName);
        db.setDatabaseName(dataDir + QStringLiteral("/switchboard.db"));
        return db;
    }
    const QUrl url(databaseUrl);
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connectionName);
    db.setHostName(url.host());
    db.setPort(url.port(5432));
    db.setDatabaseName(url.path().mid(1));
    db.setUserName(url.userName());
    db.setPassword(url.password());
    return db;
}

StoreLock::StoreLock(const QString &connectionName, const Config &config)
    : m_name(connectionName)
{
    QSqlDatabase db = sideConnection(m_name, config.dataDir, config.databaseUrl);
    if (!db.open()) {
        m_error = db.lastError().text();
        return;
    }
    QSqlQuery q(db);
    const QString lock = config.databaseUrl.isEmpty()
        ? QStringLiteral("INSERT INTO users (id, username, created_at) VALUES (999, 'locker', 0)")
        : QStringLiteral("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE");
    if (!q.exec(QStringLiteral("BEGIN")) || !q.exec(lock)) {
        m_error = q.lastError().text();
        return;
    }
    m_held = true;
}

void StoreLock::release()
{
    if (m_name.isEmpty())
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(m_name, false);
        if (m_held && db.isOpen())
            QSqlQuery(db).exec(QStringLiteral("ROLLBACK"));
        db.close();
    }
    m_held = false;
    QSqlDatabase::removeDatabase(std::exchange(m_name, QString()));
}

StoreLock::~StoreLock()
{
    release();
}

bool TestServer::signIn(std::initializer_list<qint64> userIds)
{
    for (qint64 id : userIds) {
        const HttpResult r = http("GET", httpUrl(QStringLiteral("/api/v1/rooms")), {}, token(id));
        if (r.status != 200) {
            qWarning("signing in user %lld: %d %s", id, r.status, r.body.constData());
            return false;
        }
    }
    return true;
}

QString errorCode(const QJsonObject &e)
{
    return str(e, "type") == QLatin1StringView("error") ? str(e, "code") : QString();
}

QString errorCode(const HttpResult &r)
{
    return r.json.value(QStringLiteral("error"))
        .toObject()
        .value(QStringLiteral("code"))
        .toString();
}

QByteArray rawUpgrade(quint16 port, const QByteArray &pathAndQuery, const QByteArray &extraHeaders)
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    if (!s.waitForConnected(3000))
        return {};
    s.write("GET " + pathAndQuery
            + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
              "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              "Sec-WebSocket-Version: 13\r\n"
            + extraHeaders + "\r\n");
    QByteArray answer;
    QDeadlineTimer deadline(3000);
    while (!answer.contains("\r\n\r\n") && !deadline.hasExpired()) {
        if (s.bytesAvailable() || s.waitForReadyRead(50))
            answer += s.readAll();
        else
            QTest::qWait(5);
    }
    return answer;
}

AcceptedSockets acceptedSockets(quint16 port)
{
    AcceptedSockets result;
    const QStringList fds = QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::NoDotAndDotDot);
    for (const QString &name : fds) {
        const int fd = name.toInt();
        struct stat st = {};
        if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
            continue;
        sockaddr_storage local = {};
        socklen_t length = sizeof local;
        if (getsockname(fd, reinterpret_cast<sockaddr *>(&local), &length) != 0
            || local.ss_family != AF_INET
            || ntohs(reinterpret_cast<sockaddr_in *>(&local)->sin_port) != port)
            continue;
        int listening = 0;
        length = sizeof listening;
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || listening)
            continue;
        int noDelay = 0;
        length = sizeof noDelay;
        if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &noDelay, &length) != 0)
            continue;
        ++result.total;
        if (!noDelay)
            ++result.withoutNoDelay;
    }
    return result;
}

} // namespace Switchboard::Test
