# SPDX-License-Identifier: MIT
"""Raw-socket WebSocket client and daemon launcher for the conformance suites (stdlib only).

Frames are built byte by byte so that a test can send what no polite client would: reserved
bits and opcodes, unmasked frames, bad lengths, invalid UTF-8, frames cut into chops.
"""

import base64
import hashlib
import hmac
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

SECRET = "conformance-secret-0123456789abcdef0123456789"
API_KEY = "conformance-api-key-0123456789abcdefghij"  # api_key takes >= 32 characters


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint_token(sub, secret=SECRET, ttl=3600, admin=False, name=None, header=None, claims=None):
    """An HS256 JWT signed with the daemon's secret (what a backend with the shared secret does)."""
    now = int(time.time())
    head = header if header is not None else {"alg": "HS256", "typ": "JWT"}
    body = {"sub": str(sub), "exp": now + ttl, "iat": now}
    if name:
        body["name"] = name
    if admin:
        body["role"] = "admin"
    if claims:
        body.update(claims)
    signing = b64url(json.dumps(head).encode()) + "." + b64url(json.dumps(body).encode())
    sig = hmac.new(secret.encode(), signing.encode(), hashlib.sha256).digest()
    return signing + "." + b64url(sig)


def frame(opcode, payload=b"", fin=True, rsv=0, mask=True, length=None, key=b"\x37\xfa\x21\x3d"):
    """One client frame. `length` overrides the encoded payload length (for lying headers)."""
    if isinstance(payload, str):
        payload = payload.encode()
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | ((rsv & 7) << 4) | (opcode & 0xF)
    mbit = 0x80 if mask else 0
    if n < 126:
        head = bytes([b0, mbit | n])
    elif n <= 0xFFFF:
        head = bytes([b0, mbit | 126]) + struct.pack("!H", n)
    else:
        head = bytes([b0, mbit | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    body = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return head + key + body


def ping_json(ident, size=None):
    """An application `ping` whose `pong` echoes `ident`; padded with JSON whitespace to `size`."""
    text = b'{"type":"ping","id":' + json.dumps(ident, ensure_ascii=False).encode() + b"}"
    if size is not None:
        if size < len(text):
            raise ValueError("size too small")
        text = text[:-1] + b" " * (size - len(text)) + b"}"
    return text


class Closed(Exception):
    pass


class WsClient:
    def __init__(self, port, path=None, token=None, timeout=5.0, head_extra=b"", request=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.status = None
        self.head = b""
        if request is None:
            if path is None:
                path = "/ws?token=" + token if token else "/ws"
            key = base64.b64encode(os.urandom(16))
            request = (b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                       + b"\r\nSec-WebSocket-Version: 13\r\n" + head_extra + b"\r\n")
        if request:
            self.sock.sendall(request)

    def read_head(self, timeout=5.0):
        deadline = time.time() + timeout
        while b"\r\n\r\n" not in self.buf:
            if not self._fill(deadline):
                break
        head, sep, rest = self.buf.partition(b"\r\n\r\n")
        self.head, self.buf = head, rest
        try:
            self.status = int(head.split(b" ", 2)[1])
        except (IndexError, ValueError):
            self.status = None
        return self.status

    def _fill(self, deadline):
        left = deadline - time.time()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            raise Closed()
        if not data:
            raise Closed()
        self.buf += data
        return True

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close first; what it sent is still readable

    def recv_frame(self, timeout=5.0, skip_server_pings=True):
        """(opcode, payload, fin, rsv) of the next server frame; None on timeout; Closed at EOF."""
        deadline = time.time() + timeout
        while True:
            f = self._parse()
            if f is not None:
                if skip_server_pings and f[0] == PING and f[1] == b"":
                    continue  # the server's heartbeat
                return f
            if not self._fill(deadline):
                return None

    def _parse(self):
        b = self.buf
        if len(b) < 2:
            return None
        n = b[1] & 0x7F
        at = 2
        if n == 126:
            if len(b) < 4:
                return None
            n = struct.unpack("!H", b[2:4])[0]
            at = 4
        elif n == 127:
            if len(b) < 10:
                return None
            n = struct.unpack("!Q", b[2:10])[0]
            at = 10
        if b[1] & 0x80:
            at += 4  # servers never mask; kept so a bug shows as a wrong payload
        if len(b) < at + n:
            return None
        self.buf = b[at + n:]
        return (b[0] & 0xF, b[at:at + n], bool(b[0] & 0x80), (b[0] >> 4) & 7)

    def wait_json(self, type_, timeout=5.0):
        deadline = time.time() + timeout
        while True:
            f = self.recv_frame(max(0.0, deadline - time.time()))
            if f is None:
                return None
            if f[0] == TEXT:
                msg = json.loads(f[1])
                if msg.get("type") == type_:
                    return msg

    def wait_eof(self, timeout=5.0):
        """True when the server closes the TCP connection within the time (frames are skipped)."""
        deadline = time.time() + timeout
        try:
            while self._fill(deadline):
                self.buf = b""
        except Closed:
            return True
        return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def rest(port, method, path, body=None, token=API_KEY, headers=None, timeout=10, raw=False):
    """(status, parsed JSON or raw bytes, headers) of one request to 127.0.0.1:port."""
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data,
                                 method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, payload, head = r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        status, payload, head = e.code, e.read(), e.headers
    if raw:
        return status, payload, head
    try:
        return status, (json.loads(payload) if payload else None), head
    except ValueError:
        return status, payload, head


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Daemon:
    """switchboardd on SQLite in a temporary data dir, on a free port, with short deadlines."""

    HANDSHAKE_TIMEOUT_S = 3
    HEARTBEAT_TIMEOUT_S = 5

    def __init__(self, binary, native=True, extra=()):
        self.dir = tempfile.mkdtemp(prefix="sb-conformance-")
        self.port = free_port()
        self.native = native
        args = [binary, "--data-dir", self.dir, "--listen", "127.0.0.1:%d" % self.port,
                "--native-transport", "true" if native else "false",
                "--handshake-timeout", "%ds" % self.HANDSHAKE_TIMEOUT_S,
                "--heartbeat-interval", "2s",
                "--heartbeat-timeout", "%ds" % self.HEARTBEAT_TIMEOUT_S,
                "--log-level", "warning"] + list(extra)
        self.log = open(os.path.join(self.dir, "daemon.log"), "wb")
        # Secrets through the environment, as an operator should (the command line is in ps).
        env = dict(os.environ, SWITCHBOARD_JWT_SECRET=SECRET, SWITCHBOARD_API_KEY=API_KEY)
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("switchboardd exited with %s:\n%s" % (self.proc.returncode,
                                                                         self.log_text()))
            try:
                if self.http("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("switchboardd did not become ready")

    def log_text(self):
        self.log.flush()
        with open(os.path.join(self.dir, "daemon.log"), "rb") as f:
            return f.read().decode(errors="replace")[-4000:]

    def alive(self):
        return self.proc.poll() is None

    def http(self, method, path, body=None, token=API_KEY, headers=None, raw=False):
        """(status, parsed JSON or raw bytes) of one REST request."""
        status, payload, _ = rest(self.port, method, path, body, token, headers, raw=raw)
        return status, payload

    def connect(self, sub=1, admin=False, wait=True, timeout=5.0):
        """An authenticated WebSocket that has seen `connected` and `sync_complete`."""
        c = WsClient(self.port, token=mint_token(sub, admin=admin))
        if c.read_head(timeout) != 101:
            raise RuntimeError("upgrade refused: %r" % c.head[:200])
        if wait and c.wait_json("sync_complete", timeout) is None:
            raise RuntimeError("no sync_complete")
        return c

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
