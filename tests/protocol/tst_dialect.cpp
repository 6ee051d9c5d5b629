// SPDX-License-Identifier: MIT
// The dialect encoders (docs/PROTOCOL.md, "Dialects"): every canonical event type the server
// sends, in each seed's shape, compared field by field with what the seed's documents print.
#include "protocol/dialect.h"
#include "protocol/dialectcache.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QUrlQuery>

using namespace Switchboard::Protocol;

class tst_Dialect : public QObject
{
    Q_OBJECT

private slots:
    void names();
    void requestChoosesDialect_data();
    void requestChoosesDialect();
    void canonicalUnchanged();
    void seed000_data();
    void seed000();
    void seed001_data();
    void seed001();
    void seed002_data();
    void seed002();
    void seed003_data();
    void seed003();
    void seed004_data();
    void seed004();
    void cacheEncodesSharedFrameOnce();
    void externalIdsShownAsGiven();
};

namespace {

QJsonObject parse(const char *json)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(json), &error);
    if (!doc.isObject())
        qFatal("bad test JSON: %s (%s)", json, qPrintable(error.errorString()));
    return doc.object();
}

// The canonical events, as the server builds them (shared/protocol/events.cpp,
// server/hub/*service.cpp, server/net/session.cpp), at ts 2023-11-14T22:13:20.000Z.
struct Canonical
{
    const char *name;
    const char *json;
};

const Canonical EVENTS[] = {
    {"message",
     R"({"type":"message","ts":1700000000000,"kind":"direct","message_id":5,"stream":"u:7",
         "seq":3,"created_at":1700000005000,"from":2,"from_name":"bob","to":7,
         "content":"hi","data":{"x":1}})"},
    {"room_message",
     R"({"type":"room_message","ts":1700000000000,"kind":"room","message_id":6,
         "stream":"r:general","seq":41,"created_at":1700000005000,"from":2,"from_name":"bob",
         "room_id":"general","content":"hello room"})"},
    {"broadcast",
     R"({"type":"broadcast","ts":1700000000000,"from":1,"from_name":"root","content":"all"})"},
    {"notification",
     R"({"type":"notification","ts":1700000000000,"notification_type":"new_follower","from":1,
         "data":{"id":9,"type":"new_follower","title":"New follower","message":"John follows you",
                 "priority":"normal","created_at":1700000005000},
         "message_id":9,"stream":"u:7","seq":4,"created_at":1700000005000})"},
    {"system",
     R"({"type":"system","ts":1700000000000,"content":"maintenance at 22:00",
         "data":{"priority":"high"}})"},
    {"user_status online",
     R"({"type":"user_status","ts":1700000000000,"user_id":3,"username":"carol",
         "status":"online"})"},
    {"user_status offline",
     R"({"type":"user_status","ts":1700000000000,"user_id":3,"username":"carol",
         "status":"offline","last_seen":1700000000000})"},
    {"user_joined",
     R"({"type":"user_joined","ts":1700000000000,"room_id":"general","user_id":3,
         "username":"carol","members":2})"},
    {"user_left",
     R"({"type":"user_left","ts":1700000000000,"room_id":"general","user_id":3,
         "username":"carol","members":1})"},
    {"pong", R"({"type":"pong","ts":1700000000000,"id":"p1"})"},
    {"ack",
     R"({"type":"ack","ts":1700000000000,"message_id":5,"stream":"u:2","seq":8,
         "created_at":1700000005000,"id":"c1"})"},
    {"error",
     R"({"type":"error","ts":1700000000000,"code":"RATE_LIMITED","message":"slow down",
         "retry_after_ms":340,"id":"c2"})"},
    {"connected",
     R"({"type":"connected","ts":1700000000000,"user":{"id":7,"name":"alice","role":"user"},
         "connection_id":"17","protocol":1,"online_count":3,"heartbeat_interval_ms":54000,
         "expires_at":1700086400,"limits":{"max_frame_bytes":65536},
         "data":{"message":"connected","user_id":7,"online_count":3}})"},
    {"typing",
     R"({"type":"typing","ts":1700000000000,"user_id":3,"username":"carol",
         "context":"room:general","room_id":"general","is_typing":true,"expires_in_ms":5000})"},
    {"presence",
     R"({"type":"presence","ts":1700000000000,"user_id":3,"username":"carol","status":"away",
         "connections_count":1,"data":{"device":"mobile"}})"},
    {"sync_complete",
     R"({"type":"sync_complete","ts":1700000000000,"stream":"u:7","seq":12,"complete":true,
         "streams":{"u:7":{"seq":12,"last_seq":12,"complete":true}}})"},
    {"room_joined",
     R"({"type":"room_joined","ts":1700000000000,"room_id":"general",
         "room":{"room_id":"general","name":"general","members":5,"online_members":2,
                 "messages":120}})"},
    {"rooms",
     R"({"type":"rooms","ts":1700000000000,"count":1,
         "rooms":[{"room_id":"general","name":"general","members":5,"messages":120}]})"},
    {"token_expiring", R"({"type":"token_expiring","ts":1700000000000,"expires_at":1700086400})"},
};

