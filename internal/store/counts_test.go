package store_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// cnt is a customer's four counts: locations, assets on location, assets owned, owned elsewhere.
type cnt struct{ loc, on, owned, elsewhere int64 }

func countsOf(c *steward.Customer) cnt {
	return cnt{c.LocationCount, c.AssetsOnLocationCount, c.AssetsOwnedCount, c.AssetsOwnedElsewhereCount}
}

// expectCounts checks the stored counts, as Customer, Location and the lists show them, and
// that they agree with a recount.
func expectCounts(t *testing.T, s *store.Store, a *steward.Actor, step string, customers map[string]cnt, locations map[string]int64) {
	t.Helper()
	listed := map[string]steward.Customer{}
	for _, c := range allCustomers(t, s, a, steward.CustomerFilter{ListParams: steward.ListParams{Status: steward.StatusAll}}) {
		listed[c.ID] = c
	}
	for id, want := range customers {
		c, err := s.Customer(ctx, a, id)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if got := countsOf(c); got != want {
			t.Errorf("%s: customer %s counts {loc on owned elsewhere} = %v, want %v", step, c.Name, got, want)
		}
		if l, ok := listed[id]; !ok || countsOf(&l) != countsOf(c) {
			t.Errorf("%s: customer %s: list shows %v, detail %v", step, c.Name, countsOf(&l), countsOf(c))
		}
	}
	listedLoc := map[string]steward.Location{}
	for _, l := range allLocations(t, s, a, steward.LocationFilter{ListParams: steward.ListParams{Status: steward.StatusAll}}) {
		listedLoc[l.ID] = l
	}
	for id, want := range locations {
		l, err := s.Location(ctx, a, id)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if l.AssetCount != want {
			t.Errorf("%s: location %s asset_count = %d, want %d", step, l.Name, l.AssetCount, want)
		}
		if listedLoc[id].AssetCount != l.AssetCount {
			t.Errorf("%s: location %s: list shows %d, detail %d", step, l.Name, listedLoc[id].AssetCount, l.AssetCount)
		}
	}
	m, err := s.CountMismatches(ctx, a.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	if m != (store.Mismatches{}) {
		t.Errorf("%s: CountMismatches = %+v; want none", step, m)
	}
}

func TestCountsAfterEveryChange(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.admin
		A := mkCustomer(t, s, a, "A")
		B := mkCustomer(t, s, a, "B")
		C := mkCustomer(t, s, a, "C")
		A1 := mkLocation(t, s, a, A.ID, "A1")
		A2 := mkLocation(t, s, a, A.ID, "A2")
		B1 := mkLocation(t, s, a, B.ID, "B1")
		D := mkLocation(t, s, a, "", "Depot")
		x1 := mkAsset(t, s, a, "x1 owned by A at A1", A.ID, A1.ID)
		x2 := mkAsset(t, s, a, "x2 owned by A at B1", A.ID, B1.ID)
		mkAsset(t, s, a, "x3 rental at A2", "", A2.ID)
		x4 := mkAsset(t, s, a, "x4 owned by B at depot", B.ID, D.ID)
		x5 := mkAsset(t, s, a, "x5 owned by A in transit", A.ID, "")
		x6 := mkAsset(t, s, a, "x6 archived, owned by A at A1", A.ID, A1.ID)
		must(s.SetAssetArchived(ctx, a, x6.ID, 0, true))
		mkAsset(t, s, a, "x0 nobody's, nowhere", "", "")
		type L = map[string]int64
		type M = map[string]cnt
		expectCounts(t, s, a, "initial", M{A.ID: {2, 2, 3, 2}, B.ID: {1, 1, 1, 1}, C.ID: {0, 0, 0, 0}},
			L{A1.ID: 1, A2.ID: 1, B1.ID: 1, D.ID: 1})

		x7 := mkAsset(t, s, a, "x7 owned by C at A1", C.ID, A1.ID)
		expectCounts(t, s, a, "create x7", M{A.ID: {2, 3, 3, 2}, C.ID: {0, 0, 1, 1}}, L{A1.ID: 2})

		C1 := mkLocation(t, s, a, C.ID, "C1")
		expectCounts(t, s, a, "create C1", M{C.ID: {1, 0, 1, 1}}, L{C1.ID: 0})
		must(s.UpdateAsset(ctx, a, x7.ID, 0, func(f *steward.AssetFields) error { f.LocationID = &C1.ID; return nil }))
		expectCounts(t, s, a, "move x7 to C1", M{A.ID: {2, 2, 3, 2}, C.ID: {1, 1, 1, 0}}, L{A1.ID: 1, C1.ID: 1})

		must(s.UpdateAsset(ctx, a, x1.ID, 0, func(f *steward.AssetFields) error { f.OwnerCustomerID = &B.ID; return nil }))
		expectCounts(t, s, a, "re-own x1 to B", M{A.ID: {2, 2, 2, 2}, B.ID: {1, 1, 2, 2}}, L{A1.ID: 1})

		must(s.SetAssetArchived(ctx, a, x2.ID, 0, true))
		expectCounts(t, s, a, "archive x2", M{A.ID: {2, 2, 1, 1}, B.ID: {1, 0, 2, 2}}, L{B1.ID: 0})
		must(s.SetAssetArchived(ctx, a, x2.ID, 0, false))
		expectCounts(t, s, a, "unarchive x2", M{A.ID: {2, 2, 2, 2}, B.ID: {1, 1, 2, 2}}, L{B1.ID: 1})

		ok(t, s.DeleteAsset(ctx, a, x5.ID, 0))
		expectCounts(t, s, a, "delete x5", M{A.ID: {2, 2, 1, 1}}, nil)

		must(s.UpdateAsset(ctx, a, x2.ID, 0, func(f *steward.AssetFields) error {
			f.OwnerCustomerID, f.LocationID = &C.ID, &C1.ID
			return nil
		}))
		expectCounts(t, s, a, "move and re-own x2 at once", M{A.ID: {2, 2, 0, 0}, B.ID: {1, 0, 2, 2}, C.ID: {1, 2, 2, 0}},
			L{B1.ID: 0, C1.ID: 2})

		must(s.SetLocationArchived(ctx, a, A2.ID, 0, true))
		expectCounts(t, s, a, "archive location A2", M{A.ID: {1, 2, 0, 0}}, L{A2.ID: 1})
		must(s.SetLocationArchived(ctx, a, A2.ID, 0, false))
		expectCounts(t, s, a, "unarchive location A2", M{A.ID: {2, 2, 0, 0}}, L{A2.ID: 1})

		A3 := mkLocation(t, s, a, A.ID, "A3")
		expectCounts(t, s, a, "create A3", M{A.ID: {3, 2, 0, 0}}, nil)
		ok(t, s.DeleteLocation(ctx, a, A3.ID, 0))
		expectCounts(t, s, a, "delete A3", M{A.ID: {2, 2, 0, 0}}, nil)
		A4 := mkLocation(t, s, a, A.ID, "A4")
		must(s.SetLocationArchived(ctx, a, A4.ID, 0, true))
		ok(t, s.DeleteLocation(ctx, a, A4.ID, 0))
		expectCounts(t, s, a, "archive and delete A4", M{A.ID: {2, 2, 0, 0}}, nil)

		wantCode(t, s.DeleteLocation(ctx, a, D.ID, 0), steward.ECONFLICT)
		must(s.UpdateAsset(ctx, a, x4.ID, 0, func(f *steward.AssetFields) error { f.LocationID = nil; return nil }))
		expectCounts(t, s, a, "x4 in transit", M{B.ID: {1, 0, 2, 2}}, L{D.ID: 0})
		ok(t, s.DeleteLocation(ctx, a, D.ID, 0))

		// A location changing customer takes the assets standing there along.
		must(s.UpdateLocation(ctx, a, A1.ID, 0, func(f *steward.LocationFields) error { f.CustomerID = &B.ID; return nil }))
		expectCounts(t, s, a, "location A1 moves to B", M{A.ID: {1, 1, 0, 0}, B.ID: {2, 1, 2, 1}, C.ID: {1, 2, 2, 0}}, L{A1.ID: 1})
		if got := must(s.Asset(ctx, a, x1.ID)); got.LocationCustomerID == nil || *got.LocationCustomerID != B.ID {
			t.Errorf("x1 location_customer_id = %v, want B", got.LocationCustomerID)
		}
		must(s.UpdateLocation(ctx, a, A2.ID, 0, func(f *steward.LocationFields) error { f.CustomerID = nil; return nil }))
		expectCounts(t, s, a, "location A2 becomes the account's own", M{A.ID: {0, 0, 0, 0}}, L{A2.ID: 1})

		must(s.SetCustomerArchived(ctx, a, A.ID, 0, true))
		expectCounts(t, s, a, "archive customer A", M{A.ID: {0, 0, 0, 0}, B.ID: {2, 1, 2, 1}}, nil)

		must(s.SetAssetArchived(ctx, a, x6.ID, 0, false))
		expectCounts(t, s, a, "unarchive x6", M{A.ID: {0, 0, 1, 1}, B.ID: {2, 2, 2, 1}}, L{A1.ID: 2})

		must(s.SetAssetArchived(ctx, a, x1.ID, 0, true))
		expectCounts(t, s, a, "archive x1", M{B.ID: {2, 1, 1, 1}}, L{A1.ID: 1})
		ok(t, s.DeleteAsset(ctx, a, x1.ID, 0))
		expectCounts(t, s, a, "delete archived x1", M{B.ID: {2, 1, 1, 1}}, L{A1.ID: 1})

		must(s.UpdateLocation(ctx, a, C1.ID, 0, func(f *steward.LocationFields) error { f.CustomerID = &A.ID; return nil }))
		expectCounts(t, s, a, "location C1 moves to archived A", M{A.ID: {1, 2, 1, 1}, C.ID: {0, 0, 2, 2}, B.ID: {2, 1, 1, 1}}, L{C1.ID: 2})

		// An archived location changing customer.
		must(s.SetLocationArchived(ctx, a, C1.ID, 0, true))
		expectCounts(t, s, a, "archive C1", M{A.ID: {0, 2, 1, 1}}, L{C1.ID: 2})
		must(s.UpdateLocation(ctx, a, C1.ID, 0, func(f *steward.LocationFields) error { f.CustomerID = &C.ID; return nil }))
		expectCounts(t, s, a, "archived C1 moves back to C", M{A.ID: {0, 0, 1, 1}, C.ID: {0, 2, 2, 0}}, L{C1.ID: 2})
	})
}

