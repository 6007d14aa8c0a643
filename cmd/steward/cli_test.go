package main

// Tests of the command line as a newcomer meets it: help for every command, the version, clear
// usage errors with exit status 2, apikey list, init refusing a duplicate organization, and
// serve --demo (address, banner, log format).

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/seed"
	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

func TestEveryCommandAnswersHelp(t *testing.T) {
	for _, c := range commands {
		for _, h := range []string{"--help", "-h"} {
			args := append(strings.Fields(c.name), h)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				out, errOut, err := runSteward(t, fakeEnv{}, args...)
				if err != nil {
					t.Fatalf("exit with %v, want success", err)
				}
				if errOut != "" {
					t.Errorf("help wrote to stderr: %q", errOut)
				}
				if !strings.HasPrefix(out, "Usage: steward "+c.name) || !strings.Contains(out, c.summary) {
					t.Errorf("help printed %q, want the usage line and %q", out, c.summary)
				}
				// Every flag in the synopsis is explained, with its environment variable.
				for _, f := range regexp.MustCompile(`--[a-z-]+`).FindAllString(c.synopsis, -1) {
					if !strings.Contains(out, "\n  "+f+" ") && !strings.Contains(out, "\n  "+f+"\n") {
						t.Errorf("help does not explain %s:\n%s", f, out)
					}
					if !strings.Contains(out, "env "+envName(strings.TrimPrefix(f, "--"))) {
						t.Errorf("help does not name the variable of %s:\n%s", f, out)
					}
				}
			})
		}
		// steward help COMMAND says the same.
		viaHelp := mustSteward(t, fakeEnv{}, append([]string{"help"}, strings.Fields(c.name)...)...)
		if direct := mustSteward(t, fakeEnv{}, append(strings.Fields(c.name), "--help")...); viaHelp != direct {
			t.Errorf("steward help %s printed %q, %s --help %q", c.name, viaHelp, c.name, direct)
		}
	}
	init := mustSteward(t, fakeEnv{}, "init", "--help")
	for _, want := range []string{"--org NAME", "(required; env STEWARD_ORG)", "--allow-duplicate-name", "(default steward.db; env STEWARD_DB)"} {
		if !strings.Contains(init, want) {
			t.Errorf("init --help does not say %q:\n%s", want, init)
		}
	}
	for group := range groups {
		for _, args := range [][]string{{group, "--help"}, {group, "-h"}, {"help", group}} {
			out := mustSteward(t, fakeEnv{}, args...)
			for _, sub := range subcommands(group) {
				if !strings.Contains(out, "steward "+group+" "+sub) {
					t.Errorf("%v does not list %s %s:\n%s", args, group, sub, out)
				}
			}
		}
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		out := mustSteward(t, fakeEnv{}, args...)
		for _, c := range commands {
			if !strings.Contains(out, "  "+usageLine(c)+"\n") {
				t.Errorf("%v does not list %q", args, c.name)
			}
		}
	}
	if _, _, err := runSteward(t, fakeEnv{}, "help", "frobnicate"); !errors.Is(err, errUsage) {
		t.Errorf("help of an unknown command: %v, want a usage error", err)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out := mustSteward(t, fakeEnv{}, args...)
		if !strings.HasPrefix(out, "steward ") || !strings.Contains(out, runtime.Version()) {
			t.Errorf("%v printed %q, want the version and %s", args, out, runtime.Version())
		}
	}
	if _, _, err := runSteward(t, fakeEnv{}, "version", "--short"); !errors.Is(err, errUsage) {
		t.Errorf("version --short: %v, want a usage error", err)
	}
	got := versionText(&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-11-30T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"}}})
	for _, want := range []string{"steward v1.4.0\n", "revision 0123abcd (2026-11-30T10:00:00Z) with uncommitted changes\n", "built with go1.26.8 for "} {
		if !strings.Contains(got, want) {
			t.Errorf("version text %q lacks %q", got, want)
		}
	}
	if got := versionText(nil); !strings.HasPrefix(got, "steward (devel)\nrevision unknown") {
		t.Errorf("version without build information: %q", got)
	}
}

