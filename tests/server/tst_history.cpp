// SPDX-License-Identifier: MIT
// Persisted history end to end over real sockets, on SQLite and PostgreSQL: a client that
// reconnects (also across a server restart) gets exactly what it missed in its rooms and its
// inbox, in order and once; gaps beyond retention or the replay limit are reported; paged
// history over WebSocket and REST; idempotent retries; the periodic retention purge.
#include "testsupport.h"

#include "hub/historyservice.h"
#include "protocol/codec.h"
#include "protocol/protocol.h"

#include <QJsonArray>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Protocol;
using namespace Switchboard::Test;

namespace {

QJsonObject joinRoom(WsClient &c, const QString &room)
{
    return request(c, "room_join", {{QStringLiteral("room_id"), room}}, "room_joined");
}

QJsonObject post(WsClient &c, const QString &room, const QString &content,
                 const QString &key = QString())
{
    QJsonObject fields {{QStringLiteral("room_id"), room}, {QStringLiteral("content"), content}};
    if (!key.isEmpty())
        fields.insert(QStringLiteral("idempotency_key"), key);
    return request(c, "room_send", fields, "ack");
}

QJsonObject dm(WsClient &c, qint64 to, const QString &content)
{
    return request(c, "send", {{QStringLiteral("to"), to}, {QStringLiteral("content"), content}},
                   "ack");
}

// The stored messages a client received, as "stream#seq content" in arrival order.
QStringList received(const WsClient &c)
{
    QStringList out;
    for (const QJsonObject &e : c.events()) {
        if (e.contains(QStringLiteral("seq")) && e.contains(QStringLiteral("message_id")))
            out << QStringLiteral("%1#%2 %3")
                       .arg(str(e, "stream"))
                       .arg(num(e, "seq"))
                       .arg(str(e, "content"));
    }
    return out;
}

// Where a client stands in each stream, from what it received (what a real client keeps).
StreamPositions positions(const WsClient &c)
{
    StreamPositions out;
    for (const QJsonObject &e : c.events()) {
        if (e.contains(QStringLiteral("message_id")) && e.contains(QStringLiteral("seq")))
            out[str(e, "stream")] = std::max(out.value(str(e, "stream")), num(e, "seq"));
        if (str(e, "type") == QLatin1StringView("sync_complete")) {
            const QJsonObject streams = e.value(QStringLiteral("streams")).toObject();
            for (auto it = streams.constBegin(); it != streams.constEnd(); ++it)
                out[it.key()] = std::max(out.value(it.key()), num(it.value().toObject(), "seq"));
        }
    }
    return out;
}

QJsonObject historyOf(WsClient &c, QJsonObject fields)
{
    return request(c, "history", fields, "history");
}

QList<qint64> seqsOf(const QJsonObject &page)
{
    QList<qint64> out;
    for (const QJsonValue &m : page.value(QStringLiteral("messages")).toArray())
        out << m.toObject().value(QStringLiteral("seq")).toInteger();
    return out;
}

QList<qint64> range(qint64 from, qint64 to)
{
    QList<qint64> out;
    for (qint64 i = from; i <= to; ++i)
        out << i;
    return out;
}

} // namespace

class tst_History : public QObject
{
    Q_OBJECT

private slots:
    void resumeExactlyWhatWasMissed_data();
    void resumeExactlyWhatWasMissed();
    void storedCursorsWithoutPositions_data() { addBackendRows(); }
    void storedCursorsWithoutPositions();
    void gapsThatCannotBeRecovered_data() { addBackendRows(); }
    void gapsThatCannotBeRecovered();
    void beyondRetention_data() { addBackendRows(); }
    void beyondRetention();
    void pagedHistory_data() { addBackendRows(); }
    void pagedHistory();
    void idempotentRetryAcrossReconnect_data() { addBackendRows(); }
    void idempotentRetryAcrossReconnect();
    void periodicRetention_data() { addBackendRows(); }
    void periodicRetention();
};

