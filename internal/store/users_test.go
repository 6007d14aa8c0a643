package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

const goodPassword = "a long enough password"

// invite invites a user of role into the admin's account and returns it with its token.
func invite(t *testing.T, s *store.Store, admin *steward.Actor, name string, role steward.Role) (*steward.User, *steward.UserToken) {
	t.Helper()
	u, tok, err := s.InviteUser(ctx, admin, steward.UserFields{Name: name, Email: "u-" + randHex(4) + "@example.com",
		Role: role, FleetVisibility: steward.FleetVisibilityAll})
	if err != nil {
		t.Fatalf("InviteUser: %v", err)
	}
	return u, tok
}

// mkUser invites a user and accepts the invitation, so they can sign in with goodPassword.
func mkUser(t *testing.T, s *store.Store, admin *steward.Actor, name string, role steward.Role) *steward.User {
	t.Helper()
	u, tok := invite(t, s, admin, name, role)
	if _, err := s.RedeemUserToken(ctx, steward.TokenInvite, tok.Token, goodPassword); err != nil {
		t.Fatalf("RedeemUserToken: %v", err)
	}
	return u
}

// webActor is u acting through the web interface.
func webActor(t *testing.T, s *store.Store, u *steward.User) *steward.Actor {
	t.Helper()
	a, err := s.UserActor(ctx, u.ID)
	if err != nil {
		t.Fatalf("UserActor: %v", err)
	}
	return a
}

func TestInviteAndAccept(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		u, tok := invite(t, s, o.admin, "Tess Tech", steward.RoleTechnician)
		if !u.Active || !u.InvitePending || u.AccountID != o.acc.ID || u.Role != steward.RoleTechnician {
			t.Fatalf("invited user = %+v", u)
		}
		if len(tok.Token) != 43 || tok.UserID != u.ID {
			t.Fatalf("token = %+v", tok)
		}
		if d := tok.ExpiresAt.Sub(steward.Now().Time); d < steward.InviteLifetime-time1m || d > steward.InviteLifetime {
			t.Errorf("invitation expires in %s, want %s", d, steward.InviteLifetime)
		}
		// The secret is stored only as a hash.
		if n := raw.int(t, "SELECT COUNT(*) FROM user_tokens WHERE hash = ? OR hash LIKE ?", tok.Token, "%"+tok.Token[:20]+"%"); n != 0 {
			t.Fatalf("the token is stored in the clear")
		}
		// A pending user cannot sign in, with any password.
		for _, pw := range []string{"", goodPassword} {
			_, err := s.SignIn(ctx, u.Email, pw)
			wantCode(t, err, steward.EUNAUTHORIZED)
		}
		info := must(s.LookUpUserToken(ctx, steward.TokenInvite, tok.Token))
		if info.Email != u.Email || info.Name != "Tess Tech" {
			t.Errorf("token info = %+v", info)
		}
		// The token is of an invitation, not a reset.
		_, err := s.LookUpUserToken(ctx, steward.TokenPasswordReset, tok.Token)
		wantCode(t, err, steward.EUNAUTHORIZED)
		// A bad password keeps the token.
		_, err = s.RedeemUserToken(ctx, steward.TokenInvite, tok.Token, "short")
		wantField(t, err, steward.EINVALID, "password")
		_, err = s.RedeemUserToken(ctx, steward.TokenInvite, tok.Token, strings.Repeat("p", 2<<20))
		wantField(t, err, steward.EINVALID, "password")
		got := must(s.RedeemUserToken(ctx, steward.TokenInvite, tok.Token, goodPassword))
		if got.ID != u.ID || got.InvitePending {
			t.Errorf("redeemed user = %+v", got)
		}
		signed := must(s.SignIn(ctx, u.Email, goodPassword))
		if signed.ID != u.ID {
			t.Errorf("signed in as %s", signed.ID)
		}
		// Single use.
		_, err = s.RedeemUserToken(ctx, steward.TokenInvite, tok.Token, goodPassword+"2")
		wantCode(t, err, steward.EUNAUTHORIZED)
		_, err = s.LookUpUserToken(ctx, steward.TokenInvite, tok.Token)
		wantCode(t, err, steward.EUNAUTHORIZED)
		if _, err := s.SignIn(ctx, u.Email, goodPassword+"2"); err == nil {
			t.Fatal("a used token set the password again")
		}
		// The audit log: the create (without secrets) and the password set, as the user.
		evs := auditFor(t, s, o.admin, u.ID)
		var actions []string
		for _, e := range evs {
			actions = append(actions, e.Action)
			for _, c := range e.Changes {
				if fmt.Sprint(c.Old, c.New) != strings.ReplaceAll(fmt.Sprint(c.Old, c.New), tok.Token, "") {
					t.Errorf("the audit log holds the token: %+v", c)
				}
			}
		}
		if strings.Join(actions, ",") != "set_password,create" {
			t.Errorf("audit actions = %v", actions)
		}
		if evs[0].Actor.ID != u.ID || evs[0].Actor.Type != steward.ActorUser {
			t.Errorf("password set by %+v", evs[0].Actor)
		}
	})
}

