package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/steward-fleet/steward/internal/steward"
)

// Sharing (PRODUCT.md §4; migration 0010): asset_shares lists, for an asset of its owner account,
// the other accounts of the organization that see it. Who may share, unshare and transfer is the
// owner account and the organization's administrative account (sharer); what a viewer sees of a
// shared asset is in shared_assets.go.

// orgAccount is what sharing needs of an account: its organization and its path in the tree, its
// auto-share, and the organization's administrative account (the root's choice, or the root).
type orgAccount struct {
	id, name, rootID, path, adminID string
	autoShare                       steward.AutoShare
}

func (t *tx) orgAccount(ctx context.Context, id string) (*orgAccount, error) {
	o := &orgAccount{id: id}
	err := t.row(ctx, `SELECT a.name, a.root_id, a.path, a.auto_share, COALESCE(r.administrative_id, r.id)
		FROM accounts a JOIN accounts r ON r.id = a.root_id WHERE a.id = ?`, id).Scan(&o.name, &o.rootID, &o.path, &o.autoShare, &o.adminID)
	if isNoRows(err) {
		return nil, steward.NotFound("account")
	}
	return o, err
}

// target returns the account a share or a transfer goes to, which must be another account of
// the caller's organization (EINVALID on field otherwise).
func (t *tx) target(ctx context.Context, caller *orgAccount, field, id string) (*orgAccount, error) {
	o, err := t.orgAccount(ctx, id)
	if err != nil || o.rootID != caller.rootID {
		if err == nil || steward.ErrorCode(err) == steward.ENOTFOUND {
			return nil, steward.Invalid(field, "names no account of this organization")
		}
		return nil, err
	}
	return o, nil
}

// sharer is a caller about to share, unshare or transfer assets: its account, and whether that
// account is the organization's administrative account.
type sharer struct {
	a     *steward.Actor
	acct  *orgAccount
	admin bool
}

