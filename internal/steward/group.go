package steward

import (
	"context"
	"strconv"
)

// MaxMembers is the most ids one call adds to or removes from a group (asset_ids, user_ids).
const MaxMembers = 1000

// MaxDescription is the longest description a group has, in characters.
const MaxDescription = 2000

// GroupFields are the fields a caller sets on a group. The name is unique within the account,
// compared folded (case and accents aside), archived groups included.
type GroupFields struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Normalize trims and validates the fields.
func (f *GroupFields) Normalize() error {
	var v Violations
	requireText(&v, "name", &f.Name, MaxName)
	cleanText(&v, "description", &f.Description, MaxDescription, true)
	return v.Err()
}

// Group is a named set of an account's assets and users (PRODUCT.md §5): a user whose fleet
// visibility is "groups" sees the assets of the groups it is a member of. Membership is static.
type Group struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	GroupFields
	// AssetCount and UserCount count the members, archived assets included (a membership is
	// what the group holds, whatever the asset's state).
	AssetCount int64 `json:"asset_count"`
	UserCount  int64 `json:"user_count"`
	Meta
}

// GroupSorts are the sort keys the groups list accepts.
var GroupSorts = []string{"name", "created_at", "updated_at", "asset_count", "user_count"}

// GroupFilter selects groups for a list.
type GroupFilter struct {
	ListParams
}

// Check adds a violation for each parameter the list cannot take.
func (f GroupFilter) Check(v *Violations) { f.ListParams.Check(v, GroupSorts) }

// AssetIDs is the body of POST and DELETE /api/v1/groups/{id}/assets.
type AssetIDs struct {
	AssetIDs []string `json:"asset_ids"`
}

// Normalize checks the list: 1 to MaxMembers ids, each of the form of an id.
func (m *AssetIDs) Normalize() error { return checkMemberIDs("asset_ids", m.AssetIDs) }

// UserIDs is the body of POST and DELETE /api/v1/groups/{id}/users.
type UserIDs struct {
	UserIDs []string `json:"user_ids"`
}

// Normalize checks the list: 1 to MaxMembers ids, each of the form of an id.
func (m *UserIDs) Normalize() error { return checkMemberIDs("user_ids", m.UserIDs) }

// checkMemberIDs refuses an empty list, a list over MaxMembers and ids that cannot be ids
// (named by index: asset_ids[3]). Duplicates are allowed: adding or removing twice is once.
func checkMemberIDs(field string, ids []string) error {
	var v Violations
	switch {
	case len(ids) == 0:
		v.Add(field, "must list at least one id")
	case len(ids) > MaxMembers:
		v.Add(field, "must list at most %d ids", MaxMembers)
	default:
		for i, id := range ids {
			if !IsID(id) {
				v.Add(MemberField(field, i), "must be an id as the API returns them")
				if len(v) >= 20 {
					break
				}
			}
		}
	}
	return v.Err()
}

// MemberField names the i-th id of a member list: asset_ids[3].
func MemberField(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

// GroupService manages groups and their members. Reading needs PermRead; a caller whose fleet
// is not the entire fleet sees only the groups it is a member of (others are ENOTFOUND).
// Writing needs PermManageGroups.
type GroupService interface {
	// CreateGroup stores a new group. EINVALID, ECONFLICT (the name is taken), EFORBIDDEN.
	CreateGroup(ctx context.Context, a *Actor, f GroupFields) (*Group, error)
	// Group returns one group with its counts. ENOTFOUND.
	Group(ctx context.Context, a *Actor, id string) (*Group, error)
	// Groups returns one page of groups.
	Groups(ctx context.Context, a *Actor, f GroupFilter) (*Page[Group], error)
	// UpdateGroup edits a group's fields under ifMatch (EPRECONDITION when stale).
	UpdateGroup(ctx context.Context, a *Actor, id string, ifMatch int64, change func(*GroupFields) error) (*Group, error)
	// SetGroupArchived archives or unarchives a group; its members stay, and so does the
	// visibility it gives its users.
	SetGroupArchived(ctx context.Context, a *Actor, id string, ifMatch int64, archived bool) (*Group, error)
	// DeleteGroup deletes a group and its memberships (the audit event records how many).
	DeleteGroup(ctx context.Context, a *Actor, id string, ifMatch int64) error
	// AddGroupAssets and RemoveGroupAssets change the group's member assets. Adding a member or
	// removing a non-member changes nothing; an id that names no asset the caller sees is
	// EINVALID on asset_ids[i], and then nothing changes. One audit event per call.
	AddGroupAssets(ctx context.Context, a *Actor, id string, assetIDs []string) error
	RemoveGroupAssets(ctx context.Context, a *Actor, id string, assetIDs []string) error
	// AddGroupUsers and RemoveGroupUsers change the group's member users, as above.
	AddGroupUsers(ctx context.Context, a *Actor, id string, userIDs []string) error
	RemoveGroupUsers(ctx context.Context, a *Actor, id string, userIDs []string) error
}