const char *canonicalJson(const QByteArray &name)
{
    for (const Canonical &c : EVENTS) {
        if (name == c.name)
            return c.json;
    }
    qFatal("no canonical event %s", name.constData());
}

void addRow(const char *event, const char *expected)
{
    QTest::newRow(event) << parse(canonicalJson(event)) << QByteArray(expected);
}

// `expected` null: the canonical event is already in the dialect's shape and goes as it is;
// empty: the dialect does not carry it (encode gives an empty, non-null frame).
void check(Dialect dialect)
{
    QFETCH(QJsonObject, canonical);
    QFETCH(QByteArray, expected);
    const auto converted = Dialects::convert(dialect, canonical);
    const QByteArray encoded
        = Dialects::encode(dialect, QJsonDocument(canonical).toJson(QJsonDocument::Compact));
    const bool carried = Dialects::carries(dialect, canonical.value(u"type").toString());
    QCOMPARE(carried, !(expected.isEmpty() && !expected.isNull()));
    if (!carried) {
        QVERIFY(encoded.isEmpty() && !encoded.isNull());
        return;
    }
    if (expected.isNull()) {
        if (converted)
            qWarning("changed: %s",
                     QJsonDocument(*converted).toJson(QJsonDocument::Compact).constData());
        QVERIFY(!converted);
        QCOMPARE(QJsonDocument::fromJson(encoded).object(), canonical);
        return;
    }
    QVERIFY(converted.has_value());
    const QJsonObject want = parse(expected.constData());
    if (*converted != want) {
        qWarning("got:  %s", QJsonDocument(*converted).toJson(QJsonDocument::Compact).constData());
        qWarning("want: %s", QJsonDocument(want).toJson(QJsonDocument::Compact).constData());
    }
    QCOMPARE(*converted, want);
    QCOMPARE(QJsonDocument::fromJson(encoded).object(), want);
}

void columns()
{
    QTest::addColumn<QJsonObject>("canonical");
    QTest::addColumn<QByteArray>("expected");
}

} // namespace

void tst_Dialect::names()
{
    for (const char *name : {"canonical", "000", "001", "002", "003", "004"}) {
        const auto dialect = parseDialect(QString::fromLatin1(name));
        QVERIFY2(dialect.has_value(), name);
        QCOMPARE(dialectName(*dialect), QLatin1StringView(name));
    }
    QCOMPARE(parseDialect(u"005"), std::nullopt);
    QCOMPARE(parseDialect(u""), std::nullopt);
    QCOMPARE(parseDialect(u"Canonical"), std::nullopt);
}

void tst_Dialect::requestChoosesDialect_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("defaultDialect");
    QTest::addColumn<int>("expected"); // -1 = refused

    const int canonical = int(Dialect::Canonical);
    QTest::newRow("/ws") << "/ws"
                         << "token=x" << canonical << canonical;
    QTest::newRow("/ws default 000") << "/ws"
                                     << "" << int(Dialect::Seed000) << int(Dialect::Seed000);
    QTest::newRow("/api/v1/ws") << "/api/v1/ws"
                                << "" << canonical << int(Dialect::Seed002);
    QTest::newRow("/ws/connect") << "/ws/connect"
                                 << "room_id=general" << canonical << int(Dialect::Seed003);
    QTest::newRow("/api/ws/connect") << "/api/ws/connect"
                                     << "user_id=user123" << canonical << int(Dialect::Seed004);
    QTest::newRow("override on /ws")
        << "/ws"
        << "dialect=001&token=x" << int(Dialect::Seed000) << int(Dialect::Seed001);
    QTest::newRow("canonical on a seed endpoint") << "/api/v1/ws"
                                                  << "dialect=canonical" << canonical << canonical;
    QTest::newRow("unknown") << "/ws"
                             << "dialect=005" << canonical << -1;
    QTest::newRow("empty") << "/api/ws/connect"
                           << "dialect=" << canonical << -1;
}

