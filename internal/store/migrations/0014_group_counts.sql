-- Each group's counts per customer and per location, kept in the transaction of every change
-- to its memberships or to a member asset's location, owner or archive state, so that a caller
-- scoped to one group reads a page's counts by primary key and sorts a list by a scoped count by
-- walking group_counts_sorted, as an unscoped caller walks the stored counts
-- (store/group_counts.go). kind: 1 assets on the customer's locations, 2 assets the customer
-- owns, 3 of those not on its own locations, 4 assets at the location. A row may hold 0.
CREATE TABLE group_counts (
    account_id TEXT {{C}} NOT NULL,
    group_id   TEXT {{C}} NOT NULL,
    kind       SMALLINT NOT NULL,
    object_id  TEXT {{C}} NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (account_id, group_id, kind, object_id),
    FOREIGN KEY (account_id, group_id) REFERENCES groups (account_id, id)
);
CREATE INDEX group_counts_sorted ON group_counts (account_id, group_id, kind, n, object_id);

INSERT INTO group_counts (account_id, group_id, kind, object_id, n)
SELECT account_id, group_id, kind, object_id, COUNT(*) FROM (
    SELECT account_id, group_id, 1 AS kind, location_customer_id AS object_id FROM group_assets
        WHERE location_customer_id IS NOT NULL AND archived = FALSE
    UNION ALL
    SELECT account_id, group_id, 2, owner_customer_id FROM group_assets
        WHERE owner_customer_id IS NOT NULL AND archived = FALSE
    UNION ALL
    SELECT account_id, group_id, 3, owner_customer_id FROM group_assets
        WHERE owner_customer_id IS NOT NULL AND archived = FALSE
            AND (location_customer_id IS NULL OR location_customer_id <> owner_customer_id)
    UNION ALL
    SELECT account_id, group_id, 4, location_id FROM group_assets
        WHERE location_id IS NOT NULL AND archived = FALSE
) m GROUP BY account_id, group_id, kind, object_id;

-- How many assets each pair of an account's groups share (group_a < group_b; a row may hold 0),
-- kept with the memberships: a caller in several groups that share no asset adds up their
-- group_counts; one whose groups overlap counts from group_assets, each asset once.
CREATE TABLE group_overlaps (
    account_id TEXT {{C}} NOT NULL,
    group_a    TEXT {{C}} NOT NULL,
    group_b    TEXT {{C}} NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (account_id, group_a, group_b),
    FOREIGN KEY (account_id, group_a) REFERENCES groups (account_id, id),
    FOREIGN KEY (account_id, group_b) REFERENCES groups (account_id, id)
);
CREATE INDEX group_overlaps_b ON group_overlaps (account_id, group_b);

INSERT INTO group_overlaps (account_id, group_a, group_b, n)
SELECT a.account_id, a.group_id, b.group_id, COUNT(*) FROM group_assets a
    JOIN group_assets b ON b.account_id = a.account_id AND b.asset_id = a.asset_id AND b.group_id > a.group_id
    GROUP BY a.account_id, a.group_id, b.group_id;
