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
    qint64 userId = 0; // "sub", a positive integer given as a string or number
    QString username; // "name", optional
    bool admin = false; // "role" == "admin"
    qint64 issuedAt = 0; // "iat", seconds
    qint64 notBefore = 0; // "nbf", seconds, 0 = absent
    qint64 expiresAt = 0; // "exp", seconds (required)
};

enum class TokenError {
    Malformed, // not three base64url parts, bad JSON, missing or ill-typed claims
    AlgorithmNotAllowed, // header alg differs from the configured one (includes "none")
    BadSignature,
    Expired,
    NotYetValid,
};

struct TokenSettings
{
    QString algorithm = QStringLiteral("HS256"); // HS256 | RS256 | ES256, pinned
    QByteArray secret; // HS256 key (>= 32 bytes)
    QByteArray publicKeyPem; // RS256/ES256 verification key
    QByteArray privateKeyPem; // RS256/ES256 signing key (optional: only to issue at login)
    qint64 leewaySeconds = 30; // clock skew tolerated on exp/nbf
    qint64 ttlSeconds = 86400; // lifetime of tokens issued at login
};

// Verifies and issues JWTs with libjwt. The algorithm is pinned by configuration and checked
// against the header before any signature work; the token never chooses it.
class TokenService
{
public:
    explicit TokenService(TokenSettings settings);

    std::variant<TokenClaims, TokenError> verify(QByteArrayView token, qint64 nowSeconds) const;
    // Signs claims (iat/exp filled in from nowSeconds and the ttl when zero). Empty when this
    // service cannot sign (RS256/ES256 without a private key).
    QByteArray issue(TokenClaims claims, qint64 nowSeconds) const;
    bool canIssue() const;
    // Checks the settings (pinned algorithm known, HS256 secret >= 32 bytes, keys parse and,
    // when both are given, belong together); false with an English reason otherwise.
    bool isValid(QString *why) const;
    const TokenSettings &settings() const { return m_settings; }

    static QString errorText(TokenError error);

private:
    TokenSettings m_settings;
};

} // namespace Switchboard
