package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// The account tree (PRODUCT.md §4). Each account row keeps its path, the ids from its root down
// to itself ('/root/…/self/', migration 0008), so "is X at or below Y" is a look at X's row, a
// subtree is one range of the path index, and its list pages by folded name from an index. A
// path is written once, when the account is created: accounts never move. docs/API.md ("Account
// tree") says why and what it costs.

// accountByIDSQL reads an account's row and its path.
var accountByIDSQL = "SELECT " + accounts.selectList + ", a.path FROM accounts a WHERE a.id = ?"

// within reports whether the account of path is top or lies below it.
func within(path, top string) bool { return top != "" && strings.Contains(path, "/"+top+"/") }

// depth is how many levels below its root the account of path is: 0 for a root.
func depth(path string) int { return strings.Count(path, "/") - 2 }

// below returns the bounds of the paths strictly below the account of path: every one of them
// starts with path and goes on, so it sorts after path and before path with its final '/'
// raised to '0', the next byte (paths compare byte-wise: COLLATE "C" on PostgreSQL).
func below(path string) (lo, hi string) { return path, path[:len(path)-1] + "0" }

// setAccountPath writes a new account's path.
func (t *tx) setAccountPath(ctx context.Context, id, path string) error {
	_, err := t.exec(ctx, "UPDATE accounts SET path = ? WHERE id = ?", path, id)
	return err
}

// subAccount reads account id for a, which must be the account a works in or one below it;
// ENOTFOUND otherwise, exactly as for an id that does not exist. It returns the account's path
// too.
func subAccount(ctx context.Context, r q, a *steward.Actor, id string, lock lockMode) (*steward.Account, string, error) {
	if !steward.IsID(id) {
		return nil, "", steward.NotFound("account")
	}
	var path string
	acc, err := accounts.scan(r.row(ctx, accountByIDSQL+r.d.lock(lock), id), &path)
	if isNoRows(err) || (err == nil && !within(path, a.AccountID)) {
		return nil, "", steward.NotFound("account")
	}
	if err != nil {
		return nil, "", err
	}
	return acc, path, nil
}

// SubAccount returns an account of the caller's subtree (its own included).
func (s *Store) SubAccount(ctx context.Context, a *steward.Actor, id string) (*steward.Account, error) {
	if err := a.Require(steward.PermAdminister); err != nil {
		return nil, err
	}
	acc, _, err := subAccount(ctx, s.reader(), a, id, noLock)
	return acc, err
}

// CreateSubAccount creates an account directly under the one the caller works in.
func (s *Store) CreateSubAccount(ctx context.Context, a *steward.Actor, f steward.SubAccountFields) (*steward.Account, error) {
	if err := a.Require(steward.PermAdminister); err != nil {
		return nil, err
	}
	if err := f.Normalize(); err != nil {
		return nil, err
	}
	acc := &steward.Account{ID: newID(), AccountFields: steward.AccountFields(f)}
	err := s.write(ctx, func(t *tx) error {
		if err := t.claimIdempotency(ctx); err != nil {
			return err
		}
		if err := t.createAccount(ctx, a, acc); err != nil {
			return err
		}
		return t.recordIdempotency(ctx, steward.ObjectAccount, acc.ID, acc)
	})
	if err != nil {
		return nil, err
	}
	return acc, nil
}

// createAccount stores acc, whose fields are normalized, under the account a works in, with its
// audit row in that (the parent's) log. The parent's row is locked first, so a concurrent delete
// of the parent waits for the child, then finds it.
func (t *tx) createAccount(ctx context.Context, a *steward.Actor, acc *steward.Account) error {
	parent, parentPath, err := subAccount(ctx, t.q, a, a.AccountID, lockWrite)
	if err != nil {
		return err
	}
	if d := depth(parentPath); d+1 > steward.MaxAccountDepth {
		return &steward.Error{Code: steward.ECONFLICT, Message: "the account tree is as deep as it may be",
			Fields: []steward.FieldError{{Field: "parent", Message: fmt.Sprintf(
				"%s is %d levels below its organization; sub-accounts go at most %d levels deep", parent.Name, d, steward.MaxAccountDepth)}}}
	}
	if err := t.requireAccountRefUnique(ctx, parent.RootID, acc.ExternalRef, ""); err != nil {
		return err
	}
	acc.ParentID, acc.RootID = &parent.ID, parent.RootID
	acc.Meta = steward.Meta{CreatedAt: t.now, UpdatedAt: t.now, Version: 1}
	if err := accounts.insert(ctx, t, acc); err != nil {
		return err
	}
	if err := t.setAccountPath(ctx, acc.ID, parentPath+acc.ID+"/"); err != nil {
		return err
	}
	return t.audit(ctx, a, parent.ID, auditEntry{action: steward.ActionCreate, objectType: steward.ObjectAccount,
		objectID: acc.ID, objectName: acc.Name, changes: diff(nil, acc.AccountFields)})
}

