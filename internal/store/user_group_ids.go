package store

import (
	"context"
	"slices"

	"github.com/steward-fleet/steward/internal/steward"
)

// withGroupIDs fills the GroupIDs of us (users of accountID) from their memberships, in id
// order; a user of no group gets an empty list. One query for all of them.
func withGroupIDs(ctx context.Context, r q, accountID string, us ...*steward.User) error {
	if len(us) == 0 {
		return nil
	}
	ids := make([]string, len(us))
	for i, u := range us {
		ids[i], u.GroupIDs = u.ID, []string{}
	}
	rows, err := r.query(ctx, "SELECT user_id, group_id FROM group_users WHERE account_id = ? AND user_id IN ("+placeholders(len(ids))+
		") ORDER BY user_id, group_id", append([]any{accountID}, anys(ids)...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	by := map[string][]string{}
	for rows.Next() {
		var u, g string
		if err := rows.Scan(&u, &g); err != nil {
			return err
		}
		by[u] = append(by[u], g)
	}
	for _, u := range us {
		if g, ok := by[u.ID]; ok {
			u.GroupIDs = g
		}
	}
	return rows.Err()
}

// sameGroups reports whether two lists of group ids name the same groups.
func sameGroups(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}
