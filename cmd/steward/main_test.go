package main

// End-to-end tests through run(), as a user drives the binary: bootstrap with init and apikey
// create, serve on a free port, use the API over real HTTP, shut down by cancelling the context.
// The environment is a fake (a map), never the process's.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// fakeEnv is a getenv backed by a map.
type fakeEnv map[string]string

func (f fakeEnv) get(name string) string { return f[name] }

// lockedBuffer is an io.Writer safe to write from the server's goroutines while a test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runSteward runs one command to completion and returns its stdout and stderr.
func runSteward(t *testing.T, env fakeEnv, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut lockedBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err = run(ctx, args, env.get, &out, &errOut)
	return out.String(), errOut.String(), err
}

// mustSteward is runSteward for a command that must succeed.
func mustSteward(t *testing.T, env fakeEnv, args ...string) string {
	t.Helper()
	out, errOut, err := runSteward(t, env, args...)
	if err != nil {
		t.Fatalf("steward %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// keyLine is what apikey create prints: the key and a newline, nothing else.
var keyLine = regexp.MustCompile(`^stw_[A-Za-z0-9]{20,}\n$`)

// createKey runs apikey create and returns the key.
func createKey(t *testing.T, db, email, name string, extra ...string) string {
	t.Helper()
	out := mustSteward(t, fakeEnv{}, append([]string{"apikey", "create", "--db", db, "--email", email, "--name", name}, extra...)...)
	if !keyLine.MatchString(out) {
		t.Fatalf("apikey create printed %q, want exactly the key and a newline", out)
	}
	return strings.TrimSuffix(out, "\n")
}

// server is a running `steward serve`.
type server struct {
	base   string
	cancel context.CancelFunc
	done   chan error
	stderr *lockedBuffer
}

// serve starts `steward serve` on a free port and waits for it to say where it serves.
func serve(t *testing.T, env fakeEnv, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &server{cancel: cancel, done: make(chan error, 1), stderr: &lockedBuffer{}}
	go func() {
		cmd := []string{"serve"}
		if env["STEWARD_ADDR"] == "" {
			cmd = append(cmd, "--addr", "127.0.0.1:0")
		}
		err := run(ctx, append(cmd, args...), env.get, pw, s.stderr)
		pw.Close()
		s.done <- err
	}()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "Steward is serving "); ok {
				lines <- url
			}
		}
		close(lines)
		_, _ = io.Copy(io.Discard, pr)
	}()
	t.Cleanup(func() { // a test that fails half-way still stops its server
		cancel()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
		}
	})
	select {
	case url, ok := <-lines:
		if !ok {
			t.Fatalf("serve ended without saying where it serves: %v\nstderr: %s", <-s.done, s.stderr)
		}
		if !strings.HasPrefix(url, "http://127.0.0.1:") {
			t.Fatalf("serve says it serves %q", url)
		}
		s.base = url
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start within a minute; stderr: %s", s.stderr)
	}
	return s
}

// stop cancels the server's context and returns what run returned.
func (s *server) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not return within 30 s of its context ending")
		return nil
	}
}

// response is one API answer.
type response struct {
	status int
	header http.Header
	raw    []byte
	obj    map[string]any
}

// call sends one API request with key ("" for none).
func (s *server) call(t *testing.T, key, method, path string, body any) *response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		if b, ok := body.(string); ok {
			rd = strings.NewReader(b)
		} else {
			j, err := json.Marshal(body)
			if err != nil {
				t.Fatal(err)
			}
			rd = bytes.NewReader(j)
		}
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := &response{status: res.StatusCode, header: res.Header, raw: raw}
	if strings.Contains(res.Header.Get("Content-Type"), "json") {
		_ = json.Unmarshal(raw, &r.obj)
	}
	if res.Header.Get("X-Request-Id") == "" {
		t.Errorf("%s %s: no X-Request-Id", method, path)
	}
	return r
}

// must fails unless the status is want, and returns the body.
func (r *response) must(t *testing.T, want int) map[string]any {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d: %s", r.status, want, r.raw)
	}
	return r.obj
}

