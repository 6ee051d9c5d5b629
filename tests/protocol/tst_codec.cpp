// SPDX-License-Identifier: MIT
#include "protocol/codec.h"
#include "protocol/events.h"

#include <QJsonDocument>
#include <QTest>

using namespace Switchboard::Protocol;

class tst_Codec : public QObject
{
    Q_OBJECT

private slots:
    void errors_data();
    void errors();
    void canonicalSend();
    void seedFrames_data();
    void seedFrames();
    void correlationIdEchoed();
    void notify();
    void eventsCarryTypeAndTimestamp();
    void userIds_data();
    void userIds();
    void roomFrames();
    void presenceFrames();
    void historyAndResume();
    void externalUserIds();
};

// Every frame that names a user takes an external id ("user123") as well as a number: the
// codec hands it over unmapped (the id 0 until the server maps it).
void tst_Codec::externalUserIds()
{
    auto message = [](const QByteArray &json) {
        const auto decoded = decodeClientFrame(json);
        if (!std::holds_alternative<DecodedFrame>(decoded))
            qWarning() << std::get<DecodeError>(decoded).message;
        return std::get<DecodedFrame>(decoded).message;
    };
    const auto invite = std::get<RoomInviteRequest>(
        message(R"({"type":"room_invite","room_id":"r","user_id":"user123"})"));
    QCOMPARE(invite.userId, 0);
    QCOMPARE(invite.userExternalId, QStringLiteral("user123"));
    const auto notify
        = std::get<NotifyRequest>(message(R"({"type":"notify","to":"user123","title":"T"})"));
    QCOMPARE(notify.toExternalId, QStringLiteral("user123"));
    const auto query = std::get<PresenceQueryRequest>(
        message(R"({"type":"presence_query","user_ids":[3,"user123","4"]})"));
    QCOMPARE(query.userIds, (QList<qint64> {3, 0, 4}));
    QCOMPARE(query.externalIds, (QHash<qsizetype, QString> {{1, QStringLiteral("user123")}}));
    const auto history
        = std::get<HistoryRequest>(message(R"({"type":"history","with":"user123"})"));
    QCOMPARE(history.withUserId, 0);
    QCOMPARE(history.withExternalId, QStringLiteral("user123"));
    QCOMPARE(std::get<TypingRequest>(message(R"({"type":"typing","to":"user123"})")).toExternalId,
             QStringLiteral("user123"));
    QCOMPARE(std::get<TypingRequest>(message(R"({"type":"typing","context":"user:user123"})"))
                 .toExternalId,
             QStringLiteral("user123"));
    // Numbers that are no user ids stay refused, never taken as external ids.
    for (const QByteArray &json :
         {QByteArray(R"({"type":"room_invite","room_id":"r","user_id":"-3"})"),
          QByteArray(R"({"type":"history","with":"0"})"),
          QByteArray(R"({"type":"presence_query","user_ids":[" user123"]})")})
        QVERIFY2(std::holds_alternative<DecodeError>(decodeClientFrame(json)), json.constData());
}

