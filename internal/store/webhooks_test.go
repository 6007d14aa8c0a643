package store_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// publicHook is an endpoint on a public address (TEST-NET-3), so no name is resolved.
func publicHook(events ...steward.WebhookEventType) steward.WebhookFields {
	return steward.WebhookFields{URL: "https://203.0.113.7/hooks", Events: events}
}

func deliveries(t *testing.T, s *store.Store, a *steward.Actor, hookID string) []steward.WebhookDelivery {
	t.Helper()
	return must(s.WebhookDeliveries(ctx, a, hookID, steward.DeliveryFilter{Limit: steward.MaxLimit})).Data
}

// TestWebhookOutboxInTransaction: a change writes its event and one delivery per subscribed
// endpoint in its transaction; unsubscribed types, refused changes and accounts without
// endpoints write none.
func TestWebhookOutboxInTransaction(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		h := must(s.CreateWebhook(ctx, o.admin, publicHook("customer.created", "asset.location_changed")))
		if len(h.Secret) < len("whsec_")+32 || h.Secret[:6] != "whsec_" {
			t.Fatalf("secret %q", h.Secret)
		}
		other := must(s.CreateWebhook(ctx, o.admin, publicHook("customer.updated")))
		c := mkCustomer(t, s, o.admin, "Hooked Customer")
		got := deliveries(t, s, o.admin, h.ID)
		if len(got) != 1 || got[0].EventType != "customer.created" || got[0].Status != steward.DeliveryPending || got[0].Attempts != 0 {
			t.Fatalf("deliveries after a create: %+v", got)
		}
		if d := deliveries(t, s, o.admin, other.ID); len(d) != 0 {
			t.Errorf("an endpoint not subscribed to customer.created got %+v", d)
		}
		// The event is the audit event's, with its field-level changes.
		var payload string
		if err := raw.db.QueryRowContext(ctx, raw.rebind("SELECT payload FROM webhook_events WHERE account_id = ? AND id = ?"),
			o.acc.ID, got[0].EventID).Scan(&payload); err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		ok(t, json.Unmarshal([]byte(payload), &body))
		audit := auditFor(t, s, o.admin, c.ID)
		if body["id"] != audit[0].ID || body["type"] != "customer.created" || body["object_id"] != c.ID || body["account_id"] != o.acc.ID {
			t.Errorf("event body %s", payload)
		}
		if ch, _ := body["changes"].([]any); len(ch) == 0 {
			t.Errorf("event without changes: %s", payload)
		}
		// A refused change writes nothing.
		_, err := s.CreateCustomer(ctx, o.admin, steward.CustomerFields{Name: ""})
		wantCode(t, err, steward.EINVALID)
		if d := deliveries(t, s, o.admin, h.ID); len(d) != 1 {
			t.Errorf("a refused create queued a delivery: %d", len(d))
		}
		// An asset moving is asset.location_changed; other updates are not.
		l1, l2 := mkLocation(t, s, o.admin, "", "Yard A"), mkLocation(t, s, o.admin, "", "Yard B")
		x := mkAsset(t, s, o.admin, "Crane", "", l1.ID)
		must(s.UpdateAsset(ctx, o.admin, x.ID, 0, func(f *steward.AssetFields) error { f.LocationID = &l2.ID; return nil }))
		must(s.UpdateAsset(ctx, o.admin, x.ID, 0, func(f *steward.AssetFields) error { f.Name = "Big crane"; return nil }))
		var types []string
		for _, d := range deliveries(t, s, o.admin, h.ID) {
			types = append(types, string(d.EventType))
		}
		if want := []string{"asset.location_changed", "customer.created"}; !slices.Equal(types, want) {
			t.Errorf("delivered types %v, want %v (newest first)", types, want)
		}
		// Another organization's changes reach none of these endpoints.
		o2 := newOrg(t, s)
		mkCustomer(t, s, o2.admin, "Elsewhere")
		if d := deliveries(t, s, o.admin, h.ID); len(d) != 2 {
			t.Errorf("another organization's change was delivered here: %d", len(d))
		}
	})
}

