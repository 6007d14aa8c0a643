package store_test

import (
	"database/sql"
	"testing"

	"github.com/google/uuid"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// TestBulkAuditAgreesWithTheService: an event the bulk loader stores reads, in every column,
// as the service stored it, previous_customer_id included: a location that moved from one
// customer to another names the one it left, so that customer's history shows it leaving.
func TestBulkAuditAgreesWithTheService(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		a, b := mkCustomer(t, s, o.admin, "Left"), mkCustomer(t, s, o.admin, "Joined")
		l := mkLocation(t, s, o.admin, a.ID, "Yard")
		move := func(to *string) {
			must(s.UpdateLocation(ctx, o.admin, l.ID, 0, func(f *steward.LocationFields) error { f.CustomerID = to; return nil }))
		}
		move(&b.ID) // from one customer to another: names the one it left
		move(nil)   // to none: the event is the left customer's own
		x := mkAsset(t, s, o.admin, "Digger", "", l.ID)
		must(s.UpdateAsset(ctx, o.admin, x.ID, 0, func(f *steward.AssetFields) error { f.LocationID = nil; return nil }))

		previous := func(id string) sql.NullString {
			t.Helper()
			var p sql.NullString
			if err := raw.db.QueryRowContext(ctx, raw.rebind("SELECT previous_customer_id FROM audit_events WHERE account_id = ? AND id = ?"),
				o.acc.ID, id).Scan(&p); err != nil {
				t.Fatal(err)
			}
			return p
		}
		var events []steward.AuditEvent
		events = append(events, auditFor(t, s, o.admin, l.ID)...)
		events = append(events, auditFor(t, s, o.admin, x.ID)...)
		copies := map[string]string{} // service event → its bulk copy
		ok(t, s.Bulk(ctx, store.BulkOptions{}, func(bl *store.BulkLoader) error {
			for _, e := range events {
				c := e
				c.ID = uuid.Must(uuid.NewV7()).String()
				copies[e.ID] = c.ID
				if err := bl.Audit(&c); err != nil {
					return err
				}
			}
			return nil
		}))
		moved := 0
		for _, e := range events {
			want, got := previous(e.ID), previous(copies[e.ID])
			if want != got {
				t.Errorf("%s %s: bulk previous_customer_id %v, the service wrote %v", e.ObjectType, e.Action, got, want)
			}
			if want.Valid {
				moved++
				if want.String != a.ID {
					t.Errorf("previous_customer_id = %s, want the customer left (%s)", want.String, a.ID)
				}
			}
		}
		if moved != 1 {
			t.Errorf("%d events name a customer left, want 1 (the move between customers)", moved)
		}
		// The left customer's history holds the move through both rows.
		n := 0
		for _, e := range allAudit(t, s, o.admin, steward.AuditFilter{CustomerID: a.ID}) {
			if e.ObjectID == l.ID && e.Action == steward.ActionUpdate && e.CustomerID != nil && *e.CustomerID == b.ID {
				n++
			}
		}
		if n != 2 {
			t.Errorf("the left customer's history shows the move %d times, want 2 (service and bulk copy)", n)
		}
	})
}
