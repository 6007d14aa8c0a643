package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// Counts under a fleet scope. The stored customer and location counts are the account's; a
// caller who sees part of the fleet gets counts of the assets it sees:
//   - a caller in one group, or in several that share no asset (group_overlaps), adds up its
//     groups' counts (group_counts, kept in the transaction of every change, group_counts.go):
//     a page's counts by primary key; a list sorted by a scoped count walks
//     group_counts_sorted in the page's order (one group), one probe of the listed table per
//     row as an unscoped caller walks the stored counts, or sums the groups' rows of that count
//     (several groups: a row per group and object counted, not per asset).
//   - a caller whose groups share assets counts from group_assets, whose rows carry each member
//     asset's location, location customer, owner and archive state (kept by every asset write,
//     see group_members.go): a page (or one object) by one grouped query over the page's ids,
//     read from the (account, group, customer or location, archived, asset) indexes, an asset
//     once however many of the groups hold it (DISTINCT over the asset); sorting by a scoped
//     count joins the account's rows to the scope's counts grouped once over the whole scope
//     (listByScopedCount), and sorts them: its cost is the scope's members.
// location_count is not asset-scoped: a scoped caller sees every location.

// countGroupCond is the condition on group_counts' group_id (alias gc) of a scoped actor's
// groups.
func countGroupCond(a *steward.Actor) (string, []any) {
	gs := scopeGroups(a)
	args := make([]any, len(gs))
	for i, g := range gs {
		args[i] = g
	}
	return "gc.group_id IN (" + placeholders(len(gs)) + ")", args
}

// scopeGroupCond is the condition on group_assets' group_id (alias ga) of a scoped actor's
// groups; "1 = 0" when it sees none.
func scopeGroupCond(a *steward.Actor) (string, []any) {
	gs := scopeGroups(a)
	if len(gs) == 0 {
		return "1 = 0", nil
	}
	args := make([]any, len(gs))
	for i, g := range gs {
		args[i] = g
	}
	return "ga.group_id IN (" + placeholders(len(gs)) + ")", args
}

// countExpr is how a scoped count counts the member rows it groups: an asset once, however many
// of the caller's groups hold it.
func countExpr(a *steward.Actor) string {
	if len(scopeGroups(a)) > 1 {
		return "COUNT(DISTINCT ga.asset_id)"
	}
	return "COUNT(*)"
}

// scopedCount is one count a scope changes: the group_assets column naming the counted object
// and any further condition on the member row.
type scopedCount struct {
	a      *steward.Actor
	key    string // location_customer_id, owner_customer_id or location_id
	extra  string
	kind   countKind // the same count in group_counts
	summed bool      // read from group_counts (see summable)
}

// scopedCountOf returns the count column of tb as a's scope counts it, or nil for a column the
// scope does not change (location_count, dates); summed as summable answered for a.
func scopedCountOf(a *steward.Actor, tb *table, column string, summed bool) *scopedCount {
	sc := &scopedCount{a: a, summed: summed}
	switch {
	case tb == customers.table && column == "assets_on_location_count":
		sc.key, sc.kind = "location_customer_id", countOnLocation
	case tb == customers.table && column == "assets_owned_count":
		sc.key, sc.kind = "owner_customer_id", countOwned
	case tb == customers.table && column == "assets_owned_elsewhere_count":
		sc.key, sc.kind = "owner_customer_id", countElsewhere
		sc.extra = " AND (ga.location_customer_id IS NULL OR ga.location_customer_id <> ga.owner_customer_id)"
	case tb == locations.table && column == "asset_count":
		sc.key, sc.kind = "location_id", countLocation
	default:
		return nil
	}
	return sc
}

// grouped is the query of every counted object's non-zero count within the scope (id, n),
// grouped once over the scope's members, and its arguments.
func (sc *scopedCount) grouped() (string, []any) {
	if sc.summed {
		gcond, gargs := countGroupCond(sc.a)
		args := append(append([]any{sc.a.AccountID}, gargs...), int64(sc.kind))
		if len(gargs) == 1 {
			return "SELECT gc.object_id AS id, gc.n AS n FROM group_counts gc WHERE gc.account_id = ? AND " + gcond + " AND gc.kind = ? AND gc.n > 0", args
		}
		return "SELECT gc.object_id AS id, SUM(gc.n) AS n FROM group_counts gc WHERE gc.account_id = ? AND " + gcond +
			" AND gc.kind = ? AND gc.n > 0 GROUP BY gc.object_id", args
	}
	gcond, gargs := scopeGroupCond(sc.a)
	return "SELECT ga." + sc.key + " AS id, " + countExpr(sc.a) + " AS n FROM group_assets ga WHERE ga.account_id = ? AND " + gcond +
		" AND ga." + sc.key + " IS NOT NULL AND ga.archived = FALSE" + sc.extra + " GROUP BY ga." + sc.key, append([]any{sc.a.AccountID}, gargs...)
}

