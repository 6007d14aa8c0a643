-- Steward's core schema, shared by SQLite and PostgreSQL.
-- Conventions: ids are application-generated, time-ordered text; times are Unix microseconds
-- (BIGINT, UTC) so both engines store, compare and order them identically; every tenant row
-- carries account_id, leads its primary key with it, and references other tenant rows through
-- (account_id, id) so the database refuses a row that points into another account.
-- Engine differences are three placeholders, filled in by the migration runner:
--   {{C}}      COLLATE "C" on PostgreSQL (byte order, as SQLite sorts); nothing on SQLite.
--   {{ROWID}}  on SQLite, a stable integer rowid (rid INTEGER PRIMARY KEY) that the FTS5
--              indexes point at (VACUUM may renumber an implicit rowid); nothing on PostgreSQL.
--   {{PK}}     PRIMARY KEY on PostgreSQL; UNIQUE on SQLite, where rid is the primary key.

CREATE TABLE accounts (
    id            TEXT {{C}} PRIMARY KEY,
    root_id       TEXT {{C}} NOT NULL,
    parent_id     TEXT {{C}} REFERENCES accounts (id),
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    country       TEXT NOT NULL DEFAULT '',
    external_ref  TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    street        TEXT NOT NULL DEFAULT '',
    postal_code   TEXT NOT NULL DEFAULT '',
    city          TEXT NOT NULL DEFAULT '',
    region        TEXT NOT NULL DEFAULT '',
    address_country TEXT NOT NULL DEFAULT '',
    language      TEXT NOT NULL DEFAULT '',
    customers_externally_managed BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    archived_at   BIGINT,
    version       BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX accounts_parent ON accounts (parent_id);
CREATE INDEX accounts_root ON accounts (root_id);

CREATE TABLE users (
    id               TEXT {{C}} PRIMARY KEY,
    account_id       TEXT {{C}} NOT NULL REFERENCES accounts (id),
    email            TEXT NOT NULL,
    email_key        TEXT {{C}} NOT NULL,
    name             TEXT NOT NULL,
    password_hash    TEXT NOT NULL DEFAULT '',
    role             TEXT NOT NULL,
    fleet_visibility TEXT NOT NULL DEFAULT 'all',
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 1,
    UNIQUE (account_id, id)
);
-- An email has one user in the whole installation.
CREATE UNIQUE INDEX users_email ON users (email_key);

CREATE TABLE api_keys (
    id           TEXT {{C}} PRIMARY KEY,
    account_id   TEXT {{C}} NOT NULL,
    user_id      TEXT {{C}} NOT NULL,
    name         TEXT NOT NULL,
    prefix       TEXT {{C}} NOT NULL,
    hash         TEXT {{C}} NOT NULL,
    role         TEXT NOT NULL,
    integration  BOOLEAN NOT NULL DEFAULT FALSE,
    expires_at   BIGINT,
    last_used_at BIGINT,
    revoked_at   BIGINT,
    created_at   BIGINT NOT NULL,
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id)
);
CREATE UNIQUE INDEX api_keys_hash ON api_keys (hash);
CREATE UNIQUE INDEX api_keys_prefix ON api_keys (prefix);
CREATE INDEX api_keys_account ON api_keys (account_id, created_at);

