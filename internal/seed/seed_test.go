package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/seed"
	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// TestBuild builds a small fleet on each engine and checks its shape: the sizes BENCHMARKS.md
// asks for, exact stored counts, and data the API can read back.
func TestBuild(t *testing.T) {
	storetest.ForEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		res, err := seed.Build(ctx, s, seed.Options{Org: "Seed Test", Assets: 2000, History: 3, Seed: 7, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if res.Customers != 200 || res.Locations != 600 || res.Contacts != 500 || res.Assets != 2000 {
			t.Fatalf("sizes: %+v", res)
		}
		if want := 200 + 600 + 500 + 2000*4; res.Audit != want {
			t.Fatalf("audit rows %d, want %d", res.Audit, want)
		}
		m, err := s.CountMismatches(ctx, res.Account.ID)
		if err != nil || m != (store.Mismatches{}) {
			t.Fatalf("count mismatches %+v %v", m, err)
		}
		a := actorFor(t, s, res.Admin.Email)
		page, err := s.Customers(ctx, a, steward.CustomerFilter{ListParams: steward.ListParams{Sort: "-assets_owned_count", Limit: 5}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Data) != 5 || page.Data[0].AssetsOwnedCount == 0 {
			t.Fatalf("top owner: %+v", page.Data)
		}
		assets, err := s.Assets(ctx, a, steward.AssetFilter{ListParams: steward.ListParams{Limit: 1}})
		if err != nil || len(assets.Data) != 1 {
			t.Fatalf("assets: %v", err)
		}
		mv, err := s.AssetMovements(ctx, a, assets.Data[0].ID, steward.ListParams{})
		if err != nil {
			t.Fatal(err)
		}
		// The create placed it somewhere, then three moves: four movements.
		if len(mv.Data) != 4 {
			t.Fatalf("movements: %d", len(mv.Data))
		}
	})
}
