package store

import (
	"context"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// Names resolves a page's customer and location ids in one query per table (id IN (…), bounded by
// steward.MaxNames and the caller's account), instead of one lookup per row.
func (s *Store) Names(ctx context.Context, a *steward.Actor, customerIDs, locationIDs []string) (map[string]steward.Ref, map[string]steward.Ref, error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, nil, err
	}
	cids, err := nameIDs("customer_ids", customerIDs)
	if err != nil {
		return nil, nil, err
	}
	lids, err := nameIDs("location_ids", locationIDs)
	if err != nil {
		return nil, nil, err
	}
	r := s.reader()
	cs, err := names(ctx, r, customers.table, a.AccountID, cids)
	if err != nil {
		return nil, nil, err
	}
	ls, err := names(ctx, r, locations.table, a.AccountID, lids)
	if err != nil {
		return nil, nil, err
	}
	return cs, ls, nil
}

// nameIDs keeps the well-formed ids, once each; an id that is not one cannot name anything.
func nameIDs(field string, ids []string) ([]string, error) {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		if steward.IsID(id) {
			out = append(out, id)
		}
	}
	if len(seen) > steward.MaxNames {
		return nil, steward.Invalid(field, "at most %d ids at a time", steward.MaxNames)
	}
	return out, nil
}

// inSize is the length of the IN list that holds n ids: the next power of two from 8, at most
// steward.MaxNames. The list is padded with repeats of an id, so that the query texts are a few
// per table (each prepared once and cached, see stmtCache) rather than one per count of ids.
func inSize(n int) int {
	size := 8
	for size < n {
		size *= 2
	}
	return min(size, max(n, steward.MaxNames))
}

// names reads the name and archived state of ids in tb (customers or locations) within the
// account.
func names(ctx context.Context, r q, tb *table, accountID string, ids []string) (map[string]steward.Ref, error) {
	out := make(map[string]steward.Ref, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	size := inSize(len(ids))
	args := make([]any, 0, size+1)
	args = append(args, accountID)
	for i := range size {
		args = append(args, ids[min(i, len(ids)-1)])
	}
	rows, err := r.query(ctx, "SELECT id, name, archived_at IS NOT NULL FROM "+tb.name+" WHERE account_id = ? AND id IN ("+
		strings.TrimSuffix(strings.Repeat("?, ", size), ", ")+")", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ref steward.Ref
		if err := rows.Scan(&ref.ID, &ref.Name, &ref.Archived); err != nil {
			return nil, err
		}
		out[ref.ID] = ref
	}
	return out, rows.Err()
}