const time1m = time.Minute

func TestInviteRefusals(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o, other := newOrg(t, s), newOrg(t, s)
		f := func(mod func(*steward.UserFields)) steward.UserFields {
			f := steward.UserFields{Name: "New Person", Email: "new-" + randHex(4) + "@example.com", Role: steward.RoleUser,
				FleetVisibility: steward.FleetVisibilityGroups}
			mod(&f)
			return f
		}
		// The email of a user of another organization: a conflict that says only that.
		_, _, err := s.InviteUser(ctx, o.admin, f(func(f *steward.UserFields) { f.Email = strings.ToUpper(other.email) }))
		e := wantField(t, err, steward.ECONFLICT, "email")
		if strings.Contains(e.Error(), other.acc.ID) || strings.Contains(e.Error(), other.acc.Name) {
			t.Errorf("the conflict names the other organization: %v", e)
		}
		for name, c := range map[string]struct {
			mod   func(*steward.UserFields)
			field string
		}{
			"role ADMIN":            {func(f *steward.UserFields) { f.Role = "ADMIN" }, "role"},
			"role empty":            {func(f *steward.UserFields) { f.Role = "" }, "role"},
			"visibility empty":      {func(f *steward.UserFields) { f.FleetVisibility = "" }, "fleet_visibility"},
			"visibility everything": {func(f *steward.UserFields) { f.FleetVisibility = "everything" }, "fleet_visibility"},
			"email invisible":       {func(f *steward.UserFields) { f.Email = "a\u200b" + f.Email }, "email"},
			"email not one":         {func(f *steward.UserFields) { f.Email = "nobody" }, "email"},
			"email huge":            {func(f *steward.UserFields) { f.Email = strings.Repeat("a", 300) + "@example.com" }, "email"},
			"name invisible":        {func(f *steward.UserFields) { f.Name = "\u200b\u200b" }, "name"},
			"name huge":             {func(f *steward.UserFields) { f.Name = strings.Repeat("n", 10000) }, "name"},
		} {
			_, _, err := s.InviteUser(ctx, o.admin, f(c.mod))
			if e := asError(err); e == nil || e.Code != steward.EINVALID || e.Fields[0].Field != c.field {
				t.Errorf("%s: %v, want EINVALID on %s", name, err, c.field)
			}
		}
		// Only Admins invite.
		for _, role := range []steward.Role{steward.RoleFleetAdmin, steward.RoleUser, steward.RoleTechnician} {
			_, _, err := s.InviteUser(ctx, o.keyActor(t, s, role, false), f(func(*steward.UserFields) {}))
			wantCode(t, err, steward.EFORBIDDEN)
		}
		if n := raw.int(t, "SELECT COUNT(*) FROM users WHERE account_id = ?", o.acc.ID); n != 1 {
			t.Errorf("refused invitations left %d users", n)
		}
		// A visibility of groups with no groups is allowed (the user sees no assets).
		u, _ := must2(s.InviteUser(ctx, o.admin, f(func(*steward.UserFields) {})))
		if u.FleetVisibility != steward.FleetVisibilityGroups {
			t.Errorf("visibility = %s", u.FleetVisibility)
		}
		// Tokens that are not: empty, garbage, 10 KB, one character off, well formed and unknown.
		_, tok := invite(t, s, o.admin, "Ivy", steward.RoleUser)
		off := []byte(tok.Token)
		off[0] ^= 1
		for _, bad := range []string{"", "x", strings.Repeat("A", 10<<10), string(off), strings.Repeat("A", 43), tok.Token + "=", "../" + tok.Token[3:]} {
			_, err := s.LookUpUserToken(ctx, steward.TokenInvite, bad)
			wantCode(t, err, steward.EUNAUTHORIZED)
			_, err = s.RedeemUserToken(ctx, steward.TokenInvite, bad, goodPassword)
			wantCode(t, err, steward.EUNAUTHORIZED)
		}
		// Expired: the same answer.
		raw.exec(t, "UPDATE user_tokens SET expires_at = ? WHERE user_id IN (SELECT id FROM users WHERE name = 'Ivy' AND account_id = ?)",
			steward.Now().Micros()-1, o.acc.ID)
		_, err = s.LookUpUserToken(ctx, steward.TokenInvite, tok.Token)
		expired := wantCode(t, err, steward.EUNAUTHORIZED)
		_, err = s.LookUpUserToken(ctx, steward.TokenInvite, strings.Repeat("A", 43))
		if unknown := asError(err); unknown.Message != expired.Message {
			t.Errorf("expired says %q, unknown %q", expired.Message, unknown.Message)
		}
		_, err = s.RedeemUserToken(ctx, steward.TokenInvite, tok.Token, goodPassword)
		wantCode(t, err, steward.EUNAUTHORIZED)
	})
}

