package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// Each group's counts per customer and per location (group_counts, migration 0014): what the
// group's member assets contribute to the four customer counts and to each location's
// asset_count (assetState.counted, the same definition as the stored counts). They move in the
// transaction of every change that moves a membership's copy of its asset (group_members.go):
// joining or leaving a group, an asset write, a location changing customer. A caller scoped to
// one group reads them by primary key for a page, and walks group_counts_sorted for a list
// sorted by a scoped count (scope_counts.go). Several groups may hold one asset, so a caller in
// several groups cannot add them up: it counts from group_assets (DISTINCT over the asset).

// groupCountKey is one row of group_counts within an account.
type groupCountKey struct {
	group  string
	kind   countKind
	object string
}

// groupCountDeltas are changes to an account's group_counts, by row.
type groupCountDeltas map[groupCountKey]int64

// add adds n times what st contributes to group's counts (n < 0 takes it away).
func (d groupCountDeltas) add(group string, st *assetState, n int64) {
	st.counted(func(k countKind, id string) { d[groupCountKey{group, k, id}] += n })
}

// groupCountsBatch is how many rows one upsert statement writes (five arguments each).
const groupCountsBatch = 100

// applyGroupCounts writes the non-zero deltas of an account, in key order (the lock order of
// group_counts rows, so two transactions never wait on each other in a circle), a batch of rows
// per statement.
func (t *tx) applyGroupCounts(ctx context.Context, accountID string, d groupCountDeltas) error {
	keys := make([]groupCountKey, 0, len(d))
	for k, n := range d {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b groupCountKey) int {
		return cmp.Or(strings.Compare(a.group, b.group), cmp.Compare(a.kind, b.kind), strings.Compare(a.object, b.object))
	})
	for len(keys) > 0 {
		batch := keys[:min(len(keys), groupCountsBatch)]
		keys = keys[len(batch):]
		args := make([]any, 0, 5*len(batch))
		for _, k := range batch {
			args = append(args, accountID, k.group, int64(k.kind), k.object, d[k])
		}
		if _, err := t.exec(ctx, "INSERT INTO group_counts (account_id, group_id, kind, object_id, n) VALUES "+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?), ", len(batch)), ", ")+
			" ON CONFLICT (account_id, group_id, kind, object_id) DO UPDATE SET n = group_counts.n + excluded.n", args...); err != nil {
			return fmt.Errorf("group counts: %w", err)
		}
	}
	return nil
}

// groupCountsSQL is every non-zero count of an account's groups (the account id as its four
// arguments), grouped from one pass over the memberships per kind.
const groupCountsSQL = `SELECT group_id, kind, object_id, COUNT(*) AS n FROM (
	SELECT group_id, 1 AS kind, location_customer_id AS object_id FROM group_assets
		WHERE account_id = ? AND location_customer_id IS NOT NULL AND archived = FALSE
	UNION ALL
	SELECT group_id, 2, owner_customer_id FROM group_assets
		WHERE account_id = ? AND owner_customer_id IS NOT NULL AND archived = FALSE
	UNION ALL
	SELECT group_id, 3, owner_customer_id FROM group_assets
		WHERE account_id = ? AND owner_customer_id IS NOT NULL AND archived = FALSE
			AND (location_customer_id IS NULL OR location_customer_id <> owner_customer_id)
	UNION ALL
	SELECT group_id, 4, location_id FROM group_assets
		WHERE account_id = ? AND location_id IS NOT NULL AND archived = FALSE
) m GROUP BY group_id, kind, object_id`

// recountGroupCounts rewrites an account's group_counts from its memberships (after Recount has
// brought the memberships' copies up to date) and returns how many rows were wrong: a stored
// count that differs, or a non-zero count with no row.
func (t *tx) recountGroupCounts(ctx context.Context, accountID string) (int64, error) {
	a := accountID
	var wrong, stale int64
	if err := t.row(ctx, `SELECT COUNT(*) FROM (`+groupCountsSQL+`) e
		LEFT JOIN group_counts gc ON gc.account_id = ? AND gc.group_id = e.group_id AND gc.kind = e.kind AND gc.object_id = e.object_id
		WHERE gc.n IS NULL OR gc.n <> e.n`, a, a, a, a, a).Scan(&wrong); err != nil {
		return 0, err
	}
	if err := t.row(ctx, `SELECT COUNT(*) FROM group_counts gc WHERE gc.account_id = ? AND gc.n <> 0 AND NOT EXISTS (
		SELECT 1 FROM (`+groupCountsSQL+`) e WHERE e.group_id = gc.group_id AND e.kind = gc.kind AND e.object_id = gc.object_id)`,
		a, a, a, a, a).Scan(&stale); err != nil {
		return 0, err
	}
	if wrong+stale == 0 {
		return 0, nil
	}
	if _, err := t.exec(ctx, "DELETE FROM group_counts WHERE account_id = ?", a); err != nil {
		return 0, err
	}
	_, err := t.exec(ctx, `INSERT INTO group_counts (account_id, group_id, kind, object_id, n)
		SELECT ?, group_id, kind, object_id, n FROM (`+groupCountsSQL+`) e`, a, a, a, a, a)
	return wrong + stale, err
}