func TestRecount(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		o2 := newOrg(t, s)
		a := o.admin
		c1 := mkCustomer(t, s, a, "C1")
		c2 := mkCustomer(t, s, a, "C2")
		l := mkLocation(t, s, a, c1.ID, "L")
		mkAsset(t, s, a, "X", c2.ID, l.ID)
		other := mkCustomer(t, s, o2.admin, "Other org")
		if m := must(s.Recount(ctx, o.acc.ID)); m != (store.Mismatches{}) {
			t.Errorf("Recount of exact counts reports %+v wrong", m)
		}
		// Break the stored counts, as a bulk load would leave them.
		raw.exec(t, "UPDATE customers SET location_count = 7, assets_owned_elsewhere_count = 0 WHERE account_id = ?", o.acc.ID)
		raw.exec(t, "UPDATE locations SET asset_count = 5 WHERE account_id = ?", o.acc.ID)
		raw.exec(t, "UPDATE customers SET location_count = 3 WHERE id = ?", other.ID)
		want := store.Mismatches{Customers: 2, Locations: 1}
		if m := must(s.CountMismatches(ctx, o.acc.ID)); m != want {
			t.Errorf("CountMismatches = %+v; want %+v", m, want)
		}
		if m := must(s.Recount(ctx, o.acc.ID)); m != want {
			t.Errorf("Recount = %+v; want %+v", m, want)
		}
		expectCounts(t, s, a, "after recount", map[string]cnt{c1.ID: {1, 1, 0, 0}, c2.ID: {0, 0, 1, 1}}, map[string]int64{l.ID: 1})
		// Another organization's counts are its own business.
		if m := must(s.CountMismatches(ctx, o2.acc.ID)); m != (store.Mismatches{Customers: 1}) {
			t.Errorf("other org mismatches = %+v, want 1 customer (untouched by the first org's recount)", m)
		}
		must(s.Recount(ctx, o2.acc.ID))
		assertNoMismatch(t, s, o2.acc.ID)
	})
}

