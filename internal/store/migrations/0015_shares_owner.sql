-- The accounts whose assets are shared with a viewer, one index probe each (a search of the
-- shared side asks each owner's search index, store/shared_search.go).
CREATE INDEX asset_shares_owner ON asset_shares (shared_with, account_id);
