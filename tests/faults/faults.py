#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Switchboard's fault suite (Python 3 stdlib only): one fault per scenario against a real
switchboardd, with traffic running, then a check that nothing acknowledged was lost.

Every scenario starts switchboardd itself (its own data dir; SQLite, or PostgreSQL when
SWITCHBOARD_TEST_DATABASE_URL is set, as scripts/with-postgres.sh does), runs senders that
record every acknowledged message (its id, stream and seq), injects one fault, and checks:

- every acknowledged message reaches the receiver exactly once: on the live receiver, which
  resumes from its own positions (`?resume=u:R:<seq>`) whenever its connection ends, and on a
  fresh receiver that replays the whole inbox (`?resume=u:R:0`);
- the inbox has no sequence gaps (1..n, each once) and `sync_complete` says `complete: true`;
- the server serves again afterwards: /healthz answers and a send is acknowledged.

  faults.py --server build/release/server/switchboardd [--backend sqlite|postgres|both]
            [--rounds N] [-k NAME] [-v]

Prints one line per run (acked, delivered, duplicates, gaps, recovery time) and a summary
table; the exit status is 0 when every run passed. Scenarios that need what this machine lacks
(PostgreSQL, root for a size-limited tmpfs) are reported as skipped, with the reason.
"""

import argparse
import errno
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conformance"))

from wsclient import API_KEY, CLOSE, SECRET, TEXT, Closed, WsClient, frame, free_port, mint_token  # noqa: E402

PING_BOUND_S = 2.0  # another user's ping while a fault lasts (x5 on a sanitizer build)
RECEIVER = 100  # the user every sender writes to; senders are 101, 102, ...
SENDERS = 3


class Skip(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# The daemon and the databases


class Postgres:
    """The throwaway cluster of scripts/with-postgres.sh: a database of its own per run."""

    def __init__(self):
        self.url = os.environ.get("SWITCHBOARD_TEST_DATABASE_URL", "")
        self.pgdata = os.environ.get("SWITCHBOARD_TEST_PGDATA", "")
        self.pgbin = os.environ.get("SWITCHBOARD_TEST_PGBIN", "")
        u = urllib.parse.urlparse(self.url)
        self.user, self.host, self.port = u.username, u.hostname, u.port

    def available(self):
        return bool(self.url)

    def can_restart(self):
        return bool(self.pgdata and self.pgbin)

    def _as_owner(self, args):
        # with-postgres.sh runs the cluster as postgres when it is started by root.
        return (["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []) + args

    def psql(self, database, sql, background=False):
        args = [os.path.join(self.pgbin, "psql") if self.pgbin else "psql", "-h", self.host,
                "-p", str(self.port), "-U", self.user, "-d", database, "-q", "-v",
                "ON_ERROR_STOP=1", "-c", sql]
        if background:
            return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        r = subprocess.run(args, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("psql failed: %s" % r.stderr.strip())
        return r.stdout

    def create(self, name):
        self.psql("postgres", "DROP DATABASE IF EXISTS %s" % name)
        self.psql("postgres", "CREATE DATABASE %s" % name)
        return "postgres://%s@%s:%d/%s" % (self.user, self.host, self.port, name)

    def drop(self, name):
        try:
            self.psql("postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
        except (RuntimeError, subprocess.TimeoutExpired):
            pass

    def restart(self):
        subprocess.run(self._as_owner([os.path.join(self.pgbin, "pg_ctl"), "-D", self.pgdata,
                                       "-m", "fast", "-w", "-t", "60", "restart"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Daemon:
    """switchboardd on a fixed port and data dir, so that it can be killed and started again."""

    def __init__(self, binary, data_dir, database_url="", extra=(), nofile=None):
        self.binary, self.dir, self.url = binary, data_dir, database_url
        self.extra, self.nofile = list(extra), nofile
        self.port = free_port()
        self.proc = None
        self.logpath = os.path.join(tempfile.gettempdir(),
                                    "sb-faults-%d-%d.log" % (os.getpid(), self.port))

    def start(self, timeout=60):
        args = [self.binary, "--data-dir", self.dir, "--listen", "127.0.0.1:%d" % self.port,
                "--handshake-timeout", "3s", "--heartbeat-interval", "2s",
                "--heartbeat-timeout", "6s", "--drain-timeout", "5s",
                "--log-level", "warning"] + self.extra
        if self.url:
            args += ["--database-url", self.url]
        env = dict(os.environ, SWITCHBOARD_JWT_SECRET=SECRET, SWITCHBOARD_API_KEY=API_KEY)
        nofile = self.nofile

        def limits():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        log = open(self.logpath, "ab")
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env,
                                     preexec_fn=limits)
        log.close()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("switchboardd exited with %s:\n%s"
                                   % (self.proc.returncode, self.log_text()))
            if self.healthy(1.0):
                return
            time.sleep(0.05)
        raise RuntimeError("switchboardd did not become ready:\n" + self.log_text())

    def healthy(self, timeout=2.0):
        try:
            return self.http("GET", "/healthz", timeout=timeout)[0] == 200
        except OSError:
            return False

    def http(self, method, path, body=None, timeout=10):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), data=data,
                                     method=method)
        req.add_header("Authorization", "Bearer " + API_KEY)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def thread_times(self):
        """{tid: (name, ns on a CPU, ns runnable but waiting for one)} from schedstat."""
        out = {}
        base = "/proc/%d/task" % self.proc.pid
        for tid in os.listdir(base):
            try:
                with open(os.path.join(base, tid, "comm")) as f:
                    name = f.read().strip()
                with open(os.path.join(base, tid, "schedstat")) as f:
                    run, wait = f.read().split()[:2]
            except OSError:
                continue  # the thread ended meanwhile
            out[tid] = (name, int(run), int(wait))
        return out

    def open_descriptors(self):
        return len(os.listdir("/proc/%d/fd" % self.proc.pid))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            if self.wait(15) is None:
                self.proc.kill()
                self.proc.wait()

    def log_text(self):
        try:
            with open(self.logpath, "rb") as f:
                return f.read().decode(errors="replace")[-3000:]
        except OSError:
            return ""


# ---------------------------------------------------------------------------------------------
# Clients


def connect(port, user, resume=None, timeout=10.0, rcvbuf=None):
    """A WebSocket of `user` past its upgrade (`connected` not yet read); None when refused."""
    path = "/ws?token=" + mint_token(user)
    if resume is not None:
        path += "&resume=" + urllib.parse.quote(resume, safe="")
    try:
        c = WsClient(port, path=path, timeout=timeout)
        if rcvbuf:
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if c.read_head(timeout) != 101:
            c.close()
            return None
        return c
    except (OSError, Closed):
        return None


def next_json(c, timeout):
    """The next JSON frame, ("close", code) for a close frame, None on timeout; Closed at EOF."""
    f = c.recv_frame(timeout)
    if f is None:
        return None
    if f[0] == CLOSE:
        code = int.from_bytes(f[1][:2], "big") if len(f[1]) >= 2 else 1005
        return {"type": "__close", "code": code}
    if f[0] != TEXT:
        return {"type": "__other"}
    return json.loads(f[1])


class Sender(threading.Thread):
    """Sends direct messages to RECEIVER one at a time, each with an idempotency key; retries
    the same key after an error or a lost connection (reconnecting on its own), so every
    message ends acknowledged once or is abandoned at the stop."""

    def __init__(self, port_fn, user, payload=64, pause=0.0):
        super().__init__(daemon=True)
        self.port_fn, self.user, self.payload, self.pause = port_fn, user, payload, pause
        self.stop_flag = threading.Event()
        # hold: send nothing more (the connection stays open); held: the last send is answered.
        self.hold, self.held = threading.Event(), threading.Event()
        self.acks = {}  # idempotency key -> (message_id, stream, seq, time)
        self.conflicts = []  # a key acknowledged with two message ids
        self.errors = {}  # error code or close code -> count
        self.ack_times = []
        self.latencies = []

    def count(self, what):
        self.errors[what] = self.errors.get(what, 0) + 1

    def run(self):
        n, c = 0, None
        key = None
        while not self.stop_flag.is_set():
            if self.hold.is_set():
                self.held.set()
                time.sleep(0.05)
                continue
            self.held.clear()
            if c is None:
                c = connect(self.port_fn(), self.user, timeout=5)
                if c is None:
                    self.count("connect refused")
                    time.sleep(0.2)
                    continue
            if key is None:
                n += 1
                key = "s%d-%d" % (self.user, n)
            msg = {"type": "send", "id": key, "to": RECEIVER, "idempotency_key": key,
                   "content": key + " " + "x" * self.payload}
            t0 = time.time()
            try:
                c.send(frame(TEXT, json.dumps(msg)))
                answer = None
                deadline = t0 + 20
                while time.time() < deadline:
                    m = next_json(c, deadline - time.time())
                    if m is None:
                        break
                    if m.get("type") == "__close":
                        self.count("close %d" % m["code"])
                        raise Closed()
                    if m.get("id") == key and m.get("type") in ("ack", "error"):
                        answer = m
                        break
                if answer is None:
                    self.count("no answer")
                    raise Closed()
            except (Closed, OSError, ValueError):
                c.close()
                c = None
                time.sleep(0.1)
                continue
            if answer["type"] == "ack":
                now = time.time()
                rec = (answer["message_id"], answer.get("stream"), answer.get("seq"), now)
                old = self.acks.get(key)
                if old and old[0] != rec[0]:
                    self.conflicts.append((key, old[0], rec[0]))
                self.acks[key] = rec
                self.ack_times.append(now)
                self.latencies.append(now - t0)
                key = None
                if self.pause:
                    time.sleep(self.pause)
            else:
                self.count(answer.get("code", "error"))
                time.sleep(min(0.5, answer.get("retry_after_ms", 100) / 1000.0))
        if c:
            c.close()


class Receiver(threading.Thread):
    """RECEIVER's live device: reads every message, and resumes from its own position
    (`?resume=u:R:<last seq>`) whenever the connection ends."""

    def __init__(self, port_fn, user=RECEIVER):
        super().__init__(daemon=True)
        self.port_fn, self.user = port_fn, user
        self.stream = "u:%d" % user
        self.stop_flag = threading.Event()
        self.seqs = []  # (seq, message_id) in arrival order
        self.last = 0
        self.connects = 0

    def run(self):
        while not self.stop_flag.is_set():
            c = connect(self.port_fn(), self.user, resume="%s:%d" % (self.stream, self.last),
                        timeout=5)
            if c is None:
                time.sleep(0.2)
                continue
            self.connects += 1
            try:
                while not self.stop_flag.is_set():
                    m = next_json(c, 0.5)
                    if m is None:
                        continue
                    if m.get("type") == "__close":
                        break
                    if m.get("type") == "message" and m.get("stream") == self.stream:
                        self.seqs.append((m["seq"], m["message_id"]))
                        self.last = max(self.last, m["seq"])
            except (Closed, OSError, ValueError):
                pass
            c.close()
            time.sleep(0.1)


def replay_all(port, user=RECEIVER, timeout=60, rcvbuf=None, rate=None):
    """A fresh device of `user` that resumes from 0: [(seq, message_id)], complete, connects.
    `rate` (bytes/s) paces the reading, `rcvbuf` shrinks the socket's receive buffer."""
    stream = "u:%d" % user
    got, connects, complete = [], 0, None
    last = 0
    deadline = time.time() + timeout
    while time.time() < deadline and complete is None:
        c = connect(port, user, resume="%s:%d" % (stream, last), rcvbuf=rcvbuf)
        if c is None:
            time.sleep(0.2)
            continue
        connects += 1
        started, taken = time.time(), 0
        try:
            while time.time() < deadline:
                if rate:
                    # Pace by bytes taken from the socket, so the server meets a slow reader.
                    ahead = taken / rate - (time.time() - started)
                    if ahead > 0:
                        time.sleep(ahead)
                    before = len(c.buf)
                    if not c._fill(time.time() + 1.0):
                        continue
                    taken += len(c.buf) - before
                    while True:
                        f = c._parse()
                        if f is None:
                            break
                        m = None if f[0] != TEXT else json.loads(f[1])
                        if f[0] == CLOSE:
                            raise Closed()
                        if m and m.get("type") == "message" and m.get("stream") == stream:
                            got.append((m["seq"], m["message_id"]))
                            last = max(last, m["seq"])
                        elif m and m.get("type") == "sync_complete":
                            complete = m.get("streams", {}).get(stream, {}).get("complete")
                            break
                    if complete is not None:
                        break
                    continue
                m = next_json(c, 1.0)
                if m is None:
                    continue
                if m.get("type") == "__close":
                    break
                if m.get("type") == "message" and m.get("stream") == stream:
                    got.append((m["seq"], m["message_id"]))
                    last = max(last, m["seq"])
                elif m.get("type") == "sync_complete":
                    complete = m.get("streams", {}).get(stream, {}).get("complete")
                    break
        except (Closed, OSError, ValueError):
            pass
        c.close()
    return got, bool(complete), connects


