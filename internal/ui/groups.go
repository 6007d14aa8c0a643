package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// The groups page (PRODUCT.md §5): a group is a named set of the account's assets and users; a
// user whose fleet visibility is "selected groups" sees the assets of their groups. Every role
// reads the groups it sees (a scoped user its own only: the service's rule); PermManageGroups
// (Admin, Fleet Admin) creates, edits, archives and deletes them and changes their members. The
// member users are the users' page's data, so the Users tab needs PermReadAccess (Admins).

// groupColumns are the groups list's columns.
var groupColumns = []sortCol{{"Name", "name", false}, {"Description", "", false},
	{"Assets", "asset_count", true}, {"Users", "user_count", true}}

// groupTabs are a group's window's tabs; "users" only for those who may read users.
var groupTabs = []struct{ key, label string }{
	{"overview", "Overview"}, {"assets", "Assets"}, {"users", "Users"}, {"audit", "Audit log"},
}

// groupCheck is the groups list's check of its filters.
func groupCheck(f listFilters, v *steward.Violations) {
	groupFilter(f).Check(v)
	if f.Type != "" {
		v.Add("type", "the groups list has no type filter")
	}
}

func groupFilter(f listFilters) steward.GroupFilter {
	return steward.GroupFilter{ListParams: steward.ListParams{Q: f.Q, Status: steward.Status(f.Status), Sort: f.Sort,
		Cursor: f.Cursor, Limit: pageSize}}
}

// groupsView is the groups list page.
type groupsView struct {
	F         listFilters
	URL       string
	Statuses  []option
	Columns   []column
	Rows      []steward.Group
	NextURL   string
	Filtered  bool
	CanManage bool
	Panel     *groupPanel
}

func (u *UI) groupsView(r *http.Request, a *steward.Actor, f listFilters) (*groupsView, error) {
	v := &groupsView{F: f, URL: f.url("/groups"), CanManage: a.Can(steward.PermManageGroups),
		Filtered: f.Q != "" || (f.Status != "" && f.Status != string(steward.StatusActive))}
	v.Statuses = statusOptions(f)
	v.Columns = sortHeader(f, "/groups", groupColumns)
	page, err := u.svc.Groups(r.Context(), a, groupFilter(f))
	if err != nil {
		return nil, err
	}
	v.Rows, v.NextURL = page.Data, f.nextURL("/groups", page.NextCursor)
	return v, nil
}

// groups serves the list, its results (search, status, sort) or its next rows.
func (u *UI) groups(w http.ResponseWriter, r *http.Request) {
	f, err := parseFiltersWith(r.URL.Query(), groupCheck)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if hxTarget(r) == "panel" { // the side window's close button
		w.Header().Set("HX-Trigger", "panelClosed")
		u.render(w, r, http.StatusOK, "empty", nil)
		return
	}
	v, err := u.groupsView(r, actorOf(r), f)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	switch hxTarget(r) {
	case "results":
		pushListURL(w, r, v.URL)
		u.render(w, r, http.StatusOK, "group_results_swap", v)
	case "more":
		u.render(w, r, http.StatusOK, "group_rows", v)
	default:
		u.page(w, r, http.StatusOK, "groups", "Groups", "groups", v)
	}
}

// groupPanel is a group's side window.
type groupPanel struct {
	G             *steward.Group
	Tab           string
	Tabs          []tabView
	CloseURL, URL string
	CanManage     bool
	Assets        []steward.Asset
	Names         names
	Users         []steward.User
	UsersMore     bool // the account has more users than one page: members beyond it are not listed
	Events        []steward.AuditEvent
	MoreURL       string
}

// Archived reports whether the group is archived.
func (p *groupPanel) Archived() bool { return p.G.ArchivedAt != nil }

