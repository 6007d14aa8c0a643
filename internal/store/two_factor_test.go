package store_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// codeAt is the secret's code at the current step plus off.
func codeAt(secret string, off int64) string {
	key, _ := steward.DecodeTOTPSecret(secret)
	return steward.TOTPCode(key, steward.TOTPStep(steward.Now().Time)+off)
}

// enrol switches two-factor on for u and returns the secret and the recovery codes.
func enrol(t *testing.T, s *store.Store, a *steward.Actor) (string, []string) {
	t.Helper()
	secret := steward.NewTOTPSecret()
	codes, err := s.EnableTwoFactor(ctx, a, secret, codeAt(secret, -1))
	if err != nil {
		t.Fatalf("EnableTwoFactor: %v", err)
	}
	return secret, codes
}

func TestTwoFactorEnrolAndVerify(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		u := mkUser(t, s, o.admin, "Tess Tech", steward.RoleTechnician)
		a := webActor(t, s, u)
		if tf := must(s.TwoFactorOf(ctx, u.ID)); tf.Enabled || tf.Required {
			t.Fatalf("a new user's two-factor = %+v", tf)
		}
		// A wrong code, a malformed one and a foreign secret enable nothing.
		secret := steward.NewTOTPSecret()
		for _, bad := range []string{"", "abcdef", strings.Repeat("1", 10<<10), codeAt(secret, 5)} {
			_, err := s.EnableTwoFactor(ctx, a, secret, bad)
			wantField(t, err, steward.EINVALID, "code")
		}
		_, err := s.EnableTwoFactor(ctx, a, "not-a-secret", codeAt(secret, 0))
		wantField(t, err, steward.EINVALID, "secret")
		if tf := must(s.TwoFactorOf(ctx, u.ID)); tf.Enabled {
			t.Fatalf("enabled by a wrong code")
		}
		secret, codes := enrol(t, s, a)
		if len(codes) != steward.RecoveryCodes {
			t.Fatalf("%d recovery codes", len(codes))
		}
		_, err = s.EnableTwoFactor(ctx, a, steward.NewTOTPSecret(), "123456")
		wantField(t, err, steward.ECONFLICT, "two_factor")
		if tf := must(s.TwoFactorOf(ctx, u.ID)); !tf.Enabled || tf.RecoveryCodesLeft != 10 {
			t.Fatalf("after enrolment = %+v", tf)
		}
		// Codes are stored hashed.
		if n := raw.int(t, "SELECT COUNT(*) FROM user_recovery_codes WHERE hash LIKE ?", "%"+codes[0][:5]+"%"); n != 0 {
			t.Fatal("a recovery code is stored in the clear")
		}
		// The code used to enrol (step -1) is spent; the current one works once.
		wantCode(t, s.VerifySecondFactor(ctx, u.ID, codeAt(secret, -1)), steward.EUNAUTHORIZED)
		now := codeAt(secret, 0)
		ok(t, s.VerifySecondFactor(ctx, u.ID, now))
		wantCode(t, s.VerifySecondFactor(ctx, u.ID, now), steward.EUNAUTHORIZED)
		// Outside ±1 step, hostile and foreign input: refused.
		for _, bad := range []string{codeAt(secret, 2), codeAt(secret, -3), "", "abcdef", "12345\u200b6",
			strings.Repeat("9", 10<<10), "' OR 1=1 --"} {
			wantCode(t, s.VerifySecondFactor(ctx, u.ID, bad), steward.EUNAUTHORIZED)
		}
		wantCode(t, s.VerifySecondFactor(ctx, o.user.ID, codeAt(secret, 1)), steward.EUNAUTHORIZED) // not enrolled
		wantCode(t, s.VerifySecondFactor(ctx, "nope", codeAt(secret, 1)), steward.EUNAUTHORIZED)
		// A recovery code works once, typed in any case and spacing.
		ok(t, s.VerifySecondFactor(ctx, u.ID, " "+strings.ToUpper(codes[3])+" "))
		wantCode(t, s.VerifySecondFactor(ctx, u.ID, codes[3]), steward.EUNAUTHORIZED)
		if tf := must(s.TwoFactorOf(ctx, u.ID)); tf.RecoveryCodesLeft != 9 {
			t.Fatalf("recovery codes left = %d", tf.RecoveryCodesLeft)
		}
		// Another user's recovery code is not this user's.
		v := mkUser(t, s, o.admin, "Val User", steward.RoleUser)
		_, vcodes := enrol(t, s, webActor(t, s, v))
		wantCode(t, s.VerifySecondFactor(ctx, u.ID, vcodes[0]), steward.EUNAUTHORIZED)

		// Turning it off needs a code, a recovery code or the password.
		wantField(t, s.DisableTwoFactor(ctx, a, "wrong password"), steward.EINVALID, "code")
		wantField(t, s.DisableTwoFactor(ctx, a, strings.Repeat("x", 10<<10)), steward.EINVALID, "code")
		ok(t, s.DisableTwoFactor(ctx, a, goodPassword))
		wantField(t, s.DisableTwoFactor(ctx, a, goodPassword), steward.ECONFLICT, "two_factor")
		if tf := must(s.TwoFactorOf(ctx, u.ID)); tf.Enabled || tf.RecoveryCodesLeft != 0 {
			t.Fatalf("after disabling = %+v", tf)
		}
		// Then the second step never passes; enrolling again gives new codes.
		wantCode(t, s.VerifySecondFactor(ctx, u.ID, codes[4]), steward.EUNAUTHORIZED)
		secret2, _ := enrol(t, s, a)
		ok(t, s.DisableTwoFactor(ctx, a, codeAt(secret2, 0)))

		// Audit rows for each change, without the secret or codes.
		for action, want := range map[string]int{steward.ActionTwoFactorEnable: 2, steward.ActionTwoFactorDisable: 2,
			steward.ActionRecoveryCodeUsed: 1} {
			evs := allAudit(t, s, o.admin, steward.AuditFilter{Action: action, ObjectID: u.ID})
			if len(evs) != want {
				t.Errorf("%d %s events, want %d", len(evs), action, want)
			}
			b, _ := json.Marshal(evs)
			for _, c := range append(codes, secret, secret2) {
				if strings.Contains(strings.ToLower(string(b)), strings.ToLower(c)) {
					t.Errorf("the audit log shows a secret or a code: %s", b)
				}
			}
		}
	})
}

