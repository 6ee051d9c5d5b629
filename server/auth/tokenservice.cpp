// SPDX-License-Identifier: MIT
#include "tokenservice.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "protocol/codec.h"

#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

namespace Switchboard {

namespace {

struct JwtFree
{
    void operator()(jwt_t *j) const { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

std::optional<jwt_alg_t> algorithmOf(const QString &name)
{
    if (name == QLatin1StringView("HS256"))
        return JWT_ALG_HS256;
    if (name == QLatin1StringView("RS256"))
        return JWT_ALG_RS256;
    if (name == QLatin1StringView("ES256"))
        return JWT_ALG_ES256;
    return std::nullopt;
}

std::optional<QJsonObject> decodePart(QByteArrayView part)
{
    const auto decoded = QByteArray::fromBase64Encoding(
        part.toByteArray(),
        QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals
            | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(*decoded, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    return doc.object();
}

// A JSON number that is an exact integer (JWT NumericDate), or nullopt.
std::optional<qint64> integerOf(const QJsonValue &v)
{
    if (!v.isDouble())
        return std::nullopt;
    const double d = v.toDouble();
    if (d != double(qint64(d)) || d < -9e15 || d > 9e15)
        return std::nullopt;
    return qint64(d);
}

} // namespace

bool TokenService::hs256SignatureMatches(QByteArrayView signingInput,
                                         QByteArrayView signature) const
{
    // What libjwt's HS256 check does (the MAC of "header.payload", base64url without padding,
    // compared as text in constant time) without its second parse of the header and payload
    // that verify() has parsed already: that parse was most of a connect's token work.
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int macSize = 0;
    const QByteArray &key = m_settings.secret;
    if (key.isEmpty()
        || !HMAC(EVP_sha256(), key.constData(), int(key.size()),
                 reinterpret_cast<const unsigned char *>(signingInput.data()),
                 size_t(signingInput.size()), mac, &macSize))
        return false;
    const QByteArray expected
        = QByteArray::fromRawData(reinterpret_cast<const char *>(mac), qsizetype(macSize))
              .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    return signature.size() == expected.size()
        && CRYPTO_memcmp(signature.data(), expected.constData(), size_t(expected.size())) == 0;
}

TokenService::TokenService(TokenSettings settings)
    : m_settings(std::move(settings))
{ }

QString TokenService::errorText(TokenError error)
{
    switch (error) {
    case TokenError::Malformed:
        return QStringLiteral("malformed token");
    case TokenError::AlgorithmNotAllowed:
        return QStringLiteral("token algorithm not allowed");
    case TokenError::BadSignature:
        return QStringLiteral("invalid token signature");
    case TokenError::Expired:
        return QStringLiteral("token expired");
    case TokenError::NotYetValid:
        return QStringLiteral("token not yet valid");
    case TokenError::LifetimeTooLong:
        return QStringLiteral("token lifetime exceeds the maximum");
    case TokenError::WrongIssuer:
        return QStringLiteral("token issuer not accepted");
    case TokenError::WrongAudience:
        return QStringLiteral("token audience not accepted");
    }
    return QStringLiteral("invalid token");
}

std::variant<TokenClaims, TokenError> TokenService::verify(QByteArrayView token,
                                                           qint64 nowSeconds) const
{
    const auto alg = algorithmOf(m_settings.algorithm);
    if (!alg)
        return TokenError::AlgorithmNotAllowed;
    if (token.isEmpty() || token.size() > 8192)
        return TokenError::Malformed;
    const qsizetype dot1 = token.indexOf('.');
    const qsizetype dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot1 <= 0 || dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0)
        return TokenError::Malformed;
    const auto header = decodePart(token.first(dot1));
    const auto payload = decodePart(token.sliced(dot1 + 1, dot2 - dot1 - 1));
    if (!header || !payload)
        return TokenError::Malformed;
    // The pinned algorithm decides, before any signature work: "none", HS256 tokens made with
    // a public key as the HMAC secret and any other algorithm are refused here.
    if (header->value(QLatin1StringView("alg")).toString() != m_settings.algorithm)
        return TokenError::AlgorithmNotAllowed;
    if (dot2 + 1 >= token.size())
        return TokenError::BadSignature; // no signature at all

    if (*alg == JWT_ALG_HS256) {
        if (!hs256SignatureMatches(token.first(dot2), token.sliced(dot2 + 1)))
            return TokenError::BadSignature;
    } else {
        const std::string text(token.data(), size_t(token.size()));
        jwt_t *raw = nullptr;
        const int rc = jwt_decode(
            &raw, text.c_str(),
            reinterpret_cast<const unsigned char *>(m_settings.publicKeyPem.constData()),
            int(m_settings.publicKeyPem.size()));
        JwtPtr decoded(raw);
        if (rc != 0 || !decoded || jwt_get_alg(decoded.get()) != *alg)
            return TokenError::BadSignature;
    }

    TokenClaims claims;
    const QJsonValue sub = payload->value(QLatin1StringView("sub"));
    if (sub.isString() && Protocol::isExternalUserId(sub.toString())) {
        claims.externalId = sub.toString(); // mapped to the internal id by the server
    } else {
        if (sub.isString()) {
            bool ok = false;
            const QString s = sub.toString();
            claims.userId = s.toLongLong(&ok);
            if (!ok || s.isEmpty() || !s.at(0).isDigit())
                return TokenError::Malformed;
        } else if (auto n = integerOf(sub)) {
            claims.userId = *n;
        } else {
            return TokenError::Malformed;
        }
        if (claims.userId <= 0)
            return TokenError::Malformed;
    }
    const auto exp = integerOf(payload->value(QLatin1StringView("exp")));
    if (!exp)
        return TokenError::Malformed;
    claims.expiresAt = *exp;
    const QJsonValue nbf = payload->value(QLatin1StringView("nbf"));
    if (!nbf.isUndefined()) {
        const auto n = integerOf(nbf);
        if (!n)
            return TokenError::Malformed;
        claims.notBefore = *n;
    }
    const QJsonValue iat = payload->value(QLatin1StringView("iat"));
    if (!iat.isUndefined()) {
        const auto n = integerOf(iat);
        if (!n)
            return TokenError::Malformed;
        claims.issuedAt = *n;
    }
    const QJsonValue iatMs = payload->value(QLatin1StringView("iat_ms"));
    if (!iatMs.isUndefined()) {
        const auto n = integerOf(iatMs);
        if (!n || *n < 0)
            return TokenError::Malformed;
        claims.issuedAtMillis = *n;
    }
    const QJsonValue name = payload->value(QLatin1StringView("name"));
    if (!name.isUndefined() && !name.isString())
        return TokenError::Malformed;
    claims.username = name.toString();
    claims.admin
        = payload->value(QLatin1StringView("role")).toString() == QLatin1StringView("admin");

    if (!m_settings.issuer.isEmpty()
        && payload->value(QLatin1StringView("iss")) != QJsonValue(m_settings.issuer))
        return TokenError::WrongIssuer;
    if (!m_settings.audience.isEmpty()) {
        // RFC 7519 4.1.3: a string, or an array of strings one of which must be ours.
        const QJsonValue aud = payload->value(QLatin1StringView("aud"));
        const bool ours = aud.isArray() ? aud.toArray().contains(QJsonValue(m_settings.audience))
                                        : aud == QJsonValue(m_settings.audience);
        if (!ours)
            return TokenError::WrongAudience;
    }

    const qint64 leeway = m_settings.leewaySeconds;
    if (nowSeconds >= claims.expiresAt + leeway)
        return TokenError::Expired;
    if (claims.notBefore && claims.notBefore - leeway > nowSeconds)
        return TokenError::NotYetValid;
    // A token "issued" in the future would outlive every revocation made before that moment.
    if (claims.issuedAt - leeway > nowSeconds || claims.issuedAtMs() / 1000 - leeway > nowSeconds)
        return TokenError::NotYetValid;
    const qint64 maxLifetime = m_settings.maxLifetimeSeconds;
    if (maxLifetime > 0
        && ((claims.issuedAt && claims.expiresAt - claims.issuedAt > maxLifetime)
            || claims.expiresAt - nowSeconds > maxLifetime + leeway))
        return TokenError::LifetimeTooLong;
    return claims;
}

bool TokenService::canIssue() const
{
    const auto alg = algorithmOf(m_settings.algorithm);
    if (!alg)
        return false;
    if (*alg == JWT_ALG_HS256)
        return m_settings.secret.size() >= 32;
    return !m_settings.privateKeyPem.isEmpty();
}

QByteArray TokenService::issue(TokenClaims claims, qint64 nowSeconds) const
{
    if (!canIssue())
        return {};
    const jwt_alg_t alg = *algorithmOf(m_settings.algorithm);
    const QByteArray &key = alg == JWT_ALG_HS256 ? m_settings.secret : m_settings.privateKeyPem;
    if (!claims.issuedAt)
        claims.issuedAt = nowSeconds;
    if (!claims.expiresAt)
        claims.expiresAt = claims.issuedAt + m_settings.ttlSeconds;
    if (m_settings.maxLifetimeSeconds > 0)
        claims.expiresAt
            = std::min(claims.expiresAt, claims.issuedAt + m_settings.maxLifetimeSeconds);
    if (!claims.issuedAtMillis)
        claims.issuedAtMillis = claims.issuedAt == nowSeconds ? QDateTime::currentMSecsSinceEpoch()
                                                              : claims.issuedAt * 1000;
    // The millisecond must fall within the second "iat" names (the clock was read twice).
    if (claims.issuedAtMillis / 1000 != claims.issuedAt)
        claims.issuedAtMillis = claims.issuedAt * 1000 + 999;

    jwt_t *raw = nullptr;
    if (jwt_new(&raw) != 0)
        return {};
    JwtPtr jwt(raw);
    const QByteArray sub = claims.externalId.isEmpty() ? QByteArray::number(claims.userId)
                                                       : claims.externalId.toUtf8();
    const QByteArray name = claims.username.toUtf8();
    bool ok = jwt_set_alg(jwt.get(), alg, reinterpret_cast<const unsigned char *>(key.constData()),
                          int(key.size()))
            == 0
        && jwt_add_grant(jwt.get(), "sub", sub.constData()) == 0
        && jwt_add_grant_int(jwt.get(), "iat", long(claims.issuedAt)) == 0
        && jwt_add_grant_int(jwt.get(), "exp", long(claims.expiresAt)) == 0
        && jwt_add_grant(jwt.get(), "role", claims.admin ? "admin" : "user") == 0;
    if (ok)
        ok = jwt_add_grant_int(jwt.get(), "iat_ms", long(claims.issuedAtMillis)) == 0;
    if (ok && !m_settings.issuer.isEmpty())
        ok = jwt_add_grant(jwt.get(), "iss", m_settings.issuer.toUtf8().constData()) == 0;
    if (ok && !m_settings.audience.isEmpty())
        ok = jwt_add_grant(jwt.get(), "aud", m_settings.audience.toUtf8().constData()) == 0;
    if (ok && claims.notBefore)
        ok = jwt_add_grant_int(jwt.get(), "nbf", long(claims.notBefore)) == 0;
    if (ok && !name.isEmpty())
        ok = jwt_add_grant(jwt.get(), "name", name.constData()) == 0;
    if (!ok)
        return {};
    char *encoded = jwt_encode_str(jwt.get());
    if (!encoded)
        return {};
    QByteArray out(encoded);
    free(encoded);
    return out;
}

bool TokenService::isValid(QString *why) const
{
    const auto alg = algorithmOf(m_settings.algorithm);
    if (!alg) {
        *why = QStringLiteral("jwt_algorithm '%1' is not supported (use HS256, RS256 or ES256)")
                   .arg(m_settings.algorithm);
        return false;
    }
    if (*alg == JWT_ALG_HS256) {
        if (m_settings.secret.size() < 32) {
            *why = QStringLiteral("the HS256 secret must be at least 32 bytes long");
            return false;
        }
        return true;
    }
    if (m_settings.publicKeyPem.isEmpty()) {
        *why = QStringLiteral("%1 needs a public key").arg(m_settings.algorithm);
        return false;
    }
    // The public key must parse and be of the algorithm's type (RSA / EC P-256).
    {
        std::unique_ptr<BIO, decltype(&BIO_free)> bio(
            BIO_new_mem_buf(m_settings.publicKeyPem.constData(),
                            int(m_settings.publicKeyPem.size())),
            &BIO_free);
        std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
            bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr,
            &EVP_PKEY_free);
        if (!pkey) {
            *why = QStringLiteral("the %1 public key is not a PEM public key")
                       .arg(m_settings.algorithm);
            return false;
        }
        const int type = EVP_PKEY_get_base_id(pkey.get());
        if ((*alg == JWT_ALG_RS256 && type != EVP_PKEY_RSA)
            || (*alg == JWT_ALG_ES256 && type != EVP_PKEY_EC)) {
            *why = QStringLiteral("the public key is not a key for %1").arg(m_settings.algorithm);
            return false;
        }
    }
    if (m_settings.privateKeyPem.isEmpty())
        return true;
    const qint64 now = 1000000000;
    const QByteArray token = issue(TokenClaims {1, {}, false, now, 0, now + 60}, now);
    if (token.isEmpty()) {
        *why = QStringLiteral("the %1 private key cannot sign (not a matching PEM private key)")
                   .arg(m_settings.algorithm);
        return false;
    }
    if (!std::holds_alternative<TokenClaims>(verify(token, now))) {
        *why = QStringLiteral("the %1 private key does not belong to the public key")
                   .arg(m_settings.algorithm);
        return false;
    }
    return true;
}

} // namespace Switchboard
