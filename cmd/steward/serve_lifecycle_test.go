package main

// Nothing serve starts outlives it: its goroutines (the HTTP server and its connections, the
// pruning loop, the database's pools) are gone once it returns, whether its context ended or
// serving failed. Checked by comparing the goroutines' stacks before and after, with the
// standard library only.

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/store/storetest"
)

func TestServeLeavesNoGoroutineSQLite(t *testing.T) {
	testServeLeavesNoGoroutine(t, func() string { return filepath.Join(t.TempDir(), "lifecycle.db") })
}

func TestServeLeavesNoGoroutinePostgres(t *testing.T) {
	storetest.SkipWithoutPostgres(t, "postgres")
	testServeLeavesNoGoroutine(t, func() string { return storetest.DSN(t, "postgres") })
}

func testServeLeavesNoGoroutine(t *testing.T, newDB func() string) {
	t.Run("context ends", func(t *testing.T) {
		db := newDB()
		mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Lifecycle", "--email", "l@example.com", "--password", "long enough")
		key := createKey(t, db, "l@example.com", "lifecycle")
		before := goroutines()
		srv := serve(t, fakeEnv{}, "--db", db)
		srv.call(t, "", "GET", "/healthz", nil).must(t, 200)
		srv.call(t, "stw_wrong", "GET", "/api/v1/me", nil).must(t, 401)
		srv.call(t, key, "GET", "/api/v1/customers?q=a", nil).must(t, 200)
		req, _ := http.NewRequest("POST", srv.base+"/api/v1/customers", strings.NewReader(`{"name":"Lifecycle"}`))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Idempotency-Key", "lifecycle-1")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 201 {
			t.Fatalf("create: %d", res.StatusCode)
		}
		if err := srv.stop(t); err != nil {
			t.Fatalf("serve: %v", err)
		}
		http.DefaultClient.CloseIdleConnections()
		expectNoNewGoroutines(t, before)
	})

	t.Run("delivering webhooks", func(t *testing.T) {
		db := newDB()
		mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Lifecycle", "--email", "l@example.com", "--password", "long enough")
		key := createKey(t, db, "l@example.com", "lifecycle")
		got := make(chan string, 10)
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got <- r.Header.Get("webhook-id")
		}))
		defer rcv.Close()
		before := goroutines()
		srv := serve(t, fakeEnv{}, "--db", db, "--webhook-allow-private")
		srv.call(t, key, "POST", "/api/v1/webhooks", map[string]any{"url": rcv.URL, "events": []string{"customer.created"}}).must(t, 201)
		srv.call(t, key, "POST", "/api/v1/customers", map[string]any{"name": "Hooked"}).must(t, 201)
		select {
		case id := <-got:
			if id == "" {
				t.Error("a delivery without webhook-id")
			}
		case <-time.After(20 * time.Second):
			t.Fatal("serve delivered no webhook")
		}
		if err := srv.stop(t); err != nil {
			t.Fatalf("serve: %v", err)
		}
		http.DefaultClient.CloseIdleConnections()
		rcv.Close()
		expectNoNewGoroutines(t, before)
	})

	t.Run("serving fails", func(t *testing.T) {
		db := newDB()
		mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Lifecycle", "--email", "l@example.com", "--password", "long enough")
		var mu sync.Mutex
		var lns []net.Listener
		orig := listen
		listen = func(network, addr string) (net.Listener, error) {
			ln, err := orig(network, addr)
			mu.Lock()
			lns = append(lns, ln)
			mu.Unlock()
			return ln, err
		}
		t.Cleanup(func() { listen = orig })
		before := goroutines()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel() // only after the check: serve must stop without it
		out := &lockedBuffer{}
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, fakeEnv{}.get, out, out)
		}()
		deadline := time.Now().Add(time.Minute)
		for !strings.Contains(out.String(), "Steward is serving") {
			if time.Now().After(deadline) {
				t.Fatalf("serve did not start:\n%s", out)
			}
			time.Sleep(20 * time.Millisecond)
		}
		// The listener breaks under the server, as a closed socket would.
		mu.Lock()
		for _, ln := range lns {
			ln.Close()
		}
		mu.Unlock()
		select {
		case err := <-done:
			if err == nil {
				t.Error("serve returned no error after its listener broke")
			}
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not return after its listener broke")
		}
		expectNoNewGoroutines(t, before)
	})
}

// goroutines returns the stack of every goroutine, by its id.
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		head, _, _ := strings.Cut(g, "\n")
		if id, ok := strings.CutPrefix(head, "goroutine "); ok {
			id, _, _ = strings.Cut(id, " ")
			out[id] = g
		}
	}
	return out
}

// expectNoNewGoroutines fails unless every goroutine started since before has ended within a
// few seconds (some end a moment after the call that stops them returns).
func expectNoNewGoroutines(t *testing.T, before map[string]string) {
	t.Helper()
	var left []string
	deadline := time.Now().Add(5 * time.Second)
	for {
		left = left[:0]
		for id, stack := range goroutines() {
			if _, ok := before[id]; !ok {
				left = append(left, stack)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	slices.Sort(left)
	t.Errorf("%d goroutines outlived serve:\n\n%s", len(left), strings.Join(left, "\n\n"))
}
