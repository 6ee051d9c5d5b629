// SPDX-License-Identifier: MIT
#include "terminal.h"

#include <cstdio>

#include <QDir>
#include <QFile>
#include <QLockFile>
#include <QSocketNotifier>

#include <histedit.h>
#include <termios.h>
#include <unistd.h>

namespace Switchboard::Cli {

namespace {

QByteArray historyFile()
{
    return QDir::home().filePath(QStringLiteral(".switchboard_cli_history")).toLocal8Bit();
}

void writeAll(FILE *stream, const QByteArray &bytes)
{
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stream);
    std::fflush(stream);
}

Terminal *terminalOf(EditLine *el)
{
    void *data = nullptr;
    el_wget(el, EL_CLIENTDATA, &data);
    return static_cast<Terminal *>(data);
}

// Decodes the complete UTF-8 characters at the front of `bytes` (removing them); an invalid
// byte becomes U+FFFD, an unfinished character stays for the next read.
void decodeUtf8(QByteArray &bytes, std::deque<wchar_t> &out)
{
    qsizetype i = 0;
    while (i < bytes.size()) {
        const auto b = uchar(bytes[i]);
        const int extra = b < 0x80 ? 0
            : (b & 0xE0) == 0xC0   ? 1
            : (b & 0xF0) == 0xE0   ? 2
            : (b & 0xF8) == 0xF0   ? 3
                                   : -1;
        if (extra < 0) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        if (i + extra >= bytes.size() && extra > 0)
            break; // unfinished: wait for the rest
        char32_t c = extra == 0 ? b : b & (0x3F >> extra);
        bool valid = true;
        for (int k = 1; k <= extra; ++k) {
            const auto next = uchar(bytes[i + k]);
            if ((next & 0xC0) != 0x80) {
                valid = false;
                break;
            }
            c = (c << 6) | (next & 0x3F);
        }
        if (!valid) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        out.push_back(wchar_t(c));
        i += extra + 1;
    }
    bytes.remove(0, i);
}

} // namespace

Terminal::Terminal(bool interactive, QObject *parent)
    : QObject(parent)
    , m_interactive(interactive)
{ }

Terminal::~Terminal()
{
    stop();
}

void Terminal::start(const QString &prompt)
{
    if (m_reading)
        return;
    m_reading = true;
    m_prompt = prompt.toStdWString();
    m_notifier = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, this);
    if (!m_interactive) {
        connect(m_notifier, &QSocketNotifier::activated, this, &Terminal::readPlain);
        return;
    }
    // libedit's own wide-character interface, not its readline layer: that one converts the
    // whole line on every key and corrupts the heap past about 3,200 characters (issue 14).
    // Keys come from readKey(), so the line length is checked before libedit sees them.
    m_editLine = el_init("switchboard-cli", stdin, stdout, stderr);
    el_wset(m_editLine, EL_CLIENTDATA, this);
    el_wset(m_editLine, EL_PROMPT, &Terminal::promptText);
    el_wset(m_editLine, EL_EDITOR, L"emacs");
    el_wset(m_editLine, EL_SIGNAL, 1); // Ctrl-C and suspend restore the terminal first
    el_wset(m_editLine, EL_GETCFN, &Terminal::readKey);
    m_history = history_winit();
    HistEventW event;
    history_w(m_history, &event, H_SETSIZE, 500);
    history_w(m_history, &event, H_LOAD, historyFile().constData()); // absent the first time
    el_wset(m_editLine, EL_HIST, history_w, m_history);
    el_source(m_editLine, nullptr); // ~/.editrc, as other libedit programs
    el_wset(m_editLine, EL_UNBUFFERED, 1); // one key per el_wgets(); draws the prompt
    connect(m_notifier, &QSocketNotifier::activated, this, &Terminal::readEdited);
}

void Terminal::stop()
{
    if (!m_reading)
        return;
    m_reading = false;
    delete m_notifier;
    m_notifier = nullptr;
    if (m_editLine) {
        el_wset(m_editLine, EL_UNBUFFERED, 0); // back to the terminal's cooked mode
        saveHistory();
        el_end(m_editLine);
        m_editLine = nullptr;
        history_wend(m_history);
        m_history = nullptr;
        writeAll(stdout, QByteArrayLiteral("\n"));
    }
}

