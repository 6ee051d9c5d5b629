-- SPDX-License-Identifier: MIT
-- User ids the server knows without an account row: an id that authenticated with a token (minted
-- with the API key or issued by an identity provider), or, with accept_unknown_recipients, one
-- that a message addressed first. Such an id is a known recipient and is taken: a user created
-- later gets another id (createUser allocates past both tables).
CREATE TABLE principals (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
