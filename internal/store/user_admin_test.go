package store_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// Deactivation and the rules that keep an account its Admins.

func TestDeactivateStopsSessionsAndKeys(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		u := mkUser(t, s, o.admin, "Frida Fleet", steward.RoleFleetAdmin)
		web := webActor(t, s, u)
		k := must(s.CreateAPIKey(ctx, o.admin, u.ID, steward.APIKeyFields{Name: "frida's"}))
		must(s.Authenticate(ctx, k.Key))
		v1 := must(s.User(ctx, o.admin, u.ID)).Version

		_, err := s.SetUserActive(ctx, o.admin, u.ID, v1+1, false)
		wantCode(t, err, steward.EPRECONDITION)
		got := must(s.SetUserActive(ctx, o.admin, u.ID, v1, false))
		if got.Active || got.Version != v1+1 {
			t.Fatalf("deactivated = %+v", got)
		}
		_, err = s.Authenticate(ctx, k.Key)
		wantCode(t, err, steward.EUNAUTHORIZED)
		_, err = s.UserActor(ctx, u.ID)
		wantCode(t, err, steward.EUNAUTHORIZED)
		_, err = s.SignIn(ctx, u.Email, goodPassword)
		wantCode(t, err, steward.EUNAUTHORIZED)
		// Deactivating again changes nothing.
		if again := must(s.SetUserActive(ctx, o.admin, u.ID, 0, false)); again.Version != got.Version {
			t.Errorf("a second deactivation bumped the version")
		}
		// Reactivated: keys work again, but sessions from before stay void.
		must(s.SetUserActive(ctx, o.admin, u.ID, 0, true))
		must(s.Authenticate(ctx, k.Key))
		if a := webActor(t, s, u); a.SessionsAfter <= web.SessionsAfter {
			t.Errorf("sessions from before the deactivation would work again")
		}
		var actions []string
		for _, e := range auditFor(t, s, o.admin, u.ID) {
			actions = append(actions, e.Action)
		}
		if strings.Join(actions, ",") != "reactivate,deactivate,set_password,create" {
			t.Errorf("audit actions = %v", actions)
		}
		// Only Admins deactivate, and only users of their account.
		_, err = s.SetUserActive(ctx, o.keyActor(t, s, steward.RoleFleetAdmin, false), u.ID, 0, false)
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = s.SetUserActive(ctx, newOrg(t, s).admin, u.ID, 0, false)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = s.SetUserActive(ctx, o.admin, "not an id", 0, false)
		wantCode(t, err, steward.ENOTFOUND)
	})
}

