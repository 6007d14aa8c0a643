-- The web interface's sessions (scs): the SHA-256 of the token, the encoded session and its
-- expiry in Unix microseconds. Not tenant data: the session names the user, who is loaded again
-- on every request.
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BYTEA NOT NULL,
    expiry BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry);
