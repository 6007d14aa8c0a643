package main

// Tests of init: one organization per name unless told otherwise, and the Admin's name.

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

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