// TestUsageErrors tries the mistakes people make on a command line. Each is a usage error
// (exit 2) whose message names the flag and what is wrong with it, plus where to find help.
func TestUsageErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "u.db")
	mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Usage Org", "--email", "u@example.com", "--password", "long enough")
	for _, c := range []struct {
		name string
		env  fakeEnv
		args []string
		want string // what stderr must say
	}{
		{"unknown flag", nil, []string{"migrate", "--db", db, "--colour"}, "steward migrate: unknown flag --colour"},
		{"flag without a value", nil, []string{"apikey", "list", "--db", db, "--email"}, "--email needs a value"},
		{"empty required flag", nil, []string{"apikey", "create", "--db", db, "--email", "", "--name", "x"}, "--email must not be empty"},
		{"blank filter", nil, []string{"apikey", "list", "--db", db, "--email", " "}, "--email is blank; leave it out to list every key"},
		{"blank required flag", nil, []string{"apikey", "revoke", "--db", db, "--prefix", "  "}, "--prefix must not be empty"},
		{"missing flags", nil, []string{"init", "--db", db}, "missing --org, --email, --password"},
		{"not a number", nil, []string{"dev", "seed", "--db", db, "--assets", "lots"}, `--assets "lots": must be a whole number`},
		{"a number too big", nil, []string{"dev", "seed", "--db", db, "--assets", "99999999999999999999"}, `--assets "99999999999999999999": is out of range`},
		{"too few assets", nil, []string{"dev", "seed", "--db", db, "--assets", "5"}, "--assets 5: must be between 10 and"},
		{"too many assets", nil, []string{"dev", "seed", "--db", db, "--assets", "1000000000"}, "--assets 1000000000: must be between 10 and"},
		{"negative history", nil, []string{"dev", "seed", "--db", db, "--assets", "10", "--history", "-1"}, "--history -1: must be between 0 and 100"},
		{"not a boolean", nil, []string{"apikey", "create", "--db", db, "--email", "u@example.com", "--name", "n", "--integration=maybe"}, `--integration "maybe": must be true or false`},
		{"not a boolean in the environment", fakeEnv{"STEWARD_INTEGRATION": "maybe"}, []string{"apikey", "create", "--db", db, "--email", "u@example.com", "--name", "n"}, `STEWARD_INTEGRATION="maybe": must be true or false`},
		{"bad expiry", nil, []string{"apikey", "create", "--db", db, "--email", "u@example.com", "--name", "n", "--expires", "soon"}, `--expires "soon" is not a duration like 30d or 720h`},
		{"zero expiry", nil, []string{"apikey", "create", "--db", db, "--email", "u@example.com", "--name", "n", "--expires", "0d"}, `--expires "0d" must be more than zero`},
		{"negative expiry", nil, []string{"apikey", "create", "--db", db, "--email", "u@example.com", "--name", "n", "--expires", "-5h"}, `--expires "-5h" must be more than zero`},
		{"expiry past ten years", nil, []string{"apikey", "create", "--db", db, "--email", "u@example.com", "--name", "n", "--expires", "99999999999999d"}, `--expires "99999999999999d" is more than 10 years`},
		{"bad role", nil, []string{"apikey", "create", "--db", db, "--email", "u@example.com", "--name", "n", "--role", "root"}, "--role: must be one of"},
		{"bad email", nil, []string{"init", "--db", db, "--org", "X", "--email", "not-an-email", "--password", "long enough"}, "--email: "},
		{"short password", nil, []string{"init", "--db", db, "--org", "X", "--email", "x@example.com", "--password", "short"}, "--password: must be at least 8 characters"},
		{"bad country", nil, []string{"init", "--db", db, "--org", "X", "--email", "x@example.com", "--password", "long enough", "--country", "Germany"}, "--country: "},
		{"bad log format", nil, []string{"serve", "--db", db, "--log-format", "xml"}, `--log-format "xml": must be auto, text or json`},
		{"bad log format in the environment", fakeEnv{"STEWARD_LOG_FORMAT": "pretty"}, []string{"serve", "--db", db}, `STEWARD_LOG_FORMAT="pretty": must be auto, text or json`},
		{"stray argument", nil, []string{"apikey", "list", "--db", db, "everything"}, `unexpected argument "everything"`},
		{"a flag before the command", nil, []string{"--db", db, "migrate"}, "--db comes before a command; flags follow the command"},
		{"unknown subcommand", nil, []string{"apikey", "delete"}, `unknown command "apikey delete"; "apikey" has create, list, revoke`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, err := runSteward(t, c.env, c.args...)
			if !errors.Is(err, errUsage) {
				t.Fatalf("error %v, want a usage error (exit 2)", err)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q, want it to say %q", stderr, c.want)
			}
			if !strings.Contains(stderr, "Run \"steward ") {
				t.Errorf("stderr %q does not say where to find help", stderr)
			}
		})
	}
	// Nothing the mistakes named was created.
	s, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	keys, err := s.AllAPIKeys(context.Background(), "")
	if err != nil || len(keys) != 0 {
		t.Errorf("after the mistakes the database holds keys %v (%v)", keys, err)
	}
}

