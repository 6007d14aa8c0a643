package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/steward-fleet/steward/internal/seed"
	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/web"
)

// The benchmarks measure the API through its handler (no network) on a seeded fleet. By default
// they build a 20,000-asset fleet on SQLite per run; STEWARD_BENCH_DB names a prepared database
// instead (for example one filled by `steward dev seed --assets 1000000 --history 10`) and
// STEWARD_BENCH_EMAIL the Admin whose organization to measure.

type benchEnv struct {
	h    http.Handler
	key  string
	cust []string
	deep string
}

var (
	benchOnce sync.Once
	bench     *benchEnv
	benchErr  error
)

func setupBench(b *testing.B) *benchEnv {
	benchOnce.Do(func() {
		ctx := context.Background()
		dsn, email := os.Getenv("STEWARD_BENCH_DB"), os.Getenv("STEWARD_BENCH_EMAIL")
		var s *store.Store
		if dsn == "" {
			// The fleet outlives each benchmark (and so b.TempDir); it lives in the system temp
			// directory under a name that says what it is.
			dir, err := os.MkdirTemp("", "steward-bench-")
			if err != nil {
				benchErr = err
				return
			}
			if s, err = store.Open(ctx, filepath.Join(dir, "bench.db"), store.Options{}); err == nil {
				_, err = s.Migrate(ctx)
			}
			if err != nil {
				benchErr = err
				return
			}
			res, err := seed.Build(ctx, s, seed.Options{Org: "Bench", Assets: 20000, History: 2, Seed: 1})
			if err != nil {
				benchErr = err
				return
			}
			email = res.Admin.Email
		} else {
			var err error
			if s, err = store.Open(ctx, dsn, store.Options{}); err != nil {
				benchErr = err
				return
			}
		}
		k, err := s.CreateAPIKeyForEmail(ctx, email, steward.APIKeyFields{Name: "bench"})
		if err != nil {
			benchErr = err
			return
		}
		e := &benchEnv{h: web.New(s, nil, web.Options{}), key: k.Key}
		var pg struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
			NextCursor *string `json:"next_cursor"`
		}
		// The deep page starts at row 50,000 of a prepared fleet, row 1,000 of the small one.
		pages := 2
		if dsn != "" {
			pages = 100
		}
		cursor := ""
		for i := 0; i < pages; i++ {
			path := "/api/v1/customers?limit=500"
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			code, body := e.get(path)
			if code != 200 || json.Unmarshal(body, &pg) != nil || pg.NextCursor == nil {
				benchErr = fmt.Errorf("walking customers: %d %.200s", code, body)
				return
			}
			if i == 0 {
				for _, d := range pg.Data {
					e.cust = append(e.cust, d.ID)
				}
			}
			cursor = *pg.NextCursor
		}
		e.deep = cursor
		bench = e
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return bench
}

func (e *benchEnv) get(path string) (int, []byte) {
	return e.do(httptest.NewRequest("GET", path, nil))
}

func (e *benchEnv) do(r *http.Request) (int, []byte) {
	r.Header.Set("Authorization", "Bearer "+e.key)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w.Code, w.Body.Bytes()
}

func benchGet(b *testing.B, paths func(i int) string) {
	e := setupBench(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if code, body := e.get(paths(i)); code != 200 {
			b.Fatalf("%d %.200s", code, body)
		}
	}
}

func BenchmarkCustomersFirstPage(b *testing.B) {
	benchGet(b, func(int) string { return "/api/v1/customers?limit=50" })
}

func BenchmarkCustomersDeepPage(b *testing.B) {
	e := setupBench(b)
	benchGet(b, func(int) string { return "/api/v1/customers?limit=50&cursor=" + url.QueryEscape(e.deep) })
}

func BenchmarkCustomersSortedByCount(b *testing.B) {
	benchGet(b, func(int) string { return "/api/v1/customers?limit=50&sort=-assets_owned_count" })
}

func BenchmarkCustomersSearch(b *testing.B) {
	terms := []string{"mull", "škod", "gmbh", "ørst", "bau", "田中"}
	benchGet(b, func(i int) string { return "/api/v1/customers?limit=50&q=" + url.QueryEscape(terms[i%len(terms)]) })
}

func BenchmarkCustomerOne(b *testing.B) {
	e := setupBench(b)
	benchGet(b, func(i int) string { return "/api/v1/customers/" + e.cust[i%len(e.cust)] })
}

func BenchmarkAssetsByOwner(b *testing.B) {
	e := setupBench(b)
	benchGet(b, func(i int) string { return "/api/v1/assets?limit=50&owner_customer_id=" + e.cust[i%len(e.cust)] })
}

func BenchmarkAssetsSearchSerial(b *testing.B) {
	terms := []string{"45-A", "CAT01", "kmt0", "FA-00012"}
	benchGet(b, func(i int) string { return "/api/v1/assets?limit=50&q=" + url.QueryEscape(terms[i%len(terms)]) })
}

func BenchmarkCustomerCreate(b *testing.B) {
	e := setupBench(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r := httptest.NewRequest("POST", "/api/v1/customers", strings.NewReader(fmt.Sprintf(`{"name":"Bench Kunde %d-%d"}`, i, b.N)))
		r.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d-%p", i, b))
		if code, body := e.do(r); code != 201 {
			b.Fatalf("%d %.200s", code, body)
		}
	}
}
