package store_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// importFile queues a file of kind and runs it to its end as worker "test".
func importFile(t *testing.T, s *store.Store, a *steward.Actor, kind steward.ImportKind, dry bool, file string) *steward.ImportJob {
	t.Helper()
	j := must(s.CreateImport(ctx, a, steward.NewImport{Kind: kind, DryRun: dry, FileName: "f.csv", File: strings.NewReader(file)}))
	if j.Status != steward.ImportQueued {
		t.Fatalf("new job status %s", j.Status)
	}
	return must(s.RunImport(ctx, j.ID, "test", nil))
}

func wantJob(t *testing.T, j *steward.ImportJob, status steward.ImportStatus, created, updated, unchanged, failed int64) {
	t.Helper()
	if j.Status != status || j.Created != created || j.Updated != updated || j.Unchanged != unchanged || j.FailedRows != failed {
		t.Fatalf("job = %s created %d updated %d unchanged %d failed %d (errors %+v); want %s %d %d %d %d",
			j.Status, j.Created, j.Updated, j.Unchanged, j.FailedRows, j.Errors, status, created, updated, unchanged, failed)
	}
}

func wantNoCountMismatch(t *testing.T, s *store.Store, accountID string) {
	t.Helper()
	if m := must(s.CountMismatches(ctx, accountID)); m != (store.Mismatches{}) {
		t.Fatalf("CountMismatches = %+v; want none", m)
	}
}

// A customers file with a byte order mark, semicolons, a quoted field with a line break and
// header names in other case and aliases.
const customersFile = "\ufeffName;Type;External Ref;E-Mail;Notes;ZIP;Country\r\n" +
	"Acme Rental;rental;C-1;info@acme.example;\"two\nlines; and a semicolon\";10115;de\r\n" +
	"Beta Build;contractor;C-2;;;;\r\n" +
	"\r\n" +
	"Gamma;;C-3;;'=not a formula;;\r\n"

func TestImportDryRunWritesNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		j := importFile(t, s, o.admin, steward.ImportCustomers, true, customersFile)
		wantJob(t, j, steward.ImportSucceeded, 3, 0, 0, 0)
		if j.TotalRows != 3 || j.ProcessedRows != 3 || !j.DryRun {
			t.Fatalf("total %d processed %d dry %v", j.TotalRows, j.ProcessedRows, j.DryRun)
		}
		if n := len(allCustomers(t, s, o.admin, steward.CustomerFilter{ListParams: steward.ListParams{Status: steward.StatusAll}})); n != 0 {
			t.Fatalf("a dry run wrote %d customers", n)
		}
		// A dry run with bad rows still succeeds, and reports them.
		j = importFile(t, s, o.admin, steward.ImportCustomers, true, "name,email,type\nA,not-an-email,\n,a@b.example,\nC,,alien\n")
		wantJob(t, j, steward.ImportSucceeded, 0, 0, 0, 3)
		want := []steward.ImportRowError{{Row: 2, Column: "email"}, {Row: 3, Column: "name"}, {Row: 4, Column: "type"}}
		if len(j.Errors) != len(want) {
			t.Fatalf("errors %+v", j.Errors)
		}
		for i, w := range want {
			if j.Errors[i].Row != w.Row || j.Errors[i].Column != w.Column || j.Errors[i].Message == "" {
				t.Fatalf("error %d = %+v; want row %d column %s", i, j.Errors[i], w.Row, w.Column)
			}
		}
	})
}

func TestImportApplyUpsertAndRerun(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		j := importFile(t, s, o.admin, steward.ImportCustomers, false, customersFile)
		wantJob(t, j, steward.ImportSucceeded, 3, 0, 0, 0)
		cs := allCustomers(t, s, o.admin, steward.CustomerFilter{})
		byRef := map[string]steward.Customer{}
		for _, c := range cs {
			byRef[c.ExternalRef] = c
		}
		if c := byRef["C-1"]; c.Notes != "two\nlines; and a semicolon" || c.Address.Country != "DE" || c.Type != steward.CustomerRental {
			t.Fatalf("C-1 = %+v", c)
		}
		if c := byRef["C-3"]; c.Notes != "=not a formula" {
			t.Fatalf("C-3 notes %q: the export's formula mark was not stripped", c.Notes)
		}
		// Audit: one event per object, by the import, through the import.
		evs := allAudit(t, s, o.admin, steward.AuditFilter{ActorID: j.ID})
		if len(evs) != 3 {
			t.Fatalf("%d audit events of the import; want 3", len(evs))
		}
		for _, e := range evs {
			if e.Actor.Type != steward.ActorImport || e.Source != steward.SourceImport || e.Actor.ID != j.ID ||
				!strings.Contains(e.Actor.Name, o.user.Name) {
				t.Fatalf("audit event %+v", e)
			}
		}
		// The same file again changes nothing.
		j = importFile(t, s, o.admin, steward.ImportCustomers, false, customersFile)
		wantJob(t, j, steward.ImportSucceeded, 0, 0, 3, 0)
		if n := len(allAudit(t, s, o.admin, steward.AuditFilter{ActorID: j.ID})); n != 0 {
			t.Fatalf("a re-run wrote %d audit events", n)
		}
		// Upsert: one changed, one new; columns the file lacks stay.
		j = importFile(t, s, o.admin, steward.ImportCustomers, false, "external_ref,name\nC-1,Acme Rental GmbH\nC-9,New One\n")
		wantJob(t, j, steward.ImportSucceeded, 1, 1, 0, 0)
		c := must(s.Customer(ctx, o.admin, byRef["C-1"].ID))
		if c.Name != "Acme Rental GmbH" || c.Email != "info@acme.example" || c.Version != 2 {
			t.Fatalf("upserted customer %+v", c)
		}
	})
}

func TestImportBadRowWritesNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		file := "name,external_ref,website\nA,R-1,https://a.example\nB,R-2,not a url\nC,R-3,\n"
		j := importFile(t, s, o.admin, steward.ImportCustomers, false, file)
		wantJob(t, j, steward.ImportFailed, 0, 0, 0, 1)
		if len(j.Errors) != 1 || j.Errors[0].Row != 3 || j.Errors[0].Column != "website" {
			t.Fatalf("errors %+v; want row 3 website", j.Errors)
		}
		if n := len(allCustomers(t, s, o.admin, steward.CustomerFilter{})); n != 0 {
			t.Fatalf("a failed import wrote %d customers", n)
		}
		var all []steward.ImportRowError
		ok(t, s.EachImportError(ctx, o.admin, j.ID, func(e steward.ImportRowError) error { all = append(all, e); return nil }))
		if len(all) != 1 {
			t.Fatalf("EachImportError %+v", all)
		}
		// The same row twice in a file, invalid UTF-8, a short row: each named.
		file = "name,external_ref\nA,R-1\nA again,R-1\nB\xff,R-4\nshort\n"
		j = importFile(t, s, o.admin, steward.ImportCustomers, false, file)
		wantJob(t, j, steward.ImportFailed, 0, 0, 0, 3)
		rows := []int64{}
		for _, e := range j.Errors {
			rows = append(rows, e.Row)
		}
		if fmt.Sprint(rows) != "[3 4 5]" {
			t.Fatalf("errors %+v", j.Errors)
		}
		// A file in another encoding, an unknown column: the file is refused as a whole.
		j = importFile(t, s, o.admin, steward.ImportCustomers, true, "\xff\xfen\x00a\x00")
		if j.Status != steward.ImportFailed || len(j.Errors) != 1 || !strings.Contains(j.Errors[0].Message, "UTF-16") {
			t.Fatalf("UTF-16 file: %+v", j)
		}
		j = importFile(t, s, o.admin, steward.ImportCustomers, true, "name,colour\nA,red\n")
		if j.Status != steward.ImportFailed || len(j.Errors) != 1 || j.Errors[0].Column != "colour" {
			t.Fatalf("unknown column: %+v", j)
		}
		// An unclosed quote that swallows megabytes: the file fails at that row, dry run or not.
		huge := "name,notes\nA,fine\nB,\"unclosed\n" + strings.Repeat("C,more text\n", 200_000)
		for _, dry := range []bool{true, false} {
			j = importFile(t, s, o.admin, steward.ImportCustomers, dry, huge)
			if j.Status != steward.ImportFailed || len(j.Errors) != 1 || j.Errors[0].Row != 3 {
				t.Fatalf("huge record (dry run %v): %+v", dry, j)
			}
		}
		if n := len(allCustomers(t, s, o.admin, steward.CustomerFilter{})); n != 0 {
			t.Fatalf("a failed import wrote %d customers", n)
		}
	})
}