func (t *tx) sharer(ctx context.Context, a *steward.Actor) (*sharer, error) {
	acct, err := t.orgAccount(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	return &sharer{a: a, acct: acct, admin: acct.adminID == a.AccountID}, nil
}

// errNotSharer is the answer to an account that sees an asset shared with it and tries to share,
// unshare, transfer or list its shares.
var errNotSharer = &steward.Error{Code: steward.EFORBIDDEN,
	Message: "only the asset's owner account, or the organization's administrative account, may share, unshare or transfer it"}

// asset returns the asset id as sh may share it, locked for a change with lockWrite: one its
// account owns (and its fleet scope shows), or, for the administrative account, any asset of the
// organization. An asset only shared with sh's account is EFORBIDDEN; any other is ENOTFOUND.
func (sh *sharer) asset(ctx context.Context, t *tx, id string, lock lockMode) (*steward.Asset, error) {
	if !steward.IsID(id) {
		return nil, steward.NotFound(assets.noun)
	}
	if err := t.requireAssetVisible(ctx, sh.a, id); err != nil {
		return nil, err
	}
	owner := sh.a.AccountID
	x, err := assets.get(ctx, t.q, owner, id, noLock)
	if steward.ErrorCode(err) == steward.ENOTFOUND && sh.admin {
		err = t.row(ctx, "SELECT x.account_id FROM assets x WHERE x.id = ? AND x.account_id IN (SELECT id FROM accounts WHERE root_id = ?)",
			id, sh.acct.rootID).Scan(&owner)
		if isNoRows(err) {
			return nil, steward.NotFound(assets.noun)
		}
		if err != nil {
			return nil, err
		}
		x, err = assets.get(ctx, t.q, owner, id, noLock)
	}
	if steward.ErrorCode(err) == steward.ENOTFOUND && !scoped(sh.a) {
		if seen, err2 := t.sharedWith(ctx, sh.a.AccountID, id); err2 != nil {
			return nil, err2
		} else if seen != "" {
			return nil, errNotSharer
		}
	}
	if err != nil || lock == noLock {
		return x, err
	}
	return t.lockAsset(ctx, owner, x.ID, nil)
}

// AssetShares lists the accounts an asset is shared with, by account name.
func (s *Store) AssetShares(ctx context.Context, a *steward.Actor, id string) (*steward.Page[steward.AssetShare], error) {
	return readAs(ctx, s, a, steward.PermRead, func(t *tx) (*steward.Page[steward.AssetShare], error) {
		sh, err := t.sharer(ctx, a)
		if err != nil {
			return nil, err
		}
		x, err := sh.asset(ctx, t, id, noLock)
		if err != nil {
			return nil, err
		}
		return t.shares(ctx, x)
	})
}

func (t *tx) shares(ctx context.Context, x *steward.Asset) (*steward.Page[steward.AssetShare], error) {
	rows, err := t.query(ctx, `SELECT s.shared_with, a.name, s.auto, s.created_at FROM asset_shares s JOIN accounts a ON a.id = s.shared_with
		WHERE s.account_id = ? AND s.asset_id = ? ORDER BY a.name_key, a.id`, x.OwnerAccountID, x.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := &steward.Page[steward.AssetShare]{Data: []steward.AssetShare{}}
	for rows.Next() {
		var sh steward.AssetShare
		if err := rows.Scan(&sh.AccountID, &sh.AccountName, &sh.Auto, &sh.CreatedAt); err != nil {
			return nil, err
		}
		page.Data = append(page.Data, sh)
	}
	return page, rows.Err()
}

// ShareAsset shares an asset with another account of the organization.
func (s *Store) ShareAsset(ctx context.Context, a *steward.Actor, id, accountID string) (*steward.Page[steward.AssetShare], error) {
	return writeAs(ctx, s, a, steward.PermShareAssets, func(t *tx) (*steward.Page[steward.AssetShare], error) {
		sh, x, to, err := t.oneShare(ctx, a, id, accountID)
		if err != nil {
			return nil, err
		}
		if err := t.share(ctx, sh, x, to, "account_id"); err != nil {
			return nil, err
		}
		return t.shares(ctx, x)
	})
}

// oneShare resolves a share or a transfer of one asset: the caller as a sharer, the asset (locked),
// and the account it goes to. The asset comes first: one the caller does not see is not found,
// whatever the body says; then the body's account_id, its form and then the account.
func (t *tx) oneShare(ctx context.Context, a *steward.Actor, id, accountID string) (*sharer, *steward.Asset, *orgAccount, error) {
	sh, err := t.sharer(ctx, a)
	if err != nil {
		return nil, nil, nil, err
	}
	x, err := sh.asset(ctx, t, id, lockWrite)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := (&steward.ShareTarget{AccountID: accountID}).Normalize(); err != nil {
		return nil, nil, nil, err
	}
	to, err := t.target(ctx, sh.acct, "account_id", accountID)
	if err != nil {
		return nil, nil, nil, err
	}
	return sh, x, to, nil
}

// ShareAssets shares many assets with one account, all or nothing.
func (s *Store) ShareAssets(ctx context.Context, a *steward.Actor, ids []string, accountID string) error {
	return s.bulkShare(ctx, a, ids, accountID, func(t *tx, sh *sharer, x *steward.Asset, to *orgAccount) error {
		return t.share(ctx, sh, x, to, "account_id")
	})
}

// UnshareAsset ends a share of an asset.
func (s *Store) UnshareAsset(ctx context.Context, a *steward.Actor, id, accountID string) error {
	if err := a.Require(steward.PermShareAssets); err != nil {
		return err
	}
	return s.write(ctx, func(t *tx) error {
		sh, err := t.sharer(ctx, a)
		if err != nil {
			return err
		}
		x, err := sh.asset(ctx, t, id, lockWrite)
		if err != nil {
			return err
		}
		to, err := t.orgAccount(ctx, accountID)
		if err != nil || to.rootID != sh.acct.rootID {
			if err == nil || steward.ErrorCode(err) == steward.ENOTFOUND {
				return steward.Errorf(steward.ENOTFOUND, "the asset is not shared with that account")
			}
			return err
		}
		return t.unshare(ctx, sh, x, to, false)
	})
}

// UnshareAssets ends the shares of many assets with one account, all or nothing; an asset not
// shared with it is left as it is.
func (s *Store) UnshareAssets(ctx context.Context, a *steward.Actor, ids []string, accountID string) error {
	return s.bulkShare(ctx, a, ids, accountID, func(t *tx, sh *sharer, x *steward.Asset, to *orgAccount) error {
		return t.unshare(ctx, sh, x, to, true)
	})
}

// bulkShare runs do for each distinct asset of ids in one transaction; an id the caller may not
// share is EINVALID naming its place in asset_ids, and nothing changes.
func (s *Store) bulkShare(ctx context.Context, a *steward.Actor, ids []string, accountID string,
	do func(t *tx, sh *sharer, x *steward.Asset, to *orgAccount) error) error {
	if err := a.Require(steward.PermShareAssets); err != nil {
		return err
	}
	if err := (&steward.BulkShare{AssetIDs: ids, AccountID: accountID}).Normalize(); err != nil {
		return err
	}
	return s.write(ctx, func(t *tx) error {
		sh, err := t.sharer(ctx, a)
		if err != nil {
			return err
		}
		to, err := t.target(ctx, sh.acct, "account_id", accountID)
		if err != nil {
			return err
		}
		var seen []string
		for i, id := range ids {
			if slices.Contains(seen, id) {
				continue
			}
			seen = append(seen, id)
			x, err := sh.asset(ctx, t, id, lockWrite)
			if err != nil {
				return bulkItemError(i, err)
			}
			if err := do(t, sh, x, to); err != nil {
				return bulkItemError(i, err)
			}
		}
		return nil
	})
}

// bulkItemError names the asset_ids entry an error of a bulk form is about: a not-found or
// forbidden asset, or a field error of its own (a transfer's taken serial number).
func bulkItemError(i int, err error) error {
	e, ok := err.(*steward.Error)
	if !ok {
		return err
	}
	field := steward.MemberField("asset_ids", i)
	switch e.Code {
	case steward.ENOTFOUND:
		return steward.Invalid(field, "names no asset this account may share or transfer")
	case steward.EFORBIDDEN:
		return steward.Invalid(field, "is shared with this account, which does not own it: only its owner account or the administrative account may share or transfer it")
	}
	if e.Code == steward.EINVALID || e.Code == steward.ECONFLICT {
		out := *e
		out.Fields = nil
		for _, f := range e.Fields {
			if f.Field == "account_id" {
				out.Fields = append(out.Fields, f)
				continue
			}
			out.Fields = append(out.Fields, steward.FieldError{Field: field, Message: f.Field + " " + f.Message})
		}
		out.Message = fmt.Sprintf("%s: %s", field, e.Message)
		return &out
	}
	return err
}

// share adds the share of x with account to (a manual one: an automatic share already there
// becomes manual, so that turning auto-share off keeps it), audit-logged in the owner account
// and in the account that now sees it. A share already there changes nothing.
func (t *tx) share(ctx context.Context, sh *sharer, x *steward.Asset, to *orgAccount, field string) error {
	if to.id == x.OwnerAccountID {
		return steward.Invalid(field, "is the asset's owner account")
	}
	var auto *bool
	err := t.row(ctx, "SELECT auto FROM asset_shares WHERE account_id = ? AND asset_id = ? AND shared_with = ?",
		x.OwnerAccountID, x.ID, to.id).Scan(&auto)
	if err != nil && !isNoRows(err) {
		return err
	}
	if auto != nil {
		if *auto {
			_, err = t.exec(ctx, "UPDATE asset_shares SET auto = FALSE WHERE account_id = ? AND asset_id = ? AND shared_with = ?",
				x.OwnerAccountID, x.ID, to.id)
		}
		return err
	}
	if err := t.insertShare(ctx, x, to.id, false); err != nil {
		return err
	}
	return t.auditShare(ctx, sh.a, steward.ActionShare, x, to, nil, &to.id)
}

// unshare removes the share of x with account to; with lenient, one that is not there is no error.
func (t *tx) unshare(ctx context.Context, sh *sharer, x *steward.Asset, to *orgAccount, lenient bool) error {
	res, err := t.exec(ctx, "DELETE FROM asset_shares WHERE account_id = ? AND asset_id = ? AND shared_with = ?", x.OwnerAccountID, x.ID, to.id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err == nil && !lenient {
			err = steward.Errorf(steward.ENOTFOUND, "the asset is not shared with that account")
		}
		return err
	}
	return t.auditShare(ctx, sh.a, steward.ActionUnshare, x, to, &to.id, nil)
}

// auditShare records a share or unshare in the owner's log and in the log of the account it
// concerns, each event naming that account (labelled with its name) in the field shared_with.
func (t *tx) auditShare(ctx context.Context, a *steward.Actor, action string, x *steward.Asset, to *orgAccount, old, new *string) error {
	ch := steward.Change{Field: "shared_with"}
	if old != nil {
		ch.Old, ch.OldLabel = *old, &to.name
	}
	if new != nil {
		ch.New, ch.NewLabel = *new, &to.name
	}
	for _, in := range []string{x.OwnerAccountID, to.id} {
		if err := t.audit(ctx, a, in, auditEntry{action: action, objectType: steward.ObjectAsset, objectID: x.ID,
			objectName: x.Name, changes: []steward.Change{ch}}); err != nil {
			return err
		}
	}
	return nil
}

// sharedAssetsSeen counts the assets owned by other accounts that account id sees (shared with
// it): one of the conditions of deleting an account.
func (t *tx) sharedAssetsSeen(ctx context.Context, id string) (int64, error) {
	var n int64
	err := t.row(ctx, "SELECT COUNT(*) FROM asset_shares WHERE shared_with = ?", id).Scan(&n)
	return n, err
}

// ShareTargets lists the accounts the web interface offers as a share's or a transfer's target.
func (s *Store) ShareTargets(ctx context.Context, a *steward.Actor) ([]steward.Ref, error) {
	return readAs(ctx, s, a, steward.PermShareAssets, func(t *tx) ([]steward.Ref, error) {
		sh, err := t.sharer(ctx, a)
		if err != nil {
			return nil, err
		}
		query, args := "SELECT id, name FROM accounts WHERE root_id = ? AND id <> ?", []any{sh.acct.rootID, a.AccountID}
		if !sh.admin {
			lo, hi := below(sh.acct.path)
			query += " AND ((path > ? AND path < ?) OR substr(?, 1, length(path)) = path)"
			args = append(args, lo, hi, sh.acct.path)
		}
		rows, err := t.query(ctx, query+" ORDER BY name_key, id LIMIT ?", append(args, steward.MaxShareTargets)...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := []steward.Ref{}
		for rows.Next() {
			var r steward.Ref
			if err := rows.Scan(&r.ID, &r.Name); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, rows.Err()
	})
}

// shareCols are the columns of a share row, its asset's sort keys and archive state included.
const shareCols = "account_id, asset_id, shared_with, auto, created_at, name_key, serial_key, asset_created_at, asset_updated_at, archived_at"

// insertShare shares x (as it is stored) with account viewer; a share already there stays as it is.
func (t *tx) insertShare(ctx context.Context, x *steward.Asset, viewer string, auto bool) error {
	_, err := t.exec(ctx, "INSERT INTO asset_shares ("+shareCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		x.OwnerAccountID, x.ID, viewer, auto, t.now, fold(x.Name), serialKey(x.SerialNumber), x.CreatedAt, x.UpdatedAt, null(x.ArchivedAt))
	return err
}

// syncShares copies an asset's sort keys and archive state into its shares after a write.
func (t *tx) syncShares(ctx context.Context, x *steward.Asset) error {
	_, err := t.exec(ctx, "UPDATE asset_shares SET name_key = ?, serial_key = ?, asset_updated_at = ?, archived_at = ? WHERE account_id = ? AND asset_id = ?",
		fold(x.Name), serialKey(x.SerialNumber), x.UpdatedAt, null(x.ArchivedAt), x.OwnerAccountID, x.ID)
	return err
}
