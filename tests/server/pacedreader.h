// SPDX-License-Identifier: MIT
#pragma once

#include <QDeadlineTimer>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QTcpSocket>
#include <QTest>

namespace Switchboard::Test {

// A WebSocket client over a plain QTcpSocket whose reading pace the test sets: Qt reads at
// most a small buffer from the kernel, so a client that reads `n` bytes per call (or never)
// takes what the server sends at that pace, as a phone on a slow link does.
class PacedReader
{
public:
    explicit PacedReader(qint64 readBuffer = 16 * 1024) { m_socket.setReadBufferSize(readBuffer); }

    // Upgrades; false when the answer is not 101.
    bool open(quint16 port, const QByteArray &pathAndQuery)
    {
        // A small kernel receive buffer, set before connecting (Qt ignores socket options
        // until the socket exists, so bind first): the window it announces stays small, and
        // the kernel cannot take megabytes for a client that does not read.
        m_socket.bind(QHostAddress::LocalHost);
        m_socket.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 8 * 1024);
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        QDeadlineTimer deadline(10000);
        while (m_socket.state() != QAbstractSocket::ConnectedState && !deadline.hasExpired())
            QTest::qWait(5);
        m_socket.write("GET " + pathAndQuery
                       + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                         "Sec-WebSocket-Version: 13\r\n\r\n");
        while (!m_in.contains("\r\n\r\n") && !deadline.hasExpired()) {
            m_in += m_socket.readAll();
            if (!m_in.contains("\r\n\r\n"))
                QTest::qWait(5);
        }
        const qsizetype end = m_in.indexOf("\r\n\r\n");
        if (end < 0 || !m_in.startsWith("HTTP/1.1 101"))
            return false;
        m_in.remove(0, end + 4);
        return true;
    }

    // Reads up to `maxBytes` from the socket; text frames become events, a close frame sets
    // closeCode.
    void read(qint64 maxBytes)
    {
        m_in += m_socket.read(maxBytes);
        for (;;) {
            if (m_in.size() < 2)
                return;
            const quint8 opcode = quint8(m_in[0]) & 0x0F;
            quint64 length = quint8(m_in[1]) & 0x7F;
            qsizetype header = 2;
            if (length == 126) {
                if (m_in.size() < 4)
                    return;
                length = (quint64(quint8(m_in[2])) << 8) | quint8(m_in[3]);
                header = 4;
            } else if (length == 127) {
                if (m_in.size() < 10)
                    return;
                length = 0;
                for (int i = 0; i < 8; ++i)
                    length = (length << 8) | quint8(m_in[2 + i]);
                header = 10;
            }
            if (quint64(m_in.size() - header) < length)
                return;
            const QByteArray payload = m_in.mid(header, qsizetype(length));
            m_in.remove(0, header + qsizetype(length));
            if (opcode == 0x1)
                events << QJsonDocument::fromJson(payload).object();
            else if (opcode == 0x8)
                closeCode = payload.size() >= 2
                    ? (int(quint8(payload[0])) << 8) | int(quint8(payload[1]))
                    : 1005;
        }
    }

    bool connected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    // Everything is read and the server went away.
    bool finished() const { return !connected() && m_socket.bytesAvailable() == 0; }

    // Sends a masked text frame (payloads under 64 KiB).
    void sendText(const QByteArray &text)
    {
        QByteArray frame;
        frame.append(char(0x81));
        const char mask[4] = {1, 2, 3, 4};
        if (text.size() < 126) {
            frame.append(char(0x80 | text.size()));
        } else {
            frame.append(char(0x80 | 126));
            frame.append(char(text.size() >> 8));
            frame.append(char(text.size() & 0xFF));
        }
        frame.append(mask, 4);
        for (qsizetype i = 0; i < text.size(); ++i)
            frame.append(char(text[i] ^ mask[i % 4]));
        m_socket.write(frame);
    }
    void abort() { m_socket.abort(); }

    QList<QJsonObject> events;
    int closeCode = 0;

private:
    QTcpSocket m_socket;
    QByteArray m_in;
};

} // namespace Switchboard::Test
