// SPDX-License-Identifier: MIT
// The seeds' own client code against a real server, as the seed documents print it with only
// the URL and the token filled in (issue #16): seed 000's demo page in headless Chromium, and
// seed 004's WebSocketClient class, seed 001's script and seed 002's React and Vue hooks under
// Node.js. Their copies in this folder are the seeds'
// code blocks verbatim (checked against ../shared/seeds when that folder is there).
#include "testsupport.h"

#include "protocol/dialect.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;

class tst_SeedClients : public QObject
{
    Q_OBJECT

private slots:
    void copiesAreVerbatim_data();
    void copiesAreVerbatim();
    void seed000DemoPageInChromium();
    void seed004ClientClassInNode();
    void seed001NodeScript();
    void seed002ReactHookInNode();
    void seed002VueHookInNode();
};

namespace {

QString readText(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

// Absent locally: skip. In CI (CI=true) the runtime must be there: install-deps.sh --test.
bool haveTool(const QString &name, QString *path, QString *why)
{
    *path = QStandardPaths::findExecutable(name);
    if (!path->isEmpty())
        return true;
    *why = QStringLiteral("%1 is not installed (scripts/install-deps.sh --test)").arg(name);
    return false;
}

#define REQUIRE_TOOL(name, path)                                                                   \
    QString path;                                                                                  \
    do {                                                                                           \
        QString why_;                                                                              \
        if (!haveTool(QStringLiteral(name), &path, &why_)) {                                       \
            if (qEnvironmentVariable("CI") == QLatin1StringView("true"))                           \
                QFAIL(qPrintable(why_));                                                           \
            QSKIP(qPrintable(why_));                                                               \
        }                                                                                          \
    } while (false)

// Serves one page to any GET, as a web server would serve the seed's demo page.
class PageServer : public QTcpServer
{
public:
    PageServer()
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, s, [this, s] {
                    m_head += s->readAll();
                    if (!m_head.contains("\r\n\r\n"))
                        return;
                    m_head.clear();
                    s->write("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                             "Content-Length: "
                             + QByteArray::number(m_page.size()) + "\r\nConnection: close\r\n\r\n"
                             + m_page);
                    s->disconnectFromHost();
                });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }

    void setPage(const QByteArray &page) { m_page = page; }

private:
    QByteArray m_page;
    QByteArray m_head;
};

