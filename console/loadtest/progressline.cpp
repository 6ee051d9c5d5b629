// SPDX-License-Identifier: MIT
#include "progressline.h"

#include <cstdarg>
#include <cstdio>

#include <unistd.h>

namespace Switchboard::LoadTest {

ProgressLine::ProgressLine(bool wanted, std::string label)
    : m_enabled(wanted && isatty(STDERR_FILENO))
    , m_label(std::move(label))
{ }

ProgressLine::~ProgressLine()
{
    finish();
}

void ProgressLine::update(std::uint64_t nowNs, const char *format, ...)
{
    if (!m_enabled || nowNs < m_nextNs)
        return;
    m_nextNs = nowNs + 250'000'000;
    char text[256];
    va_list args;
    va_start(args, format);
    std::vsnprintf(text, sizeof text, format, args);
    va_end(args);
    std::fprintf(stderr, "\r\033[K[%s] %s", m_label.c_str(), text);
    std::fflush(stderr);
    m_drawn = true;
}

void ProgressLine::finish()
{
    if (m_drawn) {
        std::fputs("\r\033[K", stderr);
        std::fflush(stderr);
        m_drawn = false;
    }
}

} // namespace Switchboard::LoadTest
