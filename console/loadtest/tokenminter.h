// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

namespace Switchboard::LoadTest {

// Mints HS256 JWTs the way switchboardd verifies them (server/auth/tokenservice.cpp): `sub` is
// the user id as a string, `exp` required, `iat`, `name` and `role` as the server issues them.
// Users need not exist in the store: a valid token is enough to connect (the server only
// refuses accounts that exist and are disabled).
class TokenMinter
{
public:
    explicit TokenMinter(std::string secret);

    bool isUsable() const { return m_secret.size() >= 32; }
    // Empty on failure.
    std::string mint(std::int64_t userId, const std::string &name, std::int64_t nowSeconds,
                     std::int64_t ttlSeconds) const;

private:
    std::string m_secret;
};

} // namespace Switchboard::LoadTest