// zero is the condition that the object idExpr counts nothing within the scope: one probe of
// the (account, group, key, archived) index per group.
func (sc *scopedCount) zero(idExpr string) (string, []any) {
	if sc.summed {
		gcond, gargs := countGroupCond(sc.a)
		return "NOT EXISTS (SELECT 1 FROM group_counts gc WHERE gc.account_id = ? AND " + gcond + " AND gc.kind = ? AND gc.object_id = " + idExpr +
			" AND gc.n > 0)", append(append([]any{sc.a.AccountID}, gargs...), int64(sc.kind))
	}
	gcond, gargs := scopeGroupCond(sc.a)
	return "NOT EXISTS (SELECT 1 FROM group_assets ga WHERE ga.account_id = ? AND " + gcond + " AND ga." + sc.key + " = " + idExpr +
		" AND ga.archived = FALSE" + sc.extra + ")", append([]any{sc.a.AccountID}, gargs...)
}

// listByScopedCount reads one page of a list sorted by a scoped count, in the order of (count,
// id), in two parts: the rows that count something, in the order of their counts (for one
// group, a walk of group_counts_sorted; for several, the counts grouped once over the scope and
// sorted, at most one per object the scope's assets touch); and the rows that count
// nothing, all tied at 0, walked by id through the primary key with one index probe each (they
// come first ascending, last descending). The cursor's key says which part it stopped in: 0 is
// the zero part. Neither part reads the account's other assets, nor sorts the account's rows.
func listByScopedCount[T any](ctx context.Context, s *Store, spec listSpec, conds []string, args []any, sc *scopedCount,
	c *cursor, desc bool, term string, want int, scan func(rows *sql.Rows, key *any) (T, string, error)) ([]listed[T], error) {
	a := spec.alias
	where := strings.Join(conds, " AND ")
	args = append([]any{}, args...)
	if term != "" {
		where += " AND " + s.d.contains(a+".search")
		args = append(args, term)
	}
	dir, cmp := "ASC", ">"
	if desc {
		dir, cmp = "DESC", "<"
	}
	var k int64
	if c != nil {
		var err error
		if k, err = c.int(); err != nil || k < 0 {
			return nil, notIssued()
		}
	}
	r := s.reader()
	counting := func(out []listed[T], after bool) ([]listed[T], error) {
		g, gargs := sc.grouped()
		q := "SELECT " + spec.cols + ", n.n FROM (" + g + ") n JOIN " + spec.kind + " " + a + " ON " + a + ".id = n.id WHERE " + where
		qargs := append(append([]any{}, gargs...), args...)
		if after {
			q += " AND (n.n, n.id) " + cmp + " (?, ?)"
			qargs = append(qargs, k, c.ID)
		}
		rows, err := r.query(ctx, q+" ORDER BY n.n "+dir+", n.id "+dir+" LIMIT ?", append(qargs, want-len(out))...)
		if err != nil {
			return nil, err
		}
		return collect(rows, scan, nil, out, want)
	}
	zeros := func(out []listed[T], after bool) ([]listed[T], error) {
		z, zargs := sc.zero(a + ".id")
		q := "SELECT " + spec.cols + ", 0 FROM " + spec.kind + " " + a + " WHERE " + where + " AND " + z
		qargs := append(append([]any{}, args...), zargs...)
		if after {
			q += " AND " + a + ".id " + cmp + " ?"
			qargs = append(qargs, c.ID)
		}
		rows, err := r.query(ctx, q+" ORDER BY "+a+".id "+dir+" LIMIT ?", append(qargs, want-len(out))...)
		if err != nil {
			return nil, err
		}
		return collect(rows, scan, nil, out, want)
	}
	first, second := counting, zeros
	inFirst := c == nil || k > 0
	if !desc {
		first, second, inFirst = zeros, counting, c == nil || k == 0
	}
	var out []listed[T]
	var err error
	if inFirst {
		if out, err = first(out, c != nil); err != nil || len(out) == want {
			return out, err
		}
		return second(out, false)
	}
	return second(out, true)
}

// padIDs returns ids as arguments padded to inSize with repeats of the last, so that the query
// texts of a page's counts are a few (see names.go).
func padIDs(ids []string) []any {
	size := inSize(len(ids))
	out := make([]any, size)
	for i := range size {
		out[i] = ids[min(i, len(ids)-1)]
	}
	return out
}