func TestImportAssetsReferencesAndCounts(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		c1 := must(s.CreateCustomer(ctx, a, steward.CustomerFields{Name: "Owner One", ExternalRef: "CUST-1"}))
		c2 := mkCustomer(t, s, a, "Owner Two")
		l1 := must(s.CreateLocation(ctx, a, steward.LocationFields{Name: "Yard", CustomerID: &c1.ID, ExternalRef: "LOC-1"}))
		l2 := mkLocation(t, s, a, c2.ID, "Site Two")
		file := "name,serial_number,external_ref,year,owner,location\n" +
			"Excavator,SN-1,A-1,2020,CUST-1,LOC-1\n" + // by external reference
			"Loader,SN-2,,2019,Owner Two,Site Two\n" + // by exact name
			"Crane,SN-3,A-3,," + c2.ID + "," + l1.ID + "\n" // by id
		j := importFile(t, s, a, steward.ImportAssets, false, file)
		wantJob(t, j, steward.ImportSucceeded, 3, 0, 0, 0)
		wantNoCountMismatch(t, s, o.acc.ID)
		if c := must(s.Customer(ctx, a, c1.ID)); c.AssetsOwnedCount != 1 || c.AssetsOnLocationCount != 2 {
			t.Fatalf("counts of c1 %+v", c.CustomerCounts)
		}
		if l := must(s.Location(ctx, a, l2.ID)); l.AssetCount != 1 {
			t.Fatalf("asset_count of l2 = %d", l.AssetCount)
		}
		// Matched by serial number (case-insensitive), moved; the others unchanged.
		j = importFile(t, s, a, steward.ImportAssets, false, "serial_number,location\nsn-2,LOC-1\nSN-1,LOC-1\n")
		wantJob(t, j, steward.ImportSucceeded, 0, 1, 1, 0)
		wantNoCountMismatch(t, s, o.acc.ID)
		// Unknown references and a serial number another asset has are errors of their rows.
		j = importFile(t, s, a, steward.ImportAssets, true,
			"name,external_ref,serial_number,owner\nX,A-1,SN-3,\nY,A-9,,Nobody\n")
		wantJob(t, j, steward.ImportSucceeded, 0, 0, 0, 2)
		if j.Errors[0].Column != "serial_number" || j.Errors[1].Column != "owner_customer_id" {
			t.Fatalf("errors %+v", j.Errors)
		}
	})
}

// exportCSV writes objects as the export does.
func exportCSV[T any](t *testing.T, table steward.CSVTable[T], objs []T) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	ok(t, w.Write(table.Header()))
	rec := make([]string, 0, len(table))
	for i := range objs {
		ok(t, w.Write(table.Record(&objs[i], rec)))
	}
	w.Flush()
	return b.String()
}

func TestImportExportRoundTrip(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		c := must(s.CreateCustomer(ctx, a, steward.CustomerFields{Name: "=SUM(A1)", Notes: "line\nbreak", Email: "x@y.example",
			Address: steward.Address{City: "-Köln", Country: "DE"}}))
		mkCustomer(t, s, a, "Plain")
		must(s.CreateContact(ctx, a, c.ID, steward.ContactFields{Name: "@Ann", Kind: steward.ContactDepartment}))
		l := must(s.CreateLocation(ctx, a, steward.LocationFields{Name: "Yard", CustomerID: &c.ID,
			Latitude: ptr(52.123456789), Longitude: ptr(-0.1), RadiusM: ptr(250)}))
		mkLocation(t, s, a, "", "Depot")
		must(s.CreateAsset(ctx, a, steward.AssetFields{Name: "+Lift", SerialNumber: "S1", Year: ptr(2001), OwnerCustomerID: &c.ID, LocationID: &l.ID}))
		mkAsset(t, s, a, "Bare", "", "")
		all := steward.ListParams{Status: steward.StatusAll}
		files := map[steward.ImportKind]string{
			steward.ImportCustomers: exportCSV(t, steward.CustomerCSV, allCustomers(t, s, a, steward.CustomerFilter{ListParams: all})),
			steward.ImportContacts:  exportCSV(t, steward.ContactCSV, allContacts(t, s, a, steward.ContactFilter{ListParams: all})),
			steward.ImportLocations: exportCSV(t, steward.LocationCSV, allLocations(t, s, a, steward.LocationFilter{ListParams: all})),
			steward.ImportAssets:    exportCSV(t, steward.AssetCSV, allAssets(t, s, a, steward.AssetFilter{ListParams: all})),
		}
		for _, kind := range steward.ImportKind("").Values() {
			j := importFile(t, s, a, kind, false, files[kind])
			want := int64(2)
			if kind == steward.ImportContacts {
				want = 1
			}
			if j.Status != steward.ImportSucceeded || j.Unchanged != want || j.Created+j.Updated+j.FailedRows != 0 {
				t.Fatalf("%s round trip: %+v\n%s", kind, j, files[kind])
			}
		}
		wantNoCountMismatch(t, s, o.acc.ID)
	})
}

