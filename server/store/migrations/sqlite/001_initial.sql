-- SPDX-License-Identifier: MIT
-- Users, messages, per-stream sequence numbers and per-user delivery cursors.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL DEFAULT '',
    is_admin INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    sender_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    idempotency_key TEXT,
    created_at INTEGER NOT NULL
);

CREATE UNIQUE INDEX messages_idempotency ON messages (sender_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE INDEX messages_created_at ON messages (created_at);

CREATE TABLE streams (
    name TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL
);

CREATE TABLE stream_entries (
    stream TEXT NOT NULL,
    seq INTEGER NOT NULL,
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    PRIMARY KEY (stream, seq)
) WITHOUT ROWID;

CREATE INDEX stream_entries_message ON stream_entries (message_id);

CREATE TABLE cursors (
    user_id INTEGER NOT NULL,
    stream TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (user_id, stream)
) WITHOUT ROWID;
