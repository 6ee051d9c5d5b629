-- SPDX-License-Identifier: MIT
-- Rooms (groups), their persisted memberships and invitations to private rooms.
CREATE TABLE rooms (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    is_private INTEGER NOT NULL DEFAULT 0,
    post_policy TEXT NOT NULL DEFAULT 'members',
    max_members INTEGER NOT NULL DEFAULT 0,
    announce_membership INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE room_members (
    room_id TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    role TEXT NOT NULL DEFAULT 'member',
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;

CREATE INDEX room_members_user ON room_members (user_id);

CREATE TABLE room_invites (
    room_id TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;