// TestRecountFromZero zeroes every stored count, as a bulk load leaves them, and checks that the
// grouped recount restores them: an asset owned by the customer of its location (not
// "elsewhere"), one owned elsewhere, one without an owner, archived assets and locations, a
// customer with nothing.
func TestRecountFromZero(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		a := o.admin
		c1 := mkCustomer(t, s, a, "C1")
		c2 := mkCustomer(t, s, a, "C2")
		mkCustomer(t, s, a, "C3 has nothing")
		l1 := mkLocation(t, s, a, c1.ID, "L1")
		l2 := mkLocation(t, s, a, c2.ID, "L2")
		depot := mkLocation(t, s, a, "", "Depot")
		gone := mkLocation(t, s, a, c1.ID, "Gone")
		must(s.SetLocationArchived(ctx, a, gone.ID, 0, true))
		mkAsset(t, s, a, "own at home", c1.ID, l1.ID)
		mkAsset(t, s, a, "own elsewhere", c1.ID, l2.ID)
		mkAsset(t, s, a, "at depot", c2.ID, depot.ID)
		mkAsset(t, s, a, "no owner", "", l1.ID)
		mkAsset(t, s, a, "nowhere", c2.ID, "")
		x := mkAsset(t, s, a, "archived", c1.ID, l2.ID)
		must(s.SetAssetArchived(ctx, a, x.ID, 0, true))
		assertNoMismatch(t, s, o.acc.ID)
		raw.exec(t, `UPDATE customers SET location_count = 0, assets_on_location_count = 0, assets_owned_count = 0,
			assets_owned_elsewhere_count = 0 WHERE account_id = ?`, o.acc.ID)
		raw.exec(t, "UPDATE locations SET asset_count = 0 WHERE account_id = ?", o.acc.ID)
		if m := must(s.Recount(ctx, o.acc.ID)); m.Customers != 2 || m.Locations != 3 {
			t.Errorf("Recount = %+v, want 2 customers (C3 has nothing to count) and 3 locations", m)
		}
		assertNoMismatch(t, s, o.acc.ID)
		expectCounts(t, s, a, "after recount from zero",
			map[string]cnt{c1.ID: {1, 2, 2, 1}, c2.ID: {1, 1, 2, 2}}, map[string]int64{l1.ID: 2, l2.ID: 1, depot.ID: 1})
	})
}