// groupCountsMismatchSQL counts an account's group_counts rows that differ from their member
// assets as the assets stand (probing the assets' indexes and the memberships for each stored
// row), and the member assets whose counts have no row at all (the account id as both
// arguments): independent of group_assets' copies and of recountGroupCounts' grouped pass, for
// CountMismatches.
var groupCountsMismatchSQL = `SELECT
	(SELECT COUNT(*) FROM group_counts gc WHERE gc.account_id = ? AND gc.n <> CASE gc.kind
		WHEN 1 THEN ` + memberAssets("x.location_customer_id = gc.object_id") + `
		WHEN 2 THEN ` + memberAssets("x.owner_customer_id = gc.object_id") + `
		WHEN 3 THEN ` + memberAssets("x.owner_customer_id = gc.object_id AND (x.location_customer_id IS NULL OR x.location_customer_id <> x.owner_customer_id)") + `
		ELSE ` + memberAssets("x.location_id = gc.object_id") + ` END)
	+ (SELECT COUNT(*) FROM group_assets ga JOIN assets x ON x.account_id = ga.account_id AND x.id = ga.asset_id
		WHERE ga.account_id = ? AND x.archived_at IS NULL AND (
		(x.location_customer_id IS NOT NULL AND NOT EXISTS (` + countRow(1, "x.location_customer_id") + `))
		OR (x.owner_customer_id IS NOT NULL AND NOT EXISTS (` + countRow(2, "x.owner_customer_id") + `))
		OR (x.owner_customer_id IS NOT NULL AND (x.location_customer_id IS NULL OR x.location_customer_id <> x.owner_customer_id)
			AND NOT EXISTS (` + countRow(3, "x.owner_customer_id") + `))
		OR (x.location_id IS NOT NULL AND NOT EXISTS (` + countRow(4, "x.location_id") + `))))`

// memberAssets counts the unarchived assets of group_counts row gc's group that meet cond.
func memberAssets(cond string) string {
	return `(SELECT COUNT(*) FROM assets x JOIN group_assets ga ON ga.account_id = x.account_id AND ga.group_id = gc.group_id AND ga.asset_id = x.id
			WHERE x.account_id = gc.account_id AND x.archived_at IS NULL AND ` + cond + `)`
}

// countRow is the group_counts row of membership ga's group, of kind, for the object objectExpr.
func countRow(kind countKind, objectExpr string) string {
	return fmt.Sprintf(`SELECT 1 FROM group_counts gc WHERE gc.account_id = ga.account_id AND gc.group_id = ga.group_id
			AND gc.kind = %d AND gc.object_id = %s`, kind, objectExpr)
}

// groupPair is two groups of an account, a < b: a row of group_overlaps.
type groupPair struct{ a, b string }

// overlapDeltas are changes to an account's group_overlaps, by pair.
type overlapDeltas map[groupPair]int64

// add adds n to the assets groups g and h share.
func (d overlapDeltas) add(g, h string, n int64) {
	if g > h {
		g, h = h, g
	}
	d[groupPair{g, h}] += n
}

// applyOverlaps writes the non-zero deltas of an account in pair order, one row per statement
// (a change touches few pairs: the other groups of the assets it adds or removes).
func (t *tx) applyOverlaps(ctx context.Context, accountID string, d overlapDeltas) error {
	pairs := make([]groupPair, 0, len(d))
	for p, n := range d {
		if n != 0 {
			pairs = append(pairs, p)
		}
	}
	slices.SortFunc(pairs, func(x, y groupPair) int { return cmp.Or(strings.Compare(x.a, y.a), strings.Compare(x.b, y.b)) })
	for _, p := range pairs {
		if _, err := t.exec(ctx, `INSERT INTO group_overlaps (account_id, group_a, group_b, n) VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id, group_a, group_b) DO UPDATE SET n = group_overlaps.n + excluded.n`,
			accountID, p.a, p.b, d[p]); err != nil {
			return fmt.Errorf("group overlaps: %w", err)
		}
	}
	return nil
}

