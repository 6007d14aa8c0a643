-- SQLite: substring search through FTS5 trigram indexes over each table's folded search column,
-- kept in step by triggers so every write path (API, import, seed) is covered.
CREATE VIRTUAL TABLE customers_fts USING fts5(search, content='customers', content_rowid='rid', tokenize='trigram');
CREATE TRIGGER customers_fts_ai AFTER INSERT ON customers BEGIN
    INSERT INTO customers_fts (rowid, search) VALUES (new.rid, new.search);
END;
CREATE TRIGGER customers_fts_ad AFTER DELETE ON customers BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, search) VALUES ('delete', old.rid, old.search);
END;
CREATE TRIGGER customers_fts_au AFTER UPDATE OF search ON customers BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, search) VALUES ('delete', old.rid, old.search);
    INSERT INTO customers_fts (rowid, search) VALUES (new.rid, new.search);
END;

CREATE VIRTUAL TABLE contacts_fts USING fts5(search, content='contacts', content_rowid='rid', tokenize='trigram');
CREATE TRIGGER contacts_fts_ai AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts (rowid, search) VALUES (new.rid, new.search);
END;
CREATE TRIGGER contacts_fts_ad AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, search) VALUES ('delete', old.rid, old.search);
END;
CREATE TRIGGER contacts_fts_au AFTER UPDATE OF search ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, search) VALUES ('delete', old.rid, old.search);
    INSERT INTO contacts_fts (rowid, search) VALUES (new.rid, new.search);
END;

CREATE VIRTUAL TABLE locations_fts USING fts5(search, content='locations', content_rowid='rid', tokenize='trigram');
CREATE TRIGGER locations_fts_ai AFTER INSERT ON locations BEGIN
    INSERT INTO locations_fts (rowid, search) VALUES (new.rid, new.search);
END;
CREATE TRIGGER locations_fts_ad AFTER DELETE ON locations BEGIN
    INSERT INTO locations_fts (locations_fts, rowid, search) VALUES ('delete', old.rid, old.search);
END;
CREATE TRIGGER locations_fts_au AFTER UPDATE OF search ON locations BEGIN
    INSERT INTO locations_fts (locations_fts, rowid, search) VALUES ('delete', old.rid, old.search);
    INSERT INTO locations_fts (rowid, search) VALUES (new.rid, new.search);
END;

CREATE VIRTUAL TABLE assets_fts USING fts5(search, content='assets', content_rowid='rid', tokenize='trigram');
CREATE TRIGGER assets_fts_ai AFTER INSERT ON assets BEGIN
    INSERT INTO assets_fts (rowid, search) VALUES (new.rid, new.search);
END;
CREATE TRIGGER assets_fts_ad AFTER DELETE ON assets BEGIN
    INSERT INTO assets_fts (assets_fts, rowid, search) VALUES ('delete', old.rid, old.search);
END;
CREATE TRIGGER assets_fts_au AFTER UPDATE OF search ON assets BEGIN
    INSERT INTO assets_fts (assets_fts, rowid, search) VALUES ('delete', old.rid, old.search);
    INSERT INTO assets_fts (rowid, search) VALUES (new.rid, new.search);
END;
