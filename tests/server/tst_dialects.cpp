// SPDX-License-Identifier: MIT
// Dialects end to end (docs/PROTOCOL.md, "Dialects"): each seed's endpoint (or ?dialect=) over a
// real loopback WebSocket answers in that seed's shapes, on both transports, and acks,
// idempotency and resume keep working in them. SQLite only: nothing here depends on the store.
#include "testsupport.h"

#include "protocol/dialect.h"

#include <functional>

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;

class tst_Dialects : public QObject
{
    Q_OBJECT

private slots:
    void unknownDialectRefused_data() { transportRows(); }
    void unknownDialectRefused();
    void seed000_data() { transportRows(); }
    void seed000();
    void seed001();
    void seed002();
    void seed003_data() { transportRows(); }
    void seed003();
    void seed003DefaultRoom();
    void seed000Announcements();
    void seed004();
    void roomFanOutInEveryDialect();

private:
    static void transportRows()
    {
        QTest::addColumn<bool>("native");
        QTest::newRow("native") << true;
        QTest::newRow("qt") << false;
    }
};

namespace {

// The next event (after `from`, which moves past it) that `match` accepts; empty on timeout.
QJsonObject waitMatch(WsClient &c, const std::function<bool(const QJsonObject &)> &match,
                      qsizetype *from = nullptr, int timeoutMs = 5000)
{
    qsizetype local = 0;
    qsizetype &index = from ? *from : local;
    QDeadlineTimer deadline(timeoutMs);
    forever
    {
        for (; index < c.events().size(); ++index) {
            if (match(c.events()[index]))
                return c.events()[index++];
        }
        if (deadline.hasExpired())
            return {};
        QTest::qWait(2);
    }
}

// Seed 000's events are known by message_type.
QJsonObject waitMessageType(WsClient &c, const QString &type, qsizetype *from = nullptr)
{
    return waitMatch(
        c, [&type](const QJsonObject &e) { return e.value(u"message_type").toString() == type; },
        from);
}

QJsonObject data(const QJsonObject &e)
{
    return e.value(u"data").toObject();
}

std::unique_ptr<WsClient> open(TestServer &server, qint64 userId, const QString &path,
                               const QString &query = {}, bool admin = false)
{
    auto c = std::make_unique<WsClient>();
    QUrl url = server.wsUrl(QString::fromLatin1(server.token(userId, {}, admin)), path);
    if (!query.isEmpty())
        url.setQuery(url.query() + QLatin1Char('&') + query);
    if (!c->open(url))
        return nullptr;
    return c;
}

} // namespace

void tst_Dialects::unknownDialectRefused()
{
    QFETCH(bool, native);
    TestServer server(QStringLiteral("sqlite"),
                      [native](Config &c) { c.nativeTransport = native; });
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    const QByteArray token = server.token(5);
    for (const QByteArray path : {"/ws", "/api/v1/ws", "/ws/connect", "/api/ws/connect"}) {
        const QByteArray answer = rawUpgrade(server.port(), path + "?dialect=005&token=" + token);
        QVERIFY2(answer.startsWith("HTTP/1.1 400"), answer.constData());
        // A known one on the same endpoint upgrades.
        QVERIFY(rawUpgrade(server.port(), path + "?dialect=001&token=" + token)
                    .startsWith("HTTP/1.1 101"));
    }
    // Names are exact: no case folding.
    QVERIFY(rawUpgrade(server.port(), "/ws?dialect=Canonical&token=" + token)
                .startsWith("HTTP/1.1 400"));
}

