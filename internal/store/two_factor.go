package store

import (
	"context"
	"crypto/subtle"

	"github.com/steward-fleet/steward/internal/steward"
)

// Two-factor sign-in (migration 0009): a user's TOTP secret and last used step in
// user_two_factor, their unused recovery codes (SHA-256) in user_recovery_codes. A user has
// two-factor on exactly when they have a user_two_factor row.

// TwoFactorOf is the state of a user's two-factor sign-in.
func (s *Store) TwoFactorOf(ctx context.Context, userID string) (*steward.TwoFactor, error) {
	if !steward.IsID(userID) {
		return nil, steward.Errorf(steward.EUNAUTHORIZED, "sign in again")
	}
	r := s.reader()
	u, err := getUser(ctx, r, userByID(userID))
	if steward.ErrorCode(err) == steward.ENOTFOUND || (err == nil && !u.Active) {
		return nil, steward.Errorf(steward.EUNAUTHORIZED, "sign in again")
	}
	if err != nil {
		return nil, err
	}
	var tf steward.TwoFactor
	var n int
	if err := r.row(ctx, "SELECT COUNT(*) FROM user_two_factor WHERE account_id = ? AND user_id = ?",
		u.AccountID, u.ID).Scan(&n); err != nil {
		return nil, err
	}
	tf.Enabled = n > 0
	if err := r.row(ctx, "SELECT COUNT(*) FROM user_recovery_codes WHERE account_id = ? AND user_id = ?",
		u.AccountID, u.ID).Scan(&tf.RecoveryCodesLeft); err != nil {
		return nil, err
	}
	if err := r.row(ctx, "SELECT two_factor_required FROM accounts WHERE id = ?", u.AccountID).Scan(&tf.Required); err != nil {
		return nil, err
	}
	return &tf, nil
}

// badCode is the answer to a wrong code in a form of the signed-in user.
func badCode() error {
	return steward.Invalid("code", "is not a current code of your authenticator app")
}

// selfUser locks the caller's own user row in t.
func (t *tx) selfUser(ctx context.Context, a *steward.Actor) (*userRow, error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	if a.UserID == "" {
		return nil, steward.Errorf(steward.EFORBIDDEN, "only a user signs in with two factors")
	}
	home := a.HomeAccount
	if home == "" {
		home = a.AccountID
	}
	return t.lockUser(ctx, home, a.UserID)
}

