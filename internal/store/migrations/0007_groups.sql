-- Groups (PRODUCT.md §5): named sets of an account's assets and users. A user whose fleet
-- visibility is "groups" sees the assets of its groups (store/scope.go).
CREATE TABLE groups (
    {{ROWID}}
    account_id   TEXT {{C}} NOT NULL REFERENCES accounts (id),
    id           TEXT {{C}} NOT NULL,
    name         TEXT NOT NULL,
    name_key     TEXT {{C}} NOT NULL,
    search       TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    -- Members, archived assets included; kept in the transaction of every membership change.
    asset_count  BIGINT NOT NULL DEFAULT 0,
    user_count   BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    archived_at  BIGINT,
    version      BIGINT NOT NULL DEFAULT 1,
    {{PK}} (account_id, id)
);
-- A name is unique within the account, compared folded (case and accents aside).
CREATE UNIQUE INDEX groups_name_unique ON groups (account_id, name_key);
CREATE INDEX groups_name ON groups (account_id, name_key, id);
CREATE INDEX groups_created ON groups (account_id, created_at, id);
CREATE INDEX groups_updated ON groups (account_id, updated_at, id);
CREATE INDEX groups_asset_count ON groups (account_id, asset_count, id);
CREATE INDEX groups_user_count ON groups (account_id, user_count, id);

-- A group's member assets. Each row also carries what its asset contributes to the customer and
-- location counts (its location, the customer of that location, its owner, its archive state),
-- updated in the transaction of every asset write that changes them, so the counts a scoped user
-- sees are read from this table's indexes alone, in proportion to the scope's assets at the
-- customers or locations of the page (store/scope_counts.go).
CREATE TABLE group_assets (
    account_id           TEXT {{C}} NOT NULL,
    group_id             TEXT {{C}} NOT NULL,
    asset_id             TEXT {{C}} NOT NULL,
    location_id          TEXT {{C}},
    location_customer_id TEXT {{C}},
    owner_customer_id    TEXT {{C}},
    archived             BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (account_id, group_id, asset_id),
    FOREIGN KEY (account_id, group_id) REFERENCES groups (account_id, id),
    FOREIGN KEY (account_id, asset_id) REFERENCES assets (account_id, id)
);
CREATE INDEX group_assets_asset ON group_assets (account_id, asset_id, group_id);
CREATE INDEX group_assets_location_customer ON group_assets (account_id, group_id, location_customer_id, archived, asset_id);
CREATE INDEX group_assets_owner ON group_assets (account_id, group_id, owner_customer_id, archived, asset_id, location_customer_id);
CREATE INDEX group_assets_location ON group_assets (account_id, group_id, location_id, archived, asset_id);

-- A group's member users.
CREATE TABLE group_users (
    account_id TEXT {{C}} NOT NULL,
    group_id   TEXT {{C}} NOT NULL,
    user_id    TEXT {{C}} NOT NULL,
    PRIMARY KEY (account_id, group_id, user_id),
    FOREIGN KEY (account_id, group_id) REFERENCES groups (account_id, id),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id)
);
CREATE INDEX group_users_user ON group_users (account_id, user_id, group_id);
