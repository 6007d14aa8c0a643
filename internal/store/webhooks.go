package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// Webhook endpoints and their delivery log (PRODUCT.md §7). Only Admins manage them
// (PermAdminister); an endpoint of another account is not found. The outbox itself, written by
// every change and read by the dispatcher, is outbox.go.

// webhookCols is the select list of an endpoint (its secrets apart).
const webhookCols = "id, account_id, url, events, description, secret_rotated_at, previous_secret_until, created_at, updated_at, version"

// scanWebhook reads one endpoint of webhookCols.
func scanWebhook(row interface{ Scan(...any) error }) (*steward.Webhook, error) {
	var w steward.Webhook
	var events string
	err := row.Scan(&w.ID, &w.AccountID, &w.URL, &events, &w.Description,
		nullable[steward.Timestamp]{&w.SecretRotatedAt}, nullable[steward.Timestamp]{&w.PreviousSecretExpiresAt},
		&w.CreatedAt, &w.UpdatedAt, &w.Version)
	if err != nil {
		return nil, err
	}
	w.Events = parseEvents(events)
	return &w, nil
}

// parseEvents and joinEvents are the events column: the types, space-separated.
func parseEvents(s string) []steward.WebhookEventType {
	out := []steward.WebhookEventType{}
	for _, e := range strings.Fields(s) {
		out = append(out, steward.WebhookEventType(e))
	}
	return out
}

func joinEvents(es []steward.WebhookEventType) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = string(e)
	}
	return strings.Join(s, " ")
}

// newWebhookSecret is a signing secret as Standard Webhooks writes one: whsec_ and the base64 of
// 32 random bytes.
func newWebhookSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// getWebhook reads one endpoint of the account, locked for a change when lock says so.
func getWebhook(ctx context.Context, r q, accountID, id string, lock lockMode) (*steward.Webhook, error) {
	if !steward.IsID(id) {
		return nil, steward.NotFound("webhook")
	}
	w, err := scanWebhook(r.row(ctx, "SELECT "+webhookCols+" FROM webhooks WHERE account_id = ? AND id = ?"+r.d.lock(lock), accountID, id))
	if isNoRows(err) {
		return nil, steward.NotFound("webhook")
	}
	return w, err
}

// Webhooks lists the account's endpoints, oldest first (at most steward.MaxWebhooks).
func (s *Store) Webhooks(ctx context.Context, a *steward.Actor) ([]steward.Webhook, error) {
	if err := a.Require(steward.PermAdminister); err != nil {
		return nil, err
	}
	rows, err := s.reader().query(ctx, "SELECT "+webhookCols+" FROM webhooks WHERE account_id = ? ORDER BY id", a.AccountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []steward.Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *w)
	}
	return out, rows.Err()
}

// Webhook reads one endpoint of the account.
func (s *Store) Webhook(ctx context.Context, a *steward.Actor, id string) (*steward.Webhook, error) {
	if err := a.Require(steward.PermAdminister); err != nil {
		return nil, err
	}
	return getWebhook(ctx, s.reader(), a.AccountID, id, noLock)
}

// checkAddress refuses an endpoint whose host is private, unless the installation allows it.
func (s *Store) checkAddress(ctx context.Context, url string) error {
	return steward.CheckWebhookAddress(ctx, url, s.webhookAllowPrivate, nil)
}

// webhookChanges is what the audit log records of an endpoint: never its secret.
func webhookChanges(f steward.WebhookFields) map[string]any {
	return map[string]any{"url": f.URL, "events": joinEvents(f.Events), "description": f.Description}
}