void tst_Dialect::requestChoosesDialect()
{
    QFETCH(QString, path);
    QFETCH(QString, query);
    QFETCH(int, defaultDialect);
    QFETCH(int, expected);
    QString error;
    const auto dialect = dialectForRequest(path, QUrlQuery(query), Dialect(defaultDialect), &error);
    if (expected < 0) {
        QVERIFY(!dialect);
        QVERIFY2(error.contains(QLatin1StringView("unknown dialect")), qPrintable(error));
    } else {
        QVERIFY(dialect);
        QCOMPARE(int(*dialect), expected);
        QVERIFY(error.isEmpty());
    }
}

void tst_Dialect::canonicalUnchanged()
{
    for (const Canonical &c : EVENTS) {
        const QByteArray frame = QJsonDocument(parse(c.json)).toJson(QJsonDocument::Compact);
        QVERIFY(!Dialects::convert(Dialect::Canonical, parse(c.json)));
        const QByteArray encoded = Dialects::encode(Dialect::Canonical, frame);
        QCOMPARE(encoded, frame);
        QCOMPARE(encoded.constData(), frame.constData()); // not even copied
    }
}

// Seed 000 (Momentum): {id, message_type, data, timestamp, from_user_id}; its demo page reads
// data.content of text, data.username of user_joined/user_left.
void tst_Dialect::seed000_data()
{
    columns();
    addRow("message",
           R"({"message_type":"text","timestamp":"2023-11-14T22:13:20.000Z","from_user_id":2,
               "id":5,"message_id":5,"stream":"u:7","seq":3,
               "data":{"content":"hi","kind":"direct","from_name":"bob","to":7,
                       "created_at":1700000005000,"data":{"x":1}}})");
    addRow("room_message",
           R"({"message_type":"text","timestamp":"2023-11-14T22:13:20.000Z","from_user_id":2,
               "id":6,"message_id":6,"stream":"r:general","seq":41,
               "data":{"content":"hello room","kind":"room","from_name":"bob",
                       "room_id":"general","created_at":1700000005000}})");
    addRow("broadcast",
           R"({"message_type":"text","timestamp":"2023-11-14T22:13:20.000Z","from_user_id":1,
               "data":{"content":"all","from_name":"root"}})");
    addRow("notification",
           R"({"message_type":"notification","timestamp":"2023-11-14T22:13:20.000Z",
               "from_user_id":1,"id":9,"message_id":9,"stream":"u:7","seq":4,
               "data":{"id":9,"type":"new_follower","title":"New follower",
                       "message":"John follows you","priority":"normal",
                       "created_at":1700000005000,"content":"John follows you",
                       "notification_type":"new_follower"}})");
    addRow("system",
           R"({"message_type":"system_message","timestamp":"2023-11-14T22:13:20.000Z",
               "data":{"content":"maintenance at 22:00","data":{"priority":"high"}}})");
    // Seed 000's own announcements (user_joined / user_left to everyone) take their place.
    addRow("user_status online", "");
    addRow("user_status offline", "");
    addRow("user_joined",
           R"({"message_type":"user_joined","timestamp":"2023-11-14T22:13:20.000Z",
               "from_user_id":3,
               "data":{"room_id":"general","user_id":3,"username":"carol","members":2}})");
    addRow("user_left",
           R"({"message_type":"user_left","timestamp":"2023-11-14T22:13:20.000Z",
               "from_user_id":3,
               "data":{"room_id":"general","user_id":3,"username":"carol","members":1}})");
    addRow("pong",
           R"({"message_type":"pong","timestamp":"2023-11-14T22:13:20.000Z","id":"p1",
               "data":{}})");
    addRow("ack",
           R"({"message_type":"ack","timestamp":"2023-11-14T22:13:20.000Z","id":"c1",
               "message_id":5,"stream":"u:2","seq":8,"data":{"created_at":1700000005000}})");
    addRow("error",
           R"({"message_type":"error","timestamp":"2023-11-14T22:13:20.000Z","id":"c2",
               "data":{"code":"RATE_LIMITED","message":"slow down","retry_after_ms":340}})");
    addRow("connected",
           R"({"message_type":"connected","timestamp":"2023-11-14T22:13:20.000Z",
               "data":{"user":{"id":7,"name":"alice","role":"user"},"connection_id":"17",
                       "protocol":1,"online_count":3,"heartbeat_interval_ms":54000,
                       "expires_at":1700086400,"limits":{"max_frame_bytes":65536},
                       "data":{"message":"connected","user_id":7,"online_count":3}}})");
    addRow("typing",
           R"({"message_type":"typing","timestamp":"2023-11-14T22:13:20.000Z",
               "data":{"user_id":3,"username":"carol","context":"room:general",
                       "room_id":"general","is_typing":true,"expires_in_ms":5000}})");
    addRow("presence",
           R"({"message_type":"presence","timestamp":"2023-11-14T22:13:20.000Z",
               "data":{"user_id":3,"username":"carol","status":"away","connections_count":1,
                       "data":{"device":"mobile"}}})");
    addRow("sync_complete",
           R"({"message_type":"sync_complete","timestamp":"2023-11-14T22:13:20.000Z",
               "stream":"u:7","seq":12,
               "data":{"complete":true,
                       "streams":{"u:7":{"seq":12,"last_seq":12,"complete":true}}}})");
    addRow("room_joined",
           R"({"message_type":"room_joined","timestamp":"2023-11-14T22:13:20.000Z",
               "data":{"room_id":"general","room":{"room_id":"general","name":"general",
                       "members":5,"online_members":2,"messages":120}}})");
    addRow("token_expiring",
           R"({"message_type":"token_expiring","timestamp":"2023-11-14T22:13:20.000Z",
               "data":{"expires_at":1700086400}})");
}