// items returns a list response's data.
func items(t *testing.T, o map[string]any) []map[string]any {
	t.Helper()
	data, ok := o["data"].([]any)
	if !ok {
		t.Fatalf("not a list: %v", o)
	}
	out := make([]map[string]any, len(data))
	for i, d := range data {
		out[i], _ = d.(map[string]any)
	}
	return out
}

func id(o map[string]any) string { s, _ := o["id"].(string); return s }

// counts returns a customer's four counts.
func counts(o map[string]any) [4]float64 {
	f := func(k string) float64 { v, _ := o[k].(float64); return v }
	return [4]float64{f("location_count"), f("assets_on_location_count"), f("assets_owned_count"), f("assets_owned_elsewhere_count")}
}

func TestEndToEndSQLite(t *testing.T) {
	testEndToEnd(t, filepath.Join(t.TempDir(), "steward.db"))
}

func TestEndToEndPostgres(t *testing.T) {
	testEndToEnd(t, storetest.DSN(t, "postgres")) // skips without STEWARD_TEST_POSTGRES
}

func testEndToEnd(t *testing.T, db string) {
	// Bootstrap without a browser.
	out := mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Acme Rentals", "--email", "ops@acme.example", "--password", "correct horse")
	if !strings.Contains(out, `"Acme Rentals"`) || !strings.Contains(out, "ops@acme.example") {
		t.Errorf("init printed %q", out)
	}
	key := createKey(t, db, "ops@acme.example", "e2e")

	srv := serve(t, fakeEnv{}, "--db", db)
	for _, p := range []string{"/healthz", "/readyz"} {
		if o := srv.call(t, "", "GET", p, nil).must(t, 200); o["status"] != "ok" {
			t.Errorf("%s: %v", p, o)
		}
	}
	srv.call(t, "", "GET", "/api/v1/customers", nil).must(t, 401)
	if me := srv.call(t, key, "GET", "/api/v1/me", nil).must(t, 200); me["role"] != "admin" {
		t.Errorf("me: %v", me)
	}

	// A customer, a site of theirs and an asset standing there, which the account owns.
	cust := srv.call(t, key, "POST", "/api/v1/customers", map[string]any{"name": "Müller Bau", "type": "contractor"}).must(t, 201)
	site := srv.call(t, key, "POST", "/api/v1/locations", map[string]any{"name": "Müller Site", "customer_id": id(cust)}).must(t, 201)
	asset := srv.call(t, key, "POST", "/api/v1/assets", map[string]any{"name": "Excavator", "serial_number": "CAT-320-0042",
		"location_id": id(site)}).must(t, 201)
	if asset["owner_account_id"] != cust["account_id"] {
		t.Errorf("asset owner_account_id %v, customer's account %v", asset["owner_account_id"], cust["account_id"])
	}
	customerCounts := func(want [4]float64) {
		t.Helper()
		list := items(t, srv.call(t, key, "GET", "/api/v1/customers", nil).must(t, 200))
		if len(list) != 1 || counts(list[0]) != want {
			t.Fatalf("customers %v, want one with counts %v", list, want)
		}
	}
	customerCounts([4]float64{1, 1, 0, 0})

	// Sold to the customer: owned. Back at the own depot for service: owned elsewhere.
	srv.call(t, key, "PATCH", "/api/v1/assets/"+id(asset), map[string]any{"owner_customer_id": id(cust)}).must(t, 200)
	customerCounts([4]float64{1, 1, 1, 0})
	depot := srv.call(t, key, "POST", "/api/v1/locations", map[string]any{"name": "Workshop"}).must(t, 201)
	srv.call(t, key, "PATCH", "/api/v1/assets/"+id(asset), map[string]any{"location_id": id(depot)}).must(t, 200)
	customerCounts([4]float64{1, 0, 1, 1})
	moves := items(t, srv.call(t, key, "GET", "/api/v1/assets/"+id(asset)+"/movements", nil).must(t, 200))
	if len(moves) != 3 || moves[0]["field"] != "location_id" || moves[0]["new_label"] != "Workshop" {
		t.Errorf("movements: %v", moves)
	}

	// Search, archive, and the audit log.
	if found := items(t, srv.call(t, key, "GET", "/api/v1/assets?q=320-00", nil).must(t, 200)); len(found) != 1 {
		t.Errorf("assets?q=320-00: %v", found)
	}
	srv.call(t, key, "POST", "/api/v1/customers/"+id(cust)+"/archive", nil).must(t, 200)
	if list := items(t, srv.call(t, key, "GET", "/api/v1/customers", nil).must(t, 200)); len(list) != 0 {
		t.Errorf("archived customer still listed: %v", list)
	}
	if list := items(t, srv.call(t, key, "GET", "/api/v1/customers?status=all&q=mull", nil).must(t, 200)); len(list) != 1 {
		t.Errorf("status=all&q=mull: %v", list)
	}
	events := items(t, srv.call(t, key, "GET", "/api/v1/audit?customer_id="+id(cust), nil).must(t, 200))
	var actions []string
	for _, e := range events {
		actions = append(actions, fmt.Sprint(e["object_type"], ".", e["action"]))
	}
	if strings.Join(actions, " ") != "customer.archive location.create customer.create" {
		t.Errorf("audit of the customer: %v", actions)
	}
	if a, _ := events[0]["actor"].(map[string]any); a["type"] != "api_key" || !strings.Contains(fmt.Sprint(a["name"]), "e2e") {
		t.Errorf("audit actor %v", events[0]["actor"])
	}

	// A second organization in the same installation is fully isolated.
	mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Globex", "--email", "ops@globex.example", "--password", "correct horse")
	other := createKey(t, db, "ops@globex.example", "globex")
	if list := items(t, srv.call(t, other, "GET", "/api/v1/customers?status=all", nil).must(t, 200)); len(list) != 0 {
		t.Errorf("the second organization sees %d of the first's customers", len(list))
	}
	srv.call(t, other, "GET", "/api/v1/customers/"+id(cust), nil).must(t, 404)
	srv.call(t, other, "GET", "/api/v1/assets/"+id(asset), nil).must(t, 404)

	// The command line refuses a taken email and an unknown one, clearly.
	_, _, err := runSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Copycat", "--email", "OPS@acme.example", "--password", "correct horse")
	if err == nil || !strings.Contains(err.Error(), "email") {
		t.Errorf("init with a taken email: %v, want an error about the email", err)
	}
	_, _, err = runSteward(t, fakeEnv{}, "apikey", "create", "--db", db, "--email", "nobody@acme.example", "--name", "x")
	if err == nil || !strings.Contains(err.Error(), "nobody@acme.example") {
		t.Errorf("apikey create for an unknown email: %v, want an error naming it", err)
	}

	// A key revoked from the command line stops working at once on the running server.
	doomed := createKey(t, db, "ops@acme.example", "doomed", "--role", "user")
	keys := items(t, srv.call(t, key, "GET", "/api/v1/api-keys", nil).must(t, 200))
	var prefix string
	for _, k := range keys {
		if k["name"] == "doomed" {
			prefix, _ = k["prefix"].(string)
		}
	}
	if prefix == "" || !strings.HasPrefix(doomed, prefix) {
		t.Fatalf("no listed prefix for the new key among %v", keys)
	}
	srv.call(t, doomed, "GET", "/api/v1/customers", nil).must(t, 200)
	srv.call(t, doomed, "POST", "/api/v1/customers", map[string]any{"name": "x"}).must(t, 403)
	mustSteward(t, fakeEnv{}, "apikey", "revoke", "--db", db, "--prefix", prefix)
	srv.call(t, doomed, "GET", "/api/v1/customers", nil).must(t, 401)

	// Graceful shutdown: cancelling the context makes run return nil.
	if err := srv.stop(t); err != nil {
		t.Errorf("serve returned %v after its context ended, want nil", err)
	}
	if _, err := http.Get(srv.base + "/healthz"); err == nil {
		t.Error("the server still answers after shutdown")
	}
}

