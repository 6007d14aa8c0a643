-- SQLite: substring search bounded by the tenant, for terms of any length.
-- Each FTS5 document is: a marker of its account (three private-use characters computed from the
-- last nine hex digits of the account id: one trigram no folded text contains; store/search.go
-- computes the same in Go), a line break, the row's folded search column, and two line breaks.
-- A query "<marker>" AND "<term>" reads only the account's part of the term's doclists, so one
-- organization never pays for another's matches. The closing line breaks make every character
-- the start of a trigram, so a term of one or two characters is found through the trigrams it
-- starts (listed by the *_fts_terms vocabulary tables).
-- Ranked searches list the other matches newest first, which on SQLite is the row number's order:
-- the *_rid indexes walk an account's rows in it.
-- The documents come from a view, so the triggers, 'rebuild' and 'delete' all see the same text.

DROP TRIGGER customers_fts_ai;
DROP TRIGGER customers_fts_ad;
DROP TRIGGER customers_fts_au;
DROP TABLE customers_fts;
CREATE VIEW customers_fts_doc AS SELECT rid, char(57344 + 256 * (instr('0123456789abcdef', substr(account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(account_id, -9, 1)) - 1)) || char(10) || search || char(10, 10) AS search FROM customers;
CREATE VIRTUAL TABLE customers_fts USING fts5(search, content='customers_fts_doc', content_rowid='rid', tokenize='trigram');
CREATE VIRTUAL TABLE customers_fts_terms USING fts5vocab(customers_fts, row);
CREATE TRIGGER customers_fts_ai AFTER INSERT ON customers BEGIN
    INSERT INTO customers_fts (rowid, search) VALUES (new.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -9, 1)) - 1)) || char(10) || new.search || char(10, 10));
END;
CREATE TRIGGER customers_fts_ad AFTER DELETE ON customers BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, search) VALUES ('delete', old.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -9, 1)) - 1)) || char(10) || old.search || char(10, 10));
END;
CREATE TRIGGER customers_fts_au AFTER UPDATE OF search, account_id ON customers BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, search) VALUES ('delete', old.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -9, 1)) - 1)) || char(10) || old.search || char(10, 10));
    INSERT INTO customers_fts (rowid, search) VALUES (new.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -9, 1)) - 1)) || char(10) || new.search || char(10, 10));
END;
INSERT INTO customers_fts (customers_fts) VALUES ('rebuild');
CREATE INDEX customers_rid ON customers (account_id, rid);

DROP TRIGGER contacts_fts_ai;
DROP TRIGGER contacts_fts_ad;
DROP TRIGGER contacts_fts_au;
DROP TABLE contacts_fts;
CREATE VIEW contacts_fts_doc AS SELECT rid, char(57344 + 256 * (instr('0123456789abcdef', substr(account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(account_id, -9, 1)) - 1)) || char(10) || search || char(10, 10) AS search FROM contacts;
CREATE VIRTUAL TABLE contacts_fts USING fts5(search, content='contacts_fts_doc', content_rowid='rid', tokenize='trigram');
CREATE VIRTUAL TABLE contacts_fts_terms USING fts5vocab(contacts_fts, row);
CREATE TRIGGER contacts_fts_ai AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts (rowid, search) VALUES (new.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -9, 1)) - 1)) || char(10) || new.search || char(10, 10));
END;
CREATE TRIGGER contacts_fts_ad AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, search) VALUES ('delete', old.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -9, 1)) - 1)) || char(10) || old.search || char(10, 10));
END;
CREATE TRIGGER contacts_fts_au AFTER UPDATE OF search, account_id ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, search) VALUES ('delete', old.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -9, 1)) - 1)) || char(10) || old.search || char(10, 10));
    INSERT INTO contacts_fts (rowid, search) VALUES (new.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -9, 1)) - 1)) || char(10) || new.search || char(10, 10));
END;
INSERT INTO contacts_fts (contacts_fts) VALUES ('rebuild');
CREATE INDEX contacts_rid ON contacts (account_id, rid);