def ping_rtt(c, ident, timeout=10.0):
    t0 = time.time()
    c.send(frame(TEXT, json.dumps({"type": "ping", "id": ident})))
    deadline = t0 + timeout
    while time.time() < deadline:
        m = next_json(c, deadline - time.time())
        if m is None:
            break
        if m.get("type") == "pong" and m.get("id") == ident:
            return time.time() - t0
        if m.get("type") == "__close":
            c.close_code = m["code"]
            break
    return None


def round_trip(d, user=199, timeout=30):
    """True when a fresh connection gets a send to RECEIVER acknowledged and a pong."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        c = connect(d.port, user, timeout=5)
        if c is not None:
            try:
                key = "probe-%f" % time.time()
                c.send(frame(TEXT, json.dumps({"type": "send", "id": key, "to": RECEIVER,
                                               "idempotency_key": key, "content": "probe"})))
                end = time.time() + 10
                while time.time() < end:
                    m = next_json(c, end - time.time())
                    if m is None or m.get("type") == "__close":
                        break
                    if m.get("id") == key and m.get("type") == "ack":
                        ok = ping_rtt(c, "rt") is not None
                        c.close()
                        return ok
                    if m.get("id") == key and m.get("type") == "error":
                        break
            except (Closed, OSError, ValueError):
                pass
            c.close()
        time.sleep(0.3)
    return False


# ---------------------------------------------------------------------------------------------
# One run: traffic, a fault, the checks


class Run:
    def __init__(self, args, backend, name):
        self.args, self.backend, self.name = args, backend, name
        self.verbose = args.verbose
        self.ping_bound = PING_BOUND_S * (5 if args.sanitized else 1)
        self.tmp = tempfile.mkdtemp(prefix="sb-faults-")
        self.pg = Postgres()
        self.dbname = None
        self.d = None
        self.senders, self.receiver = [], None
        self.fault_end = None
        self.notes = []
        self.failures = []

    def daemon(self, data_dir=None, extra=(), nofile=None):
        url = ""
        if self.backend == "postgres":
            self.dbname = "sb_faults_%d_%d" % (os.getpid(), int(time.time() * 1000) % 10**9)
            url = self.pg.create(self.dbname)
        self.d = Daemon(self.args.server, data_dir or os.path.join(self.tmp, "data"), url,
                        extra, nofile)
        self.d.start()
        # The receiver exists before anyone writes to it.
        # It exists once its `connected` arrived: a connection closed before its activation
        # ends leaves no user behind, and the first sends would be refused as NOT_FOUND.
        c = connect(self.d.port, RECEIVER)
        if c is None:
            raise RuntimeError("the receiver could not connect")
        deadline = time.time() + 30
        while True:
            m = next_json(c, max(0.1, deadline - time.time()))
            if m is not None and m.get("type") == "connected":
                break
            if (m is not None and m.get("type") == "__close") or time.time() > deadline:
                raise RuntimeError("the receiver got no `connected`: %s" % m)
        c.close()
        return self.d

    def start_traffic(self, payload=64, senders=SENDERS):
        port_fn = lambda: self.d.port  # noqa: E731 (the port stays across restarts)
        self.receiver = Receiver(port_fn)
        self.receiver.start()
        self.senders = [Sender(port_fn, RECEIVER + 1 + i, payload) for i in range(senders)]
        for s in self.senders:
            s.start()

    def acked(self):
        return sum(len(s.acks) for s in self.senders)

    def wait_acks(self, n, timeout=30):
        deadline = time.time() + timeout
        while self.acked() < n and time.time() < deadline:
            time.sleep(0.05)

    def mark_fault_end(self):
        self.fault_end = time.time()

    def fail(self, text):
        self.failures.append(text)

    def check(self, extra_wait=2.0):
        """Stops the traffic and checks delivery; returns the result row."""
        for s in self.senders:
            s.stop_flag.set()
        for s in self.senders:
            s.join(30)
        row = {"acked": self.acked(), "delivered": 0, "duplicates": 0, "gaps": 0,
               "recovery": None, "lost": 0}
        recovered = None
        if self.fault_end is not None:
            later = [t for s in self.senders for t in s.ack_times if t >= self.fault_end]
            if later:
                recovered = min(later) - self.fault_end
            elif self.acked():
                self.fail("no message was acknowledged after the fault")
        row["recovery"] = recovered
        for s in self.senders:
            for key, a, b in s.conflicts:
                self.fail("idempotency key %s acknowledged as %s and as %s" % (key, a, b))
            if s.errors:
                self.notes.append("sender %d: %s" % (s.user, ", ".join(
                    "%s x%d" % kv for kv in sorted(s.errors.items()))))
        acked_ids = {}
        for s in self.senders:
            for key, (mid, _stream, _seq, _t) in s.acks.items():
                acked_ids[mid] = key
        if not self.d.proc or self.d.proc.poll() is not None:
            self.fail("switchboardd is not running at the end: %s" % self.d.log_text())
            return row
        # Serving again: /healthz and a send acknowledged plus a pong on a fresh connection.
        if not self.d.healthy(10):
            self.fail("/healthz does not answer after the fault")
        if not round_trip(self.d):
            self.fail("no round trip (send acknowledged, ping answered) after the fault")
        # The fresh receiver: the whole inbox from 0.
        got, complete, _ = replay_all(self.d.port)
        self.verify("fresh receiver", got, complete, acked_ids, row)
        # The live receiver: it resumed from its own positions; let it catch up to the end.
        end_seq = max((s for s, _ in got), default=0)
        deadline = time.time() + 20
        while self.receiver.last < end_seq and time.time() < deadline:
            time.sleep(0.1)
        self.receiver.stop_flag.set()
        self.receiver.join(10)
        # It owes what the inbox holds from where it started (a receiver started late, as in
        # the backlog scenario, starts past the beginning).
        first = min((s for s, _ in self.receiver.seqs), default=end_seq + 1)
        owed = {m for s, m in got if s >= first}
        self.verify("live receiver (%d connects)" % self.receiver.connects,
                    [x for x in self.receiver.seqs if x[0] <= end_seq], True,
                    {m: k for m, k in acked_ids.items() if m in owed}, None, first=first)
        return row

    def verify(self, who, got, complete, acked_ids, row, first=1):
        seqs = [s for s, _ in got]
        ids = [m for _, m in got]
        dup_ids = len(ids) - len(set(ids))
        dup_seqs = len(seqs) - len(set(seqs))
        distinct = sorted(set(seqs))
        gaps = 0
        expect = first
        for s in distinct:
            if s != expect:
                gaps += s - expect
            expect = s + 1
        out_of_order = sum(1 for a, b in zip(seqs, seqs[1:]) if b <= a)
        lost = [m for m in acked_ids if m not in set(ids)]
        if row is not None:
            row.update(delivered=len(got), duplicates=max(dup_ids, dup_seqs), gaps=gaps,
                       lost=len(lost))
        if lost:
            self.fail("%s: %d acknowledged messages never arrived (e.g. %s)"
                      % (who, len(lost), lost[:3]))
        if dup_ids or dup_seqs:
            self.fail("%s: %d duplicates" % (who, max(dup_ids, dup_seqs)))
        if gaps:
            self.fail("%s: %d sequence numbers missing" % (who, gaps))
        if out_of_order and not (dup_ids or dup_seqs):
            self.fail("%s: %d messages out of order" % (who, out_of_order))
        if not complete:
            self.fail("%s: sync_complete did not say complete" % who)

    def close(self):
        for s in self.senders:
            s.stop_flag.set()
        if self.receiver:
            self.receiver.stop_flag.set()
        if self.d:
            self.d.stop()
            if self.failures and self.verbose:
                print(self.d.log_text())
            try:
                os.unlink(self.d.logpath)
            except OSError:
                pass
        if self.dbname:
            self.pg.drop(self.dbname)
        shutil.rmtree(self.tmp, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# The scenarios: each gets a Run with its daemon not yet started and returns nothing; it
# records failures with run.fail() and the end of its fault with run.mark_fault_end().


def sc_sigkill(r):
    r.daemon()
    r.start_traffic()
    r.wait_acks(150)
    r.d.signal(signal.SIGKILL)
    r.d.wait(10)
    time.sleep(0.5)  # senders and the receiver see the connection gone
    r.mark_fault_end()
    r.d.start()
    r.wait_acks(r.acked() + 150)


def sc_sigterm(r):
    r.daemon()
    r.start_traffic()
    r.wait_acks(150)
    t0 = time.time()
    r.d.signal(signal.SIGTERM)
    code = r.d.wait(30)
    took = time.time() - t0
    if code != 0:
        r.fail("SIGTERM: exit status %s (expected 0)" % code)
    if took > 5 + 10:  # drain_timeout 5 s, generous on a loaded machine
        r.fail("SIGTERM: the drain took %.1f s (drain_timeout 5 s)" % took)
    r.notes.append("drain %.2f s" % took)
    r.mark_fault_end()
    r.d.start()
    r.wait_acks(r.acked() + 150)


def sc_pg_restart(r):
    if r.backend != "postgres":
        raise Skip("PostgreSQL only")
    if not r.pg.can_restart():
        raise Skip("needs SWITCHBOARD_TEST_PGDATA and SWITCHBOARD_TEST_PGBIN (with-postgres.sh)")
    r.daemon()
    r.start_traffic()
    r.wait_acks(150)
    r.pg.restart()
    r.mark_fault_end()
    r.wait_acks(r.acked() + 150, timeout=60)
    seen = {}
    for s in r.senders:
        for k, v in s.errors.items():
            seen[k] = seen.get(k, 0) + v
    r.notes.append("clients saw: %s" % (", ".join("%s x%d" % kv for kv in sorted(seen.items()))
                                        or "nothing"))
    if r.d.proc.poll() is not None:
        r.fail("switchboardd exited when PostgreSQL restarted")
    unexpected = set(seen) - {"UNAVAILABLE", "close 1013", "close 1006", "connect refused",
                              "no answer"}
    if unexpected:
        r.fail("clients saw %s while PostgreSQL restarted (expected UNAVAILABLE or 1013)"
               % sorted(unexpected))


def sc_pg_hang(r):
    if r.backend != "postgres":
        raise Skip("PostgreSQL only")
    timeout_s = 2
    # The probe's send may wait longer than the default heartbeat timeout of these runs.
    r.daemon(extra=["--database-statement-timeout", "%ds" % timeout_s,
                    "--heartbeat-timeout", "60s"])
    r.start_traffic()
    r.wait_acks(100)
    # Another session holds a lock every append needs, for longer than the statement timeout.
    hold = 3 * timeout_s + 2
    # Other users' latency: a client that only pings, and one that sends, during the hang
    # (connected before it: authentication itself needs the database).
    c = connect(r.d.port, 198)
    if c is None or next_json(c, 10) is None:
        raise RuntimeError("the probe client could not connect")
    locker = r.pg.psql(r.dbname, "BEGIN; LOCK TABLE messages IN ACCESS EXCLUSIVE MODE; "
                                 "SELECT pg_sleep(%d); COMMIT;" % hold, background=True)
    time.sleep(0.5)
    rtts, answers = [], []
    end = time.time() + hold - 1.5
    i = 0
    while time.time() < end:
        i += 1
        try:
            rtt = ping_rtt(c, "p%d" % i)
        except Closed:
            raise RuntimeError("the probe client was closed during the hang (close code %s, "
                               "server %s, %d answers so far: %s)"
                               % (getattr(c, "close_code", None),
                                  "running" if r.d.proc.poll() is None else "exited %s"
                                  % r.d.proc.returncode, len(answers), answers))
        rtts.append(rtt if rtt is not None else 99)
        t0 = time.time()
        key = "hang-%d" % i
        c.send(frame(TEXT, json.dumps({"type": "send", "id": key, "to": RECEIVER,
                                       "idempotency_key": key, "content": key})))
        while True:
            m = next_json(c, 3 * timeout_s + 10)
            if m is None or m.get("type") == "__close":
                answers.append(("none", time.time() - t0))
                break
            if m.get("id") == key and m.get("type") in ("ack", "error"):
                answers.append((m.get("code", "ack"), time.time() - t0))
                break
        # A polite client: with the store failing fast, refusals come at once, and a probe
        # that asked again at once would meet the rate limits instead of the hang.
        retry_ms = m.get("retry_after_ms", 100) if m and m.get("type") == "error" else 100
        time.sleep(min(1.0, retry_ms / 1000.0))
    if c:
        c.close()
    locker.wait(hold + 30)
    r.mark_fault_end()
    worst_ping = max(rtts, default=None)
    worst_send = max((t for _, t in answers), default=None)
    r.notes.append("during the hang: worst ping %.2f s, sends answered %s, worst %.2f s"
                   % (worst_ping or 0, sorted({a for a, _ in answers}), worst_send or 0))
    if worst_ping is None or worst_ping > r.ping_bound:
        r.fail("a ping took %s s during the hang (bound %.0f s)" % (worst_ping, r.ping_bound))
    # The store's thread is serial, but what queued behind a statement cancelled by the
    # timeout fails at once (AsyncStore's fail-fast window): a send waits for at most the one
    # stuck statement ahead of it, or is itself the one that tries the database again.
    bound = 2 * timeout_s + (10 if r.args.sanitized else 2)
    if worst_send is None or worst_send > bound:
        r.fail("a send was answered after %s s during the hang (bound %d s)" % (worst_send, bound))
    # Whether the probe's own send is refused or waits for the lock depends on the jobs
    # queued before it (see RELIABILITY.md, known edge); the senders' are refused.
    refused = sum(s.errors.get("UNAVAILABLE", 0) for s in r.senders)
    refused += sum(1 for a, _ in answers if a == "UNAVAILABLE")
    if not refused:
        r.fail("no UNAVAILABLE during the hang: %s" % answers)
    r.wait_acks(r.acked() + 100)


def fill_file_system(path):
    """Writes zeros to `path` until its file system is full; returns the bytes written.
    ENOSPC is the goal here, not an error: no buffered file object, whose close() would flush
    the rejected rest again and raise it. Halving the chunk takes the last partial pages too."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    written, chunk = 0, 1 << 20
    try:
        while chunk >= 512:
            try:
                written += os.write(fd, bytes(chunk))
            except OSError as e:
                if e.errno not in (errno.ENOSPC, errno.EDQUOT):
                    raise
                chunk //= 2
    finally:
        os.close(fd)
    return written


