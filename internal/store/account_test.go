package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

func TestCreateOrganization(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		boss := "Boss-" + randHex(4) + "@Acme.example"
		acc, u, err := s.CreateOrganization(ctx, steward.Organization{Name: " Acme Rental ", Email: boss,
			Country: "de", Password: "long enough"})
		ok(t, err)
		if acc.Name != "Acme Rental" || acc.Country != "DE" || acc.RootID != acc.ID || acc.ParentID != nil || acc.Kind != steward.AccountInternal {
			t.Errorf("account = %+v", acc)
		}
		if u.Role != steward.RoleAdmin || u.AccountID != acc.ID || !u.Active || u.Name != boss {
			t.Errorf("user = %+v (admin name defaults to the email)", u)
		}
		// An email has one user in the whole installation, compared case-insensitively.
		_, _, err = s.CreateOrganization(ctx, steward.Organization{Name: "Other", Email: strings.ToLower(boss), Password: "long enough"})
		wantField(t, err, steward.ECONFLICT, "email")

		// Validation names the field.
		for _, tc := range []struct {
			o     steward.Organization
			field string
		}{
			{steward.Organization{Email: "x@example.com", Password: "long enough"}, "org"},
			{steward.Organization{Name: "X", Password: "long enough"}, "email"},
			{steward.Organization{Name: "X", Email: "not-an-email", Password: "long enough"}, "email"},
			{steward.Organization{Name: "X", Email: "x@example.com", Password: "short"}, "password"},
			{steward.Organization{Name: "X", Email: "x@example.com", Country: "XX", Password: "long enough"}, "country"},
		} {
			_, _, err := s.CreateOrganization(ctx, tc.o)
			wantField(t, err, steward.EINVALID, tc.field)
		}

		// The organization's creation is audit-logged by the system.
		o := &org{acc: acc, user: u}
		k := must(s.CreateAPIKeyForEmail(ctx, strings.ToUpper(boss), steward.APIKeyFields{Name: "k"}))
		o.admin = must(s.Authenticate(ctx, k.Key))
		ev := allAudit(t, s, o.admin, steward.AuditFilter{ObjectID: acc.ID})
		if len(ev) != 1 || ev[0].Action != steward.ActionCreate || ev[0].Actor.Type != steward.ActorSystem || changeOf(ev[0], "name") == nil {
			t.Errorf("account audit = %+v", ev)
		}
	})
}

func TestSignInChecksPassword(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		u, err := s.SignIn(ctx, " "+strings.ToUpper(o.email)+" ", "correct horse")
		ok(t, err)
		if u.ID != o.user.ID {
			t.Errorf("SignIn returned user %s, want %s", u.ID, o.user.ID)
		}
		_, err = s.SignIn(ctx, o.email, "wrong horse")
		wantCode(t, err, steward.EUNAUTHORIZED)
		_, err = s.SignIn(ctx, "nobody@example.com", "correct horse")
		wantCode(t, err, steward.EUNAUTHORIZED)
	})
}