// TestWebhookRules: Admins only, another account's endpoint is not found, fields are checked
// naming the field, private addresses are refused.
func TestWebhookRules(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o, o2 := newOrg(t, s), newOrg(t, s)
		h := must(s.CreateWebhook(ctx, o.admin, publicHook("customer.created")))
		for _, role := range []steward.Role{steward.RoleFleetAdmin, steward.RoleUser, steward.RoleTechnician} {
			a := o.keyActor(t, s, role, false)
			_, err := s.CreateWebhook(ctx, a, publicHook("customer.created"))
			wantCode(t, err, steward.EFORBIDDEN)
			_, err = s.Webhooks(ctx, a)
			wantCode(t, err, steward.EFORBIDDEN)
		}
		_, err := s.Webhook(ctx, o2.admin, h.ID)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = s.UpdateWebhook(ctx, o2.admin, h.ID, 0, func(f *steward.WebhookFields) error { f.Description = "x"; return nil })
		wantCode(t, err, steward.ENOTFOUND)
		wantCode(t, s.DeleteWebhook(ctx, o2.admin, h.ID, 0), steward.ENOTFOUND)
		_, err = s.RotateWebhookSecret(ctx, o2.admin, h.ID)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = s.WebhookDeliveries(ctx, o2.admin, h.ID, steward.DeliveryFilter{})
		wantCode(t, err, steward.ENOTFOUND)
		_, err = s.Redeliver(ctx, o2.admin, h.ID, h.ID)
		wantCode(t, err, steward.ENOTFOUND)

		_, err = s.CreateWebhook(ctx, o.admin, publicHook("customer.created", "customer.exploded"))
		wantField(t, err, steward.EINVALID, "events[1]")
		_, err = s.CreateWebhook(ctx, o.admin, publicHook())
		wantField(t, err, steward.EINVALID, "events")
		for _, u := range []string{"http://127.0.0.1/x", "http://10.1.2.3/", "https://[::1]/", "http://169.254.169.254/latest",
			"http://localhost:8080/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://192.168.1.1/",
			"ftp://203.0.113.7/", "https://user:pw@203.0.113.7/", "not a url", "https://203.0.113.7/\u200b",
			"https://" + string(make([]byte, 3000)), "https:///nohost"} {
			_, err := s.CreateWebhook(ctx, o.admin, steward.WebhookFields{URL: u, Events: []steward.WebhookEventType{"customer.created"}})
			wantField(t, err, steward.EINVALID, "url")
		}
		// A change to a private address is refused too, and changes nothing.
		_, err = s.UpdateWebhook(ctx, o.admin, h.ID, 0, func(f *steward.WebhookFields) error { f.URL = "http://127.0.0.1/"; return nil })
		wantField(t, err, steward.EINVALID, "url")
		if got := must(s.Webhook(ctx, o.admin, h.ID)); got.URL != h.URL || got.Version != 1 || got.Secret != "" {
			t.Errorf("after a refused change: %+v", got)
		}
		// If-Match.
		_, err = s.UpdateWebhook(ctx, o.admin, h.ID, 7, func(f *steward.WebhookFields) error { f.Description = "x"; return nil })
		wantCode(t, err, steward.EPRECONDITION)
		up := must(s.UpdateWebhook(ctx, o.admin, h.ID, 1, func(f *steward.WebhookFields) error {
			f.Events = []steward.WebhookEventType{"asset.created"}
			return nil
		}))
		if up.Version != 2 || !slices.Equal(up.Events, []steward.WebhookEventType{"asset.created"}) {
			t.Errorf("updated: %+v", up)
		}
		// The audit log records endpoints without their secrets.
		events := auditFor(t, s, o.admin, h.ID)
		if len(events) != 2 {
			t.Errorf("audit events of the endpoint: %d, want 2", len(events))
		}
		for _, e := range events {
			if b, _ := json.Marshal(e); strings.Contains(string(b), h.Secret[6:]) {
				t.Errorf("audit event holds the secret: %s", b)
			}
		}
		ok(t, s.DeleteWebhook(ctx, o.admin, h.ID, 2))
		_, err = s.Webhook(ctx, o.admin, h.ID)
		wantCode(t, err, steward.ENOTFOUND)
	})
}

