package store_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// indexCount counts the indexes of a table, as the engine lists them.
func indexCount(t *testing.T, raw *rawDB, table string) int64 {
	t.Helper()
	if raw.engine == "postgres" {
		return raw.int(t, "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ?", table)
	}
	return raw.int(t, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", table)
}

// triggerDefs lists the triggers of a SQLite database (none on PostgreSQL).
func triggerDefs(t *testing.T, raw *rawDB) string {
	t.Helper()
	if raw.engine == "postgres" {
		return ""
	}
	rows, err := raw.db.QueryContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var q string
		if err := rows.Scan(&q); err != nil {
			t.Fatal(err)
		}
		out = append(out, q)
	}
	if len(out) == 0 {
		t.Fatal("no triggers found")
	}
	return strings.Join(out, "\n")
}

// TestBulkLoad loads a small fleet the way the seeder does and checks that the service then sees
// it exactly as if it had been created through it. It runs on a fresh database because a load
// with RebuildIndexes drops and rebuilds indexes.
func TestBulkLoad(t *testing.T) {
	eachEngineEmpty(t, func(t *testing.T, engine, dsn string) {
		s := openStore(t, dsn)
		must(s.Migrate(ctx))
		raw := openRaw(t, engine, dsn)
		if empty := must(s.Empty(ctx)); !empty {
			t.Error("a fresh database is not Empty")
		}
		o := newOrg(t, s)
		if empty := must(s.Empty(ctx)); empty {
			t.Error("a database with an organization is Empty")
		}
		a := o.admin
		indexes := map[string]int64{}
		for _, table := range []string{"assets", "audit_events", "contacts", "customers", "locations"} {
			indexes[table] = indexCount(t, raw, table)
		}
		triggers := triggerDefs(t, raw)

		at := steward.TimestampOf(time.Now().Add(-time.Hour))
		meta := steward.Meta{CreatedAt: at, UpdatedAt: at}
		c1 := &steward.Customer{ID: "bulk-c1-" + randHex(4), AccountID: o.acc.ID, Meta: meta,
			CustomerFields: steward.CustomerFields{Name: "Äpfel GmbH", Type: steward.CustomerDealer, ExternalRef: "B-1", Email: "obst@example.com"}}
		c2 := &steward.Customer{ID: "bulk-c2-" + randHex(4), AccountID: o.acc.ID, Meta: meta,
			CustomerFields: steward.CustomerFields{Name: "Birnen AG", Type: steward.CustomerOther}}
		l1 := &steward.Location{ID: "bulk-l1-" + randHex(4), AccountID: o.acc.ID, Meta: meta,
			LocationFields: steward.LocationFields{Name: "Obstgarten", CustomerID: &c1.ID, Address: steward.Address{City: "Bozen"}}}
		l2 := &steward.Location{ID: "bulk-l2-" + randHex(4), AccountID: o.acc.ID, Meta: meta, LocationFields: steward.LocationFields{Name: "Lager"}}
		x1 := &steward.Asset{ID: "bulk-x1-" + randHex(4), OwnerAccountID: o.acc.ID, Meta: meta, LocationCustomerID: &c1.ID,
			AssetFields: steward.AssetFields{Name: "Traktor", SerialNumber: "BULK-45-A", OwnerCustomerID: &c2.ID, LocationID: &l1.ID}}
		archivedAt := at
		x2 := &steward.Asset{ID: "bulk-x2-" + randHex(4), OwnerAccountID: o.acc.ID,
			Meta:        steward.Meta{CreatedAt: at, UpdatedAt: at, ArchivedAt: &archivedAt},
			AssetFields: steward.AssetFields{Name: "Alter Traktor", OwnerCustomerID: &c1.ID, LocationID: &l2.ID}}
		k1 := &steward.Contact{ID: "bulk-k1-" + randHex(4), AccountID: o.acc.ID, CustomerID: c1.ID, Meta: meta,
			ContactFields: steward.ContactFields{Name: "Jörg Obst", Kind: steward.ContactPerson}}
		ev := &steward.AuditEvent{ID: "bulk-e1-" + randHex(4), At: at, AccountID: o.acc.ID, ActorAccountID: o.acc.ID,
			Actor: steward.AuditActor{Type: steward.ActorImport, ID: "seed", Name: "seed"}, Source: steward.SourceImport,
			Action: steward.ActionCreate, ObjectType: steward.ObjectAsset, ObjectID: x1.ID, ObjectName: x1.Name,
			Changes: store.Diff(nil, x1.AssetFields)}

		var phases []string
		opt := store.BulkOptions{RebuildIndexes: true, NewDatabase: true,
			Progress: func(format string, args ...any) { phases = append(phases, fmt.Sprintf(format, args...)) }}
		err := s.Bulk(ctx, opt, func(b *store.BulkLoader) error {
			b.RowsPerCommit = 3 // several commits within one load
			for _, err := range []error{b.Customer(c1), b.Customer(c2), b.Location(l1), b.Location(l2), b.Asset(x1), b.Asset(x2),
				b.Contact(k1), b.Audit(ev)} {
				if err != nil {
					return err
				}
			}
			return nil
		})
		ok(t, err)
		for table, n := range indexes {
			if got := indexCount(t, raw, table); got != n {
				t.Errorf("%s has %d indexes after the load, had %d", table, got, n)
			}
		}
		if got := triggerDefs(t, raw); got != triggers {
			t.Errorf("triggers after the load:\n%s\nbefore:\n%s", got, triggers)
		}
		if all := strings.Join(phases, "\n"); !strings.Contains(all, "loaded 2 customers (") || !strings.Contains(all, ", 1 audit_events (") ||
			!strings.Contains(all, "built index assets_name in") {
			t.Errorf("progress lines = %q", phases)
		}
		// On SQLite the load finds the triggers feeding the four FTS5 tables (whose content is a
		// view over the loaded table) and rebuilds those tables once, instead of a trigger per row.
		if all := strings.Join(phases, "\n"); s.Engine() == "sqlite" && !strings.Contains(all, " and 4 triggers in ") {
			t.Errorf("the load did not find the FTS5 triggers: %q", phases)
		}
		// Counts are the caller's job after a load: Recount reports and repairs them.
		if m := must(s.CountMismatches(ctx, o.acc.ID)); m.Customers != 2 {
			t.Errorf("before Recount: %d customers with wrong counts, want 2", m.Customers)
		}
		if m := must(s.Recount(ctx, o.acc.ID)); m.Customers != 2 {
			t.Errorf("Recount repaired %d customers, want 2", m.Customers)
		}
		expectCounts(t, s, a, "after bulk load and recount", map[string]cnt{c1.ID: {1, 1, 0, 0}, c2.ID: {0, 0, 1, 1}},
			map[string]int64{l1.ID: 1, l2.ID: 0})

		// The loaded rows are searchable, sorted and readable like any other.
		if got := customerNames(allCustomers(t, s, a, steward.CustomerFilter{ListParams: steward.ListParams{Q: "apfel"}})); !equalStrings(got, []string{"Äpfel GmbH"}) {
			t.Errorf("search apfel = %v", got)
		}
		if got := customerNames(allCustomers(t, s, a, steward.CustomerFilter{ListParams: steward.ListParams{Q: "obst@ex"}})); !equalStrings(got, []string{"Äpfel GmbH"}) {
			t.Errorf("search by email = %v", got)
		}
		if got := customerNames(allCustomers(t, s, a, steward.CustomerFilter{ListParams: steward.ListParams{Q: "ap"}})); !equalStrings(got, []string{"Äpfel GmbH"}) {
			t.Errorf("short search = %v", got)
		}
		if got := assetNames(allAssets(t, s, a, steward.AssetFilter{ListParams: steward.ListParams{Q: "45-A"}})); !equalStrings(got, []string{"Traktor"}) {
			t.Errorf("serial search = %v", got)
		}
		if got := assetNames(allAssets(t, s, a, steward.AssetFilter{ListParams: steward.ListParams{Status: steward.StatusAll, Limit: 1}})); !equalStrings(got, []string{"Alter Traktor", "Traktor"}) {
			t.Errorf("assets = %v", got)
		}
		if got := locationNames(allLocations(t, s, a, steward.LocationFilter{ListParams: steward.ListParams{Q: "bozen"}})); !equalStrings(got, []string{"Obstgarten"}) {
			t.Errorf("location search = %v", got)
		}
		if got := contactNames(allContacts(t, s, a, steward.ContactFilter{ListParams: steward.ListParams{Q: "jorg"}, CustomerID: c1.ID})); !equalStrings(got, []string{"Jörg Obst"}) {
			t.Errorf("contact search = %v", got)
		}
		if got := customerNames(allCustomers(t, s, a, steward.CustomerFilter{ListParams: steward.ListParams{Sort: "-name"}})); !equalStrings(got, []string{"Birnen AG", "Äpfel GmbH"}) {
			t.Errorf("customers by -name = %v", got)
		}
		if got := must(s.Asset(ctx, a, x2.ID)); got.ArchivedAt == nil || got.Version != 1 || !got.CreatedAt.Equal(at.Time) {
			t.Errorf("loaded archived asset = %+v", got)
		}
		if mv := must(s.AssetMovements(ctx, a, x1.ID, steward.ListParams{})); len(mv.Data) != 2 {
			t.Errorf("loaded history gives %d movements, want 2", len(mv.Data))
		}
		// The service works on loaded rows: versions, uniqueness and history continue.
		up := must(s.UpdateCustomer(ctx, a, c1.ID, 1, func(f *steward.CustomerFields) error { f.Phone = "0471 123"; return nil }))
		if up.Version != 2 {
			t.Errorf("version after update %d", up.Version)
		}
		_, err = s.CreateCustomer(ctx, a, steward.CustomerFields{Name: "Dup", ExternalRef: "B-1"})
		wantField(t, err, steward.ECONFLICT, "external_ref")
		_, err = s.CreateAsset(ctx, a, steward.AssetFields{Name: "Dup", SerialNumber: "bulk-45-a"})
		wantField(t, err, steward.ECONFLICT, "serial_number")

		// A failing load returns the error and keeps nothing of the failed batch.
		stop := errors.New("stop")
		err = s.Bulk(ctx, store.BulkOptions{}, func(b *store.BulkLoader) error {
			if err := b.Customer(&steward.Customer{ID: "bulk-c3-" + randHex(4), AccountID: o.acc.ID, Meta: meta,
				CustomerFields: steward.CustomerFields{Name: "Never", Type: steward.CustomerOther}}); err != nil {
				return err
			}
			return stop
		})
		if !errors.Is(err, stop) {
			t.Errorf("Bulk returned %v, want the callback's error", err)
		}
		// A load that claims a new database is refused once the database holds fleet rows, and
		// changes nothing.
		err = s.Bulk(ctx, store.BulkOptions{RebuildIndexes: true, NewDatabase: true}, func(b *store.BulkLoader) error {
			t.Error("the load ran on a database that is not new")
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), "table customers already holds rows") {
			t.Errorf("NewDatabase on a filled database: %v", err)
		}
		// A row breaking a unique index fails the load; indexes come back.
		err = s.Bulk(ctx, store.BulkOptions{RebuildIndexes: true}, func(b *store.BulkLoader) error {
			return b.Customer(&steward.Customer{ID: "bulk-c4-" + randHex(4), AccountID: o.acc.ID, Meta: meta,
				CustomerFields: steward.CustomerFields{Name: "Dup ref", Type: steward.CustomerOther, ExternalRef: "B-1"}})
		})
		if err == nil {
			t.Error("a bulk row with a taken external_ref was accepted")
		}
		for table, n := range indexes {
			if got := indexCount(t, raw, table); got != n {
				t.Errorf("%s has %d indexes after a failed load, had %d", table, got, n)
			}
		}
		if got := triggerDefs(t, raw); got != triggers {
			t.Errorf("triggers after a failed load:\n%s\nbefore:\n%s", got, triggers)
		}
		// A writer failure in the middle of a long load stops the generator with its error:
		// the first chunk breaks a unique index while the generator goes on queueing.
		err = s.Bulk(ctx, store.BulkOptions{}, func(b *store.BulkLoader) error {
			for i := range 100000 {
				ref := fmt.Sprintf("LONG-%d", i)
				if i == 10 {
					ref = "B-1"
				}
				if err := b.Customer(&steward.Customer{ID: fmt.Sprintf("bulk-long-%d-%s", i, randHex(4)), AccountID: o.acc.ID,
					Meta: meta, CustomerFields: steward.CustomerFields{Name: "Long", Type: steward.CustomerOther, ExternalRef: ref}}); err != nil {
					return err
				}
			}
			t.Error("the generator never saw the writer's failure")
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), "bulk customers") {
			t.Errorf("a failed writer gave %v", err)
		}
		if got := customerNames(allCustomers(t, s, a, steward.CustomerFilter{ListParams: steward.ListParams{Status: steward.StatusAll}})); len(got) != 2 {
			t.Errorf("customers after failed loads = %v", got)
		}
		ok(t, s.Analyze(ctx))
		assertNoMismatch(t, s, o.acc.ID)
	})
}

