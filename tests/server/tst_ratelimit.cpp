// SPDX-License-Identifier: MIT
// Rate limits and bounded work queues over real WebSockets and HTTP: per-connection frame and
// byte buckets, per-user buckets, expensive requests, the 4029 close for sustained abuse, REST
// limits per principal, the bounded store queue (UNAVAILABLE / 503), cancelled reads of a
// closed session and the bounded pre-activation buffer.
#include "testsupport.h"

#include "hub/hub.h"
#include "hub/knownusers.h"
#include "hub/messageservice.h"
#include "hub/roomservice.h"
#include "net/connectionmanager.h"
#include "store/asyncstore.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QSemaphore>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;

namespace {

// Holds the store's worker inside a job until open() (or destruction), so that what the test
// queues next waits in the queue.
class StoreGate : public QObject
{
public:
    explicit StoreGate(AsyncStore *store)
    {
        QSemaphore *entered = &m_entered;
        QSemaphore *gate = &m_gate;
        store->run<int>(
            this,
            [entered, gate](Store &) {
                entered->release();
                gate->acquire();
                return 0;
            },
            [](std::optional<int>, QString) {});
        m_holding = m_entered.tryAcquire(1, 10000);
    }
    ~StoreGate() override { open(); }
    bool holding() const { return m_holding; }
    void open()
    {
        if (m_holding)
            m_gate.release();
        m_holding = false;
    }

private:
    QSemaphore m_entered;
    QSemaphore m_gate;
    bool m_holding = false;
};

// Every limit off, for tests that look at one limit at a time.
void noLimits(Config &c)
{
    c.connFrameRate = 0;
    c.connByteRate = 0;
    c.userFrameRate = 0;
    c.restRate = 0;
    c.restAnonymousRate = 0;
    c.rateLimitCloseAfter = 0;
}

QJsonObject ping(qint64 id, const QByteArray &pad = {})
{
    QJsonObject f {{QStringLiteral("type"), QStringLiteral("ping")}, {QStringLiteral("id"), id}};
    if (!pad.isEmpty())
        f.insert(QStringLiteral("pad"), QString::fromLatin1(pad));
    return f;
}

// The answer (pong or error) to each id in ids, waiting up to timeoutMs for all of them.
QHash<qint64, QJsonObject> answers(WsClient &c, const QList<qint64> &ids, int timeoutMs = 10000)
{
    QHash<qint64, QJsonObject> out;
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        out.clear();
        for (const QJsonObject &e : c.events()) {
            const qint64 id = e.value(QStringLiteral("id")).toInteger();
            const QString type = str(e, "type");
            if (ids.contains(id)
                && (type == QLatin1StringView("pong") || type == QLatin1StringView("error")))
                out.insert(id, e);
        }
        if (out.size() == ids.size())
            return out;
        QTest::qWait(5);
    }
    return out;
}

int countCode(const QHash<qint64, QJsonObject> &a, const char *code)
{
    int n = 0;
    for (const QJsonObject &e : a)
        n += errorCode(e) == QLatin1StringView(code);
    return n;
}

int countPongs(const QHash<qint64, QJsonObject> &a)
{
    int n = 0;
    for (const QJsonObject &e : a)
        n += str(e, "type") == QLatin1StringView("pong");
    return n;
}

QString restErrorCode(const HttpResult &r)
{
    return r.json.value(QStringLiteral("error"))
        .toObject()
        .value(QStringLiteral("code"))
        .toString();
}

} // namespace

class tst_RateLimit : public QObject
{
    Q_OBJECT

private slots:
    void connectionFramesTripAndRecover();
    void connectionBytesTripAndRecover();
    void userLimitSpansConnections();
    void expensiveRequestsCostMore();
    void sustainedAbuseCloses4029();
    void restLimitsPerPrincipal();
    void storeQueueFullAnswersUnavailable_data() { addBackendRows(); }
    void storeQueueFullAnswersUnavailable();
    void storeRefusalAfterFrontCheck_data() { addBackendRows(); }
    void storeRefusalAfterFrontCheck();
    void closedSessionHistoryReadsCancelled_data() { addBackendRows(); }
    void closedSessionHistoryReadsCancelled();
    void preActivationBufferBounded();
    void defaultsDoNotTripNormalUse();
};