func (u *UI) groupPanel(r *http.Request, a *steward.Actor, id, tab string, f listFilters) (*groupPanel, error) {
	if !steward.IsID(id) {
		return nil, steward.NotFound("group")
	}
	if tab == "" {
		tab = "overview"
	}
	var keys []string
	valid := false
	for _, t := range groupTabs {
		if t.key == "users" && !a.Can(steward.PermReadAccess) {
			continue
		}
		keys = append(keys, t.key)
		valid = valid || t.key == tab
	}
	if !valid {
		if tab == "users" {
			return nil, a.Require(steward.PermReadAccess)
		}
		return nil, steward.Invalid("tab", "must be one of %s", strings.Join(keys, ", "))
	}
	ctx := r.Context()
	g, err := u.svc.Group(ctx, a, id)
	if err != nil {
		return nil, err
	}
	base := "/groups/" + url.PathEscape(g.ID)
	q := f.Query()
	p := &groupPanel{G: g, Tab: tab, CloseURL: f.url("/groups"), URL: f.url(base), CanManage: a.Can(steward.PermManageGroups)}
	counts := map[string]*int64{"assets": &g.AssetCount, "users": &g.UserCount}
	for _, t := range groupTabs {
		if t.key == "users" && !a.Can(steward.PermReadAccess) {
			continue
		}
		p.Tabs = append(p.Tabs, tabView{Key: t.key, Label: t.label, URL: tabURL(base, t.key, q), Count: counts[t.key], Active: t.key == tab})
	}
	cursor, err := tabCursor(r)
	if err != nil {
		return nil, err
	}
	var next *string
	switch tab {
	case "assets":
		// Every member, archived ones included: the group's count counts them too.
		pg, err := u.svc.Assets(ctx, a, steward.AssetFilter{GroupID: g.ID,
			ListParams: steward.ListParams{Limit: tabPageSize, Cursor: cursor, Status: steward.StatusAll, Sort: "name"}})
		if err != nil {
			return nil, err
		}
		p.Assets, next = pg.Data, pg.NextCursor
		var customers, locations []*string
		for i := range pg.Data {
			customers = append(customers, pg.Data[i].OwnerCustomerID)
			locations = append(locations, pg.Data[i].LocationID)
		}
		if p.Names, err = u.lookup(ctx, a, customers, locations); err != nil {
			return nil, err
		}
	case "users":
		// The members among the account's users (the users page shows the same page of them).
		pg, err := u.svc.Users(ctx, a, steward.UserFilter{Limit: usersPageSize})
		if err != nil {
			return nil, err
		}
		for _, us := range pg.Data {
			if memberOf(us, g.ID) {
				p.Users = append(p.Users, us)
			}
		}
		p.UsersMore = pg.NextCursor != nil
	case "audit":
		pg, err := u.svc.AuditEvents(ctx, a, steward.AuditFilter{ObjectType: steward.ObjectGroup, ObjectID: g.ID,
			Limit: auditTabPageSize, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		p.Events, next = pg.Data, pg.NextCursor
	}
	if next != nil {
		p.MoreURL = tabURL(base, tab, q) + "&more=" + url.QueryEscape(*next)
	}
	return p, nil
}

func memberOf(us steward.User, groupID string) bool {
	for _, g := range us.GroupIDs {
		if g == groupID {
			return true
		}
	}
	return false
}

// group serves a group's side window: alone for htmx, else over the list.
func (u *UI) group(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	q := r.URL.Query()
	f, err := parseFiltersWith(q, groupCheck)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	f.Cursor = ""
	p, err := u.groupPanel(r, a, r.PathValue("id"), q.Get("tab"), f)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	switch hxTarget(r) {
	case "panel":
		u.render(w, r, http.StatusOK, "group_panel", p)
		return
	case "tab-more":
		u.render(w, r, http.StatusOK, "group_panel_items", p)
		return
	}
	v, err := u.groupsView(r, a, f)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v.Panel = p
	u.page(w, r, http.StatusOK, "groups", p.G.Name+" · Groups", "groups", v)
}

// groupShown answers a change of a group with its window on tab (the dialog closes, the list
// reloads its counts); without htmx, the window's page.
func (u *UI) groupShown(w http.ResponseWriter, r *http.Request, id, tab string) {
	if !isHTMX(r) {
		target := "/groups/" + url.PathEscape(id)
		if tab != "overview" {
			target += "?tab=" + tab
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	p, err := u.groupPanel(r, actorOf(r), id, tab, currentFilters(r, groupCheck))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.showPanel(w, r, "group_panel", p, p.URL, "closeDialog, listChanged")
}

func (u *UI) groupSaved(w http.ResponseWriter, r *http.Request, g *steward.Group) {
	u.groupShown(w, r, g.ID, "overview")
}

// The add and edit dialog.

func newGroupForm(id string, f steward.GroupFields) *formView {
	v := &formView{Kind: "group", Title: "Add group", Action: "/groups", Submit: "Add", Group: f}
	if id != "" {
		v.ID, v.Title, v.Action, v.Submit = id, "Edit group", "/groups/"+url.PathEscape(id), "Save"
	}
	return v
}

func readGroupForm(p url.Values) steward.GroupFields {
	return steward.GroupFields{Name: p.Get("name"), Description: p.Get("description")}
}

func (u *UI) groupNew(w http.ResponseWriter, r *http.Request) {
	if err := actorOf(r).Require(steward.PermManageGroups); err != nil {
		u.fail(w, r, err)
		return
	}
	u.dialog(w, r, http.StatusOK, newGroupForm("", steward.GroupFields{}))
}

func (u *UI) groupCreate(w http.ResponseWriter, r *http.Request) {
	p, _, err := readForm(w, r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	f := readGroupForm(p)
	g, err := u.svc.CreateGroup(r.Context(), actorOf(r), f)
	if err != nil {
		u.formFailed(w, r, newGroupForm("", f), err)
		return
	}
	u.groupSaved(w, r, g)
}

func (u *UI) groupEdit(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, err := pathID(r, "group")
	if err == nil {
		err = a.Require(steward.PermManageGroups)
	}
	var g *steward.Group
	if err == nil {
		g, err = u.svc.Group(r.Context(), a, id)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	v := newGroupForm(g.ID, g.GroupFields)
	v.Version = g.Version
	u.dialog(w, r, http.StatusOK, v)
}

func (u *UI) groupUpdate() http.HandlerFunc {
	return update(u, "group", readGroupForm, u.svc.UpdateGroup, newGroupForm, u.groupSaved)
}

func (u *UI) groupArchive(archived bool) http.HandlerFunc {
	return archive(u, "group", func(ctx context.Context, a *steward.Actor, id string, version int64) (*steward.Group, error) {
		return u.svc.SetGroupArchived(ctx, a, id, version, archived)
	}, func(w http.ResponseWriter, r *http.Request, g *steward.Group) {
		if !isHTMX(r) {
			http.Redirect(w, r, "/groups/"+url.PathEscape(g.ID), http.StatusSeeOther)
			return
		}
		p, err := u.groupPanel(r, actorOf(r), g.ID, "overview", currentFilters(r, groupCheck))
		if err != nil {
			u.fail(w, r, err)
			return
		}
		u.showPanel(w, r, "group_panel", p, "", "listChanged")
	})
}

// groupDelete deletes a group with its memberships (its users lose the visibility it gave);
// the window closes and the list reloads.
func (u *UI) groupDelete(w http.ResponseWriter, r *http.Request) {
	id, _, version, ok := u.posted(w, r, steward.PermManageGroups, "group")
	if !ok {
		return
	}
	err := u.svc.DeleteGroup(r.Context(), actorOf(r), id, version)
	if steward.ErrorCode(err) == steward.EPRECONDITION {
		err = steward.Errorf(steward.EPRECONDITION, "Someone else changed this group meanwhile; reload it and try again.")
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.closePanel(w, r, currentFilters(r, groupCheck).url("/groups"))
}

// Members.

// groupAssetNew is the dialog that adds an asset to a group, chosen with the asset picker.
func (u *UI) groupAssetNew(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, err := pathID(r, "group")
	if err == nil {
		err = a.Require(steward.PermManageGroups)
	}
	var g *steward.Group
	if err == nil {
		g, err = u.svc.Group(r.Context(), a, id)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.dialog(w, r, http.StatusOK, newGroupAssetForm(g.ID, g.Name))
}

func newGroupAssetForm(id, name string) *formView {
	return &formView{Kind: "group_asset", Title: "Add an asset to " + name, Action: "/groups/" + url.PathEscape(id) + "/assets",
		Submit: "Add", Pickers: map[string]pickerView{
			"asset_ids": newPicker("asset_ids", "Asset", "assets", "No asset chosen", nil)}}
}

// groupAssetsAdd adds the posted asset_ids to the group and shows its Assets tab.
func (u *UI) groupAssetsAdd(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, p, err := u.memberForm(w, r)
	if err == nil {
		err = u.svc.AddGroupAssets(r.Context(), a, id, memberIDs(p, "asset_ids"))
	}
	if err != nil {
		err = memberFieldErrors(err, "asset_ids")
		if steward.ErrorCode(err) == steward.EINVALID && isHTMX(r) {
			// The dialog again, its error under the picker.
			g, gerr := u.svc.Group(r.Context(), a, id)
			if gerr != nil {
				u.fail(w, r, gerr)
				return
			}
			u.formFailed(w, r, newGroupAssetForm(g.ID, g.Name), err)
			return
		}
		u.fail(w, r, err)
		return
	}
	u.groupShown(w, r, id, "assets")
}

// groupAssetsRemove removes the posted asset_ids from the group.
func (u *UI) groupAssetsRemove(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, p, err := u.memberForm(w, r)
	if err == nil {
		err = u.svc.RemoveGroupAssets(r.Context(), a, id, memberIDs(p, "asset_ids"))
	}
	if err != nil {
		u.fail(w, r, memberFieldErrors(err, "asset_ids"))
		return
	}
	u.groupShown(w, r, id, "assets")
}

// groupUserNew is the dialog that adds a user to a group: the account's active users who are
// not members yet.
func (u *UI) groupUserNew(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, err := pathID(r, "group")
	if err == nil {
		err = a.Require(steward.PermManageGroups)
	}
	if err == nil { // the choice lists the account's users
		err = a.Require(steward.PermReadAccess)
	}
	var v *formView
	if err == nil {
		v, err = u.groupUserForm(r, a, id)
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.dialog(w, r, http.StatusOK, v)
}

func (u *UI) groupUserForm(r *http.Request, a *steward.Actor, id string) (*formView, error) {
	g, err := u.svc.Group(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	active := true
	pg, err := u.svc.Users(r.Context(), a, steward.UserFilter{Active: &active, Limit: usersPageSize})
	if err != nil {
		return nil, err
	}
	v := &formView{Kind: "group_user", Title: "Add a user to " + g.Name, Action: "/groups/" + url.PathEscape(g.ID) + "/users",
		Submit: "Add", More: pg.NextCursor != nil}
	for _, us := range pg.Data {
		if !memberOf(us, g.ID) {
			v.Members = append(v.Members, option{us.ID, us.Name + " (" + us.Email + ")", false})
		}
	}
	return v, nil
}

// groupUsersAdd adds the posted user_ids to the group and shows its Users tab.
func (u *UI) groupUsersAdd(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, p, err := u.memberForm(w, r)
	if err == nil {
		err = u.svc.AddGroupUsers(r.Context(), a, id, memberIDs(p, "user_ids"))
	}
	if err != nil {
		err = memberFieldErrors(err, "user_ids")
		if steward.ErrorCode(err) == steward.EINVALID && isHTMX(r) {
			v, ferr := u.groupUserForm(r, a, id)
			if ferr != nil {
				u.fail(w, r, err)
				return
			}
			u.formFailed(w, r, v, err)
			return
		}
		u.fail(w, r, err)
		return
	}
	u.groupShown(w, r, id, u.memberTab(a))
}

// groupUsersRemove removes the posted user_ids from the group.
func (u *UI) groupUsersRemove(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, p, err := u.memberForm(w, r)
	if err == nil {
		err = u.svc.RemoveGroupUsers(r.Context(), a, id, memberIDs(p, "user_ids"))
	}
	if err != nil {
		u.fail(w, r, memberFieldErrors(err, "user_ids"))
		return
	}
	u.groupShown(w, r, id, u.memberTab(a))
}

// memberTab is the tab a change of member users shows: Users for those who may read them.
func (u *UI) memberTab(a *steward.Actor) string {
	if a.Can(steward.PermReadAccess) {
		return "users"
	}
	return "overview"
}

// memberForm reads a member form: the group's id and the body. The permission comes first, so
// a role that may not change members learns nothing of the group.
func (u *UI) memberForm(w http.ResponseWriter, r *http.Request) (string, url.Values, error) {
	id, err := pathID(r, "group")
	if err != nil {
		return "", nil, err
	}
	if err := actorOf(r).Require(steward.PermManageGroups); err != nil {
		return "", nil, err
	}
	p, _, err := readForm(w, r)
	return id, p, err
}

// memberIDs are a form's ids of field (a picker's hidden input, or a select): empty ones dropped.
func memberIDs(p url.Values, field string) []string {
	var out []string
	for _, id := range p[field] {
		if id = strings.TrimSpace(id); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// memberFieldErrors names the service's errors on field[i] as field, where the form's one
// input of the list shows them.
func memberFieldErrors(err error, field string) error {
	se, ok := err.(*steward.Error)
	if !ok || len(se.Fields) == 0 {
		return err
	}
	out := *se
	out.Fields = make([]steward.FieldError, len(se.Fields))
	for i, fe := range se.Fields {
		if strings.HasPrefix(fe.Field, field+"[") {
			fe.Field = field
		}
		out.Fields[i] = fe
	}
	return &out
}
