-- The account tree (issue 12). Each account keeps its path, the ids from its root down to itself
-- ('/root/…/self/'), so a subtree is one range of an index (path > '/…/x/' AND path < '/…/x0'),
-- and its folded name, so a subtree lists by name from an index, a page at a time. Accounts never
-- move, so a path never changes once written. Accounts made before this migration get theirs
-- here; their name_key is lower(name) until their next change (only roots existed, and a root
-- is never in a list of the accounts below one).
ALTER TABLE accounts ADD COLUMN path TEXT {{C}} NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN name_key TEXT {{C}} NOT NULL DEFAULT '';
WITH RECURSIVE tree (id, path) AS (
    SELECT id, ('/' || id || '/') {{C}} FROM accounts WHERE parent_id IS NULL
    UNION ALL
    SELECT c.id, (tree.path || c.id || '/') {{C}} FROM accounts c JOIN tree ON c.parent_id = tree.id
)
UPDATE accounts SET path = (SELECT tree.path FROM tree WHERE tree.id = accounts.id);
UPDATE accounts SET name_key = lower(name);
CREATE INDEX accounts_path ON accounts (path);
CREATE INDEX accounts_tree_name ON accounts (root_id, name_key, id);
CREATE INDEX accounts_children ON accounts (parent_id, name_key, id);