func TestAPIKeyListSQLite(t *testing.T) {
	testAPIKeyList(t, filepath.Join(t.TempDir(), "k.db"))
}

func TestAPIKeyListPostgres(t *testing.T) {
	testAPIKeyList(t, storetest.DSN(t, "postgres"))
}

func testAPIKeyList(t *testing.T, db string) {
	// An installation without keys prints the header, and a hint on stderr.
	mustSteward(t, fakeEnv{}, "migrate", "--db", db)
	out, errOut, err := runSteward(t, fakeEnv{}, "apikey", "list", "--db", db)
	if err != nil || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "PREFIX") || !strings.Contains(errOut, "apikey create") {
		t.Fatalf("apikey list on an empty installation: %v, stdout %q, stderr %q", err, out, errOut)
	}

	mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Acme Rentals", "--email", "ops@acme.example", "--password", "long enough")
	mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Globex", "--email", "it@globex.example", "--password", "long enough")
	deploy := createKey(t, db, "ops@acme.example", "deploy")
	ci := createKey(t, db, "ops@acme.example", "ci", "--role", "user", "--expires", "30d")
	sync := createKey(t, db, "it@globex.example", "erp-sync", "--integration")

	// Use one key, so it has a last use.
	s, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(context.Background(), deploy); err != nil {
		t.Fatal(err)
	}
	s.Close()

	rows := listKeys(t, fakeEnv{}, "--db", db)
	if len(rows) != 3 {
		t.Fatalf("apikey list shows %d keys, want 3: %v", len(rows), rows)
	}
	for _, c := range []struct {
		key  string
		want []string
	}{
		{deploy, []string{"deploy", "ops@acme.example", "Acme Rentals", "admin", " no ", "active"}},
		{ci, []string{"ci", "ops@acme.example", " user ", " no ", "active", "never"}},
		{sync, []string{"erp-sync", "it@globex.example", "Globex", "admin", " yes ", "never", "active"}},
	} {
		row := rows[c.key[:12]]
		for _, w := range c.want {
			if !strings.Contains(row, w) {
				t.Errorf("the row of key %s, %q, lacks %q", c.key[:12], row, w)
			}
		}
	}
	today := time.Now().UTC().Format("2006-01-02")
	if row := rows[deploy[:12]]; strings.Count(row, today) != 2 { // created and last used today, no expiry
		t.Errorf("deploy's row %q should show today as created and last used", row)
	}
	if row, in30 := rows[ci[:12]], time.Now().Add(30*24*time.Hour).UTC().Format("2006-01-02"); !strings.Contains(row, in30) {
		t.Errorf("ci's row %q should show it expires %s", row, in30)
	}

	// One user's keys; the email compares case-insensitively, as sign-in does.
	only := listKeys(t, fakeEnv{}, "--db", db, "--email", "IT@Globex.example")
	if _, ok := only[sync[:12]]; len(only) != 1 || !ok {
		t.Errorf("apikey list --email it@globex.example: %v", only)
	}
	// The environment works as everywhere.
	if env := listKeys(t, fakeEnv{"STEWARD_DB": db, "STEWARD_EMAIL": "ops@acme.example"}); len(env) != 2 {
		t.Errorf("apikey list from the environment: %v", env)
	}
	_, _, err = runSteward(t, fakeEnv{}, "apikey", "list", "--db", db, "--email", "nobody@acme.example")
	if err == nil || errors.Is(err, errUsage) || !strings.Contains(err.Error(), "nobody@acme.example") {
		t.Errorf("apikey list for an unknown email: %v, want an error naming it", err)
	}

	// The prefix the list shows is what revoke takes; the list then says so.
	mustSteward(t, fakeEnv{}, "apikey", "revoke", "--db", db, "--prefix", ci[:12])
	if row := listKeys(t, fakeEnv{}, "--db", db)[ci[:12]]; !strings.Contains(row, "revoked "+today) {
		t.Errorf("after revoking, ci's row is %q", row)
	}
	_, _, err = runSteward(t, fakeEnv{}, "apikey", "revoke", "--db", db, "--prefix", "stw_nothere0")
	if err == nil || !strings.Contains(err.Error(), "stw_nothere0") {
		t.Errorf("revoking an unknown prefix: %v", err)
	}
}