// CreateWebhook registers an endpoint with a new secret, returned once.
func (s *Store) CreateWebhook(ctx context.Context, a *steward.Actor, f steward.WebhookFields) (*steward.Webhook, error) {
	if err := a.Require(steward.PermAdminister); err != nil {
		return nil, err
	}
	if err := f.Normalize(); err != nil {
		return nil, err
	}
	if err := s.checkAddress(ctx, f.URL); err != nil {
		return nil, err
	}
	return writeAs(ctx, s, a, steward.PermAdminister, func(t *tx) (*steward.Webhook, error) {
		if err := t.claimIdempotency(ctx); err != nil {
			return nil, err
		}
		// The account's row first: two creates at once count one after the other.
		if _, err := t.exec(ctx, "SELECT id FROM accounts WHERE id = ?"+t.d.lock(lockWrite), a.AccountID); err != nil {
			return nil, err
		}
		var n int
		if err := t.row(ctx, "SELECT COUNT(*) FROM webhooks WHERE account_id = ?", a.AccountID).Scan(&n); err != nil {
			return nil, err
		}
		if n >= steward.MaxWebhooks {
			return nil, steward.Errorf(steward.ECONFLICT, "an account has at most %d webhook endpoints; delete one first", steward.MaxWebhooks)
		}
		w := &steward.Webhook{ID: newID(), AccountID: a.AccountID, WebhookFields: f, CreatedAt: t.now, UpdatedAt: t.now,
			Version: 1, Secret: newWebhookSecret()}
		if _, err := t.exec(ctx, "INSERT INTO webhooks (account_id, id, url, events, description, secret, created_at, updated_at, version) "+
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)", w.AccountID, w.ID, w.URL, joinEvents(w.Events), w.Description, w.Secret, t.now, t.now); err != nil {
			return nil, err
		}
		if err := t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionCreate, objectType: steward.ObjectWebhook,
			objectID: w.ID, objectName: w.URL, changes: diff(nil, webhookChanges(f))}); err != nil {
			return nil, err
		}
		return w, t.recordIdempotency(ctx, steward.ObjectWebhook, w.ID, w)
	})
}

// UpdateWebhook applies change to the endpoint's fields under ifMatch.
func (s *Store) UpdateWebhook(ctx context.Context, a *steward.Actor, id string, ifMatch int64,
	change func(*steward.WebhookFields) error) (*steward.Webhook, error) {
	if err := a.Require(steward.PermAdminister); err != nil {
		return nil, err
	}
	// The new URL's address is checked outside the transaction (a DNS lookup may take seconds):
	// the change is computed once on the stored fields to learn it, and again under the lock.
	cur, err := getWebhook(ctx, s.reader(), a.AccountID, id, noLock)
	if err != nil {
		return nil, err
	}
	probe := cur.WebhookFields
	if err := change(&probe); err != nil {
		return nil, err
	}
	if err := probe.Normalize(); err != nil {
		return nil, err
	}
	if probe.URL != cur.URL {
		if err := s.checkAddress(ctx, probe.URL); err != nil {
			return nil, err
		}
	}
	return writeAs(ctx, s, a, steward.PermAdminister, func(t *tx) (*steward.Webhook, error) {
		old, err := getWebhook(ctx, t.q, a.AccountID, id, lockWrite)
		if err != nil {
			return nil, err
		}
		if err := checkIfMatch(ifMatch, old.Version); err != nil {
			return nil, err
		}
		f := old.WebhookFields
		f.Events = append([]steward.WebhookEventType(nil), f.Events...)
		if err := change(&f); err != nil {
			return nil, err
		}
		if err := f.Normalize(); err != nil {
			return nil, err
		}
		if f.URL != probe.URL {
			// Changed between the two reads: check the address it has now.
			if err := s.checkAddress(ctx, f.URL); err != nil {
				return nil, err
			}
		}
		changes := diff(webhookChanges(old.WebhookFields), webhookChanges(f))
		if len(changes) == 0 {
			return old, nil
		}
		if _, err := t.exec(ctx, "UPDATE webhooks SET url = ?, events = ?, description = ?, updated_at = ?, version = version + 1 "+
			"WHERE account_id = ? AND id = ?", f.URL, joinEvents(f.Events), f.Description, t.now, a.AccountID, id); err != nil {
			return nil, err
		}
		if err := t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionUpdate, objectType: steward.ObjectWebhook,
			objectID: id, objectName: f.URL, changes: changes}); err != nil {
			return nil, err
		}
		out := *old
		out.WebhookFields, out.UpdatedAt, out.Version = f, t.now, old.Version+1
		return &out, nil
	})
}

