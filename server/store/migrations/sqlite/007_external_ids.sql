-- SPDX-License-Identifier: MIT
-- Backends' own user ids ("user123", UUIDs): a token whose "sub" is not a number names its user
-- by such an id, mapped here to an internal id the first time it is seen. The internal id is a
-- principal (migration 006), so no account is ever created with it; both columns are unique,
-- and two nodes seeing a new external id at once agree on one row (INSERT ... ON CONFLICT).
CREATE TABLE external_ids (
    external_id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
