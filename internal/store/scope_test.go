package store_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// TestScopedAssetReads: a user scoped to groups sees only its groups' assets in every asset read;
// "none" sees none; the entire fleet sees all.
func TestScopedAssetReads(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		c := mkCustomer(t, s, o.admin, "Acme")
		l := mkLocation(t, s, o.admin, c.ID, "Acme Yard")
		in1 := mkAsset(t, s, o.admin, "Visible crane", c.ID, l.ID)
		in2 := mkAsset(t, s, o.admin, "Visible digger", c.ID, "")
		out := mkAsset(t, s, o.admin, "Hidden crane", c.ID, l.ID)
		g1, g2, g3 := mkGroup(t, s, o.admin, "G1"), mkGroup(t, s, o.admin, "G2"), mkGroup(t, s, o.admin, "G3")
		ok(t, s.AddGroupAssets(ctx, o.admin, g1.ID, []string{in1.ID}))
		ok(t, s.AddGroupAssets(ctx, o.admin, g2.ID, []string{in2.ID, in1.ID}))
		ok(t, s.AddGroupAssets(ctx, o.admin, g3.ID, []string{out.ID}))
		u := scopedUser(t, s, raw, o, steward.RoleFleetAdmin, steward.FleetVisibilityGroups, g1.ID, g2.ID)
		none := scopedUser(t, s, raw, o, steward.RoleUser, steward.FleetVisibilityNone)
		want := sortedCopy([]string{in1.Name, in2.Name})

		lists := map[string]steward.AssetFilter{
			"plain":          {},
			"by serial":      {ListParams: steward.ListParams{Sort: "-serial_number"}},
			"by created":     {ListParams: steward.ListParams{Sort: "created_at"}},
			"owner":          {OwnerCustomerID: c.ID},
			"location":       {LocationID: l.ID},
			"location cust.": {LocationCustomerID: c.ID},
			"q ranked":       {ListParams: steward.ListParams{Q: "cr"}},
			"q sorted":       {ListParams: steward.ListParams{Q: "crane", Sort: "name"}},
			"status all":     {ListParams: steward.ListParams{Status: steward.StatusAll}},
		}
		for name, f := range lists {
			f.Limit = 1
			got := assetNames(allAssets(t, s, u, f))
			for _, n := range got {
				if !slices.Contains(want, n) {
					t.Errorf("%s: the scoped user sees %q", name, n)
				}
			}
			if strings.Contains(name, "q") && len(got) != 1 {
				t.Errorf("%s: %v, want the visible crane", name, got)
			}
			if len(assetNames(allAssets(t, s, none, f))) != 0 {
				t.Errorf("%s: a user of no fleet sees assets", name)
			}
			if n := len(allAssets(t, s, o.admin, f)); n < len(got) {
				t.Errorf("%s: the admin sees %d, fewer than the scoped user", name, n)
			}
		}
		if got := sortedCopy(assetNames(allAssets(t, s, u, steward.AssetFilter{}))); !equalStrings(got, want) {
			t.Fatalf("scoped list %v, want %v", got, want)
		}
		// group_id: the group's assets, intersected with the scope; a group outside the scope is 422.
		if got := assetNames(allAssets(t, s, o.admin, steward.AssetFilter{GroupID: g3.ID})); !equalStrings(got, []string{out.Name}) {
			t.Fatalf("admin group_id=g3: %v", got)
		}
		if got := sortedCopy(assetNames(allAssets(t, s, u, steward.AssetFilter{GroupID: g2.ID}))); !equalStrings(got, want) {
			t.Fatalf("scoped group_id=g2: %v", got)
		}
		_, err := s.Assets(ctx, u, steward.AssetFilter{GroupID: g3.ID})
		wantField(t, err, steward.EINVALID, "group_id")
		_, err = s.Assets(ctx, o.admin, steward.AssetFilter{GroupID: "0190a5c4-1b2c-7d3e-8f40-123456789abc"})
		wantField(t, err, steward.EINVALID, "group_id")
		// Detail, movements and writes of an invisible asset: 404.
		for _, err := range []error{
			second(s.Asset(ctx, u, out.ID)),
			second(s.AssetMovements(ctx, u, out.ID, steward.ListParams{})),
			second(s.UpdateAsset(ctx, u, out.ID, 0, func(f *steward.AssetFields) error { f.Name = "mine"; return nil })),
			second(s.SetAssetArchived(ctx, u, out.ID, 0, true)),
			s.DeleteAsset(ctx, u, out.ID, 0),
		} {
			wantCode(t, err, steward.ENOTFOUND)
		}
		must(s.Asset(ctx, u, in1.ID))
		must(s.AssetMovements(ctx, u, in1.ID, steward.ListParams{}))
		// An invisible asset in a body is 422; a group outside the scope is 404.
		wantField(t, s.AddGroupAssets(ctx, u, g1.ID, []string{in2.ID, out.ID}), steward.EINVALID, "asset_ids[1]")
		wantCode(t, s.AddGroupAssets(ctx, u, g3.ID, []string{in1.ID}), steward.ENOTFOUND)
		// Groups: a scoped user lists and reads its own only.
		gs := must(s.Groups(ctx, u, steward.GroupFilter{}))
		if len(gs.Data) != 2 {
			t.Fatalf("scoped user lists %d groups", len(gs.Data))
		}
		wantCode(t, second(s.Group(ctx, u, g3.ID)), steward.ENOTFOUND)
		if gs := must(s.Groups(ctx, none, steward.GroupFilter{})); len(gs.Data) != 0 {
			t.Fatalf("a user of no fleet lists %d groups", len(gs.Data))
		}
		// The audit log: a customer's or an object's history shows no invisible asset, nor group events.
		for _, f := range []steward.AuditFilter{{ObjectID: out.ID}, {ObjectID: g1.ID}, {CustomerID: c.ID}} {
			for _, e := range allAudit(t, s, u, f) {
				if e.ObjectID == out.ID || e.ObjectType == steward.ObjectGroup || strings.Contains(fmt.Sprint(e.Changes), out.Name) {
					t.Fatalf("%+v: the scoped user reads %+v", f, e)
				}
			}
		}
		if len(allAudit(t, s, u, steward.AuditFilter{ObjectID: in1.ID})) == 0 {
			t.Fatal("the scoped user cannot read a visible asset's history")
		}
		// A scoped user's cursor is refused by an unscoped list (its scope is in the signature).
		p := must(s.Assets(ctx, u, steward.AssetFilter{ListParams: steward.ListParams{Limit: 1}}))
		if p.NextCursor == nil {
			t.Fatal("no second page")
		}
		_, err = s.Assets(ctx, o.admin, steward.AssetFilter{ListParams: steward.ListParams{Limit: 1, Cursor: *p.NextCursor}})
		wantField(t, err, steward.EINVALID, "cursor")
		// An API key of the scoped user has the user's scope.
		k := must(s.CreateAPIKeyForEmail(ctx, u.UserID+"@example.com", steward.APIKeyFields{Name: "scoped"}))
		ka := must(s.Authenticate(ctx, k.Key))
		if got := sortedCopy(assetNames(allAssets(t, s, ka, steward.AssetFilter{}))); !equalStrings(got, want) {
			t.Fatalf("the scoped user's key sees %v", got)
		}
	})
}