func TestAPIKeys(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		exp := steward.TimestampOf(time.Now().Add(24 * time.Hour))
		k, err := s.CreateAPIKey(ctx, o.admin, o.user.ID, steward.APIKeyFields{Name: "CI", Role: steward.RoleFleetAdmin,
			Integration: true, ExpiresAt: &exp})
		ok(t, err)
		if !strings.HasPrefix(k.Key, "stw_") || !strings.HasPrefix(k.Key, k.Prefix) || k.Role != steward.RoleFleetAdmin ||
			!k.Integration || k.ExpiresAt == nil || !k.ExpiresAt.Equal(exp.Time) || k.UserID != o.user.ID || k.AccountID != o.acc.ID {
			t.Errorf("created key = %+v", k)
		}
		a, err := s.Authenticate(ctx, k.Key)
		ok(t, err)
		if a.Type != steward.ActorAPIKey || a.ID != k.ID || a.UserID != o.user.ID || a.AccountID != o.acc.ID ||
			a.Role != steward.RoleFleetAdmin || !a.Integration || a.Source != steward.SourceAPI {
			t.Errorf("actor = %+v", a)
		}
		if !strings.Contains(a.Name, "CI") {
			t.Errorf("actor name %q does not name the key", a.Name)
		}
		// Role "" is the user's own role; an ordinary key is not an integration key.
		k2 := must(s.CreateAPIKey(ctx, o.admin, o.user.ID, steward.APIKeyFields{Name: "plain"}))
		a2 := must(s.Authenticate(ctx, k2.Key))
		if a2.Role != steward.RoleAdmin || a2.Integration {
			t.Errorf("plain key actor = %+v", a2)
		}

		// The list shows every key of the account, newest first, never a secret.
		keys := must(s.APIKeys(ctx, o.admin))
		if len(keys) != 3 || keys[0].ID != k2.ID || keys[1].ID != k.ID {
			t.Fatalf("APIKeys = %+v", keys)
		}
		for _, x := range keys {
			if x.Key != "" {
				t.Errorf("APIKeys shows the secret of %s", x.Name)
			}
		}
		// Using a key notes when.
		for _, x := range keys {
			if x.ID == k.ID && x.LastUsedAt == nil {
				t.Errorf("last_used_at not set after use")
			}
		}

		// Validation.
		_, err = s.CreateAPIKey(ctx, o.admin, o.user.ID, steward.APIKeyFields{})
		wantField(t, err, steward.EINVALID, "name")
		_, err = s.CreateAPIKey(ctx, o.admin, o.user.ID, steward.APIKeyFields{Name: "x", Role: "superuser"})
		wantField(t, err, steward.EINVALID, "role")
		past := steward.TimestampOf(time.Now().Add(-time.Hour))
		_, err = s.CreateAPIKey(ctx, o.admin, o.user.ID, steward.APIKeyFields{Name: "x", ExpiresAt: &past})
		wantField(t, err, steward.EINVALID, "expires_at")
		_, err = s.CreateAPIKey(ctx, o.admin, "no-such-user", steward.APIKeyFields{Name: "x"})
		wantCode(t, err, steward.ENOTFOUND)
		_, err = s.CreateAPIKeyForEmail(ctx, "nobody@example.com", steward.APIKeyFields{Name: "x"})
		wantCode(t, err, steward.ENOTFOUND)

		// Revoke by id: the key stops working at once; revoking again is harmless.
		ok(t, s.RevokeAPIKey(ctx, o.admin, k.ID))
		_, err = s.Authenticate(ctx, k.Key)
		wantCode(t, err, steward.EUNAUTHORIZED)
		ok(t, s.RevokeAPIKey(ctx, o.admin, k.ID))
		wantCode(t, s.RevokeAPIKey(ctx, o.admin, "no-such-key"), steward.ENOTFOUND)
		for _, x := range must(s.APIKeys(ctx, o.admin)) {
			if x.ID == k.ID && x.RevokedAt == nil {
				t.Errorf("revoked key has no revoked_at")
			}
		}

		// Revoke by prefix (the command line's form).
		ok(t, s.RevokeAPIKeyByPrefix(ctx, " "+k2.Prefix+" "))
		_, err = s.Authenticate(ctx, k2.Key)
		wantCode(t, err, steward.EUNAUTHORIZED)
		wantCode(t, s.RevokeAPIKeyByPrefix(ctx, "stw_nosuchpf"), steward.ENOTFOUND)

		// Revocations are audit-logged.
		ev := auditFor(t, s, o.admin, k.ID)
		if len(ev) != 2 || ev[0].Action != steward.ActionRevoke || ev[1].Action != steward.ActionCreate {
			t.Errorf("key audit = %+v", ev)
		}
		if c := changeOf(ev[1], "role"); c == nil || c.New != "fleet_admin" {
			t.Errorf("key create audit lacks role: %+v", ev[1].Changes)
		}
	})
}

func TestAuthenticateRefuses(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		k := must(s.CreateAPIKey(ctx, o.admin, o.user.ID, steward.APIKeyFields{Name: "k"}))
		for _, key := range []string{"", "stw_", "stw_" + strings.Repeat("a", 40), k.Key + "x", k.Key[:len(k.Key)-1],
			strings.ToUpper(k.Key), "xyz_" + k.Key[4:], k.Prefix, "stw_" + strings.Repeat("a", 200)} {
			_, err := s.Authenticate(ctx, key)
			wantCode(t, err, steward.EUNAUTHORIZED)
		}

		// An expired key is refused.
		exp := steward.TimestampOf(time.Now().Add(time.Second))
		short := must(s.CreateAPIKey(ctx, o.admin, o.user.ID, steward.APIKeyFields{Name: "short", ExpiresAt: &exp}))
		must(s.Authenticate(ctx, short.Key))
		time.Sleep(time.Until(exp.Time) + 50*time.Millisecond)
		_, err := s.Authenticate(ctx, short.Key)
		wantCode(t, err, steward.EUNAUTHORIZED)
	})
}

