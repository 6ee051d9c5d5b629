// SPDX-License-Identifier: MIT
// Admin REST actions end to end over real sockets, on SQLite and PostgreSQL: listing and
// closing connections (4004), disconnecting, disabling and enabling users, audiences, targeted
// broadcasts, API-key token minting, server info and paged users.
#include "admintestsupport.h"

#include "protocol/protocol.h"

#include <QDateTime>
#include <QJsonArray>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;

class tst_AdminRest : public QObject
{
    Q_OBJECT

private slots:
    void closeAndDisconnect_data() { addBackendRows(); }
    void closeAndDisconnect();
    void disableAndEnable_data() { addBackendRows(); }
    void disableAndEnable();
    void audienceAndTargetedBroadcasts();
    void mintTokens_data() { addBackendRows(); }
    void mintTokens();
    void serverInfoAndUsers_data() { addBackendRows(); }
    void serverInfoAndUsers();
};

void tst_AdminRest::closeAndDisconnect()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const qint64 alice = storeUser(server, QStringLiteral("alice"));
    QVERIFY(alice > 0);
    auto admin = connectAs(server, ADMIN_ID, true); // no stored user: ids of created users differ
    QVERIFY(admin);
    QVERIFY(!request(*admin, "admin_subscribe", {}, "admin_snapshot").isEmpty());
    auto a1 = std::make_unique<WsClient>();
    QUrl a1Url = server.wsUrl(QString::fromLatin1(server.token(alice, QStringLiteral("alice"))));
    a1Url.setQuery(a1Url.query() + QStringLiteral("&client=phone"));
    QVERIFY(a1->open(a1Url));
    QVERIFY(!a1->waitFor(QStringLiteral("connected")).isEmpty());

    const HttpResult list
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/connections")), {}, apiKey(server));
    QCOMPARE(list.status, 200);
    QJsonObject mine;
    for (const QJsonValue &v : list.json.value(QStringLiteral("connections")).toArray()) {
        if (num(v.toObject(), "user_id") == alice)
            mine = v.toObject();
    }
    QCOMPARE(str(mine, "client"), QStringLiteral("phone"));
    QCOMPARE(str(mine, "name"), QStringLiteral("alice"));
    QVERIFY(str(mine, "address").startsWith(QStringLiteral("127.0.0.1:")));
    QVERIFY(mine.value(QStringLiteral("queue_bytes")).isDouble());
    QCOMPARE(list.json.value(QStringLiteral("connections")).toArray().size(), 2);

    // Close that one connection, with a reason.
    const QString id = str(mine, "connection_id");
    const HttpResult closed
        = httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/connections/%1/close").arg(id)),
                   {{QStringLiteral("reason"), QStringLiteral("maintenance")}}, apiKey(server));
    QCOMPARE(closed.status, 200);
    QCOMPARE(num(closed.json, "closed"), 1);
    QCOMPARE(a1->waitClosed(), Protocol::CloseCode::KICKED);
    QCOMPARE(a1->socket().closeReason(), QStringLiteral("maintenance"));
    const QJsonObject event = waitEvent(*admin, "connection_closed", forUser(alice));
    QCOMPARE(num(event, "code"), Protocol::CloseCode::KICKED);
    QCOMPARE(str(event, "reason"), QStringLiteral("maintenance"));
    QCOMPARE(http("POST", server.httpUrl(QStringLiteral("/api/v1/connections/%1/close").arg(id)),
                  {}, apiKey(server))
                 .status,
             404);

    // Disconnect every connection of the user (default reason, empty body).
    auto b1 = connectAs(server, alice), b2 = connectAs(server, alice);
    QVERIFY(b1 && b2);
    const HttpResult all
        = http("POST", server.httpUrl(QStringLiteral("/api/v1/users/%1/disconnect").arg(alice)), {},
               apiKey(server));
    QCOMPARE(all.status, 200);
    QCOMPARE(num(all.json, "closed"), 2);
    QCOMPARE(b1->waitClosed(), Protocol::CloseCode::KICKED);
    QCOMPARE(b2->waitClosed(), Protocol::CloseCode::KICKED);
    QCOMPARE(b1->socket().closeReason(), QStringLiteral("closed by operator"));
    // They may come back: this is not a ban.
    QVERIFY(connectAs(server, alice));
    // An admin token works too; a user token does not.
    QCOMPARE(http("POST", server.httpUrl(QStringLiteral("/api/v1/users/%1/disconnect").arg(alice)),
                  {}, server.token(9, {}, true))
                 .status,
             200);
    QCOMPARE(http("POST", server.httpUrl(QStringLiteral("/api/v1/users/%1/disconnect").arg(alice)),
                  {}, server.token(9))
                 .status,
             403);
}

