-- Moves recorded before: the customer a location left is the old value of its customer_id change
-- (the event already says so; this only makes it findable). Moves to no customer already carry
-- the customer left as their customer_id.
UPDATE audit_events SET previous_customer_id = (
    SELECT c->>'old' FROM jsonb_array_elements(audit_events.changes::jsonb) AS c
    WHERE c->>'field' = 'customer_id' AND c->>'old' IS DISTINCT FROM audit_events.customer_id)
WHERE object_type = 'location' AND action = 'update' AND changes LIKE '%"field":"customer_id"%';
