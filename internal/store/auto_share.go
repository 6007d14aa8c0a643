package store

import (
	"context"
	"slices"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// Auto-share (PRODUCT.md §4): an account with auto_share 'all' sees the assets of every account
// below it, 'selected' those of the accounts in auto_share_sources. The shares are rows of
// asset_shares marked auto: written for the assets there are when the setting changes, and for
// each asset created in or transferred to a covered account afterwards (autoShareNew).

// ancestors returns the ids above an account from its path ('/root/…/self/'), nearest last.
func ancestors(path string) []string {
	ids := strings.Split(strings.Trim(path, "/"), "/")
	if len(ids) <= 1 {
		return nil
	}
	return ids[:len(ids)-1]
}

// autoShareNew shares asset x, new to its owner account (whose path is given, or read when ""),
// with every account above it whose auto-share covers the owner.
func (t *tx) autoShareNew(ctx context.Context, x *steward.Asset, path string) error {
	owner := x.OwnerAccountID
	if path == "" {
		if err := t.row(ctx, "SELECT path FROM accounts WHERE id = ?", owner).Scan(&path); err != nil {
			return err
		}
	}
	for _, up := range ancestors(path) {
		var mode string
		if err := t.row(ctx, "SELECT auto_share FROM accounts WHERE id = ?", up).Scan(&mode); err != nil {
			return err
		}
		switch steward.AutoShare(mode) {
		case steward.AutoShareAll:
		case steward.AutoShareSelected:
			var one int
			err := t.row(ctx, "SELECT 1 FROM auto_share_sources WHERE account_id = ? AND source_id = ?", up, owner).Scan(&one)
			if isNoRows(err) {
				continue
			}
			if err != nil {
				return err
			}
		default:
			continue
		}
		if err := t.insertShare(ctx, x, up, true); err != nil {
			return err
		}
	}
	return nil
}

// SharingSettings reads the account's sharing settings.
func (s *Store) SharingSettings(ctx context.Context, a *steward.Actor) (*steward.SharingSettings, error) {
	return readAs(ctx, s, a, steward.PermRead, func(t *tx) (*steward.SharingSettings, error) {
		acct, err := t.orgAccount(ctx, a.AccountID)
		if err != nil {
			return nil, err
		}
		return t.sharingSettings(ctx, acct)
	})
}

func (t *tx) sharingSettings(ctx context.Context, acct *orgAccount) (*steward.SharingSettings, error) {
	out := &steward.SharingSettings{AutoShare: acct.autoShare, AdministrativeAccountID: acct.adminID, AutoShareAccountIDs: []string{}}
	rows, err := t.query(ctx, "SELECT source_id FROM auto_share_sources WHERE account_id = ? ORDER BY source_id", acct.id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var src string
		if err := rows.Scan(&src); err != nil {
			return nil, err
		}
		out.AutoShareAccountIDs = append(out.AutoShareAccountIDs, src)
	}
	return out, rows.Err()
}

// UpdateSharingSettings replaces the account's auto-share (and, from the root, the organization's
// administrative account), and brings the automatic shares in line in the same transaction.
func (s *Store) UpdateSharingSettings(ctx context.Context, a *steward.Actor, in steward.SharingSettings) (*steward.SharingSettings, error) {
	if err := a.Require(steward.PermAdminister); err != nil {
		return nil, err
	}
	if err := in.Normalize(); err != nil {
		return nil, err
	}
	return writeAs(ctx, s, a, steward.PermAdminister, func(t *tx) (*steward.SharingSettings, error) {
		// The account's row first: two changes of its settings take turns.
		var version int64
		if err := t.row(ctx, "SELECT version FROM accounts WHERE id = ?"+t.d.lock(lockWrite), a.AccountID).Scan(&version); err != nil {
			return nil, err
		}
		acct, err := t.orgAccount(ctx, a.AccountID)
		if err != nil {
			return nil, err
		}
		cur, err := t.sharingSettings(ctx, acct)
		if err != nil {
			return nil, err
		}
		var v steward.Violations
		sources := slices.Compact(slices.Sorted(slices.Values(in.AutoShareAccountIDs)))
		lo, hi := below(acct.path)
		for i, id := range in.AutoShareAccountIDs {
			var path string
			err := t.row(ctx, "SELECT path FROM accounts WHERE id = ?", id).Scan(&path)
			if err != nil && !isNoRows(err) {
				return nil, err
			}
			if isNoRows(err) || path <= lo || path >= hi {
				v.Add(steward.MemberField("auto_share_account_ids", i), "names no account below this one")
			}
		}
		adminID := in.AdministrativeAccountID
		if adminID == "" {
			adminID = cur.AdministrativeAccountID
		}
		if adminID != cur.AdministrativeAccountID {
			if acct.rootID != acct.id {
				return nil, &steward.Error{Code: steward.EFORBIDDEN,
					Message: "only an Admin of the organization's root account changes its administrative account"}
			}
			if o, err := t.orgAccount(ctx, adminID); err != nil || o.rootID != acct.rootID {
				if err != nil && steward.ErrorCode(err) != steward.ENOTFOUND {
					return nil, err
				}
				v.Add("administrative_account_id", "names no account of this organization")
			}
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		var changes []steward.Change
		if in.AutoShare != cur.AutoShare {
			changes = append(changes, steward.Change{Field: "auto_share", Old: string(cur.AutoShare), New: string(in.AutoShare)})
		}
		if !slices.Equal(sources, cur.AutoShareAccountIDs) {
			// A change holds plain values: the ids, comma-separated.
			changes = append(changes, steward.Change{Field: "auto_share_account_ids", Old: strings.Join(cur.AutoShareAccountIDs, ","),
				New: strings.Join(sources, ",")})
		}
		if adminID != cur.AdministrativeAccountID {
			changes = append(changes, steward.Change{Field: "administrative_account_id", Old: cur.AdministrativeAccountID, New: adminID})
			var stored any = adminID
			if adminID == acct.rootID {
				stored = nil
			}
			if _, err := t.exec(ctx, "UPDATE accounts SET administrative_id = ? WHERE id = ?", stored, acct.rootID); err != nil {
				return nil, err
			}
		}
		if len(changes) == 0 {
			return cur, nil
		}
		if _, err := t.exec(ctx, "UPDATE accounts SET auto_share = ?, version = version + 1, updated_at = ? WHERE id = ?",
			string(in.AutoShare), t.now, acct.id); err != nil {
			return nil, err
		}
		if _, err := t.exec(ctx, "DELETE FROM auto_share_sources WHERE account_id = ?", acct.id); err != nil {
			return nil, err
		}
		for _, src := range sources {
			if _, err := t.exec(ctx, "INSERT INTO auto_share_sources (account_id, source_id) VALUES (?, ?)", acct.id, src); err != nil {
				return nil, err
			}
		}
		if err := t.applyAutoShare(ctx, acct, in.AutoShare, sources); err != nil {
			return nil, err
		}
		if t.d == postgres {
			// One change may share a million assets: the planner learns of it now rather than
			// at autovacuum's next pass, so the shared list keeps walking its index.
			if _, err := t.exec(ctx, "ANALYZE asset_shares"); err != nil {
				return nil, err
			}
		}
		if err := t.audit(ctx, a, acct.id, auditEntry{action: steward.ActionUpdate, objectType: steward.ObjectAccount,
			objectID: acct.id, objectName: acct.name, changes: changes}); err != nil {
			return nil, err
		}
		acct.autoShare, acct.adminID = in.AutoShare, adminID
		return t.sharingSettings(ctx, acct)
	})
}

// sharedFrom is the select list of an automatic share of asset x with the first argument (the
// second is the time), for shareCols.
const sharedFrom = "x.account_id, x.id, ?, TRUE, ?, x.name_key, x.serial_key, x.created_at, x.updated_at, x.archived_at"

// applyAutoShare makes the automatic shares with acct those of its new setting: the ones of
// accounts it no longer covers go (manual shares stay), the assets of those it covers are shared.
func (t *tx) applyAutoShare(ctx context.Context, acct *orgAccount, mode steward.AutoShare, sources []string) error {
	switch mode {
	case steward.AutoShareNone:
		_, err := t.exec(ctx, "DELETE FROM asset_shares WHERE shared_with = ? AND auto = TRUE", acct.id)
		return err
	case steward.AutoShareAll:
		lo, hi := below(acct.path)
		_, err := t.exec(ctx, "INSERT INTO asset_shares ("+shareCols+") SELECT "+sharedFrom+
			" FROM assets x WHERE x.account_id IN (SELECT id FROM accounts WHERE path > ? AND path < ?) ON CONFLICT DO NOTHING",
			acct.id, t.now, lo, hi)
		return err
	}
	if _, err := t.exec(ctx, `DELETE FROM asset_shares WHERE shared_with = ? AND auto = TRUE
		AND account_id NOT IN (SELECT source_id FROM auto_share_sources WHERE account_id = ?)`, acct.id, acct.id); err != nil {
		return err
	}
	for _, src := range sources {
		if _, err := t.exec(ctx, "INSERT INTO asset_shares ("+shareCols+") SELECT "+sharedFrom+
			" FROM assets x WHERE x.account_id = ? ON CONFLICT DO NOTHING", acct.id, t.now, src); err != nil {
			return err
		}
	}
	return nil
}