// moveOverlaps adds sign to the overlap of group with each other group of the assets ids (after
// they joined or left it).
func (t *tx) moveOverlaps(ctx context.Context, accountID, group string, ids []string, sign int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, len(ids)+2)
	args = append(args, accountID, group)
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := t.query(ctx, "SELECT group_id, COUNT(*) FROM group_assets WHERE account_id = ? AND group_id <> ? AND asset_id IN ("+
		placeholders(len(ids))+") GROUP BY group_id", args...)
	if err != nil {
		return err
	}
	d := overlapDeltas{}
	for rows.Next() {
		var h string
		var n int64
		if err := rows.Scan(&h, &n); err != nil {
			rows.Close()
			return err
		}
		d.add(group, h, sign*n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return t.applyOverlaps(ctx, accountID, d)
}

// overlapsSQL is every pair of an account's groups that share assets, with how many (the
// account id as its argument).
const overlapsSQL = `SELECT a.group_id AS group_a, b.group_id AS group_b, COUNT(*) AS n FROM group_assets a
	JOIN group_assets b ON b.account_id = a.account_id AND b.asset_id = a.asset_id AND b.group_id > a.group_id
	WHERE a.account_id = ? GROUP BY a.group_id, b.group_id`

// recountOverlaps rewrites an account's group_overlaps from its memberships and returns how many
// pairs were wrong.
func (t *tx) recountOverlaps(ctx context.Context, accountID string) (int64, error) {
	a := accountID
	var wrong, stale int64
	if err := t.row(ctx, `SELECT COUNT(*) FROM (`+overlapsSQL+`) e
		LEFT JOIN group_overlaps o ON o.account_id = ? AND o.group_a = e.group_a AND o.group_b = e.group_b
		WHERE o.n IS NULL OR o.n <> e.n`, a, a).Scan(&wrong); err != nil {
		return 0, err
	}
	if err := t.row(ctx, `SELECT COUNT(*) FROM group_overlaps o WHERE o.account_id = ? AND o.n <> 0 AND NOT EXISTS (
		SELECT 1 FROM (`+overlapsSQL+`) e WHERE e.group_a = o.group_a AND e.group_b = o.group_b)`, a, a).Scan(&stale); err != nil {
		return 0, err
	}
	if wrong+stale == 0 {
		return 0, nil
	}
	if _, err := t.exec(ctx, "DELETE FROM group_overlaps WHERE account_id = ?", a); err != nil {
		return 0, err
	}
	_, err := t.exec(ctx, `INSERT INTO group_overlaps (account_id, group_a, group_b, n) SELECT ?, group_a, group_b, n FROM (`+overlapsSQL+`) e`, a, a)
	return wrong + stale, err
}

// overlapsMismatchSQL counts an account's pairs of groups whose stored overlap differs from
// their memberships, probing group_assets per stored row, plus the shared memberships of pairs
// with no row (the account id as both arguments).
const overlapsMismatchSQL = `SELECT
	(SELECT COUNT(*) FROM group_overlaps o WHERE o.account_id = ? AND o.n <> (SELECT COUNT(*) FROM group_assets a
		JOIN group_assets b ON b.account_id = a.account_id AND b.group_id = o.group_b AND b.asset_id = a.asset_id
		WHERE a.account_id = o.account_id AND a.group_id = o.group_a))
	+ (SELECT COUNT(*) FROM group_assets a JOIN group_assets b ON b.account_id = a.account_id AND b.asset_id = a.asset_id
		AND b.group_id > a.group_id
		WHERE a.account_id = ? AND NOT EXISTS (SELECT 1 FROM group_overlaps o WHERE o.account_id = a.account_id
			AND o.group_a = a.group_id AND o.group_b = b.group_id))`

// summable returns whether a scoped caller's counts are the sum of its groups' group_counts:
// it has one group, or several that share no asset.
func (s *Store) summable(ctx context.Context, a *steward.Actor) (bool, error) {
	if !scoped(a) {
		return false, nil
	}
	gs := scopeGroups(a)
	if len(gs) <= 1 {
		return len(gs) == 1, nil
	}
	args := make([]any, 0, 1+2*len(gs))
	args = append(args, a.AccountID)
	for range 2 {
		for _, g := range gs {
			args = append(args, g)
		}
	}
	var one int
	err := s.reader().row(ctx, "SELECT 1 FROM group_overlaps WHERE account_id = ? AND group_a IN ("+placeholders(len(gs))+
		") AND group_b IN ("+placeholders(len(gs))+") AND n > 0 LIMIT 1", args...).Scan(&one)
	if err == sql.ErrNoRows {
		return true, nil
	}
	return false, err
}
