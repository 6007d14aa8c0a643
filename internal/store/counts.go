package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// The customer counts (PRODUCT.md §1.1) and each location's asset_count are stored columns,
// kept exact in the transaction of every change that moves them:
//   - an asset write applies the difference between the asset's contribution before and after;
//   - the rare changes that move many assets at once (a location changing customer) recount the
//     customers they touch from the indexes (recountCustomer), just before commit.
// Recount recomputes everything; tests compare the kept counts with it.

// assetState is what an asset contributes to counts.
type assetState struct {
	archived    bool
	owner       *string // owner_customer_id
	location    *string // location_id
	locCustomer *string // location_customer_id
}

type customerDelta struct{ onLocation, owned, elsewhere int64 }

// countKind is one of the counts an asset contributes to: the codes of group_counts.kind.
type countKind int16

const (
	countOnLocation countKind = 1 // customers.assets_on_location_count, by location_customer_id
	countOwned      countKind = 2 // customers.assets_owned_count, by owner_customer_id
	countElsewhere  countKind = 3 // customers.assets_owned_elsewhere_count, by owner_customer_id
	countLocation   countKind = 4 // locations.asset_count, by location_id
)

// counted calls fn for each count the asset adds one to (none when archived): the one
// definition of the customer and location counts for the stored counts and the groups' counts.
func (st *assetState) counted(fn func(k countKind, id string)) {
	if st == nil || st.archived {
		return
	}
	if st.location != nil {
		fn(countLocation, *st.location)
	}
	if st.locCustomer != nil {
		fn(countOnLocation, *st.locCustomer)
	}
	if st.owner != nil {
		fn(countOwned, *st.owner)
		if st.locCustomer == nil || *st.locCustomer != *st.owner {
			fn(countElsewhere, *st.owner)
		}
	}
}

func (st *assetState) contribute(sign int64, cust map[string]*customerDelta, loc map[string]int64) {
	get := func(id string) *customerDelta {
		d := cust[id]
		if d == nil {
			d = &customerDelta{}
			cust[id] = d
		}
		return d
	}
	st.counted(func(k countKind, id string) {
		switch k {
		case countLocation:
			loc[id] += sign
		case countOnLocation:
			get(id).onLocation += sign
		case countOwned:
			get(id).owned += sign
		case countElsewhere:
			get(id).elsewhere += sign
		}
	})
}