func TestTwoFactorRequiredSetting(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		u := mkUser(t, s, o.admin, "Tess Tech", steward.RoleTechnician)
		acc := must(s.UpdateAccount(ctx, o.admin, 0, func(f *steward.AccountFields) error {
			f.TwoFactorRequired = true
			return nil
		}))
		if !acc.TwoFactorRequired || !must(s.Account(ctx, o.admin)).TwoFactorRequired {
			t.Fatal("two_factor_required not stored")
		}
		if tf := must(s.TwoFactorOf(ctx, u.ID)); !tf.Required || tf.Enabled {
			t.Fatalf("two-factor = %+v", tf)
		}
		// Only an Admin changes it.
		tech := webActor(t, s, u)
		_, err := s.UpdateAccount(ctx, tech, 0, func(f *steward.AccountFields) error {
			f.TwoFactorRequired = false
			return nil
		})
		wantCode(t, err, steward.EFORBIDDEN)
		// Another organization's users are not affected.
		other := newOrg(t, s)
		if tf := must(s.TwoFactorOf(ctx, other.user.ID)); tf.Required {
			t.Fatal("the setting leaked to another organization")
		}
	})
}

func TestTwoFactorAdminReset(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o := newOrg(t, s)
		u := mkUser(t, s, o.admin, "Tess Tech", steward.RoleTechnician)
		enrol(t, s, webActor(t, s, u))
		// Not an Admin, another organization's Admin: refused, nothing changes.
		wantCode(t, s.ResetTwoFactor(ctx, webActor(t, s, u), u.ID), steward.EFORBIDDEN)
		wantCode(t, s.ResetTwoFactor(ctx, newOrg(t, s).admin, u.ID), steward.ENOTFOUND)
		if !must(s.TwoFactorOf(ctx, u.ID)).Enabled {
			t.Fatal("a refused reset switched two-factor off")
		}
		ok(t, s.ResetTwoFactor(ctx, o.admin, u.ID))
		if tf := must(s.TwoFactorOf(ctx, u.ID)); tf.Enabled || tf.RecoveryCodesLeft != 0 {
			t.Fatalf("after the reset = %+v", tf)
		}
		ok(t, s.ResetTwoFactor(ctx, o.admin, u.ID)) // already off: nothing to do
		if n := len(allAudit(t, s, o.admin, steward.AuditFilter{Action: steward.ActionTwoFactorDisable, ObjectID: u.ID})); n != 1 {
			t.Errorf("%d disable events, want 1", n)
		}
	})
}
