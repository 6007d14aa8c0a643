package store_test

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// sortFold is the documented text order: lower case, accents removed, letters without a
// combining mark spelled out (ø as o, ß as ss, æ as ae, ł as l).
func sortFold(s string) string {
	return strings.NewReplacer("ø", "o", "ß", "ss", "æ", "ae", "ł", "l", "œ", "oe").Replace(testFold(s))
}

// sortKey is one row's value of a sort column: text or a number.
type sortKey struct {
	text string
	num  int64
	id   string
}

func compareKeys(a, b sortKey) int {
	if c := cmp.Compare(a.text, b.text); c != 0 {
		return c
	}
	if c := cmp.Compare(a.num, b.num); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// checkSorted lists with every sort key, both directions and several page sizes, and checks
// that the pages concatenate to the expected full order (key, then id; descending is the exact
// reverse of ascending).
func checkSorted[T any](t *testing.T, kind string, sorts []string, total int, id func(T) string,
	key func(sort string, v T) sortKey, list func(sort string, limit int, cursor string) (*steward.Page[T], error)) {
	t.Helper()
	for _, sort := range sorts {
		if _, err := list(sort, 1, ""); err != nil {
			t.Errorf("%s sort=%s (a documented sort key): %v", kind, sort, err)
			continue
		}
		full := pageAll(t, 500, id, func(cur string) (*steward.Page[T], error) { return list(sort, 500, cur) })
		if len(full) != total {
			t.Errorf("%s sort=%s: %d rows, want %d", kind, sort, len(full), total)
			continue
		}
		keys := make([]sortKey, len(full))
		for i, v := range full {
			keys[i] = key(sort, v)
		}
		want := slices.Clone(keys)
		slices.SortFunc(want, compareKeys)
		show := func(ks []sortKey) string {
			var b strings.Builder
			for _, k := range ks {
				if k.text != "" || k.num == 0 {
					fmt.Fprintf(&b, "%q ", k.text)
				} else {
					fmt.Fprintf(&b, "%d ", k.num)
				}
			}
			return b.String()
		}
		if !slices.EqualFunc(want, keys, func(x, y sortKey) bool { return x.id == y.id }) {
			t.Errorf("%s sort=%s: order (as folded keys)\n%s\nwant\n%s", kind, sort, show(keys), show(want))
			continue
		}
		var wantIDs []string
		for _, k := range want {
			wantIDs = append(wantIDs, k.id)
		}
		reversed := slices.Clone(wantIDs)
		slices.Reverse(reversed)
		for _, dir := range []string{"", "-"} {
			exp := wantIDs
			if dir == "-" {
				exp = reversed
			}
			for _, limit := range []int{1, 3, 7} {
				rows := pageAll(t, limit, id, func(cur string) (*steward.Page[T], error) { return list(dir+sort, limit, cur) })
				var got []string
				for _, v := range rows {
					got = append(got, id(v))
				}
				if !equalStrings(got, exp) {
					t.Errorf("%s sort=%s%s limit %d: pages give\n%v\nwant\n%v", kind, dir, sort, limit, got, exp)
					break
				}
			}
		}
	}
}

func TestSortAndPageCustomers(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		names := []string{"Zebra", "éclair", "Ärzte Zentrum", "bach", "Ørsted", "apple", "zebra", "Bäcker", "Öl AG", "Eagle",
			"Ångström", "Zebra", "Straße"}
		types := []steward.CustomerType{"dealer", "oem", "rental", "dealer", "other", "oem", "dealer", "end_user", "rental", "dealer",
			"contractor", "oem", "dealer"}
		refs := []string{"b-2", "", "A-1", "c-3", "", "A-9", "B-1", "a-2", "", "z", "Z-0", "", "S"}
		var cs []*steward.Customer
		for i, n := range names {
			cs = append(cs, must(s.CreateCustomer(ctx, a, steward.CustomerFields{Name: n, Type: types[i], ExternalRef: refs[i]})))
		}
		// Counts with ties: locations and assets spread over the customers.
		depot := mkLocation(t, s, a, "", "Depot")
		for i, c := range cs {
			var last *steward.Location
			for j := 0; j < i%3; j++ {
				last = mkLocation(t, s, a, c.ID, fmt.Sprint(c.Name, " site ", j))
			}
			for j := 0; j < i%4; j++ {
				loc := depot.ID
				if last != nil && j%2 == 0 {
					loc = last.ID
				}
				mkAsset(t, s, a, fmt.Sprint(c.Name, " asset ", j), c.ID, loc)
			}
			if last != nil && i%2 == 1 {
				mkAsset(t, s, a, fmt.Sprint(c.Name, " rental"), "", last.ID)
			}
		}
		// updated_at in another order than created_at.
		for _, i := range []int{7, 2, 11, 0, 5} {
			must(s.UpdateCustomer(ctx, a, cs[i].ID, 0, func(f *steward.CustomerFields) error { f.Notes = "touched"; return nil }))
		}
		// One archived customer, listed with status=all.
		must(s.SetCustomerArchived(ctx, a, cs[4].ID, 0, true))

		// The name order, by hand: folded text, ties by id (creation order).
		got := customerNames(allCustomers(t, s, a, steward.CustomerFilter{ListParams: steward.ListParams{Status: steward.StatusAll, Limit: 2}}))
		want := []string{"Ångström", "apple", "Ärzte Zentrum", "bach", "Bäcker", "Eagle", "éclair", "Öl AG", "Ørsted", "Straße",
			"Zebra", "zebra", "Zebra"}
		if !equalStrings(got, want) {
			t.Errorf("name order:\n%v\nwant\n%v", got, want)
		}
		zebras := allCustomers(t, s, a, steward.CustomerFilter{ListParams: steward.ListParams{Q: "zebra", Limit: 1}})
		if len(zebras) != 3 || zebras[0].ID != cs[0].ID || zebras[1].ID != cs[6].ID || zebras[2].ID != cs[11].ID {
			t.Errorf("equal names are not ordered by id")
		}
		desc := customerNames(allCustomers(t, s, a, steward.CustomerFilter{ListParams: steward.ListParams{Status: steward.StatusAll, Sort: "-name", Limit: 4}}))
		slices.Reverse(want)
		if !equalStrings(desc, want) {
			t.Errorf("-name order:\n%v\nwant\n%v", desc, want)
		}

		key := func(sort string, c steward.Customer) sortKey {
			k := sortKey{id: c.ID}
			switch sort {
			case "name":
				k.text = sortFold(c.Name)
			case "type":
				k.text = string(c.Type)
			case "external_ref":
				k.text = sortFold(c.ExternalRef)
			case "created_at":
				k.num = c.CreatedAt.Micros()
			case "updated_at":
				k.num = c.UpdatedAt.Micros()
			case "location_count":
				k.num = c.LocationCount
			case "assets_on_location_count":
				k.num = c.AssetsOnLocationCount
			case "assets_owned_count":
				k.num = c.AssetsOwnedCount
			case "assets_owned_elsewhere_count":
				k.num = c.AssetsOwnedElsewhereCount
			default:
				t.Fatalf("no test key for customer sort %q", sort)
			}
			return k
		}
		checkSorted(t, "customers", steward.CustomerSorts, len(cs), func(c steward.Customer) string { return c.ID }, key,
			func(sort string, limit int, cursor string) (*steward.Page[steward.Customer], error) {
				return s.Customers(ctx, a, steward.CustomerFilter{ListParams: steward.ListParams{Status: steward.StatusAll, Sort: sort, Limit: limit, Cursor: cursor}})
			})
		// A filter narrows the pages too.
		dealers := allCustomers(t, s, a, steward.CustomerFilter{Type: steward.CustomerDealer, ListParams: steward.ListParams{Sort: "-created_at", Limit: 2}})
		if n := customerNames(dealers); !equalStrings(n, []string{"Straße", "Eagle", "zebra", "bach", "Zebra"}) {
			t.Errorf("dealers newest first = %v", n)
		}
	})
}

