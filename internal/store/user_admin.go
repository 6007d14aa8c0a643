package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// The users of an account, as its Admins manage them: list, read, invite, change, deactivate
// and reactivate. Tokens (invitations, password resets) are in user_tokens.go.

// Users returns one page of the account's users, ordered by folded name.
func (s *Store) Users(ctx context.Context, a *steward.Actor, f steward.UserFilter) (*steward.Page[steward.User], error) {
	if err := a.Require(steward.PermReadAccess); err != nil {
		return nil, err
	}
	var v steward.Violations
	f.Check(&v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	limit, err := pageLimit(f.Limit)
	if err != nil {
		return nil, err
	}
	term, err := searchTerm(f.Q)
	if err != nil {
		return nil, err
	}
	active := ""
	conds, args := []string{"u.account_id = ?"}, []any{a.AccountID}
	if f.Active != nil {
		active = fmt.Sprint(*f.Active)
		conds, args = append(conds, "u.active = ?"), append(args, *f.Active)
	}
	if term != "" {
		conds, args = append(conds, `u.search LIKE ? ESCAPE '\'`), append(args, "%"+likeEscape(term)+"%")
	}
	sig := signature("users", term, active)
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, sig)
		if err != nil {
			return nil, err
		}
		conds, args = append(conds, "(u.name_key, u.id) > (?, ?)"), append(args, c.Key, c.ID)
	}
	rows, err := s.reader().query(ctx, "SELECT "+users.selectList+", u.name_key FROM users u WHERE "+strings.Join(conds, " AND ")+
		" ORDER BY u.name_key, u.id LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := &steward.Page[steward.User]{Data: []steward.User{}}
	var lastKey string
	for rows.Next() {
		var key string
		u, err := users.scan(rows, &key)
		if err != nil {
			return nil, err
		}
		if len(page.Data) == limit {
			next := encodeCursor(sig, lastKey, page.Data[limit-1].ID)
			page.NextCursor = &next
			break
		}
		u.InvitePending = u.passwordHash == ""
		page.Data, lastKey = append(page.Data, u.User), key
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	us := make([]*steward.User, len(page.Data))
	for i := range page.Data {
		us[i] = &page.Data[i]
	}
	return page, withGroupIDs(ctx, s.reader(), a.AccountID, us...)
}

// likeEscape escapes LIKE's wildcards (and its escape character) in a search term.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// User returns one user of the account.
func (s *Store) User(ctx context.Context, a *steward.Actor, id string) (*steward.User, error) {
	if err := a.Require(steward.PermReadAccess); err != nil {
		return nil, err
	}
	if !steward.IsID(id) {
		return nil, steward.NotFound("user")
	}
	u, err := getUser(ctx, s.reader(), userInAccount(a.AccountID, id))
	if err != nil {
		return nil, err
	}
	return &u.User, withGroupIDs(ctx, s.reader(), a.AccountID, &u.User)
}

// InviteUser creates a user of the caller's account with no password, and the invitation that
// lets them set one.
func (s *Store) InviteUser(ctx context.Context, a *steward.Actor, f steward.UserFields) (*steward.User, *steward.UserToken, error) {
	if err := a.Require(steward.PermAdminister); err != nil {
		return nil, nil, err
	}
	if err := f.Normalize(); err != nil {
		return nil, nil, err
	}
	var out *steward.User
	var tok *steward.UserToken
	err := s.write(ctx, func(t *tx) error {
		// The key first: a replay must not meet the conflicts its first create caused.
		if err := t.claimIdempotency(ctx); err != nil {
			return err
		}
		var n int
		if err := t.row(ctx, "SELECT COUNT(*) FROM users WHERE email_key = ?", strings.ToLower(f.Email)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			// An email has one user in the whole installation; the answer says no more than that
			// (not the account, nor whether the user is active).
			return &steward.Error{Code: steward.ECONFLICT, Message: "a user with this email already exists",
				Fields: []steward.FieldError{{Field: "email", Message: "already has a user"}}}
		}
		u := &userRow{User: steward.User{ID: newID(), AccountID: a.AccountID, Name: f.Name, Email: f.Email, Role: f.Role,
			FleetVisibility: f.FleetVisibility, Active: true, InvitePending: true, CreatedAt: t.now, UpdatedAt: t.now, Version: 1}}
		if err := users.insert(ctx, t, u); err != nil {
			return err
		}
		if len(f.GroupIDs) > 0 {
			if _, _, err := t.setUserGroups(ctx, a, u.ID, u.Name, f.GroupIDs); err != nil {
				return err
			}
		}
		if err := withGroupIDs(ctx, t.q, a.AccountID, &u.User); err != nil {
			return err
		}
		if err := t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionCreate, objectType: steward.ObjectUser,
			objectID: u.ID, objectName: u.Name, changes: diff(nil, f)}); err != nil {
			return err
		}
		var err error
		if tok, err = t.issueToken(ctx, u, steward.TokenInvite); err != nil {
			return err
		}
		out = &u.User
		return t.recordIdempotency(ctx, steward.ObjectUser, u.ID, out)
	})
	if err != nil {
		return nil, nil, err
	}
	return out, tok, nil
}

