package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/steward-fleet/steward/internal/steward"
)

// userRow is a user with what only the store reads: the password hash, and the time before
// which the user's web sessions are void (Unix microseconds).
type userRow struct {
	steward.User
	passwordHash  string
	sessionsAfter int64
}

// users describes the users table.
var users = (&entity[userRow]{
	table: &table{name: "users", alias: "u", noun: "user", objectType: steward.ObjectUser, versioned: true},
	id:    func(u *userRow) string { return u.ID },
	keys: func(u *userRow) derived {
		return derived{emailKey: strings.ToLower(u.Email), nameKey: fold(u.Name), search: searchText(u.Name, u.Email)}
	},
	cols: []column[userRow]{
		{name: "id", kind: colInsert, ptr: func(u *userRow) any { return &u.ID }, val: func(u *userRow) any { return u.ID }},
		{name: "account_id", kind: colInsert, ptr: func(u *userRow) any { return &u.AccountID }, val: func(u *userRow) any { return u.AccountID }},
		{name: "name", ptr: func(u *userRow) any { return &u.Name }, val: func(u *userRow) any { return u.Name }},
		{name: "email", ptr: func(u *userRow) any { return &u.Email }, val: func(u *userRow) any { return u.Email }},
		{name: "role", ptr: func(u *userRow) any { return &u.Role }, val: func(u *userRow) any { return string(u.Role) }},
		{name: "fleet_visibility", ptr: func(u *userRow) any { return &u.FleetVisibility }, val: func(u *userRow) any { return string(u.FleetVisibility) }},
		{name: "active", ptr: func(u *userRow) any { return &u.Active }, val: func(u *userRow) any { return u.Active }},
		{name: "created_at", kind: colInsert, ptr: func(u *userRow) any { return &u.CreatedAt }, val: func(u *userRow) any { return u.CreatedAt }},
		{name: "updated_at", ptr: func(u *userRow) any { return &u.UpdatedAt }, val: func(u *userRow) any { return u.UpdatedAt }},
		{name: "password_hash", ptr: func(u *userRow) any { return &u.passwordHash }, val: func(u *userRow) any { return u.passwordHash }},
		{name: "email_key", kind: colDerived, key: func(d derived) any { return d.emailKey }},
		{name: "name_key", kind: colDerived, key: func(d derived) any { return d.nameKey }},
		{name: "search", kind: colDerived, key: func(d derived) any { return d.search }},
		{name: "sessions_after", ptr: func(u *userRow) any { return &u.sessionsAfter }, val: func(u *userRow) any { return u.sessionsAfter }},
		{name: "version", kind: colInsert, ptr: func(u *userRow) any { return &u.Version }, val: func(u *userRow) any { return max(u.Version, 1) }},
	},
}).build()

// userKey selects one user: by id within an account (userInAccount), by id wherever the user
// is (userByID: the caller itself, whose account may be another after a switch), or by email in
// the whole installation (an email has one user).
type userKey struct {
	by                   userSelector
	accountID, id, email string
}

type userSelector uint8

const (
	byEmail userSelector = iota
	byID
	byAccountAndID
)

func userInAccount(accountID, id string) userKey {
	return userKey{by: byAccountAndID, accountID: accountID, id: id}
}

func userByID(id string) userKey { return userKey{by: byID, id: id} }

func userByEmail(email string) userKey {
	return userKey{by: byEmail, email: strings.ToLower(strings.TrimSpace(email))}
}

// where is the condition and arguments of the selection.
func (k userKey) where() (string, []any) {
	switch k.by {
	case byAccountAndID:
		return "u.account_id = ? AND u.id = ?", []any{k.accountID, k.id}
	case byID:
		return "u.id = ?", []any{k.id}
	}
	return "u.email_key = ?", []any{k.email}
}

// getUser reads the user k selects; ENOTFOUND when there is none.
func getUser(ctx context.Context, r q, k userKey) (*userRow, error) {
	cond, args := k.where()
	u, err := users.scan(r.row(ctx, users.selectFrom+" WHERE "+cond, args...))
	if isNoRows(err) {
		return nil, steward.NotFound("user")
	}
	if err != nil {
		return nil, err
	}
	u.InvitePending = u.passwordHash == ""
	return u, nil
}

// hashPassword hashes with argon2id (t=2, m=19 MiB, p=1), in the PHC string form.
func hashPassword(pw string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, 2, 19*1024, 1, 32)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=2,p=1$%s$%s", 19*1024,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// checkPassword reports whether pw matches a hash made by hashPassword.
func checkPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// Me describes the caller.
func (s *Store) Me(ctx context.Context, a *steward.Actor) (*steward.Me, error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	u, err := getUser(ctx, s.reader(), userByID(a.UserID))
	if err != nil {
		return nil, err
	}
	acc, err := s.Account(ctx, a)
	if err != nil {
		return nil, err
	}
	me := &steward.Me{User: u.User, Account: *acc, Role: a.Role}
	if err := withGroupIDs(ctx, s.reader(), u.AccountID, &me.User); err != nil {
		return nil, err
	}
	if a.Type == steward.ActorAPIKey {
		k, err := apiKeys.get(ctx, s.reader(), "", a.ID, noLock)
		if err != nil {
			return nil, err
		}
		me.APIKey = k
	}
	return me, nil
}