func TestAdminRules(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		me := o.userActor()
		sys := steward.SystemActor(o.acc.ID)
		// No self-demotion or self-deactivation, through the web or a key of one's own.
		for _, a := range []*steward.Actor{me, o.admin} {
			_, err := s.UpdateUser(ctx, a, o.user.ID, 0, func(p *steward.UserPatch) error { p.Role = steward.RoleFleetAdmin; return nil })
			wantField(t, err, steward.EINVALID, "role")
			_, err = s.SetUserActive(ctx, a, o.user.ID, 0, false)
			wantField(t, err, steward.EINVALID, "id")
		}
		// One's own name is fine.
		renamed := must(s.UpdateUser(ctx, me, o.user.ID, 0, func(p *steward.UserPatch) error { p.Name = "Ada A."; return nil }))
		if renamed.Name != "Ada A." || renamed.Role != steward.RoleAdmin {
			t.Errorf("renamed = %+v", renamed)
		}
		// The last active Admin: neither demoted nor deactivated (the command line acts as the system).
		_, err := s.UpdateUser(ctx, sys, o.user.ID, 0, func(p *steward.UserPatch) error { p.Role = steward.RoleUser; return nil })
		wantField(t, err, steward.ECONFLICT, "role")
		_, err = s.SetUserActive(ctx, sys, o.user.ID, 0, false)
		wantField(t, err, steward.ECONFLICT, "active")
		// An invited Admin who has not set a password does not count.
		pending, _ := invite(t, s, me, "Pending Admin", steward.RoleAdmin)
		_, err = s.SetUserActive(ctx, sys, o.user.ID, 0, false)
		wantField(t, err, steward.ECONFLICT, "active")
		// With a second active Admin, the first may go.
		second := mkUser(t, s, me, "Bea Admin", steward.RoleAdmin)
		must(s.SetUserActive(ctx, sys, pending.ID, 0, false))
		key := must(s.CreateAPIKey(ctx, me, o.user.ID, steward.APIKeyFields{Name: "ada's", Role: steward.RoleAdmin}))
		demoted := must(s.UpdateUser(ctx, webActor(t, s, second), o.user.ID, 0, func(p *steward.UserPatch) error {
			p.Role = steward.RoleTechnician
			p.FleetVisibility = steward.FleetVisibilityNone
			return nil
		}))
		if demoted.Role != steward.RoleTechnician || demoted.FleetVisibility != steward.FleetVisibilityNone {
			t.Errorf("demoted = %+v", demoted)
		}
		// The first Admin's key now acts as a technician, at once.
		a := must(s.Authenticate(ctx, key.Key))
		if a.Role != steward.RoleTechnician {
			t.Errorf("a demoted user's key has role %s", a.Role)
		}
		// A merge patch that changes nothing records nothing; a stale If-Match changes nothing.
		v := must(s.User(ctx, webActor(t, s, second), o.user.ID)).Version
		_, err = s.UpdateUser(ctx, webActor(t, s, second), o.user.ID, v-1, func(p *steward.UserPatch) error { p.Name = "X"; return nil })
		wantCode(t, err, steward.EPRECONDITION)
		_, err = s.UpdateUser(ctx, webActor(t, s, second), o.user.ID, v, func(p *steward.UserPatch) error { p.Role = "ADMIN"; return nil })
		wantField(t, err, steward.EINVALID, "role")
		if got := must(s.User(ctx, webActor(t, s, second), o.user.ID)); got.Version != v || got.Name != "Ada A." {
			t.Errorf("a refused change changed the user: %+v", got)
		}
	})
}

// TestLastAdminConcurrently: two Admins demoting (or deactivating) each other at the same time
// leave one Admin, never none.
func TestLastAdminConcurrently(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		a := o.userActor()
		b := mkUser(t, s, a, "Bea Admin", steward.RoleAdmin)
		actors := map[string]*steward.Actor{o.user.ID: a, b.ID: webActor(t, s, b)}
		ids := []string{o.user.ID, b.ID}
		for round := range 10 {
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					me, them := actors[ids[i]], ids[1-i]
					if round%2 == 0 {
						_, errs[i] = s.UpdateUser(ctx, me, them, 0, func(p *steward.UserPatch) error { p.Role = steward.RoleUser; return nil })
					} else {
						_, errs[i] = s.SetUserActive(ctx, me, them, 0, false)
					}
				}()
			}
			wg.Wait()
			// Exactly one wins; the other is refused, as the last Admin or (once demoted) as no
			// longer an Admin (the demoted actor still carries its old role: the store decides by
			// the row, and the policy check has passed, so the conflict is what stops it).
			var won, lost int
			for _, err := range errs {
				switch steward.ErrorCode(err) {
				case "":
					won++
				case steward.ECONFLICT:
					lost++
				default:
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if won != 1 || lost != 1 {
				t.Fatalf("round %d: %d won, %d refused: %v", round, won, lost, errs)
			}
			var admins int
			for _, id := range ids {
				if u := must(s.User(ctx, steward.SystemActor(o.acc.ID), id)); u.Active && u.Role == steward.RoleAdmin {
					admins++
				}
			}
			if admins != 1 {
				t.Fatalf("round %d: %d active Admins", round, admins)
			}
			// Back to two Admins for the next round.
			sys := steward.SystemActor(o.acc.ID)
			for _, id := range ids {
				must(s.SetUserActive(ctx, sys, id, 0, true))
				must(s.UpdateUser(ctx, sys, id, 0, func(p *steward.UserPatch) error { p.Role = steward.RoleAdmin; return nil }))
			}
		}
	})
}
