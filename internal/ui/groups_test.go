package ui_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// TestGroups: the groups page through the session (no browser), on both engines: add, the
// list's search, status and counts, edit, the member assets (the asset picker) and users,
// archive, delete; another organization's ids and a stale version are refused by field.
func TestGroups(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			c := newClient(t, st, st.email, st.password)
			ctx := context.Background()
			crane, err := st.s.CreateAsset(ctx, st.admin, steward.AssetFields{Name: "Crane 7", SerialNumber: "CR-0007"})
			if err != nil {
				t.Fatal(err)
			}
			lift, err := st.s.CreateAsset(ctx, st.admin, steward.AssetFields{Name: "Lift 2"})
			if err != nil {
				t.Fatal(err)
			}
			// Another organization's asset and user, to post by id.
			otherAcc, otherUser, err := st.s.CreateOrganization(ctx, steward.Organization{Name: "Globex", Country: "US",
				Email: "globex@example.com", AdminName: "Globex Admin", Password: st.password})
			if err != nil {
				t.Fatal(err)
			}
			other := steward.SystemActor(otherAcc.ID)
			other.UserID = otherUser.ID
			foreignAsset, err := st.s.CreateAsset(ctx, other, steward.AssetFields{Name: "Globex Asset"})
			if err != nil {
				t.Fatal(err)
			}
			foreignGroup, err := st.s.CreateGroup(ctx, other, steward.GroupFields{Name: "Globex Group"})
			if err != nil {
				t.Fatal(err)
			}

			body := c.get("/groups", "", 200)
			mustContain(t, "empty groups page", body, "No groups yet", `id="add-group"`, `href="/groups" aria-current="page"`)
			mustContain(t, "add dialog", c.get("/groups/new", "dialog-body", 200), `id="save-group"`, `name="description"`)
			_, body = c.post("/groups", url.Values{"name": {"  "}}, "dialog-body", 422)
			mustContain(t, "a group without a name", body, `id="e-name"`)
			res, body := c.post("/groups", url.Values{"name": {"North yard"}, "description": {"Cranes in the north"}}, "dialog-body", 200)
			if res.Header.Get("HX-Retarget") != "#panel" || !strings.HasPrefix(res.Header.Get("HX-Push-Url"), "/groups/") ||
				!strings.Contains(res.Header.Get("HX-Trigger"), "closeDialog") {
				t.Errorf("group saved: retarget %q push %q trigger %q", res.Header.Get("HX-Retarget"), res.Header.Get("HX-Push-Url"), res.Header.Get("HX-Trigger"))
			}
			mustContain(t, "the new group's window", body, "North yard", "Cranes in the north", `id="edit-group"`, `id="delete-group"`)
			gs, err := st.s.Groups(ctx, st.admin, steward.GroupFilter{})
			if err != nil || len(gs.Data) != 1 {
				t.Fatalf("groups: %v %v", gs, err)
			}
			g := gs.Data[0]
			base := "/groups/" + g.ID
			// The name is unique within the account, compared folded.
			_, body = c.post("/groups", url.Values{"name": {"NORTH YARD"}}, "dialog-body", 409)
			mustContain(t, "a taken name", body, `id="e-name"`, "already used")

			// Members: the asset picker finds an asset by its serial number; the dialog adds it.
			body = c.get("/pick/assets?field=asset_ids&pick=cr-00", "", 200)
			mustContain(t, "the asset picker", body, `data-pick="`+crane.ID+`"`, "Crane 7 · SN CR-0007")
			mustContain(t, "add asset dialog", c.get(base+"/assets/new", "dialog-body", 200), `name="asset_ids"`, "Add an asset to North yard", "/pick/assets")
			_, body = c.post(base+"/assets", url.Values{"asset_ids": {""}}, "dialog-body", 422)
			mustContain(t, "no asset chosen", body, `id="e-asset_ids"`, "at least one")
			if body := c.get("/pick/assets?field=asset_ids&pick=globex", "", 200); strings.Contains(body, foreignAsset.ID) || !strings.Contains(body, "Nothing is named like") {
				t.Errorf("the asset picker offers another organization's asset:\n%s", body)
			}
			_, body = c.post(base+"/assets", url.Values{"asset_ids": {"nope!"}}, "dialog-body", 422)
			mustContain(t, "a malformed id", body, `id="e-asset_ids"`, "must be an id")
			_, body = c.post(base+"/assets", url.Values{"asset_ids": {foreignAsset.ID}}, "dialog-body", 422)
			mustContain(t, "another organization's asset", body, `id="e-asset_ids"`, "names no asset")
			_, body = c.post(base+"/assets", url.Values{"asset_ids": {crane.ID}}, "dialog-body", 200)
			mustContain(t, "the assets tab after adding", body, "Crane 7", `id="member-`+crane.ID+`"`, `<span class="count">1</span>`)
			c.post(base+"/assets", url.Values{"asset_ids": {lift.ID}}, "dialog-body", 200)
			body = c.get("/groups", "results", 200)
			mustContain(t, "the list's counts", body, `<td class="num">2</td>`, `<td class="num">0</td>`, "Cranes in the north")
			mustContain(t, "sorted by assets", c.get("/groups?sort=-asset_count", "results", 200), `aria-sort="descending"`, "North yard")
			_, body = c.post(base+"/assets/remove", url.Values{"asset_ids": {lift.ID}}, "panel", 200)
			if strings.Contains(body, `id="member-`+lift.ID+`"`) || !strings.Contains(body, "Crane 7") {
				t.Errorf("removing Lift 2 left the tab:\n%s", body)
			}

			// Users: added from the account's users, removed again.
			person, _, err := st.s.InviteUser(ctx, st.admin, steward.UserFields{Name: "Pia Field", Email: "pia@example.com",
				Role: steward.RoleUser, FleetVisibility: steward.FleetVisibilityAll})
			if err != nil {
				t.Fatal(err)
			}
			mustContain(t, "add user dialog", c.get(base+"/users/new", "dialog-body", 200), `value="`+person.ID+`"`, "Pia Field (pia@example.com)")
			_, body = c.post(base+"/users", url.Values{"user_ids": {otherUser.ID}}, "dialog-body", 422)
			mustContain(t, "another organization's user", body, `id="e-user_ids"`, "names no user")
			_, body = c.post(base+"/users", url.Values{"user_ids": {person.ID}}, "dialog-body", 200)
			mustContain(t, "the users tab", body, "Pia Field", `id="member-`+person.ID+`"`)
			if got, _ := st.s.User(ctx, st.admin, person.ID); len(got.GroupIDs) != 1 || got.GroupIDs[0] != g.ID {
				t.Errorf("Pia's groups = %v", got.GroupIDs)
			}
			if body := c.get(base+"/users/new", "dialog-body", 200); strings.Contains(body, person.ID) {
				t.Error("the add user dialog offers a member")
			}
			c.post(base+"/users/remove", url.Values{"user_ids": {person.ID}}, "panel", 200)

			// Edit; a stale version says someone changed it meanwhile.
			mustContain(t, "edit dialog", c.get(base+"/edit", "dialog-body", 200), `value="North yard"`, `name="version" value="1"`)
			_, body = c.post(base, url.Values{"name": {"North depot"}, "description": {"All of the north"}, "version": {"1"}}, "dialog-body", 200)
			mustContain(t, "after the edit", body, "North depot", "All of the north")
			_, body = c.post(base, url.Values{"name": {"Old"}, "version": {"1"}}, "dialog-body", 412)
			mustContain(t, "a stale edit", body, "Someone else changed this group")
			g2, err := st.s.Group(ctx, st.admin, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			mustContain(t, "audit tab", c.get(base+"?tab=audit", "panel", 200), "North yard", "North depot", "Crane 7")

			// Search, archive (it leaves the active list, shows under Archived), unarchive.
			mustContain(t, "search", c.get("/groups?q=depot", "results", 200), "North depot")
			if body := c.get("/groups?q=south", "results", 200); !strings.Contains(body, "No groups match") {
				t.Error("a search for south found something")
			}
			v := func(n int64) url.Values { return url.Values{"version": {strconv.FormatInt(n, 10)}} }
			_, body = c.post(base+"/archive", v(g2.Version), "panel", 200)
			mustContain(t, "archived window", body, "badge-archived", `id="unarchive-group"`)
			if body := c.get("/groups", "results", 200); strings.Contains(body, "North depot") {
				t.Error("an archived group is in the active list")
			}
			mustContain(t, "archived list", c.get("/groups?status=archived", "results", 200), "North depot", "badge-archived")
			c.post(base+"/unarchive", v(g2.Version+1), "panel", 200)

			// Another organization's group is not found, whatever the action.
			c.get("/groups/"+foreignGroup.ID, "", 404)
			c.post("/groups/"+foreignGroup.ID+"/assets", url.Values{"asset_ids": {crane.ID}}, "", 404)
			c.post("/groups/"+foreignGroup.ID+"/delete", url.Values{"version": {"1"}}, "", 404)
			c.get("/groups?sort=color", "", 422)
			c.get("/groups/"+g.ID+"?tab=nope", "", 422)

			// Delete: the window closes and the list reloads; the assets stay.
			res, _ = c.post(base+"/delete", v(g2.Version+2), "panel", 200)
			if !strings.Contains(res.Header.Get("HX-Trigger"), "listChanged") || res.Header.Get("HX-Push-Url") != "/groups" {
				t.Errorf("delete answered trigger %q push %q", res.Header.Get("HX-Trigger"), res.Header.Get("HX-Push-Url"))
			}
			c.get(base, "", 404)
			if _, err := st.s.Asset(ctx, st.admin, crane.ID); err != nil {
				t.Errorf("deleting the group took its asset: %v", err)
			}
			if _, err := st.s.Group(ctx, other, foreignGroup.ID); err != nil {
				t.Errorf("another organization's group: %v", err)
			}
		})
	}
}

