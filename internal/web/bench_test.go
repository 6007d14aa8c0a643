package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/seed"
	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
	"github.com/steward-fleet/steward/internal/web"
)

// The benchmarks measure the API through its handler (no network, one client) with the real
// store, on both engines: every benchmark has a sqlite and a postgres sub-benchmark, and the
// postgres one skips unless STEWARD_TEST_POSTGRES names a server. Each engine's fleet is built
// once per run by the generator of `dev seed` (benchFleetAssets assets, a few seconds), in a
// database opened with the shipped durability settings (SQLite synchronous=FULL, PostgreSQL's
// default synchronous_commit=on), so a create costs what it costs in production.
//
// STEWARD_BENCH_DB names a prepared database instead (for example one filled by
// `steward dev seed --assets 1000000 --history 10`) and STEWARD_BENCH_EMAIL the Admin whose
// organization to measure; only that database's engine runs.
//
// Besides ns/op (the mean), every benchmark reports the median and the 99th percentile of its
// operations (ms-p50, ms-p99): a few slow commits move the mean of a create more than its
// median, and the targets are medians.

// benchFleetAssets is the size of the fleet a benchmark run builds: big enough for pages,
// counts and searches to touch real indexes, small enough to build in seconds.
const benchFleetAssets = 5000

// benchEnv is one engine's benchmark fleet behind a handler.
type benchEnv struct {
	h    http.Handler
	key  string
	cust []string // the ids of the first 500 customers by name
	deep string   // a cursor deep into the customers list

	// Search terms, checked against the fleet at setup: a rare one matches a handful of rows, a
	// broad one many (on the small fleet: "excavator" a seventh of the assets, "gmbh" a twelfth
	// of the customers).
	assetRare, assetBroad       string
	customerRare, customerBroad string
}

// benchEngines runs fn as a sub-benchmark per engine.
func benchEngines(b *testing.B, fn func(b *testing.B, e *benchEnv)) {
	prepared := os.Getenv("STEWARD_BENCH_DB")
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			if prepared != "" && engine != dsnEngine(prepared) {
				b.Skipf("STEWARD_BENCH_DB is a %s database", dsnEngine(prepared))
			}
			if prepared == "" && engine == "postgres" && os.Getenv(storetest.EnvPostgres) == "" {
				b.Skipf("PostgreSQL benchmarks skipped: set %s to a server URL (for example postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable) to run them", storetest.EnvPostgres)
			}
			fn(b, benchSetup(b, engine))
		})
	}
}

func dsnEngine(dsn string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return "postgres"
	}
	return "sqlite"
}

// benchSetup returns the engine's fleet, building it on first use. The database lives until
// the test binary ends (TestMain drops it with the other shared databases).
func benchSetup(b *testing.B, engine string) *benchEnv {
	b.Helper()
	benchMu.Lock()
	f := benchFleets[engine]
	if f == nil {
		f = &benchFleet{}
		benchFleets[engine] = f
	}
	benchMu.Unlock()
	f.once.Do(func() {
		start := time.Now()
		var drop func()
		f.env, drop, f.err = openBench(engine)
		if f.err == nil {
			benchMu.Lock()
			benchDrops = append(benchDrops, drop)
			benchMu.Unlock()
			b.Logf("%s benchmark fleet ready in %s", engine, time.Since(start).Round(time.Millisecond))
		}
	})
	if f.err != nil {
		b.Fatalf("%s benchmark fleet: %v", engine, f.err)
	}
	return f.env
}

// benchFleet is one engine's fleet, built once per test binary.
type benchFleet struct {
	once sync.Once
	env  *benchEnv
	err  error
}

var (
	benchMu     sync.Mutex
	benchFleets = map[string]*benchFleet{}
	benchDrops  []func() // run by TestMain
)

func openBench(engine string) (*benchEnv, func(), error) {
	ctx := context.Background()
	dsn, email := os.Getenv("STEWARD_BENCH_DB"), os.Getenv("STEWARD_BENCH_EMAIL")
	prepared := dsn != ""
	drop := func() {}
	if !prepared {
		var err error
		if dsn, drop, err = benchDatabase(engine); err != nil {
			return nil, nil, err
		}
	}
	fail := func(err error) (*benchEnv, func(), error) { drop(); return nil, nil, err }
	s, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return fail(err)
	}
	cleanup := func() { s.Close(); drop() }
	if !prepared {
		if _, err := s.Migrate(ctx); err != nil {
			cleanup()
			return nil, nil, err
		}
		res, err := seed.Build(ctx, s, seed.Options{Org: "Bench", Assets: benchFleetAssets, History: 2, Seed: 1})
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		email = res.Admin.Email
	}
	e, err := newBenchEnv(ctx, s, email, prepared)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return e, cleanup, nil
}

