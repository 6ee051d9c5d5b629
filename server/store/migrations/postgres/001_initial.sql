-- SPDX-License-Identifier: MIT
-- Users, messages, per-stream sequence numbers and per-user delivery cursors.
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL DEFAULT '',
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    last_seen BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE messages (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    sender_id BIGINT NOT NULL,
    body TEXT NOT NULL,
    idempotency_key TEXT,
    created_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX messages_idempotency ON messages (sender_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE INDEX messages_created_at ON messages (created_at);

CREATE TABLE streams (
    name TEXT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);

CREATE TABLE stream_entries (
    stream TEXT NOT NULL,
    seq BIGINT NOT NULL,
    message_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    PRIMARY KEY (stream, seq)
);

CREATE INDEX stream_entries_message ON stream_entries (message_id);

CREATE TABLE cursors (
    user_id BIGINT NOT NULL,
    stream TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (user_id, stream)
);
