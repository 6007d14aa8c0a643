package seed_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/seed"
	"github.com/steward-fleet/steward/internal/store"
)

// TestBuildSameSeedSameRows builds the same fleet twice, in two new databases, with the indexes
// rebuilt as at rental-1M scale, and compares every seeded row: the loader's writer goroutine,
// chunking and commits must not change what is stored. Account ids differ (the organization is
// made by the service) and are left out.
func TestBuildSameSeedSameRows(t *testing.T) {
	ctx := context.Background()
	fingerprint := func(path string) map[string]string {
		s, err := store.Open(ctx, path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		if _, err := seed.Build(ctx, s, seed.Options{Org: "Same", Assets: 3000, History: 2, Seed: 11, Now: now, RebuildIndexes: true}); err != nil {
			t.Fatal(err)
		}
		s.Close()
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		out := map[string]string{}
		for _, table := range []string{"customers", "locations", "assets", "contacts", "audit_events"} {
			where := ""
			if table == "audit_events" {
				where = " WHERE actor_id = 'seed'"
			}
			rows, err := db.Query("SELECT * FROM " + table + where + " ORDER BY id")
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			h := sha256.New()
			n := 0
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				for i, c := range cols {
					if !strings.HasSuffix(c, "account_id") && c != "rid" {
						fmt.Fprintf(h, "%v\x00", vals[i])
					}
				}
				n++
			}
			rows.Close()
			out[table] = fmt.Sprintf("%d rows %x", n, h.Sum(nil))
		}
		return out
	}
	a := fingerprint(filepath.Join(t.TempDir(), "a.db"))
	b := fingerprint(filepath.Join(t.TempDir(), "b.db"))
	for table, fa := range a {
		if fb := b[table]; fa != fb {
			t.Errorf("%s differs between two builds with the same seed: %s vs %s", table, fa, fb)
		}
	}
	if a["assets"][:10] != "3000 rows " || a["audit_events"][:11] != "10950 rows " {
		t.Errorf("unexpected sizes: %v", a)
	}
}