// benchDatabase creates an empty database for the fleet: a SQLite file in a temporary
// directory, or a new PostgreSQL database with the server's defaults (synchronous_commit on).
func benchDatabase(engine string) (dsn string, drop func(), err error) {
	return storetest.NewDatabase(engine, false)
}

func newBenchEnv(ctx context.Context, s *store.Store, email string, prepared bool) (*benchEnv, error) {
	k, err := s.CreateAPIKeyForEmail(ctx, email, steward.APIKeyFields{Name: "bench"})
	if err != nil {
		return nil, err
	}
	e := &benchEnv{h: web.New(s, nil, web.Options{}), key: k.Key}
	type page struct {
		Data []struct {
			ID           string `json:"id"`
			ExternalRef  string `json:"external_ref"`
			SerialNumber string `json:"serial_number"`
		} `json:"data"`
		NextCursor *string `json:"next_cursor"`
	}
	getPage := func(path string) (*page, error) {
		code, body := e.get(path)
		var pg page
		if code != 200 || json.Unmarshal(body, &pg) != nil {
			return nil, fmt.Errorf("GET %s: %d %.200s", path, code, body)
		}
		return &pg, nil
	}
	// The deep page starts at row 50,000 of a prepared fleet (or as deep as it goes), row 400
	// of the small one.
	pages, size := 100, 500
	if !prepared {
		pages, size = 2, 200
	}
	cursor := ""
	for i := 0; i < pages; i++ {
		path := fmt.Sprintf("/api/v1/customers?limit=%d", size)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		pg, err := getPage(path)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			if pg.NextCursor == nil {
				return nil, fmt.Errorf("the organization has %d customers, too few to page through", len(pg.Data))
			}
			for _, d := range pg.Data {
				e.cust = append(e.cust, d.ID)
			}
			e.customerRare = middleOf(len(pg.Data), func(i int) string { return pg.Data[i].ExternalRef })
		}
		if pg.NextCursor == nil {
			break
		}
		cursor = *pg.NextCursor
	}
	e.deep = cursor
	assets, err := getPage("/api/v1/assets?limit=50")
	if err != nil {
		return nil, err
	}
	e.assetRare = middleOf(len(assets.Data), func(i int) string { return assets.Data[i].SerialNumber })
	e.assetBroad, e.customerBroad = "excavator", "gmbh"

	// The terms must keep meaning what the benchmark names say, whatever the generator becomes.
	for _, t := range []struct {
		list, term string
		broad      bool
	}{
		{"assets", e.assetRare, false}, {"assets", e.assetBroad, true},
		{"customers", e.customerRare, false}, {"customers", e.customerBroad, true},
	} {
		pg, err := getPage("/api/v1/" + t.list + "?limit=500&q=" + url.QueryEscape(t.term))
		if err != nil {
			return nil, err
		}
		n := len(pg.Data)
		switch {
		case t.term == "":
			return nil, fmt.Errorf("no rare %s term: the fleet's rows lack the field", t.list)
		case t.broad && n < 25:
			return nil, fmt.Errorf("broad %s term %q matches %d rows, want 25 or more", t.list, t.term, n)
		case !t.broad && (n < 1 || n > 5):
			return nil, fmt.Errorf("rare %s term %q matches %d rows, want 1 to 5", t.list, t.term, n)
		}
	}
	return e, nil
}

