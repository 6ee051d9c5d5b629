// SPDX-License-Identifier: MIT
#pragma once

#include <deque>

#include <QObject>
#include <QString>
#include <QStringList>

class QSocketNotifier;
struct editline;
struct historyW;

namespace Switchboard::Cli {

// Standard input and output of switchboard-cli. On a terminal, lines are edited with libedit's
// own (wide character) interface, one key at a time fed by a QSocketNotifier so the Qt event
// loop keeps running; output printed meanwhile goes above the prompt and the line being typed
// is redrawn after it. Otherwise stdin is read line by line without echo or editing.
class Terminal : public QObject
{
    Q_OBJECT

public:
    // The longest line the editor takes, in characters: a longer paste is cut there and the
    // line refused with an error. It bounds what libedit holds (its readline layer aborts on
    // long lines, issue 14) and is well above the server's default max_content_chars (8192);
    // longer text goes through --exec or standard input.
    static constexpr qsizetype MAX_EDIT_CHARS = 16384;

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
    static int readKey(editline *el, wchar_t *c);
    static wchar_t *promptText(editline *el);
    void readEdited();
    bool fillKeys(bool block); // reads stdin into m_keys; false at end of input
    void lineDone(const wchar_t *line, int count);
    void readPlain();
    void saveHistory();

    bool m_interactive = false;
    bool m_reading = false;
    QSocketNotifier *m_notifier = nullptr;
    QByteArray m_pending; // bytes after the last newline (plain), or of an unfinished character
    std::wstring m_prompt;
    editline *m_editLine = nullptr;
    historyW *m_history = nullptr;
    std::deque<wchar_t> m_keys; // decoded input not yet given to libedit
    bool m_inputEnded = false;
    QStringList m_sessionLines; // entered in this session, merged into the file at the end
    bool m_overflow = false; // characters of the current line were dropped at MAX_EDIT_CHARS
};

} // namespace Switchboard::Cli
