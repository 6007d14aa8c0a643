package steward

import (
	"context"
	"time"
)

// UserFields are what an Admin gives to invite a user. The email names the user in the whole
// installation; it is set once, by the invitation (not changed afterwards in this version).
type UserFields struct {
	Name            string          `json:"name"`
	Email           string          `json:"email"`
	Role            Role            `json:"role"`
	FleetVisibility FleetVisibility `json:"fleet_visibility"`
	// GroupIDs are the groups the user joins (optional; at most MaxMembers).
	GroupIDs []string `json:"group_ids"`
}

// Normalize trims and validates the fields. Every field but group_ids is required: a role or a
// fleet visibility is never guessed.
func (f *UserFields) Normalize() error {
	var v Violations
	requireText(&v, "name", &f.Name, MaxName)
	n := len(v)
	requireText(&v, "email", &f.Email, MaxEmail)
	if len(v) == n {
		cleanEmail(&v, "email", &f.Email)
	}
	checkRole(&v, f.Role)
	checkVisibility(&v, f.FleetVisibility)
	checkGroupIDs(&v, f.GroupIDs)
	return v.Err()
}

// checkGroupIDs checks a user's list of groups: at most MaxMembers ids of the form of an id
// (whether each names a group of the account is the store's question).
func checkGroupIDs(v *Violations, ids []string) {
	if len(ids) > MaxMembers {
		v.Add("group_ids", "must list at most %d ids", MaxMembers)
		return
	}
	for i, id := range ids {
		if !IsID(id) {
			v.Add(MemberField("group_ids", i), "must be a group's id")
		}
	}
}

// UserPatch is what PATCH /users/{id} may change: name, role and fleet visibility. The email is
// not among them, so a patch naming it is refused as an unknown field.
type UserPatch struct {
	Name            string          `json:"name"`
	Role            Role            `json:"role"`
	FleetVisibility FleetVisibility `json:"fleet_visibility"`
	// GroupIDs, when sent, replaces the user's groups (null or [] leaves them none).
	GroupIDs []string `json:"group_ids"`
}

// Normalize trims and validates the fields.
func (f *UserPatch) Normalize() error {
	var v Violations
	requireText(&v, "name", &f.Name, MaxName)
	checkRole(&v, f.Role)
	checkVisibility(&v, f.FleetVisibility)
	checkGroupIDs(&v, f.GroupIDs)
	return v.Err()
}

// checkRole refuses a role that is not exactly one of the four ("ADMIN" included).
func checkRole(v *Violations, r Role) {
	if !r.Valid() {
		v.Add("role", "%s", OneOf(r.Values()))
	}
}

func checkVisibility(v *Violations, f FleetVisibility) {
	if !f.Valid() {
		v.Add("fleet_visibility", "%s", OneOf(f.Values()))
	}
}

// Invitation is the answer to an invite: the new user and, once, the link that lets them set a
// password. A replay of the invite under its Idempotency-Key answers the user without the link.
type Invitation struct {
	User
	InviteURL       string     `json:"invite_url,omitempty"`
	InviteExpiresAt *Timestamp `json:"invite_expires_at,omitempty"`
}

// InviteLink is a new invitation link for a user who has not accepted theirs, once.
type InviteLink struct {
	InviteURL string    `json:"invite_url"`
	ExpiresAt Timestamp `json:"expires_at"`
}

// PasswordReset is the answer to an Admin's password reset: the one-time link, once.
type PasswordReset struct {
	ResetURL  string    `json:"reset_url"`
	ExpiresAt Timestamp `json:"expires_at"`
}

// TokenPurpose says what a one-time user token is for.
type TokenPurpose string

// The purposes of user tokens.
const (
	TokenInvite        TokenPurpose = "invite"
	TokenPasswordReset TokenPurpose = "password_reset"
)

// Lifetime is how long a token of the purpose is valid after it is issued.
func (p TokenPurpose) Lifetime() time.Duration {
	if p == TokenInvite {
		return InviteLifetime
	}
	return PasswordResetLifetime
}

// How long one-time links stay valid.
const (
	InviteLifetime        = 7 * 24 * time.Hour
	PasswordResetLifetime = time.Hour
)