void tst_RateLimit::connectionFramesTripAndRecover()
{
    const QString backend = QStringLiteral("sqlite");
    TestServer server(backend, [](Config &c) {
        noLimits(c);
        c.connFrameRate = 1;
        c.connFrameBurst = 5;
    });
    START_SERVER(server);
    auto c = connectAs(server, 1);
    QVERIFY(c);
    QList<qint64> ids;
    for (qint64 id = 1; id <= 8; ++id) {
        c->send(ping(id));
        ids << id;
    }
    const auto a = answers(*c, ids);
    QCOMPARE(a.size(), 8);
    QVERIFY2(countPongs(a) >= 5 && countPongs(a) <= 6, qPrintable(QString::number(countPongs(a))));
    QVERIFY(countCode(a, "RATE_LIMITED") >= 2);
    // The refusal names the request and says when to come back.
    const QJsonObject refused = a.value(8);
    QCOMPARE(errorCode(refused), QStringLiteral("RATE_LIMITED"));
    QCOMPARE(num(refused, "id"), 8);
    const qint64 retry = num(refused, "retry_after_ms");
    QVERIFY2(retry > 0 && retry <= 1000, qPrintable(QString::number(retry)));
    QVERIFY(c->isConnected());

    QTest::qWait(int(retry) + 50);
    c->send(ping(100));
    const auto after = answers(*c, {100});
    QCOMPARE(str(after.value(100), "type"), QStringLiteral("pong"));
}

void tst_RateLimit::connectionBytesTripAndRecover()
{
    const QString backend = QStringLiteral("sqlite");
    TestServer server(backend, [](Config &c) {
        noLimits(c);
        c.connByteRate = 2048;
        c.connByteBurst = 4096;
    });
    START_SERVER(server);
    auto c = connectAs(server, 1);
    QVERIFY(c);
    const QByteArray pad(3000, 'x');
    c->send(ping(1, pad));
    QCOMPARE(str(answers(*c, {1}).value(1), "type"), QStringLiteral("pong"));
    c->send(ping(2, pad));
    const QJsonObject refused = answers(*c, {2}).value(2);
    QCOMPARE(errorCode(refused), QStringLiteral("RATE_LIMITED"));
    const qint64 retry = num(refused, "retry_after_ms");
    QVERIFY2(retry > 0 && retry <= 1500, qPrintable(QString::number(retry)));
    // Small frames still fit meanwhile.
    c->send(ping(3));
    QCOMPARE(str(answers(*c, {3}).value(3), "type"), QStringLiteral("pong"));
    QTest::qWait(int(retry) + 50);
    c->send(ping(4, pad));
    QCOMPARE(str(answers(*c, {4}).value(4), "type"), QStringLiteral("pong"));
}

void tst_RateLimit::userLimitSpansConnections()
{
    const QString backend = QStringLiteral("sqlite");
    TestServer server(backend, [](Config &c) {
        noLimits(c);
        c.userFrameRate = 1;
        c.userFrameBurst = 6;
    });
    START_SERVER(server);
    auto a = connectAs(server, 7);
    auto b = connectAs(server, 7);
    auto other = connectAs(server, 8);
    QVERIFY(a && b && other);
    for (qint64 id = 1; id <= 4; ++id)
        a->send(ping(id));
    const auto fromA = answers(*a, {1, 2, 3, 4});
    QCOMPARE(countPongs(fromA), 4);
    for (qint64 id = 11; id <= 14; ++id)
        b->send(ping(id));
    const auto fromB = answers(*b, {11, 12, 13, 14});
    QCOMPARE(fromB.size(), 4);
    // The second connection has what the first left over (two, plus a refill at most).
    QVERIFY2(countPongs(fromB) <= 3, qPrintable(QString::number(countPongs(fromB))));
    QVERIFY(countCode(fromB, "RATE_LIMITED") >= 1);
    // Another user is not affected.
    other->send(ping(21));
    QCOMPARE(str(answers(*other, {21}).value(21), "type"), QStringLiteral("pong"));
}

