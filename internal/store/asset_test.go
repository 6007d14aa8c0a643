package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

func TestAssetCRUD(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		c := mkCustomer(t, s, a, "Owner")
		site := mkLocation(t, s, a, c.ID, "Owner site")
		depot := mkLocation(t, s, a, "", "Depot")
		x, err := s.CreateAsset(ctx, a, steward.AssetFields{Name: " Excavator 7 ", SerialNumber: " SN-0001 ", ExternalRef: "ERP-7",
			Make: "Volvo", Model: "EC220E", Category: "Excavator", Year: ptr(2021), OwnerCustomerID: &c.ID, LocationID: &site.ID})
		ok(t, err)
		if x.Name != "Excavator 7" || x.SerialNumber != "SN-0001" || x.OwnerAccountID != o.acc.ID || x.Version != 1 ||
			x.LocationCustomerID == nil || *x.LocationCustomerID != c.ID || *x.Year != 2021 {
			t.Errorf("created = %+v", x)
		}
		got := must(s.Asset(ctx, a, x.ID))
		if got.Name != x.Name || got.Make != "Volvo" || got.Model != "EC220E" || got.Category != "Excavator" || *got.Year != 2021 ||
			*got.OwnerCustomerID != c.ID || *got.LocationID != site.ID || *got.LocationCustomerID != c.ID || got.ExternalRef != "ERP-7" {
			t.Errorf("stored = %+v", got)
		}
		// Filters.
		mkAsset(t, s, a, "Loose", "", "")
		mkAsset(t, s, a, "In depot", c.ID, depot.ID)
		check := func(f steward.AssetFilter, want ...string) {
			t.Helper()
			if n := assetNames(allAssets(t, s, a, f)); !equalStrings(n, want) {
				t.Errorf("filter %+v = %v, want %v", f, n, want)
			}
		}
		check(steward.AssetFilter{OwnerCustomerID: c.ID}, "Excavator 7", "In depot")
		check(steward.AssetFilter{LocationID: depot.ID}, "In depot")
		check(steward.AssetFilter{LocationCustomerID: c.ID}, "Excavator 7")
		check(steward.AssetFilter{OwnerCustomerID: c.ID, LocationID: depot.ID}, "In depot")
		check(steward.AssetFilter{}, "Excavator 7", "In depot", "Loose")
		_, err = s.Assets(ctx, a, steward.AssetFilter{GroupID: "g-1"})
		wantField(t, err, steward.EINVALID, "group_id")

		// Moving: location and its customer follow; clearing the owner.
		up := must(s.UpdateAsset(ctx, a, x.ID, 1, func(f *steward.AssetFields) error {
			f.LocationID = &depot.ID
			f.OwnerCustomerID = nil
			f.Year = nil
			return nil
		}))
		if up.LocationCustomerID != nil || *up.LocationID != depot.ID || up.OwnerCustomerID != nil || up.Year != nil || up.Version != 2 {
			t.Errorf("updated = %+v", up)
		}
		got = must(s.Asset(ctx, a, x.ID))
		if got.LocationCustomerID != nil || *got.LocationID != depot.ID || got.OwnerCustomerID != nil || got.Year != nil {
			t.Errorf("stored after update = %+v", got)
		}
		check(steward.AssetFilter{LocationCustomerID: c.ID})
		// If-Match.
		_, err = s.UpdateAsset(ctx, a, x.ID, 1, func(f *steward.AssetFields) error { f.Name = "n"; return nil })
		wantCode(t, err, steward.EPRECONDITION)
		_, err = s.SetAssetArchived(ctx, a, x.ID, 1, true)
		wantCode(t, err, steward.EPRECONDITION)
		wantCode(t, s.DeleteAsset(ctx, a, x.ID, 1), steward.EPRECONDITION)
		// Archive/unarchive keep owner and location.
		ar := must(s.SetAssetArchived(ctx, a, x.ID, 2, true))
		if ar.ArchivedAt == nil || ar.Version != 3 || *ar.LocationID != depot.ID {
			t.Errorf("archived = %+v", ar)
		}
		check(steward.AssetFilter{LocationID: depot.ID}, "In depot")
		check(steward.AssetFilter{ListParams: steward.ListParams{Status: steward.StatusArchived}}, "Excavator 7")
		check(steward.AssetFilter{ListParams: steward.ListParams{Status: steward.StatusAll, Q: "excav"}}, "Excavator 7")
		check(steward.AssetFilter{ListParams: steward.ListParams{Status: steward.StatusAll}, LocationID: depot.ID}, "Excavator 7", "In depot")
		un := must(s.SetAssetArchived(ctx, a, x.ID, 3, false))
		if un.ArchivedAt != nil || un.Version != 4 {
			t.Errorf("unarchived = %+v", un)
		}
		// Delete keeps the history.
		ok(t, s.DeleteAsset(ctx, a, x.ID, 4))
		_, err = s.Asset(ctx, a, x.ID)
		wantCode(t, err, steward.ENOTFOUND)
		wantCode(t, s.DeleteAsset(ctx, a, x.ID, 0), steward.ENOTFOUND)
		_, err = s.UpdateAsset(ctx, a, x.ID, 0, func(*steward.AssetFields) error { return nil })
		wantCode(t, err, steward.ENOTFOUND)
		_, err = s.SetAssetArchived(ctx, a, x.ID, 0, true)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = s.AssetMovements(ctx, a, x.ID, steward.ListParams{})
		wantCode(t, err, steward.ENOTFOUND)
		ev := auditFor(t, s, a, x.ID)
		if len(ev) != 5 || ev[0].Action != steward.ActionDelete || ev[4].Action != steward.ActionCreate {
			t.Errorf("history = %d events", len(ev))
		}
	})
}

