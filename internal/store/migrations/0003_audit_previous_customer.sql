-- A location that moves to another customer leaves the old customer's history too: its audit
-- event also names the customer it left, and the customer_id filter finds an event by either
-- column, each through its own index. Only such moves set the column, so the index is partial.
ALTER TABLE audit_events ADD COLUMN previous_customer_id TEXT {{C}};
CREATE INDEX audit_previous_customer ON audit_events (account_id, previous_customer_id, at, id)
    WHERE previous_customer_id IS NOT NULL;