// middleOf returns the first non-empty field(i) from the middle of n rows on, else "": the rows
// a run's creates added (no external reference) may stand anywhere in a prepared database.
func middleOf(n int, field func(i int) string) string {
	for i := n / 2; i < n; i++ {
		if v := field(i); v != "" {
			return v
		}
	}
	for i := n/2 - 1; i >= 0; i-- {
		if v := field(i); v != "" {
			return v
		}
	}
	return ""
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

// benchLoop runs op until the benchmark has enough samples and reports, besides the mean, the
// median and the 99th percentile of one op.
func benchLoop(b *testing.B, op func(i int)) {
	b.ReportAllocs()
	took := make([]time.Duration, 0, 1024)
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		op(i)
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	ms := func(q float64) float64 {
		return float64(took[int(q*float64(len(took)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(ms(0.5), "ms-p50")
	b.ReportMetric(ms(0.99), "ms-p99")
}

// benchGet measures GET requests, each expected to answer 200.
func benchGet(b *testing.B, paths func(e *benchEnv, i int) string) {
	benchEngines(b, func(b *testing.B, e *benchEnv) {
		benchLoop(b, func(i int) {
			if code, body := e.get(paths(e, i)); code != 200 {
				b.Fatalf("%d %.200s", code, body)
			}
		})
	})
}

func BenchmarkCustomersFirstPage(b *testing.B) {
	benchGet(b, func(*benchEnv, int) string { return "/api/v1/customers?limit=50" })
}

func BenchmarkCustomersDeepPage(b *testing.B) {
	benchGet(b, func(e *benchEnv, _ int) string {
		return "/api/v1/customers?limit=50&cursor=" + url.QueryEscape(e.deep)
	})
}

func BenchmarkCustomersSortedByCount(b *testing.B) {
	benchGet(b, func(*benchEnv, int) string { return "/api/v1/customers?limit=50&sort=-assets_owned_count" })
}

func BenchmarkCustomerOne(b *testing.B) {
	benchGet(b, func(e *benchEnv, i int) string { return "/api/v1/customers/" + e.cust[i%len(e.cust)] })
}

func BenchmarkAssetsFirstPage(b *testing.B) {
	benchGet(b, func(*benchEnv, int) string { return "/api/v1/assets?limit=50" })
}

func BenchmarkAssetsByOwner(b *testing.B) {
	benchGet(b, func(e *benchEnv, i int) string {
		return "/api/v1/assets?limit=50&owner_customer_id=" + e.cust[i%len(e.cust)]
	})
}

func BenchmarkAssetsSearchRare(b *testing.B) {
	benchGet(b, func(e *benchEnv, _ int) string { return "/api/v1/assets?limit=50&q=" + url.QueryEscape(e.assetRare) })
}

func BenchmarkAssetsSearchBroad(b *testing.B) {
	benchGet(b, func(e *benchEnv, _ int) string { return "/api/v1/assets?limit=50&q=" + url.QueryEscape(e.assetBroad) })
}

func BenchmarkCustomersSearchRare(b *testing.B) {
	benchGet(b, func(e *benchEnv, _ int) string {
		return "/api/v1/customers?limit=50&q=" + url.QueryEscape(e.customerRare)
	})
}

func BenchmarkCustomersSearchBroad(b *testing.B) {
	benchGet(b, func(e *benchEnv, _ int) string {
		return "/api/v1/customers?limit=50&q=" + url.QueryEscape(e.customerBroad)
	})
}

// benchCreate measures customer creates, each a new customer, with a fresh Idempotency-Key
// when keyed.
func benchCreate(b *testing.B, keyed bool) {
	benchEngines(b, func(b *testing.B, e *benchEnv) {
		run := fmt.Sprintf("%d-%d", time.Now().UnixNano(), b.N)
		benchLoop(b, func(i int) {
			r := httptest.NewRequest("POST", "/api/v1/customers", strings.NewReader(fmt.Sprintf(`{"name":"Bench Kunde %s-%d"}`, run, i)))
			r.Header.Set("Content-Type", "application/json")
			if keyed {
				r.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%s-%d", run, i))
			}
			if code, body := e.do(r); code != 201 {
				b.Fatalf("%d %.200s", code, body)
			}
		})
	})
}

func BenchmarkCustomerCreate(b *testing.B) { benchCreate(b, false) }

func BenchmarkCustomerCreateIdempotent(b *testing.B) { benchCreate(b, true) }

// BenchmarkCustomerCreateReplay measures a retry answered from its Idempotency-Key's record.
func BenchmarkCustomerCreateReplay(b *testing.B) {
	benchEngines(b, func(b *testing.B, e *benchEnv) {
		key := fmt.Sprintf("bench-replay-%d", time.Now().UnixNano())
		post := func() (int, []byte, string) {
			r := httptest.NewRequest("POST", "/api/v1/customers", strings.NewReader(`{"name":"Bench Replay"}`))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Idempotency-Key", key)
			r.Header.Set("Authorization", "Bearer "+e.key)
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, r)
			return w.Code, w.Body.Bytes(), w.Header().Get("Idempotent-Replayed")
		}
		if code, body, _ := post(); code != 201 {
			b.Fatalf("first: %d %.200s", code, body)
		}
		benchLoop(b, func(int) {
			if code, body, replayed := post(); code != 201 || replayed != "true" {
				b.Fatalf("replay: %d %q %.200s", code, replayed, body)
			}
		})
	})
}
