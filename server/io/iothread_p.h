// SPDX-License-Identifier: MIT
#pragma once

#include "iothread.h"

#include <deque>

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcIo)

namespace Switchboard::Io {

qint64 ioNowMs();

// One piece of a write queue: an optional frame header kept inline (so that a payload shared by
// many connections is never copied), then the bytes.
struct OutChunk
{
    char header[10];
    quint8 headerBytes = 0;
    QByteArray bytes;
    bool text = false; // a text frame: counted in Flow::written once wholly written
    qsizetype size() const { return headerBytes + bytes.size(); }
};

// One socket of an I/O thread: where it is in its life, its partial input and its write queue.
struct IoThread::Connection
{
    enum class Phase : quint8 { Head, Refusing, Open, Closing };

    ConnectionId id = 0;
    int fd = -1;
    Phase phase = Phase::Head;
    bool closeSent = false;
    bool writeShut = false;
    bool closeReceived = false; // the client's close frame, answered by ours
    bool dirty = false; // frames queued since the last flush
    bool admitted = false; // counted by the Admission: released when dropped
    quint8 messageOpcode = 0; // of the fragmented message being assembled, 0 = none
    quint16 closeCode = 1006;
    qint64 deadlineMs = 0; // handshake, then close timeout
    QHostAddress peer;
    quint16 port = 0;
    QByteArray in; // bytes of an incomplete frame (empty when idle)
    QByteArray message; // fragments so far
    QByteArray closeReason;
    std::deque<OutChunk> out;
    qsizetype outOffset = 0; // into out.front(), header included
    qint64 queuedBytes = 0;
    std::shared_ptr<std::atomic<qint64>> queued;
    // Strict framing (iothreadread.cpp): the text message being received is checked as its bytes
    // arrive; a violation or the client's close waits for the owner to answer what came before
    // it (IoEvent::CloseRequested).
    Ws::Utf8Validator utf8;
    quint64 checkedBytes = 0; // payload bytes of the incomplete frame in `in` already checked
    quint16 failCode = 0; // a violation was found: input is ignored until the owner closes
    bool peerClosed
        = false; // ... and it was the client's close frame: ours completes the handshake
    std::shared_ptr<Flow> flow = std::make_shared<Flow>();
    qint64 written = 0; // text payload bytes written (Flow::written as last published)
    qint64 writtenFrames = 0; // text frames wholly written
    qint64 publishedFrames = 0; // Flow::frames as last published
    // Input limits (Limits::maxInputBytes): received bytes emitted in event round `inputRound`
    // (guarded by the thread's event lock), and whether reading waits for the owner.
    quint64 inputRound = 0;
    qint64 inputBytes = 0;
    bool readPaused = false;
};

} // namespace Switchboard::Io