void tst_Dialect::seed000()
{
    check(Dialect::Seed000);
}

// Seed 001 (Go push): private and group pushes; everything else is flat like ours already.
void tst_Dialect::seed001_data()
{
    columns();
    addRow("message",
           R"({"type":"private","id":5,"from_user_id":2,"to_user_id":7,"content":"hi",
               "created_at":1700000005,"from_name":"bob","data":{"x":1},"message_id":5,
               "stream":"u:7","seq":3})");
    addRow("room_message",
           R"({"type":"group","id":6,"from_user_id":2,"group_id":"general",
               "content":"hello room","created_at":1700000005,"from_name":"bob",
               "message_id":6,"stream":"r:general","seq":41})");
    for (const char *same : {"broadcast", "notification", "system", "user_status online", "pong",
                             "ack", "error", "connected", "typing", "sync_complete", "rooms"})
        addRow(same, nullptr);
}

void tst_Dialect::seed001()
{
    check(Dialect::Seed001);
}

// Seed 002 (FastAPI): {type, data: {...}, timestamp}; its hooks read data.online_count of
// connected, data.status of user_status, and `chat`.
void tst_Dialect::seed002_data()
{
    columns();
    addRow("connected",
           R"({"type":"connected","timestamp":"2023-11-14T22:13:20.000Z",
               "data":{"message":"welcome, alice!","user_id":7,"online_count":3,
                       "username":"alice","user":{"id":7,"name":"alice","role":"user"},
                       "connection_id":"17","protocol":1,"heartbeat_interval_ms":54000,
                       "expires_at":1700086400,"limits":{"max_frame_bytes":65536}}})");
    addRow("message",
           R"({"type":"chat","timestamp":"2023-11-14T22:13:20.000Z","message_id":5,
               "stream":"u:7","seq":3,
               "data":{"from_user_id":2,"from_username":"bob","message":"hi",
                       "timestamp":"2023-11-14T22:13:25.000Z","to_user_id":7,
                       "kind":"direct","data":{"x":1}}})");
    addRow("room_message",
           R"({"type":"chat","timestamp":"2023-11-14T22:13:20.000Z","message_id":6,
               "stream":"r:general","seq":41,
               "data":{"from_user_id":2,"from_username":"bob","message":"hello room",
                       "timestamp":"2023-11-14T22:13:25.000Z","room_id":"general",
                       "kind":"room"}})");
    addRow("broadcast",
           R"({"type":"chat","timestamp":"2023-11-14T22:13:20.000Z",
               "data":{"from_user_id":1,"from_username":"root","message":"all",
                       "timestamp":"2023-11-14T22:13:20.000Z"}})");
    addRow("notification",
           R"({"type":"notification","timestamp":"2023-11-14T22:13:20.000Z",
               "notification_type":"new_follower","from":1,"message_id":9,"stream":"u:7","seq":4,
               "data":{"id":9,"type":"new_follower","title":"New follower",
                       "message":"John follows you","priority":"normal",
                       "created_at":1700000005000}})");
    addRow("user_status online",
           R"({"type":"user_status","timestamp":"2023-11-14T22:13:20.000Z",
               "data":{"user_id":3,"username":"carol","status":"online",
                       "timestamp":"2023-11-14T22:13:20.000Z"}})");
    addRow("user_status offline",
           R"({"type":"user_status","timestamp":"2023-11-14T22:13:20.000Z",
               "data":{"user_id":3,"username":"carol","status":"offline",
                       "last_seen":1700000000000,"timestamp":"2023-11-14T22:13:20.000Z"}})");
    addRow("typing",
           R"({"type":"typing","timestamp":"2023-11-14T22:13:20.000Z",
               "data":{"user_id":3,"username":"carol","context":"room:general",
                       "room_id":"general","is_typing":true,"expires_in_ms":5000}})");
    addRow("presence",
           R"({"type":"presence","timestamp":"2023-11-14T22:13:20.000Z",
               "data":{"user_id":3,"username":"carol","status":"away","connections_count":1,
                       "data":{"device":"mobile"}}})");
    addRow("pong", R"({"type":"pong","timestamp":"2023-11-14T22:13:20.000Z","id":"p1"})");
    addRow("error",
           R"({"type":"error","timestamp":"2023-11-14T22:13:20.000Z","error_code":"RATE_LIMITED",
               "message":"slow down","retry_after_ms":340,"id":"c2"})");
    addRow("ack",
           R"({"type":"ack","timestamp":"2023-11-14T22:13:20.000Z","id":"c1","message_id":5,
               "stream":"u:2","seq":8,"data":{"created_at":1700000005000}})");
    addRow("system",
           R"({"type":"system","timestamp":"2023-11-14T22:13:20.000Z",
               "data":{"content":"maintenance at 22:00","data":{"priority":"high"}}})");
    addRow("sync_complete",
           R"({"type":"sync_complete","timestamp":"2023-11-14T22:13:20.000Z","stream":"u:7",
               "seq":12,"data":{"complete":true,
                                "streams":{"u:7":{"seq":12,"last_seq":12,"complete":true}}}})");
    addRow("user_joined",
           R"({"type":"user_joined","timestamp":"2023-11-14T22:13:20.000Z",
               "data":{"room_id":"general","user_id":3,"username":"carol","members":2}})");
}

