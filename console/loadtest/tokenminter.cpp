// SPDX-License-Identifier: MIT
#include "tokenminter.h"

#include <cstdlib>
#include <memory>

#include <jwt.h>

namespace Switchboard::LoadTest {

namespace {

struct JwtFree
{
    void operator()(jwt_t *j) const { jwt_free(j); }
};

} // namespace

TokenMinter::TokenMinter(std::string secret)
    : m_secret(std::move(secret))
{ }

std::string TokenMinter::mint(std::int64_t userId, const std::string &name, std::int64_t nowSeconds,
                              std::int64_t ttlSeconds) const
{
    jwt_t *raw = nullptr;
    if (jwt_new(&raw) != 0)
        return {};
    std::unique_ptr<jwt_t, JwtFree> jwt(raw);
    const std::string sub = std::to_string(userId);
    const bool ok = jwt_set_alg(jwt.get(), JWT_ALG_HS256,
                                reinterpret_cast<const unsigned char *>(m_secret.data()),
                                int(m_secret.size()))
            == 0
        && jwt_add_grant(jwt.get(), "sub", sub.c_str()) == 0
        && jwt_add_grant_int(jwt.get(), "iat", long(nowSeconds)) == 0
        && jwt_add_grant_int(jwt.get(), "exp", long(nowSeconds + ttlSeconds)) == 0
        && jwt_add_grant(jwt.get(), "role", "user") == 0
        && jwt_add_grant(jwt.get(), "name", name.c_str()) == 0;
    if (!ok)
        return {};
    char *encoded = jwt_encode_str(jwt.get());
    if (!encoded)
        return {};
    std::string out(encoded);
    std::free(encoded);
    return out;
}

} // namespace Switchboard::LoadTest
