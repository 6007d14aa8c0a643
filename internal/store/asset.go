package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

type asset = steward.Asset

// assets describes the assets table.
var assets = (&entity[asset]{
	table: &table{name: "assets", alias: "x", noun: "asset", objectType: steward.ObjectAsset, tenant: true, versioned: true},
	id:    func(x *asset) string { return x.ID },
	keys: func(x *asset) derived {
		return derived{nameKey: fold(x.Name), search: searchText(x.Name, x.SerialNumber, x.ExternalRef), serialKey: serialKey(x.SerialNumber)}
	},
	cols: append(append([]column[asset]{
		{name: "id", kind: colInsert, ptr: func(x *asset) any { return &x.ID }, val: func(x *asset) any { return x.ID }},
		{name: "account_id", kind: colInsert, ptr: func(x *asset) any { return &x.OwnerAccountID }, val: func(x *asset) any { return x.OwnerAccountID }},
		{name: "name", ptr: func(x *asset) any { return &x.Name }, val: func(x *asset) any { return x.Name }},
		{name: "serial_number", ptr: func(x *asset) any { return &x.SerialNumber }, val: func(x *asset) any { return x.SerialNumber }},
		{name: "external_ref", ptr: func(x *asset) any { return &x.ExternalRef }, val: func(x *asset) any { return x.ExternalRef }},
		{name: "make", ptr: func(x *asset) any { return &x.Make }, val: func(x *asset) any { return x.Make }},
		{name: "model", ptr: func(x *asset) any { return &x.Model }, val: func(x *asset) any { return x.Model }},
		{name: "category", ptr: func(x *asset) any { return &x.Category }, val: func(x *asset) any { return x.Category }},
		{name: "year", ptr: func(x *asset) any { return nullableInt{&x.Year} }, val: func(x *asset) any { return null(x.Year) }},
		{name: "owner_customer_id", ptr: func(x *asset) any { return nullable[string]{&x.OwnerCustomerID} },
			val: func(x *asset) any { return nullText(x.OwnerCustomerID) }},
		{name: "location_id", ptr: func(x *asset) any { return nullable[string]{&x.LocationID} }, val: func(x *asset) any { return nullText(x.LocationID) }},
		{name: "location_customer_id", ptr: func(x *asset) any { return nullable[string]{&x.LocationCustomerID} },
			val: func(x *asset) any { return nullText(x.LocationCustomerID) }},
	}, metaCols(func(x *asset) *steward.Meta { return &x.Meta })...), append(derivedCols[asset](),
		column[asset]{name: "serial_key", kind: colDerived, key: func(d derived) any { return d.serialKey }})...),
}).build()

// stateOf is what the asset contributes to counts.
func stateOf(x *steward.Asset) *assetState {
	return &assetState{archived: x.ArchivedAt != nil, owner: x.OwnerCustomerID, location: x.LocationID, locCustomer: x.LocationCustomerID}
}

var assetList = assets.listSpec(steward.AssetSorts)

// Assets returns one page of the account's assets.
func (s *Store) Assets(ctx context.Context, a *steward.Actor, f steward.AssetFilter) (*steward.Page[steward.Asset], error) {
	if f.Ownership == steward.OwnershipShared {
		return s.sharedAssets(ctx, a, f)
	}
	lq := listQuery{check: f.Check, refs: []filterRef{{"owner_customer_id", customers.table, f.OwnerCustomerID},
		{"location_id", locations.table, f.LocationID}, {"location_customer_id", customers.table, f.LocationCustomerID}}}
	if f.OwnerCustomerID != "" {
		lq.where("x.owner_customer_id = ?", f.OwnerCustomerID)
	}
	if f.LocationID != "" {
		lq.where("x.location_id = ?", f.LocationID)
	}
	if f.LocationCustomerID != "" {
		lq.where("x.location_customer_id = ?", f.LocationCustomerID)
	}
	if f.GroupID != "" {
		// A group the caller does not see names nothing (422, as another account's); a scoped
		// caller's own scope still applies below: the intersection.
		if !groupVisible(a, f.GroupID) {
			return nil, steward.Invalid("group_id", "names no group of this account")
		}
		lq.refs = append(lq.refs, filterRef{"group_id", groups.table, f.GroupID})
		lq.where("x.id IN (SELECT gf.asset_id FROM group_assets gf WHERE gf.account_id = ? AND gf.group_id = ?)", a.AccountID, f.GroupID)
	}
	if cond, args := assetScope(a, "x.id"); cond != "" {
		lq.where(cond, args...)
	}
	lq.sigExt = []any{f.OwnerCustomerID, f.LocationID, f.LocationCustomerID, f.GroupID}
	return list(ctx, s, assetList, a, f.ListParams, lq, assets.lister())
}

