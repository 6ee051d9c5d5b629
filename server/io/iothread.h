// SPDX-License-Identifier: MIT
#pragma once

#include "admission.h"
#include "sparedescriptor.h"
#include "upgraderequest.h"
#include "wsprotocol.h"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <QByteArray>
#include <QHostAddress>

namespace Switchboard::Io {

using ConnectionId = quint64;

struct Limits
{
    qsizetype maxHeadBytes = 8 * 1024; // HTTP request head
    qsizetype maxFrameBytes = 64 * 1024;
    qsizetype maxMessageBytes = 64 * 1024;
    // Unsent bytes before a connection is dropped at once. The session's policy closes a slow
    // consumer well before (docs/RELIABILITY.md); this is the backstop for what it does not
    // count (pongs to a client that pings and never reads). One frame alone may exceed it.
    qsizetype maxQueueBytes = 8 * 1024 * 1024;
    quint16 slowConsumerCode = 1008;
    // Received message bytes handed to the owner and not yet taken (takeEvents), per
    // connection and per thread: past either, the connection's reading pauses until the owner
    // has taken its events, so a client that sends faster than the logic thread handles is held
    // back by TCP instead of growing the event queue (docs/RELIABILITY.md).
    qsizetype maxInputBytes = 1024 * 1024;
    qsizetype maxThreadInputBytes = 32 * 1024 * 1024;
    int handshakeTimeoutMs = 10000;
    int closeTimeoutMs = 5000; // after our close frame, before the socket is dropped
};

// Decides on an upgrade request on the I/O thread (so it must be thread-safe): accept it, answer
// it with an HTTP error, or hand the untouched socket back (plain HTTP for another server).
struct Verdict
{
    enum Kind { Accept, Refuse, HandOff } kind = Refuse;
    int status = 400;
    QByteArray reason = QByteArrayLiteral("Bad Request");
    QByteArray contentType = QByteArrayLiteral("application/json");
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers; // more response headers (426: the version)
    std::shared_ptr<void> context; // travels with the Opened event (e.g. verified claims)
};
using Gatekeeper = std::function<Verdict(const UpgradeRequest &, const QHostAddress &)>;

// One connection's write progress, shared with the logic thread for flow control
// (docs/RELIABILITY.md). Written by the I/O thread; `drainAt` is armed by the logic thread.
struct Flow
{
    // Payload bytes of text frames written to the socket (whole frames only). Once the
    // connection is gone: of those, what reached the peer as far as the kernel knows.
    std::atomic<qint64> written {0};
    // Text frames wholly written (as `written`, in frames: a push-back mark counts them too).
    std::atomic<qint64> frames {0};
    // When > 0: one Drained event is emitted as soon as `written` reaches it, then it is 0.
    std::atomic<qint64> drainAt {0};
};

// What the I/O threads tell the logic thread, in order per connection.
struct IoEvent
{
    // CloseRequested: the client broke the protocol (`code` 1002, 1007 or 1009, `data` says why)
    // or sent its close frame (`code` and `data` to answer with). The frames before it came as
    // events first; the owner answers them, then calls close(id, code, data), so the answers go
    // out before the close frame. Nothing more is read from the socket.
    enum Kind { Opened, Message, Pong, Closed, HandedOff, CloseRequested, Drained } kind = Message;
    ConnectionId id = 0;
    QByteArray data; // Message: the payload; Pong: its payload; Closed, Failed: the reason
    bool binary = false;
    quint16 code = 0; // Closed: the close code (1006 when the socket just went away);
                      // CloseRequested: the code to close with
    int fd = -1; // HandedOff: the socket, still open, nothing read from it
    QHostAddress peer;
    quint16 peerPort = 0;
    std::shared_ptr<UpgradeRequest> request; // Opened, and HandedOff when it was HTTP
    std::shared_ptr<void> context; // Opened
    // Opened: bytes waiting to be written on this connection, kept up to date by the I/O thread
    // (relaxed reads), for operators and slow-consumer policies.
    std::shared_ptr<std::atomic<qint64>> queued;
    std::shared_ptr<Flow> flow; // Opened: the connection's write progress
};

// One epoll loop on its own thread, owning its share of the connections: the HTTP upgrade, the
// RFC 6455 framing, and a write queue per connection flushed with writev(). Payloads to send are
// shared, so one event's bytes serve every connection that gets it. All public
// functions are thread-safe; events come back through takeEvents() after `wake` was called.
class IoThread
{
public:
    IoThread(int index, const Limits &limits, Gatekeeper gatekeeper, std::function<void()> wake);
    ~IoThread();
    IoThread(const IoThread &) = delete;
    IoThread &operator=(const IoThread &) = delete;

    // A listening socket (non-blocking) this loop accepts from, and where each accepted socket
    // goes (another thread's adopt(), say; unset = this thread); call before start().
    using AcceptSink = std::function<void(int fd, const QHostAddress &peer, quint16 port)>;
    void addListener(int fd, AcceptSink sink = {})
    {
        m_listeners.push_back(fd);
        m_acceptSink = std::move(sink);
    }
    // Counts accepted connections and refuses some at accept time (shared by every thread of a
    // server and by the Qt listener); call before start(). Unset = no admission control.
    void setAdmission(std::shared_ptr<Admission> admission) { m_admission = std::move(admission); }
    bool start(QString *error);
    void stop(); // closes every connection without a close frame and joins the thread