// lockUser reads and locks one user of the account for a change; ENOTFOUND when there is none.
func (t *tx) lockUser(ctx context.Context, accountID, id string) (*userRow, error) {
	if !steward.IsID(id) {
		return nil, steward.NotFound("user")
	}
	cond, args := userInAccount(accountID, id).where()
	u, err := users.scan(t.row(ctx, users.selectFrom+" WHERE "+cond+t.d.lock(lockWrite), args...))
	if isNoRows(err) {
		return nil, steward.NotFound("user")
	}
	if err != nil {
		return nil, err
	}
	u.InvitePending = u.passwordHash == ""
	return u, nil
}

// lockAdmins serializes the changes that can take an Admin away from an account (a demotion, a
// deactivation) by locking the account's row: two Admins demoting each other at once would
// otherwise each count the other and leave none. SQLite's write transactions are serial anyway.
// The account row is locked before any user row, in every such change.
func (t *tx) lockAdmins(ctx context.Context, accountID string) error {
	var id string
	return t.row(ctx, "SELECT id FROM accounts WHERE id = ?"+t.d.lock(lockWrite), accountID).Scan(&id)
}

// requireAnotherAdmin returns ECONFLICT on field unless the account keeps an active Admin who
// can sign in (has set a password) besides u. Called under lockAdmins.
func (t *tx) requireAnotherAdmin(ctx context.Context, u *userRow, field string) error {
	var n int
	err := t.row(ctx, `SELECT COUNT(*) FROM users WHERE account_id = ? AND id <> ? AND role = ? AND active = ?
		AND password_hash <> ''`, u.AccountID, u.ID, string(steward.RoleAdmin), true).Scan(&n)
	if err != nil || n > 0 {
		return err
	}
	return &steward.Error{Code: steward.ECONFLICT, Message: "every account keeps at least one active Admin",
		Fields: []steward.FieldError{{Field: field, Message: fmt.Sprintf(
			"%s is the last active Admin of this account; make another user Admin first", u.Email)}}}
}

