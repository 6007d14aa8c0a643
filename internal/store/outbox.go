package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// The webhook outbox. Every change writes its audit row through (*tx).audit, which calls outbox:
// when an endpoint of the account subscribes to the change's event type, the event (its body as
// it will be sent) and one pending delivery per subscribed endpoint are written in the same
// transaction, so an event exists exactly when its change committed. An account without
// endpoints pays one indexed read of webhooks per change; bulk loading (Store.Bulk) writes no
// events. The dispatcher (internal/jobs) claims due deliveries with ClaimDeliveries and records
// each attempt with FinishDelivery.

// subscriber is one endpoint of an account as the outbox matches it.
type subscriber struct {
	id     string
	events []steward.WebhookEventType
}

// eventBody is an event as delivered (API.md, "Webhooks").
type eventBody struct {
	ID         string                   `json:"id"`
	Type       steward.WebhookEventType `json:"type"`
	Timestamp  steward.Timestamp        `json:"timestamp"`
	AccountID  string                   `json:"account_id"`
	ObjectType string                   `json:"object_type"`
	ObjectID   string                   `json:"object_id"`
	Data       eventData                `json:"data"`
	Changes    []steward.Change         `json:"changes"`
}

// eventData is the event's who and what, as its audit event records them.
type eventData struct {
	Name       string             `json:"name"`
	CustomerID *string            `json:"customer_id"`
	Action     string             `json:"action"`
	Actor      steward.AuditActor `json:"actor"`
	Source     steward.Source     `json:"source"`
	RequestID  string             `json:"request_id"`
}

