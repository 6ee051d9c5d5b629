// SPDX-License-Identifier: MIT
#include "framescan.h"

#include <cstring>

namespace Switchboard::LoadTest::FrameScan {

namespace {

void appendNumber(std::string &out, std::uint64_t v)
{
    char buf[24];
    char *end = buf + sizeof buf;
    char *p = end;
    do {
        *--p = char('0' + v % 10);
        v /= 10;
    } while (v);
    out.append(p, std::size_t(end - p));
}

// Parses decimal digits at p; returns the position after them, or nullptr when there are none.
const char *parseNumber(const char *p, const char *end, std::uint64_t *value)
{
    const char *start = p;
    std::uint64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9' && p - start < 20)
        v = v * 10 + std::uint64_t(*p++ - '0');
    if (p == start)
        return nullptr;
    *value = v;
    return p;
}

// Skips a JSON string starting at the opening quote; returns the position after the closing one.
const char *skipString(const char *p, const char *end)
{
    ++p;
    while (p < end) {
        if (*p == '\\')
            p += 2;
        else if (*p == '"')
            return p + 1;
        else
            ++p;
    }
    return end;
}

// Skips any value (object, array, string, literal) starting at p.
const char *skipValue(const char *p, const char *end)
{
    if (p >= end)
        return end;
    if (*p == '"')
        return skipString(p, end);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < end) {
            if (*p == '"') {
                p = skipString(p, end);
                continue;
            }
            if (*p == '{' || *p == '[')
                ++depth;
            else if ((*p == '}' || *p == ']') && --depth == 0)
                return p + 1;
            ++p;
        }
        return end;
    }
    while (p < end && *p != ',' && *p != '}' && *p != ']')
        ++p;
    return p;
}

const char *skipSpace(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        ++p;
    return p;
}

// The raw text of the top-level value of `key` (a string keeps its quotes), or empty.
std::string_view topLevelValue(std::string_view json, std::string_view key)
{
    const char *p = skipSpace(json.data(), json.data() + json.size());
    const char *end = json.data() + json.size();
    if (p >= end || *p != '{')
        return {};
    ++p;
    while (p < end) {
        p = skipSpace(p, end);
        if (p >= end || *p != '"')
            return {};
        const char *keyEnd = skipString(p, end);
        const std::string_view name(p + 1, std::size_t(keyEnd - p - 2 >= 0 ? keyEnd - p - 2 : 0));
        p = skipSpace(keyEnd, end);
        if (p >= end || *p != ':')
            return {};
        p = skipSpace(p + 1, end);
        const char *valueEnd = skipValue(p, end);
        if (name == key)
            return std::string_view(p, std::size_t(valueEnd - p));
        p = skipSpace(valueEnd, end);
        if (p >= end || *p != ',')
            return {};
        ++p;
    }
    return {};
}

} // namespace

void appendMarker(std::string &out, const Marker &m)
{
    out.append(MARKER_PREFIX);
    appendNumber(out, m.run);
    out.push_back('.');
    appendNumber(out, m.sender);
    out.push_back('.');
    appendNumber(out, m.seq);
    out.push_back('.');
    appendNumber(out, m.sentNs);
}

bool findMarker(std::string_view text, Marker *marker)
{
    const void *hit = memmem(text.data(), text.size(), MARKER_PREFIX.data(), MARKER_PREFIX.size());
    if (!hit)
        return false;
    const char *p = static_cast<const char *>(hit) + MARKER_PREFIX.size();
    const char *end = text.data() + text.size();
    std::uint64_t fields[4];
    for (int i = 0; i < 4; ++i) {
        p = parseNumber(p, end, &fields[i]);
        if (!p)
            return false;
        if (i < 3) {
            if (p >= end || *p != '.')
                return false;
            ++p;
        }
    }
    if (fields[0] > UINT32_MAX || fields[1] > UINT32_MAX)
        return false;
    marker->run = std::uint32_t(fields[0]);
    marker->sender = std::uint32_t(fields[1]);
    marker->seq = fields[2];
    marker->sentNs = fields[3];
    return true;
}

std::string_view topLevelString(std::string_view json, std::string_view key)
{
    const std::string_view v = topLevelValue(json, key);
    if (v.size() < 2 || v.front() != '"' || v.back() != '"')
        return {};
    return v.substr(1, v.size() - 2);
}

long long topLevelInteger(std::string_view json, std::string_view key)
{
    const std::string_view v = topLevelValue(json, key);
    std::uint64_t value = 0;
    const char *end = parseNumber(v.data(), v.data() + v.size(), &value);
    if (!end || end != v.data() + v.size() || value > std::uint64_t(INT64_MAX))
        return -1;
    return (long long)value;
}

} // namespace Switchboard::LoadTest::FrameScan
