package store_test

import (
	"math"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

func TestLocationCRUD(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		c := mkCustomer(t, s, a, "Customer")
		l, err := s.CreateLocation(ctx, a, steward.LocationFields{Name: " Yard North ", CustomerID: ptr(" " + c.ID + " "), ExternalRef: "L-1",
			Address: steward.Address{Street: "Dock 4", City: "Hamburg", Country: "de"}, Latitude: ptr(53.55), Longitude: ptr(9.99), RadiusM: ptr(250)})
		ok(t, err)
		if l.Name != "Yard North" || l.CustomerID == nil || *l.CustomerID != c.ID || l.Address.Country != "DE" || l.AssetCount != 0 ||
			l.Version != 1 || l.AccountID != o.acc.ID {
			t.Errorf("created = %+v", l)
		}
		got := must(s.Location(ctx, a, l.ID))
		if got.Name != l.Name || *got.CustomerID != c.ID || *got.Latitude != 53.55 || *got.Longitude != 9.99 || *got.RadiusM != 250 || got.Address != l.Address {
			t.Errorf("stored = %+v", got)
		}
		// An empty customer_id makes it one of the account's own.
		depot := must(s.CreateLocation(ctx, a, steward.LocationFields{Name: "Depot", CustomerID: ptr(" ")}))
		if depot.CustomerID != nil {
			t.Errorf("own location has customer %v", *depot.CustomerID)
		}
		if got := must(s.Location(ctx, a, depot.ID)); got.CustomerID != nil || got.Latitude != nil || got.RadiusM != nil {
			t.Errorf("stored own location = %+v", got)
		}
		other := mkCustomer(t, s, a, "Other")
		mkLocation(t, s, a, other.ID, "Other site")

		// Filters: customer, own.
		if n := locationNames(allLocations(t, s, a, steward.LocationFilter{CustomerID: c.ID})); !equalStrings(n, []string{"Yard North"}) {
			t.Errorf("customer filter = %v", n)
		}
		if n := locationNames(allLocations(t, s, a, steward.LocationFilter{Own: true})); !equalStrings(n, []string{"Depot"}) {
			t.Errorf("own filter = %v", n)
		}
		if n := locationNames(allLocations(t, s, a, steward.LocationFilter{})); len(n) != 3 {
			t.Errorf("all = %v", n)
		}

		// Update, clearing coordinates and moving it to the account.
		up := must(s.UpdateLocation(ctx, a, l.ID, 1, func(f *steward.LocationFields) error {
			f.Latitude, f.Longitude, f.RadiusM = nil, nil, nil
			f.Address.City = "Altona"
			return nil
		}))
		if up.Latitude != nil || up.Address.City != "Altona" || up.Version != 2 {
			t.Errorf("updated = %+v", up)
		}
		got = must(s.Location(ctx, a, l.ID))
		if got.Latitude != nil || got.Longitude != nil || got.RadiusM != nil || got.Address.City != "Altona" {
			t.Errorf("stored after update = %+v", got)
		}
		// If-Match.
		_, err = s.UpdateLocation(ctx, a, l.ID, 1, func(f *steward.LocationFields) error { f.Name = "x"; return nil })
		wantCode(t, err, steward.EPRECONDITION)
		_, err = s.SetLocationArchived(ctx, a, l.ID, 1, true)
		wantCode(t, err, steward.EPRECONDITION)
		wantCode(t, s.DeleteLocation(ctx, a, l.ID, 1), steward.EPRECONDITION)

		// Archive/unarchive.
		ar := must(s.SetLocationArchived(ctx, a, l.ID, 2, true))
		if ar.ArchivedAt == nil || ar.Version != 3 {
			t.Errorf("archived = %+v", ar)
		}
		if n := locationNames(allLocations(t, s, a, steward.LocationFilter{})); !sameSet(n, []string{"Depot", "Other site"}) {
			t.Errorf("active after archive = %v", n)
		}
		if n := locationNames(allLocations(t, s, a, steward.LocationFilter{ListParams: steward.ListParams{Status: steward.StatusArchived}})); !equalStrings(n, []string{"Yard North"}) {
			t.Errorf("archived = %v", n)
		}
		if n := locationNames(allLocations(t, s, a, steward.LocationFilter{ListParams: steward.ListParams{Status: steward.StatusAll, Q: "north"}})); !equalStrings(n, []string{"Yard North"}) {
			t.Errorf("search all = %v", n)
		}
		// Assets may be placed at an archived location.
		x := mkAsset(t, s, a, "At archived", "", l.ID)
		if x.LocationCustomerID == nil || *x.LocationCustomerID != c.ID {
			t.Errorf("asset at archived location: location_customer_id %v", x.LocationCustomerID)
		}
		un := must(s.SetLocationArchived(ctx, a, l.ID, 0, false))
		if un.ArchivedAt != nil || un.Version != 4 || un.AssetCount != 1 {
			t.Errorf("unarchived = %+v", un)
		}

		// Delete is refused while an asset stands there (archived ones included).
		must(s.SetAssetArchived(ctx, a, x.ID, 0, true))
		e := wantCode(t, s.DeleteLocation(ctx, a, l.ID, 0), steward.ECONFLICT)
		if len(e.Fields) != 1 || e.Fields[0].Field != "assets" || !strings.HasPrefix(e.Fields[0].Message, "1 ") {
			t.Errorf("refusal = %+v", e.Fields)
		}
		must(s.UpdateAsset(ctx, a, x.ID, 0, func(f *steward.AssetFields) error { f.LocationID = nil; return nil }))
		ok(t, s.DeleteLocation(ctx, a, l.ID, 0))
		_, err = s.Location(ctx, a, l.ID)
		wantCode(t, err, steward.ENOTFOUND)
		wantCode(t, s.DeleteLocation(ctx, a, l.ID, 0), steward.ENOTFOUND)
		_, err = s.UpdateLocation(ctx, a, l.ID, 0, func(*steward.LocationFields) error { return nil })
		wantCode(t, err, steward.ENOTFOUND)
		_, err = s.SetLocationArchived(ctx, a, l.ID, 0, true)
		wantCode(t, err, steward.ENOTFOUND)
		if ev := auditFor(t, s, a, l.ID); len(ev) != 5 || ev[0].Action != steward.ActionDelete {
			t.Errorf("history of deleted location: %d events", len(ev))
		}
		// Three locations reference a customer: the plural message of the API doc.
		for _, n := range []string{"A", "B"} {
			mkLocation(t, s, a, other.ID, n)
		}
		e = wantCode(t, s.DeleteCustomer(ctx, a, other.ID, 0), steward.ECONFLICT)
		if len(e.Fields) != 1 || e.Fields[0].Field != "locations" || e.Fields[0].Message != "3 locations reference it" {
			t.Errorf("customer refusal = %+v", e.Fields)
		}
		// Two assets at a location.
		mkAsset(t, s, a, "d1", "", depot.ID)
		mkAsset(t, s, a, "d2", "", depot.ID)
		e = wantCode(t, s.DeleteLocation(ctx, a, depot.ID, 0), steward.ECONFLICT)
		if len(e.Fields) != 1 || e.Fields[0].Field != "assets" || !strings.HasPrefix(e.Fields[0].Message, "2 assets") {
			t.Errorf("location refusal = %+v", e.Fields)
		}
	})
}

