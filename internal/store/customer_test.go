package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

func TestCustomerCRUD(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		f := steward.CustomerFields{Name: "  Müller Bau GmbH ", Type: steward.CustomerContractor, ExternalRef: " CRM-1 ",
			Email: "info@mueller.example", Phone: "+49 (30) 123-45", Website: "mueller.example",
			Address: steward.Address{Street: "Hauptstr. 1", PostalCode: "10115", City: "Berlin", Region: "BE", Country: "de"},
			Notes:   "line one\nline two"}
		c, err := s.CreateCustomer(ctx, a, f)
		ok(t, err)
		if c.Name != "Müller Bau GmbH" || c.ExternalRef != "CRM-1" || c.Website != "https://mueller.example" ||
			c.Address.Country != "DE" || c.AccountID != o.acc.ID || c.Version != 1 || c.ArchivedAt != nil {
			t.Errorf("created = %+v", c)
		}
		if c.CreatedAt.IsZero() || !c.CreatedAt.Equal(c.UpdatedAt.Time) {
			t.Errorf("created_at %v updated_at %v", c.CreatedAt, c.UpdatedAt)
		}
		got := must(s.Customer(ctx, a, c.ID))
		if got.CustomerFields != c.CustomerFields || got.Version != 1 || !got.CreatedAt.Equal(c.CreatedAt.Time) {
			t.Errorf("stored = %+v\nwant %+v", got, c)
		}
		// The type defaults to other.
		d := mkCustomer(t, s, a, "Default Type")
		if d.Type != steward.CustomerOther {
			t.Errorf("default type = %q", d.Type)
		}

		// Update: only what change touches changes; the version moves.
		up, err := s.UpdateCustomer(ctx, a, c.ID, c.Version, func(f *steward.CustomerFields) error {
			f.Address.City = "Potsdam"
			f.Email = ""
			return nil
		})
		ok(t, err)
		if up.Address.City != "Potsdam" || up.Email != "" || up.Address.Street != "Hauptstr. 1" || up.Version != 2 || up.UpdatedAt.Before(c.UpdatedAt.Time) {
			t.Errorf("updated = %+v", up)
		}
		got = must(s.Customer(ctx, a, c.ID))
		if got.Address.City != "Potsdam" || got.Email != "" || got.Version != 2 {
			t.Errorf("stored after update = %+v", got)
		}
		// A change that changes nothing stores nothing.
		same := must(s.UpdateCustomer(ctx, a, c.ID, 0, func(f *steward.CustomerFields) error { f.Name = " Müller Bau GmbH"; return nil }))
		if same.Version != 2 {
			t.Errorf("no-op update moved the version to %d", same.Version)
		}
		if n := len(auditFor(t, s, a, c.ID)); n != 2 {
			t.Errorf("audit after create, update, no-op update: %d events, want 2", n)
		}
		// An error from change aborts the update.
		_, err = s.UpdateCustomer(ctx, a, c.ID, 0, func(f *steward.CustomerFields) error {
			f.Name = "Changed"
			return steward.Invalid("name", "refused by caller")
		})
		wantField(t, err, steward.EINVALID, "name")
		if got := must(s.Customer(ctx, a, c.ID)); got.Name != "Müller Bau GmbH" {
			t.Errorf("aborted update stored name %q", got.Name)
		}

		// Get/update/archive/delete of an unknown id is ENOTFOUND.
		_, err = s.Customer(ctx, a, "nope")
		wantCode(t, err, steward.ENOTFOUND)
		_, err = s.UpdateCustomer(ctx, a, "nope", 0, func(*steward.CustomerFields) error { return nil })
		wantCode(t, err, steward.ENOTFOUND)
		_, err = s.SetCustomerArchived(ctx, a, "nope", 0, true)
		wantCode(t, err, steward.ENOTFOUND)
		wantCode(t, s.DeleteCustomer(ctx, a, "nope", 0), steward.ENOTFOUND)

		// Delete.
		ok(t, s.DeleteCustomer(ctx, a, d.ID, d.Version))
		_, err = s.Customer(ctx, a, d.ID)
		wantCode(t, err, steward.ENOTFOUND)
		wantCode(t, s.DeleteCustomer(ctx, a, d.ID, 0), steward.ENOTFOUND)
	})
}

