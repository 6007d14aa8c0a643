package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDevSeedOrgs: --orgs makes that many organizations in one run and prints each Admin's
// email, one a line, in the organizations' order.
func TestDevSeedOrgs(t *testing.T) {
	db := filepath.Join(t.TempDir(), "tenants.db")
	out, errOut, err := runSteward(t, fakeEnv{}, "dev", "seed", "--db", db, "--orgs", "3", "--assets", "20")
	if err != nil {
		t.Fatalf("dev seed --orgs: %v\n%s", err, errOut)
	}
	want := "admin@tenant-0001.example\nadmin@tenant-0002.example\nadmin@tenant-0003.example\n"
	if out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
	if !strings.Contains(errOut, "seed: 3 organizations: 9 customers, 18 locations, 15 contacts, 60 assets") {
		t.Errorf("summary:\n%s", errOut)
	}
	// Each Admin signs in to its own organization.
	key := strings.TrimSpace(mustSteward(t, fakeEnv{}, "apikey", "create", "--db", db, "--email", "admin@tenant-0002.example", "--name", "load"))
	if key == "" || strings.ContainsAny(key, " \n") {
		t.Errorf("apikey create for a tenant's Admin printed %q", key)
	}
}
