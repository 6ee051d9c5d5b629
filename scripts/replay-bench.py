#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Replays a large backlog to a slow reader and reports delivered-once and the server's memory.

Starts switchboardd on a scratch data directory, stores SIZE of direct messages to one user
(over one WebSocket, acks awaited), then connects that user with a client that reads at RATE
and resumes from its own positions whenever its connection ends. Reports how many messages
arrived, whether each arrived exactly once and in order, the connects it took, and the server's
peak resident memory (VmHWM) before and after the replay. Python 3 standard library only.

    scripts/replay-bench.py [--size 500M] [--rate 1M] [--message 60K] [--queue 8M]
                            [--daemon build/release/server/switchboardd]
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
import time

SECRET = "replay-bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


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


class Ws:
    """A minimal RFC 6455 client over a blocking socket."""

    def __init__(self, port, path, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(("127.0.0.1", port))
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("closed during the upgrade")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise RuntimeError(head.decode(errors="replace"))
        self.closed = False

    def send(self, obj):
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        n = len(data)
        header = bytes([0x81])
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(header + mask + masked)

    def frames(self):
        """Parses the complete frames in the buffer."""
        out = []
        while len(self.buf) >= 2:
            opcode = self.buf[0] & 0x0F
            n = self.buf[1] & 0x7F
            at = 2
            if n == 126:
                if len(self.buf) < 4:
                    break
                n = struct.unpack(">H", self.buf[2:4])[0]
                at = 4
            elif n == 127:
                if len(self.buf) < 10:
                    break
                n = struct.unpack(">Q", self.buf[2:10])[0]
                at = 10
            if len(self.buf) < at + n:
                break
            payload, self.buf = self.buf[at:at + n], self.buf[at + n:]
            if opcode == 0x1:
                out.append(json.loads(payload))
            elif opcode == 0x8:
                self.closed = True
            elif opcode == 0x9:  # answer pings, as any client library does
                self.sock.sendall(bytes([0x8A, 0x80]) + os.urandom(4))
        return out

    def read(self, limit):
        try:
            chunk = self.sock.recv(limit)
        except OSError:
            chunk = b""
        if not chunk:
            self.closed = True
        self.buf += chunk
        return len(chunk)


def peak_rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="500M", help="backlog size (default 500M)")
    parser.add_argument("--rate", default="1M", help="client read rate per second (default 1M)")
    parser.add_argument("--message", default="60K", help="message data size (default 60K)")
    parser.add_argument("--queue", default="8M", help="max_send_queue_bytes (default 8M)")
    parser.add_argument("--daemon", default="build/release/server/switchboardd")
    parser.add_argument("--native", default="true", help="native_transport (default true)")
    args = parser.parse_args()
    total, rate, message = size(args.size), size(args.rate), size(args.message)
    count = max(1, total // message)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data_dir = tempfile.mkdtemp(prefix="replay-bench-")
    daemon = subprocess.Popen(
        [args.daemon, "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir,
         "--jwt-secret", SECRET, "--max-send-queue-bytes", args.queue,
         "--native-transport", args.native, "--log-level", "warning",
         # The store phase sends megabytes a second over one connection; what is measured
         # is the replay, so the per-connection byte rate is off.
         "--conn-byte-rate", "0",
         "--heartbeat-interval", "600s", "--heartbeat-timeout", "1200s"],
        stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        # The recipient connects once first, so its account exists before messages name it.
        Ws(port, f"/ws?token={token(2)}").sock.close()
        started = time.time()
        sender = Ws(port, f"/ws?token={token(1)}")
        filler = "x" * (message - 200)
        window = 200
        acked, refused = 0, 0
        frames = {}
        for i in range(1, count + 1):
            frames[i] = {"type": "send", "id": i, "to": 2, "data": {"n": i, "f": filler}}
            sender.send(frames[i])
            while i - acked >= window or (i == count and acked < count):
                sender.read(1 << 20)
                if sender.closed:
                    raise RuntimeError("the server closed the sending connection")
                for f in sender.frames():
                    if f.get("type") == "ack":
                        acked += 1
                        frames.pop(f.get("id"), None)
                    elif f.get("type") == "error" and f.get("code") == "RATE_LIMITED":
                        # A well-behaved client: wait as told, then send the refused frame again.
                        refused += 1
                        time.sleep(f.get("retry_after_ms", 100) / 1000)
                        sender.send(frames[f["id"]])
                    elif f.get("type") == "error":
                        raise RuntimeError(f)
        sender.sock.close()
        stored_s = time.time() - started
        rss_stored = peak_rss(daemon.pid)

        last, seen, repeats, gaps, connects, complete = 0, 0, 0, 0, 0, False
        started = time.time()
        received = 0
        while not complete and connects < 1000:
            connects += 1
            client = Ws(port, f"/ws?token={token(2)}&resume=u:2:{last}", rcvbuf=64 * 1024)
            while not client.closed and not complete:
                received += client.read(64 * 1024)
                for f in client.frames():
                    if f.get("type") == "message":
                        seq = f["seq"]
                        if seq <= last:
                            repeats += 1
                        else:
                            gaps += seq - last - 1
                            last = seq
                            seen += 1
                    elif f.get("type") == "sync_complete":
                        complete = f.get("complete", False)
                # Pace: at most `rate` bytes per second since the start.
                ahead = received / rate - (time.time() - started)
                if ahead > 0:
                    time.sleep(ahead)
            client.sock.close()
        replay_s = time.time() - started
        print(json.dumps({
            "backlog_bytes": count * message, "messages": count, "message_bytes": message,
            "max_send_queue_bytes": size(args.queue), "read_rate_bytes_per_s": rate,
            "native_transport": args.native,
            "store_seconds": round(stored_s, 1), "sends_rate_limited": refused, "replay_seconds": round(replay_s, 1),
            "delivered": seen, "repeats": repeats, "gaps": gaps, "connects": connects,
            "sync_complete": complete,
            "delivered_once": complete and seen == count and repeats == 0 and gaps == 0,
            "server_peak_rss_after_store": rss_stored,
            "server_peak_rss_after_replay": peak_rss(daemon.pid),
        }, indent=1))
        return 0 if complete and seen == count and repeats == 0 and gaps == 0 else 1
    finally:
        daemon.terminate()
        daemon.wait(30)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