void tst_Codec::historyAndResume()
{
    auto history = [](const QByteArray &json) {
        return std::get<HistoryRequest>(std::get<DecodedFrame>(decodeClientFrame(json)).message);
    };
    const HistoryRequest room
        = history(R"({"type":"history","room_id":"general","before":41,"limit":20})");
    QCOMPARE(room.roomId, QStringLiteral("general"));
    QCOMPARE(*room.before, 41);
    QVERIFY(!room.after);
    QCOMPARE(room.limit, 20);
    const HistoryRequest conv = history(R"({"type":"history","with":"7","after":0})");
    QCOMPARE(conv.withUserId, 7);
    QCOMPARE(*conv.after, 0);
    QCOMPARE(conv.limit, DEFAULT_HISTORY_PAGE);
    const HistoryRequest inbox = history(R"({"type":"history"})");
    QVERIFY(inbox.roomId.isEmpty());
    QCOMPARE(inbox.withUserId, 0);

    // Resume positions: in the auth frame as an object, in the URL as a list.
    const auto auth = std::get<AuthRequest>(
        std::get<DecodedFrame>(
            decodeClientFrame(R"({"type":"auth","token":"t","resume":{"u:7":12,"r:general":41}})"))
            .message);
    QCOMPARE(auth.resume.size(), 2);
    QCOMPARE(auth.resume.value(QStringLiteral("r:general")), 41);
    StreamPositions parsed;
    QVERIFY(
        parseStreamPositions(QStringLiteral("u:7:12, r:general:41,r:a-b_c:0"), &parsed).isEmpty());
    QCOMPARE(parsed.size(), 3);
    QCOMPARE(parsed.value(QStringLiteral("u:7")), 12);
    QCOMPARE(parsed.value(QStringLiteral("r:a-b_c")), 0);
    QCOMPARE(formatStreamPositions(parsed), QStringLiteral("r:a-b_c:0,r:general:41,u:7:12"));
    StreamPositions round;
    QVERIFY(parseStreamPositions(formatStreamPositions(parsed), &round).isEmpty());
    QCOMPARE(round, parsed);
    QVERIFY(streamPositionsFromJson(streamPositionsToJson(parsed), &round).isEmpty());
    QCOMPARE(round, parsed);
    for (const char *bad :
         {"u:7", "u:7:", "u:7:-1", "u:07:1", "x:1:2", "r:a b:1", "u:7:1e3", "r::3", "u:7:12x"}) {
        StreamPositions out;
        QVERIFY2(!parseStreamPositions(QString::fromLatin1(bad), &out).isEmpty(), bad);
    }
    QVERIFY(parseStreamPositions(QString(), &parsed).isEmpty()); // nothing given is fine
    QVERIFY(validStreamName(QStringLiteral("u:1")));
    QVERIFY(!validStreamName(QStringLiteral("u:0")));
    QVERIFY(!validStreamName(QStringLiteral("u:")));
    QVERIFY(validStreamName(QStringLiteral("r:general")));
}

void tst_Codec::roomFrames()
{
    auto decode = [](const QByteArray &json) { return decodeClientFrame(json); };
    auto create = decode(R"({"type":"room_create","id":"c1","room_id":"team-1","name":"Team",)"
                         R"("private":true,"post_policy":"owners","max_members":10,)"
                         R"("announce_membership":false})");
    QVERIFY(std::holds_alternative<DecodedFrame>(create));
    const auto &c = std::get<RoomSettingsRequest>(std::get<DecodedFrame>(create).message);
    QVERIFY(c.create);
    QCOMPARE(c.roomId, QStringLiteral("team-1"));
    QCOMPARE(*c.name, QStringLiteral("Team"));
    QCOMPARE(*c.isPrivate, true);
    QCOMPARE(*c.postPolicy, QStringLiteral("owners"));
    QCOMPARE(*c.maxMembers, 10);
    QCOMPARE(*c.announceMembership, false);
    QVERIFY(!c.description);
    auto update = decode(R"({"type":"room_update","room_id":"team-1","name":"T2"})");
    const auto &u = std::get<RoomSettingsRequest>(std::get<DecodedFrame>(update).message);
    QVERIFY(!u.create);
    QVERIFY(!u.isPrivate);
    auto join = decode(R"({"type":"room_join","room_id":"general"})");
    const auto &j = std::get<RoomActionRequest>(std::get<DecodedFrame>(join).message);
    QCOMPARE(j.action, RoomActionRequest::Action::Join);
    QCOMPARE(j.roomId, QStringLiteral("general"));
    // Seed 003's room_message is the canonical room_send.
    auto seed = decode(R"({"type":"room_message","room_id":"general","content":"hi"})");
    const auto &p = std::get<RoomSendRequest>(std::get<DecodedFrame>(seed).message);
    QCOMPARE(p.content, QStringLiteral("hi"));
    auto invite = decode(R"({"type":"room_invite","room_id":"general","user_id":"7"})");
    QCOMPARE(std::get<RoomInviteRequest>(std::get<DecodedFrame>(invite).message).userId, 7);
    QVERIFY(std::holds_alternative<RoomListRequest>(
        std::get<DecodedFrame>(decode(R"({"type":"room_list"})")).message));
    QVERIFY(validRoomId(QStringLiteral("A-z_09")));
    QVERIFY(!validRoomId(QString()));
    QVERIFY(!validRoomId(QStringLiteral("日本")));
}

