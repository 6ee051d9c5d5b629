#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Room fan-out past saturation with one deliberately slow member (docs/BENCHMARKS.md, "Overload").

Starts switchboardd on a scratch data directory, connects one slow member that creates the
load tester's room (`lt-fanout-0`) and then reads at SLOW bytes a second through a small
receive buffer, runs `switchboard-loadtest --test-type fanout` into that room, and reports the
load tester's figures for the fast members (delivered/s, loss, p99, publications refused,
connections lost), what happened to the slow member (closed or not, close code, bytes read)
and the server's peak resident memory (VmHWM). Python 3 standard library only.

    scripts/overload-bench.py [--members 500] [--publishers 4] [--rate 4000] [--duration 8]
                              [--payload 64] [--slow 16K] [--queue 8M]
                              [--daemon build/release/server/switchboardd]
                              [--loadtest build/release/console/loadtest/switchboard-loadtest]
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

SECRET = "overload-bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
ROOM = "lt-fanout-0"  # the room the load tester's fanout test uses (one room)
SLOW_USER = 900


def size(text):
    units = {"K": 1024, "M": 1024**2, "G": 1024**3}
    text = text.strip().upper().rstrip("B").rstrip("I")
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


def token(user):
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=")
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps({"sub": str(user), "exp": int(time.time()) + 86400}).encode())
    signature = b64(hmac.new(SECRET.encode(), header + b"." + payload, hashlib.sha256).digest())
    return (header + b"." + payload + b"." + signature).decode()


def peak_rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


class SlowMember:
    """Creates the room, then reads `rate` bytes a second (in 1 KiB steps) until closed."""

    def __init__(self, port, rate):
        self.rate = rate
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect(("127.0.0.1", port))
        self.sock.sendall((f"GET /ws?token={token(SLOW_USER)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            buf += self.sock.recv(4096)
        if not buf.startswith(b"HTTP/1.1 101"):
            raise RuntimeError(buf.decode(errors="replace"))
        self.send({"type": "room_create", "id": "c", "room_id": ROOM,
                   "announce_membership": False})
        self.read_bytes = 0
        self.tail = b""  # the last bytes read, to find the close frame
        self.closed_at = None
        self.close_code = None
        self.started = time.time()
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def send(self, obj):
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        self.sock.sendall(bytes([0x81, 0x80 | len(data)]) + mask
                          + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def run(self):
        step = 1024
        while not self.stop:
            try:
                chunk = self.sock.recv(step)
            except OSError:
                chunk = b""
            if not chunk:
                self.closed_at = time.time() - self.started
                # A close frame near the end: 0x88, length, two code bytes.
                at = self.tail.rfind(b"\x88")
                if at >= 0 and at + 4 <= len(self.tail):
                    self.close_code = struct.unpack(">H", self.tail[at + 2:at + 4])[0]
                return
            self.read_bytes += len(chunk)
            self.tail = (self.tail + chunk)[-256:]
            if self.rate > 0:
                time.sleep(len(chunk) / self.rate)
            else:
                time.sleep(3600)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500, help="load tester connections")
    parser.add_argument("--publishers", type=int, default=4)
    parser.add_argument("--rate", type=int, default=4000, help="publications a second in total")
    parser.add_argument("--duration", type=int, default=8, help="seconds of publishing")
    parser.add_argument("--payload", type=int, default=64, help="bytes of each publication")
    parser.add_argument("--slow", default="16K", help="the slow member's read rate a second")
    parser.add_argument("--queue", default="8M", help="max_send_queue_bytes (default 8M)")
    parser.add_argument("--daemon", default="build/release/server/switchboardd")
    parser.add_argument("--loadtest",
                        default="build/release/console/loadtest/switchboard-loadtest")
    parser.add_argument("--native", default="true", help="native_transport (default true)")
    args = parser.parse_args()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data_dir = tempfile.mkdtemp(prefix="overload-bench-")
    daemon = subprocess.Popen(
        [args.daemon, "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir,
         "--jwt-secret", SECRET, "--max-send-queue-bytes", args.queue,
         "--native-transport", args.native, "--log-level", "warning",
         # What is measured is the room's fan-out: the per-connection and per-user rate
         # limits (which would refuse a publisher at 1,000 posts/s) are off in both builds.
         "--conn-byte-rate", "0", "--conn-frame-rate", "0", "--user-frame-rate", "0"],
        stderr=subprocess.DEVNULL)
    slow = None
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        slow = SlowMember(port, size(args.slow))
        time.sleep(0.5)  # the room exists before the load tester creates (CONFLICT) and joins
        env = dict(os.environ, SWITCHBOARD_JWT_SECRET=SECRET)
        run = subprocess.run(
            [args.loadtest, "--url", f"ws://127.0.0.1:{port}/ws", "--test-type", "fanout",
             "--connections", str(args.members), "--publishers", str(args.publishers),
             "--rooms", "1", "--rate", str(args.rate), "--duration", str(args.duration),
             "--payload-bytes", str(args.payload), "--server-pid", str(daemon.pid),
             "--json", "--quiet"],
            env=env, capture_output=True, text=True, timeout=300)
        result = json.loads(run.stdout.strip().splitlines()[-1]) if run.stdout.strip() else {}
        report = {
            "members": args.members, "publishers": args.publishers, "rate": args.rate,
            "duration_s": args.duration, "payload_bytes": args.payload,
            "slow_read_per_s": size(args.slow), "max_send_queue_bytes": size(args.queue),
            "loadtest_exit": run.returncode,
            "fast_connections": result.get("connections"),
            "sent": result.get("sent"),
            "delivered": result.get("delivered"),
            "delivered_per_sec": result.get("delivered_per_sec"),
            "loss": result.get("loss"),
            "latency_p99_ms": (result.get("latency_ms") or {}).get("p99"),
            "refused": result.get("refused"),
            "fast_connections_lost": result.get("connections_lost"),
            "errors": result.get("errors"),
            "saturated_client": result.get("saturated"),
            "slow_member_closed_after_s": (round(slow.closed_at, 1)
                                           if slow.closed_at is not None else None),
            "slow_member_close_code": slow.close_code,
            "slow_member_read_bytes": slow.read_bytes,
            "server_peak_rss_bytes": peak_rss(daemon.pid),
        }
        print(json.dumps(report))
        if run.returncode not in (0, 1):
            print(run.stderr, file=sys.stderr)
    finally:
        if slow:
            slow.stop = True
        daemon.terminate()
        try:
            daemon.wait(timeout=20)
        except subprocess.TimeoutExpired:
            daemon.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
