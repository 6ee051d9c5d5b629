// SPDX-License-Identifier: MIT
#include "sparedescriptor.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Switchboard::Io {

SpareDescriptor::SpareDescriptor()
    : m_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC))
{ }

SpareDescriptor::~SpareDescriptor()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

int SpareDescriptor::shed(int listener, int max)
{
    int closed = 0;
    for (; closed < max; ++closed) {
        if (m_fd >= 0) {
            ::close(m_fd);
            m_fd = -1;
        }
        const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0)
            break; // the backlog is empty (EAGAIN), or another thread took the slot
        ::close(fd);
        m_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    if (m_fd < 0)
        m_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    return closed;
}

} // namespace Switchboard::Io
