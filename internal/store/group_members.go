package store

import (
	"context"
	"slices"

	"github.com/steward-fleet/steward/internal/steward"
)

// Group membership: adding and removing assets and users, one transaction and one audit event
// per call. Lock order (PostgreSQL): the member assets first (FOR SHARE, by id: an asset cannot
// be deleted or moved while it joins), then the group row; an asset write locks its asset and
// then, deleting it, the groups it leaves: the same order, so the two never wait in a circle.

// memberKind is one kind of group member.
type memberKind struct {
	field      string // the body's list: asset_ids, user_ids
	table      *table // where the members live
	link       string // the membership table
	linkColumn string // the member's column there
	count      string // the group's count column
}

var (
	assetMembers = memberKind{field: "asset_ids", table: assets.table, link: "group_assets", linkColumn: "asset_id", count: "asset_count"}
	userMembers  = memberKind{field: "user_ids", table: users.table, link: "group_users", linkColumn: "user_id", count: "user_count"}
)

// AddGroupAssets adds assets to a group.
func (s *Store) AddGroupAssets(ctx context.Context, a *steward.Actor, id string, assetIDs []string) error {
	return s.changeMembers(ctx, a, id, assetMembers, assetIDs, true)
}

// RemoveGroupAssets removes assets from a group.
func (s *Store) RemoveGroupAssets(ctx context.Context, a *steward.Actor, id string, assetIDs []string) error {
	return s.changeMembers(ctx, a, id, assetMembers, assetIDs, false)
}

// AddGroupUsers adds users to a group.
func (s *Store) AddGroupUsers(ctx context.Context, a *steward.Actor, id string, userIDs []string) error {
	return s.changeMembers(ctx, a, id, userMembers, userIDs, true)
}

// RemoveGroupUsers removes users from a group.
func (s *Store) RemoveGroupUsers(ctx context.Context, a *steward.Actor, id string, userIDs []string) error {
	return s.changeMembers(ctx, a, id, userMembers, userIDs, false)
}

func (s *Store) changeMembers(ctx context.Context, a *steward.Actor, groupID string, k memberKind, ids []string, add bool) error {
	if err := a.Require(steward.PermManageGroups); err != nil {
		return err
	}
	var err error
	if k.field == assetMembers.field {
		err = (&steward.AssetIDs{AssetIDs: ids}).Normalize()
	} else {
		err = (&steward.UserIDs{UserIDs: ids}).Normalize()
	}
	if err != nil {
		// The group first: one the caller does not see is not found, whatever the list holds.
		if _, gerr := s.Group(ctx, a, groupID); gerr != nil {
			return gerr
		}
		return err
	}
	return s.write(ctx, func(t *tx) error { return t.changeMembers(ctx, a, groupID, k, ids, add) })
}

// member is one resolved member id.
type member struct {
	id, name string
	state    assetState // assets only: what it contributes to counts
}

