-- Notifications (issue 13, part 4): who subscribes to the asset events of a customer (a user of
-- the account or one of the customer's contacts), the mail each event makes for them (kept when no
-- SMTP server is configured, else sent by the notifier with retries), and the server's keys
-- (the HMAC key of the contacts' unsubscribe links: in the database, so every process agrees).
CREATE TABLE subscriptions (
    account_id   TEXT {{C}} NOT NULL REFERENCES accounts (id),
    id           TEXT {{C}} NOT NULL,
    customer_id  TEXT {{C}} NOT NULL,
    -- exactly one of user_id and contact_id
    user_id      TEXT {{C}} REFERENCES users (id) ON DELETE CASCADE,
    contact_id   TEXT {{C}},
    -- the subscribed event types, space-separated
    events       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE
);
CREATE INDEX subscriptions_customer ON subscriptions (account_id, customer_id, id);
CREATE INDEX subscriptions_user ON subscriptions (user_id);
CREATE INDEX subscriptions_contact ON subscriptions (account_id, contact_id);

CREATE TABLE mail_messages (
    account_id       TEXT {{C}} NOT NULL REFERENCES accounts (id),
    id               TEXT {{C}} NOT NULL,
    -- notification, invitation, password_reset
    kind             TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    -- the subscription that made it (no reference: the message outlives an unsubscribe)
    subscription_id  TEXT {{C}},
    -- the contact's unsubscribe token, appended to the body as a link when sent
    unsubscribe      TEXT NOT NULL DEFAULT '',
    -- pending, sent, kept (no SMTP server configured), failed
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    sent_at          BIGINT,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX mail_messages_due ON mail_messages (next_attempt_at) WHERE status = 'pending';

CREATE TABLE server_keys (
    name    TEXT {{C}} NOT NULL PRIMARY KEY,
    secret  TEXT NOT NULL
);