// TestAPIKeyRoleMayOnlyLower needs a non-admin user, which no store method creates yet; the
// user row is inserted directly.
func TestAPIKeyRoleMayOnlyLower(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		suffix := randHex(4)
		tech, fleet := "u-tech-"+suffix, "u-fleet-"+suffix
		techMail, fleetMail := "tech-"+suffix+"@example.com", "fleet-"+suffix+"@example.com"
		raw.exec(t, `INSERT INTO users (id, account_id, email, email_key, name, password_hash, role, fleet_visibility, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'Tess Tech', '', 'technician', 'all', TRUE, 1, 1)`, tech, o.acc.ID, strings.ToUpper(techMail), techMail)
		raw.exec(t, `INSERT INTO users (id, account_id, email, email_key, name, password_hash, role, fleet_visibility, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'Fred Fleet', '', 'fleet_admin', 'all', TRUE, 1, 1)`, fleet, o.acc.ID, fleetMail, fleetMail)

		for _, role := range []steward.Role{steward.RoleAdmin, steward.RoleFleetAdmin, steward.RoleUser} {
			_, err := s.CreateAPIKey(ctx, o.admin, tech, steward.APIKeyFields{Name: "x", Role: role})
			wantField(t, err, steward.EINVALID, "role")
		}
		_, err := s.CreateAPIKeyForEmail(ctx, fleetMail, steward.APIKeyFields{Name: "x", Role: steward.RoleAdmin})
		wantField(t, err, steward.EINVALID, "role")
		for _, role := range []steward.Role{steward.RoleFleetAdmin, steward.RoleUser, steward.RoleTechnician, ""} {
			k, err := s.CreateAPIKeyForEmail(ctx, strings.ToUpper(fleetMail), steward.APIKeyFields{Name: "x", Role: role})
			ok(t, err)
			a := must(s.Authenticate(ctx, k.Key))
			want := role
			if want == "" {
				want = steward.RoleFleetAdmin
			}
			if a.Role != want || a.UserID != fleet {
				t.Errorf("key role %q: actor %+v", role, a)
			}
		}
		// A key made before its user was demoted acts with the user's new role.
		k := must(s.CreateAPIKeyForEmail(ctx, fleetMail, steward.APIKeyFields{Name: "old"}))
		raw.exec(t, "UPDATE users SET role = 'user' WHERE id = ?", fleet)
		a := must(s.Authenticate(ctx, k.Key))
		if a.Role != steward.RoleUser {
			t.Errorf("key of a demoted user acts as %s, want user", a.Role)
		}
		// A deactivated user's keys stop working.
		raw.exec(t, "UPDATE users SET active = FALSE WHERE id = ?", fleet)
		_, err = s.Authenticate(ctx, k.Key)
		wantCode(t, err, steward.EUNAUTHORIZED)
	})
}

func TestMe(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		me, err := s.Me(ctx, o.admin)
		ok(t, err)
		if me.User.ID != o.user.ID || me.Account.ID != o.acc.ID || me.Role != steward.RoleAdmin || me.APIKey == nil ||
			me.APIKey.ID != o.admin.ID || me.APIKey.Key != "" {
			t.Errorf("Me (API key) = %+v", me)
		}
		tech := o.keyActor(t, s, steward.RoleTechnician, false)
		me = must(s.Me(ctx, tech))
		if me.Role != steward.RoleTechnician || me.User.Role != steward.RoleAdmin || me.APIKey == nil || me.APIKey.Role != steward.RoleTechnician {
			t.Errorf("Me (technician key) = %+v", me)
		}
		me = must(s.Me(ctx, o.userActor()))
		if me.APIKey != nil || me.User.Email != o.email {
			t.Errorf("Me (session) = %+v", me)
		}
		_, err = s.Me(ctx, nil)
		wantCode(t, err, steward.EUNAUTHORIZED)
	})
}