// DeleteWebhook removes the endpoint and its delivery log; the events stay with other
// endpoints' deliveries.
func (s *Store) DeleteWebhook(ctx context.Context, a *steward.Actor, id string, ifMatch int64) error {
	_, err := writeAs(ctx, s, a, steward.PermAdminister, func(t *tx) (struct{}, error) {
		old, err := getWebhook(ctx, t.q, a.AccountID, id, lockWrite)
		if err != nil {
			return struct{}{}, err
		}
		if err := checkIfMatch(ifMatch, old.Version); err != nil {
			return struct{}{}, err
		}
		for _, q := range []string{"DELETE FROM webhook_deliveries WHERE account_id = ? AND webhook_id = ?",
			"DELETE FROM webhooks WHERE account_id = ? AND id = ?"} {
			if _, err := t.exec(ctx, q, a.AccountID, id); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionDelete, objectType: steward.ObjectWebhook,
			objectID: id, objectName: old.URL, changes: diff(webhookChanges(old.WebhookFields), nil)})
	})
	return err
}

// RotateWebhookSecret replaces the endpoint's secret; the one it replaces signs beside it for
// steward.WebhookSecretOverlap (a second rotation within it drops the oldest).
func (s *Store) RotateWebhookSecret(ctx context.Context, a *steward.Actor, id string) (*steward.Webhook, error) {
	return writeAs(ctx, s, a, steward.PermAdminister, func(t *tx) (*steward.Webhook, error) {
		old, err := getWebhook(ctx, t.q, a.AccountID, id, lockWrite)
		if err != nil {
			return nil, err
		}
		secret := newWebhookSecret()
		until := steward.TimestampOf(t.now.Add(steward.WebhookSecretOverlap))
		if _, err := t.exec(ctx, "UPDATE webhooks SET previous_secret = secret, previous_secret_until = ?, secret = ?, "+
			"secret_rotated_at = ?, updated_at = ?, version = version + 1 WHERE account_id = ? AND id = ?",
			until, secret, t.now, t.now, a.AccountID, id); err != nil {
			return nil, err
		}
		now := t.now
		if err := t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionRotateSecret, objectType: steward.ObjectWebhook,
			objectID: id, objectName: old.URL, changes: []steward.Change{{Field: "secret_rotated_at", Old: tsOrNil(old.SecretRotatedAt),
				New: now.String()}}}); err != nil {
			return nil, err
		}
		out := *old
		out.Secret, out.SecretRotatedAt, out.PreviousSecretExpiresAt = secret, &now, &until
		out.UpdatedAt, out.Version = t.now, old.Version+1
		return &out, nil
	})
}

func tsOrNil(t *steward.Timestamp) any {
	if t == nil {
		return nil
	}
	return t.String()
}

// deliveryCols is the select list of a delivery.
const deliveryCols = "id, webhook_id, event_id, event_type, status, attempts, next_attempt_at, last_attempt_at, " +
	"response_code, duration_ms, error, redelivery_of, created_at"

func scanDelivery(row interface{ Scan(...any) error }) (*steward.WebhookDelivery, error) {
	var d steward.WebhookDelivery
	var code, dur sql.Null[int64]
	err := row.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.EventType, &d.Status, &d.Attempts,
		nullable[steward.Timestamp]{&d.NextAttemptAt}, nullable[steward.Timestamp]{&d.LastAttemptAt},
		&code, &dur, &d.Error, nullable[string]{&d.RedeliveryOf}, &d.CreatedAt)
	if err != nil {
		return nil, err
	}
	if code.Valid {
		c := int(code.V)
		d.ResponseCode = &c
	}
	if dur.Valid {
		d.DurationMS = &dur.V
	}
	if d.Status != steward.DeliveryPending {
		d.NextAttemptAt = nil
	}
	return &d, nil
}

