-- Users (issue 12): a sort key and search text for the users list, the time before which a
-- user's web sessions are void (a password change or reset ends the other sessions), and the
-- one-time tokens of invitations and password resets.
--
-- name_key and search are computed in Go (fold, searchText) on every write; the engine files
-- fill them for the users that exist with lower(), which equals the fold for ASCII names, until
-- each user's next change writes the exact value.
ALTER TABLE users ADD COLUMN name_key TEXT {{C}} NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN search TEXT NOT NULL DEFAULT '';
-- Unix microseconds; a session signed in earlier is refused (0: every session is valid).
ALTER TABLE users ADD COLUMN sessions_after BIGINT NOT NULL DEFAULT 0;
CREATE INDEX users_account_name ON users (account_id, name_key, id);

-- A token is 32 random bytes the user receives as a link; only its SHA-256 is stored. A user
-- has at most one live token: a new invitation or reset replaces the previous one, and using
-- or deactivating deletes it.
CREATE TABLE user_tokens (
    hash       TEXT {{C}} PRIMARY KEY,
    account_id TEXT {{C}} NOT NULL,
    user_id    TEXT {{C}} NOT NULL,
    purpose    TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id)
);
CREATE UNIQUE INDEX user_tokens_user ON user_tokens (account_id, user_id);
