// SPDX-License-Identifier: MIT
#pragma once

#include <variant>

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace Switchboard {

// What a valid token says about its bearer.
struct TokenClaims
{
    // "sub", a positive integer given as a string or number; 0 for an external id until the
    // server maps it to the internal id (ExternalIds)
    qint64 userId = 0;
    QString username; // "name", optional
    bool admin = false; // "role" == "admin"
    qint64 issuedAt = 0; // "iat", seconds
    qint64 notBefore = 0; // "nbf", seconds, 0 = absent
    qint64 expiresAt = 0; // "exp", seconds (required)
    qint64 issuedAtMillis = 0; // "iat_ms" (tokens this server issues), 0 = absent

    // The moment of issue, as precisely as the token says it (revocation compares it with the
    // account's tokens_valid_after in ms; "iat" alone only knows the second).
    qint64 issuedAtMs() const { return issuedAtMillis ? issuedAtMillis : issuedAt * 1000; }

    // "sub" when it is not a number: a backend's own id ("user123", a UUID), shown back as given
    // in the seed dialects; empty for numeric subs.
    QString externalId = {};
};

enum class TokenError {
    Malformed, // not three base64url parts, bad JSON, missing or ill-typed claims
    AlgorithmNotAllowed, // header alg differs from the configured one (includes "none")
    BadSignature,
    Expired,
    NotYetValid, // nbf (or iat) later than now + leeway
    LifetimeTooLong, // exp - iat or exp - now beyond the configured maximum lifetime
    WrongIssuer, // "iss" missing or not the configured jwt_issuer
    WrongAudience, // "aud" missing or not naming the configured jwt_audience
};

struct TokenSettings
{
    QString algorithm = QStringLiteral("HS256"); // HS256 | RS256 | ES256, pinned
    QByteArray secret; // HS256 key (>= 32 bytes)
    QByteArray publicKeyPem; // RS256/ES256 verification key
    QByteArray privateKeyPem; // RS256/ES256 signing key (optional: only to issue at login)
    qint64 leewaySeconds = 30; // clock skew tolerated on exp/nbf
    qint64 ttlSeconds = 86400; // lifetime of tokens issued at login
    qint64 maxLifetimeSeconds = 30 * 86400; // longest exp - iat and exp - now; 0 = no limit
    QString issuer; // required "iss" (and set on issued tokens); empty = not checked
    QString audience; // required in "aud" (and set on issued tokens); empty = not checked
};

// Verifies and issues JWTs with libjwt. The algorithm is pinned by configuration and checked
// against the header before any signature work; the token never chooses it.
class TokenService
{
public:
    explicit TokenService(TokenSettings settings);

    std::variant<TokenClaims, TokenError> verify(QByteArrayView token, qint64 nowSeconds) const;
    // Signs claims (iat/exp filled in from nowSeconds and the ttl when zero; exp capped at the
    // maximum lifetime). Empty when this service cannot sign (RS256/ES256 without a private key).
    QByteArray issue(TokenClaims claims, qint64 nowSeconds) const;
    bool canIssue() const;
    // Checks the settings (pinned algorithm known, HS256 secret >= 32 bytes, keys parse and,
    // when both are given, belong together); false with an English reason otherwise.
    bool isValid(QString *why) const;
    const TokenSettings &settings() const { return m_settings; }

    static QString errorText(TokenError error);

private:
    bool hs256SignatureMatches(QByteArrayView signingInput, QByteArrayView signature) const;
    TokenSettings m_settings;
};

} // namespace Switchboard
