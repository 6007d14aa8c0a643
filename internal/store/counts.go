package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
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

func (st *assetState) contribute(sign int64, cust map[string]*customerDelta, loc map[string]int64) {
	if st == nil || st.archived {
		return
	}
	get := func(id string) *customerDelta {
		d := cust[id]
		if d == nil {
			d = &customerDelta{}
			cust[id] = d
		}
		return d
	}
	if st.location != nil {
		loc[*st.location] += sign
	}
	if st.locCustomer != nil {
		get(*st.locCustomer).onLocation += sign
	}
	if st.owner != nil {
		d := get(*st.owner)
		d.owned += sign
		if st.locCustomer == nil || *st.locCustomer != *st.owner {
			d.elsewhere += sign
		}
	}
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

// recountCustomersSQL recomputes the counts of an account's customers from the indexes;
// callers append a narrower condition or none.
const recountCustomersSQL = `UPDATE customers SET
	location_count = (SELECT COUNT(*) FROM locations l
		WHERE l.account_id = customers.account_id AND l.customer_id = customers.id AND l.archived_at IS NULL),
	assets_on_location_count = (SELECT COUNT(*) FROM assets x
		WHERE x.account_id = customers.account_id AND x.location_customer_id = customers.id AND x.archived_at IS NULL),
	assets_owned_count = (SELECT COUNT(*) FROM assets x
		WHERE x.account_id = customers.account_id AND x.owner_customer_id = customers.id AND x.archived_at IS NULL),
	assets_owned_elsewhere_count = (SELECT COUNT(*) FROM assets x
		WHERE x.account_id = customers.account_id AND x.owner_customer_id = customers.id AND x.archived_at IS NULL
		AND (x.location_customer_id IS NULL OR x.location_customer_id <> customers.id))
	WHERE account_id = ?`

const recountLocationsSQL = `UPDATE locations SET asset_count = (SELECT COUNT(*) FROM assets x
	WHERE x.account_id = locations.account_id AND x.location_id = locations.id AND x.archived_at IS NULL)
	WHERE account_id = ?`

// Recount recomputes every stored count of an account from the data (after a bulk load, or to
// repair). It rewrites only the customers whose counts were wrong and returns how many.
func (s *Store) Recount(ctx context.Context, accountID string) (wrong int64, err error) {
	err = s.write(ctx, func(t *tx) error {
		res, err := t.exec(ctx, recountCustomersSQL+" AND ("+countMismatch+")", accountID)
		if err != nil {
			return err
		}
		if wrong, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = t.exec(ctx, recountLocationsSQL, accountID)
		return err
	})
	return wrong, err
}

// countMismatch is true for a customer whose stored counts differ from a recount.
const countMismatch = `location_count <> (SELECT COUNT(*) FROM locations l
		WHERE l.account_id = customers.account_id AND l.customer_id = customers.id AND l.archived_at IS NULL)
	OR assets_on_location_count <> (SELECT COUNT(*) FROM assets x
		WHERE x.account_id = customers.account_id AND x.location_customer_id = customers.id AND x.archived_at IS NULL)
	OR assets_owned_count <> (SELECT COUNT(*) FROM assets x
		WHERE x.account_id = customers.account_id AND x.owner_customer_id = customers.id AND x.archived_at IS NULL)
	OR assets_owned_elsewhere_count <> (SELECT COUNT(*) FROM assets x
		WHERE x.account_id = customers.account_id AND x.owner_customer_id = customers.id AND x.archived_at IS NULL
		AND (x.location_customer_id IS NULL OR x.location_customer_id <> customers.id))`

// CountMismatches returns how many customers and locations of an account have stored counts that
// differ from a recount (0 and 0 when everything is exact).
func (s *Store) CountMismatches(ctx context.Context, accountID string) (customers, locations int64, err error) {
	r := s.reader()
	if err = r.row(ctx, `SELECT COUNT(*) FROM customers WHERE account_id = ? AND (`+countMismatch+`)`, accountID).Scan(&customers); err != nil {
		return 0, 0, err
	}
	err = r.row(ctx, `SELECT COUNT(*) FROM locations WHERE account_id = ? AND asset_count <> (SELECT COUNT(*) FROM assets x
		WHERE x.account_id = locations.account_id AND x.location_id = locations.id AND x.archived_at IS NULL)`, accountID).Scan(&locations)
	return customers, locations, err
}