def sc_disk_full(r):
    if r.backend != "sqlite":
        raise Skip("SQLite only")
    if os.getuid() != 0:
        raise Skip("needs root to mount a size-limited tmpfs")
    mnt = os.path.join(r.tmp, "small")
    os.makedirs(mnt)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mnt],
                      capture_output=True).returncode != 0:
        raise Skip("mount -t tmpfs is not permitted here")
    filler = os.path.join(mnt, "filler")
    try:
        r.daemon(data_dir=os.path.join(mnt, "data"))
        r.start_traffic(payload=2000)
        r.wait_acks(100)
        # Fill what is left; SQLite's next write (WAL append or growth) meets ENOSPC.
        filled = fill_file_system(filler)
        before = r.acked()
        t0 = time.time()
        full_errors = 0
        # At least 4 s of a full disk, longer until the first refusal (pages SQLite already
        # holds take some writes first; a sanitizer build writes slower).
        while time.time() - t0 < 4 or (not full_errors and time.time() - t0 < 20):
            time.sleep(0.2)
            full_errors = sum(s.errors.get("UNAVAILABLE", 0) for s in r.senders)
        during = r.acked() - before
        r.notes.append("disk full (filler %.1f MiB): %d acked (pages already allocated), "
                       "%d errors in %.1f s" % (filled / 1048576.0, during, full_errors,
                                                time.time() - t0))
        if full_errors == 0:
            r.fail("no UNAVAILABLE answered while the disk was full")
        if r.d.proc.poll() is not None:
            r.fail("switchboardd exited on a full disk: %s" % r.d.log_text())
            return
        os.unlink(filler)
        r.mark_fault_end()
        r.wait_acks(r.acked() + 100, timeout=60)
        row_check = r.check
        r.check = lambda: _then_integrity(r, row_check)
    except BaseException:
        r.d and r.d.stop()
        subprocess.run(["umount", "-l", mnt], capture_output=True)
        raise


