// SPDX-License-Identifier: MIT
// The server half of RFC 6455 framing and the HTTP upgrade head, byte by byte.
#include "io/upgraderequest.h"
#include "io/wsprotocol.h"

#include <QTest>

using namespace Switchboard::Io;

namespace {

// A masked client frame, as a browser would send it.
QByteArray clientFrame(quint8 firstByte, const QByteArray &payload, quint32 mask = 0x11223344)
{
    QByteArray out;
    out.append(char(firstByte));
    const qsizetype n = payload.size();
    if (n < 126) {
        out.append(char(0x80 | n));
    } else if (n <= 0xFFFF) {
        out.append(char(0x80 | 126));
        out.append(char(n >> 8));
        out.append(char(n & 0xFF));
    } else {
        out.append(char(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            out.append(char((quint64(n) >> shift) & 0xFF));
    }
    out.append(reinterpret_cast<const char *>(&mask), 4);
    QByteArray body = payload;
    Ws::unmask(body.data(), body.size(), mask); // XOR is its own inverse
    return out + body;
}

} // namespace

class tst_WsProtocol : public QObject
{
    Q_OBJECT

private slots:
    void encodeLengths_data();
    void encodeLengths();
    void closeReasonCutOnCharacterBoundary();
    void parseMaskedFrames();
    void refuseViolations_data();
    void refuseViolations();
    void unmaskAtAnyOffset();
    void utf8_data();
    void utf8();
    void utf8InPieces_data();
    void utf8InPieces();
    void utf8FailsAtTheFirstBadByte_data();
    void utf8FailsAtTheFirstBadByte();
    void acceptKeyFromTheRfc();
    void upgradeHead();
    void upgradeProblems_data();
    void upgradeProblems();
};

void tst_WsProtocol::encodeLengths_data()
{
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("headerBytes");
    QTest::newRow("0") << 0 << 2;
    QTest::newRow("125") << 125 << 2;
    QTest::newRow("126") << 126 << 4;
    QTest::newRow("65535") << 65535 << 4;
    QTest::newRow("65536") << 65536 << 10;
}

void tst_WsProtocol::encodeLengths()
{
    QFETCH(int, size);
    QFETCH(int, headerBytes);
    const QByteArray payload(size, 'x');
    const QByteArray frame = Ws::encodeFrame(Ws::TEXT, payload);
    QCOMPARE(frame.size(), size + headerBytes);
    QCOMPARE(quint8(frame[0]), 0x81); // FIN + text
    QCOMPARE(quint8(frame[1]) & 0x80, 0); // servers never mask
    QCOMPARE(frame.mid(headerBytes), payload);
    if (headerBytes == 4)
        QCOMPARE((quint8(frame[2]) << 8) | quint8(frame[3]), size);
}

void tst_WsProtocol::closeReasonCutOnCharacterBoundary()
{
    // 60 three-byte characters = 180 bytes; only 123 fit, cut back to 41 whole characters.
    const QByteArray reason = QString(60, QChar(0x4E2D)).toUtf8();
    const QByteArray frame = Ws::encodeClose(4001, reason);
    QCOMPARE(quint8(frame[0]), 0x88);
    const int length = quint8(frame[1]);
    QCOMPARE(length, 2 + 41 * 3);
    QCOMPARE((quint8(frame[2]) << 8) | quint8(frame[3]), 4001);
    QVERIFY(Ws::isValidUtf8(frame.mid(4)));
}

void tst_WsProtocol::parseMaskedFrames()
{
    for (int size : {5, 300, 70000}) {
        const QByteArray payload(size, 'a');
        const QByteArray frame = clientFrame(0x81, payload);
        Ws::FrameHeader header;
        const char *why = nullptr;
        // Every prefix shorter than the header needs more.
        QCOMPARE(Ws::parseClientHeader(frame.constData(), 1, &header, &why),
                 Ws::ParseResult::NeedMore);
        QCOMPARE(Ws::parseClientHeader(frame.constData(), frame.size(), &header, &why),
                 Ws::ParseResult::Complete);
        QVERIFY(header.fin);
        QCOMPARE(header.opcode, Ws::TEXT);
        QCOMPARE(header.payloadBytes, quint64(size));
        QByteArray body = frame.mid(header.headerBytes);
        Ws::unmask(body.data(), body.size(), header.mask);
        QCOMPARE(body, payload);
    }
}

void tst_WsProtocol::refuseViolations_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::newRow("unmasked") << QByteArray("\x81\x02hi", 4);
    QTest::newRow("reserved bit") << clientFrame(0xC1, "hi");
    QTest::newRow("reserved opcode") << clientFrame(0x83, "hi");
    QTest::newRow("fragmented ping") << clientFrame(0x09, "hi");
    QTest::newRow("long ping") << clientFrame(0x89, QByteArray(126, 'p'));
    QByteArray padded = clientFrame(0x81, QByteArray(200, 'x'));
    padded[2] = 0; // 16-bit length field holding 0..125: not the shortest form
    padded[3] = 100;
    QTest::newRow("non-minimal length") << padded;
}

void tst_WsProtocol::refuseViolations()
{
    QFETCH(QByteArray, frame);
    Ws::FrameHeader header;
    const char *why = nullptr;
    QCOMPARE(Ws::parseClientHeader(frame.constData(), frame.size(), &header, &why),
             Ws::ParseResult::Invalid);
    QVERIFY(why && *why);
}

void tst_WsProtocol::unmaskAtAnyOffset()
{
    QByteArray plain(1000, 0);
    for (int i = 0; i < plain.size(); ++i)
        plain[i] = char(i * 7);
    const quint32 mask = 0xA1B2C3D4;
    QByteArray masked = plain;
    Ws::unmask(masked.data(), masked.size(), mask);
    QVERIFY(masked != plain);
    // Unmasking in pieces that start at odd offsets gives the same bytes.
    qsizetype at = 0;
    for (qsizetype piece : {3, 1, 17, 250, 729}) {
        Ws::unmask(masked.data() + at, piece, mask, quint64(at));
        at += piece;
    }
    QCOMPARE(masked, plain);
}

void tst_WsProtocol::utf8_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("valid");
    QTest::newRow("ascii") << QByteArray("hello, world and more ascii text") << true;
    QTest::newRow("chinese") << QStringLiteral("你好，世界").toUtf8() << true;
    QTest::newRow("emoji") << QByteArray("\xF0\x9F\x98\x80") << true;
    QTest::newRow("overlong") << QByteArray("\xC0\xAF") << false;
    QTest::newRow("overlong 3") << QByteArray("\xE0\x80\xAF") << false;
    QTest::newRow("surrogate") << QByteArray("\xED\xA0\x80") << false;
    QTest::newRow("above max") << QByteArray("\xF4\x90\x80\x80") << false;
    QTest::newRow("truncated") << QByteArray("abc\xE4\xBD") << false;
    QTest::newRow("stray continuation") << QByteArray("abcdefgh\x80") << false;
    QTest::newRow("bad continuation") << QByteArray("\xE4\x41\xA0") << false;
}

