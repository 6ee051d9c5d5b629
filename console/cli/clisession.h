// SPDX-License-Identifier: MIT
#pragma once

#include "clioptions.h"
#include "command.h"
#include "connection.h"
#include "eventformatter.h"

#include <functional>

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QQueue>
#include <QTimer>

namespace Switchboard::Cli {

class Terminal;

// One run of switchboard-cli: wires the terminal to a Client::Connection, runs commands
// (interactively, or one after the other in script mode, each waiting for its answer by id),
// prints events and connection news, and decides the exit status.
class CliSession : public QObject
{
    Q_OBJECT

public:
    CliSession(const CliOptions &options, Terminal *terminal, QObject *parent = nullptr);
    void start();

Q_SIGNALS:
    void finished(int exitStatus);

private:
    // A command sent and not yet answered.
    struct Pending
    {
        Command command;
        QString barrierFor; // a ping that tells when a quiet/raw command went through
        bool failed = false;
        bool barrierBehind = false; // its outcome is known when the barrier's pong comes
    };

    // Connection news (clisession.cpp)
    void onConnected(const QJsonObject &welcome);
    void onFailed(const QString &message);
    void onSyncComplete(const QJsonObject &sync);
    void onEvent(const QJsonObject &event);
    void finish(int status);
    void fail(int status, const QString &message);
    void status(const QString &text);
    void print(const QString &text, bool error = false);

    // Commands (clicommands.cpp)
    void onLine(const QString &line);
    void runNext();
    void execute(Command command);
    void send(Command command);
    void refuse(const Command &command, const QString &error); // not sent
    bool handleAnswer(const QJsonObject &event);
    void complete(const QString &id, bool ok);
    void resolveUser(const QString &name, std::function<void(qint64, QString)> done);
    void resendAfterReconnect();
    void noteFailure(int status);
    void armTimeout();
    void onTimeout();

    CliOptions m_options;
    Terminal *m_terminal;
    Client::Connection m_connection;
    EventFormatter m_formatter;
    bool m_script = false; // commands one after the other, each waiting for its answer
    QQueue<QString> m_queue; // script lines not yet run
    bool m_inputDone = false; // no more lines will come
    bool m_busy = false; // a script command is being resolved or waits for its answer
    QHash<QString, Pending> m_pending; // by frame id
    QString m_rawKey; // the pending `json` frame sent without an id
    QHash<QString, double> m_rtt; // pong id -> round trip, from pongReceived
    QTimer m_timeout;
    int m_exitStatus = Exit::OK;
    bool m_finished = false;
    bool m_reconnected = false; // the current welcome follows a lost connection
    int m_replayed = 0; // stored messages received between a welcome and sync_complete
    bool m_syncing = false;
};

} // namespace Switchboard::Cli