func TestAssetValidation(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		o2 := newOrg(t, s)
		fc := mkCustomer(t, s, o2.admin, "Foreign customer")
		fl := mkLocation(t, s, o2.admin, "", "Foreign location")
		x := mkAsset(t, s, o.admin, "Valid", "", "")
		next := time.Now().Year() + 1
		for _, tc := range []struct {
			field  string
			change func(*steward.AssetFields)
		}{
			{"name", func(f *steward.AssetFields) { f.Name = "\t" }},
			{"name", func(f *steward.AssetFields) { f.Name = strings.Repeat("n", 201) }},
			{"serial_number", func(f *steward.AssetFields) { f.SerialNumber = strings.Repeat("s", 101) }},
			{"external_ref", func(f *steward.AssetFields) { f.ExternalRef = strings.Repeat("e", 201) }},
			{"make", func(f *steward.AssetFields) { f.Make = strings.Repeat("m", 201) }},
			{"model", func(f *steward.AssetFields) { f.Model = "a\x01" }},
			{"category", func(f *steward.AssetFields) { f.Category = strings.Repeat("c", 201) }},
			{"year", func(f *steward.AssetFields) { f.Year = ptr(1899) }},
			{"year", func(f *steward.AssetFields) { f.Year = ptr(next + 1) }},
			{"owner_customer_id", func(f *steward.AssetFields) { f.OwnerCustomerID = ptr("no-such-customer") }},
			{"owner_customer_id", func(f *steward.AssetFields) { f.OwnerCustomerID = &fc.ID }},
			{"owner_customer_id", func(f *steward.AssetFields) { f.OwnerCustomerID = ptr(strings.Repeat("i", 65)) }},
			{"location_id", func(f *steward.AssetFields) { f.LocationID = ptr("no-such-location") }},
			{"location_id", func(f *steward.AssetFields) { f.LocationID = &fl.ID }},
			{"location_id", func(f *steward.AssetFields) { f.LocationID = ptr("loc\x00id") }},
			{"owner_customer_id", func(f *steward.AssetFields) { f.OwnerCustomerID = ptr("bad \xff id") }},
		} {
			f := steward.AssetFields{Name: "Valid"}
			tc.change(&f)
			_, err := s.CreateAsset(ctx, o.admin, f)
			wantField(t, err, steward.EINVALID, tc.field)
			_, err = s.UpdateAsset(ctx, o.admin, x.ID, 0, func(f *steward.AssetFields) error { tc.change(f); return nil })
			wantField(t, err, steward.EINVALID, tc.field)
		}
		must(s.CreateAsset(ctx, o.admin, steward.AssetFields{Name: "Old", Year: ptr(1900)}))
		must(s.CreateAsset(ctx, o.admin, steward.AssetFields{Name: "New", Year: ptr(next)}))
		// Empty reference ids mean none.
		e := must(s.CreateAsset(ctx, o.admin, steward.AssetFields{Name: "Empty refs", OwnerCustomerID: ptr(""), LocationID: ptr("  ")}))
		if e.OwnerCustomerID != nil || e.LocationID != nil {
			t.Errorf("empty refs stored as %v %v", e.OwnerCustomerID, e.LocationID)
		}
		if n := len(allAssets(t, s, o.admin, steward.AssetFilter{ListParams: steward.ListParams{Status: steward.StatusAll}})); n != 4 {
			t.Errorf("%d assets stored, want 4", n)
		}
	})
}

