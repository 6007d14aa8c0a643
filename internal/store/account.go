package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/steward-fleet/steward/internal/steward"
)

const accountCols = `id, parent_id, root_id, name, kind, email, country, external_ref, phone, street, postal_code,
	city, region, address_country, language, customers_externally_managed, created_at, updated_at, archived_at, version`

func scanAccount(row interface{ Scan(...any) error }) (*steward.Account, error) {
	var a steward.Account
	var parent sql.NullString
	var created, updated int64
	var archived sql.NullInt64
	err := row.Scan(&a.ID, &parent, &a.RootID, &a.Name, &a.Kind, &a.Email, &a.Country, &a.ExternalRef, &a.Phone,
		&a.Address.Street, &a.Address.PostalCode, &a.Address.City, &a.Address.Region, &a.Address.Country, &a.Language,
		&a.CustomersExternallyManaged, &created, &updated, &archived, &a.Version)
	if err != nil {
		return nil, err
	}
	a.ParentID = strPtr(parent)
	a.CreatedAt, a.UpdatedAt, a.ArchivedAt = steward.FromMicros(created), steward.FromMicros(updated), steward.TimestampPtr(int64Ptr(archived))
	return &a, nil
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

// CheckPassword verifies a user's password by email; EUNAUTHORIZED when wrong or unknown.
func (s *Store) CheckPassword(ctx context.Context, email, password string) (*steward.User, error) {
	var hash string
	u, err := s.userWhere(ctx, s.reader(), "email_key = ?", []any{strings.ToLower(strings.TrimSpace(email))}, &hash)
	if err != nil || !u.Active || !checkPassword(hash, password) {
		return nil, steward.Errorf(steward.EUNAUTHORIZED, "wrong email or password")
	}
	return u, nil
}

const userCols = "id, account_id, name, email, role, fleet_visibility, active, created_at, updated_at"

// userWhere reads the user matching cond; a non-nil passwordHash also receives the hash.
func (s *Store) userWhere(ctx context.Context, r q, cond string, args []any, passwordHash *string) (*steward.User, error) {
	var u steward.User
	var created, updated int64
	cols, dest := userCols, []any{&u.ID, &u.AccountID, &u.Name, &u.Email, &u.Role, &u.FleetVisibility, &u.Active, &created, &updated}
	if passwordHash != nil {
		cols, dest = cols+", password_hash", append(dest, passwordHash)
	}
	err := r.row(ctx, "SELECT "+cols+" FROM users WHERE "+cond, args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, steward.NotFound("user")
	}
	if err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = steward.FromMicros(created), steward.FromMicros(updated)
	return &u, nil
}

// CreateOrganization creates a root account and its first Admin. ECONFLICT (one field error
// each) when the email already has a user, or, with o.UniqueName, when an organization already
// has the same name (compared case- and accent-insensitively).
func (s *Store) CreateOrganization(ctx context.Context, o steward.Organization) (*steward.Account, *steward.User, error) {
	if err := o.Normalize(); err != nil {
		return nil, nil, err
	}
	hash := hashPassword(o.Password)
	acc := &steward.Account{ID: newID(), AccountFields: steward.AccountFields{Name: o.Name, Kind: steward.AccountInternal,
		Email: o.Email, Country: o.Country}}
	acc.RootID = acc.ID
	u := &steward.User{ID: newID(), AccountID: acc.ID, Name: o.AdminName, Email: o.Email, Role: steward.RoleAdmin,
		FleetVisibility: "all", Active: true}
	err := s.write(ctx, func(t *tx) error {
		var n int
		if err := t.row(ctx, "SELECT COUNT(*) FROM users WHERE email_key = ?", strings.ToLower(o.Email)).Scan(&n); err != nil {
			return err
		}
		conflict := &steward.Error{Code: steward.ECONFLICT}
		if o.UniqueName {
			id, existing, err := t.organizationNamed(ctx, o.Name)
			if err != nil {
				return err
			}
			if id != "" {
				conflict.Message = "an organization with this name already exists"
				conflict.Fields = append(conflict.Fields, steward.FieldError{Field: "org",
					Message: fmt.Sprintf("an organization named %q already exists (account %s)", existing, id)})
			}
		}
		if n > 0 && conflict.Message == "" {
			conflict.Message = "a user with this email already exists"
		} else if n > 0 {
			conflict.Message = "an organization with this name and a user with this email already exist"
		}
		if n > 0 {
			conflict.Fields = append(conflict.Fields, steward.FieldError{Field: "email", Message: "already has a user"})
		}
		if len(conflict.Fields) > 0 {
			return conflict
		}
		acc.Meta = steward.Meta{CreatedAt: t.now, UpdatedAt: t.now, Version: 1}
		u.CreatedAt, u.UpdatedAt = t.now, t.now
		if _, err := t.exec(ctx, `INSERT INTO accounts (id, root_id, name, kind, email, country, created_at, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)`, acc.ID, acc.RootID, acc.Name, string(acc.Kind), acc.Email, acc.Country,
			t.now.Micros(), t.now.Micros()); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO users (id, account_id, email, email_key, name, password_hash, role,
			fleet_visibility, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'all', TRUE, ?, ?)`,
			u.ID, acc.ID, u.Email, strings.ToLower(u.Email), u.Name, hash, string(u.Role), t.now.Micros(), t.now.Micros()); err != nil {
			return err
		}
		sys := steward.SystemActor(acc.ID)
		if err := t.audit(ctx, sys, acc.ID, auditEntry{action: steward.ActionCreate, objectType: steward.ObjectAccount,
			objectID: acc.ID, objectName: acc.Name, changes: diff(nil, acc.AccountFields)}); err != nil {
			return err
		}
		return t.audit(ctx, sys, acc.ID, auditEntry{action: steward.ActionCreate, objectType: steward.ObjectUser,
			objectID: u.ID, objectName: u.Name, changes: diff(nil, map[string]any{"name": u.Name, "email": u.Email, "role": u.Role})})
	})
	if err != nil {
		return nil, nil, err
	}
	return acc, u, nil
}

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

const apiKeyCols = "id, account_id, user_id, name, prefix, role, integration, expires_at, last_used_at, revoked_at, created_at"

func scanAPIKey(row interface{ Scan(...any) error }) (*steward.APIKey, error) {
	var k steward.APIKey
	var exp, used, rev sql.NullInt64
	var created int64
	if err := row.Scan(&k.ID, &k.AccountID, &k.UserID, &k.Name, &k.Prefix, &k.Role, &k.Integration, &exp, &used, &rev, &created); err != nil {
		return nil, err
	}
	k.ExpiresAt, k.LastUsedAt, k.RevokedAt = steward.TimestampPtr(int64Ptr(exp)), steward.TimestampPtr(int64Ptr(used)), steward.TimestampPtr(int64Ptr(rev))
	k.CreatedAt = steward.FromMicros(created)
	return &k, nil
}

// CreateAPIKey creates a key that acts as userID, who must be in the caller's account.
func (s *Store) CreateAPIKey(ctx context.Context, a *steward.Actor, userID string, f steward.APIKeyFields) (*steward.APIKey, error) {
	if err := a.Require(steward.PermAdminister); err != nil {
		return nil, err
	}
	return s.createAPIKey(ctx, a, "account_id = ? AND id = ?", []any{a.AccountID, userID}, f)
}

// CreateAPIKeyForEmail creates a key for the user with that email, as the system (command line).
func (s *Store) CreateAPIKeyForEmail(ctx context.Context, email string, f steward.APIKeyFields) (*steward.APIKey, error) {
	return s.createAPIKey(ctx, nil, "email_key = ?", []any{strings.ToLower(strings.TrimSpace(email))}, f)
}

func (s *Store) createAPIKey(ctx context.Context, a *steward.Actor, userCond string, userArgs []any, f steward.APIKeyFields) (*steward.APIKey, error) {
	if err := f.Normalize(); err != nil {
		return nil, err
	}
	var k *steward.APIKey
	err := s.write(ctx, func(t *tx) error {
		// The key first: a replay must not meet the conflicts its first create caused.
		if err := t.claimIdempotency(ctx); err != nil {
			return err
		}
		u, err := s.userWhere(ctx, t.q, userCond, userArgs, nil)
		if err != nil {
			return err
		}
		if !u.Active {
			return steward.Errorf(steward.EINVALID, "user %s is deactivated", u.Email)
		}
		if f.Role == "" {
			f.Role = u.Role
		}
		if !f.Role.AtMost(u.Role) {
			return steward.Invalid("role", "may only lower the user's role (%s)", u.Role)
		}
		if err := t.boundByMaker(ctx, a, &f); err != nil {
			return err
		}
		secret := "stw_" + randomString(40)
		k = &steward.APIKey{ID: newID(), AccountID: u.AccountID, UserID: u.ID, Name: f.Name, Prefix: secret[:12],
			Role: f.Role, Integration: f.Integration, ExpiresAt: f.ExpiresAt, CreatedAt: t.now, Key: secret}
		if _, err := t.exec(ctx, `INSERT INTO api_keys (id, account_id, user_id, name, prefix, hash, role, integration,
			expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, k.ID, k.AccountID, k.UserID, k.Name, k.Prefix,
			keyHash(secret), string(k.Role), k.Integration, steward.MicrosPtr(k.ExpiresAt), t.now.Micros()); err != nil {
			return err
		}
		if err := t.recordIdempotency(ctx, steward.ObjectAPIKey, k.ID, k); err != nil {
			return err
		}
		actor := a
		if actor == nil {
			actor = steward.SystemActor(u.AccountID)
		}
		return t.audit(ctx, actor, u.AccountID, auditEntry{action: steward.ActionCreate, objectType: steward.ObjectAPIKey,
			objectID: k.ID, objectName: k.Name, changes: diff(nil, map[string]any{"name": k.Name, "prefix": k.Prefix,
				"role": k.Role, "integration": k.Integration, "user_id": k.UserID, "expires_at": k.ExpiresAt})})
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// boundByMaker keeps a key from outranking or outliving the caller that makes it: its role is at
// most the caller's, and a key made with a key expires no later than the maker (a key without an
// expiry of its own takes the maker's). The maker's expiry is read in the transaction, not taken
// from the actor, so it is the stored one. The system (a nil actor: the command line) is bound
// by nothing.
func (t *tx) boundByMaker(ctx context.Context, a *steward.Actor, f *steward.APIKeyFields) error {
	if a == nil {
		return nil
	}
	if !f.Role.AtMost(a.Role) {
		return steward.Invalid("role", "may not exceed the role of the caller (%s)", a.Role)
	}
	if a.Type != steward.ActorAPIKey {
		return nil
	}
	var exp sql.NullInt64
	err := t.row(ctx, "SELECT expires_at FROM api_keys WHERE account_id = ? AND id = ?", a.AccountID, a.ID).Scan(&exp)
	if err != nil {
		return fmt.Errorf("the key making a key: %w", err)
	}
	if !exp.Valid {
		return nil
	}
	makerExp := steward.FromMicros(exp.Int64)
	switch {
	case f.ExpiresAt == nil:
		f.ExpiresAt = &makerExp
	case f.ExpiresAt.After(makerExp.Time):
		return steward.Invalid("expires_at", "must be no later than %s, when the key making it expires", makerExp)
	}
	return nil
}

// APIKeys lists the account's keys, newest first (never their secrets).
func (s *Store) APIKeys(ctx context.Context, a *steward.Actor) ([]steward.APIKey, error) {
	if err := a.Require(steward.PermAdminister); err != nil {
		return nil, err
	}
	rows, err := s.reader().query(ctx, "SELECT "+apiKeyCols+" FROM api_keys WHERE account_id = ? ORDER BY created_at DESC, id DESC", a.AccountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []steward.APIKey{}
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *k)
	}
	return out, rows.Err()
}

// RevokeAPIKey revokes one of the account's keys at once.
func (s *Store) RevokeAPIKey(ctx context.Context, a *steward.Actor, id string) error {
	if err := a.Require(steward.PermAdminister); err != nil {
		return err
	}
	return s.revokeAPIKey(ctx, a, "account_id = ? AND id = ?", a.AccountID, id)
}

// RevokeAPIKeyByPrefix revokes the key with that prefix, as the system (command line).
func (s *Store) RevokeAPIKeyByPrefix(ctx context.Context, prefix string) error {
	return s.revokeAPIKey(ctx, nil, "prefix = ?", strings.TrimSpace(prefix))
}

func (s *Store) revokeAPIKey(ctx context.Context, a *steward.Actor, cond string, args ...any) error {
	return s.write(ctx, func(t *tx) error {
		k, err := scanAPIKey(t.row(ctx, "SELECT "+apiKeyCols+" FROM api_keys WHERE "+cond, args...))
		if errors.Is(err, sql.ErrNoRows) {
			return steward.NotFound("api key")
		}
		if err != nil {
			return err
		}
		if k.RevokedAt != nil {
			return nil
		}
		if _, err := t.exec(ctx, "UPDATE api_keys SET revoked_at = ? WHERE id = ?", t.now.Micros(), k.ID); err != nil {
			return err
		}
		if a == nil {
			a = steward.SystemActor(k.AccountID)
		}
		return t.audit(ctx, a, k.AccountID, auditEntry{action: steward.ActionRevoke, objectType: steward.ObjectAPIKey,
			objectID: k.ID, objectName: k.Name, changes: []steward.Change{{Field: "revoked_at", New: t.now.String()}}})
	})
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
	var exp, used, rev sql.NullInt64
	var userName string
	var userRole steward.Role
	var active bool
	err := s.reader().row(ctx, `SELECT k.id, k.account_id, k.user_id, k.name, k.role, k.integration, k.expires_at,
		k.last_used_at, k.revoked_at, u.name, u.role, u.active
		FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.hash = ?`, keyHash(key)).Scan(&k.ID, &k.AccountID,
		&k.UserID, &k.Name, &k.Role, &k.Integration, &exp, &used, &rev, &userName, &userRole, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, unauthorized
	}
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if rev.Valid || !active || (exp.Valid && now.UnixMicro() >= exp.Int64) {
		return nil, unauthorized
	}
	if !used.Valid || now.UnixMicro()-used.Int64 > lastUsedEvery.Microseconds() {
		// Best effort: a failure to note the time must not fail the request.
		_, _ = q{d: s.d, ex: s.wdb}.exec(ctx, "UPDATE api_keys SET last_used_at = ? WHERE id = ?", now.UnixMicro(), k.ID)
	}
	role := k.Role
	if !role.AtMost(userRole) {
		role = userRole // the user was demoted after the key was made
	}
	return &steward.Actor{Type: steward.ActorAPIKey, ID: k.ID, Name: userName + " (API key " + k.Name + ")",
		UserID: k.UserID, AccountID: k.AccountID, HomeAccount: k.AccountID, Role: role, Integration: k.Integration,
		Source: steward.SourceAPI}, nil
}

// Me describes the caller.
func (s *Store) Me(ctx context.Context, a *steward.Actor) (*steward.Me, error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	u, err := s.userWhere(ctx, s.reader(), "id = ?", []any{a.UserID}, nil)
	if err != nil {
		return nil, err
	}
	acc, err := s.Account(ctx, a)
	if err != nil {
		return nil, err
	}
	me := &steward.Me{User: *u, Account: *acc, Role: a.Role}
	if a.Type == steward.ActorAPIKey {
		k, err := scanAPIKey(s.reader().row(ctx, "SELECT "+apiKeyCols+" FROM api_keys WHERE id = ?", a.ID))
		if err != nil {
			return nil, err
		}
		me.APIKey = k
	}
	return me, nil
}

// Account returns the caller's account.
func (s *Store) Account(ctx context.Context, a *steward.Actor) (*steward.Account, error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	acc, err := scanAccount(s.reader().row(ctx, "SELECT "+accountCols+" FROM accounts WHERE id = ?", a.AccountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, steward.NotFound("account")
	}
	return acc, err
}

// UpdateAccount edits the caller's account and its settings.
func (s *Store) UpdateAccount(ctx context.Context, a *steward.Actor, ifMatch int64, change func(*steward.AccountFields) error) (*steward.Account, error) {
	if err := a.Require(steward.PermAdminister); err != nil {
		return nil, err
	}
	var out *steward.Account
	err := s.write(ctx, func(t *tx) error {
		cur, err := scanAccount(t.row(ctx, "SELECT "+accountCols+" FROM accounts WHERE id = ?"+s.d.forUpdate(), a.AccountID))
		if err != nil {
			return err
		}
		if ifMatch != 0 && ifMatch != cur.Version {
			return preconditionFailed()
		}
		f := cur.AccountFields
		if err := change(&f); err != nil {
			return err
		}
		if err := f.Normalize(); err != nil {
			return err
		}
		out = cur
		changes := diff(cur.AccountFields, f)
		if len(changes) == 0 {
			return nil
		}
		out.AccountFields, out.UpdatedAt, out.Version = f, t.now, cur.Version+1
		if _, err := t.exec(ctx, `UPDATE accounts SET name = ?, kind = ?, email = ?, country = ?, external_ref = ?, phone = ?,
			street = ?, postal_code = ?, city = ?, region = ?, address_country = ?, language = ?, customers_externally_managed = ?,
			updated_at = ?, version = version + 1 WHERE id = ?`, f.Name, string(f.Kind), f.Email, f.Country, f.ExternalRef, f.Phone,
			f.Address.Street, f.Address.PostalCode, f.Address.City, f.Address.Region, f.Address.Country, f.Language,
			f.CustomersExternallyManaged, t.now.Micros(), a.AccountID); err != nil {
			return err
		}
		return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionUpdate, objectType: steward.ObjectAccount,
			objectID: cur.ID, objectName: f.Name, changes: changes})
	})
	return out, err
}

func preconditionFailed() error {
	return steward.Errorf(steward.EPRECONDITION, "the object has changed since you read it (If-Match does not match); read it again")
}

// requireCustomersWritable refuses writes to customers, their contacts and their locations when
// the account's customers are externally managed, unless an integration key, an import or the
// system makes them.
func (t *tx) requireCustomersWritable(ctx context.Context, a *steward.Actor) error {
	if a.Integration || a.Type == steward.ActorImport || a.Type == steward.ActorSystem {
		return nil
	}
	var managed bool
	if err := t.row(ctx, "SELECT customers_externally_managed FROM accounts WHERE id = ?", a.AccountID).Scan(&managed); err != nil {
		return err
	}
	if managed {
		return &steward.Error{Code: steward.EFORBIDDEN, Kind: "externally-managed",
			Message: "customers, their contacts and their locations are managed by an external system in this account; change them there, or use an integration key"}
	}
	return nil
}

// Empty reports whether the database holds no organization yet.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	var n int
	err := s.reader().row(ctx, "SELECT COUNT(*) FROM accounts").Scan(&n)
	return n == 0, err
}
