-- SPDX-License-Identifier: MIT
-- IP access rules, applied at accept time: allow or deny one network (normalised CIDR text),
-- with an optional expiry (ms since epoch; NULL = never) and a note.
CREATE TABLE access_rules (
    id BIGSERIAL PRIMARY KEY,
    action TEXT NOT NULL CHECK (action IN ('allow', 'deny')),
    cidr TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    expires_at BIGINT,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
);

CREATE INDEX access_rules_expires_at ON access_rules (expires_at);
