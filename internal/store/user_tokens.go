package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// One-time user tokens: invitations and password resets. A token is 32 random bytes, given to
// the user as a link (base64url, 43 characters); the table holds only its SHA-256, so a copy of
// the database opens no account. A user has at most one live token: issuing one replaces the
// previous, using it deletes it, and so does deactivating the user.

// tokenLen is the length of a token's text: 32 bytes in unpadded base64url.
const tokenLen = 43

// badToken is the one answer for every token that cannot be used: unknown, used, expired, of
// another purpose, or of a deactivated user. It never says which.
func badToken() error {
	return steward.Errorf(steward.EUNAUTHORIZED, "this link is not valid: it may have expired or been used already")
}

// wellFormedToken reports whether s can be a token at all; others are refused without a lookup.
func wellFormedToken(s string) bool {
	if len(s) != tokenLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// issueToken stores a new token of the purpose for u, replacing any other, and returns it.
func (t *tx) issueToken(ctx context.Context, u *userRow, purpose steward.TokenPurpose) (*steward.UserToken, error) {
	b := make([]byte, 32)
	rand.Read(b)
	tok := &steward.UserToken{Token: base64.RawURLEncoding.EncodeToString(b), Purpose: purpose, UserID: u.ID,
		ExpiresAt: steward.TimestampOf(t.now.Add(purpose.Lifetime()))}
	if err := t.deleteTokens(ctx, u); err != nil {
		return nil, err
	}
	_, err := t.exec(ctx, `INSERT INTO user_tokens (hash, account_id, user_id, purpose, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, keyHash(tok.Token), u.AccountID, u.ID, string(purpose), tok.ExpiresAt, t.now)
	return tok, err
}

// deleteTokens voids u's live token, if any.
func (t *tx) deleteTokens(ctx context.Context, u *userRow) error {
	_, err := t.exec(ctx, "DELETE FROM user_tokens WHERE account_id = ? AND user_id = ?", u.AccountID, u.ID)
	return err
}

// ReinviteUser issues a new invitation to a user who has not set a password yet.
func (s *Store) ReinviteUser(ctx context.Context, a *steward.Actor, id string) (*steward.UserToken, error) {
	return writeAs(ctx, s, a, steward.PermAdminister, func(t *tx) (*steward.UserToken, error) {
		u, err := t.lockUser(ctx, a.AccountID, id)
		if err != nil {
			return nil, err
		}
		switch {
		case !u.Active:
			return nil, conflictOn("active", "the user is deactivated; reactivate them first")
		case !u.InvitePending:
			return nil, conflictOn("invite_pending", "the user has accepted the invitation; issue a password reset instead")
		}
		tok, err := t.issueToken(ctx, u, steward.TokenInvite)
		if err != nil {
			return nil, err
		}
		return tok, t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionInvite, objectType: steward.ObjectUser,
			objectID: u.ID, objectName: u.Name, changes: []steward.Change{{Field: "expires_at", New: tok.ExpiresAt.String()}}})
	})
}

// conflictOn is an ECONFLICT naming one field.
func conflictOn(field, msg string) error {
	return &steward.Error{Code: steward.ECONFLICT, Message: msg, Fields: []steward.FieldError{{Field: field, Message: msg}}}
}

// IssuePasswordReset issues a one-time password reset for an active user of the account.
func (s *Store) IssuePasswordReset(ctx context.Context, a *steward.Actor, id string) (*steward.UserToken, error) {
	return writeAs(ctx, s, a, steward.PermAdminister, func(t *tx) (*steward.UserToken, error) {
		u, err := t.lockUser(ctx, a.AccountID, id)
		if err != nil {
			return nil, err
		}
		if !u.Active {
			return nil, conflictOn("active", "the user is deactivated; reactivate them first")
		}
		tok, err := t.issueToken(ctx, u, steward.TokenPasswordReset)
		if err != nil {
			return nil, err
		}
		return tok, t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionPasswordReset, objectType: steward.ObjectUser,
			objectID: u.ID, objectName: u.Name, changes: []steward.Change{{Field: "expires_at", New: tok.ExpiresAt.String()}}})
	})
}

// tokenUser finds the user of a usable token of the purpose; badToken otherwise. With lockWrite
// the token's row is locked, so of two concurrent uses one finds it gone.
func tokenUser(ctx context.Context, r q, purpose steward.TokenPurpose, token string, lock lockMode) (*userRow, error) {
	if !wellFormedToken(token) {
		return nil, badToken()
	}
	var p string
	var exp int64
	var accountID, userID string
	err := r.row(ctx, "SELECT purpose, expires_at, account_id, user_id FROM user_tokens WHERE hash = ?"+r.d.lock(lock),
		keyHash(token)).Scan(&p, &exp, &accountID, &userID)
	if isNoRows(err) {
		return nil, badToken()
	}
	if err != nil {
		return nil, err
	}
	if steward.TokenPurpose(p) != purpose || time.Now().UnixMicro() >= exp {
		return nil, badToken()
	}
	u, err := getUser(ctx, r, userInAccount(accountID, userID))
	if steward.ErrorCode(err) == steward.ENOTFOUND || (err == nil && !u.Active) {
		return nil, badToken()
	}
	return u, err
}

// LookUpUserToken tells whom a usable token is for.
func (s *Store) LookUpUserToken(ctx context.Context, purpose steward.TokenPurpose, token string) (*steward.TokenInfo, error) {
	u, err := tokenUser(ctx, s.reader(), purpose, token, noLock)
	if err != nil {
		return nil, err
	}
	return &steward.TokenInfo{Purpose: purpose, Name: u.Name, Email: u.Email}, nil
}

// RedeemUserToken sets the token's user's password and uses the token up. Every web session
// of the user signed in before now ends (the caller signs the user in afresh).
func (s *Store) RedeemUserToken(ctx context.Context, purpose steward.TokenPurpose, token, password string) (*steward.User, error) {
	if !wellFormedToken(token) {
		return nil, badToken()
	}
	if err := steward.CheckPassword("password", password); err != nil {
		return nil, err
	}
	hash := hashPassword(password)
	var out *steward.User
	err := s.write(ctx, func(t *tx) error {
		u, err := tokenUser(ctx, t.q, purpose, token, lockWrite)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, "DELETE FROM user_tokens WHERE hash = ?", keyHash(token)); err != nil {
			return err
		}
		a := &steward.Actor{Type: steward.ActorUser, ID: u.ID, Name: u.Name, UserID: u.ID, AccountID: u.AccountID,
			HomeAccount: u.AccountID, Role: u.Role, Source: steward.SourceWeb}
		if err := t.setPassword(ctx, a, u, hash, string(purpose)); err != nil {
			return err
		}
		out = &u.User
		return nil
	})
	return out, err
}

// setPassword stores a new password hash for u, voids the web sessions signed in before now,
// and records how the password was set (never the secret).
func (t *tx) setPassword(ctx context.Context, a *steward.Actor, u *userRow, hash, how string) error {
	wasPending := u.InvitePending
	u.passwordHash, u.sessionsAfter, u.InvitePending = hash, t.now.Micros(), false
	u.UpdatedAt, u.Version = t.now, u.Version+1
	if err := users.update(ctx, t, "", u); err != nil {
		return err
	}
	changes := []steward.Change{{Field: "password", Old: nil, New: how}}
	if wasPending {
		changes = append(changes, steward.Change{Field: "invite_pending", Old: true, New: false})
	}
	return t.audit(ctx, a, u.AccountID, auditEntry{action: steward.ActionSetPassword, objectType: steward.ObjectUser,
		objectID: u.ID, objectName: u.Name, changes: changes})
}

// ChangePassword changes the caller's own password, given the current one.
func (s *Store) ChangePassword(ctx context.Context, a *steward.Actor, current, next string) error {
	if err := a.Require(steward.PermRead); err != nil {
		return err
	}
	if a.UserID == "" {
		return steward.Errorf(steward.EFORBIDDEN, "only a user has a password")
	}
	if err := steward.CheckPassword("new_password", next); err != nil {
		return err
	}
	u, err := getUser(ctx, s.reader(), userByID(a.UserID))
	if err != nil {
		return err
	}
	if len(current) > steward.MaxPasswordBytes || !checkPassword(u.passwordHash, current) {
		return steward.Invalid("current_password", "is not your current password")
	}
	hash := hashPassword(next)
	return s.write(ctx, func(t *tx) error {
		u, err := t.lockUser(ctx, u.AccountID, u.ID)
		if err != nil {
			return err
		}
		return t.setPassword(ctx, a, u, hash, "change")
	})
}
