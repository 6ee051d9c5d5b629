// SPDX-License-Identifier: MIT
// IP access rules (issue 12) against a real server on loopback, on SQLite and PostgreSQL: a
// deny rule refuses new connections at accept time (WebSocket and REST, both transports) and on
// an open keep-alive connection, an allow rule carves an exception out of a deny (allow-list
// mode), an expiring rule drops out by itself, the preview's counts are exactly what saving
// cuts (close 4005 with a reason), the self-lockout answer (409) and `force`, validation
// errors, the rule limit, admins only, rules kept over a restart, IPv4-mapped and IPv6 peers.
#include "testsupport.h"

#include "config/config.h"
#include "io/accessruleset.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpSocket>
#include <QTest>

using namespace Switchboard;
using namespace Switchboard::Test;

namespace {

// A TCP client from a chosen loopback source address (QWebSocket and QNetworkAccessManager
// cannot choose theirs): raw HTTP requests, or a WebSocket upgrade and the server's frames.
class RawClient
{
public:
    // False when the connection could not be made at all.
    bool connectFrom(const QHostAddress &from, const QHostAddress &to, quint16 port)
    {
        if (!m_socket.bind(from, 0))
            return false;
        m_socket.connectToHost(to, port);
        return m_socket.waitForConnected(5000);
    }
    // The status of one HTTP request on this connection; 0 when the server closed it without
    // an answer (refused). Keeps the connection open (keep-alive).
    int request(const QByteArray &method, const QByteArray &path, const QByteArray &headers = {},
                const QByteArray &body = {}, QJsonObject *json = nullptr)
    {
        m_socket.write(method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers
                       + "Content-Type: application/json\r\nContent-Length: "
                       + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        QDeadlineTimer deadline(5000);
        qsizetype end = -1;
        qsizetype length = -1;
        while (!deadline.hasExpired()) {
            m_buffer += m_socket.readAll();
            end = m_buffer.indexOf("\r\n\r\n");
            if (end >= 0) {
                const QByteArray head = m_buffer.left(end).toLower();
                const qsizetype at = head.indexOf("content-length:");
                length = at < 0
                    ? 0
                    : head.mid(at + 15, head.indexOf('\r', at) - at - 15).trimmed().toLongLong();
                if (m_buffer.size() >= end + 4 + length)
                    break;
            }
            if (m_socket.state() != QAbstractSocket::ConnectedState
                && m_socket.bytesAvailable() == 0)
                break;
            QTest::qWait(5);
        }
        if (end < 0 || !m_buffer.startsWith("HTTP/1.1 "))
            return 0;
        const int status = m_buffer.mid(9, 3).toInt();
        if (json)
            *json = QJsonDocument::fromJson(m_buffer.mid(end + 4, length)).object();
        m_buffer.remove(0, end + 4 + std::max<qsizetype>(length, 0));
        return status;
    }
    // Upgrades to a WebSocket (token in the query, or none); true on a 101.
    bool upgrade(const QByteArray &token = {})
    {
        m_socket.write("GET /ws" + (token.isEmpty() ? QByteArray() : "?token=" + token)
                       + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                         "Sec-WebSocket-Version: 13\r\n\r\n");
        QDeadlineTimer deadline(5000);
        while (!m_buffer.contains("\r\n\r\n") && !deadline.hasExpired()
               && m_socket.state() == QAbstractSocket::ConnectedState) {
            QTest::qWait(5);
            m_buffer += m_socket.readAll();
        }
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0 || !m_buffer.startsWith("HTTP/1.1 101"))
            return false;
        m_buffer.remove(0, end + 4);
        return true;
    }
    // The next text frame of this type; empty on timeout.
    QJsonObject waitFor(const QString &type, int timeoutMs = 5000)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired()) {
            readFrames();
            for (qsizetype i = 0; i < m_events.size(); ++i) {
                if (m_events.at(i).value(QLatin1StringView("type")).toString() == type)
                    return m_events.takeAt(i);
            }
            QTest::qWait(5);
        }
        return {};
    }
    // The close code the server sent (-1: none within the time). The close is not answered:
    // a hostile client that lingers.
    int waitClosed(int timeoutMs = 5000)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (m_closeCode < 0 && !deadline.hasExpired()) {
            readFrames();
            if (m_closeCode < 0)
                QTest::qWait(5);
        }
        return m_closeCode;
    }
    QString closeReason() const { return m_closeReason; }
    bool dropped() const { return m_socket.state() != QAbstractSocket::ConnectedState; }

