// SPDX-License-Identifier: MIT
// Password hashing, JWT verification with a pinned algorithm (every refusal path), signing,
// and the generated secret file.
#include "auth/passwordhasher.h"
#include "auth/secretfile.h"
#include "auth/tokenservice.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Switchboard;

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
        QTest::newRow("sub text") << hs256(hsHeader(), claims(QStringLiteral("alice")), SECRET);
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
