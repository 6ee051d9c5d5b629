-- SPDX-License-Identifier: MIT
-- Revocation: tokens of a user issued before this moment (ms since epoch; 0 = none) are refused.
-- Set by a password change and by "sign out everywhere".
ALTER TABLE users ADD COLUMN tokens_valid_after BIGINT NOT NULL DEFAULT 0;