CREATE TABLE customers (
    {{ROWID}}
    account_id   TEXT {{C}} NOT NULL REFERENCES accounts (id),
    id           TEXT {{C}} NOT NULL,
    name         TEXT NOT NULL,
    name_key     TEXT {{C}} NOT NULL,
    search       TEXT NOT NULL,
    type         TEXT {{C}} NOT NULL,
    external_ref TEXT {{C}} NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    website      TEXT NOT NULL DEFAULT '',
    street       TEXT NOT NULL DEFAULT '',
    postal_code  TEXT NOT NULL DEFAULT '',
    city         TEXT NOT NULL DEFAULT '',
    region       TEXT NOT NULL DEFAULT '',
    country      TEXT NOT NULL DEFAULT '',
    notes        TEXT NOT NULL DEFAULT '',
    -- Counts kept in the same transaction as every change that moves them (never counted at
    -- read time); archived objects are left out.
    location_count               BIGINT NOT NULL DEFAULT 0,
    assets_on_location_count     BIGINT NOT NULL DEFAULT 0,
    assets_owned_count           BIGINT NOT NULL DEFAULT 0,
    assets_owned_elsewhere_count BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    archived_at  BIGINT,
    version      BIGINT NOT NULL DEFAULT 1,
    {{PK}} (account_id, id)
);
CREATE UNIQUE INDEX customers_external_ref ON customers (account_id, external_ref) WHERE external_ref <> '';
CREATE INDEX customers_name ON customers (account_id, name_key, id);
CREATE INDEX customers_type ON customers (account_id, type, id);
CREATE INDEX customers_created ON customers (account_id, created_at, id);
CREATE INDEX customers_updated ON customers (account_id, updated_at, id);
CREATE INDEX customers_location_count ON customers (account_id, location_count, id);
CREATE INDEX customers_on_location_count ON customers (account_id, assets_on_location_count, id);
CREATE INDEX customers_owned_count ON customers (account_id, assets_owned_count, id);
CREATE INDEX customers_elsewhere_count ON customers (account_id, assets_owned_elsewhere_count, id);

CREATE TABLE contacts (
    {{ROWID}}
    account_id   TEXT {{C}} NOT NULL,
    id           TEXT {{C}} NOT NULL,
    customer_id  TEXT {{C}} NOT NULL,
    name         TEXT NOT NULL,
    name_key     TEXT {{C}} NOT NULL,
    search       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    email        TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL DEFAULT '',
    external_ref TEXT {{C}} NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    archived_at  BIGINT,
    version      BIGINT NOT NULL DEFAULT 1,
    {{PK}} (account_id, id),
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id)
);
CREATE UNIQUE INDEX contacts_external_ref ON contacts (account_id, external_ref) WHERE external_ref <> '';
CREATE INDEX contacts_name ON contacts (account_id, name_key, id);
CREATE INDEX contacts_customer ON contacts (account_id, customer_id, name_key, id);
CREATE INDEX contacts_created ON contacts (account_id, created_at, id);
CREATE INDEX contacts_updated ON contacts (account_id, updated_at, id);

CREATE TABLE locations (
    {{ROWID}}
    account_id   TEXT {{C}} NOT NULL,
    id           TEXT {{C}} NOT NULL,
    customer_id  TEXT {{C}},
    name         TEXT NOT NULL,
    name_key     TEXT {{C}} NOT NULL,
    search       TEXT NOT NULL,
    external_ref TEXT {{C}} NOT NULL DEFAULT '',
    street       TEXT NOT NULL DEFAULT '',
    postal_code  TEXT NOT NULL DEFAULT '',
    city         TEXT NOT NULL DEFAULT '',
    region       TEXT NOT NULL DEFAULT '',
    country      TEXT NOT NULL DEFAULT '',
    latitude     DOUBLE PRECISION,
    longitude    DOUBLE PRECISION,
    radius_m     INTEGER,
    asset_count  BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    archived_at  BIGINT,
    version      BIGINT NOT NULL DEFAULT 1,
    {{PK}} (account_id, id),
    FOREIGN KEY (account_id, customer_id) REFERENCES customers (account_id, id)
);
CREATE UNIQUE INDEX locations_external_ref ON locations (account_id, external_ref) WHERE external_ref <> '';
CREATE INDEX locations_name ON locations (account_id, name_key, id);
CREATE INDEX locations_customer ON locations (account_id, customer_id, name_key, id);
CREATE INDEX locations_created ON locations (account_id, created_at, id);
CREATE INDEX locations_updated ON locations (account_id, updated_at, id);
CREATE INDEX locations_asset_count ON locations (account_id, asset_count, id);