// Asset returns one asset.
func (s *Store) Asset(ctx context.Context, a *steward.Actor, id string) (*steward.Asset, error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	if err := assetVisible(ctx, s.reader(), a, id); err != nil {
		return nil, err
	}
	x, err := assets.get(ctx, s.reader(), a.AccountID, id, noLock)
	if steward.ErrorCode(err) == steward.ENOTFOUND && !scoped(a) {
		return sharedAsset(ctx, s.reader(), a.AccountID, id)
	}
	return x, err
}

func serialKey(serial string) string { return strings.ToLower(serial) }

// resolveLocation checks an asset's references and returns the customer of its location.
func (t *tx) resolveAssetRefs(ctx context.Context, accountID string, f *steward.AssetFields) (locCustomer *string, err error) {
	if err := t.requireRef(ctx, customers.table, accountID, "owner_customer_id", f.OwnerCustomerID, noLock); err != nil {
		return nil, err
	}
	if f.LocationID == nil {
		return nil, nil
	}
	err = t.row(ctx, "SELECT customer_id FROM locations WHERE account_id = ? AND id = ?", accountID, *f.LocationID).
		Scan(nullable[string]{&locCustomer})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, steward.Invalid("location_id", "names no location of this account")
	}
	return locCustomer, err
}

// lockLocations locks location rows in id order. Writes that touch an asset lock its locations
// first, as location writes do before touching the assets standing there, so the two never wait
// on each other in a circle. SQLite's write transactions are exclusive already.
func (t *tx) lockLocations(ctx context.Context, accountID string, ids ...*string) error {
	if t.d != postgres {
		return nil
	}
	var list []string
	for _, id := range ids {
		if id != nil && !slices.Contains(list, *id) {
			list = append(list, *id)
		}
	}
	slices.Sort(list)
	for _, id := range list {
		var got string
		err := t.row(ctx, "SELECT id FROM locations WHERE account_id = ? AND id = ?"+t.d.lock(lockWrite), accountID, id).Scan(&got)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	return nil
}

// lockAsset locks an asset for a change after the locations the change touches: where it stands
// now and where next (given the unlocked asset) says it goes.
func (t *tx) lockAsset(ctx context.Context, accountID, id string, next func(*steward.Asset) *string) (*steward.Asset, error) {
	if t.d != postgres {
		return assets.get(ctx, t.q, accountID, id, noLock)
	}
	var cur *steward.Asset
	for round := 0; round < 3; round++ {
		peek, err := assets.get(ctx, t.q, accountID, id, noLock)
		if err != nil {
			return nil, err
		}
		var to *string
		if next != nil {
			to = next(peek)
		}
		if err := t.lockLocations(ctx, accountID, peek.LocationID, to); err != nil {
			return nil, err
		}
		if cur, err = assets.get(ctx, t.q, accountID, id, lockWrite); err != nil {
			return nil, err
		}
		if sameRef(cur.LocationID, peek.LocationID) {
			break
		}
		// It moved in between: lock its new location too. (A deadlock, should one still occur,
		// is retried by write.)
	}
	return cur, nil
}

// CreateAsset stores a new asset.
func (s *Store) CreateAsset(ctx context.Context, a *steward.Actor, f steward.AssetFields) (*steward.Asset, error) {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return nil, err
	}
	if err := f.Normalize(); err != nil {
		return nil, err
	}
	x := &steward.Asset{ID: newID(), OwnerAccountID: a.AccountID, AssetFields: f}
	err := s.write(ctx, func(t *tx) error {
		// The key first: a replay must not meet the conflicts its first create caused.
		if err := t.claimIdempotency(ctx); err != nil {
			return err
		}
		if err := t.createAsset(ctx, a, x); err != nil {
			return err
		}
		return t.recordIdempotency(ctx, steward.ObjectAsset, x.ID, x)
	})
	if err != nil {
		return nil, err
	}
	return x, nil
}