func TestImportPermissions(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		user := o.keyActor(t, s, steward.RoleUser, false)
		wantCode(t, s.MayImport(ctx, user, steward.ImportCustomers), steward.EFORBIDDEN)
		_, err := s.CreateImport(ctx, user, steward.NewImport{Kind: steward.ImportCustomers, File: strings.NewReader("name\nA\n")})
		wantCode(t, err, steward.EFORBIDDEN)
		scopedFleet := scopedUser(t, s, raw, o, steward.RoleFleetAdmin, steward.FleetVisibilityNone)
		wantCode(t, s.MayImport(ctx, scopedFleet, steward.ImportAssets), steward.EFORBIDDEN)
		ok(t, s.MayImport(ctx, scopedFleet, steward.ImportCustomers))
		_, err = s.CreateImport(ctx, o.admin, steward.NewImport{Kind: "things", File: strings.NewReader("name\nA\n")})
		wantField(t, err, steward.EINVALID, "kind")
		_, err = s.CreateImport(ctx, o.admin, steward.NewImport{Kind: steward.ImportCustomers, File: strings.NewReader("name\nA\n"), MaxBytes: 4})
		wantCode(t, err, steward.ETOOLARGE)
		// Another organization's job is not found.
		j := must(s.CreateImport(ctx, o.admin, steward.NewImport{Kind: steward.ImportCustomers, File: strings.NewReader("name\nA\n")}))
		other := newOrg(t, s)
		_, err = s.Import(ctx, other.admin, j.ID)
		wantCode(t, err, steward.ENOTFOUND)
	})
}

// A job left running by a process that died is taken back and run again from its start; the
// transaction it was in the middle of never committed, so nothing of it is in the database.
func TestImportResumedAfterDeadWorker(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			storetest.SkipWithoutPostgres(t, engine)
			defer catchMust(t)
			s := storetest.Open(t, engine)
			raw := openRaw(t, engine, storetest.DSN(t, engine))
			_ = raw
			o := newOrg(t, s)
			var b strings.Builder
			b.WriteString("name,external_ref\n")
			for i := range 1200 {
				fmt.Fprintf(&b, "Customer %d,R-%d\n", i, i)
			}
			j := must(s.CreateImport(ctx, o.admin, steward.NewImport{Kind: steward.ImportCustomers, File: strings.NewReader(b.String())}))
			// The first worker dies in the middle of writing: its context ends during the apply.
			cctx, cancel := context.WithCancel(ctx)
			_, err := s.RunImport(cctx, j.ID, "dead", func(p *steward.ImportJob) {
				if p.Created > 0 && p.ProcessedRows >= 500 && p.ProcessedRows < 1200 && p.Status == steward.ImportRunning {
					cancel()
				}
			})
			cancel()
			if err == nil {
				t.Fatalf("the interrupted run ended without error")
			}
			if n := len(allCustomers(t, s, o.admin, steward.CustomerFilter{})); n != 0 {
				t.Fatalf("an interrupted import left %d customers", n)
			}
			cur := must(s.Import(ctx, o.admin, j.ID))
			if cur.Status != steward.ImportRunning {
				t.Fatalf("status after the worker died: %s", cur.Status)
			}
			// A new worker does not take a job whose worker still beats…
			if id := must(s.ClaimImport(ctx, "new")); id != "" {
				t.Fatalf("claimed %s while its worker is fresh", id)
			}
			// …but does once it is silent.
			store.AgeImportHeartbeat(t, s, j.ID)
			id := must(s.ClaimImport(ctx, "new"))
			if id != j.ID {
				t.Fatalf("ClaimImport = %q; want %s", id, j.ID)
			}
			done := must(s.RunImport(ctx, id, "new", nil))
			wantJob(t, done, steward.ImportSucceeded, 1200, 0, 0, 0)
			if n := len(allCustomers(t, s, o.admin, steward.CustomerFilter{ListParams: steward.ListParams{Limit: 500}})); n != 1200 {
				t.Fatalf("%d customers after the resumed import", n)
			}
			// The dead worker cannot end a job it lost.
			_, err = s.RunImport(ctx, id, "dead", nil)
			if err != nil {
				t.Fatalf("RunImport of an ended job: %v", err)
			}
			// A job interrupted too often fails, writing nothing.
			j2 := must(s.CreateImport(ctx, o.admin, steward.NewImport{Kind: steward.ImportCustomers, File: strings.NewReader("name\nZ\n")}))
			for range 3 {
				store.AgeImportHeartbeat(t, s, j2.ID) // no-op while queued
				if got := must(s.ClaimImport(ctx, "flaky")); got != j2.ID {
					t.Fatalf("claim %q", got)
				}
				store.AgeImportHeartbeat(t, s, j2.ID)
			}
			if got := must(s.ClaimImport(ctx, "flaky")); got != "" {
				t.Fatalf("claimed %q after three attempts", got)
			}
			if f := must(s.Import(ctx, o.admin, j2.ID)); f.Status != steward.ImportFailed || len(f.Errors) != 1 {
				t.Fatalf("job after three interruptions: %+v", f)
			}
		})
	}
}