void tst_RateLimit::expensiveRequestsCostMore()
{
    const QString backend = QStringLiteral("sqlite");
    TestServer server(backend, [](Config &c) {
        noLimits(c);
        c.connFrameRate = 1;
        c.connFrameBurst = 25;
        c.expensiveRequestCost = 10;
    });
    START_SERVER(server);
    auto c = connectAs(server, 1);
    QVERIFY(c);
    QCOMPARE(str(request(*c, "history", {}, "history"), "type"), QStringLiteral("history"));
    QCOMPARE(str(request(*c, "room_list", {}, "rooms"), "type"), QStringLiteral("rooms"));
    // 5 tokens left: a third expensive request is refused, a ping (cost 1) is not.
    const QJsonObject refused = request(
        *c, "presence_query", {{QStringLiteral("user_ids"), QJsonArray {2}}}, "presence_list");
    QCOMPARE(errorCode(refused), QStringLiteral("RATE_LIMITED"));
    QVERIFY(num(refused, "retry_after_ms") >= 4000);
    QCOMPARE(str(request(*c, "ping", {}, "pong"), "type"), QStringLiteral("pong"));
}

void tst_RateLimit::sustainedAbuseCloses4029()
{
    const QString backend = QStringLiteral("sqlite");
    TestServer server(backend, [](Config &c) {
        noLimits(c);
        c.connFrameRate = 1;
        c.connFrameBurst = 2;
        c.rateLimitCloseAfter = 5;
    });
    START_SERVER(server);
    auto c = connectAs(server, 1);
    QVERIFY(c);
    for (qint64 id = 1; id <= 30; ++id)
        c->send(ping(id));
    QCOMPARE(c->waitClosed(10000), 4029);
    int refused = 0;
    for (const QJsonObject &e : c->events())
        refused += errorCode(e) == QLatin1StringView("RATE_LIMITED");
    QVERIFY2(refused >= 3 && refused <= 6, qPrintable(QString::number(refused)));
}

void tst_RateLimit::restLimitsPerPrincipal()
{
    const QString backend = QStringLiteral("sqlite");
    TestServer server(backend, [](Config &c) {
        noLimits(c);
        c.restRate = 1;
        c.restBurst = 3;
        c.restAnonymousRate = 1;
        c.restAnonymousBurst = 2;
    });
    START_SERVER(server);
    const QByteArray alice = server.token(1, QStringLiteral("alice"));
    const QByteArray bob = server.token(2, QStringLiteral("bob"));
    const QUrl rooms = server.httpUrl(QStringLiteral("/api/v1/rooms"));
    HttpResult r;
    for (int i = 0; i < 3; ++i) {
        r = http("GET", rooms, {}, alice);
        QCOMPARE(r.status, 200);
    }
    r = http("GET", rooms, {}, alice);
    QCOMPARE(r.status, 429);
    QCOMPARE(restErrorCode(r), QStringLiteral("RATE_LIMITED"));
    const qint64 retryMs = r.json.value(QStringLiteral("error"))
                               .toObject()
                               .value(QStringLiteral("retry_after_ms"))
                               .toInteger();
    QVERIFY2(retryMs > 0 && retryMs <= 1000, qPrintable(QString::number(retryMs)));
    QCOMPARE(r.header("Retry-After"), QByteArray("1"));
    // Another principal has a bucket of its own.
    QCOMPARE(http("GET", rooms, {}, bob).status, 200);
    QTest::qWait(int(retryMs) + 50);
    QCOMPARE(http("GET", rooms, {}, alice).status, 200);

    // Anonymous callers are limited by address.
    const QUrl health = server.httpUrl(QStringLiteral("/healthz"));
    QCOMPARE(http("GET", health).status, 200);
    QCOMPARE(http("GET", health).status, 200);
    r = http("GET", health);
    QCOMPARE(r.status, 429);
    QCOMPARE(restErrorCode(r), QStringLiteral("RATE_LIMITED"));
    QVERIFY(!r.header("Retry-After").isEmpty());
}