// TestBulkNewDatabaseDuplicate: a load into a new database, where PostgreSQL drops the primary
// and foreign keys for the load, still refuses a duplicate id and a dangling reference, keeps
// none of the load and keeps every key and index.
func TestBulkNewDatabaseDuplicate(t *testing.T) {
	eachEngineEmpty(t, func(t *testing.T, engine, dsn string) {
		s := openStore(t, dsn)
		must(s.Migrate(ctx))
		raw := openRaw(t, engine, dsn)
		o := newOrg(t, s)
		indexes := map[string]int64{}
		for _, table := range []string{"assets", "audit_events", "contacts"} {
			indexes[table] = indexCount(t, raw, table)
		}
		auditBefore := raw.int(t, "SELECT COUNT(*) FROM audit_events")
		at := steward.TimestampOf(time.Now().Add(-time.Hour))
		ev := func(id string) *steward.AuditEvent {
			return &steward.AuditEvent{ID: id, At: at, AccountID: o.acc.ID, ActorAccountID: o.acc.ID,
				Actor: steward.AuditActor{Type: steward.ActorImport, ID: "seed", Name: "seed"}, Source: steward.SourceImport,
				Action: steward.ActionCreate, ObjectType: steward.ObjectAsset, ObjectID: "x", ObjectName: "x"}
		}
		dup := "bulk-dup-" + randHex(4)
		err := s.Bulk(ctx, store.BulkOptions{RebuildIndexes: true, NewDatabase: true}, func(b *store.BulkLoader) error {
			for _, id := range []string{"bulk-a-" + randHex(4), dup, "bulk-b-" + randHex(4), dup} {
				if err := b.Audit(ev(id)); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			t.Fatal("a load with a duplicate audit id was accepted")
		}
		if n := raw.int(t, "SELECT COUNT(*) FROM audit_events"); n != auditBefore {
			t.Errorf("%d audit rows after the failed load, want %d", n, auditBefore)
		}
		for table, n := range indexes {
			if got := indexCount(t, raw, table); got != n {
				t.Errorf("%s has %d indexes after the failed load, had %d", table, got, n)
			}
		}
		// A reference to a missing location fails the same way.
		at2 := steward.Meta{CreatedAt: at, UpdatedAt: at}
		missing := "bulk-nowhere"
		err = s.Bulk(ctx, store.BulkOptions{RebuildIndexes: true, NewDatabase: true}, func(b *store.BulkLoader) error {
			return b.Asset(&steward.Asset{ID: "bulk-x-" + randHex(4), OwnerAccountID: o.acc.ID, Meta: at2,
				AssetFields: steward.AssetFields{Name: "Lost", LocationID: &missing}})
		})
		if err == nil {
			t.Error("a load with an asset at a missing location was accepted")
		}
		if n := raw.int(t, "SELECT COUNT(*) FROM assets"); n != 0 {
			t.Errorf("%d assets after the failed load", n)
		}
		// The keys are really back: the same duplicate and reference are refused by a plain load.
		err = s.Bulk(ctx, store.BulkOptions{}, func(b *store.BulkLoader) error {
			return b.Asset(&steward.Asset{ID: "bulk-x-" + randHex(4), OwnerAccountID: o.acc.ID, Meta: at2,
				AssetFields: steward.AssetFields{Name: "Lost", LocationID: &missing}})
		})
		if err == nil {
			t.Error("after the failed load, an asset at a missing location is accepted")
		}
		err = s.Bulk(ctx, store.BulkOptions{}, func(b *store.BulkLoader) error {
			return errors.Join(b.Audit(ev(dup)), b.Audit(ev(dup)))
		})
		if err == nil {
			t.Error("after the failed load, a duplicate audit id is accepted")
		}
	})
}

func TestDiff(t *testing.T) {
	created := store.Diff(nil, steward.CustomerFields{Name: "N", Type: steward.CustomerOther, Address: steward.Address{City: "C"}})
	if fmt.Sprint(changeFields(steward.AuditEvent{Changes: created})) != "[address.city name type]" {
		t.Errorf("create diff = %+v", created)
	}
	for _, c := range created {
		if c.Old != nil || c.New == nil {
			t.Errorf("create change %+v", c)
		}
	}
	old := steward.AssetFields{Name: "A", Year: ptr(2000), LocationID: ptr("l1")}
	changed := store.Diff(old, steward.AssetFields{Name: "A", Year: ptr(2001), OwnerCustomerID: ptr("c1")})
	if fmt.Sprint(changeFields(steward.AuditEvent{Changes: changed})) != "[location_id owner_customer_id year]" {
		t.Errorf("update diff = %+v", changed)
	}
	deleted := store.Diff(old, nil)
	if fmt.Sprint(changeFields(steward.AuditEvent{Changes: deleted})) != "[location_id name year]" {
		t.Errorf("delete diff = %+v", deleted)
	}
	if d := store.Diff(old, old); len(d) != 0 {
		t.Errorf("diff of equal values = %+v", d)
	}
}