void tst_Codec::presenceFrames()
{
    auto decode = [](const QByteArray &json) { return decodeClientFrame(json); };
    auto p = decode(R"({"type":"presence","status":"busy","data":{"until":"15:00"}})");
    const auto &pr = std::get<PresenceRequest>(std::get<DecodedFrame>(p).message);
    QCOMPARE(pr.status, QStringLiteral("busy"));
    QCOMPARE(pr.data.value(QStringLiteral("until")).toString(), QStringLiteral("15:00"));
    auto q = decode(R"({"type":"presence_query","user_ids":[3,"4"]})");
    const auto &qr = std::get<PresenceQueryRequest>(std::get<DecodedFrame>(q).message);
    QCOMPARE(qr.userIds, (QList<qint64> {3, 4}));
    QVERIFY(qr.roomId.isEmpty());
    auto qroom = decode(R"({"type":"presence_query","room_id":"general"})");
    QCOMPARE(std::get<PresenceQueryRequest>(std::get<DecodedFrame>(qroom).message).roomId,
             QStringLiteral("general"));
    // Typing: context string, room_id, or to; is_typing defaults to true.
    auto t1 = decode(R"({"type":"typing","context":"room:general"})");
    const auto &tr1 = std::get<TypingRequest>(std::get<DecodedFrame>(t1).message);
    QCOMPARE(tr1.roomId, QStringLiteral("general"));
    QVERIFY(tr1.isTyping);
    auto t2 = decode(R"({"type":"typing","context":"user:9","is_typing":false})");
    const auto &tr2 = std::get<TypingRequest>(std::get<DecodedFrame>(t2).message);
    QCOMPARE(tr2.toUserId, 9);
    QVERIFY(tr2.roomId.isEmpty());
    QVERIFY(!tr2.isTyping);
    auto t3 = decode(R"({"type":"typing","to":"12"})");
    QCOMPARE(std::get<TypingRequest>(std::get<DecodedFrame>(t3).message).toUserId, 12);
    // Seed 002's hook: the fields in `data`, the context a bare room id.
    auto t4 = decode(R"({"type":"typing","data":{"is_typing":false,"context":"post_123"}})");
    const auto &tr4 = std::get<TypingRequest>(std::get<DecodedFrame>(t4).message);
    QCOMPARE(tr4.roomId, QStringLiteral("post_123"));
    QVERIFY(!tr4.isTyping);
    for (const char *bad :
         {R"({"type":"presence","status":"asleep"})",
          R"({"type":"presence","status":"away","data":[1]})",
          R"({"type":"presence_query","user_ids":[]})",
          R"({"type":"presence_query","user_ids":[0]})",
          R"({"type":"presence_query","room_id":"a b"})", R"({"type":"typing","context":"room:"})",
          R"({"type":"typing","context":"user:-1"})", R"({"type":"typing","context":5})",
          R"({"type":"typing","room_id":"general","is_typing":1})", R"({"type":"typing"})",
          R"({"type":"typing","context":"a b"})",
          R"({"type":"typing","data":{"context":"a b"}})"}) {
        const auto r = decode(bad);
        QVERIFY2(std::holds_alternative<DecodeError>(r), bad);
        QCOMPARE(std::get<DecodeError>(r).code, ErrorCode::ValidationError);
    }
    QVERIFY(validPresenceStatus(QStringLiteral("away")));
    QVERIFY(!validPresenceStatus(QStringLiteral("Away")));
}

