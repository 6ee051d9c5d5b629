// SPDX-License-Identifier: MIT
#pragma once

#include "app/application.h"
#include "auth/tokenservice.h"

#include <functional>
#include <memory>
#include <vector>

#include <QJsonObject>
#include <QSqlDatabase>
#include <QList>
#include <QTemporaryDir>
#include <QWebSocket>

// Starts a TestServer in a test function with a `backend` column: on PostgreSQL skips when no
// test cluster is configured, or fails when SWITCHBOARD_REQUIRE_POSTGRES=1 (CI).
#define START_SERVER(server)                                                                       \
    do {                                                                                           \
        QString why_;                                                                              \
        if (backend == QLatin1StringView("postgres")                                               \
            && !::Switchboard::Test::postgresAvailable(&why_)) {                                   \
            if (qEnvironmentVariableIntValue("SWITCHBOARD_REQUIRE_POSTGRES"))                      \
                QFAIL(qPrintable(why_));                                                           \
            QSKIP(qPrintable(why_));                                                               \
        }                                                                                          \
        QVERIFY2((server).start(&why_), qPrintable(why_));                                         \
    } while (false)

namespace Switchboard::Test {

// The backends every end-to-end test runs on: rows "sqlite" and "postgres" for _data() tables.
void addBackendRows();
// QSKIP/QFAIL policy for PostgreSQL: skipped when SWITCHBOARD_TEST_DATABASE_URL is unset,
// unless SWITCHBOARD_REQUIRE_POSTGRES=1 (CI), where it fails.
bool postgresAvailable(QString *why);

// A PostgreSQL database of its own on the test cluster; returns its URL (empty + error on
// failure). dropDatabase() removes it.
QString createDatabase(QString *name, QString *error);
void dropDatabase(const QString &name);
// A connection of its own (registered as `connectionName`, not yet open) to the database a
// server or store uses: SQLite's file in dataDir, or databaseUrl. Tests hold locks with it, as
// another process would.
QSqlDatabase sideConnection(const QString &connectionName, const QString &dataDir,
                            const QString &databaseUrl);

// Holds the store's write lock from a side connection, as another process would, until
// release() or destruction: SQLite's (an open write transaction), PostgreSQL's (an exclusive
// lock on messages). The server's writes wait meanwhile; check error() after constructing.
class StoreLock
{
public:
    StoreLock(const QString &connectionName, const Config &config);
    ~StoreLock();
    StoreLock(const StoreLock &) = delete;
    StoreLock &operator=(const StoreLock &) = delete;
    QString error() const { return m_error; } // empty when the lock is held
    void release();

private:
    QString m_name;
    QString m_error;
    bool m_held = false;
};

// A real switchboardd (Application) on 127.0.0.1 with an ephemeral port, a temporary data dir,
// and on PostgreSQL a database of its own that is dropped afterwards.
class TestServer
{
public:
    static constexpr const char *SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

    explicit TestServer(const QString &backend, std::function<void(Config &)> tweak = {});
    ~TestServer();

    // start() after stop() restarts on the same data directory / database.
    bool start(QString *error);
    void stop();
    Application *app() { return m_app.get(); }
    quint16 port() const { return m_port; }
    const Config &config() const { return m_config; }

    QUrl wsUrl(const QString &token = QString(), const QString &path = QStringLiteral("/ws")) const;
    QUrl httpUrl(const QString &pathAndQuery) const;
    QByteArray token(qint64 userId, const QString &name = QString(), bool admin = false,
                     qint64 ttlSeconds = 3600) const;
    // A token as a backend mints it with its own id ("user123") as "sub".
    QByteArray externalToken(const QString &externalId, const QString &name = QString()) const;
    // Signs these ids in once with a token (a REST call), as a backend's users do before they
    // are messaged: an id that never signed in and has no account is no recipient (NOT_FOUND).
    // False when a call was refused.
    bool signIn(std::initializer_list<qint64> userIds);

private:
    QString m_backend;
    QTemporaryDir m_dir;
    Config m_config;
    QString m_pgDatabase;
    std::unique_ptr<Application> m_app;
    quint16 m_port = 0;
};

// A WebSocket client that records every event it receives.
class WsClient : public QObject
{
    Q_OBJECT

public:
    WsClient();
    ~WsClient() override;

