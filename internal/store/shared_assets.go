package store

import (
	"context"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// What an account sees of the assets other accounts share with it (migration 0010): the asset
// without the owner's references (its owning customer and location are the owner's objects,
// which the viewer cannot open), read through asset_shares' viewer index, and nothing to change.
// A caller whose fleet is a set of groups sees none: groups hold the account's own assets.

// redact clears what a viewer may not follow of an asset shared with it.
func redact(x *steward.Asset) {
	x.OwnerCustomerID, x.LocationID, x.LocationCustomerID = nil, nil, nil
}

// sharedAsset returns asset id as account viewer sees it through a share, or ENOTFOUND.
func sharedAsset(ctx context.Context, r q, viewer, id string) (*steward.Asset, error) {
	var owner string
	err := r.row(ctx, "SELECT account_id FROM asset_shares WHERE shared_with = ? AND asset_id = ?", viewer, id).Scan(&owner)
	if isNoRows(err) {
		return nil, steward.NotFound(assets.noun)
	}
	if err != nil {
		return nil, err
	}
	x, err := assets.get(ctx, r, owner, id, noLock)
	if err != nil {
		return nil, err
	}
	redact(x)
	return x, nameOwners(ctx, r, []*steward.Asset{x})
}

// nameOwners sets the owner account's name of assets seen through a share: one lookup per owner
// (a page's shares come from a few accounts).
func nameOwners(ctx context.Context, r q, xs []*steward.Asset) error {
	names := map[string]string{}
	for _, x := range xs {
		name, ok := names[x.OwnerAccountID]
		if !ok {
			if err := r.row(ctx, "SELECT name FROM accounts WHERE id = ?", x.OwnerAccountID).Scan(&name); err != nil {
				return err
			}
			names[x.OwnerAccountID] = name
		}
		x.OwnerAccountName = name
	}
	return nil
}

// sharedWith returns the owner of asset id when it is shared with account, or "".
func (t *tx) sharedWith(ctx context.Context, account, id string) (string, error) {
	var owner string
	err := t.row(ctx, "SELECT account_id FROM asset_shares WHERE shared_with = ? AND asset_id = ?", account, id).Scan(&owner)
	if isNoRows(err) {
		return "", nil
	}
	return owner, err
}

// errSharedReadOnly answers a change of an asset another account shares with the caller's.
var errSharedReadOnly = &steward.Error{Code: steward.EFORBIDDEN,
	Message: "the asset is shared with this account by its owner account, which alone changes it"}

// ownedOnly turns the not-found of a write to an asset the caller's account sees through a
// share into EFORBIDDEN: the caller sees it, so it is not hidden, but it is not the account's.
func (t *tx) ownedOnly(ctx context.Context, a *steward.Actor, id string, err error) error {
	if steward.ErrorCode(err) != steward.ENOTFOUND || scoped(a) {
		return err
	}
	owner, err2 := t.sharedWith(ctx, a.AccountID, id)
	if err2 != nil {
		return err2
	}
	if owner != "" {
		return errSharedReadOnly
	}
	return err
}

// shareSortColumns are the asset_shares columns that copy each sort key of the assets list.
var shareSortColumns = map[string]string{"name_key": "name_key", "serial_key": "serial_key",
	"created_at": "asset_created_at", "updated_at": "asset_updated_at"}

// sharedAssets lists the assets shared with the caller's account, by a sort key (a search
// without one is by name), keyset-paged like every list. The page walks the viewer's index of
// that key on asset_shares (which copies the assets' sort keys and archive state) and reads the
// page's assets by id: a page costs the page, however many assets are shared. A search is
// bounded as the owned list's is (sharedPage.search).
func (s *Store) sharedAssets(ctx context.Context, a *steward.Actor, f steward.AssetFilter) (*steward.Page[steward.Asset], error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	pr, err := openPage(f.Check, f.ListParams, "assets/shared", f.Sort, f.Status, strings.TrimSpace(f.Q))
	if err != nil {
		return nil, err
	}
	limit, term, c := pr.limit, pr.term, pr.c
	sortName, desc := strings.CutPrefix(f.Sort, "-")
	if sortName == "" {
		sortName = assetList.def
	}
	key := assetList.sorts[sortName]
	page := &steward.Page[steward.Asset]{Data: []steward.Asset{}}
	if scoped(a) {
		return page, nil
	}
	lq := listQuery{}
	if err := lq.status("s", f.Status); err != nil {
		return nil, err
	}
	conds := append([]string{"s.shared_with = ?"}, lq.conds...)
	args := []any{a.AccountID}
	col := "s." + shareSortColumns[key.column]
	dir, cmp := "ASC", ">"
	if desc {
		dir, cmp = "DESC", "<"
	}
	if c != nil {
		var k any = c.Key
		if key.numeric {
			if k, err = c.int(); err != nil {
				return nil, err
			}
		}
		conds = append(conds, "("+col+", s.asset_id) "+cmp+" (?, ?)")
		args = append(args, k, c.ID)
	}
	sp := sharedPage{s: s, viewer: a.AccountID, where: strings.Join(conds, " AND "), args: args,
		col: col, order: col + " " + dir + ", s.asset_id " + dir, desc: desc, want: limit + 1}
	var got []listed[steward.Asset]
	if term == "" {
		got, err = sp.query(ctx, "", nil)
	} else {
		got, err = sp.search(ctx, term)
	}
	if err != nil {
		return nil, err
	}
	page = closePage(got, limit, pr.sig)
	xs := make([]*steward.Asset, len(page.Data))
	for i := range page.Data {
		redact(&page.Data[i])
		xs[i] = &page.Data[i]
	}
	return page, nameOwners(ctx, s.reader(), xs)
}