private:
    void readFrames()
    {
        m_buffer += m_socket.readAll();
        while (m_buffer.size() >= 2) {
            const quint8 opcode = quint8(m_buffer.at(0)) & 0x0f;
            quint64 length = quint8(m_buffer.at(1)) & 0x7f;
            qsizetype header = 2;
            if (length == 126) {
                if (m_buffer.size() < 4)
                    return;
                length = (quint8(m_buffer.at(2)) << 8) | quint8(m_buffer.at(3));
                header = 4;
            } else if (length == 127) {
                return; // no frame this test meets is that large
            }
            if (quint64(m_buffer.size()) < header + length)
                return;
            const QByteArray payload = m_buffer.mid(header, qsizetype(length));
            m_buffer.remove(0, header + qsizetype(length));
            if (opcode == 0x1) {
                m_events.append(QJsonDocument::fromJson(payload).object());
            } else if (opcode == 0x8 && payload.size() >= 2) {
                m_closeCode = (quint8(payload.at(0)) << 8) | quint8(payload.at(1));
                m_closeReason = QString::fromUtf8(payload.mid(2));
            }
        }
    }

    QTcpSocket m_socket;
    QByteArray m_buffer;
    QList<QJsonObject> m_events;
    int m_closeCode = -1;
    QString m_closeReason;
};

QHostAddress loopback(const char *address)
{
    return QHostAddress(QString::fromLatin1(address));
}

// A welcomed WebSocket of `userId` (0: unauthenticated, waiting for its auth frame) from a
// loopback source address; nullptr when refused.
std::unique_ptr<RawClient> wsFrom(TestServer &server, const char *from, qint64 userId,
                                  const QHostAddress &to = QHostAddress(QHostAddress::LocalHost))
{
    auto c = std::make_unique<RawClient>();
    if (!c->connectFrom(loopback(from), to, server.port()))
        return nullptr;
    if (!c->upgrade(userId > 0 ? server.token(userId) : QByteArray()))
        return nullptr;
    if (userId > 0 && c->waitFor(QStringLiteral("connected")).isEmpty())
        return nullptr;
    return c;
}

// The status of GET /healthz from a loopback source address (0 = refused).
int healthFrom(TestServer &server, const char *from,
               const QHostAddress &to = QHostAddress(QHostAddress::LocalHost))
{
    RawClient c;
    if (!c.connectFrom(loopback(from), to, server.port()))
        return 0;
    return c.request("GET", "/healthz");
}

QByteArray apiKey(TestServer &server)
{
    return "Authorization: Bearer " + server.config().apiKey.toUtf8() + "\r\n";
}

// An admin REST call from 127.0.0.1 with the API key (QNetworkAccessManager).
HttpResult admin(TestServer &server, const QByteArray &method, const QString &path,
                 const QJsonObject &body = {})
{
    const QByteArray token = server.token(100, QStringLiteral("root"), true);
    return method == "GET" || method == "DELETE"
        ? http(method, server.httpUrl(path), {}, token)
        : httpJson(method, server.httpUrl(path), body, token);
}

QJsonObject rule(const char *action, const char *cidr, qint64 expiresAt = 0, bool force = false)
{
    QJsonObject r {{QStringLiteral("action"), QString::fromLatin1(action)},
                   {QStringLiteral("cidr"), QString::fromLatin1(cidr)}};
    if (expiresAt > 0)
        r.insert(QStringLiteral("expires_at"), expiresAt);
    if (force)
        r.insert(QStringLiteral("force"), true);
    return r;
}

QString errorOf(const HttpResult &r)
{
    return r.json.value(QLatin1StringView("error"))
        .toObject()
        .value(QLatin1StringView("code"))
        .toString();
}

QString messageOf(const HttpResult &r)
{
    return r.json.value(QLatin1StringView("error"))
        .toObject()
        .value(QLatin1StringView("message"))
        .toString();
}

QStringList storedCidrs(TestServer &server)
{
    QStringList cidrs;
    const HttpResult r = admin(server, "GET", QStringLiteral("/api/v1/access/rules"));
    for (const QJsonValue &v : r.json.value(QLatin1StringView("rules")).toArray())
        cidrs << v.toObject().value(QLatin1StringView("cidr")).toString();
    return cidrs;
}