// Seed 000 on /ws with default_dialect = 000: the welcome, pong, a direct message, an ack and
// its duplicate, and a resume from a position, all in {message_type, data, timestamp, ...}.
void tst_Dialects::seed000()
{
    QFETCH(bool, native);
    TestServer server(QStringLiteral("sqlite"), [native](Config &c) {
        c.nativeTransport = native;
        c.defaultDialect = Protocol::Dialect::Seed000;
    });
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto a = open(server, 11, QStringLiteral("/ws"));
    QVERIFY(a);
    const QJsonObject welcome = waitMessageType(*a, QStringLiteral("connected"));
    QCOMPARE(num(data(welcome).value(u"user").toObject(), "id"), 11);
    QVERIFY(str(welcome, "timestamp").endsWith(QLatin1Char('Z')));
    QVERIFY(!welcome.contains(u"type"));
    a->send({{"id", "p1"}, {"message_type", "ping"}, {"data", QJsonObject {}}});
    const QJsonObject pong = waitMessageType(*a, QStringLiteral("pong"));
    QCOMPARE(str(pong, "id"), QStringLiteral("p1"));

    // A canonical client on the same endpoint.
    auto b = open(server, 12, QStringLiteral("/ws"), QStringLiteral("dialect=canonical"));
    QVERIFY(b);
    QVERIFY(!b->waitFor(QStringLiteral("connected")).isEmpty());
    QVERIFY(!request(*b, "send", {{"to", 11}, {"content", "hi alice"}}, "ack").isEmpty());
    const QJsonObject text = waitMessageType(*a, QStringLiteral("text"));
    QCOMPARE(str(data(text), "content"), QStringLiteral("hi alice"));
    QCOMPARE(num(text, "from_user_id"), 12);
    QCOMPARE(str(text, "stream"), QStringLiteral("u:11"));
    const qint64 seq = num(text, "seq");
    QVERIFY(seq > 0);
    QCOMPARE(num(text, "id"), num(text, "message_id"));

    // Acks keep their id, message_id, stream and seq; a retry with the same key is a duplicate.
    const QJsonObject send {
        {"type", "send"}, {"to", 12}, {"content", "once"}, {"idempotency_key", "k-000"}};
    QJsonObject first = send;
    first.insert(u"id", QStringLiteral("s1"));
    a->send(first);
    const QJsonObject ack1 = waitMatch(*a, [](const QJsonObject &e) {
        return e.value(u"message_type").toString() == u"ack" && e.value(u"id").toString() == u"s1";
    });
    QVERIFY(num(ack1, "message_id") > 0);
    QCOMPARE(str(ack1, "stream"), QStringLiteral("u:11"));
    QJsonObject second = send;
    second.insert(u"id", QStringLiteral("s2"));
    a->send(second);
    const QJsonObject ack2 = waitMatch(*a, [](const QJsonObject &e) {
        return e.value(u"message_type").toString() == u"ack" && e.value(u"id").toString() == u"s2";
    });
    QCOMPARE(num(ack2, "message_id"), num(ack1, "message_id"));
    QCOMPARE(num(ack2, "seq"), num(ack1, "seq"));
    QVERIFY(data(ack2).value(u"duplicate").toBool());
    QVERIFY(!data(ack1).contains(u"duplicate"));
    QCOMPARE(b->eventsOfType(QStringLiteral("message")).size(), 1);

    // Resume: what arrived while away comes back after the given position, in order.
    a.reset();
    QTest::qWait(100);
    QVERIFY(!request(*b, "send", {{"to", 11}, {"content", "while away"}}, "ack").isEmpty());
    a = open(server, 11, QStringLiteral("/ws"),
             QStringLiteral("resume=u:11:%1").arg(num(ack1, "seq")));
    QVERIFY(a);
    qsizetype at = 0;
    const QJsonObject missed = waitMessageType(*a, QStringLiteral("text"), &at);
    QCOMPARE(str(data(missed), "content"), QStringLiteral("while away"));
    QVERIFY(num(missed, "seq") > num(ack1, "seq"));
    const QJsonObject sync = waitMessageType(*a, QStringLiteral("sync_complete"), &at);
    QCOMPARE(str(sync, "stream"), QStringLiteral("u:11"));
    QCOMPARE(num(sync, "seq"), num(missed, "seq"));
    // Nothing the position covered came again, and nothing is left out.
    QCOMPARE(waitMessageType(*a, QStringLiteral("text"), &at), QJsonObject());
}

