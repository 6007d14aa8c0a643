-- SQLite: groups are searched as the other objects are (migration 0002): an FTS5 trigram index
-- over documents that start with the account's marker, fed by triggers from a view, and the
-- row-number index the newest-first order walks.
CREATE VIEW groups_fts_doc AS SELECT rid, char(57344 + 256 * (instr('0123456789abcdef', substr(account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(account_id, -9, 1)) - 1)) || char(10) || search || char(10, 10) AS search FROM groups;
CREATE VIRTUAL TABLE groups_fts USING fts5(search, content='groups_fts_doc', content_rowid='rid', tokenize='trigram');
CREATE VIRTUAL TABLE groups_fts_terms USING fts5vocab(groups_fts, row);
CREATE TRIGGER groups_fts_ai AFTER INSERT ON groups BEGIN
    INSERT INTO groups_fts (rowid, search) VALUES (new.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -9, 1)) - 1)) || char(10) || new.search || char(10, 10));
END;
CREATE TRIGGER groups_fts_ad AFTER DELETE ON groups BEGIN
    INSERT INTO groups_fts (groups_fts, rowid, search) VALUES ('delete', old.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -9, 1)) - 1)) || char(10) || old.search || char(10, 10));
END;
CREATE TRIGGER groups_fts_au AFTER UPDATE OF search, account_id ON groups BEGIN
    INSERT INTO groups_fts (groups_fts, rowid, search) VALUES ('delete', old.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -9, 1)) - 1)) || char(10) || old.search || char(10, 10));
    INSERT INTO groups_fts (rowid, search) VALUES (new.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -9, 1)) - 1)) || char(10) || new.search || char(10, 10));
END;
INSERT INTO groups_fts (groups_fts) VALUES ('rebuild');
CREATE INDEX groups_rid ON groups (account_id, rid);