void addBackendAndTransportRows()
{
    QTest::addColumn<QString>("backend");
    QTest::addColumn<bool>("native");
    for (const char *backend : {"sqlite", "postgres"}) {
        QTest::addRow("%s-native", backend) << QString::fromLatin1(backend) << true;
        QTest::addRow("%s-qt", backend) << QString::fromLatin1(backend) << false;
    }
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

class TestAccessRules : public QObject
{
    Q_OBJECT

private slots:
    void precedence_data();
    void precedence();
    void networkParsing_data();
    void networkParsing();
    void denyRefusesAtAccept_data() { addBackendAndTransportRows(); }
    void denyRefusesAtAccept();
    void allowCarvesAnExceptionOutOfADeny_data() { addBackendRows(); }
    void allowCarvesAnExceptionOutOfADeny();
    void previewCountsAreWhatSavingCuts_data() { addBackendAndTransportRows(); }
    void previewCountsAreWhatSavingCuts();
    void selfLockoutNeedsForce_data() { addBackendRows(); }
    void selfLockoutNeedsForce();
    void expiryDropsARuleByItself_data() { addBackendRows(); }
    void expiryDropsARuleByItself();
    void validationErrors_data();
    void validationErrors();
    void tooManyRules_data() { addBackendRows(); }
    void tooManyRules();
    void adminsOnly_data() { addBackendRows(); }
    void adminsOnly();
    void rulesSurviveARestart_data() { addBackendRows(); }
    void rulesSurviveARestart();
    void dualStackPeers_data() { addBackendRows(); }
    void dualStackPeers();
};

void TestAccessRules::precedence_data()
{
    QTest::addColumn<QStringList>("rules"); // "deny 10.0.0.0/8", ... (ids 1, 2, ...)
    QTest::addColumn<QString>("peer");
    QTest::addColumn<qint64>("decidingRule"); // 0 = no rule matches
    QTest::addColumn<bool>("refused");

    const QStringList denyAllButOne {QStringLiteral("deny 10.0.0.0/8"),
                                     QStringLiteral("allow 10.1.2.3/32")};
    QTest::newRow("most specific allow wins") << denyAllButOne << "10.1.2.3" << 2LL << false;
    QTest::newRow("deny covers the rest") << denyAllButOne << "10.1.2.4" << 1LL << true;
    QTest::newRow("no match is admitted") << denyAllButOne << "192.0.2.1" << 0LL << false;
    const QStringList specificDeny {QStringLiteral("allow 10.0.0.0/8"),
                                    QStringLiteral("deny 10.9.0.0/16")};
    QTest::newRow("most specific deny wins") << specificDeny << "10.9.1.1" << 2LL << true;
    const QStringList tie {QStringLiteral("allow 10.0.0.0/8"), QStringLiteral("deny 10.0.0.0/8")};
    QTest::newRow("same network: deny wins") << tie << "10.5.5.5" << 2LL << true;
    const QStringList v4 {QStringLiteral("deny 127.0.0.2/32")};
    QTest::newRow("IPv4-mapped peer, IPv4 rule") << v4 << "::ffff:127.0.0.2" << 1LL << true;
    const QStringList mapped {QStringLiteral("deny ::ffff:127.0.0.0/120")};
    QTest::newRow("IPv4-mapped rule, IPv4 peer") << mapped << "127.0.0.9" << 1LL << true;
    const QStringList v6 {QStringLiteral("deny 2001:db8::/32"),
                          QStringLiteral("allow 2001:db8:1::/48")};
    QTest::newRow("IPv6 deny") << v6 << "2001:db8:2::1" << 1LL << true;
    QTest::newRow("IPv6 allow inside") << v6 << "2001:db8:1::1" << 2LL << false;
    const QStringList allV6 {QStringLiteral("deny ::/0")};
    QTest::newRow("::/0 is IPv6 only") << allV6 << "192.0.2.1" << 0LL << false;
    QTest::newRow("::/0 refuses IPv6") << allV6 << "::1" << 1LL << true;
    const QStringList allV4 {QStringLiteral("deny 0.0.0.0/0")};
    QTest::newRow("0.0.0.0/0 covers mapped peers") << allV4 << "::ffff:198.51.100.1" << 1LL << true;
}

void TestAccessRules::precedence()
{
    QFETCH(QStringList, rules);
    QFETCH(QString, peer);
    QFETCH(qint64, decidingRule);
    QFETCH(bool, refused);
    QList<Io::AccessRuleEntry> entries;
    for (const QString &r : rules) {
        QString error;
        const auto network = Io::IpNetwork::parse(r.section(QLatin1Char(' '), 1), &error);
        QVERIFY2(network, qPrintable(error));
        entries.append({entries.size() + 1, r.startsWith(QLatin1StringView("deny")), *network});
    }
    const Io::AccessRuleSet set(entries);
    const auto match = set.match(QHostAddress(peer));
    QCOMPARE(match ? match->ruleId : 0, decidingRule);
    QCOMPARE(set.refuses(QHostAddress(peer)), refused);
}

void TestAccessRules::networkParsing_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("normal"); // empty = refused
    QTest::addColumn<QString>("errorPart");
    QTest::newRow("v4") << " 10.0.0.0/8 "
                        << "10.0.0.0/8"
                        << "";
    QTest::newRow("v4 host") << "192.0.2.7"
                             << "192.0.2.7/32"
                             << "";
    QTest::newRow("v6") << "2001:DB8::/32"
                        << "2001:db8::/32"
                        << "";
    QTest::newRow("mapped") << "::ffff:10.0.0.0/104"
                            << "10.0.0.0/8"
                            << "";
    QTest::newRow("host bits") << "10.1.2.3/8"
                               << ""
                               << "the network is 10.0.0.0/8";
    QTest::newRow("v6 host bits") << "2001:db8::1/32"
                                  << ""
                                  << "the network is 2001:db8::/32";
    QTest::newRow("prefix too long") << "10.0.0.0/33"
                                     << ""
                                     << "0-32";
    QTest::newRow("v6 prefix too long") << "::/129"
                                        << ""
                                        << "0-128";
    QTest::newRow("mask notation") << "10.0.0.0/255.0.0.0"
                                   << ""
                                   << "prefix length";
    QTest::newRow("empty prefix") << "10.0.0.0/"
                                  << ""
                                  << "prefix length";
    QTest::newRow("octet") << "10.0.0.300/8"
                           << ""
                           << "not an IPv4 or IPv6";
    QTest::newRow("name") << "example.com"
                          << ""
                          << "not an IPv4 or IPv6";
    QTest::newRow("scope id") << "fe80::1%eth0"
                              << ""
                              << "not an IPv4 or IPv6";
    QTest::newRow("empty") << ""
                           << ""
                           << "not an IPv4 or IPv6";
}