// Seed 001 through ?dialect=001 on /ws: private and group pushes.
void tst_Dialects::seed001()
{
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto a = open(server, 21, QStringLiteral("/ws"), QStringLiteral("dialect=001"));
    QVERIFY(a);
    QVERIFY(!a->waitFor(QStringLiteral("connected")).isEmpty()); // no word for it: canonical
    auto b = connectAs(server, 22);
    QVERIFY(b);
    const qint64 before = QDateTime::currentSecsSinceEpoch();
    QVERIFY(!request(*b, "send", {{"to", 21}, {"content", "private hello"}}, "ack").isEmpty());
    const QJsonObject push = a->waitFor(QStringLiteral("private"));
    QCOMPARE(str(push, "content"), QStringLiteral("private hello"));
    QCOMPARE(num(push, "from_user_id"), 22);
    QCOMPARE(num(push, "to_user_id"), 21);
    QCOMPARE(num(push, "id"), num(push, "message_id"));
    QVERIFY(num(push, "created_at") >= before - 1);
    QVERIFY(num(push, "created_at") <= QDateTime::currentSecsSinceEpoch() + 1); // seconds

    QVERIFY(!request(*a, "room_join", {{"room_id", "general"}}, "room_joined").isEmpty());
    QVERIFY(!request(*b, "room_join", {{"room_id", "general"}}, "room_joined").isEmpty());
    QVERIFY(!request(*b, "room_send", {{"room_id", "general"}, {"content", "group hello"}}, "ack")
                 .isEmpty());
    const QJsonObject group = a->waitFor(QStringLiteral("group"));
    QCOMPARE(str(group, "group_id"), QStringLiteral("general"));
    QCOMPARE(str(group, "content"), QStringLiteral("group hello"));
    QCOMPARE(num(group, "from_user_id"), 22);
    QCOMPARE(str(group, "stream"), QStringLiteral("r:general"));
}

// Seed 002 on /api/v1/ws: what its React hook reads.
void tst_Dialects::seed002()
{
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    // An admin sees every user's status changes (others: those sharing a room).
    auto a = open(server, 31, QStringLiteral("/api/v1/ws"), {}, true);
    QVERIFY(a);
    const QJsonObject welcome = a->waitFor(QStringLiteral("connected"));
    QCOMPARE(num(data(welcome), "online_count"), 1);
    QCOMPARE(num(data(welcome), "user_id"), 31);
    auto b = connectAs(server, 32);
    QVERIFY(b);
    const QJsonObject online = a->waitFor(QStringLiteral("user_status"));
    QCOMPARE(str(data(online), "status"), QStringLiteral("online"));
    QCOMPARE(num(data(online), "user_id"), 32);
    QVERIFY(!request(*b, "send", {{"to", 31}, {"content", "Hello!"}}, "ack").isEmpty());
    const QJsonObject chat = a->waitFor(QStringLiteral("chat"));
    QCOMPARE(str(data(chat), "message"), QStringLiteral("Hello!"));
    QCOMPARE(num(data(chat), "from_user_id"), 32);
    QVERIFY(num(chat, "seq") > 0);
    a->send({{"type", "ping"}, {"timestamp", "2025-10-22T10:00:00Z"}});
    QVERIFY(a->waitFor(QStringLiteral("pong")).contains(u"timestamp"));
    a->sendRaw("{not json");
    const QJsonObject error = a->waitFor(QStringLiteral("error"));
    QCOMPARE(str(error, "error_code"), QStringLiteral("INVALID_JSON"));
    QVERIFY(!str(error, "message").isEmpty());
    // Its hook's typing: {type: typing, data: {is_typing, context}} with a bare context, which
    // names a room (b reads it in `general`); a context that is no room gets a clear error.
    QVERIFY(!request(*a, "room_join", {{"room_id", "general"}}, "room_joined").isEmpty());
    QVERIFY(!request(*b, "room_join", {{"room_id", "general"}}, "room_joined").isEmpty());
    a->send(
        {{"type", "typing"}, {"data", QJsonObject {{"is_typing", true}, {"context", "general"}}}});
    const QJsonObject typing = b->waitFor(QStringLiteral("typing"));
    QCOMPARE(num(typing, "user_id"), 31);
    QCOMPARE(str(typing, "room_id"), QStringLiteral("general"));
    a->send(
        {{"type", "typing"}, {"data", QJsonObject {{"is_typing", true}, {"context", "post_123"}}}});
    const QJsonObject noRoom = a->waitFor(QStringLiteral("error"));
    QCOMPARE(str(noRoom, "error_code"), QStringLiteral("NOT_FOUND"));
    QVERIFY2(str(noRoom, "message").contains(u"post_123"), qPrintable(str(noRoom, "message")));
    b.reset();
    QCOMPARE(str(data(a->waitFor(QStringLiteral("user_status"))), "status"),
             QStringLiteral("offline"));
}

