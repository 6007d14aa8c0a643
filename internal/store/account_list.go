package store

import (
	"context"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// accountListSQL selects a page of accounts with their sort key; the conditions follow.
var accountListSQL = "SELECT " + accounts.selectList + ", a.name_key FROM accounts a WHERE "

// Accounts lists the accounts strictly below the caller's (or, with a parent filter, the
// direct sub-accounts of one of them), sorted by folded name and id, a page at a time.
func (s *Store) Accounts(ctx context.Context, a *steward.Actor, f steward.AccountFilter) (*steward.Page[steward.Account], error) {
	if err := a.Require(steward.PermAdminister); err != nil {
		return nil, err
	}
	pr, err := openPage(f.Check, f.ListParams, "accounts", f.Sort, strings.TrimSpace(f.Q), f.ParentID)
	if err != nil {
		return nil, err
	}
	limit, term, c := pr.limit, pr.term, pr.c
	_, desc := strings.CutPrefix(f.Sort, "-")
	r := s.reader()
	home, path, err := subAccount(ctx, r, a, a.AccountID, noLock)
	if err != nil {
		return nil, err
	}
	// Which index answers depends on the conditions given, the same on both engines: the
	// direct sub-accounts of one account come from (parent_id, name_key, id); the whole
	// organization below its root from (root_id, name_key, id), a page at a time; the subtree of
	// an account below the root from the path range, sorted.
	var conds []string
	var args []any
	switch lo, hi := below(path); {
	case f.ParentID != "":
		if _, _, err := subAccount(ctx, r, a, f.ParentID, noLock); err != nil {
			if steward.ErrorCode(err) == steward.ENOTFOUND {
				return nil, steward.Invalid("parent_id", "names no account of yours or below it")
			}
			return nil, err
		}
		conds, args = []string{"a.parent_id = ?"}, []any{f.ParentID}
	case home.ParentID == nil:
		conds, args = []string{"a.root_id = ?", "a.id <> ?"}, []any{home.RootID, home.ID}
	default:
		conds, args = []string{"a.path > ?", "a.path < ?"}, []any{lo, hi}
	}
	if term != "" {
		conds = append(conds, `a.name_key LIKE ? ESCAPE '\'`)
		args = append(args, "%"+escapeLike(term)+"%")
	}
	dir, cmp := "ASC", ">"
	if desc {
		dir, cmp = "DESC", "<"
	}
	if c != nil {
		conds = append(conds, "(a.name_key, a.id) "+cmp+" (?, ?)")
		args = append(args, c.Key, c.ID)
	}
	rows, err := r.query(ctx, accountListSQL+strings.Join(conds, " AND ")+
		" ORDER BY a.name_key "+dir+", a.id "+dir+" LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return nil, err
	}
	got, err := collect(rows, accounts.lister(), nil, nil, limit+1)
	if err != nil {
		return nil, err
	}
	return closePage(got, limit, pr.sig), nil
}