void TestAccessRules::networkParsing()
{
    QFETCH(QString, text);
    QFETCH(QString, normal);
    QFETCH(QString, errorPart);
    QString error;
    const auto network = Io::IpNetwork::parse(text, &error);
    if (normal.isEmpty()) {
        QVERIFY(!network);
        QVERIFY2(error.contains(errorPart), qPrintable(error));
    } else {
        QVERIFY2(network, qPrintable(error));
        QCOMPARE(network->toString(), normal);
    }
}

void TestAccessRules::denyRefusesAtAccept()
{
    QFETCH(QString, backend);
    QFETCH(bool, native);
    TestServer server(backend, [native](Config &c) { c.nativeTransport = native; });
    START_SERVER(server);
    QCOMPARE(healthFrom(server, "127.0.0.2"), 200);
    // A keep-alive connection opened before the rule (REST on it must stop too).
    RawClient keepAlive;
    QVERIFY(keepAlive.connectFrom(loopback("127.0.0.2"), QHostAddress::LocalHost, server.port()));
    QCOMPARE(keepAlive.request("GET", "/healthz"), 200);

    const HttpResult r
        = admin(server, "POST", QStringLiteral("/api/v1/access/rules"), rule("deny", "127.0.0.2"));
    QCOMPARE(r.status, 201);
    QCOMPARE(str(r.json.value(QLatin1StringView("rule")).toObject(), "cidr"),
             QStringLiteral("127.0.0.2/32"));
    // New connections from there: closed before a byte, REST and WebSocket alike.
    QCOMPARE(healthFrom(server, "127.0.0.2"), 0);
    QVERIFY(!wsFrom(server, "127.0.0.2", 1));
    QCOMPARE(keepAlive.request("GET", "/healthz"), 0);
    // Other addresses are untouched.
    QCOMPARE(healthFrom(server, "127.0.0.3"), 200);
    QVERIFY(wsFrom(server, "127.0.0.3", 1));
    QVERIFY(connectAs(server, 2));
}

