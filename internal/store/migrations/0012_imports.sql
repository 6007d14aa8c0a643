-- CSV import jobs (issue 13). A job's file is its input: stored in the database in chunks
-- (import_chunks, per engine: bytes), so any process can claim the job and a restart finds it.
-- The chunks are deleted when the job ends; the job and its errors stay.
-- claimed_by names the worker running the job, heartbeat (Unix microseconds) when it last said
-- it was alive; a running job whose heartbeat is stale is put back in the queue (and run again
-- from its start: a job writes in one transaction, so nothing of it was committed).
CREATE TABLE import_jobs (
    account_id     TEXT {{C}} NOT NULL REFERENCES accounts (id),
    id             TEXT {{C}} NOT NULL,
    user_id        TEXT {{C}} NOT NULL,
    role           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    dry_run        BOOLEAN NOT NULL,
    file_name      TEXT NOT NULL,
    file_size      BIGINT NOT NULL,
    status         TEXT NOT NULL,
    total_rows     BIGINT NOT NULL DEFAULT 0,
    processed_rows BIGINT NOT NULL DEFAULT 0,
    created        BIGINT NOT NULL DEFAULT 0,
    updated        BIGINT NOT NULL DEFAULT 0,
    unchanged      BIGINT NOT NULL DEFAULT 0,
    failed_rows    BIGINT NOT NULL DEFAULT 0,
    error_count    BIGINT NOT NULL DEFAULT 0,
    claimed_by     TEXT NOT NULL DEFAULT '',
    heartbeat      BIGINT NOT NULL DEFAULT 0,
    attempts       INTEGER NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id)
);
CREATE INDEX import_jobs_queue ON import_jobs (status, created_at);
CREATE INDEX import_jobs_account ON import_jobs (account_id, created_at, id);
CREATE INDEX import_jobs_id ON import_jobs (id);
CREATE TABLE import_errors (
    account_id TEXT {{C}} NOT NULL,
    job_id     TEXT {{C}} NOT NULL,
    seq        BIGINT NOT NULL,
    row_no     BIGINT NOT NULL,
    col        TEXT NOT NULL,
    message    TEXT NOT NULL,
    PRIMARY KEY (account_id, job_id, seq),
    FOREIGN KEY (account_id, job_id) REFERENCES import_jobs (account_id, id)
);
