package store

import (
	"context"
	"slices"

	"github.com/steward-fleet/steward/internal/steward"
)

// TransferAsset makes another account of the organization the owner of an asset.
func (s *Store) TransferAsset(ctx context.Context, a *steward.Actor, id, accountID string, keep bool) (*steward.Asset, error) {
	return writeAs(ctx, s, a, steward.PermShareAssets, func(t *tx) (*steward.Asset, error) {
		sh, x, to, err := t.oneShare(ctx, a, id, accountID)
		if err != nil {
			return nil, err
		}
		return t.transfer(ctx, sh, x, to, keep)
	})
}

// TransferAssets transfers many assets to one account, all or nothing.
func (s *Store) TransferAssets(ctx context.Context, a *steward.Actor, ids []string, accountID string, keep bool) error {
	return s.bulkShare(ctx, a, ids, accountID, func(t *tx, sh *sharer, x *steward.Asset, to *orgAccount) error {
		_, err := t.transfer(ctx, sh, x, to, keep)
		return err
	})
}

// transfer moves asset x (locked) to account to. What named the old owner's objects goes: the
// owning customer, the location (and the counts they held), the groups. Its shares stay, but for
// the automatic ones (they came from the old owner's place in the tree) and one with the new
// owner; with keep the old owner keeps seeing it; the new owner's auto-share rules apply as to
// a new asset. The row moves to the new owner's partition under the same id, one version on.
// Both accounts' logs record it; the old owner's also the references it dropped. The new owner
// sees the asset's history from the transfer on: what came before stays the old owner's.
func (t *tx) transfer(ctx context.Context, sh *sharer, x *steward.Asset, to *orgAccount, keep bool) (*steward.Asset, error) {
	from := x.OwnerAccountID
	if to.id == from {
		return nil, steward.Invalid("account_id", "is already the asset's owner account")
	}
	if err := t.requireUniqueIn(ctx, sh.a, to.id, assets.table, "serial_key", serialKey(x.SerialNumber), x.ID); err != nil {
		return nil, err
	}
	if err := t.requireUniqueIn(ctx, sh.a, to.id, assets.table, "external_ref", x.ExternalRef, x.ID); err != nil {
		return nil, err
	}
	if err := t.leaveGroups(ctx, from, x.ID); err != nil {
		return nil, err
	}
	if err := t.moveAssetCounts(ctx, from, stateOf(x), nil); err != nil {
		return nil, err
	}
	var keepWith []string
	rows, err := t.query(ctx, "SELECT shared_with FROM asset_shares WHERE account_id = ? AND asset_id = ? AND auto = FALSE", from, x.ID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var acc string
		if err := rows.Scan(&acc); err != nil {
			rows.Close()
			return nil, err
		}
		if acc != to.id {
			keepWith = append(keepWith, acc)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if keep && !slices.Contains(keepWith, from) {
		keepWith = append(keepWith, from)
	}
	if _, err := t.exec(ctx, "DELETE FROM asset_shares WHERE account_id = ? AND asset_id = ?", from, x.ID); err != nil {
		return nil, err
	}
	if err := t.deleteRow(ctx, assets.table, from, x.ID); err != nil {
		return nil, err
	}
	out := *x
	out.OwnerAccountID, out.OwnerCustomerID, out.LocationID, out.LocationCustomerID = to.id, nil, nil, nil
	out.UpdatedAt, out.Version = t.now, x.Version+1
	if err := assets.insert(ctx, t, &out); err != nil {
		return nil, err
	}
	for _, acc := range keepWith {
		if err := t.insertShare(ctx, &out, acc, false); err != nil {
			return nil, err
		}
	}
	if err := t.autoShareNew(ctx, &out, to.path); err != nil {
		return nil, err
	}
	fromName := sh.acct.name
	if from != sh.acct.id {
		o, err := t.orgAccount(ctx, from)
		if err != nil {
			return nil, err
		}
		fromName = o.name
	}
	owner := steward.Change{Field: "owner_account_id", Old: from, New: to.id, OldLabel: &fromName, NewLabel: &to.name}
	dropped := diff(x.AssetFields, out.AssetFields) // owner_customer_id and location_id, when set
	if err := t.audit(ctx, sh.a, from, auditEntry{action: steward.ActionTransfer, objectType: steward.ObjectAsset, objectID: x.ID,
		objectName: x.Name, changes: append([]steward.Change{owner}, dropped...)}); err != nil {
		return nil, err
	}
	return &out, t.audit(ctx, sh.a, to.id, auditEntry{action: steward.ActionTransfer, objectType: steward.ObjectAsset, objectID: x.ID,
		objectName: x.Name, changes: []steward.Change{owner}})
}
