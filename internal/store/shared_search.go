package store

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// sharedPage is one page of the assets shared with an account (sharedAssets): the conditions on
// its shares (alias s: the viewer, the archive state, the cursor), the copied sort key col and
// the order, and how many rows it wants (the page and one more).
type sharedPage struct {
	s      *Store
	viewer string
	where  string
	args   []any
	col    string
	order  string
	desc   bool
	want   int
}

// query reads the page of shares that meet the page's conditions and cond (on the share s or
// its asset x; "" for none), joined to their assets.
func (p sharedPage) query(ctx context.Context, cond string, condArgs []any) ([]listed[steward.Asset], error) {
	where := p.where
	if cond != "" {
		where += " AND " + cond
	}
	rows, err := p.s.reader().query(ctx, "SELECT "+assetList.cols+", "+p.col+
		" FROM asset_shares s JOIN assets x ON x.account_id = s.account_id AND x.id = s.asset_id WHERE "+where+
		" ORDER BY "+p.order+" LIMIT ?", append(append(append([]any{}, p.args...), condArgs...), p.want)...)
	if err != nil {
		return nil, err
	}
	return collect(rows, assets.lister(), nil, nil, p.want)
}

// search reads the page's shared assets that contain term, bounded as the owned list's search
// is, however many assets are shared:
//  1. a walk of the first shortWalkFactor, then walkFactor, rows per row of the page, in the
//     page's order, keeping the matches: a term common among the shared assets fills its page
//     there, and one the short walk finds too rarely to fill it goes on at once;
//  2. otherwise each owner account's search index finds the term's matches among its assets
//     (the shares of a viewer come from a few accounts, listed from asset_shares_owner), those
//     shared with the viewer are kept, and the owners' pages are merged in order;
//  3. an owner in which the term matches more than the bound of a sorted search (10,000) leaves
//     the page to a walk of every share.
func (p sharedPage) search(ctx context.Context, term string) ([]listed[steward.Asset], error) {
	s, r := p.s, p.s.reader()
	// A short walk first: when what it found, extrapolated to the long walk, would not fill the
	// page, the term is rare among the shares and goes to the owners' indexes at once.
	var walked []listed[steward.Asset]
	var walkRows int
	for _, factor := range []int{shortWalkFactor, walkFactor} {
		walkRows = factor * max(p.want-1, s.limits.walkPage())
		rows, err := r.query(ctx, "SELECT "+assetList.cols+", "+p.col+" FROM (SELECT s.* FROM asset_shares s WHERE "+p.where+
			" ORDER BY "+p.order+" LIMIT ?) s JOIN assets x ON x.account_id = s.account_id AND x.id = s.asset_id WHERE "+
			s.d.contains("x.search")+" ORDER BY "+p.order+" LIMIT ?", append(append([]any{}, p.args...), walkRows, term, p.want)...)
		if err != nil {
			return nil, err
		}
		if walked, err = collect(rows, assets.lister(), nil, nil, p.want); err != nil || len(walked) == p.want {
			return walked, err
		}
		if len(walked)*walkFactor/shortWalkFactor < p.want-1 {
			break
		}
	}
	var n int
	if err := r.row(ctx, "SELECT count(*) FROM (SELECT 1 FROM asset_shares s WHERE "+p.where+" LIMIT ?) n",
		append(append([]any{}, p.args...), walkRows)...).Scan(&n); err != nil || n < walkRows {
		return walked, err // the walk saw every share
	}
	owners, err := r.strings(ctx, `WITH RECURSIVE o (id) AS (
		SELECT MIN(account_id) FROM asset_shares WHERE shared_with = ?
		UNION ALL
		SELECT (SELECT MIN(account_id) FROM asset_shares WHERE shared_with = ? AND account_id > o.id) FROM o WHERE o.id IS NOT NULL)
		SELECT id FROM o WHERE id IS NOT NULL`, p.viewer, p.viewer)
	if err != nil {
		return nil, err
	}
	var out []listed[steward.Asset]
	for _, owner := range owners {
		m, none, err := s.indexedMatch(ctx, "assets", "x", owner, term)
		if err != nil {
			return nil, err
		}
		if none {
			continue
		}
		sel := selection{spec: assetList, account: owner, conds: []string{"x.account_id = ?"}, args: []any{owner}}
		query, args := s.searchCount(sel, term, m, s.limits.maxSorted()+1)
		var matches int
		if err := r.row(ctx, query, args...).Scan(&matches); err != nil {
			return nil, err
		}
		if matches > s.limits.maxSorted() {
			return p.query(ctx, s.d.contains("x.search"), []any{term})
		}
		var found []listed[steward.Asset]
		var rows *sql.Rows
		if s.d == postgres {
			// Materialized, so the planner cannot trade the index for a walk of the shares.
			rows, err = r.query(ctx, "WITH x AS MATERIALIZED (SELECT x.* FROM assets x WHERE x.account_id = ? AND "+m.cond+") SELECT "+
				assetList.cols+", "+p.col+" FROM x JOIN asset_shares s ON s.account_id = x.account_id AND s.asset_id = x.id WHERE "+
				p.where+" ORDER BY "+p.order+" LIMIT ?", append(append(append([]any{owner}, m.args...), p.args...), p.want)...)
		} else {
			rows, err = r.query(ctx, "SELECT "+assetList.cols+", "+p.col+
				" FROM assets_fts f CROSS JOIN assets x ON x.rid = f.rowid JOIN asset_shares s ON s.account_id = x.account_id AND s.asset_id = x.id"+
				" WHERE f.assets_fts MATCH ? AND x.account_id = ? AND "+s.d.contains("x.search")+" AND "+p.where+" ORDER BY "+p.order+" LIMIT ?",
				append(append([]any{m.cond, owner, term}, p.args...), p.want)...)
		}
		if err != nil {
			return nil, err
		}
		if found, err = collect(rows, assets.lister(), nil, nil, p.want); err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	// Each owner's page is in order; together, the first rows in the page's order.
	slices.SortFunc(out, func(x, y listed[steward.Asset]) int {
		c := cmp.Or(compareKeys(x.key, y.key), strings.Compare(x.id, y.id))
		if p.desc {
			return -c
		}
		return c
	})
	return out[:min(len(out), p.want)], nil
}

// compareKeys orders two scanned sort keys of one column: numbers (times) or text (folded keys,
// compared as bytes, as the indexes order them with COLLATE "C").
func compareKeys(x, y any) int {
	if a, ok := x.(int64); ok {
		if b, ok := y.(int64); ok {
			return cmp.Compare(a, b)
		}
	}
	return strings.Compare(keyString(x), keyString(y))
}