// moveAssetCounts applies the count changes of one asset going from before to after (either may
// be nil: a create or a delete).
func (t *tx) moveAssetCounts(ctx context.Context, accountID string, before, after *assetState) error {
	cust := map[string]*customerDelta{}
	loc := map[string]int64{}
	before.contribute(-1, cust, loc)
	after.contribute(+1, cust, loc)
	// Rows are locked in the order every write takes them: locations, then customers, each
	// sorted by id (see Store.write).
	for _, id := range sortedKeys(loc) {
		d := loc[id]
		if d == 0 {
			continue
		}
		if _, err := t.exec(ctx, "UPDATE locations SET asset_count = asset_count + ? WHERE account_id = ? AND id = ?",
			d, accountID, id); err != nil {
			return fmt.Errorf("location counts: %w", err)
		}
	}
	for _, id := range sortedKeys(cust) {
		d := cust[id]
		if *d == (customerDelta{}) {
			continue
		}
		if _, err := t.exec(ctx, `UPDATE customers SET assets_on_location_count = assets_on_location_count + ?,
			assets_owned_count = assets_owned_count + ?, assets_owned_elsewhere_count = assets_owned_elsewhere_count + ?
			WHERE account_id = ? AND id = ?`, d.onLocation, d.owned, d.elsewhere, accountID, id); err != nil {
			return fmt.Errorf("customer counts: %w", err)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// addLocationCount moves a customer's location_count by delta.
func (t *tx) addLocationCount(ctx context.Context, accountID string, customerID *string, delta int64) error {
	if customerID == nil || delta == 0 {
		return nil
	}
	_, err := t.exec(ctx, "UPDATE customers SET location_count = location_count + ? WHERE account_id = ? AND id = ?",
		delta, accountID, *customerID)
	return err
}

// markRecount asks for a customer's counts to be recomputed before the transaction commits.
func (t *tx) markRecount(accountID string, customerID *string) {
	if customerID == nil {
		return
	}
	if t.recount == nil {
		t.recount = map[string]map[string]bool{}
	}
	if t.recount[accountID] == nil {
		t.recount[accountID] = map[string]bool{}
	}
	t.recount[accountID][*customerID] = true
}

// flushRecounts recomputes the marked customers' counts. On PostgreSQL each customer row is
// locked first, in its own statement: the recount that follows then reads a snapshot taken after
// every concurrent delta on that row has committed, and concurrent deltas wait for it, so none
// is lost. (A single UPDATE would count from a snapshot taken before it waited for the lock.)
func (t *tx) flushRecounts(ctx context.Context) error {
	for _, account := range sortedKeys(t.recount) {
		ids := sortedKeys(t.recount[account])
		if t.d == postgres {
			for _, id := range ids {
				var got string
				if err := t.row(ctx, "SELECT id FROM customers WHERE account_id = ? AND id = ?"+t.d.forUpdate(), account, id).Scan(&got); err != nil && err != sql.ErrNoRows {
					return fmt.Errorf("recount: %w", err)
				}
			}
		}
		for _, id := range ids {
			if _, err := t.exec(ctx, recountCustomersSQL+" AND id = ?", account, id); err != nil {
				return fmt.Errorf("recount: %w", err)
			}
		}
	}
	t.recount = nil
	return nil
}

// customerCounts are the stored counts of a customer (in the UPDATE or WHERE of a statement on
// customers) and how each is counted from the indexes, probing them for that one customer.
var customerCounts = [...]struct{ column, count string }{
	{"location_count", `(SELECT COUNT(*) FROM locations l
		WHERE l.account_id = customers.account_id AND l.customer_id = customers.id AND l.archived_at IS NULL)`},
	{"assets_on_location_count", `(SELECT COUNT(*) FROM assets x
		WHERE x.account_id = customers.account_id AND x.location_customer_id = customers.id AND x.archived_at IS NULL)`},
	{"assets_owned_count", `(SELECT COUNT(*) FROM assets x
		WHERE x.account_id = customers.account_id AND x.owner_customer_id = customers.id AND x.archived_at IS NULL)`},
	{"assets_owned_elsewhere_count", `(SELECT COUNT(*) FROM assets x
		WHERE x.account_id = customers.account_id AND x.owner_customer_id = customers.id AND x.archived_at IS NULL
		AND (x.location_customer_id IS NULL OR x.location_customer_id <> customers.id))`},
}

// customerCountsJoined joins "column op count" of every customer count with sep.
func customerCountsJoined(op, sep string) string {
	parts := make([]string, len(customerCounts))
	for i, c := range customerCounts {
		parts[i] = c.column + op + c.count
	}
	return strings.Join(parts, sep)
}

// recountCustomersSQL recomputes the counts of an account's customers from the indexes, probing
// them per customer: cheap for the few customers flushRecounts appends by id.
var recountCustomersSQL = "UPDATE customers SET " + customerCountsJoined(" = ", ", ") + " WHERE account_id = ?"

// Mismatches counts an account's rows whose stored counts, or copies of another row's state,
// differ from the data they derive from.
type Mismatches struct {
	// Customers and Locations: the customer counts and each location's asset_count.
	Customers, Locations int64
	// Groups: a group's asset_count or user_count against its memberships.
	Groups int64
	// GroupAssets: memberships whose copy of their asset's location, location customer, owner
	// or archived state (what scoped counts read, migration 0007) is not the asset's.
	GroupAssets int64
	// GroupCounts: a group's count per customer or location (group_counts, migration 0014)
	// against its memberships, or a membership whose counts have no row.
	GroupCounts int64
	// GroupOverlaps: how many assets two groups share (group_overlaps) against their memberships.
	GroupOverlaps int64
}

// Recount recomputes every stored count and copy of an account from the data (after a bulk
// load, or to repair): customers, locations, groups, group memberships and the groups' counts,
// one statement per table. It rewrites only the rows that were wrong and returns how many of each. Unlike the
// per-customer recount above, it counts in one grouped pass over each table
// (recountedCustomersSQL, recountedLocationsSQL, recountedGroupsSQL) instead of probing the
// indexes once per row and count: seconds instead of a minute at a million assets.
func (s *Store) Recount(ctx context.Context, accountID string) (fixed Mismatches, err error) {
	err = s.write(ctx, func(t *tx) error {
		fixed = Mismatches{}
		rewrite := func(n *int64, query string, args ...any) error {
			res, err := t.exec(ctx, query, args...)
			if err != nil {
				return err
			}
			*n, err = res.RowsAffected()
			return err
		}
		a := accountID
		if err := rewrite(&fixed.Customers, `UPDATE customers SET location_count = n.locations,
			assets_on_location_count = n.on_location, assets_owned_count = n.owned,
			assets_owned_elsewhere_count = n.elsewhere
			FROM (`+recountedCustomersSQL+`) n
			WHERE customers.account_id = ? AND customers.id = n.id AND (customers.location_count <> n.locations
				OR customers.assets_on_location_count <> n.on_location OR customers.assets_owned_count <> n.owned
				OR customers.assets_owned_elsewhere_count <> n.elsewhere)`, a, a, a, a, a); err != nil {
			return err
		}
		if err := rewrite(&fixed.Locations, `UPDATE locations SET asset_count = n.assets FROM (`+recountedLocationsSQL+`) n
			WHERE locations.account_id = ? AND locations.id = n.id AND locations.asset_count <> n.assets`, a, a, a); err != nil {
			return err
		}
		// Memberships before groups: the order an asset write takes them in (syncGroupAssets,
		// then leaveGroups' counts).
		if err := rewrite(&fixed.GroupAssets, `UPDATE group_assets SET location_id = x.location_id,
			location_customer_id = x.location_customer_id, owner_customer_id = x.owner_customer_id,
			archived = (x.archived_at IS NOT NULL)
			FROM assets x
			WHERE group_assets.account_id = ? AND x.account_id = group_assets.account_id AND x.id = group_assets.asset_id
				AND `+groupAssetStale, a); err != nil {
			return err
		}
		if err := rewrite(&fixed.Groups, `UPDATE groups SET asset_count = n.assets, user_count = n.users
			FROM (`+recountedGroupsSQL+`) n
			WHERE groups.account_id = ? AND groups.id = n.id AND (groups.asset_count <> n.assets OR groups.user_count <> n.users)`,
			a, a, a, a); err != nil {
			return err
		}
		var err error
		if fixed.GroupCounts, err = t.recountGroupCounts(ctx, a); err != nil {
			return err
		}
		fixed.GroupOverlaps, err = t.recountOverlaps(ctx, a)
		return err
	})
	return fixed, err
}

// recountedCustomersSQL is every customer of an account (four arguments: the account id each
// time) with its counts, grouped from one pass over the locations and one over the assets (an
// asset counts for the customer of its location and for its owner: two rows of the union).
const recountedCustomersSQL = `SELECT c.id, COALESCE(l.n, 0) AS locations, COALESCE(x.on_location, 0) AS on_location,
		COALESCE(x.owned, 0) AS owned, COALESCE(x.elsewhere, 0) AS elsewhere
	FROM customers c
	LEFT JOIN (SELECT customer_id, COUNT(*) AS n FROM locations
		WHERE account_id = ? AND customer_id IS NOT NULL AND archived_at IS NULL GROUP BY customer_id) l
		ON l.customer_id = c.id
	LEFT JOIN (SELECT customer_id, SUM(on_location) AS on_location, SUM(owned) AS owned, SUM(elsewhere) AS elsewhere
		FROM (SELECT location_customer_id AS customer_id, 1 AS on_location, 0 AS owned, 0 AS elsewhere FROM assets
				WHERE account_id = ? AND location_customer_id IS NOT NULL AND archived_at IS NULL
			UNION ALL
			SELECT owner_customer_id, 0, 1,
				CASE WHEN location_customer_id IS NULL OR location_customer_id <> owner_customer_id THEN 1 ELSE 0 END
				FROM assets WHERE account_id = ? AND owner_customer_id IS NOT NULL AND archived_at IS NULL) r
		GROUP BY customer_id) x
		ON x.customer_id = c.id
	WHERE c.account_id = ?`

// recountedLocationsSQL is every location of an account (two arguments: the account id) with
// its asset count, grouped from one pass over the assets.
const recountedLocationsSQL = `SELECT l.id, COALESCE(x.n, 0) AS assets FROM locations l
	LEFT JOIN (SELECT location_id, COUNT(*) AS n FROM assets
		WHERE account_id = ? AND location_id IS NOT NULL AND archived_at IS NULL GROUP BY location_id) x
		ON x.location_id = l.id
	WHERE l.account_id = ?`

// countMismatch is true for a customer whose stored counts differ from a recount.
var countMismatch = customerCountsJoined(" <> ", " OR ")

// recountedGroupsSQL is every group of an account (three arguments: the account id) with its
// member counts, grouped from one pass over each membership table.
const recountedGroupsSQL = `SELECT g.id, COALESCE(ga.n, 0) AS assets, COALESCE(gu.n, 0) AS users FROM groups g
	LEFT JOIN (SELECT group_id, COUNT(*) AS n FROM group_assets WHERE account_id = ? GROUP BY group_id) ga
		ON ga.group_id = g.id
	LEFT JOIN (SELECT group_id, COUNT(*) AS n FROM group_users WHERE account_id = ? GROUP BY group_id) gu
		ON gu.group_id = g.id
	WHERE g.account_id = ?`

// groupAssetStale is true for a membership (group_assets) whose copy of its asset's state
// differs from the asset (x).
const groupAssetStale = `(group_assets.archived <> (x.archived_at IS NOT NULL)
	OR COALESCE(group_assets.location_id, '') <> COALESCE(x.location_id, '')
	OR COALESCE(group_assets.location_customer_id, '') <> COALESCE(x.location_customer_id, '')
	OR COALESCE(group_assets.owner_customer_id, '') <> COALESCE(x.owner_customer_id, ''))`

// CountMismatches counts the rows of an account whose stored counts or copies differ from a
// recount (the zero Mismatches when everything is exact). It probes each row on its own,
// independently of Recount's grouped passes, so tests can hold one against the other.
func (s *Store) CountMismatches(ctx context.Context, accountID string) (m Mismatches, err error) {
	r := s.reader()
	for _, c := range []struct {
		n     *int64
		query string
	}{
		{&m.Customers, `SELECT COUNT(*) FROM customers WHERE account_id = ? AND (` + countMismatch + `)`},
		{&m.Locations, `SELECT COUNT(*) FROM locations WHERE account_id = ? AND asset_count <> (SELECT COUNT(*) FROM assets x
			WHERE x.account_id = locations.account_id AND x.location_id = locations.id AND x.archived_at IS NULL)`},
		{&m.Groups, `SELECT COUNT(*) FROM groups g WHERE g.account_id = ? AND (
			g.asset_count <> (SELECT COUNT(*) FROM group_assets ga WHERE ga.account_id = g.account_id AND ga.group_id = g.id)
			OR g.user_count <> (SELECT COUNT(*) FROM group_users gu WHERE gu.account_id = g.account_id AND gu.group_id = g.id))`},
		{&m.GroupAssets, `SELECT COUNT(*) FROM group_assets JOIN assets x
				ON x.account_id = group_assets.account_id AND x.id = group_assets.asset_id
			WHERE group_assets.account_id = ? AND ` + groupAssetStale},
	} {
		if err := r.row(ctx, c.query, accountID).Scan(c.n); err != nil {
			return Mismatches{}, err
		}
	}
	if err := r.row(ctx, groupCountsMismatchSQL, accountID, accountID).Scan(&m.GroupCounts); err != nil {
		return Mismatches{}, err
	}
	if err := r.row(ctx, overlapsMismatchSQL, accountID, accountID).Scan(&m.GroupOverlaps); err != nil {
		return Mismatches{}, err
	}
	return m, nil
}