func TestFlagsFromTheEnvironment(t *testing.T) {
	db := filepath.Join(t.TempDir(), "env.db")
	env := fakeEnv{"STEWARD_DB": db, "STEWARD_ORG": "Env Org", "STEWARD_EMAIL": "env@example.com", "STEWARD_PASSWORD": "long enough"}
	out := mustSteward(t, env, "init")
	if !strings.Contains(out, `"Env Org"`) {
		t.Errorf("init from the environment printed %q", out)
	}
	// A flag on the command line wins over the environment.
	mustSteward(t, env, "init", "--org", "Flag Org", "--email", "flag@example.com")
	// STEWARD_DB alone points apikey create at the same database.
	out = mustSteward(t, fakeEnv{"STEWARD_DB": db}, "apikey", "create", "--email", "flag@example.com", "--name", "from-env")
	if !keyLine.MatchString(out) {
		t.Errorf("apikey create printed %q", out)
	}
	out = mustSteward(t, fakeEnv{"STEWARD_DB": db, "STEWARD_EMAIL": "env@example.com", "STEWARD_NAME": "n", "STEWARD_ROLE": "user"}, "apikey", "create")
	if !keyLine.MatchString(out) {
		t.Errorf("apikey create with every flag from the environment printed %q", out)
	}
	// serve reads its database and address from the environment too.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := serve(t, fakeEnv{"STEWARD_DB": db, "STEWARD_ADDR": addr})
	if srv.base != "http://"+addr {
		t.Errorf("serve with STEWARD_ADDR=%s serves %s", addr, srv.base)
	}
	key := strings.TrimSuffix(out, "\n")
	if me := srv.call(t, key, "GET", "/api/v1/me", nil).must(t, 200); me["role"] != "user" {
		t.Errorf("me: %v", me)
	}
	if err := srv.stop(t); err != nil {
		t.Errorf("serve: %v", err)
	}
	// A bad value in the environment is reported with its variable.
	_, _, err = runSteward(t, fakeEnv{"STEWARD_DB": db, "STEWARD_EMAIL": "env@example.com", "STEWARD_NAME": "n", "STEWARD_INTEGRATION": "maybe"}, "apikey", "create")
	if err == nil || !strings.Contains(err.Error(), "STEWARD_INTEGRATION") {
		t.Errorf("a bad STEWARD_INTEGRATION: %v", err)
	}
}

