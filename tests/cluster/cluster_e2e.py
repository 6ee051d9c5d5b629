#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Three switchboardd nodes behind nginx (Python 3 stdlib only; ctest tst_cluster_e2e).

Starts three real switchboardd on one PostgreSQL database (scripts/with-postgres.sh) and one
Redis (scripts/with-redis.sh), and Debian's nginx with THE shipped packaging/nginx/switchboard.conf
(only the node ports and the listening port rewritten), an instance of its own in a temporary
directory. Then, through nginx:

- /healthz, /readyz and REST with the API key answer; a browser's same-origin upgrade passes;
  WebSocket upgrades succeed after REST calls (no upgrade down a kept-alive REST connection);
- the clients are spread over the nodes (each node's /api/v1/connections, on the node's port);
- direct messages between users on different nodes, room messages (a room created on one node,
  joined from the others) and a REST broadcast arrive exactly once at every connection;
- a body just over max_body_bytes gets the node's 413 TOO_LARGE, a far larger one nginx's 413;
- presence across nodes: a watcher on one node gets one `user_status` online for a room peer
  with connections on the two other nodes, no offline when one of them closes and one when the
  last does; presence_query and GET /api/v1/status (through nginx and on every node) agree;
- typing across nodes: to a user and in a room, started and stopped, each seen once, also
  when the typist's two devices on two nodes type at once;
- operator actions through nginx: a broadcast and a notification to all reach a user on each
  node once; a kick (`?node_id=`) closes a connection of another node than the one nginx asks
  (4004); a user's disconnect and a stored user's disable close its connections on every node
  (4004, 4003), and every node refuses the disabled user's token;
- a connect storm: waves of new users, each with connections on several nodes at once, and
  connections right after: every one is welcomed (no 1013 from a stalled store);
- SIGKILL of the node the receiver is on, with senders sending to it (one on that node too):
  the receiver and that sender reconnect through nginx to surviving nodes, the receiver resumes
  from its positions; every acknowledged message arrives exactly once without a sequence gap,
  live and on a fresh device that replays the inbox; REST keeps answering through nginx
  (proxy_next_upstream). A user only on the killed node goes offline once for a watcher on a
  survivor within KILL_OFFLINE_BOUND_S; one also connected to a survivor does not.

Placement: nginx (least_conn) picks the node of each WebSocket; a check that needs a client on
given nodes finds where each one landed in the nodes' own GET /api/v1/connections and keeps
the ones that landed elsewhere open until one lands right (open_on).

  cluster_e2e.py --server build/release/server/switchboardd [--nginx /usr/sbin/nginx] [-v]

Exit status 0 when every check passed, 1 on a failure, 77 (skipped) without PostgreSQL
(SWITCHBOARD_TEST_DATABASE_URL), Redis (SWITCHBOARD_TEST_REDIS_URL) or nginx, unless
SWITCHBOARD_REQUIRE_POSTGRES=1 / SWITCHBOARD_REQUIRE_REDIS=1 ask for them (then a failure).
"""

import argparse
import base64
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "conformance"))
sys.path.insert(0, os.path.join(ROOT, "tests", "faults"))

import faults  # noqa: E402
from faults import Postgres, Receiver, Sender, connect, next_json, replay_all  # noqa: E402
from wsclient import (API_KEY, SECRET, TEXT, Closed, WsClient, frame, free_port,  # noqa: E402
                      mint_token, rest)

SKIP = 77
NGINX_CONF = os.path.join(ROOT, "packaging", "nginx", "switchboard.conf")
NODES = 3
USERS = 6  # clients through nginx for the message checks: users BASE_USER..BASE_USER+5
BASE_USER = 7001
SETTLE_S = 0.5  # how long to wait after the expected frames for a second copy
SENDERS = 5  # to faults.RECEIVER in the SIGKILL check: users 101..105
HEARTBEAT_TIMEOUT_S = 60  # docs/CONFIG.md: heartbeat_timeout's default
PRESENCE_USER = 7101  # check_presence: the watcher, +10 per attempt (its user is stored)
TYPING_USER = 7201  # check_typing: watcher and typist
OPERATOR_USER = 7301  # check_operator: one user per node, the kicked and the disconnected
STORM_USER, STORM_USERS, STORM_DEVICES, STORM_WAVES = 9001, 40, 3, 6  # check_connect_storm
KILL_USERS = (8101, 8102, 8103)  # check_sigkill's presence: A (killed node), B (two nodes), W
QUIET_S = 1.0  # how long a node's silence must last to count as "no such event"
# RedisBus::HEARTBEAT_MS is 2 s: a killed node's users go offline within 2 heartbeat periods
# once its key (1.5 periods) has expired; the bound leaves room for a loaded machine.
KILL_OFFLINE_BOUND_S = 8.0


class Failed(Exception):
    pass


class Checks:
    """Collects failures (the shape faults.Run.verify expects: a `fail` method)."""

    def __init__(self, verbose):
        self.verbose = verbose
        self.failures = []

    def fail(self, text):
        self.failures.append(text)
        print("   !! " + text, flush=True)

    def expect(self, ok, text):
        if not ok:
            self.fail(text)
        return ok

    def note(self, text):
        print("   " + text, flush=True)


def die_with_parent():
    """In the child: SIGKILL when the test process dies (a ctest timeout leaves nothing)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def http(port, method, path, body=None, token=API_KEY, headers=None, timeout=10):
    """(status, parsed JSON or raw bytes, headers) of one request to 127.0.0.1:port."""
    return rest(port, method, path, body, token, headers, timeout)


# ---------------------------------------------------------------------------------------------
# The parts: nodes and nginx


class Node:
    def __init__(self, binary, tmp, index, database_url, redis_url):
        self.index, self.node_id = index, "node-%d" % index
        self.dir = os.path.join(tmp, self.node_id)
        self.port = free_port()
        self.logpath = os.path.join(tmp, self.node_id + ".log")
        self.args = [binary, "--data-dir", self.dir, "--listen", "127.0.0.1:%d" % self.port,
                     "--log-level", "warning"]
        # Secrets and the shared settings through the environment, as an operator would.
        self.env = dict(os.environ, SWITCHBOARD_JWT_SECRET=SECRET, SWITCHBOARD_API_KEY=API_KEY,
                        SWITCHBOARD_DATABASE_URL=database_url, SWITCHBOARD_REDIS_URL=redis_url,
                        SWITCHBOARD_NODE_ID=self.node_id)
        self.proc = None

    def start(self):
        with open(self.logpath, "ab") as log:
            self.proc = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT,
                                         env=self.env, preexec_fn=die_with_parent)

    def wait_ready(self, timeout=60):
        """Until /readyz says "ready" (the database answers and Redis is there)."""
        deadline, last = time.time() + timeout, None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise Failed("%s exited with %s:\n%s" % (self.node_id, self.proc.returncode,
                                                          self.log_text()))
            try:
                status, body, _ = http(self.port, "GET", "/readyz", token=None, timeout=2)
                last = (status, body)
                if status == 200 and isinstance(body, dict) and body.get("status") == "ready":
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise Failed("%s not ready (last /readyz: %s):\n%s" % (self.node_id, last,
                                                               self.log_text()))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def connections(self):
        """The node's own connections: GET /api/v1/connections on its port (not through
        nginx) lists every node's, each with its node_id."""
        status, body, _ = http(self.port, "GET", "/api/v1/connections")
        if status != 200:
            raise Failed("%s: GET /api/v1/connections answered %s" % (self.node_id, status))
        return [c for c in body["connections"] if c.get("node_id") == self.node_id]

    def user_connections(self):
        """{user_id: number of its WebSockets on this node} from the node's own REST API."""
        out = {}
        for c in self.connections():
            out[c["user_id"]] = out.get(c["user_id"], 0) + 1
        return out

    def stop(self):
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log_text(self):
        try:
            with open(self.logpath, "rb") as f:
                return f.read().decode(errors="replace")[-3000:]
        except OSError:
            return ""