void tst_Dialect::seed002()
{
    check(Dialect::Seed002);
}

// Seed 003 (Gorilla): `welcome`, `private_message`, rooms with id / client_count /
// message_count, and a `timestamp` on everything.
void tst_Dialect::seed003_data()
{
    columns();
    addRow("connected",
           R"({"type":"welcome","content":"welcome to the WebSocket service",
               "timestamp":"2023-11-14T22:13:20.000Z","ts":1700000000000,
               "data":{"user":{"id":7,"name":"alice","role":"user"},"connection_id":"17",
                       "protocol":1,"online_count":3,"heartbeat_interval_ms":54000,
                       "expires_at":1700086400,"limits":{"max_frame_bytes":65536},
                       "data":{"message":"connected","user_id":7,"online_count":3}}})");
    addRow("message",
           R"({"type":"private_message","ts":1700000000000,"timestamp":"2023-11-14T22:13:20.000Z",
               "kind":"direct","message_id":5,"stream":"u:7","seq":3,"created_at":1700000005000,
               "from":2,"from_name":"bob","to":7,"content":"hi","data":{"x":1}})");
    addRow("room_message",
           R"({"type":"room_message","ts":1700000000000,"timestamp":"2023-11-14T22:13:20.000Z",
               "kind":"room","message_id":6,"stream":"r:general","seq":41,
               "created_at":1700000005000,"from":2,"from_name":"bob","room_id":"general",
               "content":"hello room"})");
    addRow("broadcast",
           R"({"type":"broadcast","ts":1700000000000,"timestamp":"2023-11-14T22:13:20.000Z",
               "from":1,"from_name":"root","content":"all"})");
    addRow("room_joined",
           R"({"type":"room_joined","ts":1700000000000,"timestamp":"2023-11-14T22:13:20.000Z",
               "room_id":"general",
               "room":{"room_id":"general","id":"general","name":"general","members":5,
                       "online_members":2,"client_count":2,"messages":120,
                       "message_count":120}})");
    addRow("rooms",
           R"({"type":"rooms","ts":1700000000000,"timestamp":"2023-11-14T22:13:20.000Z",
               "count":1,"total":1,
               "rooms":[{"room_id":"general","id":"general","name":"general","members":5,
                         "messages":120,"message_count":120}]})");
    addRow("pong",
           R"({"type":"pong","ts":1700000000000,"timestamp":"2023-11-14T22:13:20.000Z",
               "id":"p1"})");
    addRow("ack",
           R"({"type":"ack","ts":1700000000000,"timestamp":"2023-11-14T22:13:20.000Z",
               "message_id":5,"stream":"u:2","seq":8,"created_at":1700000005000,"id":"c1"})");
    addRow("user_status online",
           R"({"type":"user_status","ts":1700000000000,"timestamp":"2023-11-14T22:13:20.000Z",
               "user_id":3,"username":"carol","status":"online"})");
    addRow("error",
           R"({"type":"error","ts":1700000000000,"timestamp":"2023-11-14T22:13:20.000Z",
               "code":"RATE_LIMITED","message":"slow down","retry_after_ms":340,"id":"c2"})");
}