func TestLocationValidation(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		o2 := newOrg(t, s)
		foreign := mkCustomer(t, s, o2.admin, "Foreign")
		l := mkLocation(t, s, o.admin, "", "Valid")
		for _, tc := range []struct {
			field  string
			change func(*steward.LocationFields)
		}{
			{"name", func(f *steward.LocationFields) { f.Name = "" }},
			{"name", func(f *steward.LocationFields) { f.Name = strings.Repeat("n", 201) }},
			{"latitude", func(f *steward.LocationFields) { f.Latitude, f.Longitude = ptr(90.5), ptr(0.0) }},
			{"latitude", func(f *steward.LocationFields) { f.Latitude, f.Longitude = ptr(-91.0), ptr(0.0) }},
			{"latitude", func(f *steward.LocationFields) { f.Latitude, f.Longitude = ptr(math.NaN()), ptr(0.0) }},
			{"longitude", func(f *steward.LocationFields) { f.Latitude, f.Longitude = ptr(0.0), ptr(180.5) }},
			{"longitude", func(f *steward.LocationFields) { f.Latitude, f.Longitude = ptr(0.0), ptr(-181.0) }},
			{"longitude", func(f *steward.LocationFields) { f.Latitude = ptr(10.0) }},
			{"latitude", func(f *steward.LocationFields) { f.Longitude = ptr(10.0) }},
			{"radius_m", func(f *steward.LocationFields) { f.RadiusM = ptr(0) }},
			{"radius_m", func(f *steward.LocationFields) { f.RadiusM = ptr(100001) }},
			{"external_ref", func(f *steward.LocationFields) { f.ExternalRef = strings.Repeat("e", 201) }},
			{"address.country", func(f *steward.LocationFields) { f.Address.Country = "UK" }},
			{"address.postal_code", func(f *steward.LocationFields) { f.Address.PostalCode = strings.Repeat("9", 21) }},
			{"customer_id", func(f *steward.LocationFields) { f.CustomerID = ptr(strings.Repeat("c", 65)) }},
			{"customer_id", func(f *steward.LocationFields) { f.CustomerID = ptr("no-such-customer") }},
			{"customer_id", func(f *steward.LocationFields) { f.CustomerID = &foreign.ID }},
		} {
			f := steward.LocationFields{Name: "Valid"}
			tc.change(&f)
			_, err := s.CreateLocation(ctx, o.admin, f)
			wantField(t, err, steward.EINVALID, tc.field)
			_, err = s.UpdateLocation(ctx, o.admin, l.ID, 0, func(f *steward.LocationFields) error { tc.change(f); return nil })
			wantField(t, err, steward.EINVALID, tc.field)
		}
		// Edge values are fine.
		must(s.CreateLocation(ctx, o.admin, steward.LocationFields{Name: "Pole", Latitude: ptr(90.0), Longitude: ptr(-180.0), RadiusM: ptr(100000)}))
		must(s.CreateLocation(ctx, o.admin, steward.LocationFields{Name: "Null Island", Latitude: ptr(0.0), Longitude: ptr(0.0), RadiusM: ptr(1)}))
		// external_ref unique per account, archived included.
		must(s.CreateLocation(ctx, o.admin, steward.LocationFields{Name: "R", ExternalRef: "LOC-1"}))
		_, err := s.CreateLocation(ctx, o.admin, steward.LocationFields{Name: "R2", ExternalRef: "LOC-1 "})
		wantField(t, err, steward.ECONFLICT, "external_ref")
		must(s.CreateLocation(ctx, o2.admin, steward.LocationFields{Name: "R", ExternalRef: "LOC-1"}))
	})
}