void tst_Codec::errors_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<QString>("code");
    QTest::newRow("not json") << QByteArray("{not json") << "INVALID_JSON";
    QTest::newRow("empty") << QByteArray("") << "INVALID_JSON";
    QTest::newRow("array") << QByteArray("[1,2]") << "INVALID_JSON";
    QTest::newRow("string") << QByteArray("\"ping\"") << "INVALID_JSON";
    // Found by fuzz_clientframe: a number past qint64 was cast before its range was checked (UB).
    QTest::newRow("stats interval past qint64")
        << QByteArray("{\"type\":\"admin_subscribe\",\"stats_interval_ms\":7.7e128}")
        << "VALIDATION_ERROR";
    QTest::newRow("stats interval negative huge")
        << QByteArray("{\"type\":\"admin_subscribe\",\"stats_interval_ms\":-1e300}")
        << "VALIDATION_ERROR";
    QTest::newRow("feed 3") << QByteArray("{\"type\":\"admin_subscribe\",\"feed\":3}")
                            << "VALIDATION_ERROR";
    QTest::newRow("feed 1.5") << QByteArray("{\"type\":\"admin_subscribe\",\"feed\":1.5}")
                              << "VALIDATION_ERROR";
    QTest::newRow("feed string") << QByteArray("{\"type\":\"admin_subscribe\",\"feed\":\"2\"}")
                                 << "VALIDATION_ERROR";
    QTest::newRow("no type") << QByteArray("{\"to\":1}") << "VALIDATION_ERROR";
    QTest::newRow("type number") << QByteArray("{\"type\":5}") << "VALIDATION_ERROR";
    QTest::newRow("unknown type") << QByteArray("{\"type\":\"teleport\"}")
                                  << "UNKNOWN_MESSAGE_TYPE";
    QTest::newRow("unknown seed type")
        << QByteArray("{\"message_type\":\"teleport\",\"data\":{}}") << "UNKNOWN_MESSAGE_TYPE";
    QTest::newRow("send without to")
        << QByteArray("{\"type\":\"send\",\"content\":\"x\"}") << "VALIDATION_ERROR";
    QTest::newRow("send to object")
        << QByteArray("{\"type\":\"send\",\"to\":{},\"content\":\"x\"}") << "VALIDATION_ERROR";
    QTest::newRow("send to negative")
        << QByteArray("{\"type\":\"send\",\"to\":-3,\"content\":\"x\"}") << "VALIDATION_ERROR";
    QTest::newRow("send to fraction")
        << QByteArray("{\"type\":\"send\",\"to\":1.5,\"content\":\"x\"}") << "VALIDATION_ERROR";
    QTest::newRow("content number")
        << QByteArray("{\"type\":\"send\",\"to\":2,\"content\":7}") << "VALIDATION_ERROR";
    QTest::newRow("empty message")
        << QByteArray("{\"type\":\"send\",\"to\":2}") << "VALIDATION_ERROR";
    QTest::newRow("data array") << QByteArray(
        "{\"type\":\"send\",\"to\":2,\"content\":\"x\",\"data\":[1]}")
                                << "VALIDATION_ERROR";
    QTest::newRow("auth no token") << QByteArray("{\"type\":\"auth\"}") << "VALIDATION_ERROR";
    QTest::newRow("auth token number")
        << QByteArray("{\"type\":\"auth\",\"token\":1}") << "VALIDATION_ERROR";
    QTest::newRow("id object") << QByteArray("{\"type\":\"ping\",\"id\":{}}") << "VALIDATION_ERROR";
    QTest::newRow("notify empty") << QByteArray("{\"type\":\"notify\",\"to\":3}")
                                  << "VALIDATION_ERROR";
    QTest::newRow("broadcast empty")
        << QByteArray("{\"type\":\"broadcast\"}") << "VALIDATION_ERROR";
    QTest::newRow("room join no id")
        << QByteArray("{\"type\":\"room_join\"}") << "VALIDATION_ERROR";
    QTest::newRow("room id number")
        << QByteArray("{\"type\":\"room_join\",\"room_id\":5}") << "VALIDATION_ERROR";
    QTest::newRow("room id charset")
        << QByteArray("{\"type\":\"room_leave\",\"room_id\":\"a b\"}") << "VALIDATION_ERROR";
    QTest::newRow("room id too long")
        << QByteArray("{\"type\":\"room_get\",\"room_id\":\"" + QByteArray(65, 'r') + "\"}")
        << "VALIDATION_ERROR";
    QTest::newRow("room name too long") << QByteArray(
        "{\"type\":\"room_create\",\"room_id\":\"r\",\"name\":\"" + QByteArray(101, 'n') + "\"}")
                                        << "VALIDATION_ERROR";
    QTest::newRow("room private string")
        << QByteArray("{\"type\":\"room_create\",\"room_id\":\"r\",\"private\":\"yes\"}")
        << "VALIDATION_ERROR";
    QTest::newRow("room policy") << QByteArray(
        "{\"type\":\"room_update\",\"room_id\":\"r\",\"post_policy\":\"all\"}")
                                 << "VALIDATION_ERROR";
    QTest::newRow("room max members")
        << QByteArray("{\"type\":\"room_create\",\"room_id\":\"r\",\"max_members\":-1}")
        << "VALIDATION_ERROR";
    QTest::newRow("room send empty")
        << QByteArray("{\"type\":\"room_send\",\"room_id\":\"r\"}") << "VALIDATION_ERROR";
    QTest::newRow("room invite no user")
        << QByteArray("{\"type\":\"room_invite\",\"room_id\":\"r\"}") << "VALIDATION_ERROR";
    QTest::newRow("history room and with")
        << QByteArray(R"({"type":"history","room_id":"general","with":3})") << "VALIDATION_ERROR";
    QTest::newRow("history bad room")
        << QByteArray(R"({"type":"history","room_id":"a/b"})") << "VALIDATION_ERROR";
    QTest::newRow("history with zero")
        << QByteArray(R"({"type":"history","with":0})") << "VALIDATION_ERROR";
    QTest::newRow("history before negative")
        << QByteArray(R"({"type":"history","before":-1})") << "VALIDATION_ERROR";
    QTest::newRow("history after string")
        << QByteArray(R"({"type":"history","after":"3"})") << "VALIDATION_ERROR";
    QTest::newRow("history limit zero")
        << QByteArray(R"({"type":"history","limit":0})") << "VALIDATION_ERROR";
    QTest::newRow("history limit huge")
        << QByteArray(R"({"type":"history","limit":1001})") << "VALIDATION_ERROR";
    QTest::newRow("auth resume array")
        << QByteArray(R"({"type":"auth","token":"t","resume":[1]})") << "VALIDATION_ERROR";
    QTest::newRow("auth resume bad stream")
        << QByteArray(R"({"type":"auth","token":"t","resume":{"x:1":1}})") << "VALIDATION_ERROR";
    QTest::newRow("auth resume bad seq")
        << QByteArray(R"({"type":"auth","token":"t","resume":{"u:1":-2}})") << "VALIDATION_ERROR";
    QTest::newRow("huge id") << QByteArray("{\"type\":\"ping\",\"id\":\"" + QByteArray(200, 'x')
                                           + "\"}")
                             << "VALIDATION_ERROR";
}

