package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

type apiKey = steward.APIKey

// apiKeys describes the api_keys table. A key's id names it in the whole installation.
var apiKeys = (&entity[apiKey]{
	table: &table{name: "api_keys", alias: "k", noun: "api key", objectType: steward.ObjectAPIKey},
	id:    func(k *apiKey) string { return k.ID },
	cols: []column[apiKey]{
		{name: "id", kind: colInsert, ptr: func(k *apiKey) any { return &k.ID }, val: func(k *apiKey) any { return k.ID }},
		{name: "account_id", kind: colInsert, ptr: func(k *apiKey) any { return &k.AccountID }, val: func(k *apiKey) any { return k.AccountID }},
		{name: "user_id", kind: colInsert, ptr: func(k *apiKey) any { return &k.UserID }, val: func(k *apiKey) any { return k.UserID }},
		{name: "name", kind: colInsert, ptr: func(k *apiKey) any { return &k.Name }, val: func(k *apiKey) any { return k.Name }},
		{name: "prefix", kind: colInsert, ptr: func(k *apiKey) any { return &k.Prefix }, val: func(k *apiKey) any { return k.Prefix }},
		{name: "role", kind: colInsert, ptr: func(k *apiKey) any { return &k.Role }, val: func(k *apiKey) any { return string(k.Role) }},
		{name: "integration", kind: colInsert, ptr: func(k *apiKey) any { return &k.Integration }, val: func(k *apiKey) any { return k.Integration }},
		{name: "expires_at", kind: colInsert, ptr: func(k *apiKey) any { return nullable[steward.Timestamp]{&k.ExpiresAt} },
			val: func(k *apiKey) any { return null(k.ExpiresAt) }},
		{name: "last_used_at", kind: colReadOnly, ptr: func(k *apiKey) any { return nullable[steward.Timestamp]{&k.LastUsedAt} }},
		{name: "revoked_at", kind: colReadOnly, ptr: func(k *apiKey) any { return nullable[steward.Timestamp]{&k.RevokedAt} }},
		{name: "created_at", kind: colInsert, ptr: func(k *apiKey) any { return &k.CreatedAt }, val: func(k *apiKey) any { return k.CreatedAt }},
		// The secret is stored only as its hash; Key holds it in the response that creates it.
		{name: "hash", kind: colWriteOnly, val: func(k *apiKey) any { return keyHash(k.Key) }},
	},
}).build()

// keyHash is how a secret key is stored: SHA-256, hex. Keys are long random strings, so a fast
// hash is enough; lookup is by hash.
func keyHash(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

const keyAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = keyAlphabet[int(b[i])%len(keyAlphabet)]
	}
	return string(b)
}

// CreateAPIKey creates a key that acts as userID, who must be in the caller's account.
func (s *Store) CreateAPIKey(ctx context.Context, a *steward.Actor, userID string, f steward.APIKeyFields) (*steward.APIKey, error) {
	if err := a.Require(steward.PermAdminister); err != nil {
		return nil, err
	}
	if a.HomeAccount != "" && a.AccountID != a.HomeAccount && userID == a.UserID {
		// A key acts as a user of its account; an Admin working in an account below their own
		// is not one of its users.
		return nil, steward.Errorf(steward.ECONFLICT,
			"an API key acts as a user of its account: switch back to your own account to create one for yourself")
	}
	return s.createAPIKey(ctx, userInAccount(a.AccountID, userID), f, func(*userRow) *steward.Actor { return a })
}

// CreateAPIKeyForEmail creates a key for the user with that email, as the system of the user's
// account (the command line).
func (s *Store) CreateAPIKeyForEmail(ctx context.Context, email string, f steward.APIKeyFields) (*steward.APIKey, error) {
	return s.createAPIKey(ctx, userByEmail(email), f, func(u *userRow) *steward.Actor { return steward.SystemActor(u.AccountID) })
}

// createAPIKey creates a key for the user k selects, made by the actor maker names once the
// user is known.
func (s *Store) createAPIKey(ctx context.Context, k userKey, f steward.APIKeyFields, maker func(*userRow) *steward.Actor) (*steward.APIKey, error) {
	if err := f.Normalize(); err != nil {
		return nil, err
	}
	var key *steward.APIKey
	err := s.write(ctx, func(t *tx) error {
		// The key first: a replay must not meet the conflicts its first create caused.
		if err := t.claimIdempotency(ctx); err != nil {
			return err
		}
		u, err := getUser(ctx, t.q, k)
		if err != nil {
			return err
		}
		if key, err = t.createAPIKey(ctx, maker(u), &u.User, f); err != nil {
			return err
		}
		return t.recordIdempotency(ctx, steward.ObjectAPIKey, key.ID, key)
	})
	if err != nil {
		return nil, err
	}
	return key, nil
}

