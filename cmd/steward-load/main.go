// Command steward-load is Steward's bounded load tool: it measures a running `steward serve`
// over HTTP on the operations of docs/PERFORMANCE.md and prints the figures as Markdown.
//
// Latency: one client at a constant rate, a fixed number of requests per operation, after a
// warm-up. Throughput: N clients in closed loops for a fixed time. Every loop is bounded in
// count and time, and it talks only to the URL it is given (loopback in practice).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "steward-load:", err)
		os.Exit(1)
	}
}

type config struct {
	base         string
	key          string
	neighbourKey string
	pid          int
	requests     int
	rate         float64
	clients      int
	duration     time.Duration
	only         string
	deepRow      int
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("steward-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.base, "url", "http://127.0.0.1:8080", "the server's base URL (loopback)")
	fs.StringVar(&c.key, "key", "", "an Admin API key of the measured organization")
	fs.StringVar(&c.neighbourKey, "neighbour-key", "", "an API key of a second, smaller organization in the same database, to measure its searches")
	fs.IntVar(&c.pid, "pid", 0, "the server's process id, to report its peak memory (VmHWM)")
	fs.IntVar(&c.requests, "requests", 1000, "requests per operation in the latency runs (at most 100000)")
	fs.Float64Var(&c.rate, "rate", 100, "requests per second of the one latency client")
	fs.IntVar(&c.clients, "clients", 8, "clients of the throughput runs")
	fs.DurationVar(&c.duration, "duration", 30*time.Second, "length of each throughput run (at most 10m)")
	fs.StringVar(&c.only, "only", "", "comma-separated parts of the names of the operations to run, and \"throughput\" (default: all)")
	fs.IntVar(&c.deepRow, "deep-row", 50000, "the row a deep page starts at")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.key == "" {
		return errors.New("--key is required")
	}
	c.requests = min(max(c.requests, 1), 100000)
	c.duration = min(c.duration, 10*time.Minute)
	u, err := url.Parse(c.base)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1") {
		return errors.New("--url must be a loopback address")
	}
	cl := &client{base: strings.TrimSuffix(c.base, "/"), key: c.key,
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	fmt.Fprintln(stderr, "preparing: sampling ids and walking to deep pages")
	ops, err := prepare(ctx, cl, c)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, n := range strings.Split(c.only, ",") {
		if n = strings.TrimSpace(n); n != "" {
			want[n] = true
		}
	}
	fmt.Fprintf(stdout, "| operation | requests | median ms | p95 ms | p99 ms | max ms | errors |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, op := range ops {
		if len(want) > 0 && !selected(want, op.name) {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Warm-up: a tenth of the run, not recorded.
		for i := 0; i < c.requests/10; i++ {
			cl.do(ctx, op.next())
		}
		r := latency(ctx, cl, op, c.requests, c.rate)
		fmt.Fprintf(stdout, "| %s | %d | %.2f | %.2f | %.2f | %.2f | %d |\n", op.name, r.n, r.pct(50), r.pct(95), r.pct(99), r.pct(100), r.errors)
		fmt.Fprintf(stderr, "%s: median %.2f ms, p99 %.2f ms\n", op.name, r.pct(50), r.pct(99))
	}
	if len(want) == 0 || want["throughput"] {
		lists := []*operation{}
		for _, op := range ops {
			if op.list {
				lists = append(lists, op)
			}
		}
		var ru0 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		start := time.Now()
		r := throughput(ctx, cl, lists, c.clients, c.duration)
		wall := time.Since(start)
		var ru1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
		fmt.Fprintf(stdout, "\nThroughput, %d clients for %s over the list operations: **%.0f req/s**, median %.2f ms, p99 %.2f ms, %d errors; the load tool used %.0f %% of one core.\n",
			c.clients, c.duration, float64(r.n)/wall.Seconds(), r.pct(50), r.pct(99), r.errors, 100*cpu.Seconds()/wall.Seconds())
	}
	if c.pid > 0 {
		if hwm, rss, err := memory(c.pid); err == nil {
			fmt.Fprintf(stdout, "\nServer memory: peak RSS (VmHWM) %s, current RSS %s.\n", hwm, rss)
		} else {
			fmt.Fprintln(stderr, "memory:", err)
		}
	}
	return nil
}

// memory reads a process's peak and current resident set size.
func memory(pid int) (hwm, rss string, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "", "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "VmHWM:" {
			hwm = mib(f[1])
		}
		if len(f) >= 3 && f[0] == "VmRSS:" {
			rss = mib(f[1])
		}
	}
	return hwm, rss, nil
}