// TestRecountGroups corrupts what an asset write and a membership change keep (the group's
// member counts, each membership's copy of its asset's location, location customer, owner and
// archived state, the group's counts per customer and location), as a bug or a hand edit would leave them: a scoped user's counts go wrong,
// CountMismatches sees each row, Recount rewrites exactly those, and the counts agree after.
func TestRecountGroups(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o, o2 := newOrg(t, s), newOrg(t, s)
		a := o.admin
		c1, c2 := mkCustomer(t, s, a, "C1"), mkCustomer(t, s, a, "C2")
		l1, l2 := mkLocation(t, s, a, c1.ID, "L1"), mkLocation(t, s, a, c2.ID, "L2")
		x := mkAsset(t, s, a, "X", c1.ID, l1.ID)
		y := mkAsset(t, s, a, "Y", c2.ID, l2.ID)
		g := mkGroup(t, s, a, "G")
		ok(t, s.AddGroupAssets(ctx, a, g.ID, []string{x.ID, y.ID}))
		h := mkGroup(t, s, a, "H") // shares X with G
		ok(t, s.AddGroupAssets(ctx, a, h.ID, []string{x.ID}))
		scoped := scopedUser(t, s, raw, o, steward.RoleUser, steward.FleetVisibilityGroups, g.ID)
		// Another organization with a group of its own, corrupted too: its rows are its own.
		g2 := mkGroup(t, s, o2.admin, "G")
		ok(t, s.AddGroupAssets(ctx, o2.admin, g2.ID, []string{mkAsset(t, s, o2.admin, "Z", "", "").ID}))
		seen := func(step string, want cnt) {
			t.Helper()
			if got := countsOf(must(s.Customer(ctx, scoped, c1.ID))); got != want {
				t.Errorf("%s: the scoped user's counts of C1 = %+v, want %+v", step, got, want)
			}
		}
		seen("exact", cnt{1, 1, 1, 0})
		if m := must(s.Recount(ctx, o.acc.ID)); m != (store.Mismatches{}) {
			t.Fatalf("Recount of exact counts = %+v", m)
		}

		raw.exec(t, `UPDATE group_assets SET location_id = ?, location_customer_id = ?, archived = TRUE
			WHERE account_id = ? AND asset_id = ?`, l2.ID, c2.ID, o.acc.ID, x.ID)
		raw.exec(t, "UPDATE group_assets SET owner_customer_id = NULL WHERE account_id = ? AND asset_id = ?", o.acc.ID, y.ID)
		raw.exec(t, "UPDATE groups SET asset_count = 9, user_count = 0 WHERE account_id = ? AND id = ?", o.acc.ID, g.ID)
		raw.exec(t, "UPDATE groups SET user_count = 4 WHERE account_id = ? AND id = ?", o2.acc.ID, g2.ID)
		raw.exec(t, "UPDATE group_assets SET archived = TRUE WHERE account_id = ?", o2.acc.ID)
		// The group's counts per customer and location: C1's two set to 0, L2's row gone.
		raw.exec(t, "UPDATE group_counts SET n = 0 WHERE account_id = ? AND group_id = ? AND object_id = ?", o.acc.ID, g.ID, c1.ID)
		raw.exec(t, "DELETE FROM group_counts WHERE account_id = ? AND group_id = ? AND object_id = ?", o.acc.ID, g.ID, l2.ID)
		raw.exec(t, "UPDATE group_overlaps SET n = 5 WHERE account_id = ?", o.acc.ID)
		seen("corrupted", cnt{1, 0, 0, 0})
		// X's two memberships and Y's one; the counts of G; the overlap of G and H.
		want := store.Mismatches{Groups: 1, GroupAssets: 3, GroupCounts: 3, GroupOverlaps: 1}
		if m := must(s.CountMismatches(ctx, o.acc.ID)); m != want {
			t.Errorf("CountMismatches = %+v, want %+v", m, want)
		}
		if m := must(s.Recount(ctx, o.acc.ID)); m != want {
			t.Errorf("Recount = %+v, want %+v", m, want)
		}
		assertNoMismatch(t, s, o.acc.ID)
		seen("recounted", cnt{1, 1, 1, 0})
		if got := must(s.Group(ctx, a, g.ID)); got.AssetCount != 2 || got.UserCount != 1 {
			t.Errorf("the group's counts after Recount: %d assets, %d users; want 2, 1", got.AssetCount, got.UserCount)
		}
		if m := must(s.Recount(ctx, o.acc.ID)); m != (store.Mismatches{}) {
			t.Errorf("a second Recount = %+v, want nothing to do", m)
		}
		// The other organization was left as it was, and its own Recount repairs it.
		want2 := store.Mismatches{Groups: 1, GroupAssets: 1}
		if m := must(s.CountMismatches(ctx, o2.acc.ID)); m != want2 {
			t.Errorf("the other organization's CountMismatches = %+v, want %+v", m, want2)
		}
		if m := must(s.Recount(ctx, o2.acc.ID)); m != want2 {
			t.Errorf("the other organization's Recount = %+v, want %+v", m, want2)
		}
		assertNoMismatch(t, s, o2.acc.ID)
	})
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		must(0, err)
	}
	return a, b
}

