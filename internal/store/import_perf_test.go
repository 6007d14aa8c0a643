package store_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// TestImportPerfFigures measures a dry run and an apply of STEWARD_IMPORT_PERF_ROWS assets (each
// with an owner and a location, by external reference) on a fresh database of each engine, and
// a re-run (all unchanged), printing rows per second and the peak heap (docs/PERFORMANCE.md,
// "Imports"). Skipped unless the variable is set; STEWARD_IMPORT_PERF_DRY_ONLY=1 measures the
// dry run alone.
func TestImportPerfFigures(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("STEWARD_IMPORT_PERF_ROWS"))
	if n <= 0 {
		t.Skip("set STEWARD_IMPORT_PERF_ROWS=100000 to measure imports")
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			storetest.SkipWithoutPostgres(t, engine)
			defer catchMust(t)
			s := storetest.Open(t, engine)
			o := newOrg(t, s)
			a := o.admin
			// The references: n/10 customers, n/4 locations, by a small import each.
			var b strings.Builder
			b.WriteString("name,external_ref\n")
			for i := range n / 10 {
				fmt.Fprintf(&b, "Customer %d,C-%d\n", i, i)
			}
			wantJob(t, importFile(t, s, a, steward.ImportCustomers, false, b.String()), steward.ImportSucceeded, int64(n/10), 0, 0, 0)
			b.Reset()
			b.WriteString("name,external_ref,customer_id\n")
			for i := range n / 4 {
				fmt.Fprintf(&b, "Site %d,L-%d,C-%d\n", i, i, i%(n/10))
			}
			wantJob(t, importFile(t, s, a, steward.ImportLocations, false, b.String()), steward.ImportSucceeded, int64(n/4), 0, 0, 0)
			b.Reset()
			// The assets' file is on disk, so the heap measured is the import's, not the file's.
			path := filepath.Join(t.TempDir(), "assets.csv")
			f, err := os.Create(path)
			ok(t, err)
			w := bufio.NewWriter(f)
			w.WriteString("name,serial_number,external_ref,make,model,category,year,owner_customer_id,location_id\n")
			for i := range n {
				fmt.Fprintf(w, "Excavator %d,SN%08d,A-%d,Komatsu,PC%d,Excavator,%d,C-%d,L-%d\n", i, i, i, 100+i%400, 2000+i%25, i%(n/10), i%(n/4))
			}
			ok(t, w.Flush())
			st, err := f.Stat()
			ok(t, err)
			ok(t, f.Close())
			t.Logf("%s: file of %d assets, %.1f MiB", engine, n, float64(st.Size())/(1<<20))
			for _, step := range []struct {
				name string
				dry  bool
				want [4]int64
			}{{"dry run", true, [4]int64{int64(n), 0, 0, 0}}, {"apply", false, [4]int64{int64(n), 0, 0, 0}},
				{"re-run (unchanged)", false, [4]int64{0, 0, int64(n), 0}}} {
				if os.Getenv("STEWARD_IMPORT_PERF_DRY_ONLY") != "" && !step.dry {
					continue // STEWARD_IMPORT_PERF_DRY_ONLY: the dry run alone (memory at 1M)
				}
				runtime.GC()
				peak := watchHeap()
				start := time.Now()
				in, err := os.Open(path)
				ok(t, err)
				j := must(s.CreateImport(ctx, a, steward.NewImport{Kind: steward.ImportAssets, DryRun: step.dry, File: in}))
				in.Close()
				j = must(s.RunImport(ctx, j.ID, "perf", nil))
				took := time.Since(start)
				wantJob(t, j, steward.ImportSucceeded, step.want[0], step.want[1], step.want[2], step.want[3])
				t.Logf("%s %s: %d rows in %s: %.0f rows/s; peak heap %d MiB", engine, step.name, n, took.Round(time.Millisecond),
					float64(n)/took.Seconds(), peak()>>20)
			}
			if m := must(s.CountMismatches(t.Context(), o.acc.ID)); m != (store.Mismatches{}) {
				t.Fatalf("CountMismatches %+v", m)
			}
		})
	}
}

// watchHeap samples the heap in use until the returned function is called, which returns the
// peak.
func watchHeap() func() uint64 {
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	return func() uint64 { close(stop); wg.Wait(); return peak.Load() }
}
