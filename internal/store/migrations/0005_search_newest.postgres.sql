-- PostgreSQL: the newest-first walk of a search without sort reads the account's rows by id,
-- newest first, and keeps those whose search column holds the term (store/search.go). Through
-- the primary key that walk fetched every row from the heap; this index holds what the walk
-- reads (the archive state, the name key the name matches are told apart by, the search text),
-- so it is an index-only scan of a few thousand small tuples, and only the page's rows are read
-- from the heap. Index-only scans need the visibility map: autovacuum keeps it, and `dev seed`
-- vacuums after loading.
CREATE INDEX customers_newest ON customers (account_id, id) INCLUDE (archived_at, name_key, search);
CREATE INDEX contacts_newest ON contacts (account_id, id) INCLUDE (archived_at, name_key, search);
CREATE INDEX locations_newest ON locations (account_id, id) INCLUDE (archived_at, name_key, search);
CREATE INDEX assets_newest ON assets (account_id, id) INCLUDE (archived_at, name_key, search);
