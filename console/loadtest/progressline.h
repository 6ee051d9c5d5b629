// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

namespace Switchboard::LoadTest {

// The live status line on stderr, redrawn in place at most four times a second, and only when
// stderr is a terminal (logs and pipes get the final summary alone).
class ProgressLine
{
public:
    ProgressLine(bool wanted, std::string label);
    ~ProgressLine();

    void update(std::uint64_t nowNs, const char *format, ...) __attribute__((format(printf, 3, 4)));
    void finish();

private:
    bool m_enabled;
    bool m_drawn = false;
    std::string m_label;
    std::uint64_t m_nextNs = 0;
};

} // namespace Switchboard::LoadTest