func TestCustomerValidation(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		c := mkCustomer(t, s, o.admin, "Valid")
		cases := []struct {
			field  string
			change func(*steward.CustomerFields)
		}{
			{"name", func(f *steward.CustomerFields) { f.Name = "" }},
			{"name", func(f *steward.CustomerFields) { f.Name = "   " }},
			{"name", func(f *steward.CustomerFields) { f.Name = strings.Repeat("x", 201) }},
			{"name", func(f *steward.CustomerFields) { f.Name = "tab\there" }},
			{"name", func(f *steward.CustomerFields) { f.Name = "bad \xff utf8" }},
			{"type", func(f *steward.CustomerFields) { f.Type = "customer" }},
			{"type", func(f *steward.CustomerFields) { f.Type = "Dealer" }},
			{"external_ref", func(f *steward.CustomerFields) { f.ExternalRef = strings.Repeat("r", 201) }},
			{"email", func(f *steward.CustomerFields) { f.Email = "not an email" }},
			{"email", func(f *steward.CustomerFields) { f.Email = "a@localhost" }},
			{"email", func(f *steward.CustomerFields) { f.Email = "Name <a@example.com>" }},
			{"phone", func(f *steward.CustomerFields) { f.Phone = "call us" }},
			{"phone", func(f *steward.CustomerFields) { f.Phone = "12" }},
			{"website", func(f *steward.CustomerFields) { f.Website = "ftp://example.com" }},
			{"website", func(f *steward.CustomerFields) { f.Website = "https://" }},
			{"address.street", func(f *steward.CustomerFields) { f.Address.Street = strings.Repeat("s", 201) }},
			{"address.postal_code", func(f *steward.CustomerFields) { f.Address.PostalCode = strings.Repeat("1", 21) }},
			{"address.city", func(f *steward.CustomerFields) { f.Address.City = "a\x00b" }},
			{"address.region", func(f *steward.CustomerFields) { f.Address.Region = strings.Repeat("r", 201) }},
			{"address.country", func(f *steward.CustomerFields) { f.Address.Country = "XX" }},
			{"address.country", func(f *steward.CustomerFields) { f.Address.Country = "Germany" }},
			{"notes", func(f *steward.CustomerFields) { f.Notes = strings.Repeat("n", 10001) }},
			{"notes", func(f *steward.CustomerFields) { f.Notes = "bell\a" }},
		}
		for _, tc := range cases {
			f := steward.CustomerFields{Name: "Valid"}
			tc.change(&f)
			_, err := s.CreateCustomer(ctx, o.admin, f)
			wantField(t, err, steward.EINVALID, tc.field)
			_, err = s.UpdateCustomer(ctx, o.admin, c.ID, 0, func(f *steward.CustomerFields) error { tc.change(f); return nil })
			wantField(t, err, steward.EINVALID, tc.field)
		}
		// Every bad field is listed at once.
		_, err := s.CreateCustomer(ctx, o.admin, steward.CustomerFields{Email: "x", Website: "ftp://x", Address: steward.Address{Country: "XX"}})
		e := wantCode(t, err, steward.EINVALID)
		var fields []string
		for _, f := range e.Fields {
			fields = append(fields, f.Field)
		}
		if !sameSet(fields, []string{"name", "email", "website", "address.country"}) {
			t.Errorf("fields = %v", fields)
		}
		// Nothing invalid was stored.
		if all := allCustomers(t, s, o.admin, steward.CustomerFilter{ListParams: steward.ListParams{Status: steward.StatusAll}}); len(all) != 1 {
			t.Errorf("%d customers stored, want 1", len(all))
		}
		// Multiline notes and every customer type are fine.
		for _, typ := range steward.CustomerType("").Values() {
			must(s.CreateCustomer(ctx, o.admin, steward.CustomerFields{Name: "T " + string(typ), Type: typ, Notes: "a\r\n\tb"}))
		}
		// The list's type filter validates too.
		_, err = s.Customers(ctx, o.admin, steward.CustomerFilter{Type: "nope"})
		wantField(t, err, steward.EINVALID, "type")
		p := must(s.Customers(ctx, o.admin, steward.CustomerFilter{Type: steward.CustomerDealer}))
		if len(p.Data) != 1 || p.Data[0].Type != steward.CustomerDealer {
			t.Errorf("type filter = %v", customerNames(p.Data))
		}
	})
}

