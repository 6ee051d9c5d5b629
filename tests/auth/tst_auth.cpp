// SPDX-License-Identifier: MIT
// Password hashing and its pool, JWT verification with a pinned algorithm (every refusal path,
// the attack suite), signing, the generated secret file, the failure throttle and the
// account-state cache.
#include "auth/accountcache.h"
#include "auth/auththrottle.h"
#include "auth/externalids.h"
#include "auth/passwordhasher.h"
#include "auth/passwordpool.h"
#include "auth/secretfile.h"
#include "auth/tokenservice.h"
#include "protocol/codec.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Switchboard;
using Switchboard::Protocol::MAX_EXTERNAL_ID_CHARS;

namespace {

const QByteArray SECRET = "0123456789abcdef0123456789abcdef-secret";
constexpr qint64 NOW = 1800000000;

QByteArray b64(const QByteArray &data)
{
    return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray part(const QJsonObject &o)
{
    return b64(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

// An HS256 token assembled by hand (any header, any claims, any key).
QByteArray hs256(const QJsonObject &header, const QJsonObject &payload, const QByteArray &key)
{
    const QByteArray signingInput = part(header) + '.' + part(payload);
    return signingInput + '.'
        + b64(QMessageAuthenticationCode::hash(signingInput, key, QCryptographicHash::Sha256));
}

QJsonObject hsHeader()
{
    return {{QStringLiteral("alg"), QStringLiteral("HS256")},
            {QStringLiteral("typ"), QStringLiteral("JWT")}};
}

QJsonObject claims(const QJsonValue &sub = QStringLiteral("42"), qint64 exp = NOW + 60)
{
    return {{QStringLiteral("sub"), sub}, {QStringLiteral("exp"), exp}};
}

TokenService hsService()
{
    TokenSettings s;
    s.secret = SECRET;
    return TokenService(s);
}

// The attack suite's service: HS256 with an issuer, an audience and a 30-day maximum lifetime.
const QString ISSUER = QStringLiteral("https://auth.example");
const QString AUDIENCE = QStringLiteral("switchboard");
constexpr qint64 DAY = 86400;

TokenSettings policySettings()
{
    TokenSettings s;
    s.secret = SECRET;
    s.issuer = ISSUER;
    s.audience = AUDIENCE;
    s.maxLifetimeSeconds = 30 * DAY;
    return s;
}

// Claims every policy check accepts; a row changes one thing.
QJsonObject good(std::initializer_list<std::pair<QString, QJsonValue>> changes = {})
{
    QJsonObject o {{QStringLiteral("sub"), QStringLiteral("42")},
                   {QStringLiteral("iat"), NOW - 10},
                   {QStringLiteral("exp"), NOW + 3600},
                   {QStringLiteral("iss"), ISSUER},
                   {QStringLiteral("aud"), AUDIENCE}};
    for (const auto &[key, value] : changes) {
        if (value.isUndefined())
            o.remove(key);
        else
            o.insert(key, value);
    }
    return o;
}

QJsonObject header(const QJsonValue &alg)
{
    QJsonObject h {{QStringLiteral("typ"), QStringLiteral("JWT")}};
    if (!alg.isUndefined())
        h.insert(QStringLiteral("alg"), alg);
    return h;
}

QByteArray withSignature(const QByteArray &token, const QByteArray &signature)
{
    return token.left(token.lastIndexOf('.') + 1) + signature;
}

constexpr int VALID = -1;

template<typename T> TokenError errorOf(const T &result)
{
    if (!std::holds_alternative<TokenError>(result))
        return TokenError(-1);
    return std::get<TokenError>(result);
}

} // namespace

class TestAuth : public QObject
{
    Q_OBJECT

    QTemporaryDir m_keys;
    bool m_haveOpenssl = false;

    bool openssl(const QStringList &args)
    {
        QProcess p;
        p.setWorkingDirectory(m_keys.path());
        p.start(QStringLiteral("openssl"), args);
        return p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit
            && p.exitCode() == 0;
    }
    QByteArray key(const QString &name)
    {
        QFile f(m_keys.filePath(name));
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

private slots:
    void initTestCase()
    {
        m_haveOpenssl = !QStandardPaths::findExecutable(QStringLiteral("openssl")).isEmpty();
        if (!m_haveOpenssl)
            return;
        QVERIFY(openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                         "rsa.pem"}));
        QVERIFY(openssl({"pkey", "-in", "rsa.pem", "-pubout", "-out", "rsa.pub"}));
        QVERIFY(openssl({"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                         "rsa2.pem"}));
        QVERIFY(openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                         "-out", "ec.pem"}));
        QVERIFY(openssl({"pkey", "-in", "ec.pem", "-pubout", "-out", "ec.pub"}));
    }

    void passwords()
    {
        const QString h = PasswordHasher::hash("correct horse");
        QVERIFY2(h.startsWith(QStringLiteral("$argon2id$")), qPrintable(h));
        QVERIFY(PasswordHasher::verify(h, "correct horse"));
        QVERIFY(!PasswordHasher::verify(h, "correct horsE"));
        QVERIFY(!PasswordHasher::verify(h, ""));
        QVERIFY(PasswordHasher::hash("correct horse") != h); // salted
        QVERIFY(!PasswordHasher::verify(QString(), "x"));
        QVERIFY(!PasswordHasher::verify(QStringLiteral("$argon2id$garbage"), "x"));
        QVERIFY(!PasswordHasher::verify(QString(500, QLatin1Char('a')), "x"));
        const QString empty = PasswordHasher::hash("");
        QVERIFY(PasswordHasher::verify(empty, ""));
    }

    void hs256RoundTrip()
    {
        const TokenService s = hsService();
        QVERIFY(s.canIssue());
        QString why;
        QVERIFY(s.isValid(&why));
        const QByteArray token
            = s.issue(TokenClaims {7, QStringLiteral("amélie"), true, 0, 0, 0}, NOW);
        QVERIFY(!token.isEmpty());
        const auto r = s.verify(token, NOW + 10);
        QVERIFY(std::holds_alternative<TokenClaims>(r));
        const TokenClaims c = std::get<TokenClaims>(r);
        QCOMPARE(c.userId, 7);
        QCOMPARE(c.username, QStringLiteral("amélie"));
        QVERIFY(c.admin);
        QCOMPARE(c.issuedAt, NOW);
        QCOMPARE(c.expiresAt, NOW + 86400);
        // A backend minting its own token with the shared secret; sub as a number.
        const auto backend = s.verify(hs256(hsHeader(), claims(99), SECRET), NOW);
        QVERIFY(std::holds_alternative<TokenClaims>(backend));
        QCOMPARE(std::get<TokenClaims>(backend).userId, 99);
        QVERIFY(!std::get<TokenClaims>(backend).admin);
    }

    // A backend's own ids (seed 004's "user123", seed 000's UUIDs) are external ids: userId
    // stays 0 until the server maps them; numbers keep being internal ids.
    void externalIds_data()
    {
        QTest::addColumn<QJsonValue>("sub");
        QTest::addColumn<QString>("externalId");
        QTest::addColumn<qint64>("userId");
        QTest::newRow("seed 004") << QJsonValue(QStringLiteral("user123"))
                                  << QStringLiteral("user123") << qint64(0);
        const QString uuid = QStringLiteral("6f1c2a8e-3b7d-4c2e-9a51-0d4e8b7f1a23");
        QTest::newRow("uuid") << QJsonValue(uuid) << uuid << qint64(0);
        QTest::newRow("digits then text")
            << QJsonValue(QStringLiteral("12ab")) << QStringLiteral("12ab") << qint64(0);
        QTest::newRow("inner space and unicode")
            << QJsonValue(QStringLiteral("amélie b")) << QStringLiteral("amélie b") << qint64(0);
        QTest::newRow("longest") << QJsonValue(QString(MAX_EXTERNAL_ID_CHARS, u'x'))
                                 << QString(MAX_EXTERNAL_ID_CHARS, u'x') << qint64(0);
        QTest::newRow("numeric string")
            << QJsonValue(QStringLiteral("42")) << QString() << qint64(42);
        QTest::newRow("number") << QJsonValue(42) << QString() << qint64(42);
    }
    void externalIds()
    {
        QFETCH(QJsonValue, sub);
        QFETCH(QString, externalId);
        QFETCH(qint64, userId);
        const TokenService s = hsService();
        const auto r = s.verify(hs256(hsHeader(), claims(sub), SECRET), NOW);
        QVERIFY2(std::holds_alternative<TokenClaims>(r),
                 qPrintable(TokenService::errorText(errorOf(r))));
        const TokenClaims c = std::get<TokenClaims>(r);
        QCOMPARE(c.externalId, externalId);
        QCOMPARE(c.userId, userId);
        // What this server issues for such a user carries the external id again.
        if (!externalId.isEmpty()) {
            TokenClaims mine;
            mine.externalId = externalId;
            const auto again = s.verify(s.issue(mine, NOW), NOW);
            QVERIFY(std::holds_alternative<TokenClaims>(again));
            QCOMPARE(std::get<TokenClaims>(again).externalId, externalId);
        }
    }

    void expiryAndNotBefore()
    {
        const TokenService s = hsService(); // leeway 30 s
        const QByteArray token = hs256(hsHeader(), claims(QStringLiteral("1"), NOW), SECRET);
        QVERIFY(std::holds_alternative<TokenClaims>(s.verify(token, NOW + 29)));
        QCOMPARE(errorOf(s.verify(token, NOW + 30)), TokenError::Expired);
        QCOMPARE(errorOf(s.verify(token, NOW + 100000)), TokenError::Expired);
        QJsonObject early = claims(QStringLiteral("1"), NOW + 3600);
        early.insert(QStringLiteral("nbf"), NOW + 600);
        const QByteArray future = hs256(hsHeader(), early, SECRET);
        QCOMPARE(errorOf(s.verify(future, NOW)), TokenError::NotYetValid);
        QVERIFY(std::holds_alternative<TokenClaims>(s.verify(future, NOW + 590)));
    }

    void refusedTokens()
    {
        const TokenService s = hsService();
        const QByteArray good = hs256(hsHeader(), claims(), SECRET);
        QVERIFY(std::holds_alternative<TokenClaims>(s.verify(good, NOW)));
        // Signed with another secret.
        QCOMPARE(errorOf(s.verify(hs256(hsHeader(), claims(), SECRET + "x"), NOW)),
                 TokenError::BadSignature);
        // Payload swapped after signing (another user id).
        QList<QByteArray> parts = good.split('.');
        parts[1] = part(claims(QStringLiteral("1")));
        QCOMPARE(errorOf(s.verify(parts.join('.'), NOW)), TokenError::BadSignature);
        // Signature removed.
        QCOMPARE(errorOf(s.verify(good.left(good.lastIndexOf('.') + 1), NOW)),
                 TokenError::BadSignature);
        // alg: none, with and without a signature part.
        const QJsonObject none {{QStringLiteral("alg"), QStringLiteral("none")}};
        QCOMPARE(errorOf(s.verify(part(none) + '.' + part(claims()) + '.', NOW)),
                 TokenError::AlgorithmNotAllowed);
        QCOMPARE(errorOf(s.verify(part(none) + '.' + part(claims()) + ".AAAA", NOW)),
                 TokenError::AlgorithmNotAllowed);
        const QJsonObject hs512 {{QStringLiteral("alg"), QStringLiteral("HS512")}};
        QCOMPARE(errorOf(s.verify(hs256(hs512, claims(), SECRET), NOW)),
                 TokenError::AlgorithmNotAllowed);
        const QJsonObject noAlg {{QStringLiteral("typ"), QStringLiteral("JWT")}};
        QCOMPARE(errorOf(s.verify(hs256(noAlg, claims(), SECRET), NOW)),
                 TokenError::AlgorithmNotAllowed);
    }

    void malformedTokens_data()
    {
        QTest::addColumn<QByteArray>("token");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("one part") << QByteArray("abc");
        QTest::newRow("two parts") << QByteArray("a.b");
        QTest::newRow("junk parts") << QByteArray("a.b.c");
        QTest::newRow("bad base64") << QByteArray("!!!.!!!.!!!");
        QTest::newRow("four parts") << QByteArray("a.b.c.d");
        QTest::newRow("dots") << QByteArray(10240, '.');
        QTest::newRow("binary") << QByteArray("\x00\xff.\x01\x02.\x03", 7);
        QTest::newRow("header not object")
            << QByteArray(b64("[1]") + '.' + part(claims()) + ".sig");
        QTest::newRow("sub missing")
            << hs256(hsHeader(), QJsonObject {{QStringLiteral("exp"), NOW + 60}}, SECRET);
        QTest::newRow("sub negative") << hs256(hsHeader(), claims(-5), SECRET);
        QTest::newRow("sub zero") << hs256(hsHeader(), claims(QStringLiteral("0")), SECRET);
        // Text is an external id ("alice" is valid: externalIds()), but not any text.
        QTest::newRow("sub text with a newline")
            << hs256(hsHeader(), claims(QStringLiteral("alice\n")), SECRET);
        QTest::newRow("sub blank") << hs256(hsHeader(), claims(QStringLiteral("   ")), SECRET);
        QTest::newRow("sub fraction") << hs256(hsHeader(), claims(1.5), SECRET);
        QTest::newRow("sub signed text") << hs256(hsHeader(), claims(QStringLiteral("+5")), SECRET);
        QTest::newRow("exp missing") << hs256(
            hsHeader(), QJsonObject {{QStringLiteral("sub"), QStringLiteral("1")}}, SECRET);
        QTest::newRow("exp text") << hs256(
            hsHeader(),
            QJsonObject {{QStringLiteral("sub"), QStringLiteral("1")},
                         {QStringLiteral("exp"), QStringLiteral("soon")}},
            SECRET);
        QTest::newRow("name number")
            << hs256(hsHeader(),
                     QJsonObject {{QStringLiteral("sub"), QStringLiteral("1")},
                                  {QStringLiteral("exp"), NOW + 60},
                                  {QStringLiteral("name"), 5}},
                     SECRET);
    }
    void malformedTokens()
    {
        QFETCH(QByteArray, token);
        QCOMPARE(errorOf(hsService().verify(token, NOW)), TokenError::Malformed);
    }

    // The JWT attack suite (issue 13): every row names the exact refusal.
    void jwtAttacks_data()
    {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<int>("expected");
        const auto row = [](const char *name, const QByteArray &token, int expected) {
            QTest::newRow(name) << token << expected;
        };
        const auto hs
            = [](const QJsonObject &h, const QJsonObject &p) { return hs256(h, p, SECRET); };
        const QJsonObject h = hsHeader();
        const QByteArray ok = hs(h, good());
        const int alg = int(TokenError::AlgorithmNotAllowed), sig = int(TokenError::BadSignature),
                  bad = int(TokenError::Malformed), expired = int(TokenError::Expired),
                  early = int(TokenError::NotYetValid), life = int(TokenError::LifetimeTooLong),
                  iss = int(TokenError::WrongIssuer), aud = int(TokenError::WrongAudience);

        row("control: valid", ok, VALID);
        row("control: aud array holding ours",
            hs(h, good({{QStringLiteral("aud"), QJsonArray {QStringLiteral("x"), AUDIENCE}}})),
            VALID);
        // alg none in every spelling, with and without a signature
        row("alg none", part(header(QStringLiteral("none"))) + '.' + part(good()) + '.', alg);
        row("alg None", part(header(QStringLiteral("None"))) + '.' + part(good()) + '.', alg);
        row("alg NONE", part(header(QStringLiteral("NONE"))) + '.' + part(good()) + '.', alg);
        row("alg nOnE", part(header(QStringLiteral("nOnE"))) + '.' + part(good()) + '.', alg);
        row("alg none signed", hs(header(QStringLiteral("none")), good()), alg);
        row("alg missing", hs(header(QJsonValue::Undefined), good()), alg);
        row("alg null", hs(header(QJsonValue::Null), good()), alg);
        row("alg number", hs(header(256), good()), alg);
        row("alg lower case", hs(header(QStringLiteral("hs256")), good()), alg);
        row("alg trailing space", hs(header(QStringLiteral("HS256 ")), good()), alg);
        row("alg HS384", hs(header(QStringLiteral("HS384")), good()), alg);
        row("alg HS512", hs(header(QStringLiteral("HS512")), good()), alg);
        row("alg RS256 on an HS256 server", hs(header(QStringLiteral("RS256")), good()), alg);
        row("alg ES256 on an HS256 server", hs(header(QStringLiteral("ES256")), good()), alg);
        row("alg PS256", hs(header(QStringLiteral("PS256")), good()), alg);
        // signatures
        row("signed with another secret", hs256(h, good(), SECRET + "x"), sig);
        row("signed with an empty secret", hs256(h, good(), QByteArray()), sig);
        row("signature missing", withSignature(ok, {}), sig);
        row("signature truncated", ok.left(ok.size() - 1), sig);
        row("signature all zero", withSignature(ok, QByteArray(43, 'A')), sig);
        row("signature not base64", withSignature(ok, "!!!!"), sig);
        {
            // The signature is compared as the exact base64url text: padding, or the bits
            // past the 256th that a lenient decoder ignores, make it another signature.
            const QByteArray s = ok.mid(ok.lastIndexOf('.') + 1);
            row("signature padded", withSignature(ok, s + "="), sig);
            static const QByteArray alphabet
                = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            QByteArray unused = s;
            unused.back() = alphabet.at(alphabet.indexOf(s.back()) ^ 1);
            row("signature's unused bits set", withSignature(ok, unused), sig);
            QByteArray standard = s;
            standard.replace('-', '+').replace('_', '/');
            if (standard != s)
                row("signature in standard base64", withSignature(ok, standard), sig);
            row("signature doubled", withSignature(ok, s + s), sig);
        }
        row("signature of another token",
            withSignature(hs(h, good({{QStringLiteral("sub"), QStringLiteral("1")}})),
                          ok.mid(ok.lastIndexOf('.') + 1)),
            sig);
        {
            QList<QByteArray> parts = ok.split('.');
            parts[1] = part(good({{QStringLiteral("sub"), QStringLiteral("1")}}));
            row("payload swapped after signing", parts.join('.'), sig);
            parts = ok.split('.');
            QJsonObject kid = h;
            kid.insert(QStringLiteral("kid"), QStringLiteral("other"));
            parts[0] = part(kid);
            row("header changed after signing", parts.join('.'), sig);
        }
        // structure
        row("empty", QByteArray(), bad);
        row("one segment", part(h), bad);
        row("two segments", part(h) + '.' + part(good()), bad);
        row("four segments", ok + ".x", bad);
        row("header not base64", "!!!." + part(good()) + ".sig", bad);
        row("payload not base64", part(h) + ".%%%.sig", bad);
        row("header not JSON", b64("{alg:HS256") + '.' + part(good()) + ".sig", bad);
        row("payload an array", part(h) + '.' + b64("[1,2]") + ".sig", bad);
        row("huge claim (over 8 KiB)", hs(h, good({{QStringLiteral("name"), QString(9000, u'x')}})),
            bad);
        row("huge number", hs(h, good({{QStringLiteral("exp"), 1e300}})), bad);
        // claims of the wrong type
        row("sub object", hs(h, good({{QStringLiteral("sub"), QJsonObject {}}})), bad);
        row("sub array", hs(h, good({{QStringLiteral("sub"), QJsonArray {42}}})), bad);
        row("sub bool", hs(h, good({{QStringLiteral("sub"), true}})), bad);
        row("sub null", hs(h, good({{QStringLiteral("sub"), QJsonValue::Null}})), bad);
        row("sub empty", hs(h, good({{QStringLiteral("sub"), QString()}})), bad);
        // A string that is not a number is a backend's own id (externalIds() checks it).
        row("sub digits then text: an external id",
            hs(h, good({{QStringLiteral("sub"), QStringLiteral("12ab")}})), VALID);
        row("sub negative string", hs(h, good({{QStringLiteral("sub"), QStringLiteral("-42")}})),
            bad);
        row("sub zero string", hs(h, good({{QStringLiteral("sub"), QStringLiteral("0")}})), bad);
        row("sub external id too long",
            hs(h, good({{QStringLiteral("sub"), QString(MAX_EXTERNAL_ID_CHARS + 1, u'u')}})), bad);
        row("sub external id with a control character",
            hs(h, good({{QStringLiteral("sub"), QStringLiteral("user\n123")}})), bad);
        row("sub external id with a leading space",
            hs(h, good({{QStringLiteral("sub"), QStringLiteral(" user123")}})), bad);
        row("sub fraction", hs(h, good({{QStringLiteral("sub"), 4.5}})), bad);
        row("sub negative", hs(h, good({{QStringLiteral("sub"), -42}})), bad);
        row("sub beyond 64 bits",
            hs(h, good({{QStringLiteral("sub"), QStringLiteral("99999999999999999999")}})), bad);
        row("exp text", hs(h, good({{QStringLiteral("exp"), QStringLiteral("tomorrow")}})), bad);
        row("exp null", hs(h, good({{QStringLiteral("exp"), QJsonValue::Null}})), bad);
        row("exp fraction", hs(h, good({{QStringLiteral("exp"), NOW + 60.5}})), bad);
        row("nbf text", hs(h, good({{QStringLiteral("nbf"), QStringLiteral("now")}})), bad);
        row("iat text", hs(h, good({{QStringLiteral("iat"), QStringLiteral("now")}})), bad);
        row("iat_ms negative", hs(h, good({{QStringLiteral("iat_ms"), -1}})), bad);
        row("name number", hs(h, good({{QStringLiteral("name"), 7}})), bad);
        // time
        row("expired", hs(h, good({{QStringLiteral("exp"), NOW - 31}})), expired);
        row("exp zero", hs(h, good({{QStringLiteral("exp"), 0}, {QStringLiteral("iat"), 0}})),
            expired);
        row("nbf in the future", hs(h, good({{QStringLiteral("nbf"), NOW + 600}})), early);
        row("iat in the future", hs(h, good({{QStringLiteral("iat"), NOW + 600}})), early);
        row("iat_ms in the future", hs(h, good({{QStringLiteral("iat_ms"), (NOW + 600) * 1000}})),
            early);
        // lifetime
        row("exp 9e12", hs(h, good({{QStringLiteral("exp"), 9e12}})), life);
        row("exp - iat beyond the maximum",
            hs(h,
               good({{QStringLiteral("iat"), NOW - DAY}, {QStringLiteral("exp"), NOW + 30 * DAY}})),
            life);
        row("no iat, exp beyond the maximum",
            hs(h,
               good({{QStringLiteral("iat"), QJsonValue::Undefined},
                     {QStringLiteral("exp"), NOW + 31 * DAY}})),
            life);
        // issuer and audience
        row("iss missing", hs(h, good({{QStringLiteral("iss"), QJsonValue::Undefined}})), iss);
        row("iss other", hs(h, good({{QStringLiteral("iss"), QStringLiteral("https://evil")}})),
            iss);
        row("iss case", hs(h, good({{QStringLiteral("iss"), ISSUER.toUpper()}})), iss);
        row("iss array", hs(h, good({{QStringLiteral("iss"), QJsonArray {ISSUER}}})), iss);
        row("aud missing", hs(h, good({{QStringLiteral("aud"), QJsonValue::Undefined}})), aud);
        row("aud other", hs(h, good({{QStringLiteral("aud"), QStringLiteral("billing")}})), aud);
        row("aud array without ours",
            hs(h, good({{QStringLiteral("aud"), QJsonArray {QStringLiteral("billing")}}})), aud);
        row("aud number", hs(h, good({{QStringLiteral("aud"), 1}})), aud);
    }
    void jwtAttacks()
    {
        QFETCH(QByteArray, token);
        QFETCH(int, expected);
        const TokenService service(policySettings());
        const auto result = service.verify(token, NOW);
        if (expected == VALID) {
            QVERIFY2(std::holds_alternative<TokenClaims>(result),
                     qPrintable(TokenService::errorText(errorOf(result))));
            return;
        }
        QVERIFY(!std::holds_alternative<TokenClaims>(result));
        QCOMPARE(int(std::get<TokenError>(result)), expected);
    }

    // HS/RS confusion against a server pinned to RS256: a token HMAC-signed with the public key,
    // alg none, another key pair, and an RS256 header over an HMAC.
    void jwtConfusion()
    {
        if (!m_haveOpenssl)
            QSKIP("openssl is not installed");
        TokenSettings rs = policySettings();
        rs.algorithm = QStringLiteral("RS256");
        rs.secret.clear();
        rs.publicKeyPem = key(QStringLiteral("rsa.pub"));
        const TokenService verifier(rs);
        QString why;
        QVERIFY2(verifier.isValid(&why), qPrintable(why));
        QCOMPARE(errorOf(verifier.verify(hs256(hsHeader(), good(), rs.publicKeyPem), NOW)),
                 TokenError::AlgorithmNotAllowed);
        QCOMPARE(errorOf(verifier.verify(
                     hs256(header(QStringLiteral("RS256")), good(), rs.publicKeyPem), NOW)),
                 TokenError::BadSignature);
        QCOMPARE(errorOf(verifier.verify(
                     part(header(QStringLiteral("none"))) + '.' + part(good()) + '.', NOW)),
                 TokenError::AlgorithmNotAllowed);
        TokenSettings other = rs;
        other.publicKeyPem.clear();
        other.privateKeyPem = key(QStringLiteral("rsa2.pem"));
        const QByteArray foreign
            = TokenService(other).issue(TokenClaims {42, {}, false, NOW, 0, NOW + 60}, NOW);
        QVERIFY(!foreign.isEmpty());
        QCOMPARE(errorOf(verifier.verify(foreign, NOW)), TokenError::BadSignature);
    }

    // Issued tokens carry what the policy checks, and no more lifetime than allowed.
    void issuedTokensFollowThePolicy()
    {
        const TokenService s(policySettings());
        const QByteArray token = s.issue(TokenClaims {7, {}, false, 0, 0, NOW + 90 * DAY}, NOW);
        const auto r = s.verify(token, NOW);
        QVERIFY2(std::holds_alternative<TokenClaims>(r),
                 qPrintable(TokenService::errorText(errorOf(r))));
        const TokenClaims c = std::get<TokenClaims>(r);
        QCOMPARE(c.expiresAt, NOW + 30 * DAY); // capped
        QCOMPARE(c.issuedAtMs() / 1000, NOW);
        QVERIFY(c.issuedAtMillis > 0);
    }

    // The pool answers on the caller's thread, refuses beyond its queue at once, and checks an
    // unknown user (no hash) against its dummy hash: always false.
    void passwordPool()
    {
        QObject context;
        PasswordPool pool(1, 2);
        QString hash;
        QVERIFY(pool.hash(&context, "correct horse", [&](QString h) { hash = h; }));
        QTRY_VERIFY_WITH_TIMEOUT(!hash.isEmpty(), 30000);
        std::optional<bool> right, wrong, unknown;
        QVERIFY(pool.verify(&context, hash, "correct horse", [&](bool ok) { right = ok; }));
        QVERIFY(pool.verify(&context, hash, "correct horsE", [&](bool ok) { wrong = ok; }));
        // One running, two queued: the next is refused without waiting (the caller says 503).
        int refused = 0;
        for (int i = 0; i < 3; ++i)
            refused
                += pool.verify(&context, QString(), "x", [&](bool ok) { unknown = ok; }) ? 0 : 1;
        QVERIFY(refused >= 1);
        QVERIFY(pool.queued() <= pool.maxQueued());
        QTRY_VERIFY_WITH_TIMEOUT(right && wrong, 30000);
        QVERIFY(*right);
        QVERIFY(!*wrong);
        QTRY_VERIFY_WITH_TIMEOUT(unknown.has_value() || refused == 3, 30000);
        if (unknown)
            QVERIFY(!*unknown);
    }

    void throttleBacksOffAndForgets()
    {
        ThrottleSettings t;
        t.userFailures = 2;
        t.addressFailures = 3;
        t.backoffMs = 1000;
        t.backoffMaxMs = 4000;
        t.windowMs = 60000;
        AuthThrottle throttle(t);
        const auto U = AuthThrottle::Kind::User;
        qint64 now = 1000000;
        QCOMPARE(throttle.failure(U, QStringLiteral("alice"), now), 0);
        QCOMPARE(throttle.failure(U, QStringLiteral("alice"), now), 0);
        QCOMPARE(throttle.retryAfterMs(U, QStringLiteral("alice"), now), 0);
        QCOMPARE(throttle.failure(U, QStringLiteral("alice"), now), 1000);
        QCOMPARE(throttle.retryAfterMs(U, QStringLiteral("alice"), now + 400), 600);
        QCOMPARE(throttle.retryAfterMs(U, QStringLiteral("bob"), now), 0);
        now += 1000;
        QCOMPARE(throttle.failure(U, QStringLiteral("alice"), now), 2000); // doubles
        now += 2000;
        QCOMPARE(throttle.failure(U, QStringLiteral("alice"), now), 4000);
        now += 4000;
        QCOMPARE(throttle.failure(U, QStringLiteral("alice"), now), 4000); // the maximum
        throttle.success(U, QStringLiteral("alice"));
        QCOMPARE(throttle.retryAfterMs(U, QStringLiteral("alice"), now), 0);
        // Users and addresses are counted apart, with their own allowance.
        const auto A = AuthThrottle::Kind::Address;
        for (int i = 0; i < 3; ++i)
            QCOMPARE(throttle.failure(A, QStringLiteral("alice"), now), 0);
        QCOMPARE(throttle.failure(A, QStringLiteral("alice"), now), 1000);
        QCOMPARE(throttle.retryAfterMs(U, QStringLiteral("alice"), now), 0);
        // Failures older than the window are forgotten.
        now += 120000;
        QCOMPARE(throttle.failure(A, QStringLiteral("alice"), now), 0);
    }

    void throttleTableIsBounded()
    {
        ThrottleSettings t;
        t.maxEntries = 100;
        AuthThrottle throttle(t);
        for (int i = 0; i < 10000; ++i)
            throttle.failure(AuthThrottle::Kind::User, QString::number(i), 1000 + i);
        QVERIFY(throttle.size() <= 100);
        // Only the first 64 characters of a name make its key.
        throttle.failure(AuthThrottle::Kind::User, QString(100000, u'x'), 1);
        QVERIFY(throttle.size() <= 100);
    }

    void throttleIdentifiers()
    {
        QCOMPARE(AuthThrottle::sanitized(QStringLiteral("alice.b@x-y_z")),
                 QStringLiteral("alice.b@x-y_z"));
        QCOMPARE(AuthThrottle::sanitized(QStringLiteral("a\n\x1b[31mb\"c")),
                 QStringLiteral("a???31mb?c"));
        const QString longName = AuthThrottle::sanitized(QString(500, u'a'));
        QCOMPARE(longName, QString(64, u'a') + QStringLiteral("..."));
        QCOMPARE(AuthThrottle::addressId(QHostAddress(QStringLiteral("192.0.2.7"))),
                 QStringLiteral("192.0.2.7"));
        QCOMPARE(AuthThrottle::addressId(QHostAddress(QStringLiteral("::ffff:192.0.2.7"))),
                 QStringLiteral("192.0.2.7"));
        // One IPv6 host holds a /64: all of it is one address for the throttle.
        QCOMPARE(AuthThrottle::addressId(QHostAddress(QStringLiteral("2001:db8:1:2:aaaa::1"))),
                 AuthThrottle::addressId(QHostAddress(QStringLiteral("2001:db8:1:2:bbbb::9"))));
        QVERIFY(AuthThrottle::addressId(QHostAddress(QStringLiteral("2001:db8:1:2::1")))
                != AuthThrottle::addressId(QHostAddress(QStringLiteral("2001:db8:1:3::1"))));
    }

    void accountVerdicts()
    {
        TokenClaims claims {42, QStringLiteral("eve"), true, NOW, 0, NOW + 60};
        TokenClaims effective;
        // A user only a backend knows: the claims stand.
        QCOMPARE(AccountCache::judge(AccountState {}, claims, &effective), AccountVerdict::Ok);
        QVERIFY(effective.admin);
        // A stored user: the account's role, not the claim's.
        AccountState s {true, false, false, 0, QStringLiteral("eve")};
        QCOMPARE(AccountCache::judge(s, claims, &effective), AccountVerdict::Ok);
        QVERIFY(!effective.admin);
        s.disabled = true;
        QCOMPARE(AccountCache::judge(s, claims, &effective), AccountVerdict::Disabled);
        s.disabled = false;
        s.tokensValidAfterMs = NOW * 1000 + 1;
        QCOMPARE(AccountCache::judge(s, claims, &effective), AccountVerdict::Revoked);
        claims.issuedAtMillis = NOW * 1000 + 500; // issued within the same second, later
        QCOMPARE(AccountCache::judge(s, claims, &effective), AccountVerdict::Ok);
        claims.issuedAt = 0; // no iat at all: any revocation covers it
        claims.issuedAtMillis = 0;
        QCOMPARE(AccountCache::judge(s, claims, &effective), AccountVerdict::Revoked);
    }

    // External ids: one store call per id however many ask at once, answered from memory
    // afterwards both ways; bounded, but never forgetting a pinned (connected) user.
    void externalIdCache()
    {
        QList<std::pair<QString, ExternalIds::Resolved>> calls;
        ExternalIds ids(
            [&calls](const QString &externalId, bool, ExternalIds::Resolved done) {
                calls.append({externalId, std::move(done)});
            },
            2);
        QList<std::optional<qint64>> answers;
        const auto record = [&answers](std::optional<qint64> id) { answers.append(id); };
        ids.resolve(QStringLiteral("user123"), true, record);
        ids.resolve(QStringLiteral("user123"), true, record);
        QCOMPARE(calls.size(), 1);
        calls.takeFirst().second(41);
        QCOMPARE(answers, (QList<std::optional<qint64>> {41, 41}));
        ids.resolve(QStringLiteral("user123"), false, record); // from memory now
        QCOMPARE(calls.size(), 0);
        QCOMPARE(answers.last(), std::optional<qint64>(41));
        QCOMPARE(ids.externalIdOf(41), QStringLiteral("user123"));
        QCOMPARE(ids.externalIdOf(42), QString());
        // A failed store is no answer to keep; an unknown id (0) is not kept either.
        ids.resolve(QStringLiteral("user456"), false, record);
        calls.takeFirst().second(std::nullopt);
        QCOMPARE(answers.last(), std::nullopt);
        ids.resolve(QStringLiteral("user456"), false, record);
        calls.takeFirst().second(0);
        QCOMPARE(answers.last(), std::optional<qint64>(0));
        QCOMPARE(ids.cachedUserId(QStringLiteral("user456")), 0);
        // Bounded at 2: the pinned user stays, the others take turns.
        ids.pin(41);
        ids.put(50, QStringLiteral("a"));
        ids.put(51, QStringLiteral("b"));
        ids.put(52, QStringLiteral("c"));
        QCOMPARE(ids.size(), 2);
        QCOMPARE(ids.externalIdOf(41), QStringLiteral("user123"));
        QCOMPARE(ids.externalIdOf(52), QStringLiteral("c"));
        ids.unpin(41);
        ids.put(53, QStringLiteral("d"));
        QCOMPARE(ids.size(), 2);
        QCOMPARE(ids.externalIdOf(53), QStringLiteral("d"));
    }

    // Users shown by their external ids: memory first, the store for the rest (once: a user
    // that has none is remembered too), and what the store found is kept in memory.
    void externalIdsOfUsers()
    {
        QList<QList<qint64>> asked;
        QList<ExternalIds::Named> pending;
        ExternalIds ids([](const QString &, bool, ExternalIds::Resolved done) { done(0); }, 16,
                        [&](const QList<qint64> &userIds, ExternalIds::Named done) {
                            asked.append(userIds);
                            pending.append(std::move(done));
                        });
        ids.put(41, QStringLiteral("user123"));
        QHash<qint64, QString> shown;
        const auto record = [&shown](QHash<qint64, QString> names) { shown = std::move(names); };
        ids.externalIdsOf({41}, record); // all in memory: no store call
        QVERIFY(asked.isEmpty());
        QCOMPARE(shown, (QHash<qint64, QString> {{41, QStringLiteral("user123")}}));
        ids.externalIdsOf({41, 42, 43, 42}, record);
        QCOMPARE(asked, (QList<QList<qint64>> {{42, 43}}));
        // A store that fails: only what memory knows, nothing remembered.
        pending.takeFirst()(std::nullopt);
        QCOMPARE(shown, (QHash<qint64, QString> {{41, QStringLiteral("user123")}}));
        ids.externalIdsOf({42, 43}, record);
        QCOMPARE(asked.size(), 2);
        pending.takeFirst()(QHash<qint64, QString> {{42, QStringLiteral("user456")}});
        QCOMPARE(shown, (QHash<qint64, QString> {{42, QStringLiteral("user456")}}));
        QCOMPARE(ids.externalIdOf(42), QStringLiteral("user456"));
        // 43 has none: answered from memory from now on, until it is mapped here.
        ids.externalIdsOf({42, 43}, record);
        QCOMPARE(asked.size(), 2);
        ids.put(43, QStringLiteral("late"));
        ids.externalIdsOf({43}, record);
        QCOMPARE(shown, (QHash<qint64, QString> {{43, QStringLiteral("late")}}));

        // lookUp: numbers at once, external ids mapped, anything else invalid.
        QList<ExternalIds::Lookup> found;
        const auto take = [&found](const ExternalIds::Lookup &l) { found.append(l); };
        ids.lookUp(QJsonValue(7), false, take);
        ids.lookUp(QStringLiteral("7"), false, take);
        ids.lookUp(QStringLiteral("user123"), false, take);
        ids.lookUp(QStringLiteral("nobody"), false, take);
        ids.lookUp(QStringLiteral("-7"), false, take);
        ids.lookUp(QJsonValue(true), false, take);
        QCOMPARE(found.size(), 6);
        QCOMPARE(found[0].userId, 7);
        QVERIFY(found[0].found() && found[1].found() && found[2].found());
        QCOMPARE(found[1].shown(), QJsonValue(7));
        QCOMPARE(found[2].userId, 41);
        QCOMPARE(found[2].shown(), QJsonValue(QStringLiteral("user123")));
        QCOMPARE(found[3].status, ExternalIds::Lookup::Status::Unknown);
        QCOMPARE(found[3].errorText(QStringLiteral("to")),
                 ExternalIds::unknownText(QStringLiteral("nobody")));
        QCOMPARE(found[4].status, ExternalIds::Lookup::Status::Invalid);
        QCOMPARE(found[5].status, ExternalIds::Lookup::Status::Invalid);
        QCOMPARE(found[5].errorCode(), Protocol::ErrorCode::ValidationError);
    }

    void accountCacheLoadsOnceAndInvalidates()
    {
        QList<AccountCache::Loaded> pending;
        int loads = 0;
        AccountCache cache(
            [&](qint64, AccountCache::Loaded done) {
                ++loads;
                pending.append(std::move(done));
            },
            30000, 16);
        const TokenClaims claims {7, {}, false, NOW, 0, NOW + 60};
        QList<AccountVerdict> verdicts;
        const auto record = [&](AccountVerdict v, const TokenClaims &) { verdicts << v; };
        cache.check(claims, 1000, record);
        cache.check(claims, 1000, record); // coalesced with the load in flight
        QCOMPARE(loads, 1);
        QVERIFY(!cache.checkCached(claims, 1000));
        pending.takeFirst()(AccountState {true, true, false, 0, QStringLiteral("x")});
        QVERIFY(verdicts
                == (QList<AccountVerdict> {AccountVerdict::Disabled, AccountVerdict::Disabled}));
        // Cached now; answered at once.
        cache.check(claims, 2000, record);
        QCOMPARE(loads, 1);
        QCOMPARE(verdicts.size(), 3);
        // Invalidated (the account was enabled): the next check reads the store again.
        cache.invalidate(7);
        cache.check(claims, 2000, record);
        QCOMPARE(loads, 2);
        pending.takeFirst()(AccountState {true, false, false, 0, QStringLiteral("x")});
        QCOMPARE(verdicts.last(), AccountVerdict::Ok);
        // A load that started before an invalidation is not cached.
        cache.invalidate(7);
        cache.check(claims, 3000, record);
        cache.invalidate(7);
        pending.takeFirst()(AccountState {true, true, false, 0, QStringLiteral("x")});
        QVERIFY(!cache.checkCached(claims, 3000));
        // The store failing: Unavailable, nothing cached.
        cache.check(claims, 3000, record);
        pending.takeFirst()(std::nullopt);
        QCOMPARE(verdicts.last(), AccountVerdict::Unavailable);
        // Entries expire after the ttl.
        cache.put(7, AccountState {true, false, false, 0, {}}, 10000);
        QVERIFY(cache.checkCached(claims, 10000 + 29999));
        QVERIFY(!cache.checkCached(claims, 10000 + 30000));
        // restrictions() grows only with a state that refuses more than what was cached: the
        // live connections' tick looks at the cache only then.
        quint64 r = cache.restrictions();
        cache.put(7, AccountState {true, false, true, 0, {}}, 11000); // the role alone
        QCOMPARE(cache.restrictions(), r);
        cache.put(8, AccountState {true, false, false, 0, {}}, 11000); // a new, plain user
        QCOMPARE(cache.restrictions(), r);
        cache.put(7, AccountState {true, true, false, 0, {}}, 11000); // disabled
        QCOMPARE(cache.restrictions(), ++r);
        cache.put(7, AccountState {true, true, false, 0, {}}, 12000); // still disabled
        QCOMPARE(cache.restrictions(), r);
        cache.put(7, AccountState {true, false, false, 5000, {}}, 12000); // revoked up to 5000
        QCOMPARE(cache.restrictions(), ++r);
        cache.put(7, AccountState {true, false, false, 5000, {}}, 12000);
        QCOMPARE(cache.restrictions(), r);
        cache.invalidate(7); // nothing cached: the same state is news again
        cache.put(7, AccountState {true, false, false, 5000, {}}, 12000);
        QCOMPARE(cache.restrictions(), ++r);
        cache.put(9, AccountState {true, true, false, 0, {}}, 12000); // first seen, disabled
        QCOMPARE(cache.restrictions(), ++r);
    }

    void asymmetric_data()
    {
        QTest::addColumn<QString>("algorithm");
        QTest::addColumn<QString>("privateFile");
        QTest::addColumn<QString>("publicFile");
        QTest::newRow("RS256") << "RS256"
                               << "rsa.pem"
                               << "rsa.pub";
        QTest::newRow("ES256") << "ES256"
                               << "ec.pem"
                               << "ec.pub";
    }
    void asymmetric()
    {
        if (!m_haveOpenssl)
            QSKIP("openssl is not installed");
        QFETCH(QString, algorithm);
        QFETCH(QString, privateFile);
        QFETCH(QString, publicFile);
        TokenSettings settings;
        settings.algorithm = algorithm;
        settings.publicKeyPem = key(publicFile);
        settings.privateKeyPem = key(privateFile);
        const TokenService signer(settings);
        QString why;
        QVERIFY2(signer.isValid(&why), qPrintable(why));
        QVERIFY(signer.canIssue());
        const QByteArray token
            = signer.issue(TokenClaims {5, QStringLiteral("bob"), false, 0, 0, 0}, NOW);
        QVERIFY(!token.isEmpty());

        settings.privateKeyPem.clear(); // a verifier holding only the public key
        const TokenService verifier(settings);
        QVERIFY(verifier.isValid(&why));
        QVERIFY(!verifier.canIssue());
        QVERIFY(verifier.issue(TokenClaims {5, {}, false, 0, 0, 0}, NOW).isEmpty());
        const auto r = verifier.verify(token, NOW);
        QVERIFY(std::holds_alternative<TokenClaims>(r));
        QCOMPARE(std::get<TokenClaims>(r).userId, 5);

        // Algorithm confusion: an HS256 token whose HMAC key is the public key PEM.
        const QByteArray confused = hs256(hsHeader(), claims(), settings.publicKeyPem);
        QCOMPARE(errorOf(verifier.verify(confused, NOW)), TokenError::AlgorithmNotAllowed);
        // Signature of another key pair / tampered.
        QList<QByteArray> parts = token.split('.');
        parts[1] = part(claims(QStringLiteral("1")));
        QCOMPARE(errorOf(verifier.verify(parts.join('.'), NOW)), TokenError::BadSignature);
        // An HS256 service refuses RS/ES tokens.
        QCOMPARE(errorOf(hsService().verify(token, NOW)), TokenError::AlgorithmNotAllowed);
    }

    void invalidSettings()
    {
        QString why;
        TokenSettings s;
        s.secret = "short";
        QVERIFY(!TokenService(s).isValid(&why));
        QVERIFY(why.contains(QStringLiteral("32 bytes")));
        QVERIFY(!TokenService(s).canIssue());
        s.secret = SECRET;
        for (const char *alg : {"HS512", "none", "", "hs256"}) {
            s.algorithm = QString::fromLatin1(alg);
            QVERIFY2(!TokenService(s).isValid(&why), alg);
            QVERIFY(TokenService(s).issue(TokenClaims {1, {}, false, 0, 0, 0}, NOW).isEmpty());
            QCOMPARE(errorOf(TokenService(s).verify(hs256(hsHeader(), claims(), SECRET), NOW)),
                     TokenError::AlgorithmNotAllowed);
        }
        s.algorithm = QStringLiteral("RS256");
        QVERIFY(!TokenService(s).isValid(&why)); // no public key
        s.publicKeyPem = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n";
        QVERIFY(!TokenService(s).isValid(&why));
        if (!m_haveOpenssl)
            QSKIP("openssl is not installed");
        s.publicKeyPem = key(QStringLiteral("ec.pub")); // EC key for RS256
        QVERIFY(!TokenService(s).isValid(&why));
        s.publicKeyPem = key(QStringLiteral("rsa.pub"));
        s.privateKeyPem = key(QStringLiteral("rsa2.pem")); // not the pair of the public key
        QVERIFY(!TokenService(s).isValid(&why));
        QVERIFY2(why.contains(QStringLiteral("does not belong")), qPrintable(why));
        s.privateKeyPem = "garbage";
        QVERIFY(!TokenService(s).isValid(&why));
    }

    void secretFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("sub/jwt_secret"));
        QString error;
        const QByteArray secret = SecretFile::loadOrCreate(path, &error);
        QCOMPARE(secret.size(), 64);
        QVERIFY(QByteArray::fromHex(secret).toHex() == secret);
        QCOMPARE(QFile::permissions(path)
                     & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup
                        | QFileDevice::WriteOther),
                 QFileDevice::Permissions());
        QCOMPARE(SecretFile::loadOrCreate(path, &error), secret);
        QTemporaryDir other;
        QVERIFY(SecretFile::loadOrCreate(other.filePath(QStringLiteral("s")), &error) != secret);

        const QString shortPath = dir.filePath(QStringLiteral("short"));
        QFile f(shortPath);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("tooshort\n");
        f.close();
        QVERIFY(SecretFile::loadOrCreate(shortPath, &error).isEmpty());
        QVERIFY(error.contains(shortPath));
    }
};

QTEST_GUILESS_MAIN(TestAuth)
#include "tst_auth.moc"