def _then_integrity(r, check):
    row = check()
    r.d.stop()
    # Nothing half-written: the file passes SQLite's own check after the full disk.
    import sqlite3
    db = sqlite3.connect(os.path.join(r.d.dir, "switchboard.db"))
    verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    if verdict != "ok":
        r.fail("integrity_check after the full disk: %s" % verdict)
    subprocess.run(["umount", "-l", os.path.dirname(r.d.dir)], capture_output=True)
    return row


def sc_stalled_reader(r):
    r.daemon(extra=["--max-send-queue-bytes", "256KiB"])
    # A second device of the receiver that stops reading, with a small receive buffer.
    stalled = connect(r.d.port, RECEIVER, rcvbuf=4096)
    where = "127.0.0.1:%d" % stalled.sock.getsockname()[1]
    r.start_traffic(payload=4000)
    r.mark_fault_end()
    t0 = time.time()
    dropped = None
    probe = connect(r.d.port, 197)
    rtts = []
    while time.time() - t0 < 40:
        rtts.append(ping_rtt(probe, "p%d" % len(rtts)) or 99)
        # The server closes the stalled device (4029; dropped 5 s later when the close frame
        # cannot be written either): it leaves the operator's connection list.
        status, body = r.d.http("GET", "/api/v1/connections")
        if status == 200 and not any(c.get("address") == where
                                     for c in json.loads(body)["connections"]):
            dropped = time.time() - t0
            break
        time.sleep(0.3)
    r.notes.append("stalled device dropped after %s s, %d acked meanwhile; worst ping %.2f s"
                   % ("%.1f" % dropped if dropped else "never", r.acked(), max(rtts)))
    if dropped is None:
        r.fail("the device that stopped reading was never dropped")
    if max(rtts) > r.ping_bound:
        r.fail("another user's ping took %.2f s while a device stalled" % max(rtts))
    probe.close()
    stalled.close()
    r.wait_acks(r.acked() + 50)