void tst_History::resumeExactlyWhatWasMissed_data()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<bool>("restart");
    QTest::newRow("sqlite") << QStringLiteral("sqlite") << false;
    QTest::newRow("sqlite, server restarted") << QStringLiteral("sqlite") << true;
    QTest::newRow("postgres") << QStringLiteral("postgres") << false;
    QTest::newRow("postgres, server restarted") << QStringLiteral("postgres") << true;
}

void tst_History::resumeExactlyWhatWasMissed()
{
    QFETCH(QString, backend);
    QFETCH(bool, restart);
    TestServer server(backend);
    START_SERVER(server);
    const QString red = QStringLiteral("red"), blue = QStringLiteral("blue");
    StreamPositions stoppedAt;
    {
        auto bob = connectAs(server, 2), carol = connectAs(server, 3);
        QVERIFY(bob && carol);
        QVERIFY(
            !request(*bob, "room_create", {{QStringLiteral("room_id"), red}}, "room").isEmpty());
        QVERIFY(
            !request(*bob, "room_create", {{QStringLiteral("room_id"), blue}}, "room").isEmpty());
        QVERIFY(errorCode(joinRoom(*carol, red)).isEmpty());
        QVERIFY(errorCode(joinRoom(*carol, blue)).isEmpty());
        // Carol sees some traffic live, then goes away.
        QVERIFY(errorCode(post(*bob, red, QStringLiteral("r1"))).isEmpty());
        QVERIFY(errorCode(post(*bob, blue, QStringLiteral("b1"))).isEmpty());
        QVERIFY(errorCode(dm(*bob, 3, QStringLiteral("d1"))).isEmpty());
        QTRY_COMPARE(received(*carol).size(), 3);
        stoppedAt = positions(*carol);
        QCOMPARE(stoppedAt.value(QStringLiteral("r:red")), 1);
        QCOMPARE(stoppedAt.value(QStringLiteral("u:3")), 1);
        carol.reset();

        // What she misses: 3 in red, 2 in blue, 2 direct, interleaved.
        for (const auto &[room, text] : {std::pair {red, "r2"}, {blue, "b2"}, {red, "r3"}}) {
            QVERIFY(errorCode(post(*bob, room, QString::fromLatin1(text))).isEmpty());
        }
        QVERIFY(errorCode(dm(*bob, 3, QStringLiteral("d2"))).isEmpty());
        QVERIFY(errorCode(post(*bob, blue, QStringLiteral("b3"))).isEmpty());
        QVERIFY(errorCode(dm(*bob, 3, QStringLiteral("d3"))).isEmpty());
        QVERIFY(errorCode(post(*bob, red, QStringLiteral("r4"))).isEmpty());
    }
    if (restart) {
        server.stop();
        QString why;
        QVERIFY2(server.start(&why), qPrintable(why));
    }
    auto again
        = connectAs(server, 3, false, QStringLiteral("resume=") + formatStreamPositions(stoppedAt));
    QVERIFY(again);
    const QJsonObject sync = again->waitFor(QStringLiteral("sync_complete"));
    QVERIFY(!sync.isEmpty());
    QCOMPARE(sync.value(QStringLiteral("complete")).toBool(), true);
    const QJsonObject streams = sync.value(QStringLiteral("streams")).toObject();
    QCOMPARE(num(streams.value(QStringLiteral("r:red")).toObject(), "seq"), 4);
    QCOMPARE(num(streams.value(QStringLiteral("r:blue")).toObject(), "seq"), 3);
    QCOMPARE(num(streams.value(QStringLiteral("u:3")).toObject(), "seq"), 3);
    QCOMPARE(num(sync, "seq"), 3);
    // Exactly the seven missed, each stream in order (the inbox first, then rooms by id).
    QCOMPARE(received(*again),
             (QStringList {QStringLiteral("u:3#2 d2"), QStringLiteral("u:3#3 d3"),
                           QStringLiteral("r:blue#2 b2"), QStringLiteral("r:blue#3 b3"),
                           QStringLiteral("r:red#2 r2"), QStringLiteral("r:red#3 r3"),
                           QStringLiteral("r:red#4 r4")}));
    // Then live traffic, once.
    auto bob = connectAs(server, 2);
    QVERIFY(bob);
    QVERIFY(errorCode(post(*bob, red, QStringLiteral("r5"))).isEmpty());
    QTRY_COMPARE(received(*again).size(), 8);
    QCOMPARE(received(*again).last(), QStringLiteral("r:red#5 r5"));
    QVERIFY(again->noEventOfType(QStringLiteral("room_message"), 200));
    QCOMPARE(received(*again).size(), 8);
}