// UpdateUser changes a user's name, role and fleet visibility.
func (s *Store) UpdateUser(ctx context.Context, a *steward.Actor, id string, ifMatch int64, change func(*steward.UserPatch) error) (*steward.User, error) {
	return writeAs(ctx, s, a, steward.PermAdminister, func(t *tx) (*steward.User, error) {
		if err := t.lockAdmins(ctx, a.AccountID); err != nil {
			return nil, err
		}
		cur, err := t.lockUser(ctx, a.AccountID, id)
		if err != nil {
			return nil, err
		}
		if err := checkIfMatch(ifMatch, cur.Version); err != nil {
			return nil, err
		}
		if err := withGroupIDs(ctx, t.q, a.AccountID, &cur.User); err != nil {
			return nil, err
		}
		before := steward.UserPatch{Name: cur.Name, Role: cur.Role, FleetVisibility: cur.FleetVisibility, GroupIDs: cur.GroupIDs}
		p := before
		p.GroupIDs = slices.Clone(before.GroupIDs)
		if err := change(&p); err != nil {
			return nil, err
		}
		if err := p.Normalize(); err != nil {
			return nil, err
		}
		// The groups change on the groups (each records who joined or left, as
		// POST/DELETE /groups/{id}/users do); the user's own event lists its own fields.
		groupsChanged := !sameGroups(before.GroupIDs, p.GroupIDs)
		if groupsChanged {
			if _, _, err := t.setUserGroups(ctx, a, cur.ID, cur.Name, p.GroupIDs); err != nil {
				return nil, err
			}
			if err := withGroupIDs(ctx, t.q, a.AccountID, &cur.User); err != nil {
				return nil, err
			}
		}
		before.GroupIDs, p.GroupIDs = nil, nil
		if p.Role != cur.Role && cur.ID == a.UserID {
			return nil, steward.Invalid("role", "you cannot change your own role; another Admin can")
		}
		if cur.Role == steward.RoleAdmin && p.Role != steward.RoleAdmin && cur.Active {
			if err := t.requireAnotherAdmin(ctx, cur, "role"); err != nil {
				return nil, err
			}
		}
		changes := diff(before, p)
		if len(changes) == 0 {
			return &cur.User, nil // the groups alone may have changed, recorded on them
		}
		cur.Name, cur.Role, cur.FleetVisibility = p.Name, p.Role, p.FleetVisibility
		cur.UpdatedAt, cur.Version = t.now, cur.Version+1
		if err := users.update(ctx, t, "", cur); err != nil {
			return nil, err
		}
		return &cur.User, t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionUpdate, objectType: steward.ObjectUser,
			objectID: cur.ID, objectName: cur.Name, changes: changes})
	})
}

// SetUserActive deactivates (active false) or reactivates a user. Deactivating also voids the
// user's web sessions for good (a reactivated user signs in again) and their pending token;
// their API keys stop because Authenticate reads the user's state on every request.
func (s *Store) SetUserActive(ctx context.Context, a *steward.Actor, id string, ifMatch int64, active bool) (*steward.User, error) {
	return writeAs(ctx, s, a, steward.PermAdminister, func(t *tx) (*steward.User, error) {
		if err := t.lockAdmins(ctx, a.AccountID); err != nil {
			return nil, err
		}
		cur, err := t.lockUser(ctx, a.AccountID, id)
		if err != nil {
			return nil, err
		}
		if err := checkIfMatch(ifMatch, cur.Version); err != nil {
			return nil, err
		}
		if err := withGroupIDs(ctx, t.q, a.AccountID, &cur.User); err != nil {
			return nil, err
		}
		if cur.Active == active {
			return &cur.User, nil
		}
		action := steward.ActionReactivate
		if !active {
			action = steward.ActionDeactivate
			if cur.ID == a.UserID {
				return nil, steward.Invalid("id", "you cannot deactivate yourself; another Admin can")
			}
			if cur.Role == steward.RoleAdmin {
				if err := t.requireAnotherAdmin(ctx, cur, "active"); err != nil {
					return nil, err
				}
			}
			cur.sessionsAfter = t.now.Micros()
			if err := t.deleteTokens(ctx, cur); err != nil {
				return nil, err
			}
		}
		cur.Active, cur.UpdatedAt, cur.Version = active, t.now, cur.Version+1
		if err := users.update(ctx, t, "", cur); err != nil {
			return nil, err
		}
		return &cur.User, t.audit(ctx, a, a.AccountID, auditEntry{action: action, objectType: steward.ObjectUser,
			objectID: cur.ID, objectName: cur.Name, changes: []steward.Change{{Field: "active", Old: !active, New: active}}})
	})
}

// SystemActorOfUser is the command line's actor for work in the account of the user with that
// email: the system, in that account. ENOTFOUND when no user has the email.
func (s *Store) SystemActorOfUser(ctx context.Context, email string) (*steward.Actor, error) {
	u, err := getUser(ctx, s.reader(), userByEmail(email))
	if err != nil {
		return nil, err
	}
	return steward.SystemActor(u.AccountID), nil
}

// UserIDByEmail returns the id of the user with that email in the actor's account (the
// command line names users by email). ENOTFOUND otherwise.
func (s *Store) UserIDByEmail(ctx context.Context, a *steward.Actor, email string) (string, error) {
	u, err := getUser(ctx, s.reader(), userByEmail(email))
	if err != nil {
		return "", err
	}
	if u.AccountID != a.AccountID {
		return "", steward.NotFound("user")
	}
	return u.ID, nil
}