void tst_Dialect::seed003()
{
    check(Dialect::Seed003);
}

// Seed 004 (Gin + Melody): {type, from, to, content}; its client class dispatches on `type`
// and reads msg.from and msg.content of `chat` and `notification`.
void tst_Dialect::seed004_data()
{
    columns();
    addRow("message",
           R"({"type":"chat","from":"2","to":"7","content":"hi","from_name":"bob",
               "data":{"x":1},"created_at":1700000005000,"ts":1700000000000,"message_id":5,
               "stream":"u:7","seq":3})");
    addRow("room_message",
           R"({"type":"chat","from":"2","content":"hello room","room_id":"general",
               "from_name":"bob","created_at":1700000005000,"ts":1700000000000,"message_id":6,
               "stream":"r:general","seq":41})");
    addRow("broadcast",
           R"({"type":"chat","from":"1","to":"","content":"all","from_name":"root",
               "ts":1700000000000})");
    addRow("notification",
           R"({"type":"notification","from":"1","content":"John follows you",
               "title":"New follower","notification_type":"new_follower","ts":1700000000000,
               "message_id":9,"stream":"u:7","seq":4,
               "data":{"id":9,"type":"new_follower","title":"New follower",
                       "message":"John follows you","priority":"normal",
                       "created_at":1700000005000}})");
    for (const char *same : {"system", "user_status online", "pong", "ack", "error", "connected",
                             "typing", "sync_complete", "room_joined"})
        addRow(same, nullptr);
}

void tst_Dialect::seed004()
{
    check(Dialect::Seed004);
}

