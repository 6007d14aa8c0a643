package store_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// scopedUser inserts a user of o with the given role and fleet visibility, makes it a member of
// groupIDs, and returns the actor it signs in as (the store fills its scope).
func scopedUser(t *testing.T, s *store.Store, raw *rawDB, o *org, role steward.Role, vis steward.FleetVisibility, groupIDs ...string) *steward.Actor {
	t.Helper()
	id := "u-" + randHex(8)
	email := id + "@example.com"
	raw.exec(t, `INSERT INTO users (id, account_id, email, email_key, name, role, fleet_visibility, active, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, TRUE, 1, 1)`, id, o.acc.ID, email, email, "Scoped "+id, string(role), string(vis))
	for _, g := range groupIDs {
		ok(t, s.AddGroupUsers(ctx, o.admin, g, []string{id}))
	}
	a := must(s.UserActor(ctx, id))
	if a.Fleet.Visibility != vis || len(a.Fleet.GroupIDs) != len(groupIDs) {
		t.Fatalf("scope = %+v, want %s with %d groups", a.Fleet, vis, len(groupIDs))
	}
	return a
}

func mkGroup(t *testing.T, s *store.Store, a *steward.Actor, name string) *steward.Group {
	t.Helper()
	return must(s.CreateGroup(ctx, a, steward.GroupFields{Name: name}))
}

func TestGroupCRUD(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		o, other := newOrg(t, s), newOrg(t, s)
		g := must(s.CreateGroup(ctx, o.admin, steward.GroupFields{Name: " Nord Depot ", Description: "north\nfleet"}))
		if g.Name != "Nord Depot" || g.Version != 1 || g.AssetCount != 0 || g.UserCount != 0 {
			t.Fatalf("created %+v", g)
		}
		// Names are unique within the account, compared folded; another account may reuse one.
		_, err := s.CreateGroup(ctx, o.admin, steward.GroupFields{Name: "NÖRD depot"})
		wantField(t, err, steward.ECONFLICT, "name")
		mkGroup(t, s, other.admin, "Nord Depot")
		// Hostile names.
		for _, name := range []string{"", "   ", "a\u200bb", string(make([]byte, 300))} {
			_, err := s.CreateGroup(ctx, o.admin, steward.GroupFields{Name: name})
			wantField(t, err, steward.EINVALID, "name")
		}
		// A technician and a plain user may read but not write.
		tech := o.keyActor(t, s, steward.RoleTechnician, false)
		_, err = s.CreateGroup(ctx, tech, steward.GroupFields{Name: "Tech"})
		wantCode(t, err, steward.EFORBIDDEN)
		if got := must(s.Group(ctx, tech, g.ID)); got.Name != g.Name {
			t.Fatalf("technician reads %+v", got)
		}
		// Another account's group does not exist.
		_, err = s.Group(ctx, other.admin, g.ID)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = s.UpdateGroup(ctx, other.admin, g.ID, 0, func(f *steward.GroupFields) error { f.Name = "x"; return nil })
		wantCode(t, err, steward.ENOTFOUND)
		ok2 := mkGroup(t, s, o.admin, "Süd")
		// Rename under If-Match; a stale version is refused; renaming onto another's name conflicts.
		_, err = s.UpdateGroup(ctx, o.admin, g.ID, 7, func(f *steward.GroupFields) error { f.Name = "Nord"; return nil })
		wantCode(t, err, steward.EPRECONDITION)
		_, err = s.UpdateGroup(ctx, o.admin, g.ID, 1, func(f *steward.GroupFields) error { f.Name = "sud"; return nil })
		wantField(t, err, steward.ECONFLICT, "name")
		g = must(s.UpdateGroup(ctx, o.admin, g.ID, 1, func(f *steward.GroupFields) error { f.Name = "nord depot"; return nil }))
		if g.Name != "nord depot" || g.Version != 2 {
			t.Fatalf("renamed %+v", g)
		}
		// Archive hides it from the default list; "all" shows both; q finds it.
		g = must(s.SetGroupArchived(ctx, o.admin, g.ID, 2, true))
		if active := must(s.Groups(ctx, o.admin, steward.GroupFilter{})); len(active.Data) != 1 || active.Data[0].ID != ok2.ID {
			t.Fatalf("active groups %+v", active.Data)
		}
		all := must(s.Groups(ctx, o.admin, steward.GroupFilter{ListParams: steward.ListParams{Status: steward.StatusAll, Sort: "name"}}))
		if len(all.Data) != 2 || all.Data[0].ID != g.ID {
			t.Fatalf("all groups %+v", all.Data)
		}
		found := must(s.Groups(ctx, o.admin, steward.GroupFilter{ListParams: steward.ListParams{Status: steward.StatusAll, Q: "DEPO"}}))
		if len(found.Data) != 1 || found.Data[0].ID != g.ID {
			t.Fatalf("q=DEPO finds %+v", found.Data)
		}
		if other := must(s.Groups(ctx, other.admin, steward.GroupFilter{ListParams: steward.ListParams{Status: steward.StatusAll}})); len(other.Data) != 1 {
			t.Fatalf("the other org lists %d groups", len(other.Data))
		}
		// Delete takes the memberships with it, and records how many there were.
		x := mkAsset(t, s, o.admin, "Crane", "", "")
		ok(t, s.AddGroupAssets(ctx, o.admin, g.ID, []string{x.ID}))
		ok(t, s.DeleteGroup(ctx, o.admin, g.ID, 0))
		_, err = s.Group(ctx, o.admin, g.ID)
		wantCode(t, err, steward.ENOTFOUND)
		ev := auditFor(t, s, o.admin, g.ID)
		if len(ev) == 0 || ev[0].Action != steward.ActionDelete || changeOf(ev[0], "asset_count") == nil {
			t.Fatalf("delete events %+v", ev)
		}
		// The asset stays.
		must(s.Asset(ctx, o.admin, x.ID))
	})
}