def _peer_gone(sock):
    """True when the server reset or finished the connection (without reading its data)."""
    try:
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
            return True
        # tcpi_state: 1 = ESTABLISHED; the peer's FIN moves it to CLOSE_WAIT, a reset to CLOSE.
        return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0] != 1
    except OSError:
        return True


def sc_slowloris(r):
    r.daemon()
    r.start_traffic()
    r.wait_acks(50)
    socks = []
    for _ in range(200):
        try:
            s = socket.create_connection(("127.0.0.1", r.d.port), timeout=5)
            s.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        except OSError:
            break
    t0 = time.time()
    probe = connect(r.d.port, 197)
    rtts = []
    open_left = len(socks)
    while time.time() - t0 < 15 and open_left:
        for s in socks:
            try:
                s.sendall(b"X")  # a byte now and then: never a complete request
            except OSError:
                pass
        rtts.append(ping_rtt(probe, "p%d" % len(rtts)) or 99)
        open_left = sum(1 for s in socks if not _peer_gone(s))
        time.sleep(0.5)
    r.mark_fault_end()
    r.notes.append("%d slow connections, %d still open after %.1f s (handshake_timeout 3 s); "
                   "worst ping %.2f s" % (len(socks), open_left, time.time() - t0, max(rtts)))
    if open_left:
        r.fail("%d slowloris connections were never closed" % open_left)
    if max(rtts) > r.ping_bound:
        r.fail("a ping took %.2f s during slowloris" % max(rtts))
    for s in socks:
        s.close()
    probe.close()
    r.wait_acks(r.acked() + 50)