// Headless Chromium with a page, read through the DevTools protocol.
class Chromium
{
public:
    ~Chromium()
    {
        m_devtools.abort();
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    bool start(const QString &program, const QUrl &page, QString *error)
    {
        // The flags Debian's Chromium needs as root on a machine without a network of its own.
        m_process.start(
            program,
            {QStringLiteral("--headless"), QStringLiteral("--no-sandbox"),
             QStringLiteral("--disable-gpu"), QStringLiteral("--disable-quic"),
             QStringLiteral("--no-first-run"), QStringLiteral("--disable-background-networking"),
             QStringLiteral("--disable-component-update"), QStringLiteral("--disable-sync"),
             QStringLiteral("--disable-dev-shm-usage"),
             QStringLiteral("--user-data-dir=") + m_profile.path(),
             QStringLiteral("--remote-debugging-port=0"),
             QStringLiteral("--remote-allow-origins=*"), page.toString()});
        QByteArray err;
        static const QRegularExpression listening(
            QStringLiteral("DevTools listening on ws://127\\.0\\.0\\.1:(\\d+)/"));
        QDeadlineTimer deadline(30000);
        quint16 port = 0;
        while (!port && !deadline.hasExpired() && m_process.state() != QProcess::NotRunning) {
            QTest::qWait(20); // the server and the page server run in this thread
            err += m_process.readAllStandardError();
            if (const auto m = listening.match(QString::fromUtf8(err)); m.hasMatch())
                port = quint16(m.captured(1).toUInt());
        }
        if (!port) {
            *error
                = QStringLiteral("chromium did not start: ") + QString::fromUtf8(err.right(2000));
            return false;
        }
        // The page's own DevTools socket.
        QString target;
        while (target.isEmpty() && !deadline.hasExpired()) {
            const HttpResult list = http(
                "GET", QUrl(QStringLiteral("http://127.0.0.1:%1/json/list").arg(port)), {}, {});
            for (const QJsonValue &t : QJsonDocument::fromJson(list.body).array()) {
                const QJsonObject o = t.toObject();
                if (o.value(u"type").toString() == u"page"
                    && o.value(u"url").toString().startsWith(page.toString()))
                    target = o.value(u"webSocketDebuggerUrl").toString();
            }
            if (target.isEmpty())
                QTest::qWait(100);
        }
        if (target.isEmpty()) {
            *error = QStringLiteral("chromium shows no page for %1").arg(page.toString());
            return false;
        }
        QObject::connect(&m_devtools, &QWebSocket::textMessageReceived, &m_devtools,
                         [this](const QString &text) {
                             const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
                             m_replies.insert(o.value(u"id").toInt(), o);
                         });
        m_devtools.open(QUrl(target));
        while (m_devtools.state() != QAbstractSocket::ConnectedState && !deadline.hasExpired())
            QTest::qWait(10);
        if (m_devtools.state() != QAbstractSocket::ConnectedState) {
            *error = QStringLiteral("no DevTools connection to the page");
            return false;
        }
        return true;
    }

    // A JavaScript expression's value in the page (a null QJsonValue on failure).
    QJsonValue evaluate(const QString &expression)
    {
        const int id = ++m_nextId;
        const QJsonObject call {
            {"id", id},
            {"method", "Runtime.evaluate"},
            {"params", QJsonObject {{"expression", expression}, {"returnByValue", true}}}};
        m_devtools.sendTextMessage(
            QString::fromUtf8(QJsonDocument(call).toJson(QJsonDocument::Compact)));
        QDeadlineTimer deadline(10000);
        while (!m_replies.contains(id) && !deadline.hasExpired())
            QTest::qWait(10);
        return m_replies.take(id).value(u"result").toObject().value(u"result").toObject().value(
            u"value");
    }

    // The page's message log (its #messages element) once it holds `text`, or as it is after
    // the time.
    QString waitForLog(const QString &text, int timeoutMs = 10000)
    {
        QDeadlineTimer deadline(timeoutMs);
        QString log;
        do {
            log = evaluate(QStringLiteral("document.getElementById('messages').innerText"))
                      .toString();
            if (log.contains(text))
                break;
            QTest::qWait(100);
        } while (!deadline.hasExpired());
        return log;
    }

private:
    QProcess m_process;
    QTemporaryDir m_profile;
    QWebSocket m_devtools;
    QHash<int, QJsonObject> m_replies;
    int m_nextId = 0;
};

} // namespace

void tst_SeedClients::copiesAreVerbatim_data()
{
    QTest::addColumn<QString>("copy");
    QTest::addColumn<QString>("seed");
    QTest::newRow("000 demo page")
        << QStringLiteral("seed000_demo.html") << QStringLiteral("000_e29a585abf2420c9.txt");
    QTest::newRow("004 client class")
        << QStringLiteral("seed004_client.js") << QStringLiteral("004_1c52c123ba1520a0.txt");
    QTest::newRow("001 node script") << QStringLiteral("seed001_test_websocket.js")
                                     << QStringLiteral("001_7e3289782dcb2a6d.repaired.txt");
    QTest::newRow("002 React hook")
        << QStringLiteral("seed002_react_hook.js") << QStringLiteral("002_e73a5c811e24327c.txt");
    QTest::newRow("002 Vue hook") << QStringLiteral("seed002_vue_hook.js")
                                  << QStringLiteral("002_e73a5c811e24327c.txt");
}

