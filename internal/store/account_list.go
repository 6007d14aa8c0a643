package store

import (
	"context"
	"slices"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// accountNode is one account of a subtree walk: what the list sorts and filters on.
type accountNode struct {
	id, key string
}

// Accounts lists the accounts strictly below the caller's (or, with a parent filter, the
// direct sub-accounts of one of them), sorted by folded name and id. The walk reads the id, the
// parent and the name of the whole subtree, sorts and pages it here (folding exactly as the
// other lists' name_key does, the same on both engines), then reads the page's rows.
func (s *Store) Accounts(ctx context.Context, a *steward.Actor, f steward.AccountFilter) (*steward.Page[steward.Account], error) {
	if err := a.Require(steward.PermAdminister); err != nil {
		return nil, err
	}
	var v steward.Violations
	f.Check(&v)
	if f.Limit < 0 || f.Limit > steward.MaxLimit {
		v.Add("limit", "must be between 1 and %d", steward.MaxLimit)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit == 0 {
		limit = steward.DefaultLimit
	}
	_, desc := strings.CutPrefix(f.Sort, "-")
	term, err := searchTerm(f.Q)
	if err != nil {
		return nil, err
	}
	sig := signature("accounts", f.Sort, strings.TrimSpace(f.Q), f.ParentID)
	var c *cursor
	if f.Cursor != "" {
		if c, err = decodeCursor(f.Cursor, sig); err != nil {
			return nil, err
		}
	}
	r := s.reader()
	query, args := subtreeSQL, []any{a.AccountID, steward.MaxAccountDepth}
	if f.ParentID != "" {
		chain, err := ancestors(ctx, r, f.ParentID)
		if err != nil {
			return nil, err
		}
		if !inSubtree(chain, a.AccountID) {
			return nil, steward.Invalid("parent_id", "names no account of yours or below it")
		}
		query, args = "SELECT id, name FROM accounts WHERE parent_id = ?", []any{f.ParentID}
	}
	nodes, err := readNodes(ctx, r, query, args, term)
	if err != nil {
		return nil, err
	}
	less := func(x, y accountNode) int {
		if d := strings.Compare(x.key, y.key); d != 0 {
			return d
		}
		return strings.Compare(x.id, y.id)
	}
	slices.SortFunc(nodes, less)
	if desc {
		slices.Reverse(nodes)
	}
	start := 0
	if c != nil {
		after := accountNode{id: c.ID, key: c.Key}
		start = len(nodes)
		for i, n := range nodes {
			if d := less(n, after); (!desc && d > 0) || (desc && d < 0) {
				start = i
				break
			}
		}
	}
	nodes = nodes[start:]
	page := &steward.Page[steward.Account]{Data: []steward.Account{}}
	if len(nodes) > limit {
		last := nodes[limit-1]
		next := encodeCursor(sig, last.key, last.id)
		page.NextCursor = &next
		nodes = nodes[:limit]
	}
	if len(nodes) == 0 {
		return page, nil
	}
	// The IN list is padded to a power of two (repeating the last id), so a page's query is one
	// of ten texts and the statement cache is not filled with one per page size.
	n := 1
	for n < len(nodes) {
		n *= 2
	}
	ids := make([]any, n)
	for i := range ids {
		ids[i] = nodes[min(i, len(nodes)-1)].id
	}
	rows, err := r.query(ctx, accounts.selectFrom+" WHERE a.id IN ("+strings.TrimSuffix(strings.Repeat("?, ", n), ", ")+")", ids...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := make(map[string]*steward.Account, len(ids))
	for rows.Next() {
		acc, err := accounts.scan(rows)
		if err != nil {
			return nil, err
		}
		byID[acc.ID] = acc
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, n := range nodes {
		if acc := byID[n.id]; acc != nil { // one deleted between the two reads is left out
			page.Data = append(page.Data, *acc)
		}
	}
	return page, nil
}

// readNodes reads the id and name of the rows query selects, keeping those whose folded name
// holds term.
func readNodes(ctx context.Context, r q, query string, args []any, term string) ([]accountNode, error) {
	rows, err := r.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []accountNode
	for rows.Next() {
		var n accountNode
		var name string
		if err := rows.Scan(&n.id, &name); err != nil {
			return nil, err
		}
		n.key = fold(name)
		if term == "" || strings.Contains(n.key, term) {
			out = append(out, n)
		}
	}
	return out, rows.Err()
}