func mib(kb string) string {
	n, _ := strconv.ParseFloat(kb, 64)
	return fmt.Sprintf("%.0f MiB", n/1024)
}

// client sends authenticated requests.
type client struct {
	base string
	key  string
	http *http.Client
}

// request is one prepared call.
type request struct {
	method  string
	path    string
	body    []byte
	headers map[string]string
	// after, when set, sees the response (to carry an ETag to the next update, say).
	after func(*http.Response, []byte)
	// discard reads the body without keeping it.
	discard bool
}

func (c *client) do(ctx context.Context, r request) (int, []byte, *http.Response, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.base+r.path, body)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	var b []byte
	if r.discard {
		_, err = io.Copy(io.Discard, resp.Body) // pooled buffers: the throughput runs read only the status
	} else {
		b, err = io.ReadAll(resp.Body)
	}
	resp.Body.Close()
	if r.after != nil {
		r.after(resp, b)
	}
	return resp.StatusCode, b, resp, err
}

// get fetches JSON into v, failing on any non-2xx answer.
func (c *client) get(ctx context.Context, path string, v any) error {
	code, b, _, err := c.do(ctx, request{method: "GET", path: path})
	if err != nil {
		return err
	}
	if code/100 != 2 {
		return fmt.Errorf("GET %s: %d %s", path, code, b)
	}
	return json.Unmarshal(b, v)
}

// operation is a named stream of requests.
type operation struct {
	name string
	list bool // part of the throughput mix
	next func() request
}

type result struct {
	lat    []time.Duration
	n      int
	errors int
}

func (r *result) pct(p float64) float64 {
	if len(r.lat) == 0 {
		return 0
	}
	slices.Sort(r.lat)
	i := int(float64(len(r.lat)-1) * p / 100)
	return float64(r.lat[i].Microseconds()) / 1000
}

// latency sends n requests from one client at a constant rate.
func latency(ctx context.Context, cl *client, op *operation, n int, rate float64) *result {
	r := &result{}
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	for i := 0; i < n && ctx.Err() == nil; i++ {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		t := time.Now()
		code, _, _, err := cl.do(ctx, op.next())
		r.lat = append(r.lat, time.Since(t))
		r.n++
		if err != nil || code/100 != 2 {
			r.errors++
		}
	}
	return r
}

// throughput runs clients in closed loops over ops for d.
func throughput(ctx context.Context, cl *client, ops []*operation, clients int, d time.Duration) *result {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	total := &result{}
	var wg sync.WaitGroup
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := &result{}
			for i := w; ctx.Err() == nil; i++ {
				op := ops[i%len(ops)]
				mu.Lock()
				req := op.next()
				mu.Unlock()
				req.discard = req.after == nil
				t := time.Now()
				code, _, _, err := cl.do(ctx, req)
				if ctx.Err() != nil {
					break
				}
				local.lat = append(local.lat, time.Since(t))
				local.n++
				if err != nil || code/100 != 2 {
					local.errors++
				}
			}
			mu.Lock()
			total.lat = append(total.lat, local.lat...)
			total.n += local.n
			total.errors += local.errors
			mu.Unlock()
		}()
	}
	wg.Wait()
	return total
}

type page struct {
	Data       []map[string]any `json:"data"`
	NextCursor *string          `json:"next_cursor"`
}

