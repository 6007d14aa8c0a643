package store

import (
	"context"
	"slices"

	"github.com/steward-fleet/steward/internal/steward"
)

// setUserGroups makes groupIDs the groups of the user userID (of a's account): the user joins
// the groups it is not in and leaves the others, each group's user_count follows, and each group
// it joins or leaves records an add_members or remove_members event naming the user, as
// POST/DELETE /groups/{id}/users do. It is the transaction-level step of a user's create or
// update with group_ids (the caller checks the user exists and records the user's own event).
// An id that names no group a sees is EINVALID on group_ids[i], and then nothing is written;
// duplicates count once. It returns the groups joined and left, in id order.
func (t *tx) setUserGroups(ctx context.Context, a *steward.Actor, userID, userName string, groupIDs []string) (joined, left []string, err error) {
	if err := a.Require(steward.PermManageGroups); err != nil {
		return nil, nil, err
	}
	var v steward.Violations
	switch {
	case len(groupIDs) > steward.MaxMembers:
		v.Add("group_ids", "must list at most %d ids", steward.MaxMembers)
	default:
		for i, id := range groupIDs {
			if !steward.IsID(id) || !groupVisible(a, id) {
				v.Add(steward.MemberField("group_ids", i), "names no group of this account")
			}
		}
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	want := map[string]bool{}
	for _, id := range groupIDs {
		want[id] = true
	}
	ids := sortedKeys(want)
	if len(ids) > 0 {
		args := append([]any{a.AccountID}, anys(ids)...)
		rows, err := t.query(ctx, "SELECT id FROM groups WHERE account_id = ? AND id IN ("+placeholders(len(ids))+")", args...)
		if err != nil {
			return nil, nil, err
		}
		found := map[string]bool{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, nil, err
			}
			found[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
		for i, id := range groupIDs {
			if !found[id] && len(v) < 20 {
				v.Add(steward.MemberField("group_ids", i), "names no group of this account")
			}
		}
		if err := v.Err(); err != nil {
			return nil, nil, err
		}
	}
	rows, err := t.query(ctx, "SELECT group_id FROM group_users WHERE account_id = ? AND user_id = ?", a.AccountID, userID)
	if err != nil {
		return nil, nil, err
	}
	have := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, nil, err
		}
		have[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		if !have[id] {
			joined = append(joined, id)
		}
	}
	for _, id := range sortedKeys(have) {
		// A group the caller does not see keeps the user: it cannot name it either way.
		if !want[id] && groupVisible(a, id) {
			left = append(left, id)
		}
	}
	changed := append(slices.Clone(joined), left...)
	slices.Sort(changed)
	for _, g := range changed {
		add := slices.Contains(joined, g)
		if err := t.changeOneUser(ctx, a, g, userID, userName, add); err != nil {
			return nil, nil, err
		}
	}
	return joined, left, nil
}

// changeOneUser adds or removes one user of one group, with the count and the group's event.
func (t *tx) changeOneUser(ctx context.Context, a *steward.Actor, groupID, userID, userName string, add bool) error {
	g, err := getGroup(ctx, t.q, a, groupID, lockWrite)
	if err != nil {
		return err
	}
	var res interface{ RowsAffected() (int64, error) }
	if add {
		res, err = t.insertMember(ctx, a.AccountID, groupID, userMembers, userID, member{})
	} else {
		res, err = t.exec(ctx, "DELETE FROM group_users WHERE account_id = ? AND group_id = ? AND user_id = ?", a.AccountID, groupID, userID)
	}
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return err
	}
	c := steward.Change{Field: userMembers.field}
	action := steward.ActionRemoveMembers
	if add {
		c.New, c.NewLabel, action = userID, &userName, steward.ActionAddMembers
	} else {
		c.Old, c.OldLabel, n = userID, &userName, -n
	}
	if _, err := t.exec(ctx, "UPDATE groups SET user_count = user_count + ? WHERE account_id = ? AND id = ?", n, a.AccountID, groupID); err != nil {
		return err
	}
	return t.audit(ctx, a, a.AccountID, auditEntry{action: action, objectType: steward.ObjectGroup,
		objectID: groupID, objectName: g.Name, changes: []steward.Change{c}})
}

func anys(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