# A spin is a thread that never sleeps: runnable (on a CPU or waiting for one) for the whole
# window however loaded the machine is, where an idle daemon's threads are runnable for
# milliseconds. The daemon's CPU time with traffic running says nothing about a spin: it grows
# with the rate the senders reach (2.42 s in 3 s on an idle CI machine that acknowledged ~1,600
# messages/s, 0.6-1.0 s here at ~400/s, spread over the store and I/O threads).
SPIN_SHARE = 0.5


def _busiest(before, after):
    """(name/tid, runnable s, on-CPU s) of the thread runnable longest, and the process's CPU."""
    rows = []
    for tid, (name, run, wait) in after.items():
        _n, run0, wait0 = before.get(tid, (name, 0, 0))
        rows.append(("%s/%s" % (name, tid), (run - run0 + wait - wait0) / 1e9, (run - run0) / 1e9))
    rows.sort(key=lambda x: -x[1])
    return rows[0], sum(x[2] for x in rows)


def sc_descriptors(r):
    if r.args.sanitized:
        raise Skip("sanitizer build: UBSan's vptr check needs a free descriptor")
    nofile = 256
    # The idle sockets stay for the whole run: no handshake timeout frees their descriptors.
    r.daemon(nofile=nofile, extra=["--handshake-timeout", "60s"])
    r.start_traffic()
    r.wait_acks(50)
    socks = []
    for _ in range(nofile + 64):
        try:
            s = socket.create_connection(("127.0.0.1", r.d.port), timeout=2)
            socks.append(s)
        except OSError:
            break
    # With the traffic running: the connections already open are served.
    time.sleep(0.5)
    acked0, cpu0, t0 = r.acked(), r.d.cpu_seconds(), time.time()
    time.sleep(2)
    served, cpu = r.acked() - acked0, r.d.cpu_seconds() - cpu0
    r.notes.append("%d connections against RLIMIT_NOFILE %d, %d descriptors open; with traffic:"
                   " %d acked, %.2f s CPU in %.1f s" % (len(socks), nofile,
                                                        r.d.open_descriptors(), served, cpu,
                                                        time.time() - t0))
    if "cannot accept a connection" not in r.d.log_text():
        r.fail("accept() never failed: the descriptors did not run out, nothing was measured")
    if not served:
        r.fail("no message was acknowledged on open connections while descriptors ran out")
    # With the traffic held (connections open, nothing sent): only a spin keeps a thread busy.
    for s in r.senders:
        s.hold.set()
    deadline = time.time() + 30
    while not all(s.held.is_set() for s in r.senders) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    before, t0 = r.d.thread_times(), time.time()
    time.sleep(3)
    after, window = r.d.thread_times(), time.time() - t0
    (thread, runnable, on_cpu), cpu = _busiest(before, after)
    r.notes.append("traffic held: %.2f s CPU in %.1f s; busiest thread %s runnable %.2f s "
                   "(%.2f s on a CPU)" % (cpu, window, thread, runnable, on_cpu))
    if runnable > SPIN_SHARE * window:
        r.fail("the server spun at descriptor exhaustion: thread %s runnable %.2f s of %.1f s "
               "with no traffic" % (thread, runnable, window))
    for s in r.senders:
        s.hold.clear()
    acked_during = r.acked()
    for s in socks:
        s.close()
    r.mark_fault_end()
    if r.d.proc.poll() is not None:
        r.fail("switchboardd exited at descriptor exhaustion")
        return
    r.wait_acks(acked_during + 50)