func TestCustomerExternalRefUnique(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		c1 := must(s.CreateCustomer(ctx, a, steward.CustomerFields{Name: "One", ExternalRef: "CRM-1"}))
		// Trimmed before comparing.
		_, err := s.CreateCustomer(ctx, a, steward.CustomerFields{Name: "Two", ExternalRef: "  CRM-1 "})
		wantField(t, err, steward.ECONFLICT, "external_ref")
		// Case-sensitive.
		c2 := must(s.CreateCustomer(ctx, a, steward.CustomerFields{Name: "Two", ExternalRef: "crm-1"}))
		// Updating into a taken one conflicts; keeping one's own does not.
		_, err = s.UpdateCustomer(ctx, a, c2.ID, 0, func(f *steward.CustomerFields) error { f.ExternalRef = "CRM-1"; return nil })
		wantField(t, err, steward.ECONFLICT, "external_ref")
		must(s.UpdateCustomer(ctx, a, c1.ID, 0, func(f *steward.CustomerFields) error { f.ExternalRef = " CRM-1"; f.Notes = "x"; return nil }))
		// Archived objects keep their reference.
		must(s.SetCustomerArchived(ctx, a, c1.ID, 0, true))
		_, err = s.CreateCustomer(ctx, a, steward.CustomerFields{Name: "Three", ExternalRef: "CRM-1"})
		wantField(t, err, steward.ECONFLICT, "external_ref")
		// Empty means none: many customers may have none.
		for i := 0; i < 3; i++ {
			must(s.CreateCustomer(ctx, a, steward.CustomerFields{Name: fmt.Sprint("No ref ", i), ExternalRef: " "}))
		}
		// Deleting frees it.
		ok(t, s.DeleteCustomer(ctx, a, c1.ID, 0))
		must(s.CreateCustomer(ctx, a, steward.CustomerFields{Name: "Four", ExternalRef: "CRM-1"}))
		// Per kind: a location and a contact may use the same reference.
		l := must(s.CreateLocation(ctx, a, steward.LocationFields{Name: "L", ExternalRef: "CRM-1"}))
		must(s.CreateContact(ctx, a, c2.ID, steward.ContactFields{Name: "K", ExternalRef: "CRM-1"}))
		must(s.CreateAsset(ctx, a, steward.AssetFields{Name: "X", ExternalRef: "CRM-1", LocationID: &l.ID}))
		// Another organization may use it too.
		o2 := newOrg(t, s)
		must(s.CreateCustomer(ctx, o2.admin, steward.CustomerFields{Name: "Other org", ExternalRef: "CRM-1"}))
	})
}

func TestCustomerDeleteRefusedWhenReferenced(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		c := mkCustomer(t, s, a, "Referenced")
		var locs []*steward.Location
		for i := 0; i < 3; i++ {
			locs = append(locs, mkLocation(t, s, a, c.ID, fmt.Sprint("Site ", i)))
		}
		k1 := mkContact(t, s, a, c.ID, "Anna")
		k2 := mkContact(t, s, a, c.ID, "Ben")
		depot := mkLocation(t, s, a, "", "Depot")
		x := mkAsset(t, s, a, "Owned elsewhere", c.ID, depot.ID)

		err := s.DeleteCustomer(ctx, a, c.ID, 0)
		e := wantCode(t, err, steward.ECONFLICT)
		msgs := map[string]string{}
		for _, f := range e.Fields {
			if _, dup := msgs[f.Field]; dup {
				t.Errorf("field %s listed twice", f.Field)
			}
			msgs[f.Field] = f.Message
		}
		if len(msgs) != 3 || msgs["locations"] != "3 locations reference it" || !strings.HasPrefix(msgs["contacts"], "2 contacts") ||
			msgs["assets_owned"] != "1 owned asset references it" {
			t.Errorf("refusal fields = %+v", e.Fields)
		}
		if !strings.Contains(e.Message, "archive") {
			t.Errorf("refusal message %q does not suggest archiving", e.Message)
		}
		// Archived references still count: archiving does not change references.
		for _, l := range locs {
			must(s.SetLocationArchived(ctx, a, l.ID, 0, true))
		}
		must(s.SetContactArchived(ctx, a, k1.ID, 0, true))
		must(s.SetAssetArchived(ctx, a, x.ID, 0, true))
		e = wantCode(t, s.DeleteCustomer(ctx, a, c.ID, 0), steward.ECONFLICT)
		if len(e.Fields) != 3 {
			t.Errorf("archived references: %+v", e.Fields)
		}
		// Remove them one kind at a time; each refusal names exactly what is left.
		for _, l := range locs {
			ok(t, s.DeleteLocation(ctx, a, l.ID, 0))
		}
		e = wantCode(t, s.DeleteCustomer(ctx, a, c.ID, 0), steward.ECONFLICT)
		if len(e.Fields) != 2 || e.Fields[0].Field == "locations" || e.Fields[1].Field == "locations" {
			t.Errorf("after deleting locations: %+v", e.Fields)
		}
		ok(t, s.DeleteContact(ctx, a, k1.ID, 0))
		ok(t, s.DeleteContact(ctx, a, k2.ID, 0))
		must(s.UpdateAsset(ctx, a, x.ID, 0, func(f *steward.AssetFields) error { f.OwnerCustomerID = nil; return nil }))
		ok(t, s.DeleteCustomer(ctx, a, c.ID, 0))
		// The refused deletes changed nothing and wrote no delete event before the real one.
		ev := allAudit(t, s, a, steward.AuditFilter{ObjectID: c.ID, Action: steward.ActionDelete})
		if len(ev) != 1 {
			t.Errorf("%d delete events, want 1", len(ev))
		}
	})
}