void tst_Dialect::cacheEncodesSharedFrameOnce()
{
    DialectCache cache;
    const QByteArray frame
        = QJsonDocument(parse(canonicalJson("room_message"))).toJson(QJsonDocument::Compact);
    const QByteArray copy = frame; // a fan-out hands the same shared bytes to every member
    const QByteArray first = cache.encode(Dialect::Seed002, frame);
    const QByteArray again = cache.encode(Dialect::Seed002, copy);
    QCOMPARE(again, first);
    QCOMPARE(again.constData(), first.constData()); // the same bytes: encoded once
    QCOMPARE(first, Dialects::encode(Dialect::Seed002, frame));
    // Another dialect of the same frame has its own encoding.
    const QByteArray other = cache.encode(Dialect::Seed004, copy);
    QCOMPARE(QJsonDocument::fromJson(other).object().value(u"type").toString(),
             QStringLiteral("chat"));
    QVERIFY(other != first);
    // Equal bytes in another buffer are another frame (encoded again, to the same result).
    const QByteArray equal(frame.constData(), frame.size());
    const QByteArray fromEqual = cache.encode(Dialect::Seed002, equal);
    QCOMPARE(fromEqual, first);
    QVERIFY(fromEqual.constData() != first.constData());
    // Canonical goes through untouched; so does a frame that no dialect changes.
    QCOMPARE(cache.encode(Dialect::Canonical, frame).constData(), frame.constData());
    // Past ENTRIES other frames, the first one is forgotten (and still encoded right).
    QList<QByteArray> others;
    for (int i = 0; i < DialectCache::ENTRIES; ++i) {
        others.append(QByteArray(R"({"type":"pong","ts":1,"id":)") + QByteArray::number(i) + '}');
        cache.encode(Dialect::Seed002, others.last());
    }
    const QByteArray later = cache.encode(Dialect::Seed002, copy);
    QCOMPARE(later, first);
    QVERIFY(later.constData() != first.constData());
}

// Users that signed in with a backend's own id are shown by it in every seed dialect (the
// fields each derives from `from`, `to`, `user_id` and the `connected` user); users without
// one keep their numbers; canonical is untouched.
void tst_Dialect::externalIdsShownAsGiven()
{
    const UserIdNames names = [](qint64 id) {
        return id == 2 ? QStringLiteral("user456")
            : id == 7  ? QStringLiteral("user123")
                       : QString();
    };
    const auto encoded = [&names](Dialect d, const char *event) {
        const QByteArray frame
            = QJsonDocument(parse(canonicalJson(event))).toJson(QJsonDocument::Compact);
        return QJsonDocument::fromJson(Dialects::encode(d, frame, names)).object();
    };
    const QJsonObject chat = encoded(Dialect::Seed004, "message");
    QCOMPARE(chat.value(u"from"), QJsonValue(QStringLiteral("user456")));
    QCOMPARE(chat.value(u"to"), QJsonValue(QStringLiteral("user123")));
    QCOMPARE(encoded(Dialect::Seed004, "broadcast").value(u"from"),
             QJsonValue(QStringLiteral("1"))); // no external id: the number, as a string
    const QJsonObject m000 = encoded(Dialect::Seed000, "message");
    QCOMPARE(m000.value(u"from_user_id"), QJsonValue(QStringLiteral("user456")));
    const QJsonObject m001 = encoded(Dialect::Seed001, "message");
    QCOMPARE(m001.value(u"from_user_id"), QJsonValue(QStringLiteral("user456")));
    QCOMPARE(m001.value(u"to_user_id"), QJsonValue(QStringLiteral("user123")));
    const QJsonObject m002 = encoded(Dialect::Seed002, "message");
    QCOMPARE(m002.value(u"data").toObject().value(u"from_user_id"),
             QJsonValue(QStringLiteral("user456")));
    QCOMPARE(encoded(Dialect::Seed003, "message").value(u"from"),
             QJsonValue(QStringLiteral("user456")));
    // `connected` stays flat in 004, with the user's own id.
    const QJsonObject connected = encoded(Dialect::Seed004, "connected");
    QCOMPARE(connected.value(u"user").toObject().value(u"id"),
             QJsonValue(QStringLiteral("user123")));
    QCOMPARE(connected.value(u"data").toObject().value(u"user_id"),
             QJsonValue(QStringLiteral("user123")));
    // Canonical keeps numbers.
    const QByteArray frame
        = QJsonDocument(parse(canonicalJson("message"))).toJson(QJsonDocument::Compact);
    QCOMPARE(Dialects::encode(Dialect::Canonical, frame, names), frame);
    // The cache uses the names it was given.
    DialectCache cache;
    cache.setUserIdNames(names);
    QCOMPARE(QJsonDocument::fromJson(cache.encode(Dialect::Seed004, frame)).object().value(u"from"),
             QJsonValue(QStringLiteral("user456")));
}

QTEST_GUILESS_MAIN(tst_Dialect)
#include "tst_dialect.moc"