void tst_AdminRest::disableAndEnable()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const qint64 dave = createUser(server, QStringLiteral("dave"));
    QVERIFY(dave > 0);
    auto admin = connectAs(server, ADMIN_ID, true); // no stored user: ids of created users differ
    QVERIFY(admin);
    QVERIFY(!request(*admin, "admin_subscribe", {}, "admin_snapshot").isEmpty());
    auto d = connectAs(server, dave);
    QVERIFY(d);
    const QUrl disableUrl = server.httpUrl(QStringLiteral("/api/v1/users/%1/disable").arg(dave));
    QCOMPARE(http("POST", disableUrl, {}, apiKey(server)).status, 200);
    QCOMPARE(d->waitClosed(), Protocol::CloseCode::FORBIDDEN);
    QVERIFY(!waitEvent(*admin, "user_disabled", forUser(dave)).isEmpty());
    QCOMPARE(num(waitEvent(*admin, "connection_closed", forUser(dave)), "code"),
             Protocol::CloseCode::FORBIDDEN);

    const QJsonObject login {{QStringLiteral("username"), QStringLiteral("dave")},
                             {QStringLiteral("password"), QStringLiteral("password-123")}};
    const QUrl loginUrl = server.httpUrl(QStringLiteral("/api/v1/users/login"));
    QCOMPARE(httpJson("POST", loginUrl, login).status, 403);
    WsClient again;
    again.open(server.wsUrl(QString::fromLatin1(server.token(dave))));
    QCOMPARE(again.waitClosed(), Protocol::CloseCode::FORBIDDEN);

    QCOMPARE(http("POST", server.httpUrl(QStringLiteral("/api/v1/users/%1/enable").arg(dave)), {},
                  apiKey(server))
                 .status,
             200);
    const HttpResult ok = httpJson("POST", loginUrl, login);
    QCOMPARE(ok.status, 200);
    QVERIFY(connectAs(server, dave));
}

