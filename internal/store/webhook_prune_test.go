package store_test

import (
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// TestPruneWebhookHistory: finished deliveries past the retention go, with the events none of
// whose deliveries is left; a pending delivery stays however old, with its event, and so do
// recent ones; a second pass has nothing to do.
func TestPruneWebhookHistory(t *testing.T) {
	eachEngineFresh(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		h := must(s.CreateWebhook(ctx, o.admin, publicHook("customer.created")))
		for _, name := range []string{"Old ok", "Old failed", "Old pending", "New ok"} {
			mkCustomer(t, s, o.admin, name)
		}
		old := time.Now().Add(-store.WebhookRetention - time.Hour).UnixMicro()
		set := func(name string, status steward.DeliveryStatus, aged bool) {
			t.Helper()
			var id, event string
			if err := raw.db.QueryRow(raw.rebind(`SELECT d.id, d.event_id FROM webhook_deliveries d JOIN webhook_events e
				ON e.account_id = d.account_id AND e.id = d.event_id WHERE d.account_id = ? AND e.payload LIKE ?`),
				o.acc.ID, `%"name":"`+name+`"%`).Scan(&id, &event); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			raw.exec(t, "UPDATE webhook_deliveries SET status = ? WHERE account_id = ? AND id = ?", string(status), o.acc.ID, id)
			if aged {
				raw.exec(t, "UPDATE webhook_deliveries SET created_at = ? WHERE account_id = ? AND id = ?", old, o.acc.ID, id)
				raw.exec(t, "UPDATE webhook_events SET at = ? WHERE account_id = ? AND id = ?", old, o.acc.ID, event)
			}
		}
		set("Old ok", steward.DeliverySucceeded, true)
		set("Old failed", steward.DeliveryFailed, true)
		set("Old pending", steward.DeliveryPending, true)
		set("New ok", steward.DeliverySucceeded, false)
		d, e := must2(s.PruneWebhookHistory(ctx))
		if d != 2 || e != 2 {
			t.Errorf("pruned %d deliveries and %d events, want 2 and 2", d, e)
		}
		left := deliveries(t, s, o.admin, h.ID)
		if len(left) != 2 || raw.int(t, "SELECT COUNT(*) FROM webhook_events WHERE account_id = ?", o.acc.ID) != 2 {
			t.Errorf("left %d deliveries: %+v", len(left), left)
		}
		for _, dl := range left {
			if dl.Status == steward.DeliveryFailed {
				t.Errorf("the old failed delivery is still there: %+v", dl)
			}
		}
		if d, e := must2(s.PruneWebhookHistory(ctx)); d != 0 || e != 0 {
			t.Errorf("a second pass pruned %d and %d", d, e)
		}
	})
}
