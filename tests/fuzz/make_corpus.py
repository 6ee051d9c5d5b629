#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the fuzz seed corpora (tests/fuzz/corpus/<target>/) from the conformance and
malformed-input suites, so the fuzzers start from every case those suites know. Small inputs
only (at most 4 KiB each); file names are the SHA-1 of the content.
  tests/fuzz/make_corpus.py
"""

import hashlib
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))

import malformed  # noqa: E402
import wscases  # noqa: E402
from wsclient import mint_token  # noqa: E402

MAX = 4096


def write(target, data):
    if not data or len(data) > MAX:
        return 0
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, hashlib.sha1(data).hexdigest())
    if os.path.exists(path):
        return 0
    with open(path, "wb") as f:
        f.write(data)
    return 1


def main():
    counts = {}
    for case in wscases.cases():
        if case.kind == "frames":
            data = b""
            for step in case.steps:
                if isinstance(step, bytes):
                    data += step
                elif isinstance(step, tuple) and step[0] == "chops":
                    data += step[1]
            counts["frames"] = counts.get("frames", 0) + write("fuzz_frameparser", data)
        elif case.kind == "upgrade":
            req = case.extra["request"].replace(b"TOKEN", b"eyJhbGciOiJIUzI1NiJ9.e30.sig")
            counts["upgrade"] = counts.get("upgrade", 0) + write("fuzz_upgraderequest", req)
    good = (b"GET /ws?token=" + mint_token(1).encode() + b" HTTP/1.1\r\nHost: x\r\n"
            b"Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    write("fuzz_upgraderequest", good)
    write("fuzz_upgraderequest", b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    write("fuzz_upgraderequest", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
    for case in malformed.cases():
        e = case.extra
        if e["channel"] == "ws":
            counts["client"] = counts.get("client", 0) + write("fuzz_clientframe", e["text"])
        elif e["body"]:
            counts["rest"] = counts.get("rest", 0) + write("fuzz_restbody", e["body"])
    print(counts)


if __name__ == "__main__":
    main()
