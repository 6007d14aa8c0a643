package store_test

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// TestNotifyCreateCost measures an asset create at a customer's location in an account without
// subscriptions, and with a subscriber of that customer (one mail written per create), when
// STEWARD_NOTIFY_PERF is set (docs/PERFORMANCE.md, "Notifications").
func TestNotifyCreateCost(t *testing.T) {
	if os.Getenv("STEWARD_NOTIFY_PERF") == "" {
		t.Skip("set STEWARD_NOTIFY_PERF=1 to measure")
	}
	eachEngine(t, func(t *testing.T, s *store.Store) {
		measure := func(subscribe bool) (median, p99 time.Duration) {
			o := newOrg(t, s)
			c := mkCustomer(t, s, o.admin, "Measured")
			loc := mkLocation(t, s, o.admin, c.ID, "Yard")
			if subscribe {
				ct := must(s.CreateContact(ctx, o.admin, c.ID, steward.ContactFields{Name: "Ann", Email: "ann@example.com"}))
				must(s.CreateSubscription(ctx, o.admin, c.ID, steward.SubscriptionFields{ContactID: ct.ID,
					Events: []steward.WebhookEventType{"asset.created"}}))
			}
			var d []time.Duration
			for i := range 300 {
				start := time.Now()
				must(s.CreateAsset(ctx, o.admin, steward.AssetFields{Name: fmt.Sprintf("A%d", i), LocationID: &loc.ID}))
				d = append(d, time.Since(start))
			}
			d = d[50:] // warm-up
			slices.Sort(d)
			return d[len(d)/2], d[len(d)*99/100]
		}
		m0, p0 := measure(false)
		m1, p1 := measure(true)
		t.Logf("%s asset create: no subscriptions median %v p99 %v; one subscriber (a mail per create) median %v p99 %v", t.Name(), m0, p0, m1, p1)
	})
}
