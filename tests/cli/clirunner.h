// SPDX-License-Identifier: MIT
#pragma once

#include <QProcess>
#include <QSocketNotifier>
#include <QStringList>

namespace Switchboard::Test {

// switchboard-cli as a child process, driven through stdin pipes or a pseudo-terminal. Waits
// spin the event loop, because the server under test runs in this process.
class CliRunner
{
public:
    enum class Input { Pipe, Terminal };
    explicit CliRunner(Input input = Input::Pipe);
    ~CliRunner();

    // The pseudo-terminal's size (before start()); default 40 x 200, so lines do not wrap.
    void setTerminalSize(int rows, int columns)
    {
        m_rows = rows;
        m_columns = columns;
    }
    void start(const QStringList &arguments);
    void write(const QByteArray &bytes); // to stdin (or the terminal)
    void closeInput();
    bool waitFinished(int timeoutMs = 20000);
    // Waits until the output (stdout, or the terminal) contains the text.
    bool waitOutput(const QString &text, int timeoutMs = 15000);
    bool waitError(const QString &text, int timeoutMs = 15000);
    int exitCode() const;
    QString output(); // stdout (pipe) or everything the terminal showed
    QString error(); // stderr (pipe mode)
    QProcess &process() { return m_process; }

private:
    void drain();

    Input m_input;
    QProcess m_process;
    int m_master = -1; // pseudo-terminal, parent side
    int m_rows = 40;
    int m_columns = 200;
    QByteArray m_out;
    QByteArray m_err;
};

// Runs the client to the end: arguments, stdin text; returns the exit code (-1 on timeout).
struct CliResult
{
    int exitCode = -1;
    QString out;
    QString err;
};
CliResult runCli(const QStringList &arguments, const QByteArray &stdinText = {},
                 int timeoutMs = 20000);

} // namespace Switchboard::Test