func TestReinviteAndReset(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o, other := newOrg(t, s), newOrg(t, s)
		u, first := invite(t, s, o.admin, "Rita", steward.RoleUser)
		second := must(s.ReinviteUser(ctx, o.admin, u.ID))
		if second.Token == first.Token {
			t.Fatal("the same token twice")
		}
		_, err := s.LookUpUserToken(ctx, steward.TokenInvite, first.Token)
		wantCode(t, err, steward.EUNAUTHORIZED)
		must(s.RedeemUserToken(ctx, steward.TokenInvite, second.Token, goodPassword))
		_, err = s.ReinviteUser(ctx, o.admin, u.ID)
		wantField(t, err, steward.ECONFLICT, "invite_pending")
		// Another organization's user is not found.
		_, err = s.ReinviteUser(ctx, other.admin, u.ID)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = s.IssuePasswordReset(ctx, other.admin, u.ID)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = s.IssuePasswordReset(ctx, o.keyActor(t, s, steward.RoleFleetAdmin, false), u.ID)
		wantCode(t, err, steward.EFORBIDDEN)

		// A reset: one hour, single use, ends the user's sessions.
		before := webActor(t, s, u)
		reset := must(s.IssuePasswordReset(ctx, o.admin, u.ID))
		if d := reset.ExpiresAt.Sub(steward.Now().Time); d > steward.PasswordResetLifetime || d < steward.PasswordResetLifetime-time1m {
			t.Errorf("reset expires in %s", d)
		}
		_, err = s.RedeemUserToken(ctx, steward.TokenInvite, reset.Token, "another password")
		wantCode(t, err, steward.EUNAUTHORIZED)
		must(s.RedeemUserToken(ctx, steward.TokenPasswordReset, reset.Token, "another password"))
		_, err = s.RedeemUserToken(ctx, steward.TokenPasswordReset, reset.Token, "a third password")
		wantCode(t, err, steward.EUNAUTHORIZED)
		if _, err := s.SignIn(ctx, u.Email, goodPassword); err == nil {
			t.Error("the old password still works")
		}
		must(s.SignIn(ctx, u.Email, "another password"))
		after := webActor(t, s, u)
		if after.SessionsAfter <= before.SessionsAfter {
			t.Errorf("sessions after %d, then %d: the reset did not end the sessions", before.SessionsAfter, after.SessionsAfter)
		}
		var actions []string
		for _, e := range auditFor(t, s, o.admin, u.ID) {
			actions = append(actions, e.Action)
		}
		if strings.Join(actions, ",") != "set_password,password_reset,set_password,invite,create" {
			t.Errorf("audit actions = %v", actions)
		}

		// The user's own change: the current password is required.
		me := webActor(t, s, u)
		err = s.ChangePassword(ctx, me, "wrong password", "yet another one")
		wantField(t, err, steward.EINVALID, "current_password")
		err = s.ChangePassword(ctx, me, "another password", "short")
		wantField(t, err, steward.EINVALID, "new_password")
		err = s.ChangePassword(ctx, me, strings.Repeat("x", 2<<20), "yet another one")
		wantField(t, err, steward.EINVALID, "current_password")
		ok(t, s.ChangePassword(ctx, me, "another password", "yet another one"))
		must(s.SignIn(ctx, u.Email, "yet another one"))
		if webActor(t, s, u).SessionsAfter <= after.SessionsAfter {
			t.Error("a password change did not end the other sessions")
		}
		// A deactivated user gets no reset, and their pending token dies.
		r2 := must(s.IssuePasswordReset(ctx, o.admin, u.ID))
		must(s.SetUserActive(ctx, o.admin, u.ID, 0, false))
		_, err = s.IssuePasswordReset(ctx, o.admin, u.ID)
		wantField(t, err, steward.ECONFLICT, "active")
		must(s.SetUserActive(ctx, o.admin, u.ID, 0, true))
		_, err = s.RedeemUserToken(ctx, steward.TokenPasswordReset, r2.Token, goodPassword)
		wantCode(t, err, steward.EUNAUTHORIZED)
	})
}

