// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

#include <QString>

// The users switchboard-loadtest connects are named "lt" followed by their own id ("lt1000000",
// docs/BENCHMARKS.md). The tool gives the names; the console's users view can hide such users;
// the server treats them like any other user.
namespace Switchboard::LoadTestUsers {

inline constexpr char NAME_PREFIX[] = "lt";

inline std::string name(std::int64_t userId)
{
    return NAME_PREFIX + std::to_string(userId);
}

// Whether this user is one the load tester names: exactly the prefix and the user's own id, so
// a person whose name merely starts with "lt" (or is "lt" and someone else's id) is not one.
inline bool isLoadTestUser(qint64 userId, const QString &userName)
{
    const QLatin1StringView prefix(NAME_PREFIX);
    return userName.startsWith(prefix)
        && QStringView(userName).sliced(prefix.size()) == QString::number(userId);
}

} // namespace Switchboard::LoadTestUsers