void tst_History::storedCursorsWithoutPositions()
{
    // A client that keeps no positions (the seed clients) gets what reached none of its devices.
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto bob = connectAs(server, 2);
    QVERIFY(bob);
    QVERIFY(
        !request(*bob, "room_create", {{QStringLiteral("room_id"), QStringLiteral("ops")}}, "room")
             .isEmpty());
    {
        auto carol = connectAs(server, 3);
        QVERIFY(carol);
        QVERIFY(errorCode(joinRoom(*carol, QStringLiteral("ops"))).isEmpty());
        QVERIFY(errorCode(post(*bob, QStringLiteral("ops"), QStringLiteral("seen"))).isEmpty());
        QTRY_COMPARE(received(*carol).size(), 1);
    }
    QVERIFY(errorCode(post(*bob, QStringLiteral("ops"), QStringLiteral("missed 1"))).isEmpty());
    QVERIFY(errorCode(dm(*bob, 3, QStringLiteral("missed 2"))).isEmpty());
    auto carol = connectAs(server, 3);
    QVERIFY(carol);
    const QJsonObject sync = carol->waitFor(QStringLiteral("sync_complete"));
    QVERIFY(sync.value(QStringLiteral("complete")).toBool());
    QCOMPARE(received(*carol),
             (QStringList {QStringLiteral("u:3#1 missed 2"), QStringLiteral("r:ops#2 missed 1")}));
    carol.reset();
    // Nothing twice on the next connect: the stored cursors moved on.
    auto third = connectAs(server, 3);
    QVERIFY(third);
    QVERIFY(!third->waitFor(QStringLiteral("sync_complete")).isEmpty());
    QVERIFY(received(*third).isEmpty());
}