// EnableTwoFactor switches two-factor on for the caller, given a current code of the secret.
func (s *Store) EnableTwoFactor(ctx context.Context, a *steward.Actor, secret, code string) ([]string, error) {
	key, ok := steward.DecodeTOTPSecret(secret)
	if !ok {
		return nil, steward.Invalid("secret", "is not a secret this server made; start again")
	}
	code = steward.NormalizeSecondFactor(code)
	if !steward.IsTOTPCode(code) {
		return nil, badCode()
	}
	codes := make([]string, steward.RecoveryCodes)
	for i := range codes {
		codes[i] = steward.NewRecoveryCode()
	}
	err := s.write(ctx, func(t *tx) error {
		u, err := t.selfUser(ctx, a)
		if err != nil {
			return err
		}
		var n int
		if err := t.row(ctx, "SELECT COUNT(*) FROM user_two_factor WHERE account_id = ? AND user_id = ?",
			u.AccountID, u.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return conflictOn("two_factor", "two-factor sign-in is already on; turn it off first")
		}
		step, ok := matchStep(key, code, steward.TOTPStep(t.now.Time), 0)
		if !ok {
			return badCode()
		}
		if _, err := t.exec(ctx, "INSERT INTO user_two_factor (account_id, user_id, secret, last_step, created_at) VALUES (?, ?, ?, ?, ?)",
			u.AccountID, u.ID, secret, step, t.now.Micros()); err != nil {
			return err
		}
		if _, err := t.exec(ctx, "DELETE FROM user_recovery_codes WHERE account_id = ? AND user_id = ?", u.AccountID, u.ID); err != nil {
			return err
		}
		for _, c := range codes {
			if _, err := t.exec(ctx, "INSERT INTO user_recovery_codes (account_id, user_id, hash) VALUES (?, ?, ?)",
				u.AccountID, u.ID, keyHash(steward.NormalizeSecondFactor(c))); err != nil {
				return err
			}
		}
		return t.audit(ctx, a, u.AccountID, auditEntry{action: steward.ActionTwoFactorEnable, objectType: steward.ObjectUser,
			objectID: u.ID, objectName: u.Name, changes: []steward.Change{{Field: "two_factor", Old: false, New: true}}})
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// matchStep finds the step within TOTPSkew of now whose code is code and which is after last.
func matchStep(key []byte, code string, now, last int64) (int64, bool) {
	for step := now - steward.TOTPSkew; step <= now+steward.TOTPSkew; step++ {
		if step > last && subtle.ConstantTimeCompare([]byte(steward.TOTPCode(key, step)), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// useSecondFactor checks code for u inside t: a TOTP code (its step is remembered, so it is not
// accepted again) or a recovery code (deleted). used tells which; false, false: wrong.
func (t *tx) useSecondFactor(ctx context.Context, u *userRow, code string) (ok, recovery bool, err error) {
	code = steward.NormalizeSecondFactor(code)
	if code == "" {
		return false, false, nil
	}
	var secret string
	var last int64
	err = t.row(ctx, "SELECT secret, last_step FROM user_two_factor WHERE account_id = ? AND user_id = ?"+t.d.lock(lockWrite),
		u.AccountID, u.ID).Scan(&secret, &last)
	if isNoRows(err) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	if steward.IsTOTPCode(code) {
		key, _ := steward.DecodeTOTPSecret(secret)
		step, ok := matchStep(key, code, steward.TOTPStep(t.now.Time), last)
		if !ok {
			return false, false, nil
		}
		_, err := t.exec(ctx, "UPDATE user_two_factor SET last_step = ? WHERE account_id = ? AND user_id = ?", step, u.AccountID, u.ID)
		return err == nil, false, err
	}
	res, err := t.exec(ctx, "DELETE FROM user_recovery_codes WHERE account_id = ? AND user_id = ? AND hash = ?",
		u.AccountID, u.ID, keyHash(code))
	if err != nil {
		return false, false, err
	}
	n, err := res.RowsAffected()
	return n == 1, true, err
}

// DisableTwoFactor switches two-factor off for the caller given a code, a recovery code or the
// password.
func (s *Store) DisableTwoFactor(ctx context.Context, a *steward.Actor, codeOrPassword string) error {
	if len(codeOrPassword) > steward.MaxPasswordBytes {
		return badCode()
	}
	return s.write(ctx, func(t *tx) error {
		u, err := t.selfUser(ctx, a)
		if err != nil {
			return err
		}
		var n int
		if err := t.row(ctx, "SELECT COUNT(*) FROM user_two_factor WHERE account_id = ? AND user_id = ?",
			u.AccountID, u.ID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return conflictOn("two_factor", "two-factor sign-in is off")
		}
		ok, _, err := t.useSecondFactor(ctx, u, codeOrPassword)
		if err != nil {
			return err
		}
		if !ok && !checkPassword(u.passwordHash, codeOrPassword) {
			return steward.Invalid("code", "is neither a current code, a recovery code nor your password")
		}
		for _, q := range []string{"DELETE FROM user_recovery_codes WHERE account_id = ? AND user_id = ?",
			"DELETE FROM user_two_factor WHERE account_id = ? AND user_id = ?"} {
			if _, err := t.exec(ctx, q, u.AccountID, u.ID); err != nil {
				return err
			}
		}
		return t.audit(ctx, a, u.AccountID, auditEntry{action: steward.ActionTwoFactorDisable, objectType: steward.ObjectUser,
			objectID: u.ID, objectName: u.Name, changes: []steward.Change{{Field: "two_factor", Old: true, New: false}}})
	})
}

// VerifySecondFactor checks the second step of a sign-in.
func (s *Store) VerifySecondFactor(ctx context.Context, userID, code string) error {
	wrong := steward.Errorf(steward.EUNAUTHORIZED, "wrong code")
	if !steward.IsID(userID) || len(code) > steward.MaxSecondFactor {
		return wrong
	}
	u, err := getUser(ctx, s.reader(), userByID(userID))
	if steward.ErrorCode(err) == steward.ENOTFOUND || (err == nil && !u.Active) {
		return wrong
	}
	if err != nil {
		return err
	}
	return s.write(ctx, func(t *tx) error {
		u, err := t.lockUser(ctx, u.AccountID, u.ID)
		if err != nil {
			return err
		}
		ok, recovery, err := t.useSecondFactor(ctx, u, code)
		if err != nil {
			return err
		}
		if !ok || !u.Active {
			return wrong
		}
		if !recovery {
			return nil
		}
		var left int
		if err := t.row(ctx, "SELECT COUNT(*) FROM user_recovery_codes WHERE account_id = ? AND user_id = ?",
			u.AccountID, u.ID).Scan(&left); err != nil {
			return err
		}
		a := &steward.Actor{Type: steward.ActorUser, ID: u.ID, Name: u.Name, UserID: u.ID, AccountID: u.AccountID,
			HomeAccount: u.AccountID, Role: u.Role, Source: steward.SourceWeb}
		return t.audit(ctx, a, u.AccountID, auditEntry{action: steward.ActionRecoveryCodeUsed, objectType: steward.ObjectUser,
			objectID: u.ID, objectName: u.Name, changes: []steward.Change{{Field: "recovery_codes_left", Old: left + 1, New: left}}})
	})
}

// ResetTwoFactor is an Admin switching a user of the account off two-factor.
func (s *Store) ResetTwoFactor(ctx context.Context, a *steward.Actor, userID string) error {
	if err := a.Require(steward.PermAdminister); err != nil {
		return err
	}
	return s.write(ctx, func(t *tx) error {
		u, err := t.lockUser(ctx, a.AccountID, userID)
		if err != nil {
			return err
		}
		res, err := t.exec(ctx, "DELETE FROM user_two_factor WHERE account_id = ? AND user_id = ?", u.AccountID, u.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		if _, err := t.exec(ctx, "DELETE FROM user_recovery_codes WHERE account_id = ? AND user_id = ?", u.AccountID, u.ID); err != nil {
			return err
		}
		return t.audit(ctx, a, u.AccountID, auditEntry{action: steward.ActionTwoFactorDisable, objectType: steward.ObjectUser,
			objectID: u.ID, objectName: u.Name, changes: []steward.Change{{Field: "two_factor", Old: true, New: false}}})
	})
}
