-- An import's file, in chunks of at most 1 MiB, read back in seq order.
CREATE TABLE import_chunks (
    account_id TEXT {{C}} NOT NULL,
    job_id     TEXT {{C}} NOT NULL,
    seq        BIGINT NOT NULL,
    data       BYTEA NOT NULL,
    PRIMARY KEY (account_id, job_id, seq)
);
