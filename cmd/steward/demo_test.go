package main

// Tests of serve --demo and of serve's logs: the address, the banner after the startup logs,
// the log formats.

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/seed"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// listenSpy records the addresses serve asks to listen on, and listens on a free loopback port
// instead, so the demo's default port need not be free on the test machine.
type listenSpy struct {
	mu    sync.Mutex
	addrs []string
}

func (l *listenSpy) install(t *testing.T) {
	t.Helper()
	orig := listen
	listen = func(network, addr string) (net.Listener, error) {
		l.mu.Lock()
		l.addrs = append(l.addrs, addr)
		l.mu.Unlock()
		return orig(network, "127.0.0.1:0")
	}
	t.Cleanup(func() { listen = orig })
}

func (l *listenSpy) last() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.addrs) == 0 {
		return ""
	}
	return l.addrs[len(l.addrs)-1]
}

// runServe starts serve with stdout and stderr into one buffer, so the order of banner and
// logs shows, and waits for it to say where it serves.
func runServe(t *testing.T, env fakeEnv, args ...string) (out *lockedBuffer, base string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out = &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"serve"}, args...), env.get, out, out) }()
	stopped := false
	stop = func() error {
		cancel()
		if stopped {
			return nil
		}
		stopped = true
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop")
			return nil
		}
	}
	t.Cleanup(func() { _ = stop() })
	re := regexp.MustCompile(`Steward is serving (\S+)\n`)
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			// The banner follows in the same write.
			time.Sleep(50 * time.Millisecond)
			return out, m[1], stop
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, out)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start:\n%s", out)
	return nil, "", nil
}

func TestServeDemoSQLite(t *testing.T) {
	testServeDemo(t, filepath.Join(t.TempDir(), "demo.db"))
}

func TestServeDemoPostgres(t *testing.T) {
	testServeDemo(t, storetest.DSN(t, "postgres"))
}

func testServeDemo(t *testing.T, db string) {
	spy := &listenSpy{}
	spy.install(t)
	out, base, stop := runServe(t, fakeEnv{}, "--demo", "--db", db)
	if got := spy.last(); got != "127.0.0.1:8080" {
		t.Errorf("serve --demo listens on %q, want 127.0.0.1:8080 (it prints a password)", got)
	}
	text := out.String()
	key := regexp.MustCompile(`API key:  (stw_\S+) \(valid for 7 days\)`).FindStringSubmatch(text)
	if key == nil {
		t.Fatalf("no API key in the banner:\n%s", text)
	}
	for _, want := range []string{"Sign in as " + seed.DefaultAdminName + ":", "Email:    admin@demo-rentals.example",
		"Password: steward-demo", `curl -H "Authorization: Bearer ` + key[1] + `" '` + base + "/api/v1/customers", "Only this computer can connect"} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo banner lacks %q:\n%s", want, text)
		}
	}
	// The banner comes after every startup log line.
	banner := strings.Index(text, "Sign in as")
	for _, msg := range []string{`"msg":"database ready"`, `"msg":"demo fleet ready"`, `"msg":"serving"`} {
		if i := strings.Index(text, msg); i < 0 || i > banner {
			t.Errorf("log %s at %d, the banner at %d:\n%s", msg, i, banner, text)
		}
	}
	if strings.Contains(text, "Fleet Admin") {
		t.Errorf("the demo still names its Admin after a role:\n%s", text)
	}
	srv := &server{base: base}
	me := srv.call(t, key[1], "GET", "/api/v1/me", nil).must(t, 200)
	if u, _ := me["user"].(map[string]any); u["name"] != seed.DefaultAdminName {
		t.Errorf("the demo Admin: %v", me["user"])
	}
	customers := items(t, srv.call(t, key[1], "GET", "/api/v1/customers?sort=-assets_owned_count&limit=5", nil).must(t, 200))
	if len(customers) != 5 {
		t.Errorf("the curl line's request answers %d customers", len(customers))
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if i := strings.LastIndex(out.String(), `"msg":"request"`); i < banner {
		t.Errorf("request logs should follow the banner:\n%s", out)
	}

	// Again on the same database: no new fleet, a new key, the same Admin; --addr wins.
	out2, base2, stop2 := runServe(t, fakeEnv{}, "--demo", "--db", db, "--addr", "127.0.0.1:0", "--admin-name", "Someone Else")
	if got := spy.last(); got != "127.0.0.1:0" {
		t.Errorf("serve --demo --addr 127.0.0.1:0 listens on %q", got)
	}
	text2 := out2.String()
	key2 := regexp.MustCompile(`API key:  (stw_\S+)`).FindStringSubmatch(text2)
	if key2 == nil || key2[1] == key[1] || strings.Contains(text2, "demo fleet ready") || !strings.Contains(text2, "Sign in as "+seed.DefaultAdminName+":") {
		t.Errorf("the second demo start printed:\n%s", text2)
	}
	(&server{base: base2}).call(t, key2[1], "GET", "/api/v1/me", nil).must(t, 200)
	if err := stop2(); err != nil {
		t.Fatal(err)
	}

	// Plain serve keeps listening on every interface, :8080.
	_, _, stop3 := runServe(t, fakeEnv{}, "--db", db)
	if got := spy.last(); got != ":8080" {
		t.Errorf("serve listens on %q, want :8080", got)
	}
	if err := stop3(); err != nil {
		t.Fatal(err)
	}
}

func TestLogFormats(t *testing.T) {
	db := filepath.Join(t.TempDir(), "logs.db")
	for _, c := range []struct {
		name string
		env  fakeEnv
		args []string
		json bool
	}{
		{"auto, not a terminal", nil, nil, true},
		{"json", nil, []string{"--log-format", "json"}, true},
		{"text", nil, []string{"--log-format", "text"}, false},
		{"text from the environment", fakeEnv{"STEWARD_LOG_FORMAT": "text"}, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := serve(t, c.env, append([]string{"--db", db}, c.args...)...)
			srv.call(t, "", "GET", "/healthz", nil).must(t, 200)
			if err := srv.stop(t); err != nil {
				t.Fatal(err)
			}
			logs := strings.TrimSpace(srv.stderr.String())
			lines := strings.Split(logs, "\n")
			if len(lines) < 3 {
				t.Fatalf("logs: %q", logs)
			}
			for _, l := range lines {
				var v map[string]any
				isJSON := json.Unmarshal([]byte(l), &v) == nil
				if isJSON != c.json {
					t.Errorf("log line %q: JSON %v, want %v", l, isJSON, c.json)
				}
			}
			if !c.json && !regexp.MustCompile(`(?m)^time=\d\d:\d\d:\d\d\.\d{3} level=INFO msg=request method=GET path=/healthz status=200 `).MatchString(logs) {
				t.Errorf("no readable request line in %q", logs)
			}
		})
	}
}

func TestTerminalDetection(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) || isTerminal(&lockedBuffer{}) {
		t.Error("a file or a buffer is taken for a terminal")
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if !isTerminal(tty) {
			t.Error("/dev/tty is not taken for a terminal")
		}
	}
	if !isLoopback(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}) || !isLoopback(&net.TCPAddr{IP: net.IPv6loopback}) ||
		isLoopback(&net.TCPAddr{IP: net.IPv4zero}) || isLoopback(&net.TCPAddr{IP: net.IPv4(192, 168, 1, 2)}) {
		t.Error("isLoopback")
	}
}
