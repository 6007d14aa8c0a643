-- Sharing and transfer of assets across an organization's accounts (PRODUCT.md §4, issue 12).
-- An asset is owned by one account (assets.account_id); asset_shares lists the other accounts of
-- the organization that see it. A share is manual, or made by the receiving account's auto-share
-- (auto), which also covers assets its sub-accounts create or receive later. The viewer's index
-- answers "the assets shared with this account" and "is this asset shared with it" alone.
-- Each row also carries its asset's sort keys and archive state, kept by every asset write that
-- changes them (store/shares.go, syncShares), so the viewer's list of shared assets walks one
-- of its indexes in the order of the page and reads only the page's assets.
CREATE TABLE asset_shares (
    account_id       TEXT {{C}} NOT NULL,
    asset_id         TEXT {{C}} NOT NULL,
    shared_with      TEXT {{C}} NOT NULL REFERENCES accounts (id),
    auto             BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       BIGINT NOT NULL,
    name_key         TEXT {{C}} NOT NULL,
    serial_key       TEXT {{C}} NOT NULL,
    asset_created_at BIGINT NOT NULL,
    asset_updated_at BIGINT NOT NULL,
    archived_at      BIGINT,
    PRIMARY KEY (account_id, asset_id, shared_with),
    FOREIGN KEY (account_id, asset_id) REFERENCES assets (account_id, id)
);
CREATE INDEX asset_shares_viewer ON asset_shares (shared_with, asset_id, account_id);
CREATE INDEX asset_shares_name ON asset_shares (shared_with, name_key, asset_id);
CREATE INDEX asset_shares_serial ON asset_shares (shared_with, serial_key, asset_id);
CREATE INDEX asset_shares_created ON asset_shares (shared_with, asset_created_at, asset_id);
CREATE INDEX asset_shares_updated ON asset_shares (shared_with, asset_updated_at, asset_id);

-- Auto-share: 'none', 'all' (every account below this one shares its assets with it) or
-- 'selected' (the accounts of auto_share_sources).
ALTER TABLE accounts ADD COLUMN auto_share TEXT NOT NULL DEFAULT 'none';
CREATE TABLE auto_share_sources (
    account_id TEXT {{C}} NOT NULL REFERENCES accounts (id),
    source_id  TEXT {{C}} NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (account_id, source_id)
);
CREATE INDEX auto_share_sources_source ON auto_share_sources (source_id, account_id);

-- The organization's administrative account (set on the root; NULL: the root itself) may share,
-- unshare and transfer any asset of the organization.
ALTER TABLE accounts ADD COLUMN administrative_id TEXT {{C}} REFERENCES accounts (id);