void TestAccessRules::allowCarvesAnExceptionOutOfADeny()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    // Allow-list mode: allow what may connect, deny the rest. The allow comes first, so the
    // deny does not refuse the operator (no 409).
    QCOMPARE(
        admin(server, "POST", QStringLiteral("/api/v1/access/rules"), rule("allow", "127.0.0.1/32"))
            .status,
        201);
    auto other = wsFrom(server, "127.0.0.2", 1);
    QVERIFY(other);
    const HttpResult deny = admin(server, "POST", QStringLiteral("/api/v1/access/rules"),
                                  rule("deny", "127.0.0.0/8"));
    QCOMPARE(deny.status, 201);
    QCOMPARE(other->waitClosed(), 4005);
    QCOMPARE(healthFrom(server, "127.0.0.1"), 200);
    QCOMPARE(healthFrom(server, "127.0.0.2"), 0);
    QVERIFY(connectAs(server, 3));
}

void TestAccessRules::previewCountsAreWhatSavingCuts()
{
    QFETCH(QString, backend);
    QFETCH(bool, native);
    TestServer server(backend, [native](Config &c) { c.nativeTransport = native; });
    START_SERVER(server);
    // From 127.0.0.2: users 11 (twice) and 12, and one connection not authenticated yet.
    std::vector<std::unique_ptr<RawClient>> cut;
    for (qint64 user : {11, 11, 12, 0}) {
        cut.push_back(wsFrom(server, "127.0.0.2", user));
        QVERIFY(cut.back());
    }
    auto stays = connectAs(server, 13); // from 127.0.0.1
    QVERIFY(stays);
    auto staysToo = wsFrom(server, "127.0.0.3", 11);
    QVERIFY(staysToo);

    const HttpResult preview = admin(server, "POST", QStringLiteral("/api/v1/access/rules/preview"),
                                     rule("deny", "127.0.0.2/32"));
    QCOMPARE(preview.status, 200);
    QCOMPARE(num(preview.json, "connections"), 4);
    QCOMPARE(num(preview.json, "users"), 2);
    QCOMPARE(num(preview.json, "addresses"), 1);
    QCOMPARE(preview.json.value(QLatin1StringView("cuts_caller")).toBool(true), false);
    QVERIFY(storedCidrs(server).isEmpty()); // a preview stores nothing

    const HttpResult saved = admin(server, "POST", QStringLiteral("/api/v1/access/rules"),
                                   rule("deny", "127.0.0.2/32"));
    QCOMPARE(saved.status, 201);
    const QJsonObject counts = saved.json.value(QLatin1StringView("cut")).toObject();
    QCOMPARE(num(counts, "connections"), num(preview.json, "connections"));
    QCOMPARE(num(counts, "users"), num(preview.json, "users"));
    QCOMPARE(num(counts, "addresses"), num(preview.json, "addresses"));
    for (const auto &c : cut) {
        QCOMPARE(c->waitClosed(), 4005);
        QCOMPARE(c->closeReason(), QStringLiteral("address refused by an access rule"));
    }
    QVERIFY(stays->isConnected());
    QVERIFY(staysToo->waitClosed(300) < 0);

    // The cut clients never answer the close: while they linger, the next preview still
    // counts only what a rule would newly cut.
    const HttpResult again = admin(server, "POST", QStringLiteral("/api/v1/access/rules/preview"),
                                   rule("deny", "127.0.0.0/30"));
    QCOMPARE(again.status, 200);
    QCOMPARE(num(again.json, "connections"), 2); // 127.0.0.1 (user 13) and 127.0.0.3 (user 11)
    QCOMPARE(num(again.json, "users"), 2);
    QCOMPARE(num(again.json, "addresses"), 2);
    QCOMPARE(again.json.value(QLatin1StringView("cuts_caller")).toBool(false), true);
}