void tst_History::gapsThatCannotBeRecovered()
{
    QFETCH(QString, backend);
    TestServer server(backend, [](Config &c) { c.replayLimit = 5; });
    START_SERVER(server);
    auto bob = connectAs(server, 2), carol = connectAs(server, 3);
    QVERIFY(bob && carol);
    for (const char *room : {"small", "busy"}) {
        QVERIFY(!request(*bob, "room_create",
                         {{QStringLiteral("room_id"), QLatin1StringView(room)}}, "room")
                     .isEmpty());
        QVERIFY(errorCode(joinRoom(*carol, QLatin1StringView(room))).isEmpty());
    }
    carol.reset();
    // "small": 3 missed. "busy": 8 missed, more than the replay limit of 5.
    for (int i = 1; i <= 3; ++i)
        QVERIFY(
            errorCode(post(*bob, QStringLiteral("small"), QStringLiteral("s%1").arg(i))).isEmpty());
    for (int i = 1; i <= 8; ++i)
        QVERIFY(
            errorCode(post(*bob, QStringLiteral("busy"), QStringLiteral("b%1").arg(i))).isEmpty());

    auto again
        = connectAs(server, 3, false, QStringLiteral("resume=r:small:0,r:busy:0,r:secret:0"));
    QVERIFY(again);
    const QJsonObject sync = again->waitFor(QStringLiteral("sync_complete"));
    QCOMPARE(sync.value(QStringLiteral("complete")).toBool(), false);
    const QJsonObject streams = sync.value(QStringLiteral("streams")).toObject();
    const QJsonObject small = streams.value(QStringLiteral("r:small")).toObject();
    QCOMPARE(small.value(QStringLiteral("complete")).toBool(), true);
    QCOMPARE(num(small, "seq"), 3);
    const QJsonObject busy = streams.value(QStringLiteral("r:busy")).toObject();
    QCOMPARE(busy.value(QStringLiteral("complete")).toBool(), false);
    QCOMPARE(str(busy, "reason"), QStringLiteral("too_many"));
    QCOMPARE(num(busy, "seq"), 8); // the client now stands at the end and reloads from history
    QCOMPARE(num(busy, "first_seq"), 1);
    QCOMPARE(str(streams.value(QStringLiteral("r:secret")).toObject(), "reason"),
             QStringLiteral("forbidden")); // not a member: nothing about it
    QCOMPARE(received(*again),
             (QStringList {QStringLiteral("r:small#1 s1"), QStringLiteral("r:small#2 s2"),
                           QStringLiteral("r:small#3 s3")}));
    again.reset();

    // Within the limit, the same stream comes back whole.
    auto third = connectAs(server, 3, false, QStringLiteral("resume=r:busy:3"));
    QVERIFY(third);
    const QJsonObject busy3 = third->waitFor(QStringLiteral("sync_complete"))
                                  .value(QStringLiteral("streams"))
                                  .toObject()
                                  .value(QStringLiteral("r:busy"))
                                  .toObject();
    QCOMPARE(busy3.value(QStringLiteral("complete")).toBool(), true);
    QCOMPARE(received(*third).size(), 5);
    QCOMPARE(received(*third).first(), QStringLiteral("r:busy#4 b4"));

    // A position past the end (another server's numbers) is reported, not trusted.
    auto fourth = connectAs(server, 3, false, QStringLiteral("resume=r:small:99"));
    QVERIFY(fourth);
    const QJsonObject small4 = fourth->waitFor(QStringLiteral("sync_complete"))
                                   .value(QStringLiteral("streams"))
                                   .toObject()
                                   .value(QStringLiteral("r:small"))
                                   .toObject();
    QCOMPARE(str(small4, "reason"), QStringLiteral("unknown_position"));
    QCOMPARE(num(small4, "seq"), 3);
    QVERIFY(errorCode(post(*bob, QStringLiteral("small"), QStringLiteral("s4"))).isEmpty());
    QTRY_COMPARE(received(*fourth), QStringList {QStringLiteral("r:small#4 s4")});

    // A malformed resume is an error, and the connection goes on with the stored cursors.
    auto fifth = connectAs(server, 3, false, QStringLiteral("resume=r:small:x"));
    QVERIFY(fifth);
    const QJsonObject error = fifth->waitFor(QStringLiteral("error"));
    QCOMPARE(str(error, "code"), QStringLiteral("VALIDATION_ERROR"));
    QVERIFY(str(error, "message").contains(QStringLiteral("r:small:x")));
    QVERIFY(!fifth->waitFor(QStringLiteral("sync_complete")).isEmpty());
    QVERIFY(fifth->isConnected());
    // `connected` is the first frame, even for what was found wrong before it was sent.
    QCOMPARE(str(fifth->events().first(), "type"), QStringLiteral("connected"));
}