def sc_connect_flood(r):
    r.daemon()
    r.start_traffic()
    r.wait_acks(50)
    probe = connect(r.d.port, 197)
    flood_stop = threading.Event()
    counts = {"upgraded": 0, "refused": 0}

    def flooder(base):
        i = 0
        while not flood_stop.is_set():
            i += 1
            c = connect(r.d.port, 1000 + base * 100000 + i, timeout=5)
            if c is None:
                counts["refused"] += 1
            else:
                counts["upgraded"] += 1
                c.close()

    threads = [threading.Thread(target=flooder, args=(k,), daemon=True) for k in range(8)]
    for t in threads:
        t.start()
    rtts = []
    t0 = time.time()
    while time.time() - t0 < 5:
        rtts.append(ping_rtt(probe, "p%d" % len(rtts)) or 99)
        time.sleep(0.1)
    flood_stop.set()
    for t in threads:
        t.join(10)
    r.mark_fault_end()
    probe.close()
    r.notes.append("flood: %d connects upgraded, %d refused in 5 s; worst ping %.2f s"
                   % (counts["upgraded"], counts["refused"], max(rtts)))
    if max(rtts) > r.ping_bound:
        r.fail("a ping took %.2f s during the connect flood" % max(rtts))
    r.wait_acks(r.acked() + 50)