void TestAccessRules::selfLockoutNeedsForce()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    auto own = connectAs(server, 21); // from 127.0.0.1, like the operator's REST calls
    QVERIFY(own);
    const HttpResult refused = admin(server, "POST", QStringLiteral("/api/v1/access/rules"),
                                     rule("deny", "127.0.0.0/24"));
    QCOMPARE(refused.status, 409);
    QCOMPARE(errorOf(refused), QStringLiteral("CONFLICT"));
    QVERIFY2(messageOf(refused).contains(QLatin1StringView("your own address 127.0.0.1"))
                 && messageOf(refused).contains(QLatin1StringView("\"force\":true")),
             qPrintable(messageOf(refused)));
    QVERIFY(storedCidrs(server).isEmpty());
    QVERIFY(own->isConnected());

    const HttpResult forced = admin(server, "POST", QStringLiteral("/api/v1/access/rules"),
                                    rule("deny", "127.0.0.0/24", 0, true));
    QCOMPARE(forced.status, 201);
    QCOMPARE(own->waitClosed(), 4005);
    QCOMPARE(healthFrom(server, "127.0.0.1"), 0); // locked out
    // Recovery from an address outside the rule.
    const qint64 id = num(forced.json.value(QLatin1StringView("rule")).toObject(), "id");
    RawClient outside;
    QVERIFY(outside.connectFrom(loopback("127.0.1.1"), QHostAddress::LocalHost, server.port()));
    QCOMPARE(
        outside.request("DELETE", "/api/v1/access/rules/" + QByteArray::number(id), apiKey(server)),
        204);
    QCOMPARE(healthFrom(server, "127.0.0.1"), 200);

    // Removing the allow rule that keeps the operator in is a lockout too.
    const HttpResult allow = admin(server, "POST", QStringLiteral("/api/v1/access/rules"),
                                   rule("allow", "127.0.0.1/32"));
    QCOMPARE(allow.status, 201);
    QCOMPARE(
        admin(server, "POST", QStringLiteral("/api/v1/access/rules"), rule("deny", "127.0.0.0/24"))
            .status,
        201);
    const QString allowPath
        = QStringLiteral("/api/v1/access/rules/%1")
              .arg(num(allow.json.value(QLatin1StringView("rule")).toObject(), "id"));
    const HttpResult kept = admin(server, "DELETE", allowPath);
    QCOMPARE(kept.status, 409);
    QVERIFY2(messageOf(kept).contains(QLatin1StringView("?force=true")),
             qPrintable(messageOf(kept)));
    QCOMPARE(storedCidrs(server).size(), 2);
    QCOMPARE(admin(server, "DELETE", allowPath + QStringLiteral("?force=true")).status, 204);
    QCOMPARE(healthFrom(server, "127.0.0.1"), 0);
}

void TestAccessRules::expiryDropsARuleByItself()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    // A deny that expires: refused now, admitted after, without a request or a restart.
    const qint64 denyUntil = nowMs() + 1500;
    QCOMPARE(admin(server, "POST", QStringLiteral("/api/v1/access/rules"),
                   rule("deny", "127.0.0.2/32", denyUntil))
                 .status,
             201);
    QCOMPARE(healthFrom(server, "127.0.0.2"), 0);
    QTRY_COMPARE_WITH_TIMEOUT(healthFrom(server, "127.0.0.2"), 200, 10000);
    QVERIFY(nowMs() >= denyUntil);
    QVERIFY(storedCidrs(server).isEmpty());

    // An allow that expires inside a deny: its live connections are cut when it goes.
    QCOMPARE(
        admin(server, "POST", QStringLiteral("/api/v1/access/rules"), rule("allow", "127.0.0.1/32"))
            .status,
        201);
    const qint64 allowUntil = nowMs() + 1500;
    QCOMPARE(admin(server, "POST", QStringLiteral("/api/v1/access/rules"),
                   rule("allow", "127.0.0.3/32", allowUntil))
                 .status,
             201);
    QCOMPARE(
        admin(server, "POST", QStringLiteral("/api/v1/access/rules"), rule("deny", "127.0.0.0/24"))
            .status,
        201);
    auto guest = wsFrom(server, "127.0.0.3", 31);
    QVERIFY(guest);
    QCOMPARE(guest->waitClosed(10000), 4005);
    QVERIFY(nowMs() >= allowUntil);
    QCOMPARE(healthFrom(server, "127.0.0.3"), 0);
    QCOMPARE(storedCidrs(server),
             (QStringList {QStringLiteral("127.0.0.1/32"), QStringLiteral("127.0.0.0/24")}));
    // Gone from the database too: a restart does not bring it back.
    server.stop();
    START_SERVER(server);
    QCOMPARE(storedCidrs(server).size(), 2);
}