def site_config(text, node_ports, listen_port):
    """The shipped site with the example nodes and port 80 replaced; fails when the file no
    longer has what is replaced (so the test never runs a config it did not mean to)."""
    examples = sorted(set(re.findall(r"\b127\.0\.0\.1:(808[1-9])\b", text)))
    if examples != ["8081", "8082", "8083"]:
        raise Failed("%s: expected the example nodes 127.0.0.1:8081-8083, found %s"
                     % (NGINX_CONF, examples))
    text = re.sub(r"\b127\.0\.0\.1:808([1-3])\b",
                  lambda m: "127.0.0.1:%d" % node_ports[int(m.group(1)) - 1], text)
    text, n4 = re.subn(r"(?m)^(\s*)listen 80;", r"\g<1>listen 127.0.0.1:%d;" % listen_port, text)
    text, n6 = re.subn(r"(?m)^\s*listen \[::\]:80;\n", "", text)
    if n4 != 1 or n6 != 1:
        raise Failed("%s: expected one `listen 80;` and one `listen [::]:80;`" % NGINX_CONF)
    if re.search(r"(?m)^\s*listen\s+(?!127\.0\.0\.1:%d;)" % listen_port, text):
        raise Failed("%s: a `listen` the test does not know" % NGINX_CONF)
    # A quiet WebSocket lives as long as the node's heartbeat allows, not nginx's timeouts
    # (the test cannot wait that long: read from the file).
    timeouts = re.findall(r"(?m)^\s*proxy_(?:read|send)_timeout\s+(\d+)s;", text)
    if len(timeouts) < 2 or min(int(t) for t in timeouts) <= HEARTBEAT_TIMEOUT_S:
        raise Failed("%s: proxy_read_timeout/proxy_send_timeout %s, not above the default "
                     "heartbeat_timeout (%d s)" % (NGINX_CONF, timeouts, HEARTBEAT_TIMEOUT_S))
    return text


