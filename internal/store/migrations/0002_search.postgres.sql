-- PostgreSQL: substring search bounded by the tenant. The pg_trgm indexes lead with the account
-- (btree_gin, a trusted extension, lets a GIN index hold the account id beside the trigrams), so a
-- search intersects the term's trigrams with the account's rows inside the index and one
-- organization never pays for another's matches.
CREATE EXTENSION IF NOT EXISTS btree_gin;
DROP INDEX customers_search;
CREATE INDEX customers_search ON customers USING gin (account_id, search gin_trgm_ops);
DROP INDEX contacts_search;
CREATE INDEX contacts_search ON contacts USING gin (account_id, search gin_trgm_ops);
DROP INDEX locations_search;
CREATE INDEX locations_search ON locations USING gin (account_id, search gin_trgm_ops);
DROP INDEX assets_search;
CREATE INDEX assets_search ON assets USING gin (account_id, search gin_trgm_ops);