// The copies are what the seeds print, byte for byte (when the seed documents are beside the
// checkout, as for the developers and CI).
void tst_SeedClients::copiesAreVerbatim()
{
    QFETCH(QString, copy);
    QFETCH(QString, seed);
    const QString code = readText(QStringLiteral(SEED_COPIES_DIR "/") + copy);
    QVERIFY(!code.isEmpty());
    const QString dir
        = qEnvironmentVariable("SWITCHBOARD_SEEDS_DIR", QStringLiteral(SEED_DOCUMENTS_DIR));
    const QString document = readText(dir + QLatin1Char('/') + seed);
    if (document.isEmpty())
        QSKIP("the seed documents are not beside this checkout (../shared/seeds; or set "
              "SWITCHBOARD_SEEDS_DIR)");
    const QString fence
        = copy.endsWith(u".html") ? QStringLiteral("```html\n") : QStringLiteral("```javascript\n");
    QVERIFY2(document.contains(fence + code + QStringLiteral("```")),
             qPrintable(copy + QStringLiteral(" differs from its seed's code block")));
}

// Seed 000's demo page, served over HTTP and loaded in headless Chromium against a server with
// default_dialect = 000: its ping's pong, a text message and a notification show with their
// content, and nothing shows as `undefined`.
void tst_SeedClients::seed000DemoPageInChromium()
{
    REQUIRE_TOOL("chromium", chromium);
    QString page = readText(QStringLiteral(SEED_COPIES_DIR "/seed000_demo.html"));
    QVERIFY(!page.isEmpty());
    // The page's origin must be one the server allows: it is served first.
    PageServer pages;
    QVERIFY(pages.listen(QHostAddress::LocalHost));
    const QString origin = QStringLiteral("http://127.0.0.1:%1").arg(pages.serverPort());
    TestServer server(QStringLiteral("sqlite"), [&origin](Config &c) {
        c.defaultDialect = Protocol::Dialect::Seed000;
        c.allowedOrigins = {origin};
        c.allowUserBroadcast = true; // the page's `text` without a recipient is a broadcast
    });
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));

    // Only WS_URL and JWT_TOKEN are filled in.
    const QString wsUrl = QStringLiteral("const WS_URL = 'ws://127.0.0.1:8000/ws';");
    const QString jwt = QStringLiteral("const JWT_TOKEN = 'your-jwt-token-here';");
    QVERIFY(page.contains(wsUrl) && page.contains(jwt));
    page.replace(wsUrl,
                 QStringLiteral("const WS_URL = 'ws://127.0.0.1:%1/ws';").arg(server.port()));
    // Seed 000's backend names its users by UUIDs: the token's sub is one (an external id).
    const QString alice = QStringLiteral("0b7e5a1c-3f2d-4c8e-9a61-5d2f7c9e4b13");
    page.replace(
        jwt,
        QStringLiteral("const JWT_TOKEN = '%1';")
            .arg(QString::fromLatin1(server.externalToken(alice, QStringLiteral("alice")))));
    pages.setPage(page.toUtf8());

    Chromium browser;
    QVERIFY2(browser.start(chromium, QUrl(origin + QStringLiteral("/websocket_demo.html")), &why),
             qPrintable(why));
    // The page pings a second after it connected, by itself.
    QString log = browser.waitForLog(QStringLiteral("🏓"), 15000);
    QVERIFY2(log.contains(QStringLiteral("🏓 收到 Pong 响应")), qPrintable(log));

    // Another user, in the canonical shapes (/ws is in 000 here).
    auto bob = connectAs(server, 82, false, QStringLiteral("dialect=canonical"));
    QVERIFY(bob);
    log = browser.waitForLog(QStringLiteral("user82"));
    QVERIFY2(log.contains(QStringLiteral("👋 user82 加入了聊天")), qPrintable(log));
    QVERIFY(
        !request(*bob, "send", {{"to", alice}, {"content", "hello from bob"}}, "ack").isEmpty());
    log = browser.waitForLog(QStringLiteral("hello from bob"));
    QVERIFY2(log.contains(QStringLiteral("💬 hello from bob")), qPrintable(log));

    // Seed 000's own REST call for a notification to one user.
    const HttpResult sent = httpJson(
        "POST", server.httpUrl(QStringLiteral("/ws/send")),
        {{"to_user_id", alice},
         {"message_type", "notification"},
         {"data", QJsonObject {{"content", "你有新的私信"}, {"type", "private_message"}}}},
        server.config().apiKey.toUtf8());
    QVERIFY2(sent.status / 100 == 2, sent.body.constData());
    log = browser.waitForLog(QStringLiteral("你有新的私信"));
    QVERIFY2(log.contains(QStringLiteral("🔔 通知: {")) && log.contains(u"你有新的私信"),
             qPrintable(log));

    // The page's own "send" button: its text reaches the other user.
    browser.evaluate(QStringLiteral("messageInput.value = 'typed in the page'; sendMessage();"));
    QCOMPARE(str(bob->waitFor(QStringLiteral("broadcast")), "content"),
             QStringLiteral("typed in the page"));

    log = browser.waitForLog(QStringLiteral("never"), 500);
    QVERIFY2(!log.contains(u"undefined"), qPrintable(log));
    QVERIFY2(!log.contains(u"连接关闭"), qPrintable(log)); // never closed
    qInfo().noquote() << "the page shows:\n" << log;
}