void tst_RateLimit::storeQueueFullAnswersUnavailable()
{
    QFETCH(QString, backend);
    TestServer server(backend, [](Config &c) { c.storeMaxQueue = 2; });
    START_SERVER(server);
    AsyncStore *store = server.app()->store();
    auto c = connectAs(server, 1);
    QVERIFY(c);
    const QByteArray token = server.token(1, QStringLiteral("alice"));
    {
        StoreGate gate(store);
        QVERIFY(gate.holding());
        QObject context;
        for (int i = 0; i < 2; ++i)
            QVERIFY(store->read<int>(
                &context, [](Store &) { return 1; }, [](std::optional<int>, QString) {}));
        QVERIFY(store->saturated());

        const QJsonObject history = request(*c, "history", {}, "history");
        QCOMPARE(errorCode(history), QStringLiteral("UNAVAILABLE"));
        QVERIFY(num(history, "retry_after_ms") > 0);
        const QJsonObject send = request(
            *c, "send",
            {{QStringLiteral("to"), 2}, {QStringLiteral("content"), QStringLiteral("hi")}}, "ack");
        QCOMPARE(errorCode(send), QStringLiteral("UNAVAILABLE"));
        // A request that does not need the store is still answered.
        QCOMPARE(str(request(*c, "ping", {}, "pong"), "type"), QStringLiteral("pong"));

        const HttpResult r
            = http("GET", server.httpUrl(QStringLiteral("/api/v1/rooms")), {}, token);
        QCOMPARE(r.status, 503);
        QCOMPARE(restErrorCode(r), QStringLiteral("UNAVAILABLE"));
        QVERIFY(!r.header("Retry-After").isEmpty());
        QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/healthz"))).status, 200);
    }
    QTRY_VERIFY(!store->saturated());
    QCOMPARE(str(request(*c, "history", {}, "history"), "type"), QStringLiteral("history"));
    QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/api/v1/rooms")), {}, token).status, 200);
}

// The front check (saturated()) and the store's own admission are two moments: work that
// passed the first can still be refused by the second when others filled the queue meanwhile.
// That refusal is back-pressure too (UNAVAILABLE with a retry hint), not a processing error.
// The services are called directly here, as a request that passed the front check does.
void tst_RateLimit::storeRefusalAfterFrontCheck()
{
    QFETCH(QString, backend);
    TestServer server(backend, [](Config &c) { c.storeMaxQueue = 2; });
    START_SERVER(server);
    AsyncStore *store = server.app()->store();
    const Sender alice {1, QStringLiteral("alice"), false, 0};
    const Sender admin {0, QString(), true, 0};
    std::optional<RoomView> created;
    Protocol::RoomSettingsRequest create;
    create.roomId = QStringLiteral("race");
    server.app()->rooms()->create(
        admin, create, store,
        [&](std::optional<RoomView> v, std::optional<RoomFailure>) { created = v; });
    QTRY_VERIFY(created);

    StoreGate gate(store);
    QVERIFY(gate.holding());
    QObject context;
    for (int i = 0; i < 2; ++i)
        QVERIFY(store->read<int>(
            &context, [](Store &) { return 1; }, [](std::optional<int>, QString) {}));
    QVERIFY(store->saturated());

    std::optional<SendFailure> direct, room;
    bool directDone = false, roomDone = false;
    server.app()->messages()->sendToUser(
        alice, 1, MessageKind::Direct,
        QJsonObject {{QStringLiteral("content"), QStringLiteral("hi")}}, QString(), &context,
        [&](std::optional<SendOutcome>, std::optional<SendFailure> f) {
            direct = f;
            directDone = true;
        });
    Protocol::RoomSendRequest post;
    post.roomId = QStringLiteral("race");
    post.content = QStringLiteral("hi");
    server.app()->rooms()->post(admin, post, &context,
                                [&](std::optional<SendOutcome>, std::optional<SendFailure> f) {
                                    room = f;
                                    roomDone = true;
                                });
    QTRY_VERIFY(directDone && roomDone);
    QVERIFY(direct && room);
    QCOMPARE(Protocol::errorCodeName(direct->code), QLatin1StringView("UNAVAILABLE"));
    QVERIFY(direct->retryAfterMs > 0);
    QCOMPARE(Protocol::errorCodeName(room->code), QLatin1StringView("UNAVAILABLE"));
    QVERIFY(room->retryAfterMs > 0);
}