// deepCursor follows a list 500 rows at a time to row `row` and returns the cursor there.
func deepCursor(ctx context.Context, cl *client, path string, row int) (string, error) {
	cursor := ""
	for seen := 0; seen < row; {
		n := min(500, row-seen)
		p := fmt.Sprintf("%s&limit=%d", path, n)
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		var pg page
		if err := cl.get(ctx, p, &pg); err != nil {
			return "", err
		}
		seen += len(pg.Data)
		if pg.NextCursor == nil {
			return "", fmt.Errorf("%s has fewer than %d rows", path, row)
		}
		cursor = *pg.NextCursor
	}
	return cursor, nil
}

func ids(pg page) []string {
	out := make([]string, 0, len(pg.Data))
	for _, d := range pg.Data {
		if id, ok := d["id"].(string); ok {
			out = append(out, id)
		}
	}
	return out
}

func rotate(rng *rand.Rand, paths []string) func() request {
	return func() request { return request{method: "GET", path: paths[rng.IntN(len(paths))]} }
}

func searches(path string, terms []string) []string {
	out := make([]string, len(terms))
	for i, t := range terms {
		out[i] = path + "?limit=50&q=" + url.QueryEscape(t)
	}
	return out
}

// selected reports whether an operation's name contains one of the --only parts.
func selected(want map[string]bool, name string) bool {
	for w := range want {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// as sends next's requests with another organization's key.
func as(key string, next func() request) func() request {
	return func() request {
		r := next()
		r.headers = map[string]string{"Authorization": "Bearer " + key}
		return r
	}
}

func fixed(path string) func() request {
	return func() request { return request{method: "GET", path: path} }
}

// Search terms (BENCHMARKS.md R5): for assets, 50 terms of 1–13 characters in thirds by their
// matches in rental-1M: at most about 100, up to 10,000, and more (the most frequent words of
// names: makes and categories, single characters and digits); every term is a substring match,
// whatever its length. Customers: rare and broad terms, and short ones. The neighbour
// organization (--neighbour-key) searches the big one's frequent words.
var (
	customerTermsRare = []string{"CRM-000123", "CRM-00012", "CRM-0055", "CRM-00999", "Dvořák & Ørsted", "Müller & Škoda",
		"Nuñez & Yılmaz", "田中建設 株式会社", "Gonçalves Oy", "O'Brien & Þórsson"}
	customerTermsBroad = []string{"gmbh", "orsted", "SKODA", "constr", "rentals", "sp. z", "info@gro", "田中建設", "müll", "łukasiewicz"}
	customerTermsShort = []string{"AB", "Oy", "건설", "sp", "ø", "z", "&", "q", "7", "é"}
	assetTermsRare     = []string{"FA-000123", "#12345", "#99999", "CAT0123-", "KMT0123-", "45-A12", "LBH 345", "0001-B1",
		"JCB0042-", "FA-0012345", "zeppelin", "ab", "zz", "건설", "é", "ﬁ", "Ｑ9"}
	assetTermsMid = []string{"kmt012", "LBH 34", "hau012", "gen012", "Excavator CAT", "45-A", "FA-0099", "204g", "-Q1",
		"cas 1", "q", "-q", "FA-00012", "#123", "w0001", "jcb 2"}
	assetTermsFrequent = []string{"lift", "excavator", "steer", "roller", "tower", "dozer", "dumper", "forklift", "telehandler",
		"scissor", "boom", "loader", "generator", "compressor", "mini", "cat", "12", "7", "x"}
)

// prepare samples the dataset and builds the operations of docs/PERFORMANCE.md.
func prepare(ctx context.Context, cl *client, c config) ([]*operation, error) {
	rng := rand.New(rand.NewPCG(1, 2))
	var ops []*operation
	add := func(name string, list bool, next func() request) {
		ops = append(ops, &operation{name: name, list: list, next: next})
	}
	var custs page
	if err := cl.get(ctx, "/api/v1/customers?limit=500&sort=-updated_at", &custs); err != nil {
		return nil, err
	}
	custIDs := ids(custs)
	if len(custIDs) == 0 {
		return nil, errors.New("the organization has no customers: seed it first (steward dev seed)")
	}
	add("customers: first page", true, fixed("/api/v1/customers?limit=50"))
	deep, err := deepCursor(ctx, cl, "/api/v1/customers?sort=name", c.deepRow)
	if err != nil {
		return nil, err
	}
	add(fmt.Sprintf("customers: page at row %d", c.deepRow), true, fixed("/api/v1/customers?sort=name&limit=50&cursor="+url.QueryEscape(deep)))
	for _, s := range []string{"location_count", "assets_on_location_count", "assets_owned_count", "assets_owned_elsewhere_count"} {
		add("customers: sort -"+s, true, fixed("/api/v1/customers?limit=50&sort=-"+s))
		d, err := deepCursor(ctx, cl, "/api/v1/customers?sort=-"+s, c.deepRow)
		if err != nil {
			return nil, err
		}
		add(fmt.Sprintf("customers: sort -%s at row %d", s, c.deepRow), true, fixed("/api/v1/customers?limit=50&sort=-"+s+"&cursor="+url.QueryEscape(d)))
	}
	add("customers: q rare (10 terms)", false, rotate(rng, searches("/api/v1/customers", customerTermsRare)))
	add("customers: q broad (10 terms)", false, rotate(rng, searches("/api/v1/customers", customerTermsBroad)))
	add("customers: q of 1–2 characters (10 terms)", false, rotate(rng, searches("/api/v1/customers", customerTermsShort)))
	var one []string
	for _, id := range custIDs {
		one = append(one, "/api/v1/customers/"+id)
	}
	add("customer: one, with counts", false, rotate(rng, one))

	// Assets.
	add("assets: first page", true, fixed("/api/v1/assets?limit=50"))
	deepA, err := deepCursor(ctx, cl, "/api/v1/assets?sort=name", c.deepRow)
	if err != nil {
		return nil, err
	}
	add(fmt.Sprintf("assets: page at row %d", c.deepRow), true, fixed("/api/v1/assets?sort=name&limit=50&cursor="+url.QueryEscape(deepA)))
	var owners, onloc page
	if err := cl.get(ctx, "/api/v1/customers?limit=200&sort=-assets_owned_count", &owners); err != nil {
		return nil, err
	}
	if err := cl.get(ctx, "/api/v1/customers?limit=200&sort=-assets_on_location_count", &onloc); err != nil {
		return nil, err
	}
	var locs page
	if err := cl.get(ctx, "/api/v1/locations?limit=200&sort=-asset_count", &locs); err != nil {
		return nil, err
	}
	var byOwner, byLoc, byLocCust []string
	for _, id := range ids(owners) {
		byOwner = append(byOwner, "/api/v1/assets?limit=50&owner_customer_id="+id)
	}
	for _, id := range ids(locs) {
		byLoc = append(byLoc, "/api/v1/assets?limit=50&location_id="+id)
	}
	for _, id := range ids(onloc) {
		byLocCust = append(byLocCust, "/api/v1/assets?limit=50&location_customer_id="+id)
	}
	add("assets: by owning customer", true, rotate(rng, byOwner))
	add("assets: by location", true, rotate(rng, byLoc))
	add("assets: at a customer's locations", true, rotate(rng, byLocCust))
	add(fmt.Sprintf("assets: q ≤ 100 matches (%d terms)", len(assetTermsRare)), false, rotate(rng, searches("/api/v1/assets", assetTermsRare)))
	add(fmt.Sprintf("assets: q ≤ 10k matches (%d terms)", len(assetTermsMid)), false, rotate(rng, searches("/api/v1/assets", assetTermsMid)))
	add(fmt.Sprintf("assets: q most frequent words (%d terms)", len(assetTermsFrequent)), false, rotate(rng, searches("/api/v1/assets", assetTermsFrequent)))
	if c.neighbourKey != "" {
		add(fmt.Sprintf("neighbour: assets q most frequent words (%d terms)", len(assetTermsFrequent)), false,
			as(c.neighbourKey, rotate(rng, searches("/api/v1/assets", assetTermsFrequent))))
		add("neighbour: customers q broad (10 terms)", false, as(c.neighbourKey, rotate(rng, searches("/api/v1/customers", customerTermsBroad))))
	}
	var assets page
	if err := cl.get(ctx, "/api/v1/assets?limit=200&sort=-updated_at", &assets); err != nil {
		return nil, err
	}
	var hist []string
	for _, id := range ids(assets) {
		hist = append(hist, "/api/v1/assets/"+id+"/movements?limit=50")
	}
	add("asset: movements", false, rotate(rng, hist))
	add("audit: account newest 50", false, fixed("/api/v1/audit?limit=50"))
	// R7: the audit log at 10 M events: a 30-day window (the last 30 days, and 30 days a year
	// ago), by actor (each actor of the newest events), one object's and one customer's history.
	now := time.Now().UTC()
	window := func(end time.Time) string {
		return "/api/v1/audit?limit=50&from=" + url.QueryEscape(end.AddDate(0, 0, -30).Format(time.RFC3339)) +
			"&to=" + url.QueryEscape(end.Format(time.RFC3339))
	}
	add("audit: last 30 days", false, fixed(window(now)))
	add("audit: 30 days a year ago", false, fixed(window(now.AddDate(-1, 0, 0))))
	var events page
	if err := cl.get(ctx, "/api/v1/audit?limit=500", &events); err != nil {
		return nil, err
	}
	actors := map[string]bool{}
	for _, e := range events.Data {
		if a, ok := e["actor"].(map[string]any); ok {
			if id, ok := a["id"].(string); ok && id != "" {
				actors[id] = true
			}
		}
	}
	var byActor []string
	for id := range actors {
		byActor = append(byActor, "/api/v1/audit?limit=50&actor_id="+url.QueryEscape(id))
	}
	slices.Sort(byActor)
	if len(byActor) > 0 {
		add(fmt.Sprintf("audit: by actor (%d actors)", len(byActor)), false, rotate(rng, byActor))
	}
	var byObject, byCustomer []string
	for _, id := range ids(assets) {
		byObject = append(byObject, "/api/v1/audit?limit=50&object_id="+id)
	}
	for _, id := range custIDs {
		byCustomer = append(byCustomer, "/api/v1/audit?limit=50&customer_id="+id)
	}
	add("audit: one asset's history", false, rotate(rng, byObject))
	add("audit: one customer's history", false, rotate(rng, byCustomer))

	// Writes: creating a customer (with its audit row and an Idempotency-Key), and updating one
	// with If-Match.
	var n int
	add("customer: create (Idempotency-Key)", false, func() request {
		n++
		body, _ := json.Marshal(map[string]any{"name": fmt.Sprintf("Load Test Kunde Nº %d %d", n, time.Now().UnixNano()),
			"type": "contractor", "address": map[string]string{"city": "Köln", "country": "DE"}})
		return request{method: "POST", path: "/api/v1/customers", body: body,
			headers: map[string]string{"Idempotency-Key": fmt.Sprintf("load-%d-%d", time.Now().UnixNano(), n)}}
	})
	add("customer: create", false, func() request {
		n++
		body, _ := json.Marshal(map[string]any{"name": fmt.Sprintf("Load Test Kunde Nº %d %d", n, time.Now().UnixNano()),
			"type": "contractor", "address": map[string]string{"city": "Köln", "country": "DE"}})
		return request{method: "POST", path: "/api/v1/customers", body: body}
	})
	etags := map[string]string{}
	var emu sync.Mutex
	add("customer: update (If-Match)", false, func() request {
		id := custIDs[rng.IntN(len(custIDs))]
		emu.Lock()
		tag := etags[id]
		emu.Unlock()
		if tag == "" {
			_, _, resp, err := cl.do(ctx, request{method: "GET", path: "/api/v1/customers/" + id})
			if err == nil {
				tag = resp.Header.Get("ETag")
			}
		}
		n++
		body, _ := json.Marshal(map[string]any{"notes": fmt.Sprintf("visited %d", n)})
		return request{method: "PATCH", path: "/api/v1/customers/" + id, body: body, headers: map[string]string{"If-Match": tag},
			after: func(resp *http.Response, _ []byte) {
				emu.Lock()
				etags[id] = resp.Header.Get("ETag")
				emu.Unlock()
			}}
	})
	return ops, nil
}
