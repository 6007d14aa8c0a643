package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// A location moving to another customer shows in the old customer's history as well as the
// new one's: once only the new customer's history showed it.
func TestLocationMoveInBothHistories(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		from := mkCustomer(t, s, a, "Old Owner")
		to := mkCustomer(t, s, a, "New Owner")
		third := mkCustomer(t, s, a, "Bystander")
		l := mkLocation(t, s, a, from.ID, "Moving Yard")
		move := func(c *string) {
			must(s.UpdateLocation(ctx, a, l.ID, 0, func(f *steward.LocationFields) error { f.CustomerID = c; return nil }))
		}
		ids := func(f steward.AuditFilter) []string {
			var out []string
			for _, e := range allAudit(t, s, a, f) {
				out = append(out, e.ObjectType+" "+e.Action)
			}
			return out
		}
		move(&to.ID) // from → to

		moveOf := func(customerID string) *steward.AuditEvent {
			for _, e := range allAudit(t, s, a, steward.AuditFilter{CustomerID: customerID, ObjectID: l.ID}) {
				if e.Action == steward.ActionUpdate {
					return &e
				}
			}
			return nil
		}
		for _, c := range []*steward.Customer{from, to} {
			e := moveOf(c.ID)
			if e == nil {
				t.Fatalf("the history of %s does not show the move: %v", c.Name, ids(steward.AuditFilter{CustomerID: c.ID}))
			}
			ch := changeOf(*e, "customer_id")
			if ch == nil || ch.Old != from.ID || ch.New != to.ID || label(ch.OldLabel) != "Old Owner" || label(ch.NewLabel) != "New Owner" {
				t.Errorf("move event change %+v", ch)
			}
			if e.CustomerID == nil || *e.CustomerID != to.ID {
				t.Errorf("move event customer_id %v, want the new customer", e.CustomerID)
			}
		}
		if e := moveOf(third.ID); e != nil {
			t.Errorf("a bystander's history shows the move")
		}
		// Each history lists it once, in time order with the rest, through paging too.
		for _, c := range []*steward.Customer{from, to} {
			all := allAudit(t, s, a, steward.AuditFilter{CustomerID: c.ID})
			seen := map[string]bool{}
			for i, e := range all {
				if seen[e.ID] {
					t.Errorf("%s: event %s twice", c.Name, e.ID)
				}
				seen[e.ID] = true
				if i > 0 && (e.At.After(all[i-1].At.Time) || (e.At.Equal(all[i-1].At.Time) && e.ID > all[i-1].ID)) {
					t.Errorf("%s: events out of order at %d", c.Name, i)
				}
			}
			paged := allAudit(t, s, a, steward.AuditFilter{CustomerID: c.ID, Limit: 1})
			if len(paged) != len(all) {
				t.Errorf("%s: %d events by pages of 1, %d at once", c.Name, len(paged), len(all))
			}
			for i := range paged {
				if i < len(all) && paged[i].ID != all[i].ID {
					t.Errorf("%s: page %d differs", c.Name, i)
				}
			}
		}
		// The old customer's history: its creation, the location's creation, and its leaving.
		if got := ids(steward.AuditFilter{CustomerID: from.ID}); len(got) != 3 || got[0] != "location update" {
			t.Errorf("old customer's history %v", got)
		}
		// Filters still apply to the events found through the old customer.
		if n := len(allAudit(t, s, a, steward.AuditFilter{CustomerID: from.ID, Action: steward.ActionCreate})); n != 2 {
			t.Errorf("old customer's creates: %d", n)
		}
		if n := len(allAudit(t, s, a, steward.AuditFilter{CustomerID: from.ID, ObjectType: steward.ObjectCustomer})); n != 1 {
			t.Errorf("old customer's own events: %d", n)
		}

		// Moving on to no customer: the event belongs to the customer left, once.
		move(nil)
		if n := len(allAudit(t, s, a, steward.AuditFilter{CustomerID: to.ID, ObjectID: l.ID})); n != 2 {
			t.Errorf("new customer's history of the location: %d events, want its arrival and leaving", n)
		}
		// And back to a customer from none: the new one's history only.
		move(&third.ID)
		if n := len(allAudit(t, s, a, steward.AuditFilter{CustomerID: third.ID, ObjectID: l.ID})); n != 1 {
			t.Errorf("arrival from no customer: %d events", n)
		}
		if n := len(allAudit(t, s, a, steward.AuditFilter{CustomerID: to.ID, ObjectID: l.ID})); n != 2 {
			t.Errorf("a later move shows in a customer left before: %d", n)
		}
		// A non-admin reads both histories too.
		reader := o.keyActor(t, s, steward.RoleUser, false)
		if n := len(allAudit(t, s, reader, steward.AuditFilter{CustomerID: from.ID})); n != 3 {
			t.Errorf("a reader sees %d events of the old customer", n)
		}
	})
}

