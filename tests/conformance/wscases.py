# SPDX-License-Identifier: MIT
"""The WebSocket conformance cases, numbered after the Autobahn|Testsuite categories they follow
(1 framing, 2 pings/pongs, 3 reserved bits, 4 opcodes, 5 fragmentation, 6 UTF-8, 7 close,
9 limits), plus the project's own: 10 unmasked frames, 11 slowloris, 12 bad upgrades.

Echo goes through the protocol's own frames: a text (or binary) message is an application
`ping` whose `pong` carries its `id`, an empty or broken one gets an `error`.

A case is a list of steps:
  bytes                    sent as they are (one write)
  float                    a pause, in seconds
  ("chops", bytes, n, s)   sent n bytes at a time, s seconds apart
  ("expect", matcher)      the next server frame must match (heartbeat pings are skipped)
Matchers: ("pong", id) an application pong with that id; ("error", CODE) an error frame;
("wspong", payload) a WebSocket pong; ("close", code) a close frame with that code, after which
the server must end the TCP connection. When no close is expected the connection must still
answer afterwards. Every frame the server sends must be expected: nothing more, nothing less.
"""

from wsclient import BINARY, CLOSE, CONT, PING, PONG, TEXT, frame, ping_json

# The Qt transport (QWebSocket, native_transport=false) checks UTF-8 per frame, so a character
# split across fragments is refused as invalid, and a bad byte in a later fragment is only seen
# when that fragment is complete. The only cases allowed to fail there.
QT_UTF8_ACROSS_FRAGMENTS = ("QWebSocket decodes each fragment on its own: a UTF-8 character "
                            "split across fragments is taken for invalid text")


# ... and only once a frame is complete: a bad byte inside a frame still arriving is not seen
# until its last byte (no "fail fast" within a frame).
QT_UTF8_WITHIN_A_FRAME = ("QWebSocket checks UTF-8 only over a complete frame: a bad byte in a "
                          "frame still arriving is not failed at once")


class Case:
    def __init__(self, cid, desc, steps, xfail_qt=None, kind="frames", **extra):
        self.id = cid
        self.desc = desc
        self.steps = steps
        self.xfail_qt = xfail_qt
        self.kind = kind
        self.extra = extra


def E(ident):
    return ("expect", ("pong", ident))


def ERR(code):
    return ("expect", ("error", code))


def WSPONG(payload):
    return ("expect", ("wspong", payload))


def CLOSED(code):
    return ("expect", ("close", code))