func TestAccountAndUpdateAccount(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		acc := must(s.Account(ctx, o.admin))
		if acc.ID != o.acc.ID || acc.CustomersExternallyManaged || acc.Version != 1 {
			t.Fatalf("Account = %+v", acc)
		}
		up, err := s.UpdateAccount(ctx, o.admin, acc.Version, func(f *steward.AccountFields) error {
			f.Phone = "+49 30 1234"
			f.Address.City = "Berlin"
			f.CustomersExternallyManaged = true
			return nil
		})
		ok(t, err)
		if !up.CustomersExternallyManaged || up.Phone != "+49 30 1234" || up.Version != 2 {
			t.Errorf("UpdateAccount = %+v", up)
		}
		got := must(s.Account(ctx, o.admin))
		if !got.CustomersExternallyManaged || got.Address.City != "Berlin" || got.Version != 2 {
			t.Errorf("stored account = %+v", got)
		}
		// Stale If-Match.
		_, err = s.UpdateAccount(ctx, o.admin, 1, func(f *steward.AccountFields) error { f.Phone = "123"; return nil })
		wantCode(t, err, steward.EPRECONDITION)
		// Validation.
		for field, change := range map[string]func(*steward.AccountFields){
			"name":            func(f *steward.AccountFields) { f.Name = " " },
			"kind":            func(f *steward.AccountFields) { f.Kind = "partner" },
			"email":           func(f *steward.AccountFields) { f.Email = "nope" },
			"country":         func(f *steward.AccountFields) { f.Country = "ZZ" },
			"phone":           func(f *steward.AccountFields) { f.Phone = "call me" },
			"address.country": func(f *steward.AccountFields) { f.Address.Country = "Germany" },
			"language":        func(f *steward.AccountFields) { f.Language = strings.Repeat("x", 36) },
		} {
			_, err := s.UpdateAccount(ctx, o.admin, 0, func(f *steward.AccountFields) error { change(f); return nil })
			wantField(t, err, steward.EINVALID, field)
		}
		// The change is audit-logged with old and new values.
		ev := allAudit(t, s, o.admin, steward.AuditFilter{ObjectID: o.acc.ID, Action: steward.ActionUpdate})
		if len(ev) != 1 || changeOf(ev[0], "address.city") == nil || changeOf(ev[0], "customers_externally_managed") == nil {
			t.Fatalf("account update audit = %+v", ev)
		}
		if c := changeOf(ev[0], "customers_externally_managed"); c.New != true {
			t.Errorf("customers_externally_managed change = %+v", c)
		}
	})
}

// Turning a setting off is recorded as true -> false, not true -> null.
func TestAuditRecordsSettingTurnedOff(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		for _, on := range []bool{true, false} {
			must(s.UpdateAccount(ctx, o.admin, 0, func(f *steward.AccountFields) error { f.CustomersExternallyManaged = on; return nil }))
		}
		ev := allAudit(t, s, o.admin, steward.AuditFilter{ObjectID: o.acc.ID, Action: steward.ActionUpdate})
		if len(ev) != 2 {
			t.Fatalf("%d account updates recorded, want 2", len(ev))
		}
		if c := changeOf(ev[0], "customers_externally_managed"); c == nil || c.Old != true || c.New != false {
			t.Errorf("turning customers_externally_managed off is recorded as %+v, want old true, new false", c)
		}
	})
}

// An organization made by `steward init` without --country (allowed) must still be able to turn
// on a setting such as customers_externally_managed.
func TestUpdateAccountOfOrganizationWithoutCountry(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		email := "nocountry-" + randHex(3) + "@example.com"
		_, _, err := s.CreateOrganization(ctx, steward.Organization{Name: "No Country", Email: email, Password: "long enough"})
		ok(t, err)
		k := must(s.CreateAPIKeyForEmail(ctx, email, steward.APIKeyFields{Name: "k"}))
		a := must(s.Authenticate(ctx, k.Key))
		_, err = s.UpdateAccount(ctx, a, 0, func(f *steward.AccountFields) error {
			f.CustomersExternallyManaged = true
			return nil
		})
		if err != nil {
			t.Errorf("UpdateAccount(customers_externally_managed=true) on an organization created without a country: %v", err)
		}
	})
}

func TestPingEngineStringClose(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ok(t, s.Ping(ctx))
		if e := s.Engine(); e != "sqlite" && e != "postgres" {
			t.Errorf("Engine = %q", e)
		}
		if !strings.Contains(s.String(), s.Engine()) || strings.Contains(s.String(), "@") {
			t.Errorf("String = %q: should name the engine and no credentials", s.String())
		}
	})
	defer catchMust(t)
	s := must(store.Open(ctx, t.TempDir()+"/closed.db", store.Options{}))
	ok(t, s.Close())
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping after Close succeeded")
	}
	if _, err := store.Open(ctx, t.TempDir()+"/x.db", store.Options{SQLiteSynchronous: "OFF"}); err == nil {
		t.Error("Open accepted synchronous=OFF")
	}
	s2 := must(store.Open(ctx, "sqlite:"+t.TempDir()+"/normal.db", store.Options{SQLiteSynchronous: "normal", ReadConns: 2, SQLiteCacheMiB: 4}))
	defer s2.Close()
	if s2.Engine() != "sqlite" {
		t.Errorf("sqlite: prefix opened %s", s2.Engine())
	}
}
