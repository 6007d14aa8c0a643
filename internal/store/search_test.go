package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

func TestSearchCustomers(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		for _, f := range []steward.CustomerFields{
			{Name: "Müller Bau GmbH", Email: "info@mueller-bau.example"},
			{Name: "Škoda Auto a.s.", ExternalRef: "SAP-4711"},
			{Name: "Ørsted A/S"},
			{Name: "Straße & Co"},
			{Name: "Łódź Maszyny"},
			{Name: "Æble Consult"},
			{Name: "東京建機株式会社"},
			{Name: "Rabatt 50% GmbH"},
			{Name: "Under_score Ltd"},
			{Name: "Quote \"Q\" Inc"},
			{Name: "Plain Customer", Email: "plain@example.org", ExternalRef: "CRM-0815"},
			{Name: "대한건설 有限公司"},
			{Name: "Jansen AB"},
			{Name: "Suomen Kone Oy"},
			{Name: "Oﬃce Lift Services"},
			{Name: "ＦＵＬＬ Width Kft"},
		} {
			must(s.CreateCustomer(ctx, a, f))
		}
		for _, tc := range []struct {
			q    string
			want []string
		}{
			{"mull", []string{"Müller Bau GmbH"}},
			{"MÜLLER", []string{"Müller Bau GmbH"}},
			{"bau", []string{"Müller Bau GmbH"}},
			{"SKODA", []string{"Škoda Auto a.s."}},
			{"škoda", []string{"Škoda Auto a.s."}},
			{"orsted", []string{"Ørsted A/S"}},
			{"ØRSTED", []string{"Ørsted A/S"}},
			{"strasse", []string{"Straße & Co"}},
			{"Straße", []string{"Straße & Co"}},
			{"lodz", []string{"Łódź Maszyny"}},
			{"aeble", []string{"Æble Consult"}},
			{"建機株", []string{"東京建機株式会社"}},
			{"株式会社", []string{"東京建機株式会社"}},
			{"50%", []string{"Rabatt 50% GmbH"}},
			{"0% g", []string{"Rabatt 50% GmbH"}},
			{"r_s", []string{"Under_score Ltd"}},
			{"tt_5", nil},
			{"a%b", nil},
			{"er_sc", []string{"Under_score Ltd"}},
			{`"q"`, []string{"Quote \"Q\" Inc"}},
			{"gmbh", []string{"Müller Bau GmbH", "Rabatt 50% GmbH"}},
			// Email and external reference are searched too.
			{"mueller-bau", []string{"Müller Bau GmbH"}},
			{"example.org", []string{"Plain Customer"}},
			{"sap-47", []string{"Škoda Auto a.s."}},
			{"CRM-0815", []string{"Plain Customer"}},
			// Terms of one or two characters are substrings like any other.
			{"m", []string{"Müller Bau GmbH", "Łódź Maszyny", "Plain Customer", "Rabatt 50% GmbH", "Suomen Kone Oy"}},
			{"mü", []string{"Müller Bau GmbH"}},
			{"ø", []string{"Æble Consult", "Łódź Maszyny", "Müller Bau GmbH", "Ørsted A/S", "Plain Customer",
				`Quote "Q" Inc`, "Škoda Auto a.s.", "Straße & Co", "Under_score Ltd", "Suomen Kone Oy", "Oﬃce Lift Services"}},
			{"SK", []string{"Škoda Auto a.s."}},
			{"東京", []string{"東京建機株式会社"}},
			{"건설", []string{"대한건설 有限公司"}},
			{"公", []string{"대한건설 有限公司"}},
			{"会", []string{"東京建機株式会社"}},
			{"AB", []string{"Jansen AB", "Rabatt 50% GmbH"}},
			{"Oy", []string{"Suomen Kone Oy"}},
			{"ll", []string{"Müller Bau GmbH", "ＦＵＬＬ Width Kft"}},
			{"  pl  ", []string{"Müller Bau GmbH", "Plain Customer"}},
			// Compatibility forms fold to their plain letters, both ways.
			{"office", []string{"Oﬃce Lift Services"}},
			{"ﬃ", []string{"Oﬃce Lift Services"}},
			{"full", []string{"ＦＵＬＬ Width Kft"}},
			{"ｗｉｄｔｈ", []string{"ＦＵＬＬ Width Kft"}},
			{"nothing like this", nil},
		} {
			got := customerNames(allCustomers(t, s, a, steward.CustomerFilter{ListParams: steward.ListParams{Q: tc.q}}))
			if !sameSet(got, tc.want) {
				t.Errorf("q=%q: %v, want %v", tc.q, got, tc.want)
			}
		}
		// Search follows renames.
		c := allCustomers(t, s, a, steward.CustomerFilter{ListParams: steward.ListParams{Q: "plain"}})[0]
		must(s.UpdateCustomer(ctx, a, c.ID, 0, func(f *steward.CustomerFields) error { f.Name = "Renamed Kunde"; f.Email = ""; return nil }))
		if got := customerNames(allCustomers(t, s, a, steward.CustomerFilter{ListParams: steward.ListParams{Q: "plain"}})); len(got) != 0 {
			t.Errorf("old name still found: %v", got)
		}
		if got := customerNames(allCustomers(t, s, a, steward.CustomerFilter{ListParams: steward.ListParams{Q: "kunde"}})); !equalStrings(got, []string{"Renamed Kunde"}) {
			t.Errorf("new name not found: %v", got)
		}
		// A deleted customer is no longer found.
		ok(t, s.DeleteCustomer(ctx, a, c.ID, 0))
		if got := allCustomers(t, s, a, steward.CustomerFilter{ListParams: steward.ListParams{Q: "kunde", Status: steward.StatusAll}}); len(got) != 0 {
			t.Errorf("deleted customer found")
		}
		for _, q := range []string{strings.Repeat("x", 101), "\u0301", " \u0301\u0308 ", "\u200b", "a\x00b"} {
			_, err := s.Customers(ctx, a, steward.CustomerFilter{ListParams: steward.ListParams{Q: q}})
			wantField(t, err, steward.EINVALID, "q")
		}
	})
}