void TestAccessRules::validationErrors_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("messagePart");
    QTest::newRow("not json") << QByteArray("{") << "";
    QTest::newRow("no action") << QByteArray(R"({"cidr":"10.0.0.0/8"})") << "'action'";
    QTest::newRow("bad action") << QByteArray(R"({"action":"block","cidr":"10.0.0.0/8"})")
                                << "'action' must be allow or deny";
    QTest::newRow("no cidr") << QByteArray(R"({"action":"deny"})") << "'cidr'";
    QTest::newRow("bad cidr") << QByteArray(R"({"action":"deny","cidr":"10.0.0.300/8"})")
                              << "not an IPv4 or IPv6 address";
    QTest::newRow("host bits") << QByteArray(R"({"action":"deny","cidr":"10.1.2.3/8"})")
                               << "host bits set: the network is 10.0.0.0/8";
    QTest::newRow("prefix") << QByteArray(R"({"action":"deny","cidr":"10.0.0.0/40"})") << "0-32";
    QTest::newRow("past expiry") << QByteArray(
        R"({"action":"deny","cidr":"10.0.0.0/8","expires_at":1000})")
                                 << "'expires_at' is in the past";
    QTest::newRow("expiry type") << QByteArray(
        R"({"action":"deny","cidr":"10.0.0.0/8","expires_at":"soon"})")
                                 << "'expires_at'";
    QTest::newRow("long note") << QByteArray(R"({"action":"deny","cidr":"10.0.0.0/8","note":")"
                                             + QByteArray(201, 'x') + "\"}")
                               << "'note' is longer than 200";
    QTest::newRow("note with a newline")
        << QByteArray(R"({"action":"deny","cidr":"10.0.0.0/8","note":"a\nFAKE LOG LINE"})")
        << "'note' must be one line without control characters";
    QTest::newRow("force type") << QByteArray(
        R"({"action":"deny","cidr":"10.0.0.0/8","force":"yes"})")
                                << "'force'";
}

void TestAccessRules::validationErrors()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, messagePart);
    const QString backend = QStringLiteral("sqlite"); // the checks come before the store
    TestServer server(backend);
    START_SERVER(server);
    const QByteArray token = server.token(100, QStringLiteral("root"), true);
    for (const char *path : {"/api/v1/access/rules", "/api/v1/access/rules/preview"}) {
        const HttpResult r = http("POST", server.httpUrl(QString::fromLatin1(path)), body, token);
        QCOMPARE(r.status, 400);
        QVERIFY2(errorOf(r) == QLatin1StringView("VALIDATION_ERROR")
                     || errorOf(r) == QLatin1StringView("INVALID_JSON"),
                 r.body.constData());
        QVERIFY2(messageOf(r).contains(messagePart), qPrintable(messageOf(r)));
    }
    QVERIFY(storedCidrs(server).isEmpty());
    const HttpResult missing = admin(server, "DELETE", QStringLiteral("/api/v1/access/rules/999"));
    QCOMPARE(missing.status, 404);
    const HttpResult badId = admin(server, "DELETE", QStringLiteral("/api/v1/access/rules/x"));
    QCOMPARE(badId.status, 400);
}

void TestAccessRules::tooManyRules()
{
    QFETCH(QString, backend);
    TestServer server(backend, [](Config &c) { c.maxAccessRules = 3; });
    START_SERVER(server);
    for (const char *cidr : {"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"}) {
        QCOMPARE(admin(server, "POST", QStringLiteral("/api/v1/access/rules"), rule("deny", cidr))
                     .status,
                 201);
    }
    const HttpResult over
        = admin(server, "POST", QStringLiteral("/api/v1/access/rules"), rule("deny", "10.0.0.0/8"));
    QCOMPARE(over.status, 409);
    QCOMPARE(errorOf(over), QStringLiteral("LIMIT_REACHED"));
    QVERIFY2(messageOf(over).contains(QLatin1StringView("max_access_rules"))
                 && messageOf(over).contains(QLatin1StringView("3")),
             qPrintable(messageOf(over)));
    QCOMPARE(storedCidrs(server).size(), 3);
}

void TestAccessRules::adminsOnly()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const QByteArray user = server.token(41);
    const QJsonObject body = rule("deny", "192.0.2.0/24");
    QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/api/v1/access/rules")), {}, user).status,
             403);
    QCOMPARE(
        httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/access/rules")), body, user).status,
        403);
    QCOMPARE(
        httpJson("POST", server.httpUrl(QStringLiteral("/api/v1/access/rules/preview")), body, user)
            .status,
        403);
    QCOMPARE(
        http("DELETE", server.httpUrl(QStringLiteral("/api/v1/access/rules/1")), {}, user).status,
        403);
    QCOMPARE(http("GET", server.httpUrl(QStringLiteral("/api/v1/access/rules"))).status, 401);
    QVERIFY(storedCidrs(server).isEmpty());
    // The API key is an operator.
    RawClient key;
    QVERIFY(key.connectFrom(loopback("127.0.0.1"), QHostAddress::LocalHost, server.port()));
    QCOMPARE(
        key.request("POST", "/api/v1/access/rules", apiKey(server), QJsonDocument(body).toJson()),
        201);
    QCOMPARE(storedCidrs(server), QStringList {QStringLiteral("192.0.2.0/24")});
}