void tst_WsProtocol::utf8()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);
    QCOMPARE(Ws::isValidUtf8(text), valid);
}

void tst_WsProtocol::utf8InPieces_data()
{
    utf8_data();
}

// Every split point (a character cut across fragments or reads) gives the same verdict as the
// whole text, and a cut character is not a boundary.
void tst_WsProtocol::utf8InPieces()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, valid);
    for (qsizetype cut = 0; cut <= text.size(); ++cut) {
        Ws::Utf8Validator validator;
        const bool ok = validator.feed(QByteArrayView(text).first(cut))
            && validator.feed(QByteArrayView(text).sliced(cut)) && validator.atBoundary();
        QVERIFY2(ok == valid, qPrintable(QStringLiteral("cut at %1").arg(cut)));
    }
    Ws::Utf8Validator oneByOne;
    bool ok = true;
    for (char c : text)
        ok = ok && oneByOne.feed(QByteArrayView(&c, 1));
    QCOMPARE(ok && oneByOne.atBoundary(), valid);
}

void tst_WsProtocol::utf8FailsAtTheFirstBadByte_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("firstBad");
    // Autobahn 6.3.1's payload: "κόσμε" then ED A0 80 (a surrogate) then "edited".
    QTest::newRow("surrogate after greek")
        << QByteArray("\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xED\xA0\x80\x65\x64\x69\x74"
                      "\x65\x64")
        << 12;
    QTest::newRow("overlong lead") << QByteArray("ab\xC0\xAF") << 2;
    QTest::newRow("F5 lead") << QByteArray("abc\xF5\x80\x80\x80") << 3;
    QTest::newRow("above max") << QByteArray("\xF4\x90\x80\x80") << 1;
    QTest::newRow("ascii inside a character") << QByteArray("\xE4\xBD\x41") << 2;
    QTest::newRow("long ascii then stray") << QByteArray(40, 'a') + "\x80" << 40;
}