// TestScopedCountsMatchBruteForce builds a random fleet with overlapping groups and two that
// start apart, moves, archives and deletes assets and changes memberships at random, and
// compares the counts scoped users see (one group, overlapping groups, groups apart, none), in
// every sort and on every page, with a recount from the assets and memberships.
func TestScopedCountsMatchBruteForce(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		rng := rand.New(rand.NewPCG(12, 34))
		o := newOrg(t, s)
		var custs []*steward.Customer
		var locs []*steward.Location
		for i := range 6 {
			custs = append(custs, mkCustomer(t, s, o.admin, fmt.Sprint("Customer ", i)))
		}
		for i := range 8 {
			cust := ""
			if i%4 != 0 {
				cust = custs[rng.IntN(len(custs))].ID
			}
			locs = append(locs, mkLocation(t, s, o.admin, cust, fmt.Sprint("Site ", i)))
		}
		pick := func() (owner, loc string) {
			if rng.IntN(4) > 0 {
				owner = custs[rng.IntN(len(custs))].ID
			}
			if rng.IntN(4) > 0 {
				loc = locs[rng.IntN(len(locs))].ID
			}
			return
		}
		var xs []*steward.Asset
		for i := range 40 {
			owner, loc := pick()
			xs = append(xs, mkAsset(t, s, o.admin, fmt.Sprint("Asset ", i), owner, loc))
		}
		var gs []*steward.Group
		for i := range 3 {
			g := mkGroup(t, s, o.admin, fmt.Sprint("Group ", i))
			gs = append(gs, g)
			var ids []string
			for _, x := range xs {
				if rng.IntN(3) == 0 {
					ids = append(ids, x.ID)
				}
			}
			ok(t, s.AddGroupAssets(ctx, o.admin, g.ID, ids))
		}
		// Two groups that share no asset at first (their counts add up), until the random
		// changes below make them overlap (each asset then counts once), or apart again.
		for i := range 2 {
			g := mkGroup(t, s, o.admin, fmt.Sprint("Half ", i))
			gs = append(gs, g)
			var ids []string
			for j, x := range xs {
				if j%2 == i && rng.IntN(2) == 0 {
					ids = append(ids, x.ID)
				}
			}
			ok(t, s.AddGroupAssets(ctx, o.admin, g.ID, ids))
		}
		users := []*steward.Actor{
			scopedUser(t, s, raw, o, steward.RoleUser, steward.FleetVisibilityGroups, gs[0].ID),
			scopedUser(t, s, raw, o, steward.RoleUser, steward.FleetVisibilityGroups, gs[0].ID, gs[1].ID, gs[2].ID),
			scopedUser(t, s, raw, o, steward.RoleUser, steward.FleetVisibilityNone),
			scopedUser(t, s, raw, o, steward.RoleUser, steward.FleetVisibilityGroups, gs[3].ID, gs[4].ID),
		}
		check := func(round int) {
			t.Helper()
			for ui, u := range users {
				wantC, wantL := bruteForceCounts(t, raw, o.acc.ID, u)
				for _, sort := range append([]string{""}, steward.CustomerSorts...) {
					for _, sort := range []string{sort, "-" + sort} {
						if sort == "-" {
							continue
						}
						cs := allCustomers(t, s, u, steward.CustomerFilter{ListParams: steward.ListParams{Sort: sort, Limit: 2, Status: steward.StatusAll}})
						if len(cs) != len(custs) {
							t.Fatalf("round %d user %d sort %q: %d customers, want %d", round, ui, sort, len(cs), len(custs))
						}
						for i, c := range cs {
							if w := wantC[c.ID]; c.AssetsOnLocationCount != w[0] || c.AssetsOwnedCount != w[1] || c.AssetsOwnedElsewhereCount != w[2] {
								t.Fatalf("round %d user %d sort %q: %s has %d/%d/%d, want %v", round, ui, sort, c.Name,
									c.AssetsOnLocationCount, c.AssetsOwnedCount, c.AssetsOwnedElsewhereCount, w)
							}
							if i > 0 && strings.HasSuffix(sort, "_count") {
								prev, cur := customerCount(cs[i-1], sort), customerCount(c, sort)
								if desc := strings.HasPrefix(sort, "-"); (!desc && prev > cur) || (desc && prev < cur) {
									t.Fatalf("round %d user %d: sort %q out of order at %d", round, ui, sort, i)
								}
							}
						}
						one := must(s.Customer(ctx, u, cs[0].ID))
						if w := wantC[one.ID]; one.AssetsOwnedCount != w[1] {
							t.Fatalf("detail of %s: owned %d, want %d", one.Name, one.AssetsOwnedCount, w[1])
						}
					}
				}
				for _, sort := range []string{"", "asset_count", "-asset_count"} {
					ls := allLocations(t, s, u, steward.LocationFilter{ListParams: steward.ListParams{Sort: sort, Limit: 3}})
					for _, l := range ls {
						if l.AssetCount != wantL[l.ID] {
							t.Fatalf("round %d user %d sort %q: location %s has %d, want %d", round, ui, sort, l.Name, l.AssetCount, wantL[l.ID])
						}
					}
					if one := must(s.Location(ctx, u, ls[0].ID)); one.AssetCount != wantL[one.ID] {
						t.Fatalf("location detail %s: %d, want %d", one.Name, one.AssetCount, wantL[one.ID])
					}
				}
			}
		}
		check(0)
		for round := 1; round <= 3; round++ {
			for range 10 {
				x := xs[rng.IntN(len(xs))]
				var err error
				switch rng.IntN(6) {
				case 0, 1:
					owner, loc := pick()
					_, err = s.UpdateAsset(ctx, o.admin, x.ID, 0, func(f *steward.AssetFields) error {
						f.OwnerCustomerID, f.LocationID = nilIfEmpty(owner), nilIfEmpty(loc)
						return nil
					})
				case 2:
					_, err = s.SetAssetArchived(ctx, o.admin, x.ID, 0, rng.IntN(2) == 0)
				case 3:
					err = s.AddGroupAssets(ctx, o.admin, gs[rng.IntN(len(gs))].ID, []string{x.ID})
				case 4:
					err = s.RemoveGroupAssets(ctx, o.admin, gs[rng.IntN(len(gs))].ID, []string{x.ID})
				case 5:
					// A location changing customer moves the assets there with it.
					l := locs[rng.IntN(len(locs))]
					_, err = s.UpdateLocation(ctx, o.admin, l.ID, 0, func(f *steward.LocationFields) error {
						f.CustomerID = nilIfEmpty(custs[rng.IntN(len(custs))].ID)
						return nil
					})
				}
				if steward.ErrorCode(err) == steward.ENOTFOUND {
					continue // deleted earlier
				}
				ok(t, err)
			}
			if round == 2 {
				ok(t, s.DeleteAsset(ctx, o.admin, xs[0].ID, 0))
			}
			check(round)
			assertGroupsExact(t, s, o.acc.ID)
		}
		assertNoMismatch(t, s, o.acc.ID)
	})
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func customerCount(c steward.Customer, sort string) int64 {
	switch strings.TrimPrefix(sort, "-") {
	case "location_count":
		return c.LocationCount
	case "assets_on_location_count":
		return c.AssetsOnLocationCount
	case "assets_owned_count":
		return c.AssetsOwnedCount
	}
	return c.AssetsOwnedElsewhereCount
}