namespace {

// A Node.js process the test talks to; stdout and stderr merged into what output() returns.
// The server runs in the test's thread: waiting for output keeps its event loop turning.
class NodeProcess
{
public:
    ~NodeProcess()
    {
        m_process.kill();
        m_process.waitForFinished(5000);
    }

    void start(const QString &node, const QStringList &args,
               const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
    {
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.setProcessEnvironment(env);
        m_process.start(node, args);
    }

    bool waitOutput(const QByteArray &text, int timeoutMs = 10000)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (!m_out.contains(text) && !deadline.hasExpired()) {
            QTest::qWait(20);
            m_out += m_process.readAll();
        }
        return m_out.contains(text);
    }

    void command(const QByteArray &line) { m_process.write(line + '\n'); }
    const QByteArray &output() const { return m_out; }

private:
    QProcess m_process;
    QByteArray m_out;
};

// Seed 002's React or Vue hook under Node.js through seed002_hooks.mjs (its stand-ins for React
// and Vue), as the user of `token` on /api/v1/ws.
void startHook(NodeProcess &hook, const QString &node, const QString &kind, const QString &copy,
               const TestServer &server, const QByteArray &token)
{
    hook.start(node,
               {QStringLiteral("--experimental-websocket"),
                QStringLiteral(SEED_COPIES_DIR "/seed002_hooks.mjs"), kind,
                QStringLiteral(SEED_COPIES_DIR "/") + copy,
                QStringLiteral("ws://127.0.0.1:%1").arg(server.port()),
                QString::fromLatin1(token)});
}

} // namespace

// Seed 004's WebSocketClient class and its usage example under Node.js (its global WebSocket),
// against /api/ws/connect, with the seed's own string user ids (tokens with "sub": "user123" and
// "user456"): a chat from user456 reaches the `chat` handler as `user456: Hello!`; a push
// through POST /api/ws/send to "user123" reaches the `notification` handler.
void tst_SeedClients::seed004ClientClassInNode()
{
    REQUIRE_TOOL("node", node);
    QString code = readText(QStringLiteral(SEED_COPIES_DIR "/seed004_client.js"));
    QVERIFY(!code.isEmpty());
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    const QString url = QStringLiteral("'ws://localhost:8889/api/ws/connect?user_id=user123'");
    QVERIFY(code.contains(url));
    code.replace(url,
                 QStringLiteral("'ws://127.0.0.1:%1/api/ws/connect?user_id=user123&token=%2'")
                     .arg(server.port())
                     .arg(QString::fromLatin1(server.externalToken(QStringLiteral("user123"),
                                                                   QStringLiteral("user123")))));
    // A browser's alert() is a line on stdout here.
    const QString script
        = QStringLiteral("globalThis.alert = (text) => console.log('alert: ' + text);\n") + code;
    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("client.js")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(script.toUtf8());
    file.close();

    NodeProcess process;
    process.start(node, {QStringLiteral("--experimental-websocket"), file.fileName()});
    QVERIFY2(process.waitOutput("Connected!\n"), process.output().constData());

    WsClient other;
    QVERIFY(other.open(
        server.wsUrl(QString::fromLatin1(server.externalToken(QStringLiteral("user456"))))));
    QVERIFY(!other.waitFor(QStringLiteral("connected")).isEmpty());
    QVERIFY(!request(other, "send", {{"to", "user123"}, {"content", "Hello!"}}, "ack").isEmpty());
    QVERIFY2(process.waitOutput("user456: Hello!\n"), process.output().constData());

    const HttpResult sent
        = httpJson("POST", server.httpUrl(QStringLiteral("/api/ws/send")),
                   {{"type", "notification"}, {"to", "user123"}, {"content", "order shipped"}},
                   server.config().apiKey.toUtf8());
    QVERIFY2(sent.status / 100 == 2, sent.body.constData());
    QVERIFY2(process.waitOutput("alert: order shipped\n"), process.output().constData());
    QVERIFY2(!process.output().contains("undefined"), process.output().constData());
}

