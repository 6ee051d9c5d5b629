#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Switchboard's own WebSocket conformance and malformed-input suites (Python 3 stdlib only).

Starts switchboardd itself (SQLite in a temporary data dir, a free port) once per transport —
the native epoll transport and Qt's QWebSocket (native_transport=false) — and runs every case
over raw sockets against it.

  wsconformance.py --server build/release/server/switchboardd
                   [--transport native|qt|both] [--suite ws|malformed|all] [-k ID-or-text] [-v]

Ends with a line 'N passed, N failed'; the exit status is 0 when nothing failed. Expected
failures (a known limitation of one transport, with the reason) are listed but not counted as
failures; one that unexpectedly passes is reported so the list stays true.
"""

import argparse
import concurrent.futures
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import malformed  # noqa: E402
import wscases  # noqa: E402
from wsclient import (CLOSE, PONG, TEXT, Closed, Daemon, WsClient, frame, mint_token,  # noqa: E402
                      ping_json)


class Failure(Exception):
    pass


def describe(f):
    if f is None:
        return "nothing (timeout)"
    op, payload = f[0], f[1]
    if op == CLOSE:
        code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
        return "close %s %r" % (code, payload[2:60])
    return "opcode %d %r" % (op, payload[:120])


def match(f, m):
    """None when the frame `f` is what the matcher `m` expects, else what is wrong."""
    kind = m[0]
    if f is None:
        return "expected %r, got nothing within the time" % (m,)
    op, payload = f[0], f[1]
    if kind == "close":
        if op != CLOSE:
            return "expected close %d, got %s" % (m[1], describe(f))
        code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
        if code != m[1]:
            return "expected close %d, got close %d %r" % (m[1], code, payload[2:])
        return None
    if kind == "wspong":
        if op != PONG or payload != m[1]:
            return "expected a pong %r, got %s" % (m[1][:40], describe(f))
        return None
    if op != TEXT:
        return "expected %r, got %s" % (m, describe(f))
    import json
    try:
        msg = json.loads(payload)
    except ValueError:
        return "the server sent text that is not JSON: %r" % payload[:100]
    if kind == "pong":
        if msg.get("type") != "pong" or msg.get("id") != m[1]:
            return "expected pong with id %r, got %r" % (str(m[1])[:60], str(msg)[:200])
        return None
    if kind == "error":
        if msg.get("type") != "error" or msg.get("code") != m[1]:
            return "expected error %s, got %r" % (m[1], str(msg)[:200])
        return None
    return "unknown matcher %r" % (m,)


def send_steps(c, step):
    if isinstance(step, bytes):
        c.send(step)
    elif isinstance(step, float):
        time.sleep(step)
    elif step[0] == "chops":
        data, n, pause = step[1], step[2], step[3]
        for i in range(0, len(data), n):
            c.send(data[i:i + n])
            if pause:
                time.sleep(pause)
    else:
        raise ValueError(step)


def expect_closed(c):
    """After the server's close frame: our close answers it and the TCP connection ends, with
    no other frame in between."""
    c.send(frame(CLOSE, b"\x03\xe8"))
    deadline = time.time() + 6
    try:
        while time.time() < deadline:
            f = c.recv_frame(deadline - time.time())
            if f is None:
                break
            raise Failure("a frame after the close: %s" % describe(f))
    except Closed:
        return
    raise Failure("the server did not end the connection after its close frame")


def run_frames(d, case):
    c = d.connect()
    try:
        closed = False
        for step in case.steps:
            if isinstance(step, tuple) and step[0] == "expect":
                if closed:
                    raise Failure("case error: expectation after the close")
                try:
                    f = c.recv_frame(8.0)
                except Closed:
                    raise Failure("the connection ended; expected %r" % (step[1],))
                why = match(f, step[1])
                if why:
                    raise Failure(why)
                if step[1][0] == "close":
                    expect_closed(c)
                    closed = True
            else:
                send_steps(c, step)
        if not closed:
            # Still open and in step: the next answer is the one to this probe.
            c.send(frame(TEXT, ping_json("alive")))
            try:
                f = c.recv_frame(8.0)
            except Closed:
                raise Failure("the connection ended; it should have stayed open")
            why = match(f, ("pong", "alive"))
            if why:
                raise Failure("after the case: " + why)
    finally:
        c.close()


def run_slow_handshake(d, case):
    c = WsClient(d.port, request=b"")
    request = (b"GET /ws?token=" + mint_token(1).encode() + b" HTTP/1.1\r\nHost: x\r\n"
               b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
               b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    start = time.time()
    limit = Daemon.HANDSHAKE_TIMEOUT_S
    try:
        i = 0
        while time.time() - start < limit + 5:
            if case.extra["dribble"] and i < len(request):
                c.send(request[i:i + 1])
                i += 1
            try:
                c._fill(time.time() + 0.25)
            except Closed:
                break
            if c.buf.startswith(b"HTTP/1.1 101"):
                raise Failure("upgraded although the request never completed")
        else:
            raise Failure("still open %.1f s after the handshake deadline" % 5)
    finally:
        c.close()
    took = time.time() - start
    if took < limit - 0.5:
        raise Failure("closed after %.2f s, before the %d s deadline" % (took, limit))
    if took > limit + 3:
        raise Failure("closed after %.2f s, long after the %d s deadline" % (took, limit))


def run_slow_frame(d, case):
    c = d.connect()
    start = time.time()
    limit = Daemon.HEARTBEAT_TIMEOUT_S
    data = frame(TEXT, ping_json("slow", 200))
    try:
        c.send(data[:6])  # the header and mask: a frame has begun
        i = 6
        while time.time() - start < limit + 6:
            if case.extra["dribble"] and i < len(data) - 1:
                c.send(data[i:i + 1])
                i += 1
            try:
                f = c.recv_frame(0.25)
            except Closed:
                break
            if f is not None and f[0] == TEXT:
                raise Failure("an answer to an unfinished frame: %s" % describe(f))
        else:
            raise Failure("still open %.1f s after connecting" % (time.time() - start))
    finally:
        c.close()
    took = time.time() - start
    if took < limit - 1.5 or took > limit + 4:
        raise Failure("closed after %.2f s; the heartbeat deadline is %d s" % (took, limit))


def run_upgrade(d, case):
    request = case.extra["request"]
    request = request.replace(b"EXPIRED", mint_token(1, ttl=-3600).encode())
    request = request.replace(b"FORGED", mint_token(1, secret="another-secret-" * 4).encode())
    request = request.replace(b"TOKEN", mint_token(1).encode())
    c = WsClient(d.port, request=request)
    try:
        status = c.read_head(8.0)
    except Closed:
        status = None
    finally:
        c.close()
    if status != case.extra["status"]:
        raise Failure("expected HTTP %d, got %r" % (case.extra["status"], status))


RUNNERS = {
    "frames": run_frames,
    "slow_handshake": run_slow_handshake,
    "slow_frame": run_slow_frame,
    "upgrade": run_upgrade,
    "malformed": malformed.run_case,
}


def run_case(d, case):
    try:
        RUNNERS[case.kind](d, case)
        return None
    except Failure as e:
        return str(e)
    except malformed.Failure as e:
        return str(e)
    except Closed:
        return "the connection ended unexpectedly"
    except Exception:  # a bug in the case or the tool: a failure, with where
        return "exception: " + traceback.format_exc(limit=3)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", required=True, help="path to switchboardd")
    ap.add_argument("--transport", choices=("native", "qt", "both"), default="both")
    ap.add_argument("--suite", choices=("ws", "malformed", "all"), default="all")
    ap.add_argument("-k", dest="select", help="only cases whose id starts with or text contains")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    args = ap.parse_args()

    selected = []
    if args.suite in ("ws", "all"):
        selected += wscases.cases()
    if args.suite in ("malformed", "all"):
        selected += malformed.cases()
    if args.select:
        selected = [c for c in selected
                    if c.id.startswith(args.select) or args.select in c.desc]
    if args.list:
        for c in selected:
            print(c.id, "-", c.desc)
        print("%d cases" % len(selected))
        return 0

    transports = ["native", "qt"] if args.transport == "both" else [args.transport]
    passed = failed = xfailed = defects = 0
    for transport in transports:
        d = Daemon(args.server, native=transport == "native")
        t0 = time.time()
        counts = [0, 0, 0]
        try:
            if args.suite in ("malformed", "all"):
                malformed.prepare(d)
            slow = [c for c in selected if c.kind.startswith("slow")]
            with concurrent.futures.ThreadPoolExecutor(max(1, len(slow))) as pool:
                # The slowloris cases only wait: they run beside the others.
                futures = {c.id: pool.submit(run_case, d, c) for c in slow}
                results = []
                for c in selected:
                    if c.id in futures:
                        continue
                    results.append((c, run_case(d, c)))
                    if not d.alive():
                        results.append((c, "the server died:\n" + d.log_text()))
                        break
                results += [(c, futures[c.id].result()) for c in slow]
            if args.suite in ("malformed", "all"):
                why = malformed.check_store(d)
                results.append((wscases.Case("store", "nothing invalid was stored", []), why))
            for c, why in results:
                xfail = c.xfail_qt if transport == "qt" else None
                if why is None and not xfail:
                    counts[0] += 1
                    if args.verbose:
                        print("PASS  [%s] %s %s" % (transport, c.id, c.desc))
                elif why is None:
                    counts[1] += 1
                    print("XPASS [%s] %s %s: listed as an expected failure (%s) but passed"
                          % (transport, c.id, c.desc, xfail))
                elif xfail:
                    counts[2] += 1
                    if xfail.startswith("Qt transport defect"):
                        defects += 1
                    print("XFAIL [%s] %s %s: %s" % (transport, c.id, c.desc, xfail))
                    if args.verbose:
                        print("      " + why.replace("\n", "\n      "))
                else:
                    counts[1] += 1
                    print("FAIL  [%s] %s %s: %s" % (transport, c.id, c.desc, why))
            if not d.alive():
                counts[1] += 1
                print("FAIL  [%s] the server is not running:\n%s" % (transport, d.log_text()))
        finally:
            d.stop()
        print("[%s] %d cases in %.1f s: %d passed, %d failed, %d expected failures"
              % (transport, len(selected) + (1 if args.suite != "ws" else 0), time.time() - t0,
                 counts[0], counts[1], counts[2]))
        passed += counts[0]
        failed += counts[1]
        xfailed += counts[2]
    if xfailed:
        print("%d expected failures, listed above: %d known limitations, %d known defects of "
              "the Qt transport" % (xfailed, xfailed - defects, defects))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