void TestAccessRules::rulesSurviveARestart()
{
    QFETCH(QString, backend);
    TestServer server(backend);
    START_SERVER(server);
    const qint64 expires = nowMs() + 3600 * 1000;
    QJsonObject withNote = rule("allow", "2001:db8::/32", expires);
    withNote.insert(QStringLiteral("note"), QStringLiteral("partner 网络"));
    QCOMPARE(admin(server, "POST", QStringLiteral("/api/v1/access/rules"), withNote).status, 201);
    QCOMPARE(
        admin(server, "POST", QStringLiteral("/api/v1/access/rules"), rule("deny", "127.0.0.2"))
            .status,
        201);
    server.stop();
    START_SERVER(server);
    const HttpResult list = admin(server, "GET", QStringLiteral("/api/v1/access/rules"));
    QCOMPARE(list.status, 200);
    const QJsonArray rules = list.json.value(QLatin1StringView("rules")).toArray();
    QCOMPARE(rules.size(), 2);
    const QJsonObject first = rules.at(0).toObject();
    QCOMPARE(str(first, "action"), QStringLiteral("allow"));
    QCOMPARE(str(first, "cidr"), QStringLiteral("2001:db8::/32"));
    QCOMPARE(str(first, "note"), QStringLiteral("partner 网络"));
    QCOMPARE(num(first, "expires_at"), expires);
    QCOMPARE(str(first, "created_by"), QStringLiteral("root"));
    QVERIFY(num(first, "created_at") > 0);
    QVERIFY(rules.at(1).toObject().value(QLatin1StringView("expires_at")).isNull());
    QCOMPARE(healthFrom(server, "127.0.0.2"), 0); // applied from the start
    QCOMPARE(healthFrom(server, "127.0.0.3"), 200);
}

void TestAccessRules::dualStackPeers()
{
    QFETCH(QString, backend);
    // The native transport on "::" also takes IPv4 connections, reported as ::ffff:a.b.c.d.
    TestServer server(backend, [](Config &c) {
        c.nativeTransport = true;
        c.listenAddress = QHostAddress(QStringLiteral("::"));
    });
    START_SERVER(server);
    auto mapped = wsFrom(server, "127.0.0.2", 51);
    QVERIFY(mapped);
    auto v6 = wsFrom(server, "::1", 52, QHostAddress::LocalHostIPv6);
    QVERIFY(v6);
    const HttpResult preview = admin(server, "POST", QStringLiteral("/api/v1/access/rules/preview"),
                                     rule("deny", "127.0.0.2/32"));
    QCOMPARE(num(preview.json, "connections"), 1);
    QCOMPARE(
        admin(server, "POST", QStringLiteral("/api/v1/access/rules"), rule("deny", "127.0.0.2/32"))
            .status,
        201);
    QCOMPARE(mapped->waitClosed(), 4005);
    QCOMPARE(healthFrom(server, "127.0.0.2"), 0);
    QCOMPARE(healthFrom(server, "127.0.0.3"), 200);
    // A rule written in the mapped form is the IPv4 network.
    const HttpResult mappedRule = admin(server, "POST", QStringLiteral("/api/v1/access/rules"),
                                        rule("deny", "::ffff:127.0.0.3/128"));
    QCOMPARE(str(mappedRule.json.value(QLatin1StringView("rule")).toObject(), "cidr"),
             QStringLiteral("127.0.0.3/32"));
    QCOMPARE(healthFrom(server, "127.0.0.3"), 0);
    // IPv6 proper.
    QVERIFY(v6->waitClosed(200) < 0);
    const HttpResult v6Rule
        = admin(server, "POST", QStringLiteral("/api/v1/access/rules"), rule("deny", "::1/128"));
    QCOMPARE(num(v6Rule.json.value(QLatin1StringView("cut")).toObject(), "connections"), 1);
    QCOMPARE(v6->waitClosed(), 4005);
    QCOMPARE(healthFrom(server, "::1", QHostAddress::LocalHostIPv6), 0);
    QCOMPARE(healthFrom(server, "127.0.0.4"), 200);
}

QTEST_GUILESS_MAIN(TestAccessRules)
#include "tst_accessrules.moc"