// Fed one byte at a time, the validator refuses exactly the first byte that cannot continue a
// valid text: a peer is failed there, not when the message (or the frame) ends.
void tst_WsProtocol::utf8FailsAtTheFirstBadByte()
{
    QFETCH(QByteArray, text);
    QFETCH(int, firstBad);
    Ws::Utf8Validator validator;
    int failedAt = -1;
    for (int i = 0; i < text.size(); ++i) {
        if (!validator.feed(QByteArrayView(text.constData() + i, 1))) {
            failedAt = i;
            break;
        }
    }
    QCOMPARE(failedAt, firstBad);
    QVERIFY(!validator.feed("a")); // stays failed
    QVERIFY(!validator.atBoundary());
}

void tst_WsProtocol::acceptKeyFromTheRfc()
{
    // RFC 6455 section 1.3.
    QCOMPARE(Ws::acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
}

void tst_WsProtocol::upgradeHead()
{
    const QByteArray head = "GET /ws?token=abc&room_id=x HTTP/1.1\r\n"
                            "Host: 127.0.0.1\r\n"
                            "Upgrade: WebSocket\r\n"
                            "Connection: keep-alive, Upgrade\r\n"
                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                            "Sec-WebSocket-Version: 13\r\n\r\n";
    UpgradeRequest request;
    qsizetype consumed = 0;
    QCOMPARE(UpgradeRequest::parse(QByteArrayView(head).first(20), 8192, &request, &consumed),
             UpgradeRequest::Result::NeedMore);
    QCOMPARE(UpgradeRequest::parse(head + "\x81\x80", 8192, &request, &consumed),
             UpgradeRequest::Result::Complete);
    QCOMPARE(consumed, head.size());
    QCOMPARE(request.method, QByteArray("GET"));
    QCOMPARE(request.path, QByteArray("/ws"));
    QCOMPARE(request.query, QByteArray("token=abc&room_id=x"));
    QCOMPARE(request.header("host"), QByteArray("127.0.0.1"));
    QVERIFY(request.wantsWebSocket());
    QVERIFY(request.upgradeProblem().isEmpty());
    QCOMPARE(UpgradeRequest::parse(head, 64, &request, &consumed),
             UpgradeRequest::Result::TooLarge);
    QCOMPARE(
        UpgradeRequest::parse("GET / HTTP/1.1\r\nno colon here\r\n\r\n", 8192, &request, &consumed),
        UpgradeRequest::Result::Invalid);
    // A TLS ClientHello is not HTTP, and that is clear from its first byte.
    QCOMPARE(
        UpgradeRequest::parse(QByteArray("\x16\x03\x01\x02\x00", 5), 8192, &request, &consumed),
        UpgradeRequest::Result::NotHttp);
    QCOMPARE(UpgradeRequest::parse("G", 8192, &request, &consumed),
             UpgradeRequest::Result::NeedMore);
}

void tst_WsProtocol::upgradeProblems_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<QByteArray>("problem");
    QTest::addColumn<int>("status");
    const QByteArray rest = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    QTest::newRow("post") << "POST /ws HTTP/1.1\r\n" + rest
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                          << QByteArray("GET") << 400;
    QTest::newRow("version") << "GET /ws HTTP/1.1\r\n" + rest
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n"
                             << QByteArray("Version") << 426;
    QTest::newRow("key") << "GET /ws HTTP/1.1\r\n" + rest
            + "Sec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n"
                         << QByteArray("Key") << 400;
}

void tst_WsProtocol::upgradeProblems()
{
    QFETCH(QByteArray, head);
    QFETCH(QByteArray, problem);
    QFETCH(int, status);
    UpgradeRequest request;
    qsizetype consumed = 0;
    QCOMPARE(UpgradeRequest::parse(head, 8192, &request, &consumed),
             UpgradeRequest::Result::Complete);
    QVERIFY(request.upgradeProblem().contains(problem));
    // RFC 6455 section 4.4: only the version problem is a 426, and it names version 13.
    QCOMPARE(request.problemStatus(), status);
    const auto headers = request.problemHeaders();
    QCOMPARE(headers.size(), status == 426 ? 1 : 0);
    if (status == 426)
        QCOMPARE(headers.first(), qMakePair(QByteArray("Sec-WebSocket-Version"), QByteArray("13")));
}

QTEST_GUILESS_MAIN(tst_WsProtocol)
#include "tst_wsprotocol.moc"
