package store_test

import (
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// TestMigrationFillsGroupCounts: a database whose groups were filled before migration 0014 gets
// each group's counts and overlaps from its memberships when it is upgraded, so scoped callers
// read exact counts at once.
func TestMigrationFillsGroupCounts(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		a := o.admin
		c1, c2 := mkCustomer(t, s, a, "C1"), mkCustomer(t, s, a, "C2")
		l1 := mkLocation(t, s, a, c1.ID, "L1")
		x := mkAsset(t, s, a, "X", c2.ID, l1.ID) // owned by C2, at C1's site
		y := mkAsset(t, s, a, "Y", c1.ID, l1.ID)
		z := mkAsset(t, s, a, "Z", c1.ID, "")
		g, h := mkGroup(t, s, a, "G"), mkGroup(t, s, a, "H")
		ok(t, s.AddGroupAssets(ctx, a, g.ID, []string{x.ID, y.ID, z.ID}))
		ok(t, s.AddGroupAssets(ctx, a, h.ID, []string{y.ID}))
		_ = must(s.SetAssetArchived(ctx, a, z.ID, 0, true))
		inG := scopedUser(t, s, raw, o, steward.RoleUser, steward.FleetVisibilityGroups, g.ID)
		want := map[string]cnt{c1.ID: {1, 2, 1, 0}, c2.ID: {0, 0, 1, 1}}
		check := func(step string) {
			t.Helper()
			for id, w := range want {
				if got := countsOf(must(s.Customer(ctx, inG, id))); got != w {
					t.Errorf("%s: counts of %s = %+v, want %+v", step, id, got, w)
				}
			}
			if got := must(s.Location(ctx, inG, l1.ID)).AssetCount; got != 2 {
				t.Errorf("%s: L1 counts %d, want 2", step, got)
			}
		}
		check("kept")
		// The database as the previous schema left it.
		raw.exec(t, "DROP TABLE group_overlaps")
		raw.exec(t, "DROP TABLE group_counts")
		raw.exec(t, "DELETE FROM schema_migrations WHERE version = 14")
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		assertNoMismatch(t, s, o.acc.ID)
		if n := raw.int(t, "SELECT n FROM group_overlaps WHERE account_id = ?", o.acc.ID); n != 1 {
			t.Errorf("G and H share %d assets, want 1", n)
		}
		check("migrated")
	})
}
