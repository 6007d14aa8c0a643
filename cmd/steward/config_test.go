package main

import (
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/seed"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/web"
)

// testEnv is an env reading the fake environment.
func testEnv(f fakeEnv) *env {
	return &env{getenv: f.get, stdout: io.Discard, stderr: io.Discard, now: time.Now}
}

func TestServeConfigDefaults(t *testing.T) {
	c, err := testEnv(fakeEnv{}).loadServeConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := serveConfig{db: &dbConfig{cmd: "serve", dsn: store.DefaultSQLitePath}, addr: defaultAddr, demoSeed: demoSeed,
		adminName: seed.DefaultAdminName, logFormat: "auto", rateLimit: web.DefaultRateLimit, rateLimitFailed: web.DefaultFailedAuthLimit}
	if *c.db != *want.db || c.addr != want.addr || c.demo || c.demoSeed != want.demoSeed || c.adminName != want.adminName ||
		c.logFormat != want.logFormat || c.rateLimit != want.rateLimit || c.rateLimitFailed != want.rateLimitFailed ||
		c.trustedProxies != nil || c.gogc != "" {
		t.Errorf("defaults %+v (db %+v), want %+v", c, c.db, want)
	}
	if c, _ := testEnv(fakeEnv{}).loadServeConfig([]string{"--demo"}); c.addr != defaultDemoAddr {
		t.Errorf("--demo listens on %q, want %q", c.addr, defaultDemoAddr)
	}
	if c, _ := testEnv(fakeEnv{}).loadServeConfig([]string{"--demo", "--addr", ":9000"}); c.addr != ":9000" {
		t.Errorf("--demo --addr :9000 listens on %q", c.addr)
	}
}

func TestServeConfigFromFlagsAndEnvironment(t *testing.T) {
	c, err := testEnv(fakeEnv{
		"STEWARD_DB": "env.db", "STEWARD_LOG_FORMAT": "json", "STEWARD_TRUSTED_PROXIES": "10.0.0.0/8, 2001:db8::/32",
		"STEWARD_SQLITE_SYNCHRONOUS": "normal", "GOGC": "100", "STEWARD_RATE_LIMIT": "7",
	}).loadServeConfig([]string{"--rate-limit-failed", "3", "--db", "flag.db"})
	if err != nil {
		t.Fatal(err)
	}
	if c.db.dsn != "flag.db" || c.db.sqliteSynchronous != "normal" || c.logFormat != "json" || c.rateLimit != 7 ||
		c.rateLimitFailed != 3 || c.gogc != "100" {
		t.Errorf("config %+v (db %+v)", c, c.db)
	}
	o := c.webOptions(nil, nil)
	if got := []string{o.TrustedProxies[0].String(), o.TrustedProxies[1].String()}; len(o.TrustedProxies) != 2 ||
		!slices.Equal(got, []string{"10.0.0.0/8", "2001:db8::/32"}) || o.RateLimit != 7 || o.FailedAuthLimit != 3 {
		t.Errorf("web options %+v", o)
	}
	if c.db.storeOptions().SQLiteSynchronous != "normal" {
		t.Errorf("store options %+v", c.db.storeOptions())
	}
}

func TestServeConfigErrorsNameTheFlag(t *testing.T) {
	for _, tt := range []struct {
		env  fakeEnv
		args []string
		want string
	}{
		{nil, []string{"--trusted-proxies", "10.0.0.0/33"}, `--trusted-proxies "10.0.0.0/33": "10.0.0.0/33" is not an address range like 10.0.0.0/8`},
		{nil, []string{"--trusted-proxies", "10.0.0.0/8,"}, `--trusted-proxies "10.0.0.0/8,": entry 2 is empty`},
		{fakeEnv{"STEWARD_TRUSTED_PROXIES": "proxy.internal"}, nil, `STEWARD_TRUSTED_PROXIES="proxy.internal": "proxy.internal" is not an address range`},
		{fakeEnv{"STEWARD_SQLITE_SYNCHRONOUS": "OFF"}, nil, `STEWARD_SQLITE_SYNCHRONOUS="OFF": must be FULL or NORMAL`},
		{nil, []string{"--rate-limit", "-1"}, "--rate-limit must be a number of requests per second"},
		{nil, []string{"--addr", " "}, "--addr is blank"},
		{nil, []string{"--log-format", "xml"}, `--log-format "xml": must be auto, text or json`},
		{nil, []string{"--smtp-url", "http://mail.example.com"}, `--smtp-url has scheme "http"`},
		{fakeEnv{"STEWARD_SMTP_URL": "smtp://"}, nil, `--smtp-url names no host`},
		{nil, []string{"--smtp-url", "smtp://mail.example.com", "--mail-from", "nobody"}, `--mail-from "nobody" is not an address`},
	} {
		_, err := testEnv(tt.env).loadServeConfig(tt.args)
		if err == nil || !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v %v: %v, want a usage error with %q", tt.env, tt.args, err, tt.want)
		}
	}
	// The password is never repeated.
	if _, err := testEnv(nil).loadServeConfig([]string{"--smtp-url", "smtp://u:hunter2@mail.example.com:99999"}); err == nil ||
		strings.Contains(err.Error(), "hunter2") {
		t.Errorf("bad port: %v", err)
	}
	if c, err := testEnv(fakeEnv{"STEWARD_SMTP_URL": "smtps://u:p@mail.example.com"}).loadServeConfig(nil); err != nil ||
		c.mailer == nil || c.mailer.Addr() != "mail.example.com:465" {
		t.Errorf("STEWARD_SMTP_URL: %+v %v", c, err)
	}
	// Every command opening the database checks the variable the same way.
	_, _, err := runSteward(t, fakeEnv{"STEWARD_SQLITE_SYNCHRONOUS": "sometimes"}, "migrate", "--db", filepath.Join(t.TempDir(), "x.db"))
	if err == nil || !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "STEWARD_SQLITE_SYNCHRONOUS") {
		t.Errorf("migrate with a bad STEWARD_SQLITE_SYNCHRONOUS: %v", err)
	}
}

// Behind a trusted proxy (here the test itself, on 127.0.0.1), each client named in
// X-Forwarded-For has its own bucket of failed authentications; without --trusted-proxies they
// all share the proxy's.
func TestServeTrustedProxies(t *testing.T) {
	db := filepath.Join(t.TempDir(), "proxies.db")
	mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Proxies", "--email", "p@example.com", "--password", "long enough")
	guess := func(srv *server, client string) int {
		req, _ := http.NewRequest("GET", srv.base+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer stw_guessing")
		req.Header.Set("X-Forwarded-For", client)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, tt := range []struct {
		env  fakeEnv
		args []string
		want []int
	}{
		{fakeEnv{"STEWARD_TRUSTED_PROXIES": "127.0.0.0/8"}, nil, []int{401, 401, 429, 401, 401}},
		{nil, []string{"--trusted-proxies", "::1,127.0.0.1"}, []int{401, 401, 429, 401, 401}},
		{nil, nil, []int{401, 401, 429, 429, 429}},
	} {
		srv := serve(t, tt.env, append([]string{"--db", db, "--rate-limit-failed", "0.5"}, tt.args...)...)
		var got []int
		for _, c := range []string{"203.0.113.1", "203.0.113.1", "203.0.113.1", "203.0.113.2", "203.0.113.2"} {
			got = append(got, guess(srv, c))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%v %v: %v, want %v", tt.env, tt.args, got, tt.want)
		}
		if err := srv.stop(t); err != nil {
			t.Errorf("serve: %v", err)
		}
	}
}
