-- Webhooks (PRODUCT.md §7, issue 13): an account's endpoints, the outbox of its change events and
-- one delivery per (event, endpoint). An event is written in the transaction of the change it
-- reports (store/outbox.go), only when an endpoint of the account subscribes to its type, with
-- its body as it is sent; the dispatcher claims due deliveries across accounts, so the queue's
-- index (status, next_attempt_at) does not lead with the account, unlike every other index.
CREATE TABLE webhooks (
    account_id               TEXT {{C}} NOT NULL REFERENCES accounts (id),
    id                       TEXT {{C}} NOT NULL,
    url                      TEXT NOT NULL,
    -- the subscribed event types, space-separated, in the order given
    events                   TEXT NOT NULL,
    description              TEXT NOT NULL DEFAULT '',
    -- the signing secret (whsec_…): stored, since deliveries are signed with it; the previous
    -- one signs beside it until previous_secret_until
    secret                   TEXT NOT NULL,
    previous_secret          TEXT,
    previous_secret_until    BIGINT,
    secret_rotated_at        BIGINT,
    created_at               BIGINT NOT NULL,
    updated_at               BIGINT NOT NULL,
    version                  BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE webhook_events (
    account_id  TEXT {{C}} NOT NULL REFERENCES accounts (id),
    id          TEXT {{C}} NOT NULL,
    type        TEXT NOT NULL,
    at          BIGINT NOT NULL,
    payload     TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE webhook_deliveries (
    account_id      TEXT {{C}} NOT NULL,
    id              TEXT {{C}} NOT NULL,
    webhook_id      TEXT {{C}} NOT NULL,
    event_id        TEXT {{C}} NOT NULL,
    event_type      TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- when the next attempt is due (pending), or when a claimed attempt's lease ends
    next_attempt_at BIGINT,
    last_attempt_at BIGINT,
    response_code   INTEGER,
    duration_ms     BIGINT,
    error           TEXT NOT NULL DEFAULT '',
    redelivery_of   TEXT {{C}},
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, webhook_id) REFERENCES webhooks (account_id, id),
    FOREIGN KEY (account_id, event_id) REFERENCES webhook_events (account_id, id)
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (account_id, webhook_id, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (account_id, event_id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

-- The delivery log's pruning (store/webhook_prune.go): finished deliveries by age, events by age.
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (created_at) WHERE status <> 'pending';
CREATE INDEX webhook_events_at ON webhook_events (at);