void tst_History::beyondRetention()
{
    QFETCH(QString, backend);
    TestServer server(backend, [](Config &c) {
        c.maxStreamMessages = 4;
        c.purgeIntervalMs = 100;
    });
    START_SERVER(server);
    auto bob = connectAs(server, 2), carol = connectAs(server, 3);
    QVERIFY(bob && carol);
    QVERIFY(
        !request(*bob, "room_create", {{QStringLiteral("room_id"), QStringLiteral("busy")}}, "room")
             .isEmpty());
    QVERIFY(errorCode(joinRoom(*carol, QStringLiteral("busy"))).isEmpty());
    carol.reset();
    for (int i = 1; i <= 8; ++i)
        QVERIFY(
            errorCode(post(*bob, QStringLiteral("busy"), QStringLiteral("b%1").arg(i))).isEmpty());
    // Retention keeps the newest 4 (5..8) once the purge timer ran.
    QTRY_COMPARE_WITH_TIMEOUT(
        num(historyOf(*bob, {{QStringLiteral("room_id"), QStringLiteral("busy")}}), "first_seq"), 5,
        5000);

    // What is left comes, flagged incomplete, so the client knows 3 and 4 are gone.
    auto again = connectAs(server, 3, false, QStringLiteral("resume=r:busy:2"));
    QVERIFY(again);
    const QJsonObject busy = again->waitFor(QStringLiteral("sync_complete"))
                                 .value(QStringLiteral("streams"))
                                 .toObject()
                                 .value(QStringLiteral("r:busy"))
                                 .toObject();
    QCOMPARE(busy.value(QStringLiteral("complete")).toBool(), false);
    QCOMPARE(str(busy, "reason"), QStringLiteral("retention"));
    QCOMPARE(num(busy, "first_seq"), 5);
    QCOMPARE(num(busy, "seq"), 8);
    QCOMPARE(received(*again),
             (QStringList {QStringLiteral("r:busy#5 b5"), QStringLiteral("r:busy#6 b6"),
                           QStringLiteral("r:busy#7 b7"), QStringLiteral("r:busy#8 b8")}));
    again.reset();
    // Right before the oldest retained one, nothing is missing.
    auto third = connectAs(server, 3, false, QStringLiteral("resume=r:busy:4"));
    QVERIFY(third);
    QVERIFY(
        third->waitFor(QStringLiteral("sync_complete")).value(QStringLiteral("complete")).toBool());
    QCOMPARE(received(*third).size(), 4);
}