// createAPIKey stores a new key of u made by a, with its audit row, and returns it with its
// secret.
func (t *tx) createAPIKey(ctx context.Context, a *steward.Actor, u *steward.User, f steward.APIKeyFields) (*steward.APIKey, error) {
	if !u.Active {
		return nil, steward.Errorf(steward.EINVALID, "user %s is deactivated", u.Email)
	}
	if f.Role == "" {
		f.Role = u.Role
	}
	if !f.Role.AtMost(u.Role) {
		return nil, steward.Invalid("role", "may only lower the user's role (%s)", u.Role)
	}
	if err := t.boundByMaker(ctx, a, &f); err != nil {
		return nil, err
	}
	secret := "stw_" + randomString(40)
	k := &steward.APIKey{ID: newID(), AccountID: u.AccountID, UserID: u.ID, Name: f.Name, Prefix: secret[:12],
		Role: f.Role, Integration: f.Integration, ExpiresAt: f.ExpiresAt, CreatedAt: t.now, Key: secret}
	if err := apiKeys.insert(ctx, t, k); err != nil {
		return nil, err
	}
	return k, t.audit(ctx, a, u.AccountID, auditEntry{action: steward.ActionCreate, objectType: steward.ObjectAPIKey,
		objectID: k.ID, objectName: k.Name, changes: diff(nil, map[string]any{"name": k.Name, "prefix": k.Prefix,
			"role": k.Role, "integration": k.Integration, "user_id": k.UserID, "expires_at": k.ExpiresAt})})
}

// boundByMaker keeps a key from outranking or outliving the caller that makes it: its role is at
// most the caller's, and a key made with a key expires no later than the maker (a key without an
// expiry of its own takes the maker's). The maker's expiry is read in the transaction, not taken
// from the actor, so it is the stored one. The system (the command line) is bound by nothing.
func (t *tx) boundByMaker(ctx context.Context, a *steward.Actor, f *steward.APIKeyFields) error {
	if a.Type == steward.ActorSystem {
		return nil
	}
	if !f.Role.AtMost(a.Role) {
		return steward.Invalid("role", "may not exceed the role of the caller (%s)", a.Role)
	}
	if a.Type != steward.ActorAPIKey {
		return nil
	}
	var exp *steward.Timestamp
	err := t.row(ctx, "SELECT expires_at FROM api_keys WHERE account_id = ? AND id = ?", a.AccountID, a.ID).
		Scan(nullable[steward.Timestamp]{&exp})
	if err != nil {
		return fmt.Errorf("the key making a key: %w", err)
	}
	if exp == nil {
		return nil
	}
	switch {
	case f.ExpiresAt == nil:
		f.ExpiresAt = exp
	case f.ExpiresAt.After(exp.Time):
		return steward.Invalid("expires_at", "must be no later than %s, when the key making it expires", *exp)
	}
	return nil
}

// APIKeys lists the account's keys, newest first (never their secrets).
func (s *Store) APIKeys(ctx context.Context, a *steward.Actor) ([]steward.APIKey, error) {
	if err := a.Require(steward.PermAdminister); err != nil {
		return nil, err
	}
	rows, err := s.reader().query(ctx, apiKeys.selectFrom+" WHERE k.account_id = ? ORDER BY k.created_at DESC, k.id DESC", a.AccountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []steward.APIKey{}
	for rows.Next() {
		k, err := apiKeys.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *k)
	}
	return out, rows.Err()
}

// apiKeySelector names the key a revocation is for: by id within an account (the API), or by
// prefix in the whole installation (the command line).
type apiKeySelector struct{ accountID, id, prefix string }

func (k apiKeySelector) where() (string, []any) {
	if k.id != "" || k.prefix == "" {
		return "k.account_id = ? AND k.id = ?", []any{k.accountID, k.id}
	}
	return "k.prefix = ?", []any{k.prefix}
}

