// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace Switchboard::LoadTest {

// Cheap scans of incoming JSON text, so the hot path never builds a JSON document.
//
// Every frame the load tester publishes or echoes carries one marker string,
//   "sbl1.<run>.<sender>.<seq>.<send time ns>"
// (in `data.m` of a published message, or the `id` of a ping), and the server hands it back
// verbatim inside the delivered event. Finding the marker is one memmem() near the start of the
// frame; everything else (acks, welcomes, errors) is rare and uses topLevelString().
namespace FrameScan {

constexpr std::string_view MARKER_PREFIX = "sbl1.";

struct Marker
{
    std::uint32_t run = 0;
    std::uint32_t sender = 0; // connection index of the publisher
    std::uint64_t seq = 0; // 0 = warm-up message
    std::uint64_t sentNs = 0; // monotonic clock of this process at send time
};

// Appends the marker text (without quotes) to `out`.
void appendMarker(std::string &out, const Marker &m);

// Finds and parses a marker in `text`. False when there is none or it is malformed.
bool findMarker(std::string_view text, Marker *marker);

// The string value of `key` in the top-level object of `json` (nested objects and arrays are
// skipped, escapes inside strings honoured; the value is returned raw, without unescaping).
// Empty when absent or not a string.
std::string_view topLevelString(std::string_view json, std::string_view key);

// The integer value of a top-level key, or -1 when absent or not a non-negative integer.
long long topLevelInteger(std::string_view json, std::string_view key);

} // namespace FrameScan

} // namespace Switchboard::LoadTest
