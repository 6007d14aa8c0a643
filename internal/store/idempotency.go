package store

import (
	"context"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// Idempotency-Key records live 24 hours; a pending claim older than idemStale is taken to belong
// to a request that died before creating anything, and may be claimed again.
const (
	idemTTL   = 24 * time.Hour
	idemStale = time.Minute
)

// ClaimIdempotencyKey records a pending claim, or returns the existing record.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, i steward.Idempotency, requestHash string) (*steward.IdempotentResult, error) {
	var out *steward.IdempotentResult
	err := s.write(ctx, func(t *tx) error {
		// Expired records of this key are gone for good; others are swept by PruneIdempotencyKeys.
		if _, err := t.exec(ctx, "DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND created_at < ?",
			i.Scope, i.Key, t.now.Add(-idemTTL).UnixMicro()); err != nil {
			return err
		}
		// Claim first: of two first uses at once, one inserts and the other waits for it and then
		// reads its record (in progress, or done).
		res, err := t.exec(ctx, `INSERT INTO idempotency_keys (scope, key, request_hash, state, created_at)
			VALUES (?, ?, ?, 'pending', ?) ON CONFLICT (scope, key) DO NOTHING`, i.Scope, i.Key, requestHash, t.now.Micros())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var r steward.IdempotentResult
		var body string
		var created int64
		err = t.row(ctx, `SELECT state, request_hash, status, body, object_type, object_id, created_at FROM idempotency_keys
			WHERE scope = ? AND key = ?`+s.d.forUpdate(), i.Scope, i.Key).Scan(&r.State, &r.RequestHash, &r.Status, &body,
			&r.ObjectType, &r.ObjectID, &created)
		if err != nil {
			return err
		}
		r.Body, r.CreatedAt = []byte(body), steward.FromMicros(created)
		if r.State == steward.IdempotencyPending && r.ObjectID == "" && r.RequestHash == requestHash && t.now.Sub(r.CreatedAt.Time) > idemStale {
			// The first attempt died before its create committed: this one takes the claim over.
			_, err = t.exec(ctx, "UPDATE idempotency_keys SET created_at = ? WHERE scope = ? AND key = ?", t.now.Micros(), i.Scope, i.Key)
			return err
		}
		out = &r
		return nil
	})
	return out, err
}

// bindIdempotency ties the object a create made to the request's Idempotency-Key claim, in the
// create's transaction: either both commit or neither does, so a retry never creates twice.
func (t *tx) bindIdempotency(ctx context.Context, objectType, objectID string) error {
	i := steward.IdempotencyFromContext(ctx)
	if i == nil {
		return nil
	}
	res, err := t.exec(ctx, `UPDATE idempotency_keys SET object_type = ?, object_id = ? WHERE scope = ? AND key = ?
		AND state = 'pending' AND object_id = ''`, objectType, objectID, i.Scope, i.Key)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return steward.Errorf(steward.ECONFLICT, "a request with this Idempotency-Key is still in progress")
	}
	return nil
}

// CompleteIdempotencyKey stores the response of a claimed create.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, i steward.Idempotency, status int, body []byte) error {
	return s.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, "UPDATE idempotency_keys SET state = 'done', status = ?, body = ? WHERE scope = ? AND key = ?",
			status, string(body), i.Scope, i.Key)
		return err
	})
}

// ReleaseIdempotencyKey drops a pending claim whose request failed, so the client may retry it.
// A claim already bound to a created object is kept.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, i steward.Idempotency) error {
	return s.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, "DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND state = 'pending' AND object_id = ''",
			i.Scope, i.Key)
		return err
	})
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
