package main

// Tests of apikey list: the table that makes apikey revoke --prefix usable.

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

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
