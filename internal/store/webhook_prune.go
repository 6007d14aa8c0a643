package store

import (
	"context"
	"time"
)

// WebhookRetention is how long the delivery log keeps a finished delivery (succeeded or failed)
// and, once none of its deliveries is left, its event. A pending delivery stays until its
// schedule ends, however old.
const WebhookRetention = 30 * 24 * time.Hour

// pruneBatch is how many rows one pruning transaction deletes: short transactions, so the
// dispatcher's claims and the API's writes never wait long behind a pruning pass.
const pruneBatch = 5000

// PruneWebhookHistory deletes the finished deliveries created before now less WebhookRetention,
// then the events older than that which no delivery refers to any more, a batch per
// transaction, and returns how many deliveries and events went.
func (s *Store) PruneWebhookHistory(ctx context.Context) (deliveries, events int64, err error) {
	before := time.Now().Add(-WebhookRetention).UnixMicro()
	for _, step := range []struct {
		n     *int64
		query string
	}{
		{&deliveries, `DELETE FROM webhook_deliveries WHERE (account_id, id) IN (SELECT account_id, id FROM webhook_deliveries
			WHERE status <> 'pending' AND created_at < ? LIMIT ?)`},
		{&events, `DELETE FROM webhook_events WHERE (account_id, id) IN (SELECT e.account_id, e.id FROM webhook_events e
			WHERE e.at < ? AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.account_id = e.account_id AND d.event_id = e.id) LIMIT ?)`},
	} {
		for {
			var got int64
			err := s.write(ctx, func(t *tx) error {
				res, err := t.exec(ctx, step.query, before, pruneBatch)
				if err != nil {
					return err
				}
				got, err = res.RowsAffected()
				return err
			})
			if err != nil {
				return deliveries, events, err
			}
			*step.n += got
			if got < pruneBatch || ctx.Err() != nil {
				break
			}
		}
	}
	return deliveries, events, ctx.Err()
}