// Seed 003 on /ws/connect?room_id=general: welcome, the room in its words, private_message.
void tst_Dialects::seed003()
{
    QFETCH(bool, native);
    TestServer server(QStringLiteral("sqlite"),
                      [native](Config &c) { c.nativeTransport = native; });
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto a = open(server, 41, QStringLiteral("/ws/connect"), QStringLiteral("room_id=general"));
    QVERIFY(a);
    const QJsonObject welcome = a->waitFor(QStringLiteral("welcome"));
    QVERIFY(!str(welcome, "content").isEmpty());
    QVERIFY(!str(welcome, "timestamp").isEmpty());
    const QJsonObject joined = a->waitFor(QStringLiteral("room_joined")).value(u"room").toObject();
    QCOMPARE(str(joined, "id"), QStringLiteral("general"));
    QCOMPARE(num(joined, "client_count"), 1);
    QVERIFY(joined.contains(u"message_count"));
    auto b = connectAs(server, 42);
    QVERIFY(b);
    QVERIFY(!request(*b, "send", {{"to", 41}, {"content", "psst"}}, "ack").isEmpty());
    const QJsonObject pm = a->waitFor(QStringLiteral("private_message"));
    QCOMPARE(str(pm, "content"), QStringLiteral("psst"));
    QCOMPARE(num(pm, "from"), 42);
    const QJsonObject rooms = request(*a, "room_list", {}, "rooms");
    QCOMPARE(num(rooms, "total"), num(rooms, "count"));
    QVERIFY(!rooms.value(u"rooms").toArray().first().toObject().value(u"id").toString().isEmpty());
}

// Seed 003's /ws/connect without ?room_id= joins general, as the seed's server does; /ws joins
// nothing.
void tst_Dialects::seed003DefaultRoom()
{
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto a = open(server, 43, QStringLiteral("/ws/connect"));
    QVERIFY(a);
    QVERIFY(!a->waitFor(QStringLiteral("welcome")).isEmpty());
    const QJsonObject joined = a->waitFor(QStringLiteral("room_joined"));
    QCOMPARE(str(joined, "room_id"), QStringLiteral("general"));
    QCOMPARE(str(joined.value(u"room").toObject(), "id"), QStringLiteral("general"));
    auto b = open(server, 44, QStringLiteral("/ws/connect"), QStringLiteral("room_id=support"));
    QVERIFY(b);
    QCOMPARE(str(b->waitFor(QStringLiteral("room_joined")), "room_id"), QStringLiteral("support"));
    QVERIFY(b->noEventOfType(QStringLiteral("room_joined")));
    auto c = open(server, 45, QStringLiteral("/ws"));
    QVERIFY(c);
    QVERIFY(!c->waitFor(QStringLiteral("connected")).isEmpty());
    QVERIFY(c->noEventOfType(QStringLiteral("room_joined")));
}

// Seed 000's user_joined / user_left: every user's connect and disconnect to every dialect-000
// connection (not to canonical ones, which have no room in common), at most
// announcements_per_second a second; user_status does not reach dialect 000.
void tst_Dialects::seed000Announcements()
{
    TestServer server(QStringLiteral("sqlite"), [](Config &c) { c.announcementsPerSecond = 3; });
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto a = open(server, 11, QStringLiteral("/ws"), QStringLiteral("dialect=000"));
    QVERIFY(a);
    qsizetype at = 0;
    QVERIFY(!waitMessageType(*a, QStringLiteral("connected"), &at).isEmpty());
    auto canonical = connectAs(server, 12);
    QVERIFY(canonical);
    const QJsonObject joined = waitMessageType(*a, QStringLiteral("user_joined"), &at);
    QCOMPARE(num(joined, "from_user_id"), 12);
    QCOMPARE(num(data(joined), "user_id"), 12);
    QCOMPARE(str(data(joined), "username"), QStringLiteral("user12"));
    QVERIFY(!data(joined).contains(u"room_id"));
    canonical.reset();
    const QJsonObject left = waitMessageType(*a, QStringLiteral("user_left"), &at);
    QCOMPARE(num(left, "from_user_id"), 12);
    QTest::qWait(1100); // a fresh one-second window

    // A storm of 12 connects: a hears of at most 3 a second, and no user_status.
    auto watcher = connectAs(server, 13); // canonical: no announcements
    QVERIFY(watcher);
    const qsizetype before = at;
    const auto storm = openStorm(server, 100, 12);
    QCOMPARE(int(storm.size()), 12);
    QTest::qWait(300);
    int announced = 0;
    for (qsizetype i = before; i < a->events().size(); ++i) {
        const QString type = a->events()[i].value(u"message_type").toString();
        QVERIFY2(type != u"user_status", qPrintable(type));
        if (type == u"user_joined")
            ++announced;
    }
    QVERIFY2(announced >= 1 && announced <= 3, qPrintable(QString::number(announced)));
    QVERIFY(watcher->noEventOfType(QStringLiteral("user_joined")));
}