// requireAccountRefUnique refuses an external reference another account of the organization
// has.
func (t *tx) requireAccountRefUnique(ctx context.Context, rootID, ref, exceptID string) error {
	if ref == "" {
		return nil
	}
	var other string
	err := t.row(ctx, "SELECT id FROM accounts WHERE root_id = ? AND external_ref = ? AND id <> ?", rootID, ref, exceptID).Scan(&other)
	if isNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return &steward.Error{Code: steward.ECONFLICT, Message: "another account of the organization already has this external_ref",
		Fields: []steward.FieldError{{Field: "external_ref", Message: "is already used by account " + other}}}
}

// UpdateSubAccount changes an account of the caller's subtree, the one it works in included
// (as UpdateAccount does).
func (s *Store) UpdateSubAccount(ctx context.Context, a *steward.Actor, id string, ifMatch int64, change func(*steward.SubAccountFields) error) (*steward.Account, error) {
	return writeAs(ctx, s, a, steward.PermAdminister, func(t *tx) (*steward.Account, error) {
		return t.updateAccount(ctx, a, id, ifMatch, func(f *steward.AccountFields) error { return change((*steward.SubAccountFields)(f)) })
	})
}

// updateAccount locks account id of a's subtree, lets change edit its fields and records the
// change: a sub-account's in its parent's log, the account a works in in its own (as
// PATCH /account does).
func (t *tx) updateAccount(ctx context.Context, a *steward.Actor, id string, ifMatch int64, change func(*steward.AccountFields) error) (*steward.Account, error) {
	cur, _, err := subAccount(ctx, t.q, a, id, lockWrite)
	if err != nil {
		return nil, err
	}
	if err := checkIfMatch(ifMatch, cur.Version); err != nil {
		return nil, err
	}
	f := cur.AccountFields
	if err := change(&f); err != nil {
		return nil, err
	}
	normalize := f.Normalize
	if cur.ParentID != nil {
		normalize = f.NormalizeSubAccount // a sub-account keeps its email and country
	}
	if err := normalize(); err != nil {
		return nil, err
	}
	logIn := a.AccountID
	if id != a.AccountID {
		logIn = *cur.ParentID // strictly below a's account, so it has a parent
	}
	changes := diff(cur.AccountFields, f)
	if len(changes) == 0 {
		return cur, nil
	}
	if f.ExternalRef != cur.ExternalRef {
		if err := t.requireAccountRefUnique(ctx, cur.RootID, f.ExternalRef, id); err != nil {
			return nil, err
		}
	}
	out := *cur
	out.AccountFields, out.UpdatedAt, out.Version = f, t.now, cur.Version+1
	if err := accounts.update(ctx, t, "", &out); err != nil {
		return nil, err
	}
	return &out, t.audit(ctx, a, logIn, auditEntry{action: steward.ActionUpdate, objectType: steward.ObjectAccount,
		objectID: id, objectName: f.Name, changes: changes})
}

// DeleteSubAccount deletes a direct sub-account of the account the caller works in, under the
// four conditions of PRODUCT.md §4 (see deleteAccount).
func (s *Store) DeleteSubAccount(ctx context.Context, a *steward.Actor, id string, ifMatch int64) error {
	if err := a.Require(steward.PermAdminister); err != nil {
		return err
	}
	return s.write(ctx, func(t *tx) error { return t.deleteAccount(ctx, a, id, ifMatch) })
}

