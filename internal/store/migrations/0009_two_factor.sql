-- Two-factor sign-in (issue 12). An account may require it of its users (web sign-in only).
-- A user's TOTP secret is kept as is (the server needs it to compute codes), with the last time
-- step a code was accepted for, so no code is used twice. Recovery codes are stored as SHA-256
-- (they are 50 random bits each) and deleted when used.
ALTER TABLE accounts ADD COLUMN two_factor_required BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE user_two_factor (
    account_id TEXT {{C}} NOT NULL,
    user_id    TEXT {{C}} NOT NULL,
    secret     TEXT NOT NULL,
    last_step  BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, user_id),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id)
);
CREATE TABLE user_recovery_codes (
    account_id TEXT {{C}} NOT NULL,
    user_id    TEXT {{C}} NOT NULL,
    hash       TEXT {{C}} NOT NULL,
    PRIMARY KEY (account_id, user_id, hash),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id)
);