func TestMigratePrintsTheSchemaVersion(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	want := fmt.Sprintf("schema at version %d", store.SchemaVersion())
	out := mustSteward(t, fakeEnv{"STEWARD_DB": db}, "migrate")
	if !strings.Contains(out, want) {
		t.Errorf("migrate printed %q, want it to say %q", out, want)
	}
	out = mustSteward(t, fakeEnv{}, "migrate", "--db", db)
	if !strings.Contains(out, want) || !strings.Contains(out, "(0 migrations applied)") {
		t.Errorf("migrate again printed %q", out)
	}
}

func TestCommandLineMistakes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	for _, c := range []struct {
		name   string
		args   []string
		stderr string // part of what stderr must say
		err    string // part of the error, when not the usage error
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`, ""},
		{"no command", nil, "Usage:", ""},
		{"apikey without a subcommand", []string{"apikey", "--db", db}, `"apikey" needs a subcommand: create, list, revoke`, ""},
		{"init without --org", []string{"init", "--db", db, "--email", "a@example.com", "--password", "long enough"}, "missing --org", ""},
		{"an unknown flag", []string{"migrate", "--db", db, "--colour"}, "colour", ""},
		{"a stray argument", []string{"migrate", "--db", db, "now"}, `unexpected argument "now"`, ""},
		{"init with a bad email", []string{"init", "--db", db, "--org", "X", "--email", "not-an-email", "--password", "long enough"}, "", "--email"},
		{"init with a short password", []string{"init", "--db", db, "--org", "X", "--email", "x@example.com", "--password", "short"}, "", "--password"},
		{"apikey create with a bad expiry", []string{"apikey", "create", "--db", db, "--email", "x@example.com", "--name", "n", "--expires", "soon"}, "", "--expires"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, err := runSteward(t, fakeEnv{}, c.args...)
			if err == nil {
				t.Fatal("no error")
			}
			if c.err == "" && !errors.Is(err, errUsage) {
				t.Errorf("error %v, want the usage error", err)
			}
			if c.err != "" && !strings.Contains(err.Error(), c.err) {
				t.Errorf("error %q, want it to mention %q", err, c.err)
			}
			if !strings.Contains(stderr, c.stderr) {
				t.Errorf("stderr %q, want it to say %q", stderr, c.stderr)
			}
		})
	}
	out := mustSteward(t, fakeEnv{}, "help")
	if !strings.Contains(out, "steward serve") {
		t.Errorf("help printed %q", out)
	}
}
