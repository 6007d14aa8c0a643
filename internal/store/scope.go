package store

import (
	"context"
	"slices"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// A caller's fleet scope (steward.Actor.Fleet, PRODUCT.md §5 "fleet visibility") is applied here,
// once, to every query that reads assets or reveals them:
//   - the entire fleet: no condition;
//   - none: no asset (and no group);
//   - groups: the assets in at least one of the caller's groups (group_assets), and those
//     groups only.
// Every asset read (lists with every filter, sort and search plan, the detail, movements, the
// group_id filter, writes that name an asset) adds assetScope's condition; counts a scoped
// caller sees are computed from the scope (scope_counts.go); the audit log leaves out events of
// invisible assets and of groups (auditScope).

// scoped reports whether a sees only part of the fleet.
func scoped(a *steward.Actor) bool { return a != nil && !a.Fleet.All() }

// scopeGroups returns the groups whose assets a scoped actor sees, or nil for none.
func scopeGroups(a *steward.Actor) []string {
	if a.Fleet.Visibility != steward.FleetVisibilityGroups {
		return nil
	}
	return a.Fleet.GroupIDs
}

// placeholders is "?, ?, …" for n values.
func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// assetScope returns the condition that keeps, of the asset ids idExpr (x.id, object_id…), those
// a sees, and its arguments; "" when a sees the entire fleet. It is a correlated EXISTS probing
// group_assets' (account, asset, group) index once per row the query reads, so its cost follows
// the rows a list walks, not the size of the scope (an IN over the scope's members would
// materialize them all, per query, on SQLite).
func assetScope(a *steward.Actor, idExpr string) (string, []any) {
	if !scoped(a) {
		return "", nil
	}
	gs := scopeGroups(a)
	if len(gs) == 0 {
		return "1 = 0", nil
	}
	args := make([]any, 0, len(gs)+1)
	args = append(args, a.AccountID)
	for _, g := range gs {
		args = append(args, g)
	}
	return "EXISTS (SELECT 1 FROM group_assets ga WHERE ga.account_id = ? AND ga.asset_id = " + idExpr +
		" AND ga.group_id IN (" + placeholders(len(gs)) + "))", args
}

// groupScope returns the condition that keeps, of the group ids idExpr, those a sees: a scoped
// caller sees its own groups only (another group's name and counts would tell it about assets
// it does not see). "" when a sees every group.
func groupScope(a *steward.Actor, idExpr string) (string, []any) {
	if !scoped(a) {
		return "", nil
	}
	gs := scopeGroups(a)
	if len(gs) == 0 {
		return "1 = 0", nil
	}
	args := make([]any, len(gs))
	for i, g := range gs {
		args[i] = g
	}
	return idExpr + " IN (" + placeholders(len(gs)) + ")", args
}

// groupVisible reports whether a may see the group id.
func groupVisible(a *steward.Actor, id string) bool {
	return !scoped(a) || slices.Contains(scopeGroups(a), id)
}

// scopeKey identifies a's scope in a list cursor's signature: a cursor made for one scope is
// refused by a list of another (its keys, counts in particular, mean something else there).
func scopeKey(a *steward.Actor) string {
	if !scoped(a) {
		return ""
	}
	gs := slices.Clone(scopeGroups(a))
	slices.Sort(gs)
	return string(a.Fleet.Visibility) + ":" + strings.Join(gs, ",")
}

// requireAssetVisible returns ENOTFOUND for an asset a scoped actor does not see (it exists
// for the caller as little as another account's asset does).
func (t *tx) requireAssetVisible(ctx context.Context, a *steward.Actor, id string) error {
	return assetVisible(ctx, t.q, a, id)
}

func assetVisible(ctx context.Context, r q, a *steward.Actor, id string) error {
	if !scoped(a) {
		return nil
	}
	gcond, gargs := scopeGroupCond(a)
	var one int
	err := r.row(ctx, "SELECT 1 FROM group_assets ga WHERE ga.account_id = ? AND ga.asset_id = ? AND "+gcond+" LIMIT 1",
		append([]any{a.AccountID, id}, gargs...)...).Scan(&one)
	if isNoRows(err) {
		return steward.NotFound(assets.noun)
	}
	return err
}

// auditScope returns the condition a scoped actor's audit reads add: events of assets it does
// not see are left out, and so are group events, whose membership changes name assets.
func auditScope(a *steward.Actor) (string, []any) {
	cond, args := assetScope(a, "object_id")
	if cond == "" {
		return "", nil
	}
	return "object_type <> '" + steward.ObjectGroup + "' AND (object_type <> '" + steward.ObjectAsset + "' OR " + cond + ")", args
}

// loadFleetScope fills the actor's fleet scope from its user's visibility: for "groups", the
// user's groups, read through group_users' (account, user) index.
func loadFleetScope(ctx context.Context, r q, a *steward.Actor, visibility steward.FleetVisibility) error {
	a.Fleet = steward.FleetScope{Visibility: visibility}
	if visibility != steward.FleetVisibilityGroups {
		return nil
	}
	rows, err := r.query(ctx, "SELECT group_id FROM group_users WHERE account_id = ? AND user_id = ? ORDER BY group_id", a.AccountID, a.UserID)
	if err != nil {
		return err
	}
	defer rows.Close()
	a.Fleet.GroupIDs = []string{}
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return err
		}
		a.Fleet.GroupIDs = append(a.Fleet.GroupIDs, g)
	}
	return rows.Err()
}