// Upgrading a database finds the moves recorded before in the customers' histories they left;
// a move to no customer, which was once recorded without any customer, too.
func TestMigrationFindsEarlierLocationMoves(t *testing.T) {
	eachEngineEmpty(t, func(t *testing.T, engine, dsn string) {
		s := openStore(t, dsn)
		if _, err := s.MigrateTo(ctx, 2); err != nil { // the schema before 0003_audit_previous_customer
			t.Fatal(err)
		}
		raw := openRaw(t, engine, dsn)
		acc := "acc-" + randHex(4)
		insert := func(id string, at int, objectType, objectID string, customerID any, changes string) {
			raw.exec(t, `INSERT INTO audit_events (account_id, id, at, actor_type, actor_id, actor_name, actor_account_id,
				request_id, source, action, object_type, object_id, object_name, customer_id, changes)
				VALUES (?, ?, ?, 'user', 'u1', 'Ada', ?, '', 'web', 'update', ?, ?, 'x', ?, ?)`,
				acc, id, at, acc, objectType, objectID, customerID, changes)
		}
		insert("e1", 1, "location", "l1", "c2", `[{"field":"customer_id","old":"c1","new":"c2","old_label":"One","new_label":"Two"}]`)
		insert("e2", 2, "location", "l1", nil, `[{"field":"customer_id","old":"c2","new":null,"old_label":"Two"}]`)
		insert("e3", 3, "location", "l2", "c1", `[{"field":"name","old":"a","new":"b"}]`)
		insert("e4", 4, "customer", "c1", "c1", `[{"field":"name","old":"One","new":"Uno"}]`)
		insert("e5", 5, "location", "l3", "c2", `[{"field":"customer_id","old":null,"new":"c2","new_label":"Two"}]`)
		insert("e6", 6, "location", "l4", "c1", `[{"field":"name","old":"x","new":"y"},{"field":"customer_id","old":"c2","new":"c1"}]`)
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		sys := steward.SystemActor(acc)
		history := func(customer string) []string {
			var out []string
			for _, e := range allAudit(t, s, sys, steward.AuditFilter{CustomerID: customer}) {
				out = append(out, e.ID)
			}
			return out
		}
		for customer, want := range map[string][]string{
			"c1": {"e6", "e4", "e3", "e1"},
			"c2": {"e6", "e5", "e2", "e1"},
		} {
			if got := history(customer); !equalStrings(got, want) {
				t.Errorf("history of %s after the upgrade: %v, want %v", customer, got, want)
			}
		}
		if n := raw.int(t, "SELECT COUNT(*) FROM audit_events WHERE account_id = ? AND previous_customer_id IS NOT NULL", acc); n != 3 {
			t.Errorf("%d events name a customer left, want 3 (e1, e2, e6)", n)
		}
	})
}

// A customer's history is read through indexes on both engines: the customer_id index and the
// partial previous_customer_id index, never a scan of the audit log.
func TestCustomerHistoryUsesIndexes(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		c := mkCustomer(t, s, o.admin, "Planned")
		mkLocation(t, s, o.admin, c.ID, "Planned Yard")
		page := must(s.AuditEvents(ctx, o.admin, steward.AuditFilter{CustomerID: c.ID, Limit: 1}))
		for name, f := range map[string]steward.AuditFilter{
			"customer":             {CustomerID: c.ID},
			"customer and action":  {CustomerID: c.ID, Action: steward.ActionUpdate, ObjectType: steward.ObjectLocation},
			"customer, next page":  {CustomerID: c.ID, Limit: 1, Cursor: *page.NextCursor},
			"customer as a reader": {CustomerID: c.ID},
		} {
			actor := o.admin
			if name == "customer as a reader" {
				actor = o.keyActor(t, s, steward.RoleUser, false)
			}
			if f.Limit == 0 {
				f.Limit = 50
			}
			q, args, err := store.AuditPageQuery(actor, f, f.Limit)
			ok(t, err)
			plan := explain(t, raw, q, args)
			for _, index := range []string{"audit_customer", "audit_previous_customer"} {
				if !strings.Contains(plan, index) {
					t.Errorf("%s: the plan does not use %s:\n%s", name, index, plan)
				}
			}
			if strings.Contains(plan, "Seq Scan on audit_events") || strings.Contains(plan, "SCAN audit_events\n") {
				t.Errorf("%s: the plan scans the audit log:\n%s", name, plan)
			}
		}
	})
}

// explain returns the engine's plan of q, one step a line. PostgreSQL is told to avoid
// sequential scans, as it would on a table of real size (a test's few rows fit one page).
func explain(t *testing.T, raw *rawDB, q string, args []any) string {
	t.Helper()
	conn, err := raw.db.Conn(ctx)
	ok(t, err)
	defer conn.Close()
	prefix := "EXPLAIN QUERY PLAN "
	if raw.engine == "postgres" {
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		prefix = "EXPLAIN "
	}
	rows, err := conn.QueryContext(ctx, prefix+raw.rebind(q), args...)
	ok(t, err)
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		ok(t, rows.Scan(ptrs...))
		fmt.Fprintf(&b, "%v\n", vals[len(vals)-1])
	}
	ok(t, rows.Err())
	return b.String()
}