def fragments(opcode, payload, pieces):
    """`payload` cut into `pieces` (sizes or a chunk size) as a fragmented message."""
    if isinstance(pieces, int):
        sizes = [pieces] * ((len(payload) + pieces - 1) // pieces) or [0]
    else:
        sizes = pieces
    out, at = [], 0
    for i, n in enumerate(sizes):
        last = i == len(sizes) - 1
        chunk = payload[at:] if last else payload[at:at + n]
        out.append(frame(opcode if i == 0 else CONT, chunk, fin=last))
        at += n
    return out


def close_payload(code, reason=b""):
    return code.to_bytes(2, "big") + reason


def cases():
    out = []

    def add(cid, desc, steps, **kw):
        out.append(Case(cid, desc, steps, **kw))

    # 1 Framing: text and binary messages of every length form.
    sizes = [0, 125, 126, 127, 128, 65535, 65536]
    for group, opcode, name in ((1, TEXT, "text"), (2, BINARY, "binary")):
        for i, size in enumerate(sizes):
            cid = "1.%d.%d" % (group, i + 1)
            if size == 0:
                add(cid, "empty %s message: an INVALID_JSON error" % name,
                    [frame(opcode, b""), ERR("INVALID_JSON")])
            else:
                add(cid, "%s message of %d bytes" % (name, size),
                    [frame(opcode, ping_json(cid, size)), E(cid)])
        cid = "1.%d.8" % group
        add(cid, "%s message of 65536 bytes in chops of 997" % name,
            [("chops", frame(opcode, ping_json(cid, 65536)), 997, 0), E(cid)])

    # 2 Pings and pongs.
    add("2.1", "ping without payload", [frame(PING), WSPONG(b"")])
    add("2.2", "ping with a text payload", [frame(PING, b"Hello, world!"),
                                            WSPONG(b"Hello, world!")])
    add("2.3", "ping with a binary payload", [frame(PING, bytes(range(8)) + b"\xfe\xff"),
                                              WSPONG(bytes(range(8)) + b"\xfe\xff")])
    add("2.4", "ping with 125 bytes", [frame(PING, b"\xfe" * 125), WSPONG(b"\xfe" * 125)])
    add("2.5", "ping with 126 bytes: 1002", [frame(PING, b"\xfe" * 126), CLOSED(1002)])
    add("2.6", "ping with 125 bytes in chops of 1", [("chops", frame(PING, b"\xfe" * 125), 1,
                                                      0.001), WSPONG(b"\xfe" * 125)])
    add("2.7", "unsolicited pong without payload", [frame(PONG)])
    add("2.8", "unsolicited pong with payload", [frame(PONG, b"unsolicited pong payload")])
    add("2.9", "unsolicited pong, then ping", [frame(PONG, b"unsolicited"),
                                               frame(PING, b"ping payload"),
                                               WSPONG(b"ping payload")])
    add("2.10", "10 pings", [b"".join(frame(PING, b"payload-%d" % i) for i in range(10))]
        + [WSPONG(b"payload-%d" % i) for i in range(10)])
    add("2.11", "10 pings in chops", [("chops", b"".join(frame(PING, b"payload-%d" % i)
                                                        for i in range(10)), 1, 0)]
        + [WSPONG(b"payload-%d" % i) for i in range(10)])

    # 3 Reserved bits: what came before the violation is answered, nothing after it.
    add("3.1", "text with RSV=1: 1002", [frame(TEXT, ping_json("3.1"), rsv=1), CLOSED(1002)])
    bad = frame(TEXT, ping_json("3.2b"), rsv=2)
    add("3.2", "text, text with RSV=2, ping: the first answered, then 1002",
        [frame(TEXT, ping_json("3.2")) + bad + frame(PING, b"x"), E("3.2"), CLOSED(1002)])
    add("3.3", "the same frame by frame",
        [frame(TEXT, ping_json("3.3")), E("3.3"), 0.05, frame(TEXT, ping_json("x"), rsv=3),
         0.05, frame(PING, b"x"), CLOSED(1002)])
    add("3.4", "the same in chops of 1",
        [("chops", frame(TEXT, ping_json("3.4")) + frame(TEXT, ping_json("x"), rsv=4)
          + frame(PING, b"x"), 1, 0), E("3.4"), CLOSED(1002)])
    add("3.5", "binary with RSV=5: 1002", [frame(BINARY, ping_json("3.5"), rsv=5), CLOSED(1002)])
    add("3.6", "ping with RSV=6: 1002", [frame(PING, b"x", rsv=6), CLOSED(1002)])
    add("3.7", "close with RSV=7: 1002", [frame(CLOSE, close_payload(1000), rsv=7),
                                          CLOSED(1002)])

    # 4 Opcodes: reserved non-control (3-7) and control (11-15) opcodes.
    for group, ops in ((1, (3, 4, 5, 6, 7)), (2, (11, 12, 13, 14, 15))):
        cid = "4.%d.1" % group
        add(cid, "reserved opcode %d: 1002" % ops[0], [frame(ops[0]), CLOSED(1002)])
        cid = "4.%d.2" % group
        add(cid, "reserved opcode %d with payload: 1002" % ops[1],
            [frame(ops[1], b"reserved opcode payload"), CLOSED(1002)])
        for j, op in enumerate(ops[2:]):
            cid = "4.%d.%d" % (group, j + 3)
            data = frame(TEXT, ping_json(cid)) + frame(op, b"x" * j) + frame(PING, b"p")
            steps = [("chops", data, 1, 0)] if j == 2 else [data]
            add(cid, "text, opcode %d, ping: the text answered, then 1002" % op,
                steps + [E(cid), CLOSED(1002)])

    # 5 Fragmentation.
    add("5.1", "fragmented ping: 1002",
        [frame(PING, b"frag", fin=False) + frame(CONT, b"ment"), CLOSED(1002)])
    add("5.2", "fragmented pong: 1002",
        [frame(PONG, b"frag", fin=False) + frame(CONT, b"ment"), CLOSED(1002)])
    for n, how in ((3, "at once"), (4, "in chops of 1"), (5, "frame by frame")):
        cid = "5.%d" % n
        parts = fragments(TEXT, ping_json(cid), 2 * [len(ping_json(cid)) // 2])
        steps = {3: [b"".join(parts)], 4: [("chops", b"".join(parts), 1, 0)],
                 5: [parts[0], 0.1, parts[1]]}[n]
        add(cid, "text in 2 fragments, " + how, steps + [E(cid)])
    for n, how in ((6, "at once"), (7, "in chops of 1"), (8, "frame by frame")):
        cid = "5.%d" % n
        half = len(ping_json(cid)) // 2
        parts = fragments(TEXT, ping_json(cid), [half, half])
        ping = frame(PING, b"between")
        steps = {6: [parts[0] + ping + parts[1]],
                 7: [("chops", parts[0] + ping + parts[1], 1, 0)],
                 8: [parts[0], 0.05, ping, 0.05, parts[1]]}[n]
        add(cid, "text in 2 fragments with a ping between, " + how,
            steps + [WSPONG(b"between"), E(cid)])
    for base, fin in ((9, True), (12, False)):
        for k, how in enumerate(("at once", "in chops of 1", "frame by frame")):
            cid = "5.%d" % (base + k)
            stray = frame(CONT, b"fragment", fin=fin)
            msg = frame(TEXT, ping_json(cid))
            steps = {0: [stray + msg], 1: [("chops", stray + msg, 1, 0)],
                     2: [stray, 0.05, msg]}[k]
            add(cid, "continuation (FIN=%s) with nothing to continue: 1002" % fin,
                steps + [CLOSED(1002)])
    cid = "5.15"
    add(cid, "text in 2 fragments, a stray continuation, a text: the first answered, then 1002",
        [b"".join(fragments(TEXT, ping_json(cid), [10, 10]))
         + frame(CONT, b"x", fin=False) + frame(TEXT, ping_json("after")), E(cid),
         CLOSED(1002)])
    add("5.16", "continuation, text fragment, continuation (twice): 1002",
        [(frame(CONT, b"a", fin=False) + frame(TEXT, b"b", fin=False) + frame(CONT, b"c")) * 2,
         CLOSED(1002)])
    add("5.17", "the same with FIN set on the first continuation: 1002",
        [(frame(CONT, b"a") + frame(TEXT, b"b", fin=False) + frame(CONT, b"c")) * 2,
         CLOSED(1002)])
    add("5.18", "a text fragment, then a new text message inside it: 1002",
        [frame(TEXT, b'{"type":', fin=False) + frame(TEXT, ping_json("x")), CLOSED(1002)])
    for n in (19, 20):
        cid = "5.%d" % n
        p = ping_json(cid)
        parts = fragments(TEXT, p, [4, 4, 4, 4, 0])
        first = parts[0] + parts[1] + frame(PING, b"pongme 1!")
        second = parts[2] + parts[3] + frame(PING, b"pongme 2!") + parts[4]
        if n == 20:
            steps = [("chops", first, 1, 0), WSPONG(b"pongme 1!"), 0.3,
                     ("chops", second, 1, 0)]
        else:
            steps = [first, WSPONG(b"pongme 1!"), 0.3, second]
        add(cid, "text in 5 fragments with pings between and a pause%s"
            % (", in chops" if n == 20 else ""),
            steps + [WSPONG(b"pongme 2!"), E(cid)])

    # 6 UTF-8.
    add("6.1.1", "empty text message: INVALID_JSON", [frame(TEXT), ERR("INVALID_JSON")])
    add("6.1.2", "3 empty fragments: INVALID_JSON",
        [frame(TEXT, fin=False) + frame(CONT, fin=False) + frame(CONT), ERR("INVALID_JSON")])
    add("6.1.3", "empty first and last fragments",
        [frame(TEXT, fin=False) + frame(CONT, ping_json("6.1.3"), fin=False) + frame(CONT),
         E("6.1.3")])
    hello = "Hello-µ@ßöäüàá-UTF-8!!"
    add("6.2.1", "valid UTF-8 in one frame", [frame(TEXT, ping_json(hello)), E(hello)])
    p = ping_json(hello)
    cut = p.index("µ".encode())  # a boundary between characters
    add("6.2.2", "valid UTF-8 in 2 fragments cut between characters",
        [b"".join(fragments(TEXT, p, [cut, len(p) - cut])), E(hello)])
    add("6.2.3", "valid UTF-8 in fragments of 1 byte",
        [b"".join(fragments(TEXT, p, 1)), E(hello)], xfail_qt=QT_UTF8_ACROSS_FRAGMENTS)
    kosme = "κόσμε"
    add("6.2.4", "κόσμε in fragments of 1 byte",
        [b"".join(fragments(TEXT, ping_json(kosme), 1)), E(kosme)],
        xfail_qt=QT_UTF8_ACROSS_FRAGMENTS)
    invalid = b'{"type":"ping","id":"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited"}'
    add("6.3.1", "invalid UTF-8 (a surrogate): 1007", [frame(TEXT, invalid), CLOSED(1007)])
    add("6.3.2", "the same in fragments of 1 byte: 1007",
        [b"".join(fragments(TEXT, invalid, 1)), CLOSED(1007)])
    bad_at = invalid.index(b"\xed\xa0")
    # Fail fast: the close must come before the rest of the message is sent.
    add("6.4.1", "fail fast: a fragment with invalid UTF-8, the message unfinished",
        [frame(TEXT, invalid[:bad_at], fin=False),
         frame(CONT, invalid[bad_at:bad_at + 6], fin=False), CLOSED(1007),
         frame(CONT, invalid[bad_at + 6:])])
    add("6.4.2", "fail fast: the invalid byte alone in a fragment, the message unfinished",
        [frame(TEXT, invalid[:bad_at], fin=False), frame(CONT, b"\xf4\x90", fin=False),
         CLOSED(1007), frame(CONT, b"\x80\x80" + invalid[bad_at:])])
    one = frame(TEXT, invalid)
    head = len(one) - len(invalid)
    add("6.4.3", "fail fast: invalid UTF-8 in a frame not yet complete",
        [one[:head + bad_at], 0.05, one[head + bad_at:head + bad_at + 3], CLOSED(1007),
         one[head + bad_at + 3:]], xfail_qt=QT_UTF8_WITHIN_A_FRAME)
    add("6.4.4", "fail fast: the same with the bad bytes in chops of 1",
        [one[:head + bad_at], ("chops", one[head + bad_at:head + bad_at + 3], 1, 0.05),
         CLOSED(1007), one[head + bad_at + 3:]], xfail_qt=QT_UTF8_WITHIN_A_FRAME)

    # 6.5 onwards: sequences from Markus Kuhn's UTF-8 decoder test, inside a ping's id.
    def utf8_case(cid, desc, seq, valid, expect_error=None):
        text = b'{"type":"ping","id":"' + seq + b'"}'
        if valid:
            steps = [frame(TEXT, text), ERR(expect_error) if expect_error
                     else E(seq.decode())]
        else:
            steps = [frame(TEXT, text), CLOSED(1007)]
        add(cid, desc + (" (valid)" if valid else ": 1007"), steps)

    kb = kosme.encode()
    utf8_case("6.5.1", "κόσμε", kb, True)
    for i in range(1, len(kb) + 1):
        prefix = kb[:i]
        try:
            prefix.decode()
            ok = True
        except UnicodeDecodeError:
            ok = False
        utf8_case("6.6.%d" % i, "the first %d bytes of κόσμε" % i, prefix, ok)
    table = [
        ("6.7.1", "U+0000 (Qt's JSON parser takes a raw control character)", b"\x00", True),
        ("6.7.2", "first 2-byte sequence U+0080", b"\xc2\x80", True),
        ("6.7.3", "first 3-byte sequence U+0800", b"\xe0\xa0\x80", True),
        ("6.7.4", "first 4-byte sequence U+10000", b"\xf0\x90\x80\x80", True),
        ("6.8.1", "first 5-byte sequence", b"\xf8\x88\x80\x80\x80", False),
        ("6.8.2", "first 6-byte sequence", b"\xfc\x84\x80\x80\x80\x80", False),
        ("6.9.1", "last 1-byte sequence U+007F", b"\x7f", True),
        ("6.9.2", "last 2-byte sequence U+07FF", b"\xdf\xbf", True),
        ("6.9.3", "last 3-byte sequence U+FFFF", b"\xef\xbf\xbf", True),
        ("6.9.4", "last 4-byte sequence U+1FFFFF", b"\xf7\xbf\xbf\xbf", False),
        ("6.10.1", "last 5-byte sequence", b"\xfb\xbf\xbf\xbf\xbf", False),
        ("6.10.2", "last 6-byte sequence", b"\xfd\xbf\xbf\xbf\xbf\xbf", False),
        ("6.11.1", "U+D7FF", b"\xed\x9f\xbf", True),
        ("6.11.2", "U+E000", b"\xee\x80\x80", True),
        ("6.11.3", "U+FFFD", b"\xef\xbf\xbd", True),
        ("6.11.4", "U+10FFFF", b"\xf4\x8f\xbf\xbf", True),
        ("6.11.5", "U+110000", b"\xf4\x90\x80\x80", False),
        ("6.12.1", "first continuation byte", b"\x80", False),
        ("6.12.2", "last continuation byte", b"\xbf", False),
        ("6.12.3", "2 continuation bytes", b"\x80\xbf", False),
        ("6.12.4", "3 continuation bytes", b"\x80\xbf\x80", False),
        ("6.12.5", "4 continuation bytes", b"\x80\xbf\x80\xbf", False),
        ("6.12.6", "5 continuation bytes", b"\x80\xbf\x80\xbf\x80", False),
        ("6.12.7", "6 continuation bytes", b"\x80\xbf\x80\xbf\x80\xbf", False),
        ("6.12.8", "7 continuation bytes", b"\x80\xbf\x80\xbf\x80\xbf\x80", False),
        ("6.13.1", "lonely 2-byte start followed by a space", b"\xc0 ", False),
        ("6.13.2", "lonely 3-byte start followed by a space", b"\xe0 ", False),
        ("6.13.3", "lonely 4-byte start followed by a space", b"\xf0 ", False),
        ("6.13.4", "lonely 5-byte start followed by a space", b"\xf8 ", False),
        ("6.13.5", "lonely 6-byte start followed by a space", b"\xfc ", False),
        ("6.14.1", "2-byte sequence missing its last byte", b"\xc0", False),
        ("6.14.2", "3-byte sequence missing its last byte", b"\xe0\x80", False),
        ("6.14.3", "4-byte sequence missing its last byte", b"\xf0\x80\x80", False),
        ("6.14.4", "U+07FF missing its last byte", b"\xdf", False),
        ("6.14.5", "U+FFFF missing its last byte", b"\xef\xbf", False),
        ("6.14.6", "U+10FFFF missing its last byte", b"\xf4\x8f\xbf", False),
        ("6.15.1", "concatenated incomplete sequences",
         b"\xc0\xe0\x80\xf0\x80\x80\xdf\xef\xbf\xf4\x8f\xbf", False),
        ("6.16.1", "impossible byte FE", b"\xfe", False),
        ("6.16.2", "impossible byte FF", b"\xff", False),
        ("6.16.3", "FE FE FF FF", b"\xfe\xfe\xff\xff", False),
        ("6.17.1", "overlong slash, 2 bytes", b"\xc0\xaf", False),
        ("6.17.2", "overlong slash, 3 bytes", b"\xe0\x80\xaf", False),
        ("6.17.3", "overlong slash, 4 bytes", b"\xf0\x80\x80\xaf", False),
        ("6.17.4", "overlong slash, 5 bytes", b"\xf8\x80\x80\x80\xaf", False),
        ("6.18.1", "maximum overlong, 2 bytes", b"\xc1\xbf", False),
        ("6.18.2", "maximum overlong, 3 bytes", b"\xe0\x9f\xbf", False),
        ("6.18.3", "maximum overlong, 4 bytes", b"\xf0\x8f\xbf\xbf", False),
        ("6.19.1", "overlong NUL, 2 bytes", b"\xc0\x80", False),
        ("6.19.2", "overlong NUL, 3 bytes", b"\xe0\x80\x80", False),
        ("6.19.3", "overlong NUL, 4 bytes", b"\xf0\x80\x80\x80", False),
        ("6.20.1", "surrogate U+D800", b"\xed\xa0\x80", False),
        ("6.20.2", "surrogate U+DB7F", b"\xed\xad\xbf", False),
        ("6.20.3", "surrogate U+DB80", b"\xed\xae\x80", False),
        ("6.20.4", "surrogate U+DBFF", b"\xed\xaf\xbf", False),
        ("6.20.5", "surrogate U+DC00", b"\xed\xb0\x80", False),
        ("6.20.6", "surrogate U+DF80", b"\xed\xbe\x80", False),
        ("6.20.7", "surrogate U+DFFF", b"\xed\xbf\xbf", False),
        ("6.21.1", "pair U+D800 U+DC00", b"\xed\xa0\x80\xed\xb0\x80", False),
        ("6.21.2", "pair U+D800 U+DFFF", b"\xed\xa0\x80\xed\xbf\xbf", False),
        ("6.21.3", "pair U+DB7F U+DC00", b"\xed\xad\xbf\xed\xb0\x80", False),
        ("6.21.4", "pair U+DBFF U+DFFF", b"\xed\xaf\xbf\xed\xbf\xbf", False),
        ("6.22.1", "noncharacter U+FFFE", b"\xef\xbf\xbe", True),
        ("6.22.2", "noncharacter U+FDD0", b"\xef\xb7\x90", True),
        ("6.22.3", "noncharacter U+FDEF", b"\xef\xb7\xaf", True),
        ("6.22.4", "noncharacter U+1FFFE", b"\xf0\x9f\xbf\xbe", True),
        ("6.22.5", "noncharacter U+10FFFE", b"\xf4\x8f\xbf\xbe", True),
        ("6.23.1", "U+FFFD replacement character", b"\xef\xbf\xbd", True),
        ("6.23.2", "ASCII then a bad byte then ASCII", b"abc\xffdef", False),
        ("6.23.3", "a 4-byte emoji", "😀".encode(), True),
        ("6.23.4", "CJK text", "你好，世界".encode(), True),
    ]
    for row in table:
        utf8_case(*row)

    # 7 Close handling.
    add("7.1.1", "text then close: the text answered, then 1000",
        [frame(TEXT, ping_json("7.1.1")) + frame(CLOSE, close_payload(1000)), E("7.1.1"),
         CLOSED(1000)])
    add("7.1.2", "two closes: one answer",
        [frame(CLOSE, close_payload(1000)) + frame(CLOSE, close_payload(1000)), CLOSED(1000)])
    add("7.1.3", "close then ping: no pong", [frame(CLOSE, close_payload(1000))
                                               + frame(PING, b"late"), CLOSED(1000)])
    add("7.1.4", "close then text: no answer", [frame(CLOSE, close_payload(1000))
                                                 + frame(TEXT, ping_json("late")), CLOSED(1000)])
    add("7.1.5", "a text fragment, close, the last fragment: 1000 only",
        [frame(TEXT, b'{"type":', fin=False) + frame(CLOSE, close_payload(1000))
         + frame(CONT, b'"ping"}'), CLOSED(1000)])
    add("7.1.6", "a 60 KB text, close, ping: the text answered, then 1000",
        [frame(TEXT, ping_json("7.1.6", 60000)) + frame(CLOSE, close_payload(1000))
         + frame(PING, b"late"), E("7.1.6"), CLOSED(1000)])
    add("7.3.1", "close without payload: 1000", [frame(CLOSE), CLOSED(1000)])
    add("7.3.2", "close with a 1-byte payload: 1002", [frame(CLOSE, b"\x03"), CLOSED(1002)])
    add("7.3.3", "close 1000 without reason", [frame(CLOSE, close_payload(1000)),
                                                CLOSED(1000)])
    add("7.3.4", "close 1000 with a reason", [frame(CLOSE, close_payload(1000, b"Hello World!")),
                                              CLOSED(1000)])
    add("7.3.5", "close with a 123-byte reason", [frame(CLOSE, close_payload(1000, b"*" * 123)),
                                                  CLOSED(1000)])
    add("7.3.6", "close with a 124-byte reason (a 126-byte control frame): 1002",
        [frame(CLOSE, close_payload(1000, b"*" * 124)), CLOSED(1002)])
    add("7.5.1", "close with a reason that is not UTF-8: 1007",
        [frame(CLOSE, close_payload(1000, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
                                    b"\xed\xa0\x80edited")), CLOSED(1007)])
    for i, code in enumerate((1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999,
                              4000, 4999)):
        add("7.7.%d" % (i + 1), "close with the valid code %d: answered with it" % code,
            [frame(CLOSE, close_payload(code)), CLOSED(code)])
    for i, code in enumerate((0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999)):
        add("7.9.%d" % (i + 1), "close with the invalid code %d: 1002" % code,
            [frame(CLOSE, close_payload(code)), CLOSED(1002)])
    add("7.13.1", "close with code 5000: 1002", [frame(CLOSE, close_payload(5000)),
                                                  CLOSED(1002)])
    add("7.13.2", "close with code 65535: 1002", [frame(CLOSE, close_payload(65535)),
                                                   CLOSED(1002)])

    # 9 Limits and performance, within max_frame_bytes / max_message_bytes (64 KiB).
    for group, opcode, name in ((1, TEXT, "text"), (2, BINARY, "binary")):
        for i, size in enumerate((1024, 16384, 65536)):
            cid = "9.%d.%d" % (group, i + 1)
            add(cid, "%s message of %d bytes" % (name, size),
                [frame(opcode, ping_json(cid, size)), E(cid)])
    for group, opcode, name in ((3, TEXT, "text"), (4, BINARY, "binary")):
        for i, piece in enumerate((64, 256, 1024, 4096, 16384)):
            cid = "9.%d.%d" % (group, i + 1)
            add(cid, "64 KiB %s message in fragments of %d" % (name, piece),
                [b"".join(fragments(opcode, ping_json(cid, 65536), piece)), E(cid)])
    for group, opcode, name in ((5, TEXT, "text"), (6, BINARY, "binary")):
        for i, chop in enumerate((64, 256, 1024, 4096)):
            cid = "9.%d.%d" % (group, i + 1)
            add(cid, "64 KiB %s frame in chops of %d" % (name, chop),
                [("chops", frame(opcode, ping_json(cid, 65536)), chop, 0), E(cid)])
    for cid, opcode, size in (("9.7.1", TEXT, 16), ("9.7.2", TEXT, 1024),
                              ("9.8.1", BINARY, 1024)):
        ids = ["%s-%d" % (cid, i) for i in range(1000)]
        add(cid, "1000 round trips of %d-byte messages" % size,
            [b"".join(frame(opcode, ping_json(x, max(size, len(ping_json(x))))) for x in ids)]
            + [E(x) for x in ids])
    add("9.10.1", "text frame of 65537 bytes: 1009",
        [frame(TEXT, ping_json("x", 65537)), CLOSED(1009)])
    add("9.10.2", "binary frame of 65537 bytes: 1009",
        [frame(BINARY, ping_json("x", 65537)), CLOSED(1009)])
    big = ping_json("x", 80000)
    add("9.10.3", "fragments adding up to 80000 bytes: 1009",
        [b"".join(fragments(TEXT, big, [40000, 40000])), CLOSED(1009)])
    add("9.10.4", "a header announcing 2^40 bytes: 1009",
        [frame(TEXT, b"", length=1 << 40), CLOSED(1009)])
    add("9.10.5", "a text answered, then an oversized frame: 1009",
        [frame(TEXT, ping_json("9.10.5")) + frame(TEXT, ping_json("x", 70000)), E("9.10.5"),
         CLOSED(1009)])
    add("9.10.6", "a 64-bit length with the top bit set: 1002",
        [frame(TEXT, b"", length=1 << 63), CLOSED(1002)])

    # 10 Unmasked client frames. QWebSocket 6.4 takes them; on the Qt transport the server's
    # ClientFrameFilter reads each header first and fails the connection.
    add("10.1", "unmasked text: 1002", [frame(TEXT, ping_json("x"), mask=False), CLOSED(1002)])
    add("10.2", "unmasked ping: 1002", [frame(PING, b"x", mask=False), CLOSED(1002)])
    add("10.3", "unmasked close: 1002", [frame(CLOSE, close_payload(1000), mask=False),
                                         CLOSED(1002)])
    add("10.4", "a text answered, then an unmasked one: 1002",
        [frame(TEXT, ping_json("10.4")) + frame(TEXT, ping_json("x"), mask=False), E("10.4"),
         CLOSED(1002)])
    add("10.5", "a 3000-byte text, then an unmasked one in the same write: 1002",
        [frame(TEXT, ping_json("10.5", 3000)) + frame(TEXT, ping_json("y"), mask=False),
         E("10.5"), CLOSED(1002)])
    add("10.6", "masked frames of 3000, 70 and 3000 bytes in one write: all answered",
        [frame(TEXT, ping_json("a", 3000)) + frame(TEXT, ping_json("b", 70))
         + frame(TEXT, ping_json("c", 3000)), E("a"), E("b"), E("c")])

    # 11 Slowloris: closed at the deadline (handshake_timeout, heartbeat_timeout).
    add("11.1", "upgrade request dribbled a byte every 0.25 s: closed at handshake_timeout",
        [], kind="slow_handshake", dribble=True)
    add("11.2", "TCP connection that never sends a request: closed at handshake_timeout",
        [], kind="slow_handshake", dribble=False)
    add("11.3", "frame dribbled a byte every 0.25 s: closed at heartbeat_timeout",
        [], kind="slow_frame", dribble=True)
    add("11.4", "frame header without its payload: closed at heartbeat_timeout",
        [], kind="slow_frame", dribble=False)

    # 12 Bad upgrade requests: an HTTP error, never a WebSocket. The Qt transport judges them
    # with the native transport's rules (HttpFrontend::handleUpgrade, Io::UpgradeRequest).
    def upgrade(cid, desc, request, status):
        add(cid, desc + ": HTTP %d" % status, [], kind="upgrade", request=request,
            status=status)

    def req(method=b"GET", path=b"/ws?token=TOKEN", version=b"13",
            key=b"dGhlIHNhbXBsZSBub25jZQ==", extra=b"", upgrade=b"websocket"):
        r = method + b" " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if upgrade is not None:
            r += b"Upgrade: " + upgrade + b"\r\nConnection: Upgrade\r\n"
        if key is not None:
            r += b"Sec-WebSocket-Key: " + key + b"\r\n"
        if version is not None:
            r += b"Sec-WebSocket-Version: " + version + b"\r\n"
        return r + extra + b"\r\n"

    upgrade("12.1", "no Sec-WebSocket-Key", req(key=None), 400)
    # RFC 6455 section 4.4: a version other than 13 gets 426 (with Sec-WebSocket-Version: 13).
    upgrade("12.2", "Sec-WebSocket-Version 8", req(version=b"8"), 426)
    upgrade("12.3", "no Sec-WebSocket-Version", req(version=None), 426)
    upgrade("12.4", "a key that is not 16 bytes of base64", req(key=b"short"), 400)
    upgrade("12.5", "POST instead of GET", req(method=b"POST"), 400)
    upgrade("12.6", "a 20 KB request head", req(extra=b"X-Pad: " + b"p" * 20000 + b"\r\n"), 431)
    upgrade("12.7", "a bad token", req(path=b"/ws?token=not.a.token"), 401)
    upgrade("12.8", "no WebSocket endpoint at the path", req(path=b"/nowhere?token=TOKEN"), 404)
    upgrade("12.9", "a token signed with another secret", req(path=b"/ws?token=FORGED"), 401)
    upgrade("12.10", "an expired token", req(path=b"/ws?token=EXPIRED"), 401)
    return out