func TestGroupMembers(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o, other := newOrg(t, s), newOrg(t, s)
		g := mkGroup(t, s, o.admin, "Yard")
		x1, x2, x3 := mkAsset(t, s, o.admin, "A1", "", ""), mkAsset(t, s, o.admin, "A2", "", ""), mkAsset(t, s, o.admin, "A3", "", "")
		foreign := mkAsset(t, s, other.admin, "Foreign", "", "")

		// Duplicates count once.
		ok(t, s.AddGroupAssets(ctx, o.admin, g.ID, []string{x1.ID, x2.ID, x1.ID}))
		if got := must(s.Group(ctx, o.admin, g.ID)); got.AssetCount != 2 || got.Version != 1 {
			t.Fatalf("after adding 2: %+v", got)
		}
		ev := auditFor(t, s, o.admin, g.ID)
		if ev[0].Action != steward.ActionAddMembers || len(ev[0].Changes) != 2 || ev[0].Changes[0].NewLabel == nil {
			t.Fatalf("add event %+v", ev[0])
		}
		// Adding members again changes nothing and records nothing.
		ok(t, s.AddGroupAssets(ctx, o.admin, g.ID, []string{x2.ID, x1.ID}))
		if n := len(auditFor(t, s, o.admin, g.ID)); n != len(ev) {
			t.Fatalf("a no-op add recorded an event (%d events, were %d)", n, len(ev))
		}
		// Another account's asset, an unknown id or a malformed one: 422 naming its index; nothing is written.
		err := s.AddGroupAssets(ctx, o.admin, g.ID, []string{x3.ID, foreign.ID})
		wantField(t, err, steward.EINVALID, "asset_ids[1]")
		err = s.AddGroupAssets(ctx, o.admin, g.ID, []string{x3.ID, "0190a5c4-1b2c-7d3e-8f40-123456789abc"})
		wantField(t, err, steward.EINVALID, "asset_ids[1]")
		err = s.AddGroupAssets(ctx, o.admin, g.ID, []string{"not an id", x3.ID})
		wantField(t, err, steward.EINVALID, "asset_ids[0]")
		if got := must(s.Group(ctx, o.admin, g.ID)); got.AssetCount != 2 {
			t.Fatalf("a refused add changed the count: %+v", got)
		}
		// Empty, and over the maximum.
		wantField(t, s.AddGroupAssets(ctx, o.admin, g.ID, nil), steward.EINVALID, "asset_ids")
		many := make([]string, steward.MaxMembers+1)
		for i := range many {
			many[i] = x1.ID
		}
		wantField(t, s.AddGroupAssets(ctx, o.admin, g.ID, many), steward.EINVALID, "asset_ids")
		ok(t, s.AddGroupAssets(ctx, o.admin, g.ID, many[:steward.MaxMembers]))
		// Another account's group is 404, whatever the body.
		wantCode(t, s.AddGroupAssets(ctx, other.admin, g.ID, []string{foreign.ID}), steward.ENOTFOUND)
		// A technician may not, before anything is checked.
		tech := o.keyActor(t, s, steward.RoleTechnician, false)
		wantCode(t, s.AddGroupAssets(ctx, tech, g.ID, []string{x3.ID}), steward.EFORBIDDEN)
		// Removing a non-member is a no-op; removing a member counts.
		ok(t, s.RemoveGroupAssets(ctx, o.admin, g.ID, []string{x3.ID}))
		ok(t, s.RemoveGroupAssets(ctx, o.admin, g.ID, []string{x1.ID, x3.ID}))
		if got := must(s.Group(ctx, o.admin, g.ID)); got.AssetCount != 1 {
			t.Fatalf("after removing: %+v", got)
		}
		ev = auditFor(t, s, o.admin, g.ID)
		if ev[0].Action != steward.ActionRemoveMembers || len(ev[0].Changes) != 1 || ev[0].Changes[0].Old != x1.ID {
			t.Fatalf("remove event %+v", ev[0])
		}
		// Deleting a member asset leaves the group, and its count.
		ok(t, s.DeleteAsset(ctx, o.admin, x2.ID, 0))
		if got := must(s.Group(ctx, o.admin, g.ID)); got.AssetCount != 0 {
			t.Fatalf("after deleting the member: %+v", got)
		}

		// Users.
		u := scopedUser(t, s, raw, o, steward.RoleUser, steward.FleetVisibilityGroups, g.ID)
		if got := must(s.Group(ctx, o.admin, g.ID)); got.UserCount != 1 {
			t.Fatalf("user count %+v", got)
		}
		wantField(t, s.AddGroupUsers(ctx, o.admin, g.ID, []string{u.UserID, other.user.ID}), steward.EINVALID, "user_ids[1]")
		ok(t, s.RemoveGroupUsers(ctx, o.admin, g.ID, []string{u.UserID, u.UserID}))
		if got := must(s.Group(ctx, o.admin, g.ID)); got.UserCount != 0 {
			t.Fatalf("user count after removing %+v", got)
		}
		// The removed user's next request sees nothing.
		if a := must(s.UserActor(ctx, u.UserID)); len(a.Fleet.GroupIDs) != 0 {
			t.Fatalf("scope after removal %+v", a.Fleet)
		}
	})
}

