// SPDX-License-Identifier: MIT
#pragma once

#include "connectionoptions.h"
#include "streamtracker.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QTimer>

class QNetworkAccessManager;
class QNetworkReply;
class QWebSocket;

namespace Switchboard::Client {

// One client connection to a Switchboard server: logs in over REST when given a password,
// opens the WebSocket, numbers requests, measures pings, keeps the stream positions and
// reconnects with backoff, resuming where it stopped. No terminal or widget code: the CLI
// and the operator console's chat windows both sit on it.
class Connection : public QObject
{
    Q_OBJECT

public:
    enum class State { Disconnected, LoggingIn, Connecting, Connected, Reconnecting };
    Q_ENUM(State)

    explicit Connection(QObject *parent = nullptr);
    ~Connection() override;

    // Takes effect at the next (re)connect; new credentials replace a token from a login.
    void setOptions(const ConnectionOptions &options);
    const ConnectionOptions &options() const { return m_options; }
    void open(); // log in if needed, connect; on reconnect sends ?resume= positions
    void close(); // closes, no reconnect
    State state() const { return m_state; }

    // Adds an "id" when absent and returns it; "" if not connected, or when the frame is over
    // a limit of the server (`error` says which): larger than the `limits` its welcome
    // announced, or as large as a frame it refused with close 1009. Such a frame is never
    // sent, so a reconnect does not end in the same refusal again.
    QString send(QJsonObject frame, QString *error = nullptr);
    // Raw JSON text as typed by a user (no id added); false if not connected or refused.
    bool sendText(const QString &json, QString *error = nullptr);
    // Why `frame` (encoded as `bytes`) would be refused by the server; empty when it fits.
    QString checkLimits(const QJsonObject &frame, qsizetype bytes) const;

    QJsonObject welcome() const { return m_welcome; } // the last `connected` frame
    qint64 userId() const { return m_userId; }
    QString token() const { return m_token; } // current token (after login)
    Protocol::StreamPositions positions() const { return m_streams.positions(); }
    int reconnectAttempt() const { return m_attempt; }
    // After failed() with state Disconnected: true when the server refused the credentials
    // (bad password, 401, close 4001/4002/4003), false for a network or other failure.
    bool refused() const { return m_authFailed; }

    // REST on the same server with the current token (or the API key when no token). The
    // reply is a child of this connection; deleteLater() it when finished.
    // `preferApiKey`: use the API key when there is one, for admin-only calls.
    QNetworkReply *rest(const QByteArray &method, const QString &path, const QJsonObject &body = {},
                        bool preferApiKey = false);
    // The http(s):// base URL that matches the WebSocket URL.
    QUrl httpUrl(const QString &pathAndQuery) const;

Q_SIGNALS:
    void stateChanged(Switchboard::Client::Connection::State state);
    void connected(const QJsonObject &welcome);
    void disconnected(int closeCode, const QString &reason);
    void reconnectScheduled(int attempt, int delayMs);
    void eventReceived(const QJsonObject &event); // every server frame, parsed
    void errorReceived(const QJsonObject &error); // `error` frames (also in eventReceived)
    // Human-readable: login refused, 401, TLS, server down. Emitted after the state changed:
    // Disconnected means it gave up (see refused()), Reconnecting that it tries again.
    void failed(const QString &message);
    void pongReceived(const QString &id, double rttMs);
    void frameText(bool incoming, const QString &text); // raw text both ways, for raw views

private:
    void setState(State state);
    void login();
    void connectSocket();
    QUrl socketUrl() const;
    void onTextMessage(const QString &text);
    void onSocketDisconnected();
    void onSocketError();
    void giveUp(const QString &message);
    void scheduleReconnect(const QString &failure = {}); // failure: for failed()
    void dropSocket();
    void noteSent(const QJsonObject &frame);

    ConnectionOptions m_options;
    State m_state = State::Disconnected;
    QNetworkAccessManager *m_network = nullptr;
    QPointer<QNetworkReply> m_loginReply;
    QWebSocket *m_socket = nullptr;
    QTimer m_reconnectTimer;
    QTimer m_pingTimer;
    QTimer m_welcomeTimer; // an upgrade or welcome that never comes counts as a failure
    QString m_token;
    qint64 m_userId = 0;
    QJsonObject m_welcome;
    StreamTracker m_streams;
    qint64 m_streamsUser = 0; // whose positions m_streams holds
    QHash<QString, QElapsedTimer> m_pendingPings; // id -> time sent
    quint64 m_nextId = 0;
    int m_attempt = 0; // reconnect attempts since the last welcome
    bool m_everConnected = false;
    bool m_welcomed = false; // this socket got its `connected`
    bool m_freshToken = false; // from a login not yet used for a welcome
    bool m_authFailed = false; // the current failure is a refusal: no reconnect
    // Limits from the welcome's `limits` (0 = not announced), and the size of the smallest
    // frame the server closed a connection for with 1009 (0 = none): nothing that large is
    // sent again.
    qint64 m_maxFrameBytes = 0;
    qint64 m_maxContentChars = 0;
    qint64 m_refusedFrameBytes = 0;
    qint64 m_largestSent = 0; // on the current socket
};

} // namespace Switchboard::Client