// bruteForceCounts recounts what u sees from the assets' own columns and the memberships.
func bruteForceCounts(t *testing.T, raw *rawDB, accountID string, u *steward.Actor) (map[string][3]int64, map[string]int64) {
	t.Helper()
	visible := "1 = 0"
	args := []any{accountID}
	if len(u.Fleet.GroupIDs) > 0 {
		visible = "x.id IN (SELECT asset_id FROM group_assets WHERE account_id = x.account_id AND group_id IN (" +
			strings.TrimSuffix(strings.Repeat("?, ", len(u.Fleet.GroupIDs)), ", ") + "))"
		for _, g := range u.Fleet.GroupIDs {
			args = append(args, g)
		}
	}
	rows, err := raw.db.QueryContext(ctx, raw.rebind("SELECT x.owner_customer_id, x.location_id, x.location_customer_id FROM assets x WHERE x.account_id = ? AND x.archived_at IS NULL AND "+visible), args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cs, ls := map[string][3]int64{}, map[string]int64{}
	for rows.Next() {
		var owner, loc, locCust *string
		if err := rows.Scan(&owner, &loc, &locCust); err != nil {
			t.Fatal(err)
		}
		if loc != nil {
			ls[*loc]++
		}
		if locCust != nil {
			c := cs[*locCust]
			c[0]++
			cs[*locCust] = c
		}
		if owner != nil {
			c := cs[*owner]
			c[1]++
			if locCust == nil || *locCust != *owner {
				c[2]++
			}
			cs[*owner] = c
		}
	}
	return cs, ls
}
