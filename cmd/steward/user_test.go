package main

// Tests of the user commands: invite, list, deactivate, reactivate, reset-two-factor.

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

func TestUserCommandsSQLite(t *testing.T) {
	testUserCommands(t, filepath.Join(t.TempDir(), "u.db"))
}

func TestUserCommandsPostgres(t *testing.T) {
	testUserCommands(t, storetest.DSN(t, "postgres"))
}

func testUserCommands(t *testing.T, db string) {
	mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Acme Rentals", "--email", "ops@acme.example", "--password", "long enough")
	mustSteward(t, fakeEnv{}, "init", "--db", db, "--org", "Globex", "--email", "it@globex.example", "--password", "long enough")

	// Invite: the link's path, or the whole link with --public-url (or its variable).
	out := mustSteward(t, fakeEnv{}, "user", "invite", "--db", db, "--account-email", "ops@acme.example",
		"--email", "tina@acme.example", "--name", "Tina Tech", "--role", "technician")
	if !strings.HasPrefix(out, "/invite/") || len(strings.TrimSpace(out)) != len("/invite/")+43 {
		t.Fatalf("user invite printed %q", out)
	}
	token := strings.TrimSpace(strings.TrimPrefix(out, "/invite/"))
	out = mustSteward(t, fakeEnv{"STEWARD_PUBLIC_URL": "https://steward.acme.example/"}, "user", "invite", "--db", db,
		"--account-email", "ops@acme.example", "--email", "fred@acme.example", "--name", "Fred", "--role", "fleet_admin",
		"--fleet-visibility", "groups")
	if !strings.HasPrefix(out, "https://steward.acme.example/invite/") {
		t.Fatalf("user invite with STEWARD_PUBLIC_URL printed %q", out)
	}

	// Mistakes name the flags.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--email", "x@acme.example", "--name", "X", "--role", "ADMIN"}, "--role"},
		{[]string{"--email", "x@acme.example", "--name", "X", "--role", "user", "--fleet-visibility", "some"}, "--fleet-visibility"},
		{[]string{"--email", "not an email", "--name", "X", "--role", "user"}, "--email"},
		{[]string{"--email", "it@globex.example", "--name", "X", "--role", "user"}, "--email"},
		{[]string{"--name", "X", "--role", "user"}, "--email"},
		{[]string{"--email", "x@acme.example", "--name", "X", "--role", "user", "--public-url", "steward.acme.example"}, "--public-url"},
	} {
		_, _, err := runSteward(t, fakeEnv{}, append([]string{"user", "invite", "--db", db, "--account-email", "ops@acme.example"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("user invite %v: %v, want it to name %s", c.args, err, c.want)
		}
	}
	_, _, err := runSteward(t, fakeEnv{}, "user", "invite", "--db", db, "--account-email", "nobody@acme.example",
		"--email", "y@acme.example", "--name", "Y", "--role", "user")
	if err == nil || !strings.Contains(err.Error(), "--account-email") {
		t.Errorf("an unknown --account-email: %v", err)
	}

	// The link is the invitation: accepting it lets Tina sign in.
	s, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.RedeemUserToken(context.Background(), steward.TokenInvite, token, "tina's password"); err != nil {
		t.Fatalf("the printed token: %v", err)
	}

	// List: the account's users only.
	out = mustSteward(t, fakeEnv{}, "user", "list", "--db", db, "--account-email", "ops@acme.example")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "EMAIL") || strings.Contains(out, "globex") {
		t.Fatalf("user list:\n%s", out)
	}
	for _, want := range []string{"fred@acme.example", "invited", "tina@acme.example", "technician", "ops@acme.example"} {
		if !strings.Contains(out, want) {
			t.Errorf("user list lacks %q:\n%s", want, out)
		}
	}

	// Deactivate and reactivate; the last Admin stays.
	out = mustSteward(t, fakeEnv{}, "user", "deactivate", "--db", db, "--email", "tina@acme.example")
	if !strings.Contains(out, "deactivated") {
		t.Errorf("user deactivate printed %q", out)
	}
	if _, err := s.SignIn(context.Background(), "tina@acme.example", "tina's password"); err == nil {
		t.Error("a deactivated user signs in")
	}
	out = mustSteward(t, fakeEnv{}, "user", "list", "--db", db, "--account-email", "ops@acme.example", "--active", "false")
	if !strings.Contains(out, "tina@acme.example") || strings.Contains(out, "fred@") {
		t.Errorf("user list --active false:\n%s", out)
	}
	mustSteward(t, fakeEnv{}, "user", "reactivate", "--db", db, "--email", "tina@acme.example")
	if _, err := s.SignIn(context.Background(), "tina@acme.example", "tina's password"); err != nil {
		t.Errorf("a reactivated user: %v", err)
	}
	_, _, err = runSteward(t, fakeEnv{}, "user", "deactivate", "--db", db, "--email", "ops@acme.example")
	if err == nil || !strings.Contains(err.Error(), "last active Admin") || !strings.Contains(err.Error(), "--email") {
		t.Errorf("deactivating the last Admin: %v", err)
	}
	_, _, err = runSteward(t, fakeEnv{}, "user", "deactivate", "--db", db, "--email", "nobody@acme.example")
	if err == nil || !strings.Contains(err.Error(), "no user has the email") {
		t.Errorf("deactivating nobody: %v", err)
	}
	_, _, err = runSteward(t, fakeEnv{}, "user", "list", "--db", db, "--account-email", "ops@acme.example", "--active", "maybe")
	if !errors.Is(err, errUsage) {
		t.Errorf("--active maybe: %v", err)
	}

	// Reset two-factor: Tina, who enrolled and lost her phone, signs in with her password alone;
	// Globex's users are untouched.
	enrolTwoFactor(t, s, "tina@acme.example")
	enrolTwoFactor(t, s, "it@globex.example")
	out = mustSteward(t, fakeEnv{}, "user", "reset-two-factor", "--db", db, "--email", "tina@acme.example")
	if !strings.Contains(out, "tina@acme.example") || !strings.Contains(out, "off") {
		t.Errorf("user reset-two-factor printed %q", out)
	}
	if twoFactorOn(t, s, "tina@acme.example") {
		t.Error("two-factor is still on after user reset-two-factor")
	}
	if !twoFactorOn(t, s, "it@globex.example") {
		t.Error("another organization's user lost two-factor")
	}
	mustSteward(t, fakeEnv{}, "user", "reset-two-factor", "--db", db, "--email", "tina@acme.example") // already off
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "--email"},
		{[]string{"--email", "nobody@acme.example"}, "--email"},
		{[]string{"--email", ""}, "--email"},
	} {
		_, _, err = runSteward(t, fakeEnv{}, append([]string{"user", "reset-two-factor", "--db", db}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("user reset-two-factor %v: %v, want it to name %s", c.args, err, c.want)
		}
	}
}

// enrolTwoFactor switches two-factor sign-in on for the user with email, as they would.
func enrolTwoFactor(t *testing.T, s *store.Store, email string) {
	t.Helper()
	ctx := context.Background()
	sys, err := s.SystemActorOfUser(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.UserIDByEmail(ctx, sys, email)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.UserActor(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	secret := steward.NewTOTPSecret()
	key, _ := steward.DecodeTOTPSecret(secret)
	if _, err := s.EnableTwoFactor(ctx, a, secret, steward.TOTPCode(key, steward.TOTPStep(time.Now()))); err != nil {
		t.Fatalf("enrol %s: %v", email, err)
	}
}

// twoFactorOn tells whether the user with email has two-factor sign-in on.
func twoFactorOn(t *testing.T, s *store.Store, email string) bool {
	t.Helper()
	ctx := context.Background()
	sys, err := s.SystemActorOfUser(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.UserIDByEmail(ctx, sys, email)
	if err != nil {
		t.Fatal(err)
	}
	tf, err := s.TwoFactorOf(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return tf.Enabled
}
