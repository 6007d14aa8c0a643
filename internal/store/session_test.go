package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

func TestSignInAndUserActor(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		u, err := s.SignIn(ctx, " "+strings.ToUpper(o.email), "correct horse")
		ok(t, err)
		if u.ID != o.user.ID {
			t.Fatalf("SignIn returned user %s, want %s", u.ID, o.user.ID)
		}
		for _, c := range []struct{ email, pw string }{
			{o.email, "wrong horse"}, {"nobody-" + randHex(4) + "@example.com", "correct horse"},
			{o.email, ""}, {"", ""}, {o.email + "\x00", "correct horse"}, {strings.Repeat("a", 300), "x"},
			{o.email, strings.Repeat("p", 5000)},
		} {
			_, err := s.SignIn(ctx, c.email, c.pw)
			wantCode(t, err, steward.EUNAUTHORIZED)
			if err != nil && !strings.Contains(err.Error(), "wrong email or password") {
				t.Errorf("SignIn(%q) error %q does not say email or password", c.email, err)
			}
		}
		a, err := s.UserActor(ctx, u.ID)
		ok(t, err)
		if a.Type != steward.ActorUser || a.UserID != u.ID || a.AccountID != o.acc.ID || a.Role != steward.RoleAdmin ||
			a.Source != steward.SourceWeb || a.Name != "Ada Admin" {
			t.Errorf("actor = %+v", a)
		}
		for _, id := range []string{"", "no-such-user", "bad id\x00", strings.Repeat("x", 100)} {
			_, err := s.UserActor(ctx, id)
			wantCode(t, err, steward.EUNAUTHORIZED)
		}
		// A deactivated user stops at once: no sign-in, and the session's next request fails.
		raw.exec(t, "UPDATE users SET active = FALSE WHERE id = ?", u.ID)
		_, err = s.UserActor(ctx, u.ID)
		wantCode(t, err, steward.EUNAUTHORIZED)
		_, err = s.SignIn(ctx, o.email, "correct horse")
		wantCode(t, err, steward.EUNAUTHORIZED)
	})
}

func TestSessionStore(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		ss := s.Sessions()
		tok := "tok-" + randHex(8)
		if _, found, err := ss.FindCtx(ctx, tok); err != nil || found {
			t.Fatalf("Find of an unknown token = %v, %v", found, err)
		}
		ok(t, ss.CommitCtx(ctx, tok, []byte{0, 1, 2, 255}, time.Now().Add(time.Hour)))
		b, found, err := ss.FindCtx(ctx, tok)
		if err != nil || !found || string(b) != "\x00\x01\x02\xff" {
			t.Fatalf("Find = %q, %v, %v", b, found, err)
		}
		// Commit again replaces the data and expiry.
		ok(t, ss.Commit(tok, []byte("second"), time.Now().Add(2*time.Hour)))
		if b, found, _ := ss.Find(tok); !found || string(b) != "second" {
			t.Fatalf("after a second commit Find = %q, %v", b, found)
		}
		ok(t, ss.Delete(tok))
		if _, found, _ := ss.Find(tok); found {
			t.Fatal("a deleted session is still found")
		}
		ok(t, ss.DeleteCtx(ctx, tok)) // deleting twice is fine
		// An expired session is not found, and a later commit deletes it.
		old := "old-" + randHex(8)
		ok(t, ss.CommitCtx(ctx, old, []byte("x"), time.Now().Add(-time.Minute)))
		if _, found, _ := ss.FindCtx(ctx, old); found {
			t.Fatal("an expired session is found")
		}
		s.ResetSessionClean()
		ok(t, ss.CommitCtx(ctx, "new-"+randHex(8), []byte("y"), time.Now().Add(time.Hour)))
		if n := raw.int(t, "SELECT COUNT(*) FROM sessions WHERE token = ?", old); n != 0 {
			t.Errorf("the expired session is still stored after a commit (%d rows)", n)
		}
	})
}