// TestWebhookDeliveryLifecycle: a claimed delivery counts its attempt, is retried on the
// schedule and fails when it is done; a success ends it; a redelivery is a new delivery; a
// rotated secret signs beside the new one.
func TestWebhookDeliveryLifecycle(t *testing.T) {
	eachEngineFresh(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		h := must(s.CreateWebhook(ctx, o.admin, publicHook("customer.created")))
		mkCustomer(t, s, o.admin, "One")
		schedule := []time.Duration{0, time.Hour}
		got := must(s.ClaimDeliveries(ctx, 10, time.Minute))
		if len(got) != 1 || got[0].Attempt != 1 || got[0].URL != h.URL || !slices.Equal(got[0].Secrets, []string{h.Secret}) {
			t.Fatalf("claimed %+v", got)
		}
		if again := must(s.ClaimDeliveries(ctx, 10, time.Minute)); len(again) != 0 {
			t.Fatalf("claimed twice: %+v", again)
		}
		now := steward.Now()
		ok(t, s.FinishDeliveries(ctx, []steward.FinishedDelivery{{OutboxDelivery: got[0], Result: steward.DeliveryResult{At: now, ResponseCode: 500, Duration: 12 * time.Millisecond,
			Err: "HTTP 500"}}}, schedule))
		d := deliveries(t, s, o.admin, h.ID)[0]
		if d.Status != steward.DeliveryPending || d.Attempts != 1 || d.ResponseCode == nil || *d.ResponseCode != 500 ||
			d.NextAttemptAt == nil || d.NextAttemptAt.Sub(now.Time) != time.Hour || *d.DurationMS != 12 {
			t.Fatalf("after a failure: %+v", d)
		}
		// Not due for an hour; make it due and fail it again: the schedule is done.
		if c := must(s.ClaimDeliveries(ctx, 10, time.Minute)); len(c) != 0 {
			t.Fatalf("claimed before due: %+v", c)
		}
		raw.exec(t, "UPDATE webhook_deliveries SET next_attempt_at = 0 WHERE id = ?", d.ID)
		got = must(s.ClaimDeliveries(ctx, 10, time.Minute))
		if len(got) != 1 || got[0].Attempt != 2 {
			t.Fatalf("second claim %+v", got)
		}
		ok(t, s.FinishDeliveries(ctx, []steward.FinishedDelivery{{OutboxDelivery: got[0], Result: steward.DeliveryResult{At: steward.Now(), Err: "connection refused"}}}, schedule))
		d = deliveries(t, s, o.admin, h.ID)[0]
		if d.Status != steward.DeliveryFailed || d.Attempts != 2 || d.ResponseCode != nil || d.NextAttemptAt != nil {
			t.Fatalf("after the last failure: %+v", d)
		}
		// Redeliver by hand: a new delivery of the same event, due now; its success ends it.
		rd := must(s.Redeliver(ctx, o.admin, h.ID, d.ID))
		if rd.EventID != d.EventID || rd.ID == d.ID || *rd.RedeliveryOf != d.ID || rd.Status != steward.DeliveryPending {
			t.Fatalf("redelivery %+v", rd)
		}
		// A rotated secret signs beside the new one.
		rot := must(s.RotateWebhookSecret(ctx, o.admin, h.ID))
		if rot.Secret == h.Secret || rot.PreviousSecretExpiresAt == nil {
			t.Fatalf("rotated %+v", rot)
		}
		got = must(s.ClaimDeliveries(ctx, 10, time.Minute))
		if len(got) != 1 || got[0].ID != rd.ID || !slices.Equal(got[0].Secrets, []string{rot.Secret, h.Secret}) {
			t.Fatalf("claimed redelivery %+v", got)
		}
		ok(t, s.FinishDeliveries(ctx, []steward.FinishedDelivery{{OutboxDelivery: got[0], Result: steward.DeliveryResult{At: steward.Now(), ResponseCode: 204}}}, schedule))
		all := deliveries(t, s, o.admin, h.ID)
		if all[0].Status != steward.DeliverySucceeded || all[1].Status != steward.DeliveryFailed {
			t.Errorf("log %+v", all)
		}
		if f := must(s.WebhookDeliveries(ctx, o.admin, h.ID, steward.DeliveryFilter{Status: steward.DeliveryFailed})).Data; len(f) != 1 {
			t.Errorf("failed filter: %+v", f)
		}
		// Pages, newest first.
		p1 := must(s.WebhookDeliveries(ctx, o.admin, h.ID, steward.DeliveryFilter{Limit: 1}))
		p2 := must(s.WebhookDeliveries(ctx, o.admin, h.ID, steward.DeliveryFilter{Limit: 1, Cursor: *p1.NextCursor}))
		if p1.Data[0].ID != rd.ID || p2.Data[0].ID != d.ID || p2.NextCursor != nil {
			t.Errorf("pages %+v %+v", p1, p2)
		}
		// Deleting the endpoint removes its log.
		ok(t, s.DeleteWebhook(ctx, o.admin, h.ID, 0))
	})
}

