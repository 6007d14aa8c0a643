package ui_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/ui"
	"github.com/steward-fleet/steward/internal/web"
)

// TestPerfFigures measures the web interface over an existing database (docs/PERFORMANCE.md,
// "Web interface"): the server-side time of each page and window tab (median and p99 over
// STEWARD_UI_PERF_N requests, 200 by default), its HTML size, and the page's transfer with its
// static files as served (gzip, as a browser asks). In process (no network), through the same handler as
// steward serve. It only reads: its sessions are kept in memory. Skipped unless
// STEWARD_UI_PERF_DSN names the database; STEWARD_UI_PERF_EMAIL and STEWARD_UI_PERF_PASSWORD sign
// in (by default rental-1M's Admin as `dev seed --org "Rental One" --seed 1` made it).
func TestPerfFigures(t *testing.T) {
	dsn := os.Getenv("STEWARD_UI_PERF_DSN")
	if dsn == "" {
		t.Skip("set STEWARD_UI_PERF_DSN to a seeded database (for example rental-1M) to measure the web interface")
	}
	email, password := os.Getenv("STEWARD_UI_PERF_EMAIL"), os.Getenv("STEWARD_UI_PERF_PASSWORD")
	if email == "" {
		email, password = "admin@rental-one.example", "seed-1-rental-one"
	}
	n := 200
	if v := os.Getenv("STEWARD_UI_PERF_N"); v != "" {
		fmt.Sscan(v, &n)
	}
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// Sessions in memory: the measured database is only read (rental-1M may not even have the
	// sessions table).
	svc := &memSessions{Service: s, m: map[string][]byte{}}
	h := web.New(s, logger, web.Options{UI: ui.New(svc, logger, ui.Options{})}).HTTPServer().Handler

	// Sign in as a browser does.
	form := url.Values{"email": {email}, "password": {password}}
	req := httptest.NewRequest("POST", "http://steward.test/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://steward.test")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("sign in: %d %s", rec.Code, rec.Body.String())
	}
	cookies := rec.Result().Cookies()
	get := func(path, target string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "http://steward.test"+path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		req.Header.Set("Accept-Encoding", "gzip")
		if target != "" {
			req.Header.Set("HX-Request", "true")
			req.Header.Set("HX-Target", target)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
		}
		return rec
	}

	// html is a response's body, gunzipped.
	html := func(rec *httptest.ResponseRecorder) []byte {
		b := rec.Body.Bytes()
		if rec.Header().Get("Content-Encoding") != "gzip" {
			return b
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
		return b
	}

	// The customer with the most assets at its locations: the biggest window.
	user, err := s.SignIn(ctx, email, password)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.UserActor(ctx, user.ID)
	if err != nil {
		t.Fatal(err)
	}
	big, err := s.Customers(ctx, a, steward.CustomerFilter{ListParams: steward.ListParams{Sort: "-assets_on_location_count", Limit: 1}})
	if err != nil || len(big.Data) == 0 {
		t.Fatalf("the biggest customer: %v", err)
	}
	c := big.Data[0]
	t.Logf("biggest customer: %d locations, %d assets on location, %d owned", c.LocationCount, c.AssetsOnLocationCount, c.AssetsOwnedCount)

	static := regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)
	pages := []struct{ name, path, target string }{
		{"customers page (default)", "/customers", ""},
		{"customers page, sorted by assets on location", "/customers?sort=-assets_on_location_count", ""},
		{"customers search \"mull\" (results)", "/customers?q=mull", "results"},
		{"customers page, next 50 (Load more)", "", "more"},
		{"locations page", "/locations", ""},
		{"assets page", "/assets", ""},
	}
	pages = append(pages, struct{ name, path, target string }{"customers page with the biggest window open", "/customers/" + c.ID, ""})
	for _, tab := range []string{"overview", "locations", "on-location", "owned", "contacts", "audit"} {
		pages = append(pages, struct{ name, path, target string }{"window tab " + tab, "/customers/" + c.ID + "?tab=" + tab, "panel"})
	}
	// Load more: the first page's next link.
	first := string(html(get("/customers", "")))
	if m := regexp.MustCompile(`hx-get="(/customers\?[^"]*cursor=[^"]+)"`).FindStringSubmatch(first); m != nil {
		pages[3].path = strings.ReplaceAll(m[1], "&amp;", "&")
	} else {
		pages = slices.Delete(pages, 3, 4)
	}

	var out strings.Builder
	fmt.Fprintf(&out, "| request | median | p99 | HTML | HTML as served (gzip) | first page's transfer as served |\n|---|---|---|---|---|---|\n")
	for _, p := range pages {
		get(p.path, p.target) // warm
		d := make([]time.Duration, n)
		for i := range d {
			start := time.Now()
			get(p.path, p.target)
			d[i] = time.Since(start)
		}
		slices.Sort(d)
		rec := get(p.path, p.target)
		served := rec.Body.Len()
		body := html(rec)
		transfer := ""
		if p.target == "" {
			total := served
			for _, m := range static.FindAllSubmatch(body, -1) {
				total += get(string(m[1]), "").Body.Len()
			}
			transfer = fmt.Sprintf("%.1f KB", float64(total)/1024)
		}
		fmt.Fprintf(&out, "| %s | %.1f ms | %.1f ms | %.1f KB | %.1f KB | %s |\n", p.name,
			ms(d[len(d)/2]), ms(d[len(d)*99/100]), float64(len(body))/1024, float64(served)/1024, transfer)
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(&out, "\n%d requests each; load average %s", n, strings.Join(strings.Fields(string(load))[:3], " "))
	t.Log("\n" + out.String())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// memSessions is the service with its sessions kept in memory.
type memSessions struct {
	steward.Service
	mu sync.Mutex
	m  map[string][]byte
}

func (m *memSessions) Sessions() steward.SessionStore { return m }

func (m *memSessions) Find(token string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.m[token]
	return b, ok, nil
}

func (m *memSessions) Commit(token string, b []byte, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[token] = b
	return nil
}

func (m *memSessions) Delete(token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, token)
	return nil
}

func (m *memSessions) FindCtx(_ context.Context, token string) ([]byte, bool, error) {
	return m.Find(token)
}
func (m *memSessions) CommitCtx(_ context.Context, token string, b []byte, exp time.Time) error {
	return m.Commit(token, b, exp)
}
func (m *memSessions) DeleteCtx(_ context.Context, token string) error { return m.Delete(token) }