func TestAssetSerialAndExternalRefUnique(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		x := must(s.CreateAsset(ctx, a, steward.AssetFields{Name: "A", SerialNumber: "SN-AbC-1", ExternalRef: "E-1"}))
		for _, sn := range []string{"SN-AbC-1", "sn-abc-1", " SN-ABC-1 "} {
			_, err := s.CreateAsset(ctx, a, steward.AssetFields{Name: "B", SerialNumber: sn})
			wantField(t, err, steward.ECONFLICT, "serial_number")
		}
		_, err := s.CreateAsset(ctx, a, steward.AssetFields{Name: "B", ExternalRef: " E-1"})
		wantField(t, err, steward.ECONFLICT, "external_ref")
		y := must(s.CreateAsset(ctx, a, steward.AssetFields{Name: "B", SerialNumber: "SN-AbC-2", ExternalRef: "e-1"}))
		_, err = s.UpdateAsset(ctx, a, y.ID, 0, func(f *steward.AssetFields) error { f.SerialNumber = "sn-ABC-1"; return nil })
		wantField(t, err, steward.ECONFLICT, "serial_number")
		_, err = s.UpdateAsset(ctx, a, y.ID, 0, func(f *steward.AssetFields) error { f.ExternalRef = "E-1"; return nil })
		wantField(t, err, steward.ECONFLICT, "external_ref")
		// Changing the case of one's own serial number is fine.
		up := must(s.UpdateAsset(ctx, a, x.ID, 0, func(f *steward.AssetFields) error { f.SerialNumber = "SN-ABC-1"; return nil }))
		if up.SerialNumber != "SN-ABC-1" {
			t.Errorf("serial = %q", up.SerialNumber)
		}
		// Archived assets keep theirs.
		must(s.SetAssetArchived(ctx, a, x.ID, 0, true))
		_, err = s.CreateAsset(ctx, a, steward.AssetFields{Name: "C", SerialNumber: "sn-abc-1"})
		wantField(t, err, steward.ECONFLICT, "serial_number")
		// Many assets without a serial number.
		for i := 0; i < 3; i++ {
			must(s.CreateAsset(ctx, a, steward.AssetFields{Name: fmt.Sprint("No serial ", i), SerialNumber: " "}))
		}
		// Another organization may use the same ones.
		o2 := newOrg(t, s)
		must(s.CreateAsset(ctx, o2.admin, steward.AssetFields{Name: "A", SerialNumber: "SN-ABC-1", ExternalRef: "E-1"}))
		// Deleting frees them.
		ok(t, s.DeleteAsset(ctx, a, x.ID, 0))
		must(s.CreateAsset(ctx, a, steward.AssetFields{Name: "D", SerialNumber: "sn-abc-1", ExternalRef: "E-1"}))
	})
}