void tst_History::pagedHistory()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto bob = connectAs(server, 2), carol = connectAs(server, 3), dave = connectAs(server, 4);
    QVERIFY(bob && carol && dave);
    QVERIFY(
        !request(*bob, "room_create", {{QStringLiteral("room_id"), QStringLiteral("log")}}, "room")
             .isEmpty());
    for (int i = 1; i <= 25; ++i)
        QVERIFY(
            errorCode(post(*bob, QStringLiteral("log"), QStringLiteral("m%1").arg(i))).isEmpty());
    const QJsonObject room {{QStringLiteral("room_id"), QStringLiteral("log")}};

    // Newest first page, then back, oldest first within each page.
    QJsonObject page = historyOf(
        *bob, {{QStringLiteral("room_id"), QStringLiteral("log")}, {QStringLiteral("limit"), 10}});
    QCOMPARE(seqsOf(page), range(16, 25));
    QCOMPARE(page.value(QStringLiteral("has_more")).toBool(), true);
    QCOMPARE(str(page, "stream"), QStringLiteral("r:log"));
    QCOMPARE(num(page, "first_seq"), 1);
    QCOMPARE(num(page, "last_seq"), 25);
    const QJsonObject first = page.value(QStringLiteral("messages")).toArray().first().toObject();
    QCOMPARE(str(first, "type"), QStringLiteral("room_message"));
    QCOMPARE(str(first, "content"), QStringLiteral("m16"));
    page = historyOf(*bob,
                     {{QStringLiteral("room_id"), QStringLiteral("log")},
                      {QStringLiteral("limit"), 10},
                      {QStringLiteral("before"), 16}});
    QCOMPARE(seqsOf(page), range(6, 15));
    page = historyOf(*bob,
                     {{QStringLiteral("room_id"), QStringLiteral("log")},
                      {QStringLiteral("limit"), 10},
                      {QStringLiteral("before"), 6}});
    QCOMPARE(seqsOf(page), range(1, 5));
    QCOMPARE(page.value(QStringLiteral("has_more")).toBool(), false);
    page = historyOf(
        *bob, {{QStringLiteral("room_id"), QStringLiteral("log")}, {QStringLiteral("after"), 20}});
    QCOMPARE(seqsOf(page), range(21, 25));
    QCOMPARE(page.value(QStringLiteral("has_more")).toBool(), false);
    page = historyOf(*bob,
                     {{QStringLiteral("room_id"), QStringLiteral("log")},
                      {QStringLiteral("after"), 0},
                      {QStringLiteral("limit"), 3}});
    QCOMPARE(seqsOf(page), range(1, 3));
    QCOMPARE(page.value(QStringLiteral("has_more")).toBool(), true);
    // A public room's history is readable without joining it.
    QCOMPARE(seqsOf(historyOf(*carol,
                              {{QStringLiteral("room_id"), QStringLiteral("log")},
                               {QStringLiteral("limit"), 1}})),
             QList<qint64> {25});

    // A direct conversation: only what the two exchanged, from the caller's inbox.
    QVERIFY(errorCode(dm(*bob, 3, QStringLiteral("hi carol"))).isEmpty());
    QVERIFY(errorCode(dm(*dave, 3, QStringLiteral("hi from dave"))).isEmpty());
    QVERIFY(errorCode(dm(*carol, 2, QStringLiteral("hi bob"))).isEmpty());
    page = historyOf(*carol, {{QStringLiteral("with"), 2}});
    QCOMPARE(num(page, "with"), 2);
    QStringList contents;
    for (const QJsonValue &m : page.value(QStringLiteral("messages")).toArray())
        contents << m.toObject().value(QStringLiteral("content")).toString();
    QCOMPARE(contents, (QStringList {QStringLiteral("hi carol"), QStringLiteral("hi bob")}));
    QCOMPARE(seqsOf(historyOf(*carol, {})).size(), 3); // the whole inbox

    // Private rooms stay private.
    QVERIFY(!request(*bob, "room_create",
                     {{QStringLiteral("room_id"), QStringLiteral("hush")},
                      {QStringLiteral("private"), true}},
                     "room")
                 .isEmpty());
    QVERIFY(errorCode(post(*bob, QStringLiteral("hush"), QStringLiteral("secret"))).isEmpty());
    QCOMPARE(errorCode(historyOf(*carol, {{QStringLiteral("room_id"), QStringLiteral("hush")}})),
             QStringLiteral("NOT_FOUND"));
    QCOMPARE(errorCode(historyOf(*carol, {{QStringLiteral("room_id"), QStringLiteral("nope")}})),
             QStringLiteral("NOT_FOUND"));
    QCOMPARE(errorCode(historyOf(*carol,
                                 {{QStringLiteral("room_id"), QStringLiteral("log")},
                                  {QStringLiteral("limit"), 5000}})),
             QStringLiteral("VALIDATION_ERROR"));

    // REST: the same pages, with the seed 001 alias.
    const QByteArray bobToken = server.token(2);
    HttpResult r = http(
        "GET", server.httpUrl(QStringLiteral("/api/v1/rooms/log/messages?limit=10&before=16")), {},
        bobToken);
    QCOMPARE(r.status, 200);
    QCOMPARE(seqsOf(r.json), range(6, 15));
    QCOMPARE(r.json.value(QStringLiteral("has_more")).toBool(), true);
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/groups/log/messages?after=23")), {},
             bobToken);
    QCOMPARE(r.status, 200);
    QCOMPARE(seqsOf(r.json), range(24, 25));
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/conversations/2/messages")), {},
             server.token(3));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("messages")).toArray().size(), 2);
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/conversations/3/messages?user_id=2")),
             {}, server.token(3));
    QCOMPARE(r.status, 403);
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/conversations/3/messages?user_id=2")),
             {}, server.config().apiKey.toUtf8());
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("messages")).toArray().size(), 2);
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/rooms/hush/messages")), {},
             server.token(3));
    QCOMPARE(r.status, 404);
    QCOMPARE(
        r.json.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
        QStringLiteral("NOT_FOUND"));
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/rooms/log/messages?limit=0")), {},
             bobToken);
    QCOMPARE(r.status, 400);
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/rooms/log/messages?before=x")), {},
             bobToken);
    QCOMPARE(r.status, 400);
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/conversations/0/messages")), {},
             bobToken);
    QCOMPARE(r.status, 400);
    r = http("GET", server.httpUrl(QStringLiteral("/api/v1/rooms/log/messages")));
    QCOMPARE(r.status, 401);
}