DROP TRIGGER locations_fts_ai;
DROP TRIGGER locations_fts_ad;
DROP TRIGGER locations_fts_au;
DROP TABLE locations_fts;
CREATE VIEW locations_fts_doc AS SELECT rid, char(57344 + 256 * (instr('0123456789abcdef', substr(account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(account_id, -9, 1)) - 1)) || char(10) || search || char(10, 10) AS search FROM locations;
CREATE VIRTUAL TABLE locations_fts USING fts5(search, content='locations_fts_doc', content_rowid='rid', tokenize='trigram');
CREATE VIRTUAL TABLE locations_fts_terms USING fts5vocab(locations_fts, row);
CREATE TRIGGER locations_fts_ai AFTER INSERT ON locations BEGIN
    INSERT INTO locations_fts (rowid, search) VALUES (new.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -9, 1)) - 1)) || char(10) || new.search || char(10, 10));
END;
CREATE TRIGGER locations_fts_ad AFTER DELETE ON locations BEGIN
    INSERT INTO locations_fts (locations_fts, rowid, search) VALUES ('delete', old.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -9, 1)) - 1)) || char(10) || old.search || char(10, 10));
END;
CREATE TRIGGER locations_fts_au AFTER UPDATE OF search, account_id ON locations BEGIN
    INSERT INTO locations_fts (locations_fts, rowid, search) VALUES ('delete', old.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -9, 1)) - 1)) || char(10) || old.search || char(10, 10));
    INSERT INTO locations_fts (rowid, search) VALUES (new.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -9, 1)) - 1)) || char(10) || new.search || char(10, 10));
END;
INSERT INTO locations_fts (locations_fts) VALUES ('rebuild');
CREATE INDEX locations_rid ON locations (account_id, rid);

DROP TRIGGER assets_fts_ai;
DROP TRIGGER assets_fts_ad;
DROP TRIGGER assets_fts_au;
DROP TABLE assets_fts;
CREATE VIEW assets_fts_doc AS SELECT rid, char(57344 + 256 * (instr('0123456789abcdef', substr(account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(account_id, -9, 1)) - 1)) || char(10) || search || char(10, 10) AS search FROM assets;
CREATE VIRTUAL TABLE assets_fts USING fts5(search, content='assets_fts_doc', content_rowid='rid', tokenize='trigram');
CREATE VIRTUAL TABLE assets_fts_terms USING fts5vocab(assets_fts, row);
CREATE TRIGGER assets_fts_ai AFTER INSERT ON assets BEGIN
    INSERT INTO assets_fts (rowid, search) VALUES (new.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -9, 1)) - 1)) || char(10) || new.search || char(10, 10));
END;
CREATE TRIGGER assets_fts_ad AFTER DELETE ON assets BEGIN
    INSERT INTO assets_fts (assets_fts, rowid, search) VALUES ('delete', old.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -9, 1)) - 1)) || char(10) || old.search || char(10, 10));
END;
CREATE TRIGGER assets_fts_au AFTER UPDATE OF search, account_id ON assets BEGIN
    INSERT INTO assets_fts (assets_fts, rowid, search) VALUES ('delete', old.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(old.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(old.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(old.account_id, -9, 1)) - 1)) || char(10) || old.search || char(10, 10));
    INSERT INTO assets_fts (rowid, search) VALUES (new.rid, char(57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -1, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -2, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -3, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -4, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -5, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -6, 1)) - 1),
        57344 + 256 * (instr('0123456789abcdef', substr(new.account_id, -7, 1)) - 1) + 16 * (instr('0123456789abcdef', substr(new.account_id, -8, 1)) - 1) + (instr('0123456789abcdef', substr(new.account_id, -9, 1)) - 1)) || char(10) || new.search || char(10, 10));
END;
INSERT INTO assets_fts (assets_fts) VALUES ('rebuild');
CREATE INDEX assets_rid ON assets (account_id, rid);

-- The new indexes need statistics, or the planner guesses an equality on one matches ten rows
-- and prefers it to the index that already holds the list's order.
ANALYZE customers;
ANALYZE contacts;
ANALYZE locations;
ANALYZE assets;
