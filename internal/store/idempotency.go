package store

import (
	"context"
	"fmt"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// idemTTL is how long an Idempotency-Key record answers retries.
const idemTTL = 24 * time.Hour

// A create under an Idempotency-Key is one transaction: claimIdempotency is its first statement
// and recordIdempotency its last write, around the object, its counts and its audit row. No
// other transaction ever sees a claim without its object and response, so a crash at any point
// leaves either everything or nothing, never a key that blocks its retries.
//
// Concurrent first uses of one key: on SQLite, write transactions run one at a time, so the
// second sees the first's committed record. On PostgreSQL the second's INSERT waits on the
// unique key for the first to end, then finds its record (or, had the first rolled back, claims
// the key itself). The key row is the first row such a transaction writes, so the wait holds no
// other lock and cannot deadlock. (The web layer answers a retry racing a request of its own
// process with 409 before it reaches the store.)

// claimIdempotency claims the Idempotency-Key ctx carries, if any, for the create running in t.
// For a key recorded within the last 24 hours it returns *steward.IdempotentReplay with the
// record, and the create must stop there. A record older than that is replaced, and so is a 'pending' one, which
// only an earlier version of Steward (claiming, creating and recording in separate commits)
// could have left behind.
func (t *tx) claimIdempotency(ctx context.Context) error {
	i := steward.IdempotencyFromContext(ctx)
	if i == nil {
		return nil
	}
	if t.claim != nil {
		return fmt.Errorf("idempotency key %q claimed twice in one transaction", i.Key)
	}
	if i.Render == nil || i.Status < 100 || i.Status > 599 {
		return fmt.Errorf("idempotency key %q: a claim needs a Render function and a response status", i.Key)
	}
	res, err := t.exec(ctx, `INSERT INTO idempotency_keys (scope, key, request_hash, state, created_at)
		VALUES (?, ?, ?, 'pending', ?)
		ON CONFLICT (scope, key) DO UPDATE SET request_hash = excluded.request_hash, state = 'pending', status = 0,
			body = '', object_type = '', object_id = '', created_at = excluded.created_at
		WHERE idempotency_keys.created_at < ? OR idempotency_keys.state <> 'done'`,
		i.Scope, i.Key, i.RequestHash, t.now.Micros(), t.now.Add(-idemTTL).UnixMicro())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 1 {
		t.claim = i
		return nil
	}
	var r steward.IdempotentResult
	var body string
	if err := t.row(ctx, `SELECT request_hash, status, body, object_type, object_id, created_at FROM idempotency_keys
		WHERE scope = ? AND key = ?`, i.Scope, i.Key).Scan(&r.RequestHash, &r.Status, &body, &r.ObjectType, &r.ObjectID,
		&r.CreatedAt); err != nil {
		return err
	}
	r.Body = []byte(body)
	return &steward.IdempotentReplay{Prior: r}
}

// recordIdempotency records the response of the create claimed in t, rendered from the created
// object by the claim's Render; without a claim it does nothing.
func (t *tx) recordIdempotency(ctx context.Context, objectType, objectID string, obj any) error {
	i := t.claim
	if i == nil {
		return nil
	}
	body, err := i.Render(obj)
	if err != nil {
		return fmt.Errorf("render the response to record: %w", err)
	}
	res, err := t.exec(ctx, `UPDATE idempotency_keys SET state = 'done', status = ?, body = ?, object_type = ?, object_id = ?
		WHERE scope = ? AND key = ? AND state = 'pending'`, i.Status, string(body), objectType, objectID, i.Scope, i.Key)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return fmt.Errorf("idempotency key %q: its claim is gone", i.Key)
	}
	t.claim = nil
	return nil
}

// PruneIdempotencyKeys deletes records older than 24 hours; serve runs it periodically.
func (s *Store) PruneIdempotencyKeys(ctx context.Context) (int64, error) {
	var n int64
	err := s.write(ctx, func(t *tx) error {
		res, err := t.exec(ctx, "DELETE FROM idempotency_keys WHERE created_at < ?", t.now.Add(-idemTTL).UnixMicro())
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
