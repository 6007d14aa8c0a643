-- PostgreSQL: groups are searched as the other objects are (migrations 0002 and 0005): trigram
-- indexes led by the account, and the covering index of the newest-first walk.
CREATE INDEX groups_search ON groups USING gin (account_id, search gin_trgm_ops);
CREATE INDEX groups_search_short ON groups USING gin (account_id, search_pairs(search) gin_trgm_ops);
CREATE INDEX groups_newest ON groups (account_id, id) INCLUDE (archived_at, name_key, search);
