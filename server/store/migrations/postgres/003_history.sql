-- SPDX-License-Identifier: MIT
-- The recipient of a direct message, for per-conversation history (0 for other kinds).
ALTER TABLE messages ADD COLUMN recipient_id BIGINT NOT NULL DEFAULT 0;