// createAsset stores x, whose fields are normalized, as a new asset of a's account, with the
// counts it moves and its audit row; it sets the customer of its location.
func (t *tx) createAsset(ctx context.Context, a *steward.Actor, x *steward.Asset) error {
	f := &x.AssetFields
	if err := t.lockLocations(ctx, a.AccountID, f.LocationID); err != nil {
		return err
	}
	locCust, err := t.resolveAssetRefs(ctx, a.AccountID, f)
	if err != nil {
		return err
	}
	if err := t.requireUnique(ctx, a, assets.table, "serial_key", serialKey(f.SerialNumber), ""); err != nil {
		return err
	}
	if err := t.requireUnique(ctx, a, assets.table, "external_ref", f.ExternalRef, ""); err != nil {
		return err
	}
	x.OwnerAccountID, x.LocationCustomerID = a.AccountID, locCust
	x.Meta = steward.Meta{CreatedAt: t.now, UpdatedAt: t.now, Version: 1}
	if err := assets.insert(ctx, t, x); err != nil {
		return err
	}
	if err := t.moveAssetCounts(ctx, a.AccountID, nil, stateOf(x)); err != nil {
		return err
	}
	if err := t.autoShareNew(ctx, x, ""); err != nil {
		return err
	}
	return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionCreate, objectType: steward.ObjectAsset,
		objectID: x.ID, objectName: x.Name, changes: diff(nil, x.AssetFields)})
}

// UpdateAsset edits an asset; a technician may change its location only.
func (s *Store) UpdateAsset(ctx context.Context, a *steward.Actor, id string, ifMatch int64, change func(*steward.AssetFields) error) (*steward.Asset, error) {
	return writeAs(ctx, s, a, steward.PermMoveAsset, func(t *tx) (*steward.Asset, error) {
		return t.updateAsset(ctx, a, id, ifMatch, change)
	})
}

func (t *tx) updateAsset(ctx context.Context, a *steward.Actor, id string, ifMatch int64, change func(*steward.AssetFields) error) (*steward.Asset, error) {
	if err := t.requireAssetVisible(ctx, a, id); err != nil {
		return nil, err
	}
	cur, err := t.lockAsset(ctx, a.AccountID, id, func(peek *steward.Asset) *string {
		f := peek.AssetFields
		if change(&f) != nil || f.Normalize() != nil {
			return nil
		}
		return f.LocationID
	})
	if err != nil {
		return nil, t.ownedOnly(ctx, a, id, err)
	}
	if err := checkIfMatch(ifMatch, cur.Version); err != nil {
		return nil, err
	}
	f := cur.AssetFields
	if err := change(&f); err != nil {
		return nil, err
	}
	if err := f.Normalize(); err != nil {
		return nil, err
	}
	changes := diff(cur.AssetFields, f)
	if len(changes) == 0 {
		return cur, nil
	}
	fields := make([]string, len(changes))
	for i, c := range changes {
		fields[i] = c.Field
	}
	if err := a.MayChangeAssetFields(fields); err != nil {
		return nil, err
	}
	locCust, err := t.resolveAssetRefs(ctx, a.AccountID, &f)
	if err != nil {
		return nil, err
	}
	if serialKey(f.SerialNumber) != serialKey(cur.SerialNumber) {
		if err := t.requireUnique(ctx, a, assets.table, "serial_key", serialKey(f.SerialNumber), id); err != nil {
			return nil, err
		}
	}
	if f.ExternalRef != cur.ExternalRef {
		if err := t.requireUnique(ctx, a, assets.table, "external_ref", f.ExternalRef, id); err != nil {
			return nil, err
		}
	}
	out := *cur
	out.AssetFields, out.LocationCustomerID, out.UpdatedAt, out.Version = f, locCust, t.now, cur.Version+1
	if err := assets.update(ctx, t, a.AccountID, &out); err != nil {
		return nil, err
	}
	if err := t.moveAssetCounts(ctx, a.AccountID, stateOf(cur), stateOf(&out)); err != nil {
		return nil, err
	}
	if err := t.syncGroupAssets(ctx, a.AccountID, id, stateOf(cur), stateOf(&out)); err != nil {
		return nil, err
	}
	if err := t.syncShares(ctx, &out); err != nil {
		return nil, err
	}
	return &out, t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionUpdate, objectType: steward.ObjectAsset,
		objectID: id, objectName: f.Name, changes: changes})
}

