// SPDX-License-Identifier: MIT
#include "clirunner.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QTest>

#include <fcntl.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace Switchboard::Test {

CliRunner::CliRunner(Input input)
    : m_input(input)
{ }

CliRunner::~CliRunner()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    if (m_master >= 0)
        ::close(m_master);
}

void CliRunner::start(const QStringList &arguments)
{
    if (m_input == Input::Terminal) {
        int slave = -1;
        winsize size {};
        size.ws_row = ushort(m_rows);
        size.ws_col = ushort(m_columns);
        if (openpty(&m_master, &slave, nullptr, nullptr, &size) != 0)
            qFatal("openpty failed");
        ::fcntl(m_master, F_SETFL, ::fcntl(m_master, F_GETFL) | O_NONBLOCK);
        m_process.setStandardInputFile(QProcess::nullDevice());
        m_process.setStandardOutputFile(QProcess::nullDevice());
        m_process.setStandardErrorFile(QProcess::nullDevice());
        m_process.setChildProcessModifier([slave] {
            // A session of its own with the pseudo-terminal as controlling terminal and stdio.
            ::setsid();
            ::ioctl(slave, TIOCSCTTY, 0);
            ::dup2(slave, 0);
            ::dup2(slave, 1);
            ::dup2(slave, 2);
            if (slave > 2)
                ::close(slave);
        });
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("TERM"), QStringLiteral("xterm"));
        env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8")); // as most terminals
        env.insert(QStringLiteral("HOME"), QDir::tempPath()); // no user ~/.editrc
        m_process.setProcessEnvironment(env);
        m_process.start(QStringLiteral(SWITCHBOARD_CLI_PATH), arguments);
        ::close(slave);
    } else {
        m_process.start(QStringLiteral(SWITCHBOARD_CLI_PATH), arguments);
    }
    m_process.waitForStarted(10000);
}

void CliRunner::write(const QByteArray &bytes)
{
    if (m_input == Input::Terminal) {
        // The master is non-blocking: a long paste goes in as fast as the client reads it.
        qsizetype done = 0;
        QDeadlineTimer deadline(20000);
        while (done < bytes.size() && !deadline.hasExpired()) {
            const ssize_t n
                = ::write(m_master, bytes.constData() + done, size_t(bytes.size() - done));
            if (n > 0)
                done += n;
            else
                QTest::qWait(5);
            drain();
        }
    } else
        m_process.write(bytes);
}

void CliRunner::closeInput()
{
    if (m_input == Input::Terminal)
        write(QByteArrayLiteral("\x04")); // Ctrl-D
    else
        m_process.closeWriteChannel();
}

void CliRunner::drain()
{
    if (m_input == Input::Terminal) {
        char buffer[4096];
        ssize_t n;
        while ((n = ::read(m_master, buffer, sizeof buffer)) > 0)
            m_out.append(buffer, n);
        return;
    }
    m_out += m_process.readAllStandardOutput();
    m_err += m_process.readAllStandardError();
}

bool CliRunner::waitFinished(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (m_process.state() != QProcess::NotRunning && !deadline.hasExpired()) {
        QTest::qWait(10);
        drain();
    }
    drain();
    return m_process.state() == QProcess::NotRunning;
}

bool CliRunner::waitOutput(const QString &text, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!output().contains(text) && !deadline.hasExpired())
        QTest::qWait(10);
    return output().contains(text);
}

bool CliRunner::waitError(const QString &text, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!error().contains(text) && !deadline.hasExpired())
        QTest::qWait(10);
    return error().contains(text);
}

int CliRunner::exitCode() const
{
    return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
}

QString CliRunner::output()
{
    drain();
    return QString::fromUtf8(m_out);
}

QString CliRunner::error()
{
    drain();
    return QString::fromUtf8(m_err);
}

CliResult runCli(const QStringList &arguments, const QByteArray &stdinText, int timeoutMs)
{
    CliRunner runner;
    runner.start(arguments);
    runner.write(stdinText);
    runner.closeInput();
    CliResult result;
    if (runner.waitFinished(timeoutMs))
        result.exitCode = runner.exitCode();
    result.out = runner.output();
    result.err = runner.error();
    return result;
}

} // namespace Switchboard::Test