// RevokeAPIKey revokes one of the account's keys at once.
func (s *Store) RevokeAPIKey(ctx context.Context, a *steward.Actor, id string) error {
	if err := a.Require(steward.PermAdminister); err != nil {
		return err
	}
	return s.revokeAPIKey(ctx, apiKeySelector{accountID: a.AccountID, id: id}, func(*steward.APIKey) *steward.Actor { return a })
}

// RevokeAPIKeyByPrefix revokes the key with that prefix, as the system of the key's account (the
// command line).
func (s *Store) RevokeAPIKeyByPrefix(ctx context.Context, prefix string) error {
	return s.revokeAPIKey(ctx, apiKeySelector{prefix: strings.TrimSpace(prefix)},
		func(k *steward.APIKey) *steward.Actor { return steward.SystemActor(k.AccountID) })
}

func (s *Store) revokeAPIKey(ctx context.Context, sel apiKeySelector, revoker func(*steward.APIKey) *steward.Actor) error {
	return s.write(ctx, func(t *tx) error {
		cond, args := sel.where()
		k, err := apiKeys.scan(t.row(ctx, apiKeys.selectFrom+" WHERE "+cond, args...))
		if isNoRows(err) {
			return steward.NotFound("api key")
		}
		if err != nil {
			return err
		}
		return t.revokeAPIKey(ctx, revoker(k), k)
	})
}

// revokeAPIKey revokes k, made by a, and records it; a revoked key stays as it is.
func (t *tx) revokeAPIKey(ctx context.Context, a *steward.Actor, k *steward.APIKey) error {
	if k.RevokedAt != nil {
		return nil
	}
	if _, err := t.exec(ctx, "UPDATE api_keys SET revoked_at = ? WHERE id = ?", t.now, k.ID); err != nil {
		return err
	}
	return t.audit(ctx, a, k.AccountID, auditEntry{action: steward.ActionRevoke, objectType: steward.ObjectAPIKey,
		objectID: k.ID, objectName: k.Name, changes: []steward.Change{{Field: "revoked_at", New: t.now.String()}}})
}

// lastUsedEvery bounds how often a key's last_used_at is written: reads stay reads.
const lastUsedEvery = time.Minute

// Authenticate resolves a secret API key into the actor it acts as.
func (s *Store) Authenticate(ctx context.Context, key string) (*steward.Actor, error) {
	unauthorized := steward.Errorf(steward.EUNAUTHORIZED, "invalid or expired API key")
	if !strings.HasPrefix(key, "stw_") || len(key) > 100 {
		return nil, unauthorized
	}
	var k steward.APIKey
	var exp, used, rev sql.Null[int64]
	var userName string
	var userRole steward.Role
	var active bool
	var fleet steward.FleetVisibility
	err := s.reader().row(ctx, `SELECT k.id, k.account_id, k.user_id, k.name, k.role, k.integration, k.expires_at,
		k.last_used_at, k.revoked_at, u.name, u.role, u.active, u.fleet_visibility
		FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.hash = ?`, keyHash(key)).Scan(&k.ID, &k.AccountID,
		&k.UserID, &k.Name, &k.Role, &k.Integration, &exp, &used, &rev, &userName, &userRole, &active, &fleet)
	if isNoRows(err) {
		return nil, unauthorized
	}
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if rev.Valid || !active || (exp.Valid && now.UnixMicro() >= exp.V) {
		return nil, unauthorized
	}
	if !used.Valid || now.UnixMicro()-used.V > lastUsedEvery.Microseconds() {
		// Best effort: a failure to note the time must not fail the request.
		_, _ = s.writer().exec(ctx, "UPDATE api_keys SET last_used_at = ? WHERE id = ?", now.UnixMicro(), k.ID)
	}
	role := k.Role
	if !role.AtMost(userRole) {
		role = userRole // the user was demoted after the key was made
	}
	a := &steward.Actor{Type: steward.ActorAPIKey, ID: k.ID, Name: userName + " (API key " + k.Name + ")",
		UserID: k.UserID, AccountID: k.AccountID, HomeAccount: k.AccountID, Role: role, Integration: k.Integration,
		Source: steward.SourceAPI}
	// The key sees what its user sees (store/scope.go).
	if err := loadFleetScope(ctx, s.reader(), a, fleet); err != nil {
		return nil, err
	}
	return a, nil
}