// TestWebhookClaimOnce: two dispatchers (two store handles on one database) claiming at once
// deliver each delivery exactly once (FOR UPDATE SKIP LOCKED on PostgreSQL).
func TestWebhookClaimOnce(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			var handles []*store.Store
			for range 2 {
				s, err := store.Open(ctx, dsn, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				if _, err := s.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				handles = append(handles, s)
			}
			defer catchMust(t)
			s := handles[0]
			o := newOrg(t, s)
			must(s.CreateWebhook(ctx, o.admin, publicHook("customer.created")))
			must(s.CreateWebhook(ctx, o.admin, publicHook("customer.created", "customer.updated")))
			const n = 60
			for i := range n {
				mkCustomer(t, s, o.admin, fmt.Sprintf("Claimed %d", i))
			}
			var mu sync.Mutex
			seen := map[string]int{}
			var wg sync.WaitGroup
			for _, h := range handles {
				for range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							got, err := h.ClaimDeliveries(ctx, 7, time.Minute)
							if err != nil {
								t.Error(err)
								return
							}
							if len(got) == 0 {
								return
							}
							for _, d := range got {
								mu.Lock()
								seen[d.ID]++
								mu.Unlock()
								if err := h.FinishDeliveries(ctx, []steward.FinishedDelivery{{OutboxDelivery: d,
									Result: steward.DeliveryResult{At: steward.Now(), ResponseCode: 200}}}, steward.WebhookRetrySchedule); err != nil {
									t.Error(err)
								}
							}
						}
					}()
				}
			}
			wg.Wait()
			if len(seen) != 2*n {
				t.Errorf("%d deliveries claimed, want %d", len(seen), 2*n)
			}
			for id, k := range seen {
				if k != 1 {
					t.Errorf("delivery %s claimed %d times", id, k)
				}
			}
		})
	}
}

// TestWebhooksGoWithTheirAccount: a deleted sub-account's endpoints, events and deliveries go
// with it.
func TestWebhooksGoWithTheirAccount(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		sub := must(s.CreateSubAccount(ctx, o.admin, steward.SubAccountFields{Name: "Hooked depot", Email: "depot@example.com", Country: "DE"}))
		in := steward.SystemActor(sub.ID)
		must(s.CreateWebhook(ctx, in, publicHook("customer.created", "customer.deleted")))
		c := mkCustomer(t, s, in, "Short-lived")
		ok(t, s.DeleteCustomer(ctx, in, c.ID, 0))
		if n := raw.int(t, "SELECT COUNT(*) FROM webhook_deliveries WHERE account_id = ?", sub.ID); n != 2 {
			t.Fatalf("%d deliveries before the delete, want 2", n)
		}
		ok(t, s.DeleteSubAccount(ctx, o.admin, sub.ID, 0))
		for _, table := range []string{"webhooks", "webhook_events", "webhook_deliveries"} {
			if n := raw.int(t, "SELECT COUNT(*) FROM "+table+" WHERE account_id = ?", sub.ID); n != 0 {
				t.Errorf("%s keeps %d rows of the deleted account", table, n)
			}
		}
	})
}
