package store_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/seed"
	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// BenchmarkSharedAssets measures what an account that sees assets through shares pays: an
// organization seeded with N assets (STEWARD_BENCH_SHARES, default 20,000) shares all of them
// with a sub-account (the bulk form, 1,000 at a time), which then lists the shared side (first
// page, a page 20 pages deep, sorted by last change, searched for a frequent and a rare word) and
// reads one shared asset; and what the owner's own list pays with the shares there (nothing:
// its query does not read them). Figures in docs/PERFORMANCE.md ("Sharing").
func BenchmarkSharedAssets(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("STEWARD_BENCH_SHARES")); err == nil && v >= 1000 {
		n = v
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			dsn := storetest.DSN(b, engine)
			s, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if _, err := s.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			email := "bench-" + randHex(4) + "@example.com"
			res, err := seed.Build(ctx, s, seed.Options{Org: "Bench Rentals", Email: email, Password: "bench password", Country: "DE",
				Assets: n, History: 0, Seed: 7})
			if err != nil {
				b.Fatal(err)
			}
			root := steward.SystemActor(res.Account.ID)
			sub, err := s.CreateSubAccount(ctx, root, steward.SubAccountFields{Name: "Viewer", Email: "v@example.com", Country: "DE"})
			if err != nil {
				b.Fatal(err)
			}
			viewer := steward.SystemActor(sub.ID)
			start := time.Now()
			f := steward.AssetFilter{ListParams: steward.ListParams{Limit: steward.MaxLimit, Status: steward.StatusAll}}
			var some string
			for {
				p, err := s.Assets(ctx, root, f)
				if err != nil {
					b.Fatal(err)
				}
				ids := make([]string, len(p.Data))
				for i, x := range p.Data {
					ids[i] = x.ID
				}
				for len(ids) > 0 {
					k := min(len(ids), steward.MaxMembers)
					if err := s.ShareAssets(ctx, root, ids[:k], sub.ID); err != nil {
						b.Fatal(err)
					}
					some, ids = ids[0], ids[k:]
				}
				if p.NextCursor == nil {
					break
				}
				f.Cursor = *p.NextCursor
			}
			b.Logf("%s: shared %d assets in %s", engine, n, time.Since(start).Round(time.Millisecond))
			if engine == "postgres" {
				// The statistics autovacuum keeps after a load this size: without them the planner
				// takes a table it has not seen grow for a small one and sorts it.
				raw, err := openRawDB(engine, dsn)
				if err != nil {
					b.Fatal(err)
				}
				defer raw.db.Close()
				if _, err := raw.db.ExecContext(ctx, "ANALYZE asset_shares"); err != nil {
					b.Fatal(err)
				}
			}
			shared := steward.AssetFilter{Ownership: steward.OwnershipShared, ListParams: steward.ListParams{Limit: 50}}
			deep := shared
			for i := 0; i < 20; i++ {
				p, err := s.Assets(ctx, viewer, deep)
				if err != nil || p.NextCursor == nil {
					b.Fatalf("page %d: %v", i, err)
				}
				deep.Cursor = *p.NextCursor
			}
			run := func(name string, fn func() error) {
				b.Run(name, func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						if err := fn(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			list := func(a *steward.Actor, f steward.AssetFilter) func() error {
				return func() error { _, err := s.Assets(ctx, a, f); return err }
			}
			run("shared/first page", list(viewer, shared))
			run("shared/page 21", list(viewer, deep))
			byChange := shared
			byChange.Sort = "-updated_at"
			run("shared/-updated_at", list(viewer, byChange))
			frequent, rare := shared, shared
			frequent.Q, rare.Q = "lift", "zz-no-such-asset"
			run("shared/q frequent", list(viewer, frequent))
			run("shared/q rare", list(viewer, rare))
			run("shared/one asset", func() error { _, err := s.Asset(ctx, viewer, some); return err })
			run("owner/first page", list(root, steward.AssetFilter{ListParams: steward.ListParams{Limit: 50}}))
		})
	}
}
