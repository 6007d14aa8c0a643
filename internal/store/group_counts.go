package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
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