void tst_Codec::errors()
{
    QFETCH(QByteArray, frame);
    QFETCH(QString, code);
    const auto result = decodeClientFrame(frame);
    const auto *error = std::get_if<DecodeError>(&result);
    QVERIFY2(error, "frame must be refused");
    QCOMPARE(QString(errorCodeName(error->code)), code);
    QVERIFY(!error->message.isEmpty());
}

void tst_Codec::canonicalSend()
{
    const auto result = decodeClientFrame(
        R"({"type":"send","id":"c1","to":"42","content":"hi","data":{"k":1},"idempotency_key":"abc"})");
    const auto *frame = std::get_if<DecodedFrame>(&result);
    QVERIFY(frame);
    QCOMPARE(frame->id.toString(), QStringLiteral("c1"));
    const auto *send = std::get_if<SendRequest>(&frame->message);
    QVERIFY(send);
    QCOMPARE(send->toUserId, 42);
    QCOMPARE(send->content, QStringLiteral("hi"));
    QCOMPARE(send->data.value(QStringLiteral("k")).toInt(), 1);
    QCOMPARE(send->idempotencyKey, QStringLiteral("abc"));
}

void tst_Codec::seedFrames_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<int>("kind"); // variant index
    QTest::addColumn<qint64>("to");
    QTest::addColumn<QString>("content");
    QTest::newRow("000 ping") << QByteArray(R"({"id":"x","message_type":"ping","data":{}})") << 2
                              << qint64(0) << QString();
    QTest::newRow("000 text broadcast")
        << QByteArray(R"({"message_type":"text","data":{"content":"hello"}})") << 4 << qint64(0)
        << "hello";
    QTest::newRow("000 text direct")
        << QByteArray(R"({"message_type":"text","data":{"content":"hi","to_user_id":"7"}})") << 3
        << qint64(7) << "hi";
    QTest::newRow("000 notification")
        << QByteArray(R"({"message_type":"notification","data":{"content":"n","priority":"high"}})")
        << 5 << qint64(0) << "n";
    QTest::newRow("002 message") << QByteArray(
        R"({"type":"message","to_user_id":9,"message":"yo"})")
                                 << 3 << qint64(9) << "yo";
    QTest::newRow("004 chat direct")
        << QByteArray(R"({"type":"chat","to":"5","content":"c"})") << 3 << qint64(5) << "c";
    QTest::newRow("004 chat broadcast")
        << QByteArray(R"({"type":"chat","to":"","content":"all"})") << 4 << qint64(0) << "all";
    QTest::newRow("ping") << QByteArray(R"({"type":"ping"})") << 2 << qint64(0) << QString();
}