CREATE TABLE assets (
    {{ROWID}}
    account_id           TEXT {{C}} NOT NULL REFERENCES accounts (id),
    id                   TEXT {{C}} NOT NULL,
    name                 TEXT NOT NULL,
    name_key             TEXT {{C}} NOT NULL,
    search               TEXT NOT NULL,
    serial_number        TEXT NOT NULL DEFAULT '',
    serial_key           TEXT {{C}} NOT NULL DEFAULT '',
    external_ref         TEXT {{C}} NOT NULL DEFAULT '',
    make                 TEXT NOT NULL DEFAULT '',
    model                TEXT NOT NULL DEFAULT '',
    category             TEXT NOT NULL DEFAULT '',
    year                 INTEGER,
    owner_customer_id    TEXT {{C}},
    location_id          TEXT {{C}},
    -- The customer of the current location, kept with location_id: it answers "assets at this
    -- customer's locations" from one index and keeps the customer counts exact.
    location_customer_id TEXT {{C}},
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    archived_at          BIGINT,
    version              BIGINT NOT NULL DEFAULT 1,
    {{PK}} (account_id, id),
    FOREIGN KEY (account_id, owner_customer_id) REFERENCES customers (account_id, id),
    FOREIGN KEY (account_id, location_id) REFERENCES locations (account_id, id),
    FOREIGN KEY (account_id, location_customer_id) REFERENCES customers (account_id, id)
);
CREATE UNIQUE INDEX assets_external_ref ON assets (account_id, external_ref) WHERE external_ref <> '';
CREATE UNIQUE INDEX assets_serial ON assets (account_id, serial_key) WHERE serial_key <> '';
CREATE INDEX assets_name ON assets (account_id, name_key, id);
CREATE INDEX assets_serial_sort ON assets (account_id, serial_key, id);
CREATE INDEX assets_created ON assets (account_id, created_at, id);
CREATE INDEX assets_updated ON assets (account_id, updated_at, id);
CREATE INDEX assets_owner_customer ON assets (account_id, owner_customer_id, name_key, id);
CREATE INDEX assets_location ON assets (account_id, location_id, name_key, id);
CREATE INDEX assets_location_customer ON assets (account_id, location_customer_id, name_key, id);

-- The audit log: append-only. Nothing in Steward updates or deletes a row.
CREATE TABLE audit_events (
    account_id       TEXT {{C}} NOT NULL,
    id               TEXT {{C}} NOT NULL,
    at               BIGINT NOT NULL,
    actor_type       TEXT NOT NULL,
    actor_id         TEXT {{C}} NOT NULL DEFAULT '',
    actor_name       TEXT NOT NULL DEFAULT '',
    actor_account_id TEXT {{C}} NOT NULL,
    request_id       TEXT NOT NULL DEFAULT '',
    source           TEXT NOT NULL,
    action           TEXT NOT NULL,
    object_type      TEXT NOT NULL,
    object_id        TEXT {{C}} NOT NULL,
    object_name      TEXT NOT NULL DEFAULT '',
    customer_id      TEXT {{C}},
    changes          TEXT NOT NULL,
    {{PK}} (account_id, id)
);
CREATE INDEX audit_at ON audit_events (account_id, at, id);
CREATE INDEX audit_object ON audit_events (account_id, object_id, at, id);
CREATE INDEX audit_customer ON audit_events (account_id, customer_id, at, id);
CREATE INDEX audit_actor ON audit_events (account_id, actor_id, at, id);

-- Idempotency-Key claims: the created object is bound to its claim in the create's transaction.
CREATE TABLE idempotency_keys (
    scope        TEXT {{C}} NOT NULL,
    key          TEXT {{C}} NOT NULL,
    request_hash TEXT NOT NULL,
    state        TEXT NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    body         TEXT NOT NULL DEFAULT '',
    object_type  TEXT NOT NULL DEFAULT '',
    object_id    TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