// SetAssetArchived archives or unarchives an asset; its owner and location stay.
func (s *Store) SetAssetArchived(ctx context.Context, a *steward.Actor, id string, ifMatch int64, archived bool) (*steward.Asset, error) {
	return writeAs(ctx, s, a, steward.PermWriteFleet, func(t *tx) (*steward.Asset, error) {
		return t.setAssetArchived(ctx, a, id, ifMatch, archived)
	})
}

func (t *tx) setAssetArchived(ctx context.Context, a *steward.Actor, id string, ifMatch int64, archived bool) (*steward.Asset, error) {
	if err := t.requireAssetVisible(ctx, a, id); err != nil {
		return nil, err
	}
	cur, err := t.lockAsset(ctx, a.AccountID, id, nil)
	if err != nil {
		return nil, t.ownedOnly(ctx, a, id, err)
	}
	if err := checkIfMatch(ifMatch, cur.Version); err != nil {
		return nil, err
	}
	before := stateOf(cur)
	if err := t.setArchived(ctx, a, assets.table, &cur.Meta, subject{id: id, name: cur.Name}, archived); err != nil {
		return nil, err
	}
	if err := t.moveAssetCounts(ctx, a.AccountID, before, stateOf(cur)); err != nil {
		return nil, err
	}
	if err := t.syncShares(ctx, cur); err != nil {
		return nil, err
	}
	return cur, t.syncGroupAssets(ctx, a.AccountID, id, before, stateOf(cur))
}

// DeleteAsset deletes an asset and its counts; its audit history stays.
func (s *Store) DeleteAsset(ctx context.Context, a *steward.Actor, id string, ifMatch int64) error {
	if err := a.Require(steward.PermWriteFleet); err != nil {
		return err
	}
	return s.write(ctx, func(t *tx) error { return t.deleteAsset(ctx, a, id, ifMatch) })
}

func (t *tx) deleteAsset(ctx context.Context, a *steward.Actor, id string, ifMatch int64) error {
	if err := t.requireAssetVisible(ctx, a, id); err != nil {
		return err
	}
	cur, err := t.lockAsset(ctx, a.AccountID, id, nil)
	if err != nil {
		return t.ownedOnly(ctx, a, id, err)
	}
	if err := checkIfMatch(ifMatch, cur.Version); err != nil {
		return err
	}
	if err := t.leaveGroups(ctx, a.AccountID, id); err != nil {
		return err
	}
	// Its shares go with it: the accounts that saw it no longer do (the delete event says so).
	if _, err := t.exec(ctx, "DELETE FROM asset_shares WHERE account_id = ? AND asset_id = ?", a.AccountID, id); err != nil {
		return err
	}
	if err := t.deleteRow(ctx, assets.table, a.AccountID, id); err != nil {
		return err
	}
	if err := t.moveAssetCounts(ctx, a.AccountID, stateOf(cur), nil); err != nil {
		return err
	}
	return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionDelete, objectType: steward.ObjectAsset,
		objectID: id, objectName: cur.Name, changes: diff(cur.AssetFields, nil)})
}
