-- PostgreSQL: substring search through pg_trgm GIN indexes over each table's folded search
-- column (pg_trgm is a trusted extension: the database owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX customers_search ON customers USING gin (search gin_trgm_ops);
CREATE INDEX contacts_search ON contacts USING gin (search gin_trgm_ops);
CREATE INDEX locations_search ON locations USING gin (search gin_trgm_ops);
CREATE INDEX assets_search ON assets USING gin (search gin_trgm_ops);