// TestCountsRandomized applies random fleet changes and checks the kept counts against a
// recount and against counts the test derives from the lists.
func TestCountsRandomized(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		seed := uint64(time.Now().UnixNano())
		t.Logf("seed %d", seed)
		rng := rand.New(rand.NewPCG(seed, 7))
		o := newOrg(t, s)
		a := o.admin
		var customers, locations, assets []string
		pick := func(ids []string) string { return ids[rng.IntN(len(ids))] }
		maybe := func(ids []string) *string {
			if len(ids) == 0 || rng.IntN(4) == 0 {
				return nil
			}
			id := pick(ids)
			return &id
		}
		remove := func(ids []string, id string) []string {
			for i, x := range ids {
				if x == id {
					return append(ids[:i:i], ids[i+1:]...)
				}
			}
			return ids
		}
		for i := 0; i < 3; i++ {
			customers = append(customers, mkCustomer(t, s, a, fmt.Sprint("c", i)).ID)
		}
		ops := 0
		for ops < 300 {
			var err error
			switch op := rng.IntN(14); {
			case op == 0 && len(customers) < 8:
				customers = append(customers, mkCustomer(t, s, a, fmt.Sprint("c", ops)).ID)
			case op <= 2 && len(locations) < 15:
				var l *steward.Location
				l, err = s.CreateLocation(ctx, a, steward.LocationFields{Name: fmt.Sprint("l", ops), CustomerID: maybe(customers)})
				if err == nil {
					locations = append(locations, l.ID)
				}
			case op <= 4:
				var x *steward.Asset
				x, err = s.CreateAsset(ctx, a, steward.AssetFields{Name: fmt.Sprint("x", ops), OwnerCustomerID: maybe(customers),
					LocationID: maybe(locations)})
				if err == nil {
					assets = append(assets, x.ID)
				}
			case op == 5 && len(assets) > 0:
				_, err = s.UpdateAsset(ctx, a, pick(assets), 0, func(f *steward.AssetFields) error { f.LocationID = maybe(locations); return nil })
			case op == 6 && len(assets) > 0:
				_, err = s.UpdateAsset(ctx, a, pick(assets), 0, func(f *steward.AssetFields) error {
					f.OwnerCustomerID = maybe(customers)
					if rng.IntN(2) == 0 {
						f.LocationID = maybe(locations)
					}
					return nil
				})
			case op == 7 && len(assets) > 0:
				_, err = s.SetAssetArchived(ctx, a, pick(assets), 0, rng.IntN(2) == 0)
			case op == 8 && len(assets) > 0:
				id := pick(assets)
				if err = s.DeleteAsset(ctx, a, id, 0); err == nil {
					assets = remove(assets, id)
				}
			case op == 9 && len(locations) > 0:
				_, err = s.SetLocationArchived(ctx, a, pick(locations), 0, rng.IntN(2) == 0)
			case op == 10 && len(locations) > 0:
				id := pick(locations)
				err = s.DeleteLocation(ctx, a, id, 0)
				if err == nil {
					locations = remove(locations, id)
				} else if steward.ErrorCode(err) == steward.ECONFLICT {
					err = nil // assets stand there
				}
			case op == 11 && len(locations) > 0:
				_, err = s.UpdateLocation(ctx, a, pick(locations), 0, func(f *steward.LocationFields) error { f.CustomerID = maybe(customers); return nil })
			case op == 12:
				_, err = s.SetCustomerArchived(ctx, a, pick(customers), 0, rng.IntN(2) == 0)
			case op == 13 && len(customers) > 3:
				id := pick(customers)
				err = s.DeleteCustomer(ctx, a, id, 0)
				if err == nil {
					customers = remove(customers, id)
				} else if steward.ErrorCode(err) == steward.ECONFLICT {
					err = nil
				}
			default:
				continue
			}
			if err != nil {
				t.Fatalf("op %d: %v", ops, err)
			}
			ops++
			if ops%100 == 0 {
				assertNoMismatch(t, s, o.acc.ID)
			}
		}
		assertNoMismatch(t, s, o.acc.ID)

		// Derive the counts from the lists, independently of the store's recount.
		all := steward.ListParams{Status: steward.StatusAll, Limit: 500}
		locCustomer := map[string]*string{}
		locArchived := map[string]bool{}
		want := map[string]*cnt{}
		for _, id := range customers {
			want[id] = &cnt{}
		}
		for _, l := range allLocations(t, s, a, steward.LocationFilter{ListParams: all}) {
			locCustomer[l.ID] = l.CustomerID
			locArchived[l.ID] = l.ArchivedAt != nil
			if l.CustomerID != nil && l.ArchivedAt == nil {
				want[*l.CustomerID].loc++
			}
		}
		locAssets := map[string]int64{}
		for _, x := range allAssets(t, s, a, steward.AssetFilter{ListParams: all}) {
			var lc *string
			if x.LocationID != nil {
				lc = locCustomer[*x.LocationID]
			}
			if (lc == nil) != (x.LocationCustomerID == nil) || (lc != nil && *lc != *x.LocationCustomerID) {
				t.Errorf("asset %s: location_customer_id %v, but its location belongs to %v", x.Name, x.LocationCustomerID, lc)
			}
			if x.ArchivedAt != nil {
				continue
			}
			if x.LocationID != nil {
				locAssets[*x.LocationID]++
			}
			if lc != nil {
				want[*lc].on++
			}
			if x.OwnerCustomerID != nil {
				want[*x.OwnerCustomerID].owned++
				if lc == nil || *lc != *x.OwnerCustomerID {
					want[*x.OwnerCustomerID].elsewhere++
				}
			}
		}
		wantC := map[string]cnt{}
		for id, c := range want {
			wantC[id] = *c
		}
		wantL := map[string]int64{}
		for id := range locCustomer {
			wantL[id] = locAssets[id]
		}
		expectCounts(t, s, a, "after 300 random operations", wantC, wantL)
		t.Logf("%d customers, %d locations, %d assets", len(customers), len(locations), len(assets))
	})
}