class Nginx:
    """Debian's nginx with a prefix, pid file, logs and temp paths of its own, on a free port."""

    def __init__(self, binary, tmp, node_ports):
        self.binary = binary
        self.dir = os.path.join(tmp, "nginx")
        os.mkdir(self.dir)
        # Run as root, nginx's workers are `nobody`: they must reach their temp paths.
        os.chmod(tmp, 0o755)
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        with open(NGINX_CONF) as f:
            site = site_config(f.read(), node_ports, self.port)
        with open(os.path.join(self.dir, "switchboard.conf"), "w") as f:
            f.write(site)
        d = self.dir
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            # One process (no master and workers), so that it dies with the test even when
            # the test is killed: PR_SET_PDEATHSIG is not inherited by nginx's workers.
            f.write("master_process off;\n"
                    "error_log %s/error.log warn;\n"
                    "pid %s/nginx.pid;\n"
                    "events { worker_connections 1024; }\n"
                    "http {\n"
                    "    access_log %s/access.log;\n"
                    "    client_body_temp_path %s/client_body;\n"
                    "    proxy_temp_path %s/proxy;\n"
                    "    fastcgi_temp_path %s/fastcgi;\n"
                    "    uwsgi_temp_path %s/uwsgi;\n"
                    "    scgi_temp_path %s/scgi;\n"
                    "    include %s/switchboard.conf;\n"
                    "}\n" % ((d,) * 9))
        self.args = [binary, "-p", d + "/", "-c", os.path.join(d, "nginx.conf")]
        self.proc = None

    def start(self):
        t = subprocess.run(self.args + ["-t", "-q"], capture_output=True, text=True)
        if t.returncode != 0:
            raise Failed("nginx -t refuses the shipped config:\n%s" % t.stderr)
        log = open(os.path.join(self.dir, "stderr.log"), "ab")
        self.proc = subprocess.Popen(self.args + ["-g", "daemon off;"], stdout=log,
                                     stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        log.close()
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise Failed("nginx exited with %s:\n%s" % (self.proc.returncode,
                                                            self.log_text()))
            try:
                if http(self.port, "GET", "/healthz", token=None, timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise Failed("nginx did not answer /healthz:\n" + self.log_text())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log_text(self):
        out = ""
        for name in ("stderr.log", "error.log"):
            try:
                with open(os.path.join(self.dir, name), "rb") as f:
                    out += f.read().decode(errors="replace")[-2000:]
            except OSError:
                pass
        return out


# ---------------------------------------------------------------------------------------------
# A client that keeps every frame it reads


class Peer:
    def __init__(self, port, user, head_extra=b""):
        self.user = user
        # As a browser does, the Host names the port (the node's own origin comes from it).
        key = base64.b64encode(os.urandom(16))
        request = (b"GET /ws?token=" + mint_token(user).encode() + b" HTTP/1.1\r\n"
                   b"Host: 127.0.0.1:" + str(port).encode() + b"\r\n"
                   b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                   + b"\r\nSec-WebSocket-Version: 13\r\n" + head_extra + b"\r\n")
        self.c = WsClient(port, timeout=10, request=request)
        self.status = self.c.read_head(10)
        self.events = []
        self.welcome = None
        self.n = 0
        self.node, self.conn_id = None, None  # where open_on() found it
        if self.status == 101:
            try:
                self.welcome = self.until(lambda m: m.get("type") == "connected", 10)
                self.until(lambda m: m.get("type") == "sync_complete", 10)
            except (Closed, OSError):
                pass  # closed before its welcome: self.events has the close frame, if any

    def until(self, match, timeout):
        """Reads (and keeps) frames until one matches; that frame, or None at the deadline."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = next_json(self.c, max(0.01, deadline - time.time()))
            if m is None:
                break
            self.events.append(m)
            if match(m):
                return m
        return None

    def pump(self, timeout=0.05):
        """Reads what has arrived (for up to `timeout` of quiet)."""
        while next_json_into(self, timeout):
            pass

    def request(self, type_, timeout=10, **fields):
        """Sends a frame with an id; its answer (ack, error or the reply carrying the id)."""
        self.n += 1
        ident = "u%d-%d" % (self.user, self.n)
        msg = dict(fields, type=type_, id=ident)
        self.c.send(frame(TEXT, json.dumps(msg)))
        return self.until(lambda m: m.get("id") == ident, timeout)

    def of_type(self, type_, **fields):
        return [m for m in self.events if m.get("type") == type_
                and all(m.get(k) == v for k, v in fields.items())]

    def close(self):
        self.c.close()


def next_json_into(peer, timeout):
    m = next_json(peer.c, timeout)
    if m is None:
        return False
    peer.events.append(m)
    return True


def request_known(peer, type_, timeout=5, **fields):
    """A request that another node may answer NOT_FOUND for a moment (a user or a room it has
    not heard of yet: KnownUsers' flush, the room index following the bus): retried."""
    deadline = time.time() + timeout
    while True:
        answer = peer.request(type_, **fields)
        if answer is None or answer.get("code") != "NOT_FOUND" or time.time() > deadline:
            return answer
        time.sleep(0.05)


def settle(peers, done, timeout=10):
    """Pumps every peer until done() holds, then SETTLE_S longer (a second copy would show)."""
    deadline = time.time() + timeout
    while not done() and time.time() < deadline:
        for p in peers:
            p.pump(0.01)
    end = time.time() + SETTLE_S
    while time.time() < end:
        for p in peers:
            p.pump(0.01)


# ---------------------------------------------------------------------------------------------
# The checks


def check_rest(ck, nginx, nodes):
    status, body, _ = http(nginx.port, "GET", "/healthz", token=None)
    ck.expect(status == 200, "/healthz through nginx: %s %s" % (status, body))
    status, body, _ = http(nginx.port, "GET", "/readyz", token=None)
    ck.expect(status == 200 and isinstance(body, dict) and body.get("status") == "ready",
              "/readyz through nginx: %s %s" % (status, body))
    # REST with the API key, spread over the nodes by least_conn (idle, every node has 0).
    seen = set()
    for _ in range(6):
        status, body, _ = http(nginx.port, "GET", "/api/v1/stats")
        if ck.expect(status == 200 and isinstance(body, dict),
                     "GET /api/v1/stats through nginx: %s %s" % (status, body)):
            seen.add(body.get("node_id"))
    ck.expect(seen <= {n.node_id for n in nodes} and seen,
              "node_id through nginx: %s" % sorted(map(str, seen)))
    ck.note("REST through nginx reached %s" % sorted(map(str, seen)))
    for n in nodes:
        status, body, _ = http(n.port, "GET", "/api/v1/stats")
        ck.expect(status == 200 and body.get("node_id") == n.node_id
                  and body.get("bus") == "redis",
                  "%s stats: node_id %s, bus %s" % (n.node_id, body.get("node_id"),
                                                    body.get("bus")))


def check_body_limits(ck, nginx, _nodes):
    # Just over max_body_bytes (1MiB): the node's own JSON answer; far over: nginx's.
    status, body, _ = http(nginx.port, "POST", "/api/v1/broadcast",
                           json.dumps({"content": "x", "pad": "y" * (3 << 19)}).encode())
    code = body.get("error", {}).get("code") if isinstance(body, dict) else None
    ck.expect(status == 413 and code == "TOO_LARGE",
              "a 1.5 MiB body through nginx: %s %r (expected the node's 413 TOO_LARGE)"
              % (status, body if isinstance(body, dict) else body[:80]))
    status, body, _ = http(nginx.port, "POST", "/api/v1/broadcast", b"{" + b" " * (4 << 20) + b"}")
    ck.expect(status == 413 and not isinstance(body, dict),
              "a 4 MiB body through nginx: %s (expected nginx's own 413)" % status)


def placement(nodes, users):
    """{user: node} for users with a connection on exactly one node; raises on doubles."""
    where = {}
    for n in nodes:
        if not n.alive():
            continue
        for user, count in n.user_connections().items():
            if user in users:
                if user in where or count != 1:
                    raise Failed("user %d has WebSockets on several nodes" % user)
                where[user] = n
    return where


class Misplaced(Exception):
    """A connection nginx put on a node the check cannot use (the check starts again)."""


def connections_of(nodes, user):
    """{(node, connection_id)} of the user's WebSockets, from each live node's own list."""
    out = set()
    for n in nodes:
        if n.alive():
            out |= {(n, str(c["connection_id"])) for c in n.connections()
                    if c["user_id"] == user}
    return out


def open_on(nginx, nodes, user, want, parked=None, tries=10):
    """A Peer of `user` through nginx on one of the nodes `want` (nginx picks with least_conn;
    its node is the one whose list gains the connection). One that lands elsewhere stays open
    in `parked`, so that least_conn sends the next one to another node; without `parked` it
    raises Misplaced instead."""
    for _ in range(tries):
        before = connections_of(nodes, user)
        p = Peer(nginx.port, user)
        if p.status != 101 or p.welcome is None:
            p.close()
            raise Failed("upgrade of user %d through nginx: %s %r, then %s" % (
                user, p.status, p.c.head[:200], p.events or "nothing"))
        new, deadline = set(), time.time() + 5
        while time.time() < deadline:
            new = connections_of(nodes, user) - before
            if new:
                break
            time.sleep(0.05)
        if len(new) != 1:
            p.close()
            raise Failed("user %d: one upgrade through nginx, %d new connections listed: %s"
                         % (user, len(new), sorted((n.node_id, c) for n, c in new)))
        p.node, p.conn_id = next(iter(new))
        if str(p.welcome.get("connection_id")) != p.conn_id:
            p.close()
            raise Failed("user %d: welcome names connection %s, %s lists %s"
                         % (user, p.welcome.get("connection_id"), p.node.node_id, p.conn_id))
        if p.node in want:
            return p
        if parked is None:
            p.close()
            raise Misplaced("user %d landed on %s, not on %s" % (
                user, p.node.node_id, "/".join(sorted(n.node_id for n in want))))
        parked.append(p)
    raise Failed("user %d: no connection on %s in %d upgrades through nginx" % (
        user, "/".join(sorted(n.node_id for n in want)), tries))


def close_all(nodes, peers, timeout=5):
    """Closes the peers and waits until their nodes no longer list them."""
    for p in peers:
        p.close()
    gone = {(p.node, p.conn_id) for p in peers if p.node is not None}
    deadline = time.time() + timeout
    while True:
        left = {(n, c) for n, c in gone if n.alive()
                and c in {str(x["connection_id"]) for x in n.connections()}}
        if not left:
            return
        if time.time() > deadline:
            raise Failed("connections still listed after their close: %s"
                         % sorted((n.node_id, c) for n, c in left))
        time.sleep(0.05)


def shared_room(nginx, nodes, room, owner, members):
    """A room `owner` creates and `members` join, each through REST (nginx) with its own token,
    before any of them connects; returns once every node's room index lists them all."""
    status, body, _ = http(nginx.port, "POST", "/api/v1/rooms", {"room_id": room, "name": room},
                           token=mint_token(owner))
    if status != 201:
        raise Failed("POST /api/v1/rooms %s as user %d: %s %s" % (room, owner, status, body))
    for m in members:
        deadline = time.time() + 5
        while True:  # through a node that has not heard of the room yet: 404 for a moment
            status, body, _ = http(nginx.port, "POST", "/api/v1/rooms/%s/join" % room,
                                   token=mint_token(m))
            if status != 404 or time.time() > deadline:
                break
            time.sleep(0.05)
        if status != 200:
            raise Failed("join %s as user %d: %s %s" % (room, m, status, body))
    want = {owner} | set(members)
    for n in nodes:
        deadline, have = time.time() + 5, set()
        while time.time() < deadline:
            status, body, _ = http(n.port, "GET", "/api/v1/rooms/%s" % room)
            have = ({x["user_id"] for x in body.get("members", [])}
                    if status == 200 and isinstance(body, dict) else set())
            if have >= want:
                break
            time.sleep(0.05)
        if not have >= want:
            raise Failed("%s lists %s as members of %s, not %s" % (n.node_id, sorted(have), room,
                                                                  sorted(want)))


def close_code(peer, timeout=10):
    """The close code the server sends the peer (what comes before it is kept); "EOF" when
    the TCP connection ends without a close frame, None when nothing ends in time."""
    try:
        m = peer.until(lambda m: m.get("type") == "__close", timeout)
    except (Closed, OSError):
        return "EOF"
    return m["code"] if m else None


def still_open(peer):
    """True when the peer's connection answers a ping (it was not closed)."""
    try:
        answer = peer.request("ping", timeout=5)
    except (Closed, OSError):
        return False
    return answer is not None and answer.get("type") == "pong"


def user_status(peer, user, status):
    """The `user_status` events of `user` with `status` the peer got."""
    return peer.of_type("user_status", user_id=user, status=status)


def is_status(user, status):
    """A match for Peer.until: a `user_status` of `user` with `status`."""
    return lambda m: (m.get("type") == "user_status" and m.get("user_id") == user
                      and m.get("status") == status)


def quiet(peers, seconds=QUIET_S):
    """Reads what arrives at the peers for `seconds` (a frame that should not come would)."""
    end = time.time() + seconds
    while time.time() < end:
        for p in peers:
            p.pump(0.01)


def presence_of(peer, user):
    """The entry for `user` in the peer's presence_query answer, or the answer itself."""
    answer = peer.request("presence_query", user_ids=[user])
    if answer and answer.get("type") == "presence_list":
        for u in answer.get("users", []):
            if u.get("user_id") == user:
                return u
    return answer


def rest_status(port, user):
    status, body, _ = http(port, "GET", "/api/v1/status/%d" % user)
    return body if status == 200 and isinstance(body, dict) else {"http": status, "body": body}


def expect_rest_online(ck, nginx, nodes, user, online, timeout=3, seen_after=None):
    """GET /api/v1/status/{user} through nginx and on every live node says `online` (a node
    that learns it from the bus may take a moment); with `seen_after` (ms), an offline user's
    last_seen is that late or later on every node (a stored user: its row, or the pending
    write of the node it left)."""
    ports = [("nginx", nginx.port)] + [(n.node_id, n.port) for n in nodes if n.alive()]

    def right(body):
        seen = body.get("last_seen")
        return (body.get("online") is online
                and body.get("status") == ("online" if online else "offline")
                and (seen_after is None or isinstance(seen, int) and seen >= seen_after))

    for name, port in ports:
        deadline = time.time() + timeout
        body = rest_status(port, user)
        while not right(body) and time.time() < deadline:
            time.sleep(0.05)
            body = rest_status(port, user)
        ck.expect(right(body), "GET /api/v1/status/%d via %s: %s, expected online=%s%s"
                  % (user, name, body, online,
                     ", last_seen >= %d" % seen_after if seen_after else ""))


def check_messages(ck, nginx, nodes):
    origin = ("Origin: http://127.0.0.1:%d\r\n" % nginx.port).encode()
    peers = []
    for i in range(USERS):
        # The first one as a browser page of this site would: its Origin is the site's own.
        p = Peer(nginx.port, BASE_USER + i, head_extra=origin if i == 0 else b"")
        if not ck.expect(p.status == 101 and p.welcome is not None,
                         "upgrade of user %d through nginx: %s %r"
                         % (p.user, p.status, p.c.head[:200])):
            raise Failed("no WebSocket through nginx")
        peers.append(p)
        # A REST call between upgrades: the next upgrade must not reuse its connection.
        http(nginx.port, "GET", "/readyz", token=None)
    where = placement(nodes, {p.user for p in peers})
    spread = {}
    for p in peers:
        spread.setdefault(where[p.user].node_id, []).append(p.user)
    ck.note("WebSockets through nginx: %s" % ", ".join(
        "%s %s" % (k, v) for k, v in sorted(spread.items())))
    ck.expect(len(where) == USERS, "%d of %d users found on a node" % (len(where), USERS))
    ck.expect(len(spread) == NODES, "least_conn put %d clients on %d node(s), not all %d: %s"
              % (USERS, len(spread), NODES, spread))

    # Direct messages: each user to the next one on another node. One at a time, each awaited
    # before the next send: a recipient's inbox is also its sent box, and events of one stream
    # that reach a node out of seq order are a case of their own (check_sigkill).
    sent = {}  # recipient -> message_id
    by_user = {p.user: p for p in peers}
    for p in peers:
        to = next((q for q in peers if where[q.user] is not where[p.user] and q.user not in sent),
                  None)
        if to is None:
            continue
        ack = request_known(p, "send", to=to.user, content="dm %d->%d" % (p.user, to.user))
        if ck.expect(ack and ack.get("type") == "ack", "send %d->%d: %s" % (p.user, to.user, ack)):
            sent[to.user] = ack["message_id"]
            to.until(lambda m: m.get("message_id") == ack["message_id"], 5)
    ck.expect(len(sent) >= 2, "only %d direct messages between nodes" % len(sent))
    settle(peers, lambda: all(by_user[u].of_type("message", message_id=m)
                              for u, m in sent.items()))
    for u, mid in sent.items():
        got = by_user[u].of_type("message", message_id=mid)
        ck.expect(len(got) == 1, "user %d (%s) got direct message %s %d times"
                  % (u, where[u].node_id, mid, len(got)))
    ck.note("%d direct messages across nodes, each received once" % len(sent))

    # A room created on one node, joined through the others.
    room = "e2e-%d" % os.getpid()
    created = peers[0].request("room_create", room_id=room, name="e2e")
    if not ck.expect(created and created.get("type") == "room",
                     "room_create on %s: %s" % (where[peers[0].user].node_id, created)):
        raise Failed("no room")
    for p in peers[1:]:
        joined = request_known(p, "room_join", room_id=room)
        ck.expect(joined and joined.get("type") == "room_joined",
                  "room_join by %d on %s: %s" % (p.user, where[p.user].node_id, joined))
    posts = {}  # message_id -> poster
    for p in peers:
        ack = p.request("room_send", room_id=room, content="room post by %d" % p.user)
        if ck.expect(ack and ack.get("type") == "ack", "room_send by %d: %s" % (p.user, ack)):
            posts[ack["message_id"]] = p.user
            # The next poster after this post reached it (in order, as for direct messages).
            nxt = peers[(peers.index(p) + 1) % len(peers)]
            nxt.until(lambda m: m.get("message_id") == ack["message_id"], 5)

    def members_have_all():
        return all(p.of_type("room_message", message_id=m)
                   for p in peers for m, poster in posts.items() if poster != p.user)

    settle(peers, members_have_all)
    for p in peers:
        for mid, poster in posts.items():
            n = len(p.of_type("room_message", message_id=mid))
            want = 0 if poster == p.user else 1  # the poster's connection gets the ack
            ck.expect(n == want, "member %d (%s) got room message %s (by %d) %d times, not %d"
                      % (p.user, where[p.user].node_id, mid, poster, n, want))
    ck.note("%d room messages, each received once by the %d other members"
            % (len(posts), len(peers) - 1))

    # A REST broadcast through nginx (to one node) reaches the clients of every node.
    text = "e2e broadcast %f" % time.time()
    status, body, _ = http(nginx.port, "POST", "/api/v1/broadcast", {"content": text})
    ck.expect(status == 202, "POST /api/v1/broadcast through nginx: %s %s" % (status, body))
    settle(peers, lambda: all(p.of_type("broadcast", content=text) for p in peers))
    for p in peers:
        n = len(p.of_type("broadcast", content=text))
        ck.expect(n == 1, "user %d (%s) got the broadcast %d times"
                  % (p.user, where[p.user].node_id, n))
    ck.note("the broadcast reached all %d clients once" % len(peers))
    for p in peers:
        p.close()


def check_presence(ck, nginx, nodes):
    """A watcher W on node X, a user U of W's room with a connection on node Y and one on Z."""
    for attempt in range(3):
        try:
            return presence_across_nodes(ck, nginx, nodes, PRESENCE_USER + 10 * attempt)
        except Misplaced as e:
            ck.note("%s: again with other users" % e)
    raise Failed("nginx never put the presence check's connections on three nodes")


def presence_across_nodes(ck, nginx, nodes, w_user):
    # U is a stored user (its last_seen is kept), W one a backend's token names.
    name = "e2e-presence-%d-%d" % (os.getpid(), w_user)
    status, body, _ = http(nginx.port, "POST", "/api/v1/users",
                           {"username": name, "password": "e2e password 1"})
    if status != 201 or not isinstance(body, dict) or not body.get("user_id"):
        raise Failed("POST /api/v1/users through nginx: %s %s" % (status, body))
    u_user = body["user_id"]
    room = name
    # Neither has a WebSocket yet: U's first connection is its first news for W.
    shared_room(nginx, nodes, room, u_user, [w_user])
    peers, parked = [], []
    try:
        w = open_on(nginx, nodes, w_user, set(nodes))
        peers.append(w)
        # least_conn sends U's first connection to a node without W: else the check starts
        # again with other users (a closed connection would be news for W).
        t = time.time()
        u1 = open_on(nginx, nodes, u_user, set(nodes) - {w.node})
        peers.append(u1)
        ck.expect(w.until(is_status(u_user, "online"), 10),
                  "W (user %d on %s) got no user_status online for U (user %d on %s)"
                  % (w_user, w.node.node_id, u_user, u1.node.node_id))
        ck.note("W on %s: U online through %s within %.2f s of its upgrade"
                % (w.node.node_id, u1.node.node_id, time.time() - t))
        # U's second connection is no news (connections parked on the way are U's too).
        u2 = open_on(nginx, nodes, u_user, set(nodes) - {w.node, u1.node}, parked)
        peers.append(u2)
        close_all(nodes, parked)
        quiet([w])
        got = (len(user_status(w, u_user, "online")), len(user_status(w, u_user, "offline")))
        ck.expect(got == (1, 0), "U online on %s and %s (%d more connections opened and closed "
                  "on the way): W got %d online and %d offline user_status, not 1 and 0"
                  % (u1.node.node_id, u2.node.node_id, len(parked), got[0], got[1]))
        for who in (w, u1):
            p = presence_of(who, u_user)
            ck.expect(isinstance(p, dict) and p.get("online") is True
                      and p.get("status") == "online",
                      "presence_query for U (on %s and %s) by user %d on %s: %s"
                      % (u1.node.node_id, u2.node.node_id, who.user, who.node.node_id, p))
        expect_rest_online(ck, nginx, nodes, u_user, True)

        # U's first connection closes: U is still online on Z.
        close_all(nodes, [u1])
        peers.remove(u1)
        quiet([w])
        got = len(user_status(w, u_user, "offline"))
        ck.expect(got == 0, "U's connection on %s closed, U still on %s: W (on %s) got %d "
                  "offline user_status" % (u1.node.node_id, u2.node.node_id, w.node.node_id,
                                           got))
        p = presence_of(w, u_user)
        ck.expect(isinstance(p, dict) and p.get("online") is True,
                  "presence_query by W on %s for U, still on %s: %s"
                  % (w.node.node_id, u2.node.node_id, p))
        expect_rest_online(ck, nginx, nodes, u_user, True)

        # Its last one closes: one offline.
        t = time.time()
        closed_ms = int(t * 1000)
        close_all(nodes, [u2])
        peers.remove(u2)
        ck.expect(w.until(is_status(u_user, "offline"), 10),
                  "U's last connection (on %s) closed: W on %s got no offline user_status"
                  % (u2.node.node_id, w.node.node_id))
        ck.note("U closed on %s: W offline in %.2f s" % (u2.node.node_id, time.time() - t))
        quiet([w])
        got = (len(user_status(w, u_user, "online")), len(user_status(w, u_user, "offline")))
        ck.expect(got == (1, 1), "after U's last connection: W got %d online and %d offline "
                  "user_status, not 1 and 1" % got)
        off = [m for m in user_status(w, u_user, "offline")]
        ck.expect(off and isinstance(off[0].get("last_seen"), int),
                  "offline user_status without last_seen: %s" % off)
        p = presence_of(w, u_user)
        ck.expect(isinstance(p, dict) and p.get("online") is False,
                  "presence_query by W on %s for U, gone: %s" % (w.node.node_id, p))
        expect_rest_online(ck, nginx, nodes, u_user, False, seen_after=closed_ms)
    finally:
        for p in peers + parked:
            p.close()


def check_typing(ck, nginx, nodes):
    """U on node Y types to W on node X, directly and in their room: W sees each once."""
    w_user, u_user = TYPING_USER, TYPING_USER + 1
    room = "e2e-typing-%d" % os.getpid()
    shared_room(nginx, nodes, room, u_user, [w_user])
    peers, parked = [], []
    try:
        w = open_on(nginx, nodes, w_user, set(nodes))
        peers.append(w)
        u = open_on(nginx, nodes, u_user, set(nodes) - {w.node}, parked)
        peers.append(u)
        close_all(nodes, parked)
        contexts = (("user:%d" % u_user, {"to": w_user}),
                    ("room:%s" % room, {"room_id": room}))
        for is_typing in (True, False):
            for context, fields in contexts:
                u.n += 1
                u.c.send(frame(TEXT, json.dumps(dict(fields, type="typing", id="t%d" % u.n,
                                                     is_typing=is_typing))))
            settle([w, u], lambda: all(w.of_type("typing", context=c, is_typing=is_typing)
                                       for c, _ in contexts))
            for context, _ in contexts:
                got = w.of_type("typing", context=context, is_typing=is_typing)
                ck.expect(len(got) == 1 and all(m.get("user_id") == u_user for m in got),
                          "U (user %d on %s) typing %s in %s: W on %s got %d: %s"
                          % (u_user, u.node.node_id, is_typing, context, w.node.node_id,
                             len(got), got))
        ck.expect(not u.of_type("typing") and not u.of_type("error"),
                  "the typist got %s" % (u.of_type("typing") + u.of_type("error")))
        room_events = w.of_type("typing", context="room:%s" % room)
        ck.expect(all(m.get("room_id") == room for m in room_events),
                  "room typing without its room_id: %s" % room_events)
        ck.note("U on %s typing to W on %s (direct and %s): started and stopped, once each"
                % (u.node.node_id, w.node.node_id, room))
        # U's two devices on two nodes type at once: "at most once per typing_interval per
        # user and context" (PROTOCOL.md) holds across nodes too.
        u2 = open_on(nginx, nodes, u_user, set(nodes) - {w.node, u.node}, parked)
        peers.append(u2)
        close_all(nodes, parked)
        seen = len(w.events)
        for p in (u, u2):
            for context, fields in contexts:
                p.n += 1
                p.c.send(frame(TEXT, json.dumps(dict(fields, type="typing", id="t%d" % p.n))))
        sent = time.time()
        settle([w, u, u2], lambda: all(
            [m for m in w.events[seen:] if m.get("context") == c] for c, _ in contexts))
        quiet([w, u, u2], max(0.0, sent + QUIET_S - time.time()))
        for context, _ in contexts:
            got = [m for m in w.events[seen:] if m.get("type") == "typing"
                   and m.get("context") == context and m.get("is_typing") is True]
            ck.expect(len(got) == 1, "U typing %s from %s and %s within typing_interval: W on %s "
                      "got %d typing events, not 1" % (context, u.node.node_id, u2.node.node_id,
                                                        w.node.node_id, len(got)))
        ck.note("U typing from %s and %s at once: W on %s got %s" % (
            u.node.node_id, u2.node.node_id, w.node.node_id,
            [m.get("context") for m in w.events[seen:] if m.get("type") == "typing"]))
    finally:
        for p in peers + parked:
            p.close()


def on_every_node(nginx, nodes, user, parked):
    """One connection of `user` on each node, through nginx (the others parked)."""
    peers = []
    for n in nodes:
        peers.append(open_on(nginx, nodes, user, {n}, parked))
    return peers


def check_operator(ck, nginx, nodes):
    """Operator actions through nginx (REST with the API key) reach every node."""
    peers, parked = [], []
    try:
        # One user per node: broadcasts reach each once.
        users = []
        for i in range(NODES):
            users.append(open_on(nginx, nodes, OPERATOR_USER + i,
                                 set(nodes) - {p.node for p in users}, parked))
            peers.append(users[-1])
        close_all(nodes, parked)
        del parked[:]
        text = "e2e operator broadcast %f" % time.time()
        status, body, _ = http(nginx.port, "POST", "/api/v1/broadcast", {"content": text})
        ck.expect(status == 202, "POST /api/v1/broadcast through nginx: %s %s" % (status, body))
        title = "e2e notification %f" % time.time()
        status, body, _ = http(nginx.port, "POST", "/api/v1/broadcast",
                               {"target": "all", "kind": "notification", "title": title})
        ck.expect(status == 202, "POST /api/v1/broadcast target all through nginx: %s %s"
                  % (status, body))

        def noticed(p):
            return [m for m in p.of_type("notification")
                    if (m.get("data") or {}).get("title") == title]

        settle(users, lambda: all(p.of_type("broadcast", content=text) and noticed(p)
                                  for p in users))
        for p in users:
            got = (len(p.of_type("broadcast", content=text)), len(noticed(p)))
            ck.expect(got == (1, 1), "user %d on %s got the broadcast %d and the notification "
                      "to all %d times" % (p.user, p.node.node_id, got[0], got[1]))
        ck.note("a broadcast and a notification to all reached users %s once" % ", ".join(
            "%d (%s)" % (p.user, p.node.node_id) for p in users))

        # Kick: the connection on node N closed through whichever node nginx picks; when that
        # is another node, it asks N over Redis and answers once N closed it (with its node_id).
        kicked = OPERATOR_USER + 10
        remote = 0
        for round_ in range(3):
            ks = on_every_node(nginx, nodes, kicked, parked)
            close_all(nodes, parked)
            del parked[:]
            peers += ks
            for k in ks[round_ % 3:] + ks[:round_ % 3]:
                reason = "e2e kick %s/%s" % (k.node.node_id, k.conn_id)
                status, body, _ = http(nginx.port, "POST",
                                       "/api/v1/connections/%s/close?node_id=%s"
                                       % (k.conn_id, k.node.node_id), {"reason": reason})
                if status == 200 and "node_id" in body:
                    remote += 1
                    ck.expect(body == {"closed": 1, "node_id": k.node.node_id},
                              "kick of %s/%s through another node: %s"
                              % (k.node.node_id, k.conn_id, body))
                else:
                    ck.expect(status == 200 and body == {"closed": 1},
                              "kick of %s/%s through nginx: %s %s"
                              % (k.node.node_id, k.conn_id, status, body))
                code = close_code(k)
                ck.expect(code == 4004, "kicked connection %s/%s (answer %d): close %s, not 4004"
                          % (k.node.node_id, k.conn_id, status, code))
                ck.note("kick of user %d's connection on %s through nginx: %d, closed %s" % (
                    kicked, k.node.node_id, status, code))
                peers.remove(k)
                k.close()
                for other in ks:
                    if other in peers:
                        ck.expect(still_open(other), "kick of %s/%s closed %s/%s too" % (
                            k.node.node_id, k.conn_id, other.node.node_id, other.conn_id))
            if remote:
                break
        ck.expect(remote >= 1, "nginx never sent a kick to a node other than the connection's")

        # Disconnect: every connection of the user, on every node.
        gone = OPERATOR_USER + 11
        ds = on_every_node(nginx, nodes, gone, parked)
        peers += ds
        status, body, _ = http(nginx.port, "POST", "/api/v1/users/%d/disconnect" % gone)
        ck.expect(status == 200, "POST /api/v1/users/%d/disconnect through nginx: %s %s"
                  % (gone, status, body))
        codes = {"%s/%s" % (p.node.node_id, p.conn_id): close_code(p) for p in ds + parked}
        ck.expect(set(codes.values()) == {4004}, "disconnect of user %d through nginx: close "
                  "codes %s, not 4004 everywhere" % (gone, codes))
        # Counted on every node (each node asked answers for its own).
        ck.expect(body.get("closed") == len(codes) and "incomplete" not in body,
                  "disconnect of user %d through nginx answered %s for %d connections"
                  % (gone, body, len(codes)))
        ck.note("disconnect of user %d through nginx closed %s with %s"
                % (gone, ", ".join(sorted(codes)), sorted(set(map(str, codes.values())))))
        for p in ds + parked:
            p.close()
            if p in peers:
                peers.remove(p)
        del parked[:]
        check_disable(ck, nginx, nodes, peers, parked)
    finally:
        for p in peers + parked:
            p.close()


def check_disable(ck, nginx, nodes, peers, parked):
    """A stored user disabled through nginx: closed on every node, its token refused."""
    name = "e2e-disabled-%d" % os.getpid()
    status, body, _ = http(nginx.port, "POST", "/api/v1/users",
                           {"username": name, "password": "e2e password 1"})
    if not ck.expect(status == 201 and isinstance(body, dict) and body.get("user_id"),
                     "POST /api/v1/users through nginx: %s %s" % (status, body)):
        return
    user = body["user_id"]
    token = mint_token(user)
    ds = on_every_node(nginx, nodes, user, parked)
    peers += ds
    # Every node has the account's state cached before the change (what must be forgotten).
    for n in nodes:
        status, body, _ = http(n.port, "GET", "/api/v1/online/count", token=token)
        ck.expect(status == 200, "user %d's token on %s before the disable: %s %s"
                  % (user, n.node_id, status, body))
    status, body, _ = http(nginx.port, "POST", "/api/v1/users/%d/disable" % user)
    ck.expect(status == 200 and isinstance(body, dict) and body.get("disabled") is True,
              "POST /api/v1/users/%d/disable through nginx: %s %s" % (user, status, body))
    codes = {"%s/%s" % (p.node.node_id, p.conn_id): close_code(p) for p in ds + parked}
    ck.expect(set(codes.values()) == {4003}, "disabled user %d: close codes %s, not 4003 "
              "everywhere" % (user, codes))
    for name_, port in [("nginx", nginx.port)] + [(n.node_id, n.port) for n in nodes]:
        status, body, _ = http(port, "GET", "/api/v1/online/count", token=token)
        code = (body.get("error") or {}).get("code") if isinstance(body, dict) else None
        ck.expect(status == 403 and code == "FORBIDDEN",
                  "disabled user %d's token via %s: %s %s, not 403 FORBIDDEN"
                  % (user, name_, status, body))
    # A new WebSocket through nginx: refused before the upgrade, or closed with 4003 after it.
    c = WsClient(nginx.port, path="/ws?token=" + token, timeout=10)
    head = c.read_head(10)
    code = None
    if head == 101:
        try:
            while code is None:
                m = next_json(c, 10)
                if m is None:
                    break
                if m.get("type") == "__close":
                    code = m["code"]
        except (Closed, OSError):
            code = "EOF"
    c.close()
    ck.expect(head in (401, 403) or code == 4003, "disabled user %d's new WebSocket through "
              "nginx: HTTP %s, close %s" % (user, head, code))
    ck.note("disabled user %d through nginx: closed %s; its token refused on every node; a new "
            "WebSocket: HTTP %s%s" % (user, sorted(set(map(str, codes.values()))), head,
                                       ", close %s" % code if head == 101 else ""))


def storm_wave(nginx, users, devices):
    """Every user's `devices` connections through nginx at once: the peers (closed ones too)."""
    peers, lock = [], threading.Lock()

    def one(user):
        try:
            p = Peer(nginx.port, user)
        except (Closed, OSError):
            return
        with lock:
            peers.append(p)

    threads = [threading.Thread(target=one, args=(u,)) for u in users for _ in range(devices)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    return peers


def refusal(peer):
    closes = peer.of_type("__close")
    return "close %d" % closes[0]["code"] if closes else "HTTP %s" % peer.status


def check_connect_storm(ck, nginx, nodes):
    """Waves of STORM_USERS new users with STORM_DEVICES connections each through nginx (so on
    several nodes), all at once, as a reconnect storm: every connection is welcomed, in every
    wave and right after the last. (Each node saves its new connections' stream positions in
    one transaction; two nodes saving the same users' rows in different orders deadlocked, the
    node's store stalled for deadlock_timeout, 1 s, then closed new connections with 1013: the
    store now takes rows in one order, tst_store concurrentBatchesInOppositeOrders.)"""
    t0, refused, several = time.time(), {}, 0
    for wave in range(STORM_WAVES):
        users = [STORM_USER + wave * STORM_USERS + i for i in range(STORM_USERS)]
        peers = storm_wave(nginx, users, STORM_DEVICES)
        try:
            spread = {}
            for n in nodes:
                for c in n.connections():
                    if c["user_id"] in users:
                        spread.setdefault(c["user_id"], set()).add(n.node_id)
            several += sum(1 for v in spread.values() if len(v) > 1)
            missing = STORM_USERS * STORM_DEVICES - len(peers)
            if missing:
                refused.setdefault("no answer", []).extend([round(time.time() - t0, 1)] * missing)
            for p in peers:
                if p.welcome is None:
                    refused.setdefault(refusal(p), []).append(round(time.time() - t0, 1))
            time.sleep(0.3)
        finally:
            for p in peers:
                p.close()
        time.sleep(0.2)
    # After the last wave: one new connection every 0.1 s for as long as a stall would last.
    n, end = 0, time.time() + 2.2
    while time.time() < end:
        n += 1
        p = Peer(nginx.port, STORM_USER + STORM_WAVES * STORM_USERS + n)
        if p.welcome is None:
            refused.setdefault(refusal(p), []).append(round(time.time() - t0, 1))
        p.close()
        time.sleep(0.1)
    total = STORM_WAVES * STORM_USERS * STORM_DEVICES + n
    bad = sum(map(len, refused.values()))
    ck.expect(not refused, "connect storm through nginx: %d of %d connections not welcomed (%s); "
              "node logs: 'deadlock detected' saving cursors?" % (bad, total, ", ".join(
                  "%d %s %.1f-%.1f s into the check" % (len(v), k, min(v), max(v))
                  for k, v in sorted(refused.items()))))
    ck.note("%d waves of %d users x %d connections through nginx at once (%d users on several "
            "nodes), then %d one by one: %d of %d welcomed" % (
                STORM_WAVES, STORM_USERS, STORM_DEVICES, several, n, total - bad, total))
    if refused:
        time.sleep(1.5)  # the fail-fast window ends before the next check


def ranges(seqs):
    """[1, 2, 3, 7] -> "1-3,7"."""
    out = []
    for s in seqs:
        if out and s == out[-1][1] + 1:
            out[-1][1] = s
        else:
            out.append([s, s])
    return ",".join("%d-%d" % (a, b) if a != b else "%d" % a for a, b in out)


def ranges_in_order(seqs):
    """Arrival order as runs of consecutive seqs: [1, 2, 3, 9, 10, 4] -> "1-3 9-10 4"."""
    runs = []
    for s in seqs:
        if runs and s == runs[-1][1] + 1:
            runs[-1][1] = s
        else:
            runs.append([s, s])
    return " ".join("%d-%d" % (a, b) if a != b else "%d" % a for a, b in runs)


def presence_before_kill(ck, nginx, nodes, victim, peers):
    """A only on the node to be killed, B on it and on a survivor, and their watcher W on a
    survivor (all in one room): (A's, B's first, B's second, W's peer)."""
    a, b, w = KILL_USERS
    shared_room(nginx, nodes, "e2e-kill-%d" % os.getpid(), a, [b, w])
    survivors = set(nodes) - {victim}
    parked = []
    try:
        placed = [open_on(nginx, nodes, a, {victim}, parked)]
        peers.append(placed[-1])
        placed.append(open_on(nginx, nodes, b, {victim}, parked))
        peers.append(placed[-1])
        placed.append(open_on(nginx, nodes, b, survivors, parked))
        peers.append(placed[-1])
        close_all(nodes, parked)
        del parked[:]
        # W comes last: what A and B did so far is no news to it.
        placed.append(open_on(nginx, nodes, w, survivors, parked))
        peers.append(placed[-1])
        close_all(nodes, parked)
    finally:
        for p in parked:
            p.close()
    pa, pb1, pb2, pw = placed
    want = {a: {(victim, pa.conn_id)}, b: {(victim, pb1.conn_id), (pb2.node, pb2.conn_id)}}
    for user, spots in want.items():
        have = connections_of(nodes, user)
        ck.expect(have == spots, "user %d before the kill: on %s, not %s" % (
            user, sorted((n.node_id, c) for n, c in have),
            sorted((n.node_id, c) for n, c in spots)))
        p = presence_of(pw, user)
        ck.expect(isinstance(p, dict) and p.get("online") is True,
                  "presence_query by W on %s for user %d before the kill: %s"
                  % (pw.node.node_id, user, p))
    ck.note("A (%d) on %s; B (%d) on %s and %s; W (%d) on %s" % (
        a, victim.node_id, b, victim.node_id, pb2.node.node_id, w, pw.node.node_id))
    return placed


def presence_after_kill(ck, nginx, nodes, placed, killed_at):
    """W heard A's offline once (within KILL_OFFLINE_BOUND_S), and nothing of B."""
    a, b, w = KILL_USERS
    pa, pb1, pb2, pw = placed
    got = pw.until(is_status(a, "offline"), KILL_OFFLINE_BOUND_S + 10)
    took = time.time() - killed_at
    ck.expect(got is not None and took <= KILL_OFFLINE_BOUND_S,
              "A (%d) was only on the killed %s: W on %s got its offline user_status %s"
              % (a, pa.node.node_id, pw.node.node_id,
                 "after %.1f s (bound %.1f s)" % (took, KILL_OFFLINE_BOUND_S) if got else
                 "not in %.1f s" % took))
    ck.note("W on %s: A offline %.2f s after the kill" % (pw.node.node_id, took))
    return took


def presence_final(ck, nginx, nodes, placed, offline_at):
    """Later: still one offline for A, nothing for B, and every node agrees."""
    a, b, w = KILL_USERS
    pa, pb1, pb2, pw = placed
    # The node that took the killed one out announced its users at once: two heartbeat periods
    # after A's offline, an offline of B would have come too.
    quiet([pw], max(QUIET_S, offline_at + 4.0 - time.time()))
    got = {u: {s: len(user_status(pw, u, s)) for s in ("online", "offline")} for u in (a, b)}
    ck.expect(got[a] == {"online": 0, "offline": 1},
              "W got %s user_status for A (only on the killed node), not one offline"
              % got[a])
    ck.expect(got[b] == {"online": 0, "offline": 0},
              "W got %s user_status for B (still on %s), not none" % (got[b], pb2.node.node_id))
    for user, online in ((a, False), (b, True)):
        p = presence_of(pw, user)
        ck.expect(isinstance(p, dict) and p.get("online") is online,
                  "presence_query by W on %s for user %d after the kill: %s, expected online=%s"
                  % (pw.node.node_id, user, p, online))
        expect_rest_online(ck, nginx, nodes, user, online)
    ck.expect(still_open(pb2), "B's connection on the surviving %s" % pb2.node.node_id)


def check_sigkill(ck, nginx, nodes):
    """faults.py's sigkill scenario, with the node killed for good and nginx in front."""
    port_fn = lambda: nginx.port  # noqa: E731
    receiver = Receiver(port_fn, user=faults.RECEIVER)
    receiver.start()
    senders, peers, placed = [], [], None
    try:
        deadline = time.time() + 10
        where = {}
        while time.time() < deadline and faults.RECEIVER not in where:
            time.sleep(0.05)
            where = placement(nodes, {faults.RECEIVER})
        if faults.RECEIVER not in where:
            raise Failed("the receiver is on no node")
        victim = where[faults.RECEIVER]
        # With the receiver, two connections per node (least_conn): one sender shares the
        # receiver's node and must reconnect too.
        senders = [Sender(port_fn, faults.RECEIVER + 1 + i) for i in range(SENDERS)]
        for s in senders:
            s.start()
        acked = lambda: sum(len(s.acks) for s in senders)  # noqa: E731
        deadline = time.time() + 20
        while acked() < 150 and time.time() < deadline:
            time.sleep(0.05)
        spots = placement(nodes, {s.user for s in senders})
        ck.note("receiver on %s, senders on %s; %d acked before the kill" % (
            victim.node_id, ", ".join(sorted(n.node_id for n in spots.values())), acked()))
        orphans = [s for s in senders if spots.get(s.user) is victim]
        ck.expect(orphans, "no sender on the receiver's node %s: %s" % (
            victim.node_id, {u: n.node_id for u, n in spots.items()}))
        placed = presence_before_kill(ck, nginx, nodes, victim, peers)
        connects_before = receiver.connects
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait(10)
        killed_at, acked_at_kill = time.time(), acked()
        offline_at = killed_at + presence_after_kill(ck, nginx, nodes, placed, killed_at)
        deadline = time.time() + 20
        # Every sender of the killed node back too: under load its reconnect (with backoff)
        # can take longer than the others' next 150 acks.
        orphan_waiting = lambda: any(  # noqa: E731
            not any(t > killed_at for t in s.ack_times) for s in orphans)
        while (receiver.connects == connects_before or acked() < acked_at_kill + 150
               or orphan_waiting()) and time.time() < deadline:
            time.sleep(0.05)
        ck.expect(receiver.connects > connects_before,
                  "the receiver did not reconnect through nginx after the kill")
        for s in orphans:
            ck.expect(any(t > killed_at for t in s.ack_times),
                      "sender %d (on %s) got no ack after the kill" % (s.user, victim.node_id))
        ck.expect(acked() >= acked_at_kill + 150, "only %d acked after the kill"
                  % (acked() - acked_at_kill))
        # Listed once its session is set up, a moment after the upgrade Receiver counts.
        now_on, deadline = None, time.time() + 5
        while now_on is None and time.time() < deadline:
            now_on = placement(nodes, {faults.RECEIVER}).get(faults.RECEIVER)
            time.sleep(0.05)
        ck.note("receiver back on %s after %d connects; %d acked after the kill (%.1f s)"
                % (now_on.node_id if now_on else None, receiver.connects,
                   acked() - acked_at_kill, time.time() - killed_at))
        ck.expect(now_on is not None and now_on is not victim,
                  "the receiver is not on a surviving node")
        # REST through nginx while one of its nodes is gone: retried on the others.
        codes = [http(nginx.port, "GET", "/healthz", token=None)[0] for _ in range(6)]
        ck.expect(codes == [200] * 6, "/healthz through nginx with a node down: %s" % codes)
        for s in senders:  # no more messages to replay while presence settles
            s.stop_flag.set()
        for s in senders:
            s.join(30)
        presence_final(ck, nginx, nodes, placed, offline_at)
    finally:
        for p in peers:
            p.close()
        for s in senders:
            s.stop_flag.set()
        for s in senders:
            s.join(30)
    for s in senders:
        for key, a, b in s.conflicts:
            ck.fail("idempotency key %s acknowledged as %s and as %s" % (key, a, b))
        if s.errors:
            ck.note("sender %d: %s" % (s.user, ", ".join(
                "%s x%d" % kv for kv in sorted(s.errors.items()))))
    acked_ids = {a[0]: key for s in senders for key, a in s.acks.items()}
    # A fresh device through nginx replays the whole inbox from 0.
    got, complete, _ = replay_all(nginx.port, user=faults.RECEIVER, timeout=30)
    faults.Run.verify(ck, "fresh receiver", got, complete, acked_ids, None)
    # The live receiver resumed from its own positions: it catches up to the end.
    end_seq = max((s for s, _ in got), default=0)
    deadline = time.time() + 20
    while receiver.last < end_seq and time.time() < deadline:
        time.sleep(0.1)
    receiver.stop_flag.set()
    receiver.join(10)
    live = [x for x in receiver.seqs if x[0] <= end_seq]
    before = len(ck.failures)
    faults.Run.verify(ck, "live receiver (%d connects)" % receiver.connects, live, True,
                      acked_ids, None)
    if len(ck.failures) > before:
        have = {s for s, _ in live}
        holes = [s for s in range(1, end_seq + 1) if s not in have]
        ck.note("live receiver: missing seqs %s; arrival order around them: %s" % (
            ranges(holes), ranges_in_order([s for s, _ in live])))
    ck.note("%d acked, %d in the inbox, %d received live" % (len(acked_ids), len(got),
                                                           len(receiver.seqs)))


# ---------------------------------------------------------------------------------------------


def missing_parts(args):
    """(what is missing, whether the environment requires it)."""
    out = []
    pg = bool(os.environ.get("SWITCHBOARD_TEST_DATABASE_URL"))
    redis = bool(os.environ.get("SWITCHBOARD_TEST_REDIS_URL"))
    require_pg = os.environ.get("SWITCHBOARD_REQUIRE_POSTGRES") == "1"
    require_redis = os.environ.get("SWITCHBOARD_REQUIRE_REDIS") == "1"
    if not pg:
        out.append(("SWITCHBOARD_TEST_DATABASE_URL (scripts/with-postgres.sh)", require_pg))
    if not redis:
        out.append(("SWITCHBOARD_TEST_REDIS_URL (scripts/with-redis.sh)", require_redis))
    if not (args.nginx and os.access(args.nginx, os.X_OK)):
        out.append(("nginx at %r (apt-get install nginx)" % args.nginx,
                    require_pg or require_redis))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", required=True)
    p.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    p.add_argument("-v", dest="verbose", action="store_true")
    args = p.parse_args()
    missing = missing_parts(args)
    if missing:
        for what, required in missing:
            print("%s: no %s" % ("FAIL" if required else "skip", what))
        return 1 if any(required for _, required in missing) else SKIP

    ck = Checks(args.verbose)
    t0 = time.time()
    tmp = tempfile.mkdtemp(prefix="sb-cluster-e2e-")
    pg = Postgres()
    dbname = "sb_cluster_e2e_%d_%d" % (os.getpid(), int(time.time() * 1000) % 10**9)
    nodes, nginx = [], None
    # SIGTERM (ctest's interrupt) ends through the finally below like any failure.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        url = pg.create(dbname)
        nodes = [Node(args.server, tmp, i + 1, url, os.environ["SWITCHBOARD_TEST_REDIS_URL"])
                 for i in range(NODES)]
        # The first node migrates the fresh database; then the others start together.
        nodes[0].start()
        nodes[0].wait_ready()
        for n in nodes[1:]:
            n.start()
        for n in nodes[1:]:
            n.wait_ready()
        nginx = Nginx(args.nginx, tmp, [n.port for n in nodes])
        nginx.start()
        ck.note("3 nodes on ports %s, nginx on %d (%.1f s)"
                % ([n.port for n in nodes], nginx.port, time.time() - t0))
        for name, fn in (("REST", check_rest), ("body limits", check_body_limits),
                         ("messages", check_messages), ("presence", check_presence),
                         ("typing", check_typing), ("operator", check_operator),
                         ("connect storm", check_connect_storm), ("SIGKILL", check_sigkill)):
            t1 = time.time()
            print("== %s" % name, flush=True)
            fn(ck, nginx, nodes)
            print("   (%.1f s)" % (time.time() - t1), flush=True)
    except Failed as e:
        ck.fail(str(e))
    except Exception as e:  # noqa: BLE001 (a check that breaks is a failure, with its trace)
        import traceback
        traceback.print_exc()
        ck.fail("%s: %s" % (type(e).__name__, e))
    finally:
        if ck.failures or args.verbose:
            for n in nodes:
                print("--- %s log:\n%s" % (n.node_id, n.log_text()))
            if nginx:
                print("--- nginx log:\n%s" % nginx.log_text())
        if nginx:
            nginx.stop()
        for n in nodes:
            n.stop()
        pg.drop(dbname)
        shutil.rmtree(tmp, ignore_errors=True)
    print("%s: %d failure(s) in %.1f s" % ("FAIL" if ck.failures else "ok", len(ck.failures),
                                           time.time() - t0))
    return 1 if ck.failures else 0


if __name__ == "__main__":
    sys.exit(main())