// WebhookDeliveries lists an endpoint's deliveries, newest first, a page at a time.
func (s *Store) WebhookDeliveries(ctx context.Context, a *steward.Actor, webhookID string, f steward.DeliveryFilter) (*steward.Page[steward.WebhookDelivery], error) {
	if err := a.Require(steward.PermAdminister); err != nil {
		return nil, err
	}
	r := s.reader()
	if _, err := getWebhook(ctx, r, a.AccountID, webhookID, noLock); err != nil {
		return nil, err
	}
	pr, err := openPage(f.Check, steward.ListParams{Limit: f.Limit, Cursor: f.Cursor}, "deliveries", webhookID, f.Status)
	if err != nil {
		return nil, err
	}
	conds := []string{"account_id = ?", "webhook_id = ?"}
	args := []any{a.AccountID, webhookID}
	if f.Status != "" {
		conds, args = append(conds, "status = ?"), append(args, string(f.Status))
	}
	if pr.c != nil {
		conds, args = append(conds, "id < ?"), append(args, pr.c.ID)
	}
	rows, err := r.query(ctx, "SELECT "+deliveryCols+" FROM webhook_deliveries WHERE "+strings.Join(conds, " AND ")+
		" ORDER BY id DESC LIMIT ?", append(args, pr.limit+1)...)
	if err != nil {
		return nil, err
	}
	got, err := collect(rows, func(rows *sql.Rows, key *any) (steward.WebhookDelivery, string, error) {
		d, err := scanDelivery(rows)
		if err != nil {
			return steward.WebhookDelivery{}, "", err
		}
		*key = ""
		return *d, d.ID, nil
	}, nil, nil, pr.limit+1)
	if err != nil {
		return nil, err
	}
	return closePage(got, pr.limit, pr.sig), nil
}

// Redeliver queues the delivery's event to the endpoint again, as a new delivery due now.
func (s *Store) Redeliver(ctx context.Context, a *steward.Actor, webhookID, deliveryID string) (*steward.WebhookDelivery, error) {
	return writeAs(ctx, s, a, steward.PermAdminister, func(t *tx) (*steward.WebhookDelivery, error) {
		if _, err := getWebhook(ctx, t.q, a.AccountID, webhookID, noLock); err != nil {
			return nil, err
		}
		if !steward.IsID(deliveryID) {
			return nil, steward.NotFound("delivery")
		}
		prev, err := scanDelivery(t.row(ctx, "SELECT "+deliveryCols+" FROM webhook_deliveries WHERE account_id = ? AND id = ? AND webhook_id = ?",
			a.AccountID, deliveryID, webhookID))
		if isNoRows(err) {
			return nil, steward.NotFound("delivery")
		}
		if err != nil {
			return nil, err
		}
		d := &steward.WebhookDelivery{ID: newID(), WebhookID: webhookID, EventID: prev.EventID, EventType: prev.EventType,
			Status: steward.DeliveryPending, NextAttemptAt: &t.now, RedeliveryOf: &prev.ID, CreatedAt: t.now}
		if err := t.insertDelivery(ctx, a.AccountID, d); err != nil {
			return nil, err
		}
		return d, nil
	})
}

// insertDelivery queues d.
func (t *tx) insertDelivery(ctx context.Context, accountID string, d *steward.WebhookDelivery) error {
	_, err := t.exec(ctx, "INSERT INTO webhook_deliveries (account_id, id, webhook_id, event_id, event_type, status, attempts, "+
		"next_attempt_at, redelivery_of, created_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)",
		accountID, d.ID, d.WebhookID, d.EventID, string(d.EventType), t.now, nullText(d.RedeliveryOf), t.now)
	t.queued = true
	return err
}