func TestUsersList(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o, other := newOrg(t, s), newOrg(t, s)
		names := []string{"Émile Zola", "anna Berg", "Bruno Ä", "Zoë Ward", "Carl 100%_x"}
		var ids []string
		for _, n := range names {
			u, _ := invite(t, s, o.admin, n, steward.RoleUser)
			ids = append(ids, u.ID)
		}
		invite(t, s, other.admin, "Anna Other", steward.RoleUser)
		must(s.SetUserActive(ctx, o.admin, ids[3], 0, false))

		all := pageAll(t, 2, func(u steward.User) string { return u.ID }, func(cursor string) (*steward.Page[steward.User], error) {
			return s.Users(ctx, o.admin, steward.UserFilter{Limit: 2, Cursor: cursor})
		})
		var got []string
		for _, u := range all {
			got = append(got, u.Name)
			if u.AccountID != o.acc.ID {
				t.Errorf("listed a user of another account: %+v", u)
			}
		}
		want := "Ada Admin,anna Berg,Bruno Ä,Carl 100%_x,Émile Zola,Zoë Ward"
		if strings.Join(got, ",") != want {
			t.Errorf("users = %v, want %s", got, want)
		}
		for q, want := range map[string]string{
			"EMILE": "Émile Zola", "zoe": "Zoë Ward", "%_": "Carl 100%_x", "_": "Carl 100%_x", "%": "Carl 100%_x",
			"nobody": "", "anna": "anna Berg", "@EXAMPLE.COM": "Ada Admin,anna Berg,Bruno Ä,Carl 100%_x,Émile Zola,Zoë Ward",
		} {
			page := must(s.Users(ctx, o.admin, steward.UserFilter{Q: q}))
			var got []string
			for _, u := range page.Data {
				got = append(got, u.Name)
			}
			if strings.Join(got, ",") != want {
				t.Errorf("q=%q: %v, want %s", q, got, want)
			}
		}
		inactive := must(s.Users(ctx, o.admin, steward.UserFilter{Active: ptr(false)}))
		if len(inactive.Data) != 1 || inactive.Data[0].ID != ids[3] {
			t.Errorf("deactivated users = %+v", inactive.Data)
		}
		if n := len(must(s.Users(ctx, o.admin, steward.UserFilter{Active: ptr(true)})).Data); n != 5 {
			t.Errorf("%d active users, want 5", n)
		}
		// A cursor of another filter, bad limits and q, other roles, other accounts.
		p := must(s.Users(ctx, o.admin, steward.UserFilter{Limit: 1}))
		_, err := s.Users(ctx, o.admin, steward.UserFilter{Limit: 1, Q: "a", Cursor: *p.NextCursor})
		wantField(t, err, steward.EINVALID, "cursor")
		_, err = s.Users(ctx, o.admin, steward.UserFilter{Cursor: "garbage"})
		wantField(t, err, steward.EINVALID, "cursor")
		_, err = s.Users(ctx, o.admin, steward.UserFilter{Limit: steward.MaxLimit + 1})
		wantField(t, err, steward.EINVALID, "limit")
		_, err = s.Users(ctx, o.admin, steward.UserFilter{Q: "\u0301"})
		wantField(t, err, steward.EINVALID, "q")
		for _, role := range []steward.Role{steward.RoleFleetAdmin, steward.RoleUser, steward.RoleTechnician} {
			_, err = s.Users(ctx, o.keyActor(t, s, role, false), steward.UserFilter{})
			wantCode(t, err, steward.EFORBIDDEN)
			_, err = s.User(ctx, o.keyActor(t, s, role, false), ids[0])
			wantCode(t, err, steward.EFORBIDDEN)
		}
		_, err = s.User(ctx, other.admin, ids[0])
		wantCode(t, err, steward.ENOTFOUND)
		_, err = s.UpdateUser(ctx, other.admin, ids[0], 0, func(p *steward.UserPatch) error { p.Name = "x"; return nil })
		wantCode(t, err, steward.ENOTFOUND)
		if u := must(s.User(ctx, o.admin, ids[0])); u.Name != "Émile Zola" || !u.InvitePending {
			t.Errorf("user = %+v", u)
		}
	})
}