// Seed 004 on /api/ws/connect: chat between users, and a server push through /api/ws/send.
void tst_Dialects::seed004()
{
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto a = open(server, 51, QStringLiteral("/api/ws/connect"));
    QVERIFY(a);
    QVERIFY(!a->waitFor(QStringLiteral("connected")).isEmpty());
    auto b = open(server, 52, QStringLiteral("/api/ws/connect"));
    QVERIFY(b);
    QVERIFY(!b->waitFor(QStringLiteral("connected")).isEmpty());
    b->send({{"type", "chat"}, {"to", "51"}, {"content", "Hello!"}});
    const QJsonObject chat = a->waitFor(QStringLiteral("chat"));
    QCOMPARE(chat.value(u"from"), QJsonValue(QStringLiteral("52")));
    QCOMPARE(chat.value(u"to"), QJsonValue(QStringLiteral("51")));
    QCOMPARE(str(chat, "content"), QStringLiteral("Hello!"));
    const HttpResult sent
        = httpJson("POST", server.httpUrl(QStringLiteral("/api/ws/send")),
                   {{"type", "notification"}, {"to", "51"}, {"content", "your order shipped"}},
                   server.config().apiKey.toUtf8());
    QVERIFY2(sent.status / 100 == 2, sent.body.constData());
    const QJsonObject note = a->waitFor(QStringLiteral("notification"));
    QCOMPARE(str(note, "content"), QStringLiteral("your order shipped"));
}

// One room message to members in four dialects and canonical: each gets its own shape.
void tst_Dialects::roomFanOutInEveryDialect()
{
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    struct Member
    {
        QString dialect;
        QString type; // of the room message in that dialect
        std::unique_ptr<WsClient> client;
    };
    std::vector<Member> members;
    const QList<QPair<QString, QString>> dialects {{"canonical", "room_message"},
                                                   {"001", "group"},
                                                   {"002", "chat"},
                                                   {"003", "room_message"},
                                                   {"004", "chat"}};
    qint64 id = 61;
    for (const auto &[dialect, type] : dialects) {
        auto c = open(server, id++, QStringLiteral("/ws"), QStringLiteral("dialect=") + dialect);
        QVERIFY(c);
        QVERIFY(!request(*c, "room_join", {{"room_id", "support"}}, "room_joined").isEmpty());
        members.push_back({dialect, type, std::move(c)});
    }
    auto sender = connectAs(server, 70);
    QVERIFY(sender);
    QVERIFY(!request(*sender, "room_join", {{"room_id", "support"}}, "room_joined").isEmpty());
    QVERIFY(!request(*sender, "room_send", {{"room_id", "support"}, {"content", "to all"}}, "ack")
                 .isEmpty());
    for (Member &m : members) {
        const QJsonObject e = m.client->waitFor(m.type);
        QVERIFY2(!e.isEmpty(), qPrintable(m.dialect));
        const QString content = m.dialect == u"002" ? str(data(e), "message") : str(e, "content");
        QCOMPARE(content, QStringLiteral("to all"));
        QCOMPARE(str(e, "stream"), QStringLiteral("r:support"));
    }
}

QTEST_MAIN(tst_Dialects)
#include "tst_dialects.moc"