// UserToken is a one-time secret issued to a user (an invitation or a password reset). Only its
// hash is stored; Token is the secret, returned once by the call that issues it.
type UserToken struct {
	Token     string
	Purpose   TokenPurpose
	UserID    string
	ExpiresAt Timestamp
}

// TokenInfo is what the public page of a valid token may show: whom it is for.
type TokenInfo struct {
	Purpose TokenPurpose
	Name    string
	Email   string
}

// Password limits: a password is at least MinPassword characters and at most MaxPasswordBytes
// bytes (argon2 reads all of it).
const (
	MinPassword      = 8
	MaxPasswordBytes = 1024
)

// CheckPassword returns EINVALID on field unless pw is an acceptable new password.
func CheckPassword(field, pw string) error {
	var v Violations
	switch {
	case len(pw) > MaxPasswordBytes:
		v.Add(field, "must be at most %d bytes", MaxPasswordBytes)
	case len([]rune(pw)) < MinPassword:
		v.Add(field, "must be at least %d characters", MinPassword)
	}
	return v.Err()
}

// UserFilter selects users for a list: q matches name and email; Active, when set, keeps active
// (true) or deactivated (false) users only. Sort and status are not offered.
type UserFilter struct {
	Q      string
	Active *bool
	Limit  int
	Cursor string
}

// Check adds a violation for each value the list cannot take.
func (f UserFilter) Check(v *Violations) {
	if f.Limit < 0 || f.Limit > MaxLimit {
		v.Add("limit", "must be between 1 and %d", MaxLimit)
	}
}

// MaxInvalidTokenLen bounds what a token lookup reads: a longer token is unknown without a
// lookup.
const MaxInvalidTokenLen = 64

// UserService manages the users of the caller's account. Every method but the token ones
// requires PermAdminister (EFORBIDDEN); a user of another account is ENOTFOUND.
type UserService interface {
	// Users lists the account's users by name.
	Users(ctx context.Context, a *Actor, f UserFilter) (*Page[User], error)
	// User returns one user of the account.
	User(ctx context.Context, a *Actor, id string) (*User, error)
	// InviteUser creates a user of the account without a password, and an invitation token.
	// ECONFLICT on email when the email has a user anywhere in the installation.
	InviteUser(ctx context.Context, a *Actor, f UserFields) (*User, *UserToken, error)
	// ReinviteUser issues a new invitation to a user who has not set a password yet, replacing
	// the previous one. ECONFLICT when the user has a password, or is deactivated.
	ReinviteUser(ctx context.Context, a *Actor, id string) (*UserToken, error)
	// UpdateUser changes a user's name, role and fleet visibility under ifMatch. An Admin cannot
	// demote themself (EINVALID on role), and the account's last active Admin cannot be demoted
	// (ECONFLICT on role).
	UpdateUser(ctx context.Context, a *Actor, id string, ifMatch int64, change func(*UserPatch) error) (*User, error)
	// SetUserActive deactivates or reactivates a user. Deactivating stops the user's sessions and
	// API keys at once and voids their pending token. An Admin cannot deactivate themself
	// (EINVALID on id), nor the last active Admin of the account (ECONFLICT on active).
	SetUserActive(ctx context.Context, a *Actor, id string, ifMatch int64, active bool) (*User, error)
	// IssuePasswordReset issues a one-time password reset token for an active user.
	IssuePasswordReset(ctx context.Context, a *Actor, id string) (*UserToken, error)
	// LookUpUserToken tells whom a valid token of the purpose is for. EUNAUTHORIZED for an
	// unknown, used, expired or otherwise unusable token, never saying which.
	LookUpUserToken(ctx context.Context, purpose TokenPurpose, token string) (*TokenInfo, error)
	// RedeemUserToken sets the password of the token's user and uses the token up; a password
	// reset also ends the user's other sessions. Errors as LookUpUserToken, and EINVALID on
	// password.
	RedeemUserToken(ctx context.Context, purpose TokenPurpose, token, password string) (*User, error)
	// ChangePassword changes the caller's own password: EINVALID on current_password when it is
	// wrong, on new_password when unacceptable. It ends the caller's other sessions.
	ChangePassword(ctx context.Context, a *Actor, current, next string) error
}