// TestGroupMembersConcurrent adds the same assets from many goroutines: one row each, counted once.
func TestGroupMembersConcurrent(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o := newOrg(t, s)
		g := mkGroup(t, s, o.admin, "Race")
		var ids []string
		for i := range 5 {
			ids = append(ids, mkAsset(t, s, o.admin, fmt.Sprint("R", i), "", "").ID)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Half add all, half add a rotated subset, so they overlap in different orders.
				list := ids
				if i%2 == 1 {
					list = append(append([]string{}, ids[i%5:]...), ids[:i%5]...)
				}
				errs <- s.AddGroupAssets(ctx, o.admin, g.ID, list)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			ok(t, err)
		}
		if got := must(s.Group(ctx, o.admin, g.ID)); got.AssetCount != 5 {
			t.Fatalf("asset_count = %d, want 5", got.AssetCount)
		}
		if n := raw.int(t, "SELECT COUNT(*) FROM group_assets WHERE account_id = ? AND group_id = ?", o.acc.ID, g.ID); n != 5 {
			t.Fatalf("%d membership rows, want 5", n)
		}
		// Concurrent removes and asset deletes keep the count.
		var wg2 sync.WaitGroup
		for i, id := range ids {
			wg2.Add(2)
			go func() { defer wg2.Done(); _ = s.RemoveGroupAssets(ctx, o.admin, g.ID, []string{id}) }()
			go func() {
				defer wg2.Done()
				if i%2 == 0 {
					_ = s.DeleteAsset(ctx, o.admin, id, 0)
				}
			}()
		}
		wg2.Wait()
		if got := must(s.Group(ctx, o.admin, g.ID)); got.AssetCount != raw.int(t, "SELECT COUNT(*) FROM group_assets WHERE account_id = ? AND group_id = ?", o.acc.ID, g.ID) {
			t.Fatalf("asset_count %d differs from the rows", got.AssetCount)
		}
		assertGroupsExact(t, s, o.acc.ID)
	})
}