void Terminal::saveHistory()
{
    // Other sessions may have saved since this one started: the file as it is now, plus the
    // lines of this session, under a lock, so two sessions ending together both keep theirs.
    const QString path = QString::fromLocal8Bit(historyFile());
    QLockFile lock(path + QStringLiteral(".lock"));
    lock.setStaleLockTime(10000);
    const bool locked = lock.tryLock(2000); // without it, still better than nothing
    HistoryW *merged = history_winit();
    HistEventW event;
    history_w(merged, &event, H_SETSIZE, 500);
    history_w(merged, &event, H_LOAD, historyFile().constData());
    for (const QString &line : std::as_const(m_sessionLines))
        history_w(merged, &event, H_ENTER, line.toStdWString().c_str());
    history_w(merged, &event, H_SAVE, historyFile().constData());
    history_wend(merged);
    // What was typed includes private messages: the history is for its owner only.
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    if (locked)
        lock.unlock();
}

wchar_t *Terminal::promptText(EditLine *el)
{
    Terminal *self = terminalOf(el);
    static wchar_t empty[] = L"";
    return self ? self->m_prompt.data() : empty;
}

bool Terminal::fillKeys(bool block)
{
    if (m_inputEnded)
        return false;
    char buffer[4096];
    ssize_t n = 0;
    do {
        n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    } while (n < 0 && errno == EINTR && block);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
        m_inputEnded = true;
        return false;
    }
    if (n > 0) {
        m_pending.append(buffer, n);
        decodeUtf8(m_pending, m_keys);
    }
    return true;
}

int Terminal::readKey(EditLine *el, wchar_t *c)
{
    Terminal *self = terminalOf(el);
    if (!self)
        return 0;
    // Normally a key is waiting; only the rest of an escape sequence may still be on its way.
    while (self->m_keys.empty()) {
        if (!self->fillKeys(true))
            return 0;
    }
    *c = self->m_keys.front();
    self->m_keys.pop_front();
    return 1;
}

void Terminal::readEdited()
{
    fillKeys(false);
    while (!m_keys.empty() && m_reading) {
        const wchar_t key = m_keys.front();
        const LineInfoW *line = el_wline(m_editLine);
        const bool printable = key >= 0x20 && key != 0x7f;
        if (printable && line->lastchar - line->buffer >= MAX_EDIT_CHARS) {
            m_keys.pop_front(); // the line is refused when it ends
            m_overflow = true;
            continue;
        }
        int count = 0;
        const wchar_t *text = el_wgets(m_editLine, &count);
        if (!text || count <= 0)
            continue;
        if (text[count - 1] == L'\n' || text[count - 1] == L'\r')
            lineDone(text, count - 1);
        else if (count == 1 && text[0] == 0x04) // Ctrl-D on an empty line
            Q_EMIT endOfInput();
    }
    if (m_inputEnded && m_keys.empty() && m_reading) {
        m_notifier->setEnabled(false);
        Q_EMIT endOfInput();
    }
}

void Terminal::lineDone(const wchar_t *line, int count)
{
    const QString text = QString::fromWCharArray(line, count);
    // Leaving and entering unbuffered mode ends this line and starts the next one (prompt).
    el_wset(m_editLine, EL_UNBUFFERED, 0);
    const bool overflow = std::exchange(m_overflow, false);
    if (!overflow && !text.trimmed().isEmpty()) {
        HistEventW event;
        history_w(m_history, &event, H_ENTER, text.toStdWString().c_str());
        m_sessionLines << text;
        if (m_sessionLines.size() > 500) // what the file keeps
            m_sessionLines.removeFirst();
    }
    if (overflow) {
        writeAll(stderr,
                 QStringLiteral("error: the line is longer than %1 characters; nothing "
                                "was sent (send longer text with --exec or from "
                                "standard input)\n")
                     .arg(MAX_EDIT_CHARS)
                     .toUtf8());
    }
    if (m_reading)
        el_wset(m_editLine, EL_UNBUFFERED, 1);
    if (!overflow)
        Q_EMIT lineEntered(text);
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
    if (!(m_editLine && m_reading)) {
        writeAll(error ? stderr : stdout, bytes);
        return;
    }
    // Clear the prompt line, print above it, then let libedit draw the prompt and the line
    // being edited again (cursor position included).
    writeAll(stdout, QByteArrayLiteral("\r\x1b[K"));
    writeAll(error ? stderr : stdout, bytes);
    el_wset(m_editLine, EL_REFRESH);
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