    bool open(const QUrl &url, int timeoutMs = 5000,
              const QList<QPair<QByteArray, QByteArray>> &headers = {});
    void send(const QJsonObject &frame);
    void sendRaw(const QByteArray &text);
    // The next unread event of this type (waits up to timeoutMs); empty object on timeout.
    QJsonObject waitFor(const QString &type, int timeoutMs = 5000);
    // Waits until the server closed the socket; returns the close code (-1 on timeout).
    int waitClosed(int timeoutMs = 5000);
    // Events received so far (all types), oldest first.
    const QList<QJsonObject> &events() const { return m_events; }
    QList<QJsonObject> eventsOfType(const QString &type) const;
    // True when no event of this type arrives within the time (drains the event loop).
    bool noEventOfType(const QString &type, int ms = 300);
    QWebSocket &socket() { return m_socket; }
    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }

private:
    QWebSocket m_socket;
    QList<QJsonObject> m_events;
    qsizetype m_readIndex = 0;
    QHash<QString, qsizetype> m_readByType;
    bool m_closed = false;
};

struct HttpResult
{
    int status = 0;
    QJsonObject json;
    QByteArray body;
    QByteArray header(const QByteArray &name) const { return headers.value(name.toLower()); }
    QHash<QByteArray, QByteArray> headers;
};

// A blocking HTTP call over a real socket (QNetworkAccessManager).
HttpResult http(const QByteArray &method, const QUrl &url, const QByteArray &body = {},
                const QByteArray &bearer = {}, int timeoutMs = 10000);
HttpResult httpJson(const QByteArray &method, const QUrl &url, const QJsonObject &body,
                    const QByteArray &bearer = {});

// base64url JWT assembled by hand, for tokens a correct library would never produce.
QByteArray handMadeToken(const QJsonObject &header, const QJsonObject &payload,
                         const QByteArray &signature = {});

// Field accessors and frame building for terse assertions.
QString str(const QJsonObject &o, const char *key);
qint64 num(const QJsonObject &o, const char *key);
QJsonObject frame(const char *type, QJsonObject fields = {});

class TestServer;
// A connected, welcomed client of one user (nullptr on failure); `query` is appended to the URL.
std::unique_ptr<WsClient> connectAs(TestServer &server, qint64 userId, bool admin = false,
                                    const QString &query = {});
// Opens `count` WebSockets for users firstId, firstId + 1, ... all at once (a storm, not one
// after the other) and waits until each has its `connected`; empty on failure.
std::vector<std::unique_ptr<WsClient>> openStorm(TestServer &server, qint64 firstId, int count);
// Sends a frame with a fresh id and returns the reply to it: the event of `replyType` or the
// error carrying that id (empty object on timeout).
QJsonObject request(WsClient &c, const char *type, QJsonObject fields, const char *replyType);
// The code of an error event (empty when it is not an error).
QString errorCode(const QJsonObject &e);
// The code of a REST error reply ({"error": {"code": ...}}; empty when there is none).
QString errorCode(const HttpResult &r);

// The raw HTTP answer to an upgrade request (status line and headers), for refusals before
// the 101.
QByteArray rawUpgrade(quint16 port, const QByteArray &pathAndQuery,
                      const QByteArray &extraHeaders = {});

// The TCP sockets this process accepted on `port` (the server runs in the test process), not
// the listening one, and how many of them lack TCP_NODELAY.
struct AcceptedSockets
{
    int total = 0;
    int withoutNoDelay = 0;
};
AcceptedSockets acceptedSockets(quint16 port);

} // namespace Switchboard::Test
