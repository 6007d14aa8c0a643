-- PostgreSQL: substring search bounded by the tenant, for terms of any length.
-- The pg_trgm indexes lead with the account (btree_gin, a trusted extension, lets a GIN index
-- hold the account id beside the trigrams), so a search intersects the term's trigrams with the
-- account's rows inside the index and one organization never pays for another's matches.
-- Terms of one or two characters have no trigram of their own; a second index holds the
-- trigrams of the text's character pairs (search_pairs: "pizza" is "#pi#iz#zz#za#a#"), where
-- "zz" is the word "zz" and "x" a word starting with x (the same function in the queries).
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE FUNCTION search_pairs(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT '#' || string_agg(substr(t, i, 2), '#' ORDER BY i) || '#' FROM generate_series(1, length(t)) AS i $$;
DROP INDEX customers_search;
CREATE INDEX customers_search ON customers USING gin (account_id, search gin_trgm_ops);
CREATE INDEX customers_search_short ON customers USING gin (account_id, search_pairs(search) gin_trgm_ops);
DROP INDEX contacts_search;
CREATE INDEX contacts_search ON contacts USING gin (account_id, search gin_trgm_ops);
CREATE INDEX contacts_search_short ON contacts USING gin (account_id, search_pairs(search) gin_trgm_ops);
DROP INDEX locations_search;
CREATE INDEX locations_search ON locations USING gin (account_id, search gin_trgm_ops);
CREATE INDEX locations_search_short ON locations USING gin (account_id, search_pairs(search) gin_trgm_ops);
DROP INDEX assets_search;
CREATE INDEX assets_search ON assets USING gin (account_id, search gin_trgm_ops);
CREATE INDEX assets_search_short ON assets USING gin (account_id, search_pairs(search) gin_trgm_ops);

-- Statistics for the new expression index, so the planner knows its selectivity at once.
ANALYZE customers;
ANALYZE contacts;
ANALYZE locations;
ANALYZE assets;