void tst_AdminRest::audienceAndTargetedBroadcasts()
{
    TestServer server(QStringLiteral("sqlite"));
    QString why;
    QVERIFY2(server.start(&why), qPrintable(why));
    auto u2 = connectAs(server, 2), u2b = connectAs(server, 2), u3 = connectAs(server, 3);
    QVERIFY(u2 && u2b && u3);
    QCOMPARE(replyType(request(*u3, "room_create",
                               {{QStringLiteral("room_id"), QStringLiteral("r1")}}, "room")),
             QStringLiteral("room"));
    auto audience = [&](const QString &query) {
        const HttpResult r = http(
            "GET", server.httpUrl(QStringLiteral("/api/v1/audience?") + query), {}, apiKey(server));
        return r.status == 200
            ? QPair<qint64, qint64>(num(r.json, "users"), num(r.json, "connections"))
            : QPair<qint64, qint64>(-r.status, -r.status);
    };
    QCOMPARE(audience(QStringLiteral("target=all")), (QPair<qint64, qint64>(2, 3)));
    QCOMPARE(audience(QStringLiteral("target=room&room_id=r1")), (QPair<qint64, qint64>(1, 1)));
    QCOMPARE(audience(QStringLiteral("target=user&user_id=2")), (QPair<qint64, qint64>(1, 2)));
    QCOMPARE(audience(QStringLiteral("target=user&user_id=77")), (QPair<qint64, qint64>(0, 0)));
    QCOMPARE(audience(QStringLiteral("target=room&room_id=nope")),
             (QPair<qint64, qint64>(-404, -404)));
    QCOMPARE(audience(QStringLiteral("target=planet")), (QPair<qint64, qint64>(-400, -400)));

    const QUrl url = server.httpUrl(QStringLiteral("/api/v1/broadcast"));
    // A system message to one user: stored, both of its connections get it.
    const HttpResult toUser = httpJson("POST", url,
                                       {{QStringLiteral("target"), QStringLiteral("user")},
                                        {QStringLiteral("user_id"), 2},
                                        {QStringLiteral("kind"), QStringLiteral("system")},
                                        {QStringLiteral("message"), QStringLiteral("only you")}},
                                       apiKey(server));
    QCOMPARE(toUser.status, 201);
    QCOMPARE(num(toUser.json, "recipients"), 2);
    QVERIFY(num(toUser.json, "message_id") > 0);
    QCOMPARE(str(u2->waitFor(QStringLiteral("system")), "content"), QStringLiteral("only you"));
    QCOMPARE(str(u2b->waitFor(QStringLiteral("system")), "content"), QStringLiteral("only you"));
    QVERIFY(u3->noEventOfType(QStringLiteral("system"), 200));

    // A notification to everyone.
    const HttpResult toAll
        = httpJson("POST", url,
                   {{QStringLiteral("target"), QStringLiteral("all")},
                    {QStringLiteral("kind"), QStringLiteral("notification")},
                    {QStringLiteral("title"), QStringLiteral("Hello")},
                    {QStringLiteral("message"), QStringLiteral("everyone")},
                    {QStringLiteral("link"), QStringLiteral("https://example.org")},
                    {QStringLiteral("priority"), QStringLiteral("low")}},
                   apiKey(server));
    QCOMPARE(toAll.status, 202);
    QCOMPARE(num(toAll.json, "recipients"), 3);
    const QJsonObject n = u3->waitFor(QStringLiteral("notification"));
    const QJsonObject data = n.value(QStringLiteral("data")).toObject();
    QCOMPARE(str(data, "title"), QStringLiteral("Hello"));
    QCOMPARE(str(data, "link"), QStringLiteral("https://example.org"));
    QCOMPARE(str(data, "priority"), QStringLiteral("low"));

    // A system message to a room's members only.
    const HttpResult toRoom = httpJson("POST", url,
                                       {{QStringLiteral("target"), QStringLiteral("room")},
                                        {QStringLiteral("room_id"), QStringLiteral("r1")},
                                        {QStringLiteral("kind"), QStringLiteral("system")},
                                        {QStringLiteral("message"), QStringLiteral("room note")}},
                                       apiKey(server));
    QCOMPARE(toRoom.status, 202);
    QCOMPARE(num(toRoom.json, "recipients"), 1);
    const QJsonObject sys = u3->waitFor(QStringLiteral("system"));
    QCOMPARE(str(sys, "content"), QStringLiteral("room note"));
    QCOMPARE(str(sys, "room_id"), QStringLiteral("r1"));

    // Bad bodies.
    QCOMPARE(httpJson("POST", url,
                      {{QStringLiteral("target"), QStringLiteral("all")},
                       {QStringLiteral("kind"), QStringLiteral("shout")},
                       {QStringLiteral("message"), QStringLiteral("x")}},
                      apiKey(server))
                 .status,
             400);
    QCOMPARE(httpJson("POST", url,
                      {{QStringLiteral("target"), QStringLiteral("all")},
                       {QStringLiteral("kind"), QStringLiteral("system")}},
                      apiKey(server))
                 .status,
             400);
}

