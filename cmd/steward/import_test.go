package main

// Tests of steward import: the same job as the API's, run at once.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/store/storetest"
)

func TestImportCommandSQLite(t *testing.T) {
	testImportCommand(t, filepath.Join(t.TempDir(), "i.db"))
}

func TestImportCommandPostgres(t *testing.T) {
	testImportCommand(t, storetest.DSN(t, "postgres"))
}

func testImportCommand(t *testing.T, db string) {
	mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Acme Rentals", "--email", "ops@acme.example", "--password", "long enough")
	dir := t.TempDir()
	good := filepath.Join(dir, "customers.csv")
	os.WriteFile(good, []byte("name;external_ref;email\nAcme;C-1;a@acme.example\nBeta;C-2;\n"), 0o600)
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("name,email\nGamma,not-an-email\n"), 0o600)

	out := mustSteward(t, fakeEnv{}, "import", "customers", good, "--db", db, "--email", "ops@acme.example", "--dry-run")
	if !strings.Contains(out, "customers dry run succeeded: 2 rows: 2 created, 0 updated, 0 unchanged, 0 with errors") {
		t.Fatalf("dry run: %q", out)
	}
	// Flags first, the kind and file after them.
	out = mustSteward(t, fakeEnv{}, "import", "--db", db, "--email", "ops@acme.example", "customers", good)
	if !strings.Contains(out, "customers import succeeded: 2 rows: 2 created") {
		t.Fatalf("import: %q", out)
	}
	out = mustSteward(t, fakeEnv{}, "import", "customers", good, "--db", db, "--email", "ops@acme.example")
	if !strings.Contains(out, "0 created, 0 updated, 2 unchanged") {
		t.Fatalf("re-run: %q", out)
	}
	out, _, err := runSteward(t, fakeEnv{}, "import", "customers", bad, "--db", db, "--email", "ops@acme.example")
	if err == nil || !strings.Contains(out, "row 2, email:") {
		t.Fatalf("bad file: %v %q", err, out)
	}
	for _, args := range [][]string{
		{"import", "things", good, "--db", db, "--email", "ops@acme.example"},
		{"import", "customers", "--db", db, "--email", "ops@acme.example"},
		{"import", "customers", good, "--db", db},
	} {
		if _, errOut, err := runSteward(t, fakeEnv{}, args...); err == nil || !strings.Contains(errOut, "steward import") {
			t.Errorf("%v: %v, stderr %q", args, err, errOut)
		}
	}
	if _, _, err := runSteward(t, fakeEnv{}, "import", "customers", good, "--db", db, "--email", "nobody@acme.example"); err == nil ||
		!strings.Contains(err.Error(), "no user has the email") {
		t.Errorf("unknown email: %v", err)
	}
}