void tst_History::idempotentRetryAcrossReconnect()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto carol = connectAs(server, 3);
    QVERIFY(carol);
    QVERIFY(!request(*carol, "room_create", {{QStringLiteral("room_id"), QStringLiteral("desk")}},
                     "room")
                 .isEmpty());
    qint64 firstId = 0;
    {
        auto bob = connectAs(server, 2);
        QVERIFY(bob);
        QVERIFY(errorCode(joinRoom(*bob, QStringLiteral("desk"))).isEmpty());
        const QJsonObject ack
            = post(*bob, QStringLiteral("desk"), QStringLiteral("once"), QStringLiteral("key-1"));
        firstId = num(ack, "message_id");
        QVERIFY(firstId > 0);
        QVERIFY(!ack.value(QStringLiteral("duplicate")).toBool());
    }
    QTRY_COMPARE(carol->eventsOfType(QStringLiteral("room_message")).size(), 1);
    // The client never saw its ack (say) and retries on a new connection.
    auto bob = connectAs(server, 2);
    QVERIFY(bob);
    const QJsonObject retry
        = post(*bob, QStringLiteral("desk"), QStringLiteral("once"), QStringLiteral("key-1"));
    QCOMPARE(num(retry, "message_id"), firstId);
    QCOMPARE(num(retry, "seq"), 1);
    QVERIFY(retry.value(QStringLiteral("duplicate")).toBool());
    QTest::qWait(200);
    QCOMPARE(carol->eventsOfType(QStringLiteral("room_message")).size(), 1); // not the retry
    QCOMPARE(seqsOf(historyOf(*carol, {{QStringLiteral("room_id"), QStringLiteral("desk")}})),
             QList<qint64> {1});
}

void tst_History::periodicRetention()
{
    QFETCH(QString, backend);
    TestServer server(backend, [](Config &c) {
        c.messageRetentionMs = 600;
        c.purgeIntervalMs = 100;
    });
    START_SERVER(server);
    QVERIFY(server.app()->history()->retentionEnabled());
    auto bob = connectAs(server, 2);
    QVERIFY(bob);
    QVERIFY(
        !request(*bob, "room_create", {{QStringLiteral("room_id"), QStringLiteral("tmp")}}, "room")
             .isEmpty());
    for (int i = 0; i < 3; ++i)
        QVERIFY(errorCode(post(*bob, QStringLiteral("tmp"), QStringLiteral("old %1").arg(i)))
                    .isEmpty());
    QCOMPARE(seqsOf(historyOf(*bob, {{QStringLiteral("room_id"), QStringLiteral("tmp")}})).size(),
             3);
    // The timer purges them once they are older than the retention, with nobody asking.
    QTRY_VERIFY_WITH_TIMEOUT(
        seqsOf(historyOf(*bob, {{QStringLiteral("room_id"), QStringLiteral("tmp")}})).isEmpty(),
        5000);
    QVERIFY(server.app()->history()->retentionTotals().messages >= 3);
    const HttpResult stats = http("GET", server.httpUrl(QStringLiteral("/api/v1/stats")), {},
                                  server.config().apiKey.toUtf8());
    const QJsonObject retention = stats.json.value(QStringLiteral("retention")).toObject();
    QCOMPARE(retention.value(QStringLiteral("enabled")).toBool(), true);
    QVERIFY(num(retention, "purged_messages") >= 3);
    QVERIFY(num(retention, "runs") >= 1);
    // Sequence numbers go on: a client's position stays meaningful.
    QCOMPARE(num(post(*bob, QStringLiteral("tmp"), QStringLiteral("new")), "seq"), 4);
    const QJsonObject page = historyOf(*bob, {{QStringLiteral("room_id"), QStringLiteral("tmp")}});
    QCOMPARE(seqsOf(page), QList<qint64> {4});
    QCOMPARE(num(page, "first_seq"), 4);
}

QTEST_GUILESS_MAIN(tst_History)
#include "tst_history.moc"
