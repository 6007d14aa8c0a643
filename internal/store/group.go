package store

import (
	"context"

	"github.com/steward-fleet/steward/internal/steward"
)

type group = steward.Group

// groups describes the groups table.
var groups = (&entity[group]{
	table: &table{name: "groups", alias: "g", noun: "group", objectType: steward.ObjectGroup, tenant: true, versioned: true},
	id:    func(g *group) string { return g.ID },
	keys: func(g *group) derived {
		return derived{nameKey: fold(g.Name), search: searchText(g.Name)}
	},
	cols: append(append([]column[group]{
		{name: "id", kind: colInsert, ptr: func(g *group) any { return &g.ID }, val: func(g *group) any { return g.ID }},
		{name: "account_id", kind: colInsert, ptr: func(g *group) any { return &g.AccountID }, val: func(g *group) any { return g.AccountID }},
		{name: "name", ptr: func(g *group) any { return &g.Name }, val: func(g *group) any { return g.Name }},
		{name: "description", ptr: func(g *group) any { return &g.Description }, val: func(g *group) any { return g.Description }},
		{name: "asset_count", kind: colReadOnly, ptr: func(g *group) any { return &g.AssetCount }},
		{name: "user_count", kind: colReadOnly, ptr: func(g *group) any { return &g.UserCount }},
	}, metaCols(func(g *group) *steward.Meta { return &g.Meta })...), derivedCols[group]()...),
}).build()

var groupList = groups.listSpec(steward.GroupSorts)

// Groups returns one page of the account's groups; a caller whose fleet is not the entire fleet
// lists only its own groups.
func (s *Store) Groups(ctx context.Context, a *steward.Actor, f steward.GroupFilter) (*steward.Page[steward.Group], error) {
	lq := listQuery{check: f.Check}
	if cond, args := groupScope(a, "g.id"); cond != "" {
		lq.where(cond, args...)
	}
	return list(ctx, s, groupList, a, f.ListParams, lq, groups.lister())
}

// Group returns one group.
func (s *Store) Group(ctx context.Context, a *steward.Actor, id string) (*steward.Group, error) {
	if err := a.Require(steward.PermRead); err != nil {
		return nil, err
	}
	return getGroup(ctx, s.reader(), a, id, noLock)
}

// getGroup reads a group the actor sees; ENOTFOUND for another account's, or, for a scoped
// actor, one it is not a member of.
func getGroup(ctx context.Context, r q, a *steward.Actor, id string, lock lockMode) (*steward.Group, error) {
	if !groupVisible(a, id) {
		return nil, steward.NotFound(groups.noun)
	}
	return groups.get(ctx, r, a.AccountID, id, lock)
}