// TestSetUserGroups: the transaction-level step a user's create or update with group_ids runs.
func TestSetUserGroups(t *testing.T) {
	eachEngineRaw(t, func(t *testing.T, s *store.Store, raw *rawDB) {
		o, other := newOrg(t, s), newOrg(t, s)
		g1, g2, g3 := mkGroup(t, s, o.admin, "S1"), mkGroup(t, s, o.admin, "S2"), mkGroup(t, s, o.admin, "S3")
		foreign := mkGroup(t, s, other.admin, "Foreign")
		u := scopedUser(t, s, raw, o, steward.RoleUser, steward.FleetVisibilityGroups, g1.ID)
		joined, left := must2(s.SetUserGroups(ctx, o.admin, u.UserID, "U", []string{g2.ID, g3.ID, g2.ID}))
		if len(joined) != 2 || len(left) != 1 || left[0] != g1.ID {
			t.Fatalf("joined %v left %v", joined, left)
		}
		a := must(s.UserActor(ctx, u.UserID))
		if !sameSet(a.Fleet.GroupIDs, []string{g2.ID, g3.ID}) {
			t.Fatalf("scope %v", a.Fleet.GroupIDs)
		}
		for g, want := range map[string]int64{g1.ID: 0, g2.ID: 1, g3.ID: 1} {
			if got := must(s.Group(ctx, o.admin, g)); got.UserCount != want {
				t.Fatalf("group %s user_count %d, want %d", got.Name, got.UserCount, want)
			}
		}
		_, _, err := s.SetUserGroups(ctx, o.admin, u.UserID, "U", []string{g1.ID, foreign.ID})
		wantField(t, err, steward.EINVALID, "group_ids[1]")
		_, _, err = s.SetUserGroups(ctx, o.keyActor(t, s, steward.RoleUser, false), u.UserID, "U", nil)
		wantCode(t, err, steward.EFORBIDDEN)
		// Nothing changed by the refused calls; an empty list leaves every group.
		joined, left = must2(s.SetUserGroups(ctx, o.admin, u.UserID, "U", nil))
		if len(joined) != 0 || len(left) != 2 {
			t.Fatalf("joined %v left %v", joined, left)
		}
	})
}

// assertGroupsExact fails when a group's stored counts or a membership's asset state differ
// from the data.
func assertGroupsExact(t *testing.T, s *store.Store, accountID string) {
	t.Helper()
	m, err := s.CountMismatches(ctx, accountID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Groups != 0 || m.GroupAssets != 0 {
		t.Fatalf("CountMismatches = %d groups, %d memberships; want 0, 0", m.Groups, m.GroupAssets)
	}
}