// member invites a user into the Admin's account, sets their password through the invitation
// and signs them in.
func member(t *testing.T, st *site, f steward.UserFields) (*client, *steward.User) {
	t.Helper()
	ctx := context.Background()
	u, tok, err := st.s.InviteUser(ctx, st.admin, f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.s.RedeemUserToken(ctx, steward.TokenInvite, tok.Token, st.password); err != nil {
		t.Fatal(err)
	}
	return newClient(t, st, f.Email, st.password), u
}

// TestGroupsByRole: what each role does with groups, in one account: a Fleet Admin manages
// them but does not see the users; a User reads them; a user scoped to a group sees that group
// alone. And the Admin's user dialogs set a user's fleet visibility and groups.
func TestGroupsByRole(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			ctx := context.Background()
			admin := newClient(t, st, st.email, st.password)
			north, err := st.s.CreateGroup(ctx, st.admin, steward.GroupFields{Name: "North"})
			if err != nil {
				t.Fatal(err)
			}
			south, err := st.s.CreateGroup(ctx, st.admin, steward.GroupFields{Name: "South"})
			if err != nil {
				t.Fatal(err)
			}
			old, err := st.s.CreateGroup(ctx, st.admin, steward.GroupFields{Name: "Old fleet"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.s.SetGroupArchived(ctx, st.admin, old.ID, 0, true); err != nil {
				t.Fatal(err)
			}

			fleet, _ := member(t, st, steward.UserFields{Name: "Fran Fleet", Email: "fran@example.com", Role: steward.RoleFleetAdmin,
				FleetVisibility: steward.FleetVisibilityAll})
			body := fleet.get("/groups", "", 200)
			mustContain(t, "a Fleet Admin's groups page", body, `href="/groups"`, `id="add-group"`, "North", "South")
			body = fleet.get("/groups/"+north.ID, "panel", 200)
			mustContain(t, "a Fleet Admin's window", body, `id="edit-group"`, "?tab=assets")
			if strings.Contains(body, "?tab=users") {
				t.Error("a Fleet Admin is offered the Users tab (users are the Admins' to read)")
			}
			fleet.get("/groups/"+north.ID+"?tab=users", "panel", 403)
			fleet.get("/groups/"+north.ID+"/users/new", "dialog-body", 403)
			fleet.post("/groups", url.Values{"name": {"East"}}, "dialog-body", 200)

			reader, _ := member(t, st, steward.UserFields{Name: "Uma User", Email: "uma@example.com", Role: steward.RoleUser,
				FleetVisibility: steward.FleetVisibilityAll})
			body = reader.get("/groups", "", 200)
			mustContain(t, "a User's groups page", body, `href="/groups"`, "North", "South", "East")
			if strings.Contains(body, `id="add-group"`) || strings.Contains(reader.get("/groups/"+north.ID, "panel", 200), `id="edit-group"`) {
				t.Error("a User is offered to change groups")
			}
			reader.post("/groups", url.Values{"name": {"Mine"}}, "dialog-body", 403)
			reader.post("/groups/"+north.ID+"/archive", url.Values{"version": {"1"}}, "panel", 403)

			// The Admin invites a user who sees North only: the dialog offers the active groups.
			body = admin.get("/users/new", "dialog-body", 200)
			mustContain(t, "invite dialog", body, `data-show-when="fleet_visibility=groups"`, `name="group_ids" value="`+north.ID+`"`,
				`value="`+south.ID+`"`)
			if strings.Contains(body, old.ID) {
				t.Error("the invite dialog offers an archived group")
			}
			_, body = admin.post("/users", url.Values{"name": {"Sam Scoped"}, "email": {"sam@example.com"}, "role": {"user"},
				"fleet_visibility": {"groups"}, "group_ids": {"0190c0de-0000-7000-8000-000000000000"}}, "dialog-body", 422)
			mustContain(t, "an unknown group", body, `id="e-group_ids"`, "names no group", `value="Sam Scoped"`)
			_, body = admin.post("/users", url.Values{"name": {"Sam Scoped"}, "email": {"sam@example.com"}, "role": {"user"},
				"fleet_visibility": {"groups"}, "group_ids": {north.ID}}, "dialog-body", 200)
			mustContain(t, "the users list", body, "Sam Scoped", "Selected groups", `<small class="sees-groups">North</small>`, "/invite/")
			us, err := st.s.Users(ctx, st.admin, steward.UserFilter{Q: "sam"})
			if err != nil || len(us.Data) != 1 {
				t.Fatalf("users: %v", err)
			}
			sam := us.Data[0]
			if sam.FleetVisibility != steward.FleetVisibilityGroups || len(sam.GroupIDs) != 1 || sam.GroupIDs[0] != north.ID {
				t.Errorf("Sam = %+v", sam)
			}

			// The edit dialog: the user's groups checked; saving can move them to South.
			body = admin.get("/users/"+sam.ID+"/edit", "dialog-body", 200)
			mustContain(t, "edit dialog", body, `value="`+north.ID+`" checked`, `name="version"`, "sam@example.com")
			_, body = admin.post("/users/"+sam.ID, url.Values{"name": {"Samuel Scoped"}, "role": {"user"}, "fleet_visibility": {"groups"},
				"group_ids": {south.ID}, "version": {"1"}}, "dialog-body", 200)
			mustContain(t, "after the edit", body, "Samuel Scoped", `<small class="sees-groups">South</small>`)
			if got, _ := st.s.User(ctx, st.admin, sam.ID); len(got.GroupIDs) != 1 || got.GroupIDs[0] != south.ID {
				t.Errorf("Sam's groups after the edit = %v", got.GroupIDs)
			}
			_, body = admin.post("/users/"+sam.ID, url.Values{"name": {"Sam"}, "role": {"user"}, "fleet_visibility": {"all"},
				"version": {"1"}}, "dialog-body", 412)
			mustContain(t, "a stale user edit", body, "Someone else changed this user")
			// An Admin cannot demote themself: the role's error sits under the role.
			adminUser, err := st.s.Users(ctx, st.admin, steward.UserFilter{Q: "ada"})
			if err != nil || len(adminUser.Data) != 1 {
				t.Fatal(err)
			}
			_, body = admin.post("/users/"+adminUser.Data[0].ID, url.Values{"name": {"Ada"}, "role": {"user"}, "fleet_visibility": {"all"},
				"version": {strconv.FormatInt(adminUser.Data[0].Version, 10)}}, "dialog-body", 422)
			mustContain(t, "self-demotion", body, `id="e-role"`)
			// Others may not open or post it.
			fleet.get("/users/"+sam.ID+"/edit", "dialog-body", 403)
			fleet.post("/users/"+sam.ID, url.Values{"name": {"Taken over"}, "role": {"admin"}, "fleet_visibility": {"all"}, "version": {"2"}}, "", 403)
			if got, _ := st.s.User(ctx, st.admin, sam.ID); got.Name != "Samuel Scoped" || got.Role != steward.RoleUser {
				t.Errorf("a refused edit changed Sam: %+v", got)
			}

			// A user scoped to South sees South alone; North by URL is not found.
			scoped, _ := member(t, st, steward.UserFields{Name: "Sue South", Email: "sue@example.com", Role: steward.RoleUser,
				FleetVisibility: steward.FleetVisibilityGroups, GroupIDs: []string{south.ID}})
			body = scoped.get("/groups?status=all", "", 200)
			mustContain(t, "a scoped user's groups", body, "South")
			if strings.Contains(body, ">North<") || strings.Contains(body, "East") || strings.Contains(body, "Old fleet") {
				t.Error("a scoped user sees groups they are not in")
			}
			scoped.get("/groups/"+north.ID, "", 404)
		})
	}
}