// CreateGroup stores a new group.
func (s *Store) CreateGroup(ctx context.Context, a *steward.Actor, f steward.GroupFields) (*steward.Group, error) {
	if err := a.Require(steward.PermManageGroups); err != nil {
		return nil, err
	}
	if err := f.Normalize(); err != nil {
		return nil, err
	}
	g := &steward.Group{ID: newID(), AccountID: a.AccountID, GroupFields: f}
	err := s.write(ctx, func(t *tx) error {
		if err := t.claimIdempotency(ctx); err != nil {
			return err
		}
		if err := t.createGroup(ctx, a, g); err != nil {
			return err
		}
		return t.recordIdempotency(ctx, steward.ObjectGroup, g.ID, g)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// createGroup stores g, whose fields are normalized, as a new group of a's account, with its
// audit row.
func (t *tx) createGroup(ctx context.Context, a *steward.Actor, g *steward.Group) error {
	if err := t.requireGroupName(ctx, a, g.Name, ""); err != nil {
		return err
	}
	g.AccountID, g.AssetCount, g.UserCount = a.AccountID, 0, 0
	g.Meta = steward.Meta{CreatedAt: t.now, UpdatedAt: t.now, Version: 1}
	if err := groups.insert(ctx, t, g); err != nil {
		return err
	}
	return t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionCreate, objectType: steward.ObjectGroup,
		objectID: g.ID, objectName: g.Name, changes: diff(nil, g.GroupFields)})
}

// requireGroupName returns ECONFLICT on name when another group of a's account (archived ones
// included) has the same name, folded. The other group is named only to a caller who sees it
// (a scoped caller sees its own groups only).
func (t *tx) requireGroupName(ctx context.Context, a *steward.Actor, name, exceptID string) error {
	var other string
	err := t.row(ctx, "SELECT id FROM groups WHERE account_id = ? AND name_key = ? AND id <> ?", a.AccountID, fold(name), exceptID).Scan(&other)
	if isNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	by := "another group"
	if groupVisible(a, other) {
		by = "group " + other
	}
	return &steward.Error{Code: steward.ECONFLICT, Message: "another group already has this name",
		Fields: []steward.FieldError{{Field: "name", Message: "is already used by " + by + " (names are compared ignoring case and accents)"}}}
}

// UpdateGroup edits a group's fields.
func (s *Store) UpdateGroup(ctx context.Context, a *steward.Actor, id string, ifMatch int64, change func(*steward.GroupFields) error) (*steward.Group, error) {
	return writeAs(ctx, s, a, steward.PermManageGroups, func(t *tx) (*steward.Group, error) {
		cur, err := getGroup(ctx, t.q, a, id, lockWrite)
		if err != nil {
			return nil, err
		}
		if err := checkIfMatch(ifMatch, cur.Version); err != nil {
			return nil, err
		}
		f := cur.GroupFields
		if err := change(&f); err != nil {
			return nil, err
		}
		if err := f.Normalize(); err != nil {
			return nil, err
		}
		changes := diff(cur.GroupFields, f)
		if len(changes) == 0 {
			return cur, nil
		}
		if fold(f.Name) != fold(cur.Name) {
			if err := t.requireGroupName(ctx, a, f.Name, id); err != nil {
				return nil, err
			}
		}
		out := *cur
		out.GroupFields, out.UpdatedAt, out.Version = f, t.now, cur.Version+1
		if err := groups.update(ctx, t, a.AccountID, &out); err != nil {
			return nil, err
		}
		return &out, t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionUpdate, objectType: steward.ObjectGroup,
			objectID: id, objectName: f.Name, changes: changes})
	})
}

// SetGroupArchived archives or unarchives a group; its members stay.
func (s *Store) SetGroupArchived(ctx context.Context, a *steward.Actor, id string, ifMatch int64, archived bool) (*steward.Group, error) {
	return writeAs(ctx, s, a, steward.PermManageGroups, func(t *tx) (*steward.Group, error) {
		cur, err := getGroup(ctx, t.q, a, id, lockWrite)
		if err != nil {
			return nil, err
		}
		if err := checkIfMatch(ifMatch, cur.Version); err != nil {
			return nil, err
		}
		return cur, t.setArchived(ctx, a, groups.table, &cur.Meta, subject{id: id, name: cur.Name}, archived)
	})
}

// DeleteGroup deletes a group with its memberships. The audit event records its fields and how
// many assets and users it held (the memberships' own history is in its earlier events).
func (s *Store) DeleteGroup(ctx context.Context, a *steward.Actor, id string, ifMatch int64) error {
	_, err := writeAs(ctx, s, a, steward.PermManageGroups, func(t *tx) (struct{}, error) {
		cur, err := getGroup(ctx, t.q, a, id, lockWrite)
		if err != nil {
			return struct{}{}, err
		}
		if err := checkIfMatch(ifMatch, cur.Version); err != nil {
			return struct{}{}, err
		}
		if _, err := t.exec(ctx, "DELETE FROM group_overlaps WHERE account_id = ? AND (group_a = ? OR group_b = ?)", a.AccountID, id, id); err != nil {
			return struct{}{}, err
		}
		for _, member := range []string{"group_counts", "group_assets", "group_users"} {
			if _, err := t.exec(ctx, "DELETE FROM "+member+" WHERE account_id = ? AND group_id = ?", a.AccountID, id); err != nil {
				return struct{}{}, err
			}
		}
		if err := t.deleteRow(ctx, groups.table, a.AccountID, id); err != nil {
			return struct{}{}, err
		}
		changes := append(diff(cur.GroupFields, nil),
			steward.Change{Field: "asset_count", Old: float64(cur.AssetCount), New: nil},
			steward.Change{Field: "user_count", Old: float64(cur.UserCount), New: nil})
		return struct{}{}, t.audit(ctx, a, a.AccountID, auditEntry{action: steward.ActionDelete, objectType: steward.ObjectGroup,
			objectID: id, objectName: cur.Name, changes: changes})
	})
	return err
}