func TestAssetMovements(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		c1 := mkCustomer(t, s, a, "First owner")
		c2 := mkCustomer(t, s, a, "Second owner")
		l1 := mkLocation(t, s, a, c1.ID, "Site one")
		l2 := mkLocation(t, s, a, "", "Depot two")
		x := mkAsset(t, s, a, "Mover", c1.ID, l1.ID)
		tech := o.keyActor(t, s, steward.RoleTechnician, false)
		// 1: location l1 -> l2 by the technician.
		must(s.UpdateAsset(ctx, tech, x.ID, 0, func(f *steward.AssetFields) error { f.LocationID = &l2.ID; return nil }))
		// 2: owner c1 -> c2.
		must(s.UpdateAsset(ctx, a, x.ID, 0, func(f *steward.AssetFields) error { f.OwnerCustomerID = &c2.ID; return nil }))
		// Not a movement: a name change.
		must(s.UpdateAsset(ctx, a, x.ID, 0, func(f *steward.AssetFields) error { f.Name = "Mover 2"; return nil }))
		// 3: location cleared (in transit).
		must(s.UpdateAsset(ctx, a, x.ID, 0, func(f *steward.AssetFields) error { f.LocationID = nil; return nil }))
		// Names change afterwards; labels keep the names at the time.
		must(s.UpdateLocation(ctx, a, l1.ID, 0, func(f *steward.LocationFields) error { f.Name = "Site one renamed"; return nil }))
		must(s.UpdateCustomer(ctx, a, c1.ID, 0, func(f *steward.CustomerFields) error { f.Name = "First owner renamed"; return nil }))

		p := must(s.AssetMovements(ctx, a, x.ID, steward.ListParams{}))
		if p.NextCursor != nil {
			t.Error("single page has a next cursor")
		}
		type mv struct{ field, old, new, oldLabel, newLabel string }
		str := func(v any) string {
			if v == nil {
				return ""
			}
			return fmt.Sprint(v)
		}
		lab := func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}
		var got []mv
		for _, m := range p.Data {
			got = append(got, mv{m.Field, str(m.Old), str(m.New), lab(m.OldLabel), lab(m.NewLabel)})
		}
		// Newest first; the create's location and owner come last (their order within one event is by field).
		want := []mv{
			{"location_id", l2.ID, "", "Depot two", ""},
			{"owner_customer_id", c1.ID, c2.ID, "First owner", "Second owner"},
			{"location_id", l1.ID, l2.ID, "Site one", "Depot two"},
		}
		if len(got) != 5 {
			t.Fatalf("movements = %+v", got)
		}
		for i, w := range want {
			if got[i] != w {
				t.Errorf("movement %d = %+v, want %+v", i, got[i], w)
			}
		}
		created := map[string]mv{got[3].field: got[3], got[4].field: got[4]}
		if created["location_id"] != (mv{"location_id", "", l1.ID, "", "Site one"}) ||
			created["owner_customer_id"] != (mv{"owner_customer_id", "", c1.ID, "", "First owner"}) {
			t.Errorf("create movements = %+v", got[3:])
		}
		if p.Data[2].Actor.Type != steward.ActorAPIKey || p.Data[2].Actor.ID != tech.ID {
			t.Errorf("technician's move recorded as %+v", p.Data[2].Actor)
		}
		for i := 1; i < len(p.Data); i++ {
			if p.Data[i].At.After(p.Data[i-1].At.Time) {
				t.Errorf("movement %d is newer than %d", i, i-1)
			}
		}

		// Paged with limit 1: the same movements, no repeats or skips, no page over the limit.
		var paged []mv
		cursor := ""
		for i := 0; i < 20; i++ {
			pg := must(s.AssetMovements(ctx, a, x.ID, steward.ListParams{Limit: 1, Cursor: cursor}))
			if len(pg.Data) > 1 {
				t.Errorf("page %d has %d movements with limit 1", i, len(pg.Data))
			}
			for _, m := range pg.Data {
				paged = append(paged, mv{m.Field, str(m.Old), str(m.New), lab(m.OldLabel), lab(m.NewLabel)})
			}
			if pg.NextCursor == nil {
				break
			}
			cursor = *pg.NextCursor
		}
		if fmt.Sprint(paged) != fmt.Sprint(got) {
			t.Errorf("paged movements:\n%v\nwant\n%v", paged, got)
		}
		// Limits and cursors are checked.
		_, err := s.AssetMovements(ctx, a, x.ID, steward.ListParams{Limit: 501})
		wantField(t, err, steward.EINVALID, "limit")
		_, err = s.AssetMovements(ctx, a, x.ID, steward.ListParams{Cursor: "garbage"})
		wantField(t, err, steward.EINVALID, "cursor")
		// A technician (not an admin) may read an asset's movements.
		if p := must(s.AssetMovements(ctx, tech, x.ID, steward.ListParams{})); len(p.Data) != 5 {
			t.Errorf("technician sees %d movements", len(p.Data))
		}
	})
}