func TestSearchContactsLocationsAssets(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		c := mkCustomer(t, s, a, "C")
		must(s.CreateContact(ctx, a, c.ID, steward.ContactFields{Name: "Jürgen Köhler", Email: "jk@example.com", ExternalRef: "P-1"}))
		must(s.CreateContact(ctx, a, c.ID, steward.ContactFields{Name: "Anna Schmidt"}))
		must(s.CreateLocation(ctx, a, steward.LocationFields{Name: "Baustelle Süd", ExternalRef: "LOC-99",
			Address: steward.Address{City: "München"}}))
		must(s.CreateLocation(ctx, a, steward.LocationFields{Name: "Depot Nord"}))
		must(s.CreateAsset(ctx, a, steward.AssetFields{Name: "Bagger", SerialNumber: "VCE-2345-AB", ExternalRef: "ERP-17"}))
		must(s.CreateAsset(ctx, a, steward.AssetFields{Name: "Kran", SerialNumber: "LTM-1100"}))
		contacts := func(q string) []string {
			return contactNames(allContacts(t, s, a, steward.ContactFilter{ListParams: steward.ListParams{Q: q}}))
		}
		locs := func(q string) []string {
			return locationNames(allLocations(t, s, a, steward.LocationFilter{ListParams: steward.ListParams{Q: q}}))
		}
		assets := func(q string) []string {
			return assetNames(allAssets(t, s, a, steward.AssetFilter{ListParams: steward.ListParams{Q: q}}))
		}
		for _, tc := range []struct {
			kind string
			got  []string
			want []string
		}{
			{"contact koh", contacts("koh"), []string{"Jürgen Köhler"}},
			{"contact JURGEN", contacts("JURGEN"), []string{"Jürgen Köhler"}},
			{"contact ju", contacts("ju"), []string{"Jürgen Köhler"}},
			{"contact email", contacts("jk@exa"), []string{"Jürgen Köhler"}},
			{"contact ext ref", contacts("P-1"), []string{"Jürgen Köhler"}},
			{"contact schmi", contacts("schmi"), []string{"Anna Schmidt"}},
			{"location sud", locs("sud"), []string{"Baustelle Süd"}},
			{"location city", locs("munch"), []string{"Baustelle Süd"}},
			{"location ext ref", locs("loc-99"), []string{"Baustelle Süd"}},
			{"location de", locs("de"), []string{"Depot Nord"}},
			{"asset serial substring", assets("45-A"), []string{"Bagger"}},
			{"asset serial lower", assets("vce-2345"), []string{"Bagger"}},
			{"asset ext ref", assets("ERP-17"), []string{"Bagger"}},
			{"asset serial 1100", assets("1100"), []string{"Kran"}},
			{"asset name", assets("KRAN"), []string{"Kran"}},
			{"asset short", assets("ba"), []string{"Bagger"}},
			{"asset short inside", assets("ag"), []string{"Bagger"}},
			{"asset one character", assets("k"), []string{"Kran"}},
		} {
			if !sameSet(tc.got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.kind, tc.got, tc.want)
			}
		}
	})
}

