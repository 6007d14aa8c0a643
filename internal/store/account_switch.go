package store

import (
	"context"

	"github.com/steward-fleet/steward/internal/steward"
)

// SwitchAccount returns the actor a working in accountID: an account below a's home account,
// or the home account itself (the way back). The switch is recorded in the target account's log,
// with a's home account as actor_account_id and the accounts left and entered as the change.
func (s *Store) SwitchAccount(ctx context.Context, a *steward.Actor, accountID string) (*steward.Actor, error) {
	return writeAs(ctx, s, a, steward.PermSwitchAccount, func(t *tx) (*steward.Actor, error) {
		out, name, err := workIn(ctx, t.q, a, accountID)
		if err != nil {
			return nil, err
		}
		var fromName string
		if err := t.row(ctx, "SELECT name FROM accounts WHERE id = ?", a.AccountID).Scan(&fromName); err != nil && !isNoRows(err) {
			return nil, err
		}
		change := steward.Change{Field: "account_id", Old: a.AccountID, New: accountID, OldLabel: &fromName, NewLabel: &name}
		return out, t.audit(ctx, a, accountID, auditEntry{action: steward.ActionSwitchAccount, objectType: steward.ObjectAccount,
			objectID: accountID, objectName: name, changes: []steward.Change{change}})
	})
}

// WorkIn is SwitchAccount without the audit row, for a session that switched before: it checks
// again that the account exists and lies below the actor's home account.
func (s *Store) WorkIn(ctx context.Context, a *steward.Actor, accountID string) (*steward.Actor, error) {
	if err := a.Require(steward.PermSwitchAccount); err != nil {
		return nil, err
	}
	out, _, err := workIn(ctx, s.reader(), a, accountID)
	return out, err
}

// workIn returns a copy of a working in accountID, and the account's name: accountID must be
// a's home account or below it, else ENOTFOUND. The role, the user and the home account stay;
// so does the fleet scope, whose groups belong to the home account (a scoped Admin sees no
// group's assets elsewhere, never more than at home).
func workIn(ctx context.Context, r q, a *steward.Actor, accountID string) (*steward.Actor, string, error) {
	home := a.HomeAccount
	if home == "" {
		home = a.AccountID
	}
	if !steward.IsID(accountID) {
		return nil, "", steward.NotFound("account")
	}
	var name, path string
	err := r.row(ctx, "SELECT name, path FROM accounts WHERE id = ?", accountID).Scan(&name, &path)
	if isNoRows(err) || (err == nil && !within(path, home)) {
		return nil, "", steward.NotFound("account")
	}
	if err != nil {
		return nil, "", err
	}
	out := *a
	out.AccountID, out.HomeAccount = accountID, home
	return &out, name, nil
}