// Found: 100 `history` frames sent and then a disconnect delayed other users' sends by 2.9 s,
// since every read still ran after its session was gone.
void tst_RateLimit::closedSessionHistoryReadsCancelled()
{
    QFETCH(QString, backend);
    TestServer server(backend, noLimits);
    START_SERVER(server);
    AsyncStore *store = server.app()->store();
    auto abuser = connectAs(server, 1);
    auto sender = connectAs(server, 2);
    auto receiver = connectAs(server, 3);
    QVERIFY(abuser && sender && receiver);
    // The batched write that records these token users goes first, not into the count below.
    server.app()->knownUsers()->flush();
    QTRY_COMPARE(store->queuedJobs(), 0);
    const qint64 cancelledBefore = store->cancelledReads();
    QJsonObject ack;
    {
        StoreGate gate(store);
        QVERIFY(gate.holding());
        for (int i = 0; i < 100; ++i)
            abuser->send(frame("history", {{QStringLiteral("id"), i + 1}}));
        QTRY_COMPARE_WITH_TIMEOUT(store->queuedJobs(), 100, 10000);
        abuser->socket().close();
        QTRY_COMPARE_WITH_TIMEOUT(server.app()->hub()->connectionCount(), 2, 10000);
        // The other user's message queues behind the abuser's reads.
        sender->send(frame("send",
                           {{QStringLiteral("id"), 1},
                            {QStringLiteral("to"), 3},
                            {QStringLiteral("content"), QStringLiteral("still fast")}}));
        QTRY_COMPARE_WITH_TIMEOUT(store->queuedJobs(), 101, 10000);
    }
    QElapsedTimer sent;
    sent.start();
    ack = sender->waitFor(QStringLiteral("ack"), 10000);
    QVERIFY(!ack.isEmpty());
    QVERIFY(!receiver->waitFor(QStringLiteral("message"), 10000).isEmpty());
    // Structural: none of the closed session's reads ran.
    QCOMPARE(store->cancelledReads() - cancelledBefore, 100);
    QVERIFY2(sent.elapsed() < 2000, qPrintable(QString::number(sent.elapsed())));
}

void tst_RateLimit::preActivationBufferBounded()
{
    const QString backend = QStringLiteral("sqlite");
    TestServer server(backend, [](Config &c) {
        noLimits(c);
        c.maxPendingFrames = 5;
    });
    START_SERVER(server);
    AsyncStore *store = server.app()->store();
    WsClient patient, flooder;
    {
        StoreGate gate(store);
        QVERIFY(gate.holding());
        // Both sessions wait for their activation read, which waits for the gate.
        QVERIFY(patient.open(server.wsUrl(QString::fromLatin1(server.token(1)))));
        QVERIFY(flooder.open(server.wsUrl(QString::fromLatin1(server.token(2)))));
        for (qint64 id = 1; id <= 3; ++id)
            patient.send(ping(id));
        for (qint64 id = 1; id <= 50; ++id)
            flooder.send(ping(id));
        QCOMPARE(flooder.waitClosed(10000), 4029);
        QVERIFY(patient.isConnected());
    }
    QVERIFY(!patient.waitFor(QStringLiteral("connected"), 10000).isEmpty());
    QCOMPARE(countPongs(answers(patient, {1, 2, 3})), 3);
}

// The shipped defaults let a client do a lot before anything trips: 500 pings in a burst on
// one connection and 50 history pages are all answered.
void tst_RateLimit::defaultsDoNotTripNormalUse()
{
    const QString backend = QStringLiteral("sqlite");
    TestServer server(backend);
    START_SERVER(server);
    auto c = connectAs(server, 1);
    QVERIFY(c);
    QList<qint64> ids;
    for (qint64 id = 1; id <= 500; ++id) {
        c->send(ping(id));
        ids << id;
    }
    for (qint64 id = 501; id <= 530; ++id) {
        c->send(frame("history", {{QStringLiteral("id"), id}}));
    }
    QCOMPARE(countPongs(answers(*c, ids, 20000)), 500);
    QVERIFY(!c->waitFor(QStringLiteral("history"), 10000).isEmpty());
    for (const QJsonObject &e : c->events())
        QVERIFY2(errorCode(e).isEmpty(), qPrintable(str(e, "code")));
}

QTEST_GUILESS_MAIN(tst_RateLimit)
#include "tst_ratelimit.moc"