// listKeys runs apikey list and returns its rows by prefix, checking the header.
func listKeys(t *testing.T, env fakeEnv, args ...string) map[string]string {
	t.Helper()
	out := mustSteward(t, env, append([]string{"apikey", "list"}, args...)...)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if !regexp.MustCompile(`^PREFIX +NAME +USER +ORGANIZATION +ROLE +INTEGRATION +CREATED +EXPIRES +LAST USED +STATUS$`).MatchString(lines[0]) {
		t.Fatalf("apikey list header %q", lines[0])
	}
	rows := map[string]string{}
	for _, l := range lines[1:] {
		rows[strings.Fields(l)[0]] = l
	}
	return rows
}

func TestTableCellsCannotBreakTheTable(t *testing.T) {
	for in, want := range map[string]string{"": "-", "plain": "plain", "a\tb": `a\u0009b`, "two\nlines": `two\u000alines`,
		"evil\u202etxt": `evil\u202etxt`, "Müller 建設": "Müller 建設"} {
		if got := cell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestInitRefusesADuplicateOrganizationSQLite(t *testing.T) {
	testInitRefusesADuplicateOrganization(t, filepath.Join(t.TempDir(), "d.db"))
}

func TestInitRefusesADuplicateOrganizationPostgres(t *testing.T) {
	testInitRefusesADuplicateOrganization(t, storetest.DSN(t, "postgres"))
}

func testInitRefusesADuplicateOrganization(t *testing.T, db string) {
	mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Müller Bau", "--email", "a@mueller.example", "--password", "long enough")
	for _, name := range []string{"Müller Bau", "MÜLLER BAU", "Muller  bau", " müller bau "} {
		_, _, err := runSteward(t, fakeEnv{}, "init", "--db", db, "--org", name, "--email", "b@mueller.example", "--password", "long enough")
		if err == nil {
			t.Fatalf("init --org %q made a second organization", name)
		}
		if errors.Is(err, errUsage) {
			t.Errorf("init --org %q: a usage error, want a conflict (exit 1)", name)
		}
		for _, want := range []string{`--org: an organization named "Müller Bau" already exists`, "--allow-duplicate-name"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("init --org %q: %q lacks %q", name, err, want)
			}
		}
	}
	// A taken name and a taken email are both reported at once.
	_, _, err := runSteward(t, fakeEnv{}, "init", "--db", db, "--org", "muller bau", "--email", "A@mueller.example", "--password", "long enough")
	if err == nil || !strings.Contains(err.Error(), "--org: ") || !strings.Contains(err.Error(), "--email: already has a user") {
		t.Errorf("init with a taken name and email: %v", err)
	}
	// Another name is another organization; --allow-duplicate-name (or its variable) lets a
	// second one take the name.
	mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Müller Bau Süd", "--email", "c@mueller.example", "--password", "long enough")
	out := mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Müller Bau", "--email", "b@mueller.example", "--password", "long enough",
		"--allow-duplicate-name")
	if !strings.Contains(out, `"Müller Bau"`) {
		t.Errorf("init --allow-duplicate-name printed %q", out)
	}
	mustSteward(t, fakeEnv{"STEWARD_ALLOW_DUPLICATE_NAME": "true"}, "init", "--db", db, "--org", "MULLER BAU", "--email", "d@mueller.example",
		"--password", "long enough")
}

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