// TestSearchPlans drives both plans of a search: the walk of the list's order (a broad term
// fills its page there) and the account-led index (a rare term, beyond the walk), and checks
// that pages are exact and that another organization's matching rows never show or leak.
func TestSearchPlans(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		big, small := newOrg(t, s), newOrg(t, s)
		// Terms of symbols alone have no trigram: the oldest rows, beyond the walk, hold them.
		for _, name := range []string{"Hebel & Zange 1", "Hebel & Zange 2", "Rohr -/- Schelle"} {
			must(s.CreateAsset(ctx, big.admin, steward.AssetFields{Name: name}))
			must(s.CreateAsset(ctx, small.admin, steward.AssetFields{Name: name}))
		}
		const broad = 320
		for i := range broad {
			must(s.CreateAsset(ctx, big.admin, steward.AssetFields{Name: fmt.Sprintf("Bagger %03d", i)}))
		}
		for i := range 3 {
			must(s.CreateAsset(ctx, big.admin, steward.AssetFields{Name: fmt.Sprintf("Zeppelin %d", i)}))
		}
		for i := range 40 {
			must(s.CreateAsset(ctx, small.admin, steward.AssetFields{Name: fmt.Sprintf("Zeppelin Bagger %d", i)}))
		}
		s = store.WithSearchLimits(s, 1, 0)
		// With 2 rows a page, the walk reads 300 rows: the Baggers fill every page from it, the
		// Zeppelins (sorted after 320 Baggers) are beyond it and come from the index.
		for _, tc := range []struct {
			q, sort string
			want    int
		}{
			{"bagger", "", broad},
			{"BAGGER", "-name", broad},
			{"gg", "", broad},
			{"1", "created_at", 151}, // the Baggers numbered with a 1 (149 of 000–319), Zeppelin 1 and Hebel & Zange 1
			{"zeppelin", "", 3},
			{"ze", "-name", 3},
			{"pelin 2", "", 1},
			{"nowhere", "", 0},
			{"&", "", 2},
			{"& z", "", 2},
			{"&", "-name", 2},
			{"-/-", "", 1},
			{"/", "created_at", 1},
			{"&&", "", 0},
		} {
			got := allAssets(t, s, big.admin, steward.AssetFilter{ListParams: steward.ListParams{Q: tc.q, Sort: tc.sort, Limit: 2}})
			if len(got) != tc.want {
				t.Errorf("q=%q sort=%q: %d assets, want %d", tc.q, tc.sort, len(got), tc.want)
			}
			for i, x := range got {
				if x.OwnerAccountID != big.admin.AccountID {
					t.Fatalf("q=%q: another organization's asset %q", tc.q, x.Name)
				}
				if i == 0 {
					continue
				}
				prev := got[i-1]
				switch tc.sort {
				case "-name":
					if prev.Name < x.Name {
						t.Errorf("q=%q sort=%q: %q before %q", tc.q, tc.sort, prev.Name, x.Name)
					}
				case "created_at":
					if prev.CreatedAt.Micros() > x.CreatedAt.Micros() {
						t.Errorf("q=%q sort=%q: %q before %q", tc.q, tc.sort, prev.Name, x.Name)
					}
				case "":
					// Best matches first: names that start with the term, by name; then the
					// others, newest first.
					starts := func(a steward.Asset) bool { return strings.HasPrefix(strings.ToLower(a.Name), strings.ToLower(tc.q)) }
					switch {
					case starts(prev) && starts(x):
						if prev.Name > x.Name {
							t.Errorf("q=%q: name matches %q before %q", tc.q, prev.Name, x.Name)
						}
					case !starts(prev) && starts(x):
						t.Errorf("q=%q: %q before the name match %q", tc.q, prev.Name, x.Name)
					case !starts(prev) && !starts(x):
						if prev.ID < x.ID {
							t.Errorf("q=%q: other matches %q before newer %q", tc.q, prev.Name, x.Name)
						}
					}
				}
			}
		}
		// Sorted by an explicit key, a term whose matches lie beyond the walk is sorted from the
		// index, up to a bound: "bagger 0" (100 matches) sorted by -name starts after 223 rows.
		sorted := steward.AssetFilter{ListParams: steward.ListParams{Q: "bagger 0", Sort: "-name", Limit: 1}}
		if got := allAssets(t, s, big.admin, sorted); len(got) != 100 || got[0].Name != "Bagger 099" {
			t.Errorf("sorted beyond the walk: %d assets, first %q", len(got), got[0].Name)
		}
		_, err := store.WithSearchLimits(s, 1, 99).Assets(ctx, big.admin, sorted)
		wantField(t, err, steward.EINVALID, "q")
		if got := allAssets(t, s, small.admin, steward.AssetFilter{ListParams: steward.ListParams{Q: "bagger", Limit: 3}}); len(got) != 40 {
			t.Errorf("small organization: %d, want 40", len(got))
		}
	})
}