// A refusal reads as a sentence: "1 location references it", "3 locations reference it".
func TestDeleteRefusalMessageGrammar(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		c := mkCustomer(t, s, a, "C")
		l := mkLocation(t, s, a, c.ID, "Only site")
		mkContact(t, s, a, c.ID, "Only contact")
		mkAsset(t, s, a, "Only asset", c.ID, l.ID)
		e := wantCode(t, s.DeleteCustomer(ctx, a, c.ID, 0), steward.ECONFLICT)
		for _, f := range e.Fields {
			if !strings.HasPrefix(f.Message, "1 ") || !strings.HasSuffix(f.Message, " references it") {
				t.Errorf("%s: %q, want \"1 … references it\"", f.Field, f.Message)
			}
		}
		e = wantCode(t, s.DeleteLocation(ctx, a, l.ID, 0), steward.ECONFLICT)
		if len(e.Fields) != 1 || e.Fields[0].Field != "assets" || !strings.HasSuffix(e.Fields[0].Message, " references it") {
			t.Errorf("location refusal: %+v", e.Fields)
		}
	})
}

func TestCustomerArchive(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		c := mkCustomer(t, s, a, "Archivable Anton")
		mkCustomer(t, s, a, "Active Anna")
		l := mkLocation(t, s, a, c.ID, "Anton Yard")
		k := mkContact(t, s, a, c.ID, "Anton Contact")
		x := mkAsset(t, s, a, "Anton Digger", c.ID, l.ID)

		// Stale If-Match is refused.
		_, err := s.SetCustomerArchived(ctx, a, c.ID, c.Version+1, true)
		wantCode(t, err, steward.EPRECONDITION)

		ar := must(s.SetCustomerArchived(ctx, a, c.ID, c.Version, true))
		if ar.ArchivedAt == nil || ar.Version != c.Version+1 {
			t.Fatalf("archived = %+v", ar)
		}
		// Archiving again changes nothing.
		again := must(s.SetCustomerArchived(ctx, a, c.ID, 0, true))
		if again.Version != ar.Version || !again.ArchivedAt.Equal(ar.ArchivedAt.Time) {
			t.Errorf("re-archive changed %+v", again)
		}
		list := func(st steward.Status, q string) []string {
			return customerNames(allCustomers(t, s, a, steward.CustomerFilter{ListParams: steward.ListParams{Status: st, Q: q}}))
		}
		if got := list("", ""); !equalStrings(got, []string{"Active Anna"}) {
			t.Errorf("default list = %v", got)
		}
		if got := list(steward.StatusActive, ""); !equalStrings(got, []string{"Active Anna"}) {
			t.Errorf("active list = %v", got)
		}
		if got := list(steward.StatusArchived, ""); !equalStrings(got, []string{"Archivable Anton"}) {
			t.Errorf("archived list = %v", got)
		}
		if got := list(steward.StatusAll, ""); !equalStrings(got, []string{"Active Anna", "Archivable Anton"}) {
			t.Errorf("all list = %v", got)
		}
		if got := list(steward.StatusAll, "anton"); !equalStrings(got, []string{"Archivable Anton"}) {
			t.Errorf("search all = %v", got)
		}
		if got := list(steward.StatusAll, "ar"); !equalStrings(got, []string{"Archivable Anton"}) {
			t.Errorf("short search all = %v", got)
		}
		if got := list("", "anton"); len(got) != 0 {
			t.Errorf("default search finds archived: %v", got)
		}
		_, err = s.Customers(ctx, a, steward.CustomerFilter{ListParams: steward.ListParams{Status: "deleted"}})
		wantField(t, err, steward.EINVALID, "status")

		// The archived customer is still readable and referenceable; its objects keep their state.
		must(s.Customer(ctx, a, c.ID))
		if l2 := must(s.Location(ctx, a, l.ID)); l2.ArchivedAt != nil {
			t.Error("archiving a customer archived its location")
		}
		if k2 := must(s.Contact(ctx, a, k.ID)); k2.ArchivedAt != nil {
			t.Error("archiving a customer archived its contact")
		}
		if x2 := must(s.Asset(ctx, a, x.ID)); x2.ArchivedAt != nil || x2.OwnerCustomerID == nil || *x2.OwnerCustomerID != c.ID {
			t.Error("archiving a customer changed its asset")
		}
		// References to an archived customer are allowed.
		must(s.CreateLocation(ctx, a, steward.LocationFields{Name: "New site", CustomerID: &c.ID}))
		must(s.CreateContact(ctx, a, c.ID, steward.ContactFields{Name: "New contact"}))
		must(s.CreateAsset(ctx, a, steward.AssetFields{Name: "New asset", OwnerCustomerID: &c.ID}))
		// Counts of the archived customer stay exact.
		got := must(s.Customer(ctx, a, c.ID))
		if got.LocationCount != 2 || got.AssetsOwnedCount != 2 || got.AssetsOnLocationCount != 1 || got.AssetsOwnedElsewhereCount != 1 {
			t.Errorf("counts of archived customer = %+v", got.CustomerCounts)
		}

		// Unarchive with stale If-Match is refused; with the right one it works.
		_, err = s.SetCustomerArchived(ctx, a, c.ID, ar.Version-1, false)
		wantCode(t, err, steward.EPRECONDITION)
		un := must(s.SetCustomerArchived(ctx, a, c.ID, got.Version, false))
		if un.ArchivedAt != nil || un.Version != ar.Version+1 {
			t.Errorf("unarchived = %+v", un)
		}
		if got := list("", ""); !equalStrings(got, []string{"Active Anna", "Archivable Anton"}) {
			t.Errorf("after unarchive = %v", got)
		}
		// Both are audit-logged, with archived_at old/new.
		ev := auditFor(t, s, a, c.ID)
		if len(ev) < 3 || ev[0].Action != steward.ActionUnarchive || ev[1].Action != steward.ActionArchive {
			t.Fatalf("audit = %+v", ev)
		}
		if ch := changeOf(ev[1], "archived_at"); ch == nil || ch.Old != nil || ch.New == nil {
			t.Errorf("archive change = %+v", ev[1].Changes)
		}
		if ch := changeOf(ev[0], "archived_at"); ch == nil || ch.Old == nil || ch.New != nil {
			t.Errorf("unarchive change = %+v", ev[0].Changes)
		}
	})
}

func TestCustomerIfMatch(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		c := mkCustomer(t, s, a, "Versioned")
		up := must(s.UpdateCustomer(ctx, a, c.ID, 1, func(f *steward.CustomerFields) error { f.Phone = "123 456"; return nil }))
		if up.Version != 2 {
			t.Fatalf("version %d", up.Version)
		}
		_, err := s.UpdateCustomer(ctx, a, c.ID, 1, func(f *steward.CustomerFields) error { f.Phone = "999"; return nil })
		wantCode(t, err, steward.EPRECONDITION)
		_, err = s.SetCustomerArchived(ctx, a, c.ID, 1, true)
		wantCode(t, err, steward.EPRECONDITION)
		wantCode(t, s.DeleteCustomer(ctx, a, c.ID, 1), steward.EPRECONDITION)
		if got := must(s.Customer(ctx, a, c.ID)); got.Phone != "123 456" || got.ArchivedAt != nil {
			t.Errorf("stale writes changed %+v", got)
		}
		ok(t, s.DeleteCustomer(ctx, a, c.ID, 2))
	})
}
