// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>

class QSocketNotifier;

namespace Switchboard::Cli {

// Standard input and output of switchboard-cli. On a terminal, lines are edited with libedit
// through its readline-compatible callback interface, fed by a QSocketNotifier so the Qt event
// loop keeps running; output printed meanwhile goes above the prompt and the line being typed
// is redrawn after it. Otherwise stdin is read line by line without echo or editing.
class Terminal : public QObject
{
    Q_OBJECT

public:
    explicit Terminal(bool interactive, QObject *parent = nullptr);
    ~Terminal() override;

    bool interactive() const { return m_interactive; }
    void start(const QString &prompt); // begins reading stdin
    void stop(); // stops reading, restores the terminal
    // Prints whole lines (stdout, or stderr when `error`) without garbling the prompt.
    void print(const QString &text, bool error = false);

    // The first line of stdin, read before anything else (for --password-stdin); on a terminal
    // without echo.
    static QString readSecretLine(const QString &prompt, bool *ok);

Q_SIGNALS:
    void lineEntered(const QString &line);
    void endOfInput();

private:
    static void onReadlineLine(char *line);
    void readPlain();

    bool m_interactive = false;
    bool m_reading = false;
    QSocketNotifier *m_notifier = nullptr;
    QByteArray m_pending; // plain mode: bytes after the last newline
    QByteArray m_prompt;
};

} // namespace Switchboard::Cli
