// SPDX-License-Identifier: MIT
#include "terminal.h"

#include <cstdio>

#include <QDir>
#include <QFile>
#include <QSocketNotifier>

#include <editline/readline.h>
#include <termios.h>
#include <unistd.h>

namespace Switchboard::Cli {

namespace {

// libedit's callback interface takes a plain function: it reaches the one Terminal here.
Terminal *g_terminal = nullptr;

QByteArray historyFile()
{
    return QDir::home().filePath(QStringLiteral(".switchboard_cli_history")).toLocal8Bit();
}

void writeAll(FILE *stream, const QByteArray &bytes)
{
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stream);
    std::fflush(stream);
}

} // namespace

Terminal::Terminal(bool interactive, QObject *parent)
    : QObject(parent)
    , m_interactive(interactive)
{
    g_terminal = this;
}

Terminal::~Terminal()
{
    stop();
    if (g_terminal == this)
        g_terminal = nullptr;
}

void Terminal::start(const QString &prompt)
{
    if (m_reading)
        return;
    m_reading = true;
    m_prompt = prompt.toUtf8();
    m_notifier = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, this);
    if (m_interactive) {
        stifle_history(500);
        read_history(historyFile().constData()); // absent the first time: fine
        rl_callback_handler_install(m_prompt.constData(), &Terminal::onReadlineLine);
        connect(m_notifier, &QSocketNotifier::activated, this, [] { rl_callback_read_char(); });
    } else {
        connect(m_notifier, &QSocketNotifier::activated, this, &Terminal::readPlain);
    }
}

void Terminal::stop()
{
    if (!m_reading)
        return;
    m_reading = false;
    delete m_notifier;
    m_notifier = nullptr;
    if (m_interactive) {
        rl_callback_handler_remove(); // back to the terminal's cooked mode
        write_history(historyFile().constData());
        // What was typed includes private messages: the history is for its owner only.
        QFile::setPermissions(QString::fromLocal8Bit(historyFile()),
                              QFile::ReadOwner | QFile::WriteOwner);
        writeAll(stdout, QByteArrayLiteral("\n"));
    }
}

void Terminal::onReadlineLine(char *line)
{
    Terminal *self = g_terminal;
    if (!self)
        return;
    if (!line) { // Ctrl-D on an empty line
        Q_EMIT self->endOfInput();
        return;
    }
    const QString text = QString::fromUtf8(line);
    if (!text.trimmed().isEmpty())
        add_history(line);
    std::free(line);
    // libedit leaves its unbuffered (character at a time) mode after a line; installing the
    // handler again restores it, so the next read does not block the event loop.
    if (self->m_reading)
        rl_callback_handler_install(self->m_prompt.constData(), &Terminal::onReadlineLine);
    Q_EMIT self->lineEntered(text);
}

void Terminal::readPlain()
{
    char buffer[4096];
    const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n > 0)
        m_pending.append(buffer, n);
    qsizetype newline;
    while ((newline = m_pending.indexOf('\n')) >= 0) {
        QByteArray line = m_pending.left(newline);
        m_pending.remove(0, newline + 1);
        if (line.endsWith('\r'))
            line.chop(1);
        Q_EMIT lineEntered(QString::fromUtf8(line));
        if (!m_reading)
            return;
    }
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
        if (!m_pending.isEmpty())
            Q_EMIT lineEntered(QString::fromUtf8(std::exchange(m_pending, {})));
        m_notifier->setEnabled(false);
        Q_EMIT endOfInput();
    }
}

void Terminal::print(const QString &text, bool error)
{
    QByteArray bytes = text.toUtf8();
    if (!bytes.endsWith('\n'))
        bytes += '\n';
    if (!(m_interactive && m_reading)) {
        writeAll(error ? stderr : stdout, bytes);
        return;
    }
    // Clear the prompt line, print above it, then let libedit draw the prompt and the line
    // being edited again (cursor position included).
    writeAll(stdout, QByteArrayLiteral("\r\x1b[K"));
    writeAll(error ? stderr : stdout, bytes);
    rl_forced_update_display();
}

QString Terminal::readSecretLine(const QString &prompt, bool *ok)
{
    const bool tty = isatty(STDIN_FILENO);
    termios saved {};
    if (tty) {
        // Echo off before the prompt, so nothing typed after it shows; TCSANOW keeps what
        // was typed ahead (TCSAFLUSH would drop it).
        tcgetattr(STDIN_FILENO, &saved);
        termios quiet = saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
        writeAll(stderr, prompt.toUtf8());
    }
    // One byte at a time: whatever follows the password (commands) stays in stdin.
    QByteArray line;
    char c = 0;
    ssize_t n = 0;
    while ((n = ::read(STDIN_FILENO, &c, 1)) == 1 && c != '\n')
        line.append(c);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        writeAll(stderr, QByteArrayLiteral("\n"));
    }
    if (line.endsWith('\r'))
        line.chop(1);
    *ok = n == 1 || !line.isEmpty();
    return QString::fromUtf8(line);
}

} // namespace Switchboard::Cli
