-- Moves recorded before: the customer a location left is the old value of its customer_id change
-- (the event already says so; this only makes it findable). Moves to no customer already carry
-- the customer left as their customer_id.
UPDATE audit_events SET previous_customer_id = (
    SELECT json_extract(c.value, '$.old') FROM json_each(audit_events.changes) AS c
    WHERE json_extract(c.value, '$.field') = 'customer_id'
      AND json_extract(c.value, '$.old') IS NOT audit_events.customer_id)
WHERE object_type = 'location' AND action = 'update' AND changes LIKE '%"field":"customer_id"%';
