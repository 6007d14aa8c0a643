package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// TestSharedSearchPlans searches the shared side with the walk shortened (200 shares for a page
// of 2), so that each plan of a bounded search runs: a common term fills its pages from the walk,
// a rare one comes from each owner's search index (two owners, one of which also holds unshared
// matches), and one that matches more than the sorted bound in an owner walks every share. Each
// sort, both directions, page by page, gives exactly the shared assets that contain the term,
// in the order of the list without a term.
func TestSharedSearchPlans(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		tr := newTree(t, s)
		c := mkSub(t, s, tr.o.admin, "Branch C")
		inC := switchTo(t, s, tr.o.admin, c.ID)
		serial := 0
		mk := func(in *steward.Actor, n int, name string, share bool) {
			var ids []string
			for i := range n {
				serial++
				x := must(s.CreateAsset(ctx, in, steward.AssetFields{Name: fmt.Sprintf("%s %03d", name, i),
					SerialNumber: fmt.Sprintf("SN-%04d", (serial*7919)%10000)}))
				ids = append(ids, x.ID)
			}
			if share {
				ok(t, s.ShareAssets(ctx, in, ids, tr.b.ID))
			}
		}
		mk(tr.inA, 120, "Lift", true)
		mk(inC, 110, "Lift", true)
		mk(tr.inA, 3, "Zebra", true)
		mk(inC, 2, "Zebra", true)
		mk(tr.inA, 4, "Zebra", false) // matches the owner has but does not share
		mk(tr.inA, 2, "Orca", true)
		mk(tr.inA, 25, "Orca", false) // more matches in A than the bound of 20
		limited := store.WithSearchLimits(s, 1, 20)
		for _, sort := range steward.AssetSorts {
			for _, sort := range []string{sort, "-" + sort} {
				f := steward.AssetFilter{Ownership: steward.OwnershipShared, ListParams: steward.ListParams{Sort: sort, Limit: 2}}
				every := allAssets(t, s, tr.inB, f)
				for term, n := range map[string]int{"lift": 230, "zebra": 5, "orca": 2, "zzz": 0} {
					var want []string
					for _, x := range every {
						if strings.Contains(strings.ToLower(x.Name), term) {
							want = append(want, x.Name)
						}
					}
					f.Q = term
					got := assetNames(allAssets(t, limited, tr.inB, f))
					if len(got) != n || strings.Join(got, ",") != strings.Join(want, ",") {
						t.Errorf("sort %s, q %q: %d assets %v, want %d %v", sort, term, len(got), head(got), n, head(want))
					}
				}
			}
		}
	})
}

func head(xs []string) []string { return xs[:min(len(xs), 6)] }