// TestSearchFiltered: a filtered list's search (a customer's assets) answers the names that
// start with the term first, then its other matches by name, across pages.
func TestSearchFiltered(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		a := newOrg(t, s).admin
		c := mkCustomer(t, s, a, "Owner")
		var want []string
		for i := range 6 {
			want = append(want, fmt.Sprintf("Pump %d", i))
		}
		for i := range 6 {
			want = append(want, fmt.Sprintf("Big pump %d", i))
		}
		for i, n := range want {
			// Created in an order unlike the expected one, so no order can pass by accident.
			n = want[(i*5)%len(want)]
			must(s.CreateAsset(ctx, a, steward.AssetFields{Name: n, OwnerCustomerID: &c.ID}))
			must(s.CreateAsset(ctx, a, steward.AssetFields{Name: n + " unowned"}))
		}
		got := assetNames(allAssets(t, s, a, steward.AssetFilter{OwnerCustomerID: c.ID, ListParams: steward.ListParams{Q: "pump", Limit: 4}}))
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("filtered search: %q, want %q", got, want)
		}
	})
}

// TestSearchMarkerIsNoTerm: a term made of the private-use characters that mark an account's
// FTS5 documents finds nothing, though the index matches every document of the account.
func TestSearchMarkerIsNoTerm(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		a := newOrg(t, s).admin
		must(s.CreateAsset(ctx, a, steward.AssetFields{Name: "Pumpe"}))
		for _, sort := range []string{"", "name"} {
			got := allAssets(t, s, a, steward.AssetFilter{ListParams: steward.ListParams{Q: store.FTSMarker(a.AccountID), Sort: sort}})
			if len(got) != 0 {
				t.Errorf("sort %q: the account marker as a term found %d assets", sort, len(got))
			}
		}
	})
}