// The admin of init is named as given; --admin-name defaults to the email.
func TestInitAdminName(t *testing.T) {
	db := filepath.Join(t.TempDir(), "n.db")
	mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Named", "--email", "jo@named.example", "--password", "long enough",
		"--admin-name", "Jo Tanaka")
	s, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	k, err := s.CreateAPIKeyForEmail(context.Background(), "jo@named.example", steward.APIKeyFields{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Authenticate(context.Background(), k.Key)
	if err != nil {
		t.Fatal(err)
	}
	if me, err := s.Me(context.Background(), a); err != nil || me.User.Name != "Jo Tanaka" {
		t.Errorf("the Admin: %+v %v", me, err)
	}
}

// TestExitStatus runs the real main in a child process (this test binary, told to act as
// steward) and checks what a shell sees: 0 for help, 2 for a usage mistake, 1 for a failure.
func TestExitStatus(t *testing.T) {
	if args, ok := os.LookupEnv("STEWARD_TEST_MAIN_ARGS"); ok {
		os.Args = []string{"steward"}
		if args != "" {
			os.Args = append(os.Args, strings.Split(args, "\x1f")...)
		}
		main()
		os.Exit(0)
	}
	db := filepath.Join(t.TempDir(), "exit.db")
	mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Exit Org", "--email", "exit@example.com", "--password", "long enough")
	for _, c := range []struct {
		args   []string
		status int
		stdout string
		stderr string
	}{
		{[]string{"init", "--help"}, 0, "Usage: steward init", ""},
		{[]string{"help"}, 0, "Usage:", ""},
		{[]string{"version"}, 0, "steward ", ""},
		{[]string{"apikey", "list", "--db", db}, 0, "PREFIX", "No API keys yet"},
		{nil, 2, "", "Usage:"},
		{[]string{"migrate", "--db", db, "--colour"}, 2, "", "unknown flag --colour"},
		{[]string{"init", "--db", db, "--org", "X", "--email", "bad", "--password", "long enough"}, 2, "", "--email: "},
		{[]string{"init", "--db", db, "--org", "EXIT ORG", "--email", "other@example.com", "--password", "long enough"}, 1, "",
			`steward: --org: an organization named "Exit Org" already exists`},
		{[]string{"apikey", "create", "--db", db, "--email", "nobody@example.com", "--name", "n"}, 1, "", "steward: no user has the email nobody@example.com"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestExitStatus$")
		cmd.Env = append(os.Environ(), "STEWARD_TEST_MAIN_ARGS="+strings.Join(c.args, "\x1f"))
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		status := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			status = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if status != c.status || !strings.Contains(stdout.String(), c.stdout) || !strings.Contains(stderr.String(), c.stderr) {
			t.Errorf("steward %s: exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
				strings.Join(c.args, " "), status, stdout.String(), stderr.String(), c.status, c.stdout, c.stderr)
		}
	}
}