// accountData are the tables whose rows live only in one account and go with it, in an order
// that keeps every foreign key satisfied: what an account may still hold once it passed the
// delete conditions. A table added later whose rows live in an account belongs here.
var accountData = []string{"mail_messages", "subscriptions", "webhook_deliveries", "webhook_events", "webhooks", "import_chunks", "import_errors", "import_jobs", "api_keys",
	"user_tokens", "user_two_factor", "user_recovery_codes", "group_users", "group_counts", "group_overlaps", "group_assets", "groups",
	"users", "contacts", "locations", "customers", "auto_share_sources"}

// deleteAccount deletes account id, which must be a direct sub-account of a's, have no
// sub-accounts, own no assets and see no assets owned by others; otherwise ECONFLICT with one
// field error per unmet condition. Its customers, contacts, locations, users and API keys go
// with it; its audit log stays (append-only). The row is locked FOR UPDATE on PostgreSQL (not
// NO KEY UPDATE): a concurrent insert referencing it (a new child, an asset) waits, then fails
// its foreign key, so no child or asset can slip in between the checks and the delete.
func (t *tx) deleteAccount(ctx context.Context, a *steward.Actor, id string, ifMatch int64) error {
	cur, path, err := subAccount(ctx, t.q, a, id, noLock)
	if err != nil {
		return err
	}
	if t.d == postgres {
		if _, err := t.exec(ctx, "SELECT id FROM accounts WHERE id = ? FOR UPDATE", id); err != nil {
			return err
		}
		if cur, err = accounts.get(ctx, t.q, "", id, noLock); err != nil {
			return err // deleted by the transaction we waited for
		}
	}
	if err := checkIfMatch(ifMatch, cur.Version); err != nil {
		return err
	}
	var v []steward.FieldError
	if cur.ParentID == nil || *cur.ParentID != a.AccountID {
		msg := "is not a direct sub-account of the account you work in; switch to its parent account to delete it"
		if id == a.AccountID {
			msg = "is the account you work in; only its direct sub-accounts can be deleted from it"
		}
		v = append(v, steward.FieldError{Field: "parent", Message: msg})
	}
	var under int64
	lo, hi := below(path)
	if err := t.row(ctx, "SELECT COUNT(*) FROM accounts WHERE path > ? AND path < ?", lo, hi).Scan(&under); err != nil {
		return err
	}
	count(&v, "accounts", under, "sub-account is under it", "sub-accounts are under it")
	var owned int64
	if err := t.row(ctx, "SELECT COUNT(*) FROM assets WHERE account_id = ?", id).Scan(&owned); err != nil {
		return err
	}
	count(&v, "assets", owned, "asset is owned by it", "assets are owned by it")
	shared, err := t.sharedAssetsSeen(ctx, id)
	if err != nil {
		return err
	}
	count(&v, "shared_assets", shared, "asset owned by another account is shared with it", "assets owned by other accounts are shared with it")
	if len(v) > 0 {
		return &steward.Error{Code: steward.ECONFLICT, Fields: v,
			Message: "the account cannot be deleted: " + strings.Join(fieldNames(v), ", ")}
	}
	for _, table := range accountData {
		if _, err := t.exec(ctx, "DELETE FROM "+table+" WHERE account_id = ?", id); err != nil {
			return err
		}
	}
	// Its place in another account's auto-share selection, and its role as the administrative
	// account (which falls back to the root), go with it.
	if _, err := t.exec(ctx, "DELETE FROM auto_share_sources WHERE source_id = ?", id); err != nil {
		return err
	}
	if _, err := t.exec(ctx, "UPDATE accounts SET administrative_id = NULL WHERE administrative_id = ?", id); err != nil {
		return err
	}
	if _, err := t.exec(ctx, "DELETE FROM accounts WHERE id = ?", id); err != nil {
		return err
	}
	return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionDelete, objectType: steward.ObjectAccount,
		objectID: id, objectName: cur.Name, changes: diff(cur.AccountFields, nil)})
}

// count adds a field error when n is not zero: "1 <one>" or "n <many>".
func count(v *[]steward.FieldError, field string, n int64, one, many string) {
	switch {
	case n == 1:
		*v = append(*v, steward.FieldError{Field: field, Message: "1 " + one})
	case n > 1:
		*v = append(*v, steward.FieldError{Field: field, Message: fmt.Sprintf("%d %s", n, many)})
	}
}

func fieldNames(v []steward.FieldError) []string {
	out := make([]string, len(v))
	for i, f := range v {
		out[i] = f.Field
	}
	return out
}