// subscribers returns the account's endpoints, read once per transaction.
func (t *tx) subscribers(ctx context.Context, accountID string) ([]subscriber, error) {
	if subs, ok := t.hooks[accountID]; ok {
		return subs, nil
	}
	if t.hooks == nil {
		t.hooks = map[string][]subscriber{}
	}
	// Most accounts have no endpoint: a one-row read (a prepared statement on SQLite, where a
	// transaction's multi-row queries are not) answers them.
	var one int
	if err := t.row(ctx, "SELECT 1 FROM webhooks WHERE account_id = ? LIMIT 1", accountID).Scan(&one); isNoRows(err) {
		t.hooks[accountID] = nil
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, "SELECT id, events FROM webhooks WHERE account_id = ?", accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var subs []subscriber
	for rows.Next() {
		var s subscriber
		var events string
		if err := rows.Scan(&s.id, &events); err != nil {
			return nil, err
		}
		s.events = parseEvents(events)
		subs = append(subs, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	t.hooks[accountID] = subs
	return subs, nil
}

// outbox writes the event of audit event e (whose changes are labelled) and its deliveries, when
// an endpoint of e's account subscribes to its type. The event's id is the audit event's.
func (t *tx) outbox(ctx context.Context, e *steward.AuditEvent, changes []steward.Change) error {
	typ, ok := steward.EventTypeOf(e.ObjectType, e.Action, changes)
	if !ok {
		return nil
	}
	subs, err := t.subscribers(ctx, e.AccountID)
	if err != nil || len(subs) == 0 {
		return err
	}
	var to []string
	for _, s := range subs {
		if slices.Contains(s.events, typ) {
			to = append(to, s.id)
		}
	}
	if len(to) == 0 {
		return nil
	}
	body, err := json.Marshal(eventBody{ID: e.ID, Type: typ, Timestamp: e.At, AccountID: e.AccountID, ObjectType: e.ObjectType,
		ObjectID: e.ObjectID, Changes: changes, Data: eventData{Name: e.ObjectName, CustomerID: e.CustomerID, Action: e.Action,
			Actor: e.Actor, Source: e.Source, RequestID: e.RequestID}})
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if _, err := t.exec(ctx, "INSERT INTO webhook_events (account_id, id, type, at, payload) VALUES (?, ?, ?, ?, ?)",
		e.AccountID, e.ID, string(typ), e.At, string(body)); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	for _, id := range to {
		if err := t.insertDelivery(ctx, e.AccountID, &steward.WebhookDelivery{ID: newID(), WebhookID: id, EventID: e.ID,
			EventType: typ}); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
	}
	return nil
}

// WebhookWake receives a value after a transaction queued deliveries, so a dispatcher of this
// process starts on them at once instead of at its next poll.
func (s *Store) WebhookWake() <-chan struct{} { return s.wake }

// skipLocked is the claim's lock: rows another transaction claims are passed over on
// PostgreSQL; SQLite's one writer claims alone.
func (d dialect) skipLocked() string {
	if d == postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// queuePlan is what a claim sets first on PostgreSQL: walk the due index in order. Each claim
// and each recorded attempt leaves a dead entry in that index until vacuum; an index scan marks
// them dead as it passes and skips them next time, while a bitmap scan (which the planner picks
// for a young table, or when its statistics lag behind a burst) visits every one on every claim,
// so a burst's claims grew with all the deliveries made before them (docs/PERFORMANCE.md,
// "Webhook delivery").
func (d dialect) queuePlan() []string {
	if d == postgres {
		return []string{"SET LOCAL enable_bitmapscan = off", "SET LOCAL enable_seqscan = off"}
	}
	return nil
}

// ClaimDeliveries claims up to n deliveries due now, oldest due first: each counts an attempt
// and is due again only when lease ends (should this process die before recording it, another
// dispatcher retries it then). One UPDATE claims them; rows another transaction is claiming are
// skipped (FOR UPDATE SKIP LOCKED), so two dispatchers on one PostgreSQL never claim the same
// delivery. One more query reads their bodies, URLs and secrets.
func (s *Store) ClaimDeliveries(ctx context.Context, n int, lease time.Duration) ([]steward.OutboxDelivery, error) {
	var out []steward.OutboxDelivery
	err := s.write(ctx, func(t *tx) error {
		out = out[:0]
		for _, q := range t.d.queuePlan() {
			if _, err := t.exec(ctx, q); err != nil {
				return err
			}
		}
		until := steward.TimestampOf(t.now.Add(lease))
		rows, err := t.query(ctx, "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ? "+
			"WHERE (account_id, id) IN (SELECT account_id, id FROM webhook_deliveries "+
			"WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?"+t.d.skipLocked()+") "+
			"RETURNING account_id, id", until, t.now, n)
		if err != nil {
			return err
		}
		var keys []any
		for rows.Next() {
			var acc, id string
			if err := rows.Scan(&acc, &id); err != nil {
				rows.Close()
				return err
			}
			keys = append(keys, acc, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(keys) == 0 {
			return err
		}
		rows, err = t.query(ctx, "WITH c (account_id, id) AS (VALUES "+repeatJoin("(?, ?)", len(keys)/2)+") "+
			"SELECT d.account_id, d.id, d.webhook_id, d.event_id, d.attempts, e.payload, w.url, w.secret, w.previous_secret, "+
			"w.previous_secret_until FROM c JOIN webhook_deliveries d ON d.account_id = c.account_id AND d.id = c.id "+
			"JOIN webhook_events e ON e.account_id = d.account_id AND e.id = d.event_id "+
			"JOIN webhooks w ON w.account_id = d.account_id AND w.id = d.webhook_id ORDER BY d.next_attempt_at, d.id", keys...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d steward.OutboxDelivery
			var payload, secret string
			var prev *string
			var prevUntil *steward.Timestamp
			if err := rows.Scan(&d.AccountID, &d.ID, &d.WebhookID, &d.EventID, &d.Attempt, &payload, &d.URL, &secret,
				nullable[string]{&prev}, nullable[steward.Timestamp]{&prevUntil}); err != nil {
				return err
			}
			d.Payload, d.Secrets = []byte(payload), []string{secret}
			if prev != nil && prevUntil != nil && prevUntil.After(t.now.Time) {
				d.Secrets = append(d.Secrets, *prev)
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// repeatJoin is n copies of s, comma-separated.
func repeatJoin(s string, n int) string {
	return strings.TrimSuffix(strings.Repeat(s+", ", n), ", ")
}

// FinishDeliveries records the attempts of claimed deliveries in one statement: each
// succeeded; pending again after schedule[attempt] when it failed and the schedule goes on;
// failed otherwise. An attempt whose claim another dispatcher has taken over since (its lease
// ended) records nothing.
func (s *Store) FinishDeliveries(ctx context.Context, done []steward.FinishedDelivery, schedule []time.Duration) error {
	if len(done) == 0 {
		return nil
	}
	args := make([]any, 0, 9*len(done))
	for _, f := range done {
		r := f.Result
		status, next := steward.DeliverySucceeded, (*steward.Timestamp)(nil)
		if r.Err != "" {
			status = steward.DeliveryFailed
			if f.Attempt < len(schedule) {
				status = steward.DeliveryPending
				at := steward.TimestampOf(r.At.Add(schedule[f.Attempt]))
				next = &at
			}
		}
		var code *int64
		if r.ResponseCode != 0 {
			c := int64(r.ResponseCode)
			code = &c
		}
		errText := r.Err
		if len(errText) > 500 {
			errText = strings.ToValidUTF8(errText[:500], "")
		}
		args = append(args, f.AccountID, f.ID, f.Attempt, string(status), null(next), r.At, null(code), r.Duration.Milliseconds(), errText)
	}
	row := "(?, ?, CAST(? AS INTEGER), ?, CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS INTEGER), CAST(? AS BIGINT), ?)"
	return s.write(ctx, func(t *tx) error {
		_, err := t.exec(ctx, "WITH v (account_id, id, attempts, status, next_at, at, code, dur, err) AS (VALUES "+
			repeatJoin(row, len(done))+") UPDATE webhook_deliveries SET status = v.status, next_attempt_at = v.next_at, "+
			"last_attempt_at = v.at, response_code = v.code, duration_ms = v.dur, error = v.err FROM v "+
			"WHERE webhook_deliveries.account_id = v.account_id AND webhook_deliveries.id = v.id "+
			"AND webhook_deliveries.attempts = v.attempts AND webhook_deliveries.status = 'pending'", args...)
		return err
	})
}