def sc_backlog(r):
    queue = 64 * 1024
    r.daemon(extra=["--max-send-queue-bytes", "%d" % queue])
    # The receiver is away: a backlog far larger than its send queue piles up.
    r.start_traffic(payload=8000)
    r.receiver.stop_flag.set()
    r.receiver.join(5)
    r.receiver = Receiver(lambda: r.d.port)  # a replacement that starts at the end
    size = 40 * queue
    r.wait_acks(size // 8000 + 1, timeout=60)
    for s in r.senders:
        s.stop_flag.set()
    for s in r.senders:
        s.join(30)
    # A slow reader: 1 MiB/s, a small receive buffer.
    t0 = time.time()
    got, complete, connects = replay_all(r.d.port, rate=1 << 20, rcvbuf=16384, timeout=120)
    took = time.time() - t0
    acked = {a[0] for s in r.senders for a in s.acks.values()}
    r.notes.append("backlog of %d messages (~%.1f MiB, %dx max_send_queue_bytes) replayed in "
                   "%.1f s on %d connection(s)" % (len(acked), len(acked) * 8100 / 1048576.0,
                                                   len(acked) * 8100 // queue, took, connects))
    if connects != 1:
        r.fail("the slow reader needed %d connections (dropped during the replay)" % connects)
    r.verify("slow reader", got, complete, dict.fromkeys(acked), None)
    r.receiver.last = max((s for s, _ in got), default=0)
    r.receiver.start()
    r.mark_fault_end()
    # The check wants acknowledgements after the fault: a little more traffic, new senders
    # beside the stopped ones (whose acks stay counted).
    fresh = [Sender(lambda: r.d.port, RECEIVER + 11 + i, 64) for i in range(SENDERS)]
    r.senders += fresh
    for s in fresh:
        s.start()
    r.wait_acks(len(acked) + 30)


SCENARIOS = [
    ("sigkill", sc_sigkill, ("sqlite", "postgres")),
    ("sigterm", sc_sigterm, ("sqlite", "postgres")),
    ("pg_restart", sc_pg_restart, ("postgres",)),
    ("pg_hang", sc_pg_hang, ("postgres",)),
    ("disk_full", sc_disk_full, ("sqlite",)),
    ("stalled_reader", sc_stalled_reader, ("sqlite",)),
    ("slowloris", sc_slowloris, ("sqlite",)),
    ("descriptors", sc_descriptors, ("sqlite",)),
    ("connect_flood", sc_connect_flood, ("sqlite",)),
    ("backlog", sc_backlog, ("sqlite", "postgres")),
]


def run_one(args, name, fn, backend):
    r = Run(args, backend, name)
    t0 = time.time()
    try:
        fn(r)
        row = r.check()
        status = "FAIL" if r.failures else "ok"
    except Skip as e:
        return {"name": name, "backend": backend, "status": "skip", "why": str(e)}
    except Exception as e:  # noqa: BLE001 (a scenario that breaks is a failed run)
        import traceback
        row = {"acked": r.acked() if r.senders else 0, "delivered": 0, "duplicates": 0,
               "gaps": 0, "recovery": None, "lost": 0}
        r.fail("%s: %s" % (type(e).__name__, e))
        if args.verbose:
            traceback.print_exc()
        status = "FAIL"
    finally:
        r.close()
    row.update(name=name, backend=backend, status=status, failures=r.failures, notes=r.notes,
               seconds=time.time() - t0)
    return row


def fmt_recovery(x):
    return "-" if x is None else "%.2f s" % x


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", required=True)
    p.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("-k", dest="only", help="run the scenarios whose name contains this")
    p.add_argument("-v", dest="verbose", action="store_true")
    p.add_argument("--sanitized", action="store_true",
                   help="an ASan/UBSan build: latency bounds x5, no descriptor exhaustion "
                        "(UBSan's checks need a free descriptor)")
    args = p.parse_args()
    pg = Postgres()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    require_pg = os.environ.get("SWITCHBOARD_REQUIRE_POSTGRES") == "1"
    results = []
    for rnd in range(1, args.rounds + 1):
        for name, fn, wants in SCENARIOS:
            if args.only and args.only not in name:
                continue
            for backend in backends:
                if backend not in wants:
                    continue
                if backend == "postgres" and not pg.available():
                    if require_pg:
                        results.append({"name": name, "backend": backend, "status": "FAIL",
                                        "failures": ["SWITCHBOARD_REQUIRE_POSTGRES=1 but no "
                                                     "SWITCHBOARD_TEST_DATABASE_URL"]})
                        print("FAIL %s/%s: no PostgreSQL" % (name, backend))
                    else:
                        print("skip %s/%s: no SWITCHBOARD_TEST_DATABASE_URL "
                              "(run under scripts/with-postgres.sh)" % (name, backend))
                    continue
                row = run_one(args, name, fn, backend)
                row["round"] = rnd
                results.append(row)
                if row["status"] == "skip":
                    print("skip %s/%s: %s" % (name, backend, row["why"]), flush=True)
                    continue
                print("%-4s %s/%s round %d: acked %d, delivered %d, duplicates %d, gaps %d, "
                      "lost %d, recovery %s (%.0f s)"
                      % (row["status"], name, backend, rnd, row["acked"], row["delivered"],
                         row["duplicates"], row["gaps"], row["lost"],
                         fmt_recovery(row["recovery"]), row["seconds"]), flush=True)
                for n in row["notes"]:
                    print("       " + n)
                for f in row["failures"]:
                    print("   !! " + f)
    ran = [r for r in results if r["status"] != "skip"]
    print("\n| scenario | backend | runs | passed | acked | delivered | duplicates | gaps | lost "
          "| recovery (worst) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    keys = []
    for r in ran:
        if (r["name"], r["backend"]) not in keys:
            keys.append((r["name"], r["backend"]))
    for k in keys:
        rows = [r for r in ran if (r["name"], r["backend"]) == k]
        rec = [r["recovery"] for r in rows if r.get("recovery") is not None]
        print("| %s | %s | %d | %d | %s | %s | %d | %d | %d | %s |" % (
            k[0], k[1], len(rows), sum(1 for r in rows if r["status"] == "ok"),
            "/".join(str(r.get("acked", 0)) for r in rows),
            "/".join(str(r.get("delivered", 0)) for r in rows),
            sum(r.get("duplicates", 0) for r in rows), sum(r.get("gaps", 0) for r in rows),
            sum(r.get("lost", 0) for r in rows), fmt_recovery(max(rec) if rec else None)))
    failed = [r for r in ran if r["status"] != "ok"]
    print("\n%d passed, %d failed, %d skipped" % (len(ran) - len(failed), len(failed),
                                                  len(results) - len(ran)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