void tst_AdminRest::mintTokens()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const qint64 ops = storeUser(server, QStringLiteral("ops"), true);
    const qint64 eve = storeUser(server, QStringLiteral("eve"));
    QVERIFY(ops > 0 && eve > 0);
    const QUrl url = server.httpUrl(QStringLiteral("/api/v1/tokens"));

    const HttpResult minted = httpJson(
        "POST", url,
        {{QStringLiteral("username"), QStringLiteral("ops")}, {QStringLiteral("ttl_s"), 600}},
        apiKey(server));
    QCOMPARE(minted.status, 201);
    QCOMPARE(num(minted.json, "user_id"), ops);
    QCOMPARE(str(minted.json, "role"), QStringLiteral("admin"));
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QVERIFY(qAbs(num(minted.json, "expires_at") - (now + 600)) <= 5);
    // The minted token opens the console's WebSocket as that admin.
    const QString token = str(minted.json, "token");
    WsClient console;
    QUrl wsUrl = server.wsUrl(token);
    wsUrl.setQuery(wsUrl.query() + QStringLiteral("&client=switchboard-console"));
    QVERIFY(console.open(wsUrl));
    QVERIFY(!console.waitFor(QStringLiteral("connected")).isEmpty());
    const QJsonObject snap = request(console, "admin_subscribe", {}, "admin_snapshot");
    QCOMPARE(str(snap, "type"), QStringLiteral("admin_snapshot"));
    QCOMPARE(str(findUser(snap.value(QStringLiteral("users")).toArray(), ops), "name"),
             QStringLiteral("ops"));

    // By id, a plain user gets a user token.
    const HttpResult byId
        = httpJson("POST", url, {{QStringLiteral("user_id"), eve}}, apiKey(server));
    QCOMPARE(byId.status, 201);
    QCOMPARE(str(byId.json, "role"), QStringLiteral("user"));

    // Refusals: tokens (even an admin's), unknown users, disabled users, bad ttl.
    QCOMPARE(httpJson("POST", url, {{QStringLiteral("user_id"), eve}}, token.toUtf8()).status, 403);
    QCOMPARE(httpJson("POST", url, {{QStringLiteral("user_id"), eve}}, server.token(eve)).status,
             403);
    QCOMPARE(httpJson("POST", url, {{QStringLiteral("user_id"), 9999}}, apiKey(server)).status,
             404);
    QCOMPARE(httpJson("POST", url, {{QStringLiteral("username"), QStringLiteral("nobody")}},
                      apiKey(server))
                 .status,
             404);
    QCOMPARE(httpJson("POST", url, {{QStringLiteral("user_id"), eve}, {QStringLiteral("ttl_s"), 5}},
                      apiKey(server))
                 .status,
             400);
    QCOMPARE(httpJson("POST", url, {}, apiKey(server)).status, 400);
    QCOMPARE(http("POST", server.httpUrl(QStringLiteral("/api/v1/users/%1/disable").arg(eve)), {},
                  apiKey(server))
                 .status,
             200);
    QCOMPARE(httpJson("POST", url, {{QStringLiteral("user_id"), eve}}, apiKey(server)).status, 403);
}

void tst_AdminRest::serverInfoAndUsers()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const HttpResult info
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/server")), {}, apiKey(server));
    QCOMPARE(info.status, 200);
    QCOMPARE(str(info.json, "storage"), backend);
    QVERIFY(!str(info.json, "version").isEmpty());
    QVERIFY(info.json.value(QStringLiteral("uptime_ms")).isDouble());
    QVERIFY(num(info.json, "started_at") <= QDateTime::currentMSecsSinceEpoch());
    QVERIFY(str(info.json, "listen").endsWith(QString::number(server.port())));

    const qint64 a = storeUser(server, QStringLiteral("ann"));
    const qint64 b = storeUser(server, QStringLiteral("ben"), true);
    const qint64 c = storeUser(server, QStringLiteral("cid"));
    QVERIFY(a > 0 && b > 0 && c > 0);
    const HttpResult page
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/users?limit=1&offset=1")), {},
               apiKey(server));
    QCOMPARE(page.status, 200);
    const QJsonArray users = page.json.value(QStringLiteral("users")).toArray();
    QCOMPARE(users.size(), 1);
    const QJsonObject ben = users.first().toObject();
    QCOMPARE(num(ben, "user_id"), b);
    QCOMPARE(str(ben, "name"), QStringLiteral("ben"));
    QCOMPARE(str(ben, "role"), QStringLiteral("admin"));
    QCOMPARE(ben.value(QStringLiteral("disabled")).toBool(true), false);
    QVERIFY(num(ben, "created_at") > 0);
    QVERIFY(ben.contains(QStringLiteral("last_seen")));
    QCOMPARE(num(page.json, "total"), 3);
    const HttpResult all
        = http("GET", server.httpUrl(QStringLiteral("/api/v1/users")), {}, apiKey(server));
    QCOMPARE(all.json.value(QStringLiteral("users")).toArray().size(), 3);
    QCOMPARE(
        http("GET", server.httpUrl(QStringLiteral("/api/v1/users?limit=x")), {}, apiKey(server))
            .status,
        400);
}

QTEST_GUILESS_MAIN(tst_AdminRest)
#include "tst_adminrest.moc"
