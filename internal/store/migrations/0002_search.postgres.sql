-- PostgreSQL: substring search bounded by the tenant, for terms of any length.
-- The pg_trgm indexes lead with the account (btree_gin, a trusted extension, lets a GIN index
-- hold the account id beside the trigrams), so a search intersects the term's trigrams with the
-- account's rows inside the index and one organization never pays for another's matches.
-- Terms of one or two characters have no trigram of their own; a second index holds the
-- trigrams of the search text with every character written three times, where "ab" is
-- "aaabbb" and "x" is "xxx" (search_tripled, the same function in the queries).
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE FUNCTION search_tripled(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT regexp_replace(t, '(.)', '\1\1\1', 'g') $$;
DROP INDEX customers_search;
CREATE INDEX customers_search ON customers USING gin (account_id, search gin_trgm_ops);
CREATE INDEX customers_search_short ON customers USING gin (account_id, search_tripled(search) gin_trgm_ops);
DROP INDEX contacts_search;
CREATE INDEX contacts_search ON contacts USING gin (account_id, search gin_trgm_ops);
CREATE INDEX contacts_search_short ON contacts USING gin (account_id, search_tripled(search) gin_trgm_ops);
DROP INDEX locations_search;
CREATE INDEX locations_search ON locations USING gin (account_id, search gin_trgm_ops);
CREATE INDEX locations_search_short ON locations USING gin (account_id, search_tripled(search) gin_trgm_ops);
DROP INDEX assets_search;
CREATE INDEX assets_search ON assets USING gin (account_id, search gin_trgm_ops);
CREATE INDEX assets_search_short ON assets USING gin (account_id, search_tripled(search) gin_trgm_ops);