// Seed 001's Node.js script (test_websocket.js, with the `ws` package) against /ws with
// default_dialect = 001: it prints the private and the group push in the seed's shape.
void tst_SeedClients::seed001NodeScript()
{
    REQUIRE_TOOL("node", node);
    QString code = readText(QStringLiteral(SEED_COPIES_DIR "/seed001_test_websocket.js"));
    QVERIFY(!code.isEmpty());
    TestServer server(QStringLiteral("sqlite"),
                      [](Config &c) { c.defaultDialect = Protocol::Dialect::Seed001; });
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    const QString token = QStringLiteral("\"YOUR_TOKEN_HERE\"");
    const QString url = QStringLiteral("ws://localhost:8080/ws?token=");
    QVERIFY(code.contains(token) && code.contains(url));
    code.replace(token,
                 QLatin1Char('"') + QString::fromLatin1(server.token(95)) + QLatin1Char('"'));
    code.replace(url, QStringLiteral("ws://127.0.0.1:%1/ws?token=").arg(server.port()));
    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("test_websocket.js")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(code.toUtf8());
    file.close();

    // Debian's node-ws (install-deps.sh --test) lives outside Node's own module path.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("NODE_PATH"), QStringLiteral("/usr/share/nodejs"));
    NodeProcess process;
    process.start(node, {file.fileName()}, env);
    if (!process.waitOutput("✅") && process.output().contains("Cannot find module 'ws'")) {
        if (qEnvironmentVariable("CI") == QLatin1StringView("true"))
            QFAIL("the ws package is not installed (node-ws: scripts/install-deps.sh --test)");
        QSKIP("the ws package is not installed (node-ws: scripts/install-deps.sh --test)");
    }
    QVERIFY2(process.output().contains("✅"), process.output().constData());

    auto sender = connectAs(server, 96);
    QVERIFY(sender);
    QVERIFY(!request(*sender, "send", {{"to", 95}, {"content", "你好，这是一条测试消息！"}}, "ack")
                 .isEmpty());
    QVERIFY2(process.waitOutput("\"type\": \"private\""), process.output().constData());
    QVERIFY2(process.output().contains("\"content\": \"你好，这是一条测试消息！\""),
             process.output().constData());
    QVERIFY2(process.output().contains("\"from_user_id\": 96"), process.output().constData());

    // A group: both members of a room (the receiver joins over REST).
    const HttpResult joined = http(
        "POST", server.httpUrl(QStringLiteral("/api/v1/rooms/general/join")), {}, server.token(95));
    QVERIFY2(joined.status / 100 == 2, joined.body.constData());
    QVERIFY(!request(*sender, "room_join", {{"room_id", "general"}}, "room_joined").isEmpty());
    QVERIFY(!request(*sender, "room_send",
                     {{"room_id", "general"}, {"content", "大家好，这是一条群聊消息！"}}, "ack")
                 .isEmpty());
    QVERIFY2(process.waitOutput("\"type\": \"group\""), process.output().constData());
    QVERIFY2(process.output().contains("\"group_id\": \"general\""), process.output().constData());
    QVERIFY2(!process.output().contains("undefined"), process.output().constData());
}