func TestSortAndPageContactsLocationsAssets(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		c := mkCustomer(t, s, a, "Customer")
		names := []string{"Öztürk", "oliver", "Ärger", "anna", "Zoë", "zoe", "Émile", "emil", "anna", "Łukasz"}
		var contacts []*steward.Contact
		var locs []*steward.Location
		for _, n := range names {
			contacts = append(contacts, mkContact(t, s, a, c.ID, n))
			cust := ""
			if len(locs)%2 == 0 {
				cust = c.ID
			}
			locs = append(locs, mkLocation(t, s, a, cust, n))
		}
		serials := []string{"sn-10", "SN-9", "", "Sn-1", "SS-2", "", "A-1", "a-2", "E-5", "e-4"}
		refs := []string{"R-b", "r-a", "R-C", "", "", "A-9", "Z", "y", "", "R-A2"}
		var assets []*steward.Asset
		for i, n := range names {
			loc := locs[i%4].ID
			assets = append(assets, must(s.CreateAsset(ctx, a, steward.AssetFields{Name: n, SerialNumber: serials[i], ExternalRef: refs[i], LocationID: &loc})))
		}
		for _, i := range []int{3, 8, 1} {
			must(s.UpdateContact(ctx, a, contacts[i].ID, 0, func(f *steward.ContactFields) error { f.Title = "x"; return nil }))
			must(s.UpdateLocation(ctx, a, locs[i].ID, 0, func(f *steward.LocationFields) error { f.ExternalRef = fmt.Sprint("L", i); return nil }))
			must(s.UpdateAsset(ctx, a, assets[i].ID, 0, func(f *steward.AssetFields) error { f.Make = "x"; return nil }))
		}
		must(s.SetContactArchived(ctx, a, contacts[2].ID, 0, true))
		must(s.SetLocationArchived(ctx, a, locs[2].ID, 0, true))
		must(s.SetAssetArchived(ctx, a, assets[2].ID, 0, true))

		wantNames := []string{"anna", "anna", "Ärger", "emil", "Émile", "Łukasz", "oliver", "Öztürk", "Zoë", "zoe"}
		if got := contactNames(allContacts(t, s, a, steward.ContactFilter{ListParams: steward.ListParams{Status: steward.StatusAll, Limit: 3}})); !equalStrings(got, wantNames) {
			t.Errorf("contact name order %v, want %v", got, wantNames)
		}
		if got := locationNames(allLocations(t, s, a, steward.LocationFilter{ListParams: steward.ListParams{Status: steward.StatusAll, Limit: 3}})); !equalStrings(got, wantNames) {
			t.Errorf("location name order %v, want %v", got, wantNames)
		}
		if got := assetNames(allAssets(t, s, a, steward.AssetFilter{ListParams: steward.ListParams{Status: steward.StatusAll, Limit: 3}})); !equalStrings(got, wantNames) {
			t.Errorf("asset name order %v, want %v", got, wantNames)
		}

		all := steward.ListParams{Status: steward.StatusAll}
		checkSorted(t, "contacts", steward.ContactSorts, len(contacts), func(c steward.Contact) string { return c.ID },
			func(sort string, c steward.Contact) sortKey {
				k := sortKey{id: c.ID}
				switch sort {
				case "name":
					k.text = sortFold(c.Name)
				case "created_at":
					k.num = c.CreatedAt.Micros()
				case "updated_at":
					k.num = c.UpdatedAt.Micros()
				default:
					t.Fatalf("no test key for contact sort %q", sort)
				}
				return k
			},
			func(sort string, limit int, cursor string) (*steward.Page[steward.Contact], error) {
				p := all
				p.Sort, p.Limit, p.Cursor = sort, limit, cursor
				return s.Contacts(ctx, a, steward.ContactFilter{ListParams: p, CustomerID: c.ID})
			})
		checkSorted(t, "locations", steward.LocationSorts, len(locs), func(l steward.Location) string { return l.ID },
			func(sort string, l steward.Location) sortKey {
				k := sortKey{id: l.ID}
				switch sort {
				case "name":
					k.text = sortFold(l.Name)
				case "created_at":
					k.num = l.CreatedAt.Micros()
				case "updated_at":
					k.num = l.UpdatedAt.Micros()
				case "asset_count":
					k.num = l.AssetCount
				default:
					t.Fatalf("no test key for location sort %q", sort)
				}
				return k
			},
			func(sort string, limit int, cursor string) (*steward.Page[steward.Location], error) {
				p := all
				p.Sort, p.Limit, p.Cursor = sort, limit, cursor
				return s.Locations(ctx, a, steward.LocationFilter{ListParams: p})
			})
		checkSorted(t, "assets", steward.AssetSorts, len(assets), func(x steward.Asset) string { return x.ID },
			func(sort string, x steward.Asset) sortKey {
				k := sortKey{id: x.ID}
				switch sort {
				case "name":
					k.text = sortFold(x.Name)
				case "serial_number":
					k.text = sortFold(x.SerialNumber)
				case "external_ref":
					k.text = sortFold(x.ExternalRef)
				case "created_at":
					k.num = x.CreatedAt.Micros()
				case "updated_at":
					k.num = x.UpdatedAt.Micros()
				default:
					t.Fatalf("no test key for asset sort %q", sort)
				}
				return k
			},
			func(sort string, limit int, cursor string) (*steward.Page[steward.Asset], error) {
				p := all
				p.Sort, p.Limit, p.Cursor = sort, limit, cursor
				return s.Assets(ctx, a, steward.AssetFilter{ListParams: p})
			})
	})
}