    // A freshly accepted, non-blocking socket; the thread owns it from now on.
    void adopt(int fd, const QHostAddress &peer, quint16 port);
    // Queues one frame with this payload (FIN set); dropped if the connection is gone. The
    // payload is shared, not copied: one encoded event can go to any number of connections.
    void send(ConnectionId id, Ws::Opcode opcode, const QByteArray &payload);
    // Sends a close frame after what is queued, then drops the connection.
    void close(ConnectionId id, quint16 code, const QByteArray &reason);
    // Drops the connection at once, without a close frame (Closed comes with 1006).
    void abort(ConnectionId id);

    std::vector<IoEvent> takeEvents();
    int index() const { return m_index; }
    int connectionCount() const { return m_connections.load(std::memory_order_relaxed); }
    // The thread a connection lives on, from its id.
    static int threadOf(ConnectionId id) { return int(id >> 56); }

private:
    struct Connection;
    struct Command
    {
        enum Kind { Adopt, Send, Close, Abort, Resume } kind;
        ConnectionId id;
        int fd;
        quint16 code;
        QByteArray bytes;
        // Adopt only: a default QHostAddress allocates, and sends are the hot path.
        std::optional<QHostAddress> peer;
    };

    // The commands a SendBatch on the calling thread holds back, per I/O thread.
    struct Batch
    {
        int depth = 0;
        std::vector<std::pair<IoThread *, std::vector<Command>>> queued;
    };
    static Batch &batch();
    friend class SendBatch;
    void postMany(std::vector<Command> &&commands);
    // With m_commandLock held (released here): wakes the loop unless it is woken already.
    void wakeLocked(std::unique_lock<std::mutex> &lock);

    void run();
    void acceptAll(int listener);
    // Out of descriptors (or kernel memory): stop watching the listeners for a moment instead of
    // being woken by them again at once.
    void pauseAccepting(qint64 nowMs, int error, int shed);
    void resumeAccepting();
    void addConnection(int fd, const QHostAddress &peer, quint16 port);
    void post(Command &&command);
    void drainCommands();
    // `input`: the event carries what that connection sent (Message, Pong): counted against
    // the input limits, and the connection's reading pauses past them.
    void emitEvent(IoEvent &&event, Connection *input = nullptr);
    // The owner took the events: paused connections read again.
    void resumeReading();
    void wakeOwner();
    // `hangUp`: epoll reported the peer's FIN, a hang-up or an error along with the data.
    void onReadable(Connection &c, bool hangUp);
    void onWritable(Connection &c);
    void readHead(Connection &c);
    // Reads and handles what the socket holds. A read shorter than the buffer emptied the
    // socket, and edge-triggered epoll reports whatever arrives after it, so that read ends the
    // call unless `untilEmpty` (the peer hung up: read until the 0 that says so).
    bool readFrames(Connection &c, bool untilEmpty);
    bool handleFrame(Connection &c, quint8 opcode, bool fin, QByteArray &&payload);
    // A protocol violation (or the client's close): on an open connection the owner is told
    // (IoEvent::CloseRequested) and closes
    // once it has answered the frames before; later, the close goes at once. Returns false.
    bool fail(Connection &c, quint16 code, QByteArrayView why);
    // Checks payload bytes of a text message as they arrive; false (and failed) at a bad byte.
    bool checkText(Connection &c, const char *masked, qsizetype size, quint32 mask, quint64 offset);
    void queue(Connection &c, QByteArray bytes); // raw bytes (HTTP answers)
    void queueFrame(Connection &c, Ws::Opcode opcode, QByteArray payload);
    void flush(Connection &c);
    // After a write: publishes the text bytes written and emits Drained when it was asked for.
    void publishWritten(Connection &c);
    // Queues a close frame; `reportCode` (when set) is the code the Closed event will carry.
    void startClose(Connection &c, quint16 code, QByteArrayView reason, quint16 reportCode = 0);
    void drop(Connection &c, quint16 code, QByteArrayView reason);
    void sweep(qint64 nowMs);

    const int m_index;
    const Limits m_limits;
    Gatekeeper m_gatekeeper;
    std::function<void()> m_wake;
    int m_epoll = -1;
    int m_eventFd = -1;
    std::thread m_thread;
    std::atomic<bool> m_stopping {false};
    std::atomic<int> m_connections {0};

    std::mutex m_commandLock;
    std::vector<Command> m_commands;
    bool m_commandsSignalled = false;

    mutable std::mutex m_eventLock;
    std::vector<IoEvent> m_events;
    bool m_eventsSignalled = false;
    quint64 m_eventRound = 0; // takeEvents() calls so far
    qint64 m_eventInputBytes = 0; // received bytes in m_events
    bool m_resumeOwed = false; // a connection paused since the last takeEvents()

    // Owned by the loop thread only.
    bool m_wakeOwed = false; // events went out this round: `wake` is called once at its end
    std::unordered_map<ConnectionId, std::unique_ptr<Connection>> m_byId;
    std::unordered_set<ConnectionId> m_timed; // connections with a deadline (not Open)
    std::vector<ConnectionId> m_paused; // reading paused for the input limits
    std::vector<char> m_scratch;
    std::vector<int> m_listeners; // not owned
    AcceptSink m_acceptSink;
    qint64 m_lastAcceptWarningMs = 0;
    std::shared_ptr<Admission> m_admission;
    std::unique_ptr<SpareDescriptor> m_spare; // only on a thread that accepts
    qint64 m_acceptResumeMs = 0; // accepting paused until then; 0 = not paused
    ConnectionId m_nextSerial = 1;
    qint64 m_lastSweepMs = 0;
};

} // namespace Switchboard::Io