// Seed 002's React hook (useWebSocket) as the seed prints it, its onmessage switch fed by a live
// connection on /api/v1/ws: `connected` sets the online count, `user_status` online and
// offline move it, a `chat` and a `notification` are kept, a `pong` is logged.
void tst_SeedClients::seed002ReactHookInNode()
{
    REQUIRE_TOOL("node", node);
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    // Presence reaches those who share a room: both users are members of general.
    for (qint64 user : {61, 62}) {
        const HttpResult joined
            = http("POST", server.httpUrl(QStringLiteral("/api/v1/rooms/general/join")), {},
                   server.token(user));
        QVERIFY2(joined.status / 100 == 2, joined.body.constData());
    }
    NodeProcess hook;
    startHook(hook, node, QStringLiteral("react"), QStringLiteral("seed002_react_hook.js"), server,
              server.token(61, QStringLiteral("alice")));
    QVERIFY2(hook.waitOutput("state {\"isConnected\":true,\"onlineCount\":1,\"messages\":0}"),
             hook.output().constData());

    auto bob = connectAs(server, 62);
    QVERIFY(bob);
    QVERIFY2(hook.waitOutput("state {\"isConnected\":true,\"onlineCount\":2,\"messages\":0}"),
             hook.output().constData());

    QVERIFY(!request(*bob, "send", {{"to", 61}, {"content", "Hello!"}}, "ack").isEmpty());
    QVERIFY2(hook.waitOutput("\"messages\":1}"), hook.output().constData());
    QVERIFY2(hook.output().contains("message {\"data\":{\"from_user_id\":62,")
                 && hook.output().contains("\"message\":\"Hello!\""),
             hook.output().constData());

    hook.command("ping"); // through the hook's own sendMessage
    QVERIFY2(hook.waitOutput("Pong received\n"), hook.output().constData());

    const HttpResult sent = httpJson("POST", server.httpUrl(QStringLiteral("/ws/send")),
                                     {{"to_user_id", 61},
                                      {"message_type", "notification"},
                                      {"title", "订单"},
                                      {"message", "已发货"}},
                                     server.config().apiKey.toUtf8());
    QVERIFY2(sent.status / 100 == 2, sent.body.constData());
    QVERIFY2(hook.waitOutput("notification: 订单: 已发货\n"), hook.output().constData());
    QVERIFY2(hook.waitOutput("\"messages\":2}"), hook.output().constData());

    bob.reset();
    QVERIFY2(hook.waitOutput("state {\"isConnected\":true,\"onlineCount\":1,\"messages\":2}"),
             hook.output().constData());
    QVERIFY2(!hook.output().contains("WebSocket 错误") && !hook.output().contains("undefined"),
             hook.output().constData());
    qInfo().noquote() << "the hook saw:\n" << QString::fromUtf8(hook.output());
}

// Seed 002's Vue hook as the seed prints it: `connected` sets the online count, a notification
// is kept.
void tst_SeedClients::seed002VueHookInNode()
{
    REQUIRE_TOOL("node", node);
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto bob = connectAs(server, 62);
    QVERIFY(bob);
    NodeProcess hook;
    startHook(hook, node, QStringLiteral("vue"), QStringLiteral("seed002_vue_hook.js"), server,
              server.token(61, QStringLiteral("alice")));
    QVERIFY2(hook.waitOutput("state {\"isConnected\":true,\"onlineCount\":2,\"messages\":0}"),
             hook.output().constData());
    const HttpResult sent = httpJson("POST", server.httpUrl(QStringLiteral("/ws/send")),
                                     {{"to_user_id", 61},
                                      {"message_type", "notification"},
                                      {"title", "订单"},
                                      {"message", "已发货"}},
                                     server.config().apiKey.toUtf8());
    QVERIFY2(sent.status / 100 == 2, sent.body.constData());
    QVERIFY2(hook.waitOutput("\"messages\":1}"), hook.output().constData());
    QVERIFY2(hook.output().contains("\"type\":\"notification\"}"), hook.output().constData());
    QVERIFY2(hook.output().contains("\"title\":\"订单\""), hook.output().constData());
    QVERIFY2(!hook.output().contains("undefined"), hook.output().constData());
}

QTEST_MAIN(tst_SeedClients)
#include "tst_seedclients.moc"