// changeMembers adds (add) or removes ids of kind k to or from the group. Every id must name a
// member the actor sees (EINVALID on field[i] otherwise, and nothing is written); members
// already in (or, removing, not in) the group are left as they are.
func (t *tx) changeMembers(ctx context.Context, a *steward.Actor, groupID string, k memberKind, ids []string, add bool) error {
	// Once each, in id order (the lock order), remembering where each first stood for errors.
	first := map[string]int{}
	for i, id := range ids {
		if _, ok := first[id]; !ok {
			first[id] = i
		}
	}
	// The path first: a group the caller does not see is 404 whatever the body holds.
	if _, err := getGroup(ctx, t.q, a, groupID, noLock); err != nil {
		return err
	}
	unique := sortedKeys(first)
	found, err := t.resolveMembers(ctx, a, k, unique)
	if err != nil {
		return err
	}
	var v steward.Violations
	for i, id := range ids {
		if _, ok := found[id]; !ok && first[id] == i && len(v) < 20 {
			v.Add(steward.MemberField(k.field, i), "names no %s of this account", k.table.noun)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	g, err := getGroup(ctx, t.q, a, groupID, lockWrite)
	if err != nil {
		return err
	}
	in, err := t.memberIDs(ctx, a.AccountID, groupID, k, unique)
	if err != nil {
		return err
	}
	var changed []string
	for _, id := range unique {
		if in[id] != add {
			changed = append(changed, id)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	var n int64
	sign := int64(1)
	if !add {
		sign = -1
	}
	counts := groupCountDeltas{}
	var moved []string // the assets that joined or left
	for _, id := range changed {
		var res interface{ RowsAffected() (int64, error) }
		if add {
			res, err = t.insertMember(ctx, a.AccountID, groupID, k, id, found[id])
		} else {
			res, err = t.exec(ctx, "DELETE FROM "+k.link+" WHERE account_id = ? AND group_id = ? AND "+k.linkColumn+" = ?",
				a.AccountID, groupID, id)
		}
		if err != nil {
			return err
		}
		got, err := res.RowsAffected()
		if err != nil {
			return err
		}
		n += got
		if got > 0 && k.table == assets.table {
			st := found[id].state
			counts.add(groupID, &st, sign)
			moved = append(moved, id)
		}
	}
	if _, err := t.exec(ctx, "UPDATE groups SET "+k.count+" = "+k.count+" + ? WHERE account_id = ? AND id = ?", sign*n, a.AccountID, groupID); err != nil {
		return err
	}
	if err := t.applyGroupCounts(ctx, a.AccountID, counts); err != nil {
		return err
	}
	if err := t.moveOverlaps(ctx, a.AccountID, groupID, moved, sign); err != nil {
		return err
	}
	action := steward.ActionRemoveMembers
	if add {
		action = steward.ActionAddMembers
	}
	changes := make([]steward.Change, 0, len(changed))
	for _, id := range changed {
		name := found[id].name
		c := steward.Change{Field: k.field}
		if add {
			c.New, c.NewLabel = id, &name
		} else {
			c.Old, c.OldLabel = id, &name
		}
		changes = append(changes, c)
	}
	return t.audit(ctx, a, a.AccountID, auditEntry{action: action, objectType: steward.ObjectGroup,
		objectID: groupID, objectName: g.Name, changes: changes})
}

// resolveMembers reads the members ids name that the actor sees (assets within its fleet scope),
// keyed by id. Assets are locked FOR SHARE on PostgreSQL, in id order.
func (t *tx) resolveMembers(ctx context.Context, a *steward.Actor, k memberKind, ids []string) (map[string]member, error) {
	args := make([]any, 0, len(ids)+8)
	args = append(args, a.AccountID)
	for _, id := range ids {
		args = append(args, id)
	}
	var query string
	if k.table == assets.table {
		query = "SELECT x.id, x.name, x.location_id, x.location_customer_id, x.owner_customer_id, x.archived_at IS NOT NULL FROM assets x WHERE x.account_id = ? AND x.id IN (" + placeholders(len(ids)) + ")"
		if cond, cargs := assetScope(a, "x.id"); cond != "" {
			query += " AND " + cond
			args = append(args, cargs...)
		}
		query += " ORDER BY x.id" + t.d.forShare()
	} else {
		query = "SELECT u.id, u.name FROM users u WHERE u.account_id = ? AND u.id IN (" + placeholders(len(ids)) + ")"
	}
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]member, len(ids))
	for rows.Next() {
		var m member
		dst := []any{&m.id, &m.name}
		if k.table == assets.table {
			dst = append(dst, nullable[string]{&m.state.location}, nullable[string]{&m.state.locCustomer},
				nullable[string]{&m.state.owner}, &m.state.archived)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		out[m.id] = m
	}
	return out, rows.Err()
}

// memberIDs returns which of ids are members of the group.
func (t *tx) memberIDs(ctx context.Context, accountID, groupID string, k memberKind, ids []string) (map[string]bool, error) {
	args := make([]any, 0, len(ids)+2)
	args = append(args, accountID, groupID)
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := t.query(ctx, "SELECT "+k.linkColumn+" FROM "+k.link+" WHERE account_id = ? AND group_id = ? AND "+
		k.linkColumn+" IN ("+placeholders(len(ids))+")", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	in := make(map[string]bool, len(ids))
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		in[id] = true
	}
	return in, rows.Err()
}

// insertMember writes one membership; an asset's row carries what the asset contributes to
// counts (see migration 0007).
func (t *tx) insertMember(ctx context.Context, accountID, groupID string, k memberKind, id string, m member) (interface{ RowsAffected() (int64, error) }, error) {
	if k.table == assets.table {
		return t.exec(ctx, `INSERT INTO group_assets (account_id, group_id, asset_id, location_id, location_customer_id, owner_customer_id, archived)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, accountID, groupID, id,
			nullText(m.state.location), nullText(m.state.locCustomer), nullText(m.state.owner), m.state.archived)
	}
	return t.exec(ctx, "INSERT INTO group_users (account_id, group_id, user_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		accountID, groupID, id)
}

// syncGroupAssets copies an asset's new contribution to counts into its memberships, and moves
// its groups' counts, when it changed (an asset write calls it after the asset's row).
func (t *tx) syncGroupAssets(ctx context.Context, accountID, assetID string, before, after *assetState) error {
	if before == nil || (after != nil && before.archived == after.archived && sameRef(before.location, after.location) &&
		sameRef(before.locCustomer, after.locCustomer) && sameRef(before.owner, after.owner)) {
		return nil // a new asset is in no group yet
	}
	groups, err := t.strings(ctx, `UPDATE group_assets SET location_id = ?, location_customer_id = ?, owner_customer_id = ?, archived = ?
		WHERE account_id = ? AND asset_id = ? RETURNING group_id`, nullText(after.location), nullText(after.locCustomer), nullText(after.owner),
		after.archived, accountID, assetID)
	if err != nil {
		return err
	}
	counts := groupCountDeltas{}
	for _, g := range groups {
		counts.add(g, before, -1)
		counts.add(g, after, +1)
	}
	return t.applyGroupCounts(ctx, accountID, counts)
}

// leaveGroups removes a deleted (or transferred) asset from its groups, their member counts,
// their counts per customer and location and what they share.
func (t *tx) leaveGroups(ctx context.Context, accountID, assetID string) error {
	rows, err := t.query(ctx, `DELETE FROM group_assets WHERE account_id = ? AND asset_id = ?
		RETURNING group_id, location_id, location_customer_id, owner_customer_id, archived`, accountID, assetID)
	if err != nil {
		return err
	}
	var left []string
	counts := groupCountDeltas{}
	for rows.Next() {
		var g string
		var st assetState
		if err := rows.Scan(&g, nullable[string]{&st.location}, nullable[string]{&st.locCustomer},
			nullable[string]{&st.owner}, &st.archived); err != nil {
			rows.Close()
			return err
		}
		left = append(left, g)
		counts.add(g, &st, -1)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	slices.Sort(left)
	overlaps := overlapDeltas{}
	for i, g := range left {
		if _, err := t.exec(ctx, "UPDATE groups SET asset_count = asset_count - 1 WHERE account_id = ? AND id = ?", accountID, g); err != nil {
			return err
		}
		for _, h := range left[i+1:] {
			overlaps.add(g, h, -1)
		}
	}
	if err := t.applyGroupCounts(ctx, accountID, counts); err != nil {
		return err
	}
	return t.applyOverlaps(ctx, accountID, overlaps)
}

// moveLocationGroupAssets follows a location that changed customer (to the customer to) in the
// memberships of the assets standing there and in their groups' counts: what those assets
// contribute is read grouped by group and owner, before and after.
func (t *tx) moveLocationGroupAssets(ctx context.Context, accountID, locationID string, to *string) error {
	rows, err := t.query(ctx, `SELECT ga.group_id, ga.owner_customer_id, ga.location_customer_id, COUNT(*) FROM assets x
		JOIN group_assets ga ON ga.account_id = x.account_id AND ga.asset_id = x.id
		WHERE x.account_id = ? AND x.location_id = ? AND ga.archived = FALSE
		GROUP BY ga.group_id, ga.owner_customer_id, ga.location_customer_id`, accountID, locationID)
	if err != nil {
		return err
	}
	counts := groupCountDeltas{}
	for rows.Next() {
		var g string
		var owner, from *string
		var n int64
		if err := rows.Scan(&g, nullable[string]{&owner}, nullable[string]{&from}, &n); err != nil {
			rows.Close()
			return err
		}
		loc := locationID
		counts.add(g, &assetState{owner: owner, location: &loc, locCustomer: from}, -n)
		counts.add(g, &assetState{owner: owner, location: &loc, locCustomer: to}, +n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `UPDATE group_assets SET location_customer_id = ? WHERE account_id = ? AND asset_id IN
		(SELECT id FROM assets WHERE account_id = ? AND location_id = ?)`, nullText(to), accountID, accountID, locationID); err != nil {
		return err
	}
	return t.applyGroupCounts(ctx, accountID, counts)
}