// scopeCustomerCounts replaces the asset counts of cs with those of a's scope (summed as
// summable answered for a).
func (s *Store) scopeCustomerCounts(ctx context.Context, a *steward.Actor, summed bool, cs []steward.Customer) error {
	if !scoped(a) || len(cs) == 0 {
		return nil
	}
	byID := make(map[string]*steward.Customer, len(cs))
	ids := make([]string, 0, len(cs))
	for i := range cs {
		c := &cs[i]
		c.AssetsOnLocationCount, c.AssetsOwnedCount, c.AssetsOwnedElsewhereCount = 0, 0, 0
		if byID[c.ID] == nil {
			ids = append(ids, c.ID)
		}
		byID[c.ID] = c
	}
	if len(scopeGroups(a)) == 0 {
		return nil
	}
	in := padIDs(ids)
	if summed {
		return s.groupCounts(ctx, a, []countKind{countOnLocation, countOwned, countElsewhere}, in,
			func(id string, k countKind, n int64) {
				for i := range cs {
					if cs[i].ID == id {
						switch k {
						case countOnLocation:
							cs[i].AssetsOnLocationCount = n
						case countOwned:
							cs[i].AssetsOwnedCount = n
						case countElsewhere:
							cs[i].AssetsOwnedElsewhereCount = n
						}
					}
				}
			})
	}
	gcond, gargs := scopeGroupCond(a)
	distinct := ""
	if len(scopeGroups(a)) > 1 {
		distinct = "DISTINCT "
	}
	branch := func(key, cols string) string {
		return "SELECT " + distinct + "ga.asset_id, ga." + key + " AS customer_id, " + cols + " FROM group_assets ga WHERE ga.account_id = ? AND " +
			gcond + " AND ga." + key + " IN (" + placeholders(len(in)) + ") AND ga.archived = FALSE"
	}
	query := "SELECT r.customer_id, SUM(r.on_location), SUM(r.owned), SUM(r.elsewhere) FROM (" +
		branch("location_customer_id", "1 AS on_location, 0 AS owned, 0 AS elsewhere") + " UNION ALL " +
		branch("owner_customer_id", "0, 1, CASE WHEN ga.location_customer_id IS NULL OR ga.location_customer_id <> ga.owner_customer_id THEN 1 ELSE 0 END") +
		") r GROUP BY r.customer_id"
	args := make([]any, 0, 2*(1+len(gargs)+len(in)))
	for range 2 {
		args = append(append(append(args, a.AccountID), gargs...), in...)
	}
	rows, err := s.reader().query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var on, owned, elsewhere int64
		if err := rows.Scan(&id, &on, &owned, &elsewhere); err != nil {
			return err
		}
		for i := range cs {
			if cs[i].ID == id {
				cs[i].AssetsOnLocationCount, cs[i].AssetsOwnedCount, cs[i].AssetsOwnedElsewhereCount = on, owned, elsewhere
			}
		}
	}
	return rows.Err()
}

// scopeLocationCounts replaces the asset counts of ls with those of a's scope (summed as
// summable answered for a).
func (s *Store) scopeLocationCounts(ctx context.Context, a *steward.Actor, summed bool, ls []steward.Location) error {
	if !scoped(a) || len(ls) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(ls))
	ids := make([]string, 0, len(ls))
	for i := range ls {
		ls[i].AssetCount = 0
		if !seen[ls[i].ID] {
			seen[ls[i].ID] = true
			ids = append(ids, ls[i].ID)
		}
	}
	if len(scopeGroups(a)) == 0 {
		return nil
	}
	in := padIDs(ids)
	if summed {
		return s.groupCounts(ctx, a, []countKind{countLocation}, in, func(id string, _ countKind, n int64) {
			for i := range ls {
				if ls[i].ID == id {
					ls[i].AssetCount = n
				}
			}
		})
	}
	gcond, gargs := scopeGroupCond(a)
	args := append(append([]any{a.AccountID}, gargs...), in...)
	rows, err := s.reader().query(ctx, "SELECT ga.location_id, "+countExpr(a)+" FROM group_assets ga WHERE ga.account_id = ? AND "+gcond+
		" AND ga.location_id IN ("+placeholders(len(in))+") AND ga.archived = FALSE GROUP BY ga.location_id", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		for i := range ls {
			if ls[i].ID == id {
				ls[i].AssetCount = n
			}
		}
	}
	return rows.Err()
}

// groupCounts reads the sums of a's groups' counts of kinds for the objects ids (padded, see
// padIDs) by primary key, and calls fn with each stored one.
func (s *Store) groupCounts(ctx context.Context, a *steward.Actor, kinds []countKind, ids []any, fn func(id string, k countKind, n int64)) error {
	gcond, gargs := countGroupCond(a)
	args := make([]any, 0, 1+len(gargs)+len(kinds)+len(ids))
	args = append(append(args, a.AccountID), gargs...)
	for _, k := range kinds {
		args = append(args, int64(k))
	}
	rows, err := s.reader().query(ctx, "SELECT gc.object_id, gc.kind, SUM(gc.n) FROM group_counts gc WHERE gc.account_id = ? AND "+gcond+
		" AND gc.kind IN ("+placeholders(len(kinds))+") AND gc.object_id IN ("+placeholders(len(ids))+") GROUP BY gc.object_id, gc.kind",
		append(args, ids...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var k countKind
		var n int64
		if err := rows.Scan(&id, &k, &n); err != nil {
			return err
		}
		fn(id, k, n)
	}
	return rows.Err()
}