void tst_Codec::seedFrames()
{
    QFETCH(QByteArray, frame);
    QFETCH(int, kind);
    QFETCH(qint64, to);
    QFETCH(QString, content);
    const auto result = decodeClientFrame(frame);
    const auto *decoded = std::get_if<DecodedFrame>(&result);
    if (!decoded)
        QFAIL(qPrintable(std::get<DecodeError>(result).message));
    QCOMPARE(int(decoded->message.index()), kind);
    if (const auto *send = std::get_if<SendRequest>(&decoded->message)) {
        QCOMPARE(send->toUserId, to);
        QCOMPARE(send->content, content);
    }
    if (const auto *b = std::get_if<BroadcastRequest>(&decoded->message))
        QCOMPARE(b->content, content);
    if (const auto *n = std::get_if<NotifyRequest>(&decoded->message)) {
        QCOMPARE(n->message, content);
        QCOMPARE(n->toUserId, to);
    }
}

void tst_Codec::correlationIdEchoed()
{
    const auto result = decodeClientFrame(R"({"type":"nope","id":17})");
    const auto *error = std::get_if<DecodeError>(&result);
    QVERIFY(error);
    QCOMPARE(error->id.toInt(), 17);
    const QJsonObject pong = QJsonDocument::fromJson(Events::pong(QJsonValue(17))).object();
    QCOMPARE(pong.value(QStringLiteral("id")).toInt(), 17);
    QCOMPARE(pong.value(QStringLiteral("type")).toString(), QStringLiteral("pong"));
}

void tst_Codec::notify()
{
    const auto result = decodeClientFrame(
        R"({"type":"notify","to":3,"title":"T","message":"M","link":"/x","notification_type":"order"})");
    const auto *frame = std::get_if<DecodedFrame>(&result);
    QVERIFY(frame);
    const auto *n = std::get_if<NotifyRequest>(&frame->message);
    QVERIFY(n);
    QCOMPARE(n->toUserId, 3);
    QCOMPARE(n->title, QStringLiteral("T"));
    QCOMPARE(n->link, QStringLiteral("/x"));
    QCOMPARE(n->notificationType, QStringLiteral("order"));
}

void tst_Codec::eventsCarryTypeAndTimestamp()
{
    const qint64 before = Events::nowMs();
    const QJsonObject e
        = QJsonDocument::fromJson(Events::error(ErrorCode::RateLimited, QStringLiteral("slow down"),
                                                QJsonValue(QStringLiteral("r1"))))
              .object();
    QCOMPARE(e.value(QStringLiteral("type")).toString(), QStringLiteral("error"));
    QCOMPARE(e.value(QStringLiteral("code")).toString(), QStringLiteral("RATE_LIMITED"));
    QCOMPARE(e.value(QStringLiteral("id")).toString(), QStringLiteral("r1"));
    QVERIFY(e.value(QStringLiteral("ts")).toInteger() >= before);
}

void tst_Codec::userIds_data()
{
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<qint64>("expected");
    QTest::newRow("number") << QJsonValue(12) << qint64(12);
    QTest::newRow("string") << QJsonValue(QStringLiteral("12")) << qint64(12);
    QTest::newRow("zero") << QJsonValue(0) << qint64(0);
    QTest::newRow("negative string") << QJsonValue(QStringLiteral("-4")) << qint64(0);
    QTest::newRow("junk") << QJsonValue(QStringLiteral("abc")) << qint64(0);
    QTest::newRow("too big") << QJsonValue(1e300) << qint64(0);
    QTest::newRow("bool") << QJsonValue(true) << qint64(0);
}

void tst_Codec::userIds()
{
    QFETCH(QJsonValue, value);
    QFETCH(qint64, expected);
    bool ok = false;
    QCOMPARE(userIdFromJson(value, &ok), expected);
    QCOMPARE(ok, expected > 0);
}

QTEST_GUILESS_MAIN(tst_Codec)
#include "tst_codec.moc"
