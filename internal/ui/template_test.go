package ui

import (
	"bytes"
	"html/template"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
)

// hostile names: markup, quotes, a right-to-left override, emoji and a very long word.
var hostile = []string{
	`<script>alert("x")</script>`,
	`O'Brien & "Sons" <b>`,
	"\u202eevil.exe\u202c Kran",
	"Crane 🚧 Ünïcödé",
	strings.Repeat("Donaudampfschifffahrt", 12),
}

// TestTemplatesEscapeHostileNames renders every page and fragment with realistic data whose
// every user string is hostile, and fails on a template error or an unescaped string.
func TestTemplatesEscapeHostileNames(t *testing.T) {
	tm := mustParseTemplates()
	now := steward.Now()
	for _, name := range hostile {
		id := "0190a5c4-1b2c-7d3e-8f40-123456789abc"
		cid := id
		c := steward.Customer{ID: id, CustomerFields: steward.CustomerFields{Name: name, ExternalRef: name, Email: "a@b.example",
			Notes: name, Website: "javascript:alert(1)", Address: steward.Address{City: name, Country: "DE"}}}
		c.CreatedAt, c.UpdatedAt, c.ArchivedAt = now, now, &now
		ev := steward.AuditEvent{ID: id, At: now, Actor: steward.AuditActor{Type: steward.ActorUser, ID: id, Name: name},
			Source: steward.SourceAPI, Action: steward.ActionUpdate, ObjectType: steward.ObjectCustomer, ObjectID: id, ObjectName: name,
			Changes: []steward.Change{{Field: "name", Old: name, New: name}, {Field: "owner_customer_id", Old: nil, New: id, NewLabel: &name}}}
		loc := steward.Location{ID: id, LocationFields: steward.LocationFields{Name: name, CustomerID: &cid, ExternalRef: name}}
		as := steward.Asset{ID: id, AssetFields: steward.AssetFields{Name: name, SerialNumber: name, Make: name, OwnerCustomerID: &cid, LocationID: &cid}}
		ct := steward.Contact{ID: id, CustomerID: id, ContactFields: steward.ContactFields{Name: name, Title: name, Email: "a@b.example"}}
		n := names{id: ref{ID: id, Name: name, Archived: true}}
		panel := &panelView{C: &c, Tab: "contacts", Contacts: []steward.Contact{ct}, CanWrite: true, Tabs: []tabView{{Key: "x", Label: "X", URL: "/x?q=" + name}},
			MoreURL: "/customers/" + id + "?tab=contacts&more=" + name}
		list := &listView{F: listFilters{Q: name}, URL: "/customers?q=" + name, Rows: []steward.Customer{c}, CanWrite: true, Panel: panel, NextURL: "/customers?cursor=" + name}
		objs := []*objPanel{
			{K: locationsKind, ID: id, Name: name, L: &loc, Names: n, Tab: "overview", CanWrite: true},
			{K: locationsKind, ID: id, Name: name, L: &loc, Names: n, Tab: "assets", Assets: []steward.Asset{as}},
			{K: assetsKind, ID: id, Name: name, A: &as, Names: n, Tab: "overview"},
			{K: assetsKind, ID: id, Name: name, A: &as, Names: n, Tab: "movements", Movements: []steward.Movement{{At: now, Field: "location_id", Actor: ev.Actor, NewLabel: &name}}},
			{K: assetsKind, ID: id, Name: name, A: &as, Names: n, Tab: "audit", Events: []steward.AuditEvent{ev}, MoreURL: "/assets/" + id + "?tab=audit&more=" + name},
		}
		af := auditFilters{ObjectID: id, ObjectName: name, ActorID: id, ActorName: name}
		key := steward.APIKey{ID: id, Name: name, Prefix: "stw_ab", Role: steward.RoleUser, CreatedAt: now, Key: "stw_" + name}
		pick := newPicker("owner_customer_id", "Owner", "customers", name, &ref{ID: id, Name: name, Archived: true})
		forms := []*formView{newFormView(name, "/customers", "Add", c.CustomerFields), newContactForm(name, "/x", "Add", ct.ContactFields),
			{Kind: "location", Title: name, Location: loc.LocationFields, Raw: map[string]string{"latitude": name}, Pickers: map[string]pickerView{"customer_id": pick},
				Errors: []steward.FieldError{{Field: "latitude", Message: name}}, Message: name},
			{Kind: "asset", Title: name, Asset: as.AssetFields, Raw: map[string]string{"year": name}, Pickers: map[string]pickerView{"owner_customer_id": pick, "location_id": pick}},
			newAPIKeyForm(steward.APIKeyFields{Name: name}, name), newUserForm(steward.UserFields{Name: name, Email: name}),
			newGroupForm(id, steward.GroupFields{Name: name, Description: name}), newGroupAssetForm(id, name),
			{Kind: "group_user", Title: name, Action: "/x", Members: []option{{id, name, false}}, More: true,
				Errors: []steward.FieldError{{Field: "user_ids", Message: name}}}}
		hookForm := newWebhookForm(steward.WebhookFields{URL: name, Description: name, Events: []steward.WebhookEventType{"customer.created"}})
		hookForm.Errors = []steward.FieldError{{Field: "events", Message: name}, {Field: "url", Message: name}}
		forms = append(forms, hookForm)
		hook := steward.Webhook{ID: id, WebhookFields: steward.WebhookFields{URL: "https://x.example/" + name, Description: name,
			Events: []steward.WebhookEventType{steward.WebhookEventType(name)}}, CreatedAt: now, Secret: "whsec_" + name}
		code, ms := 503, int64(12)
		uf := newUserForm(steward.UserFields{Name: name, Email: name, FleetVisibility: steward.FleetVisibilityGroups})
		uf.ID, uf.Groups, uf.More, uf.Errors = id, []option{{id, name, true}}, true, []steward.FieldError{{Field: "group_ids", Message: name}}
		forms = append(forms, uf)
		grp := steward.Group{ID: id, GroupFields: steward.GroupFields{Name: name, Description: name}, AssetCount: 3, UserCount: 1}
		grp.CreatedAt, grp.UpdatedAt, grp.ArchivedAt = now, now, &now
		gpanels := []*groupPanel{
			{G: &grp, Tab: "overview", CanManage: true, Tabs: []tabView{{Key: "x", Label: name, URL: "/x?q=" + name}}},
			{G: &grp, Tab: "assets", CanManage: true, Assets: []steward.Asset{as}, Names: n, MoreURL: "/groups/" + id + "?tab=assets&more=" + name},
			{G: &grp, Tab: "users", CanManage: true, Users: []steward.User{{ID: id, Name: name, Email: name}}, UsersMore: true},
			{G: &grp, Tab: "audit", Events: []steward.AuditEvent{ev}},
		}
		pages := map[string]any{
			"customers": list,
			"list":      &fleetView{K: assetsKind, F: listFilters{Q: name}, Assets: []steward.Asset{as}, Names: n, Panel: objs[2]},
			"audit":     &auditView{F: af, Events: []steward.AuditEvent{ev}, NextURL: "/audit?cursor=x"},
			"apikeys":   &apiKeysView{Keys: []steward.APIKey{key}, Created: &key},
			"signin":    signInView{Email: name, Next: "/" + name, Error: name},
			"token":     invitePage.view(name, &steward.TokenInfo{Name: name, Email: name}, name, true),
			"password":  &passwordView{Fields: map[string]string{"new_password": name, "confirm": name}, Done: true},
			"users": &usersView{Users: []steward.User{{ID: id, Name: name, Email: name, Role: steward.RoleUser, Active: true, InvitePending: true,
				FleetVisibility: steward.FleetVisibilityGroups, GroupIDs: []string{id}},
				{ID: id + "2", Name: name, Email: name, Role: steward.RoleAdmin}}, Me: "x", More: true,
				GroupNames: map[string]string{id: name}, Link: &issuedLink{Purpose: steward.TokenInvite, Name: name, URL: "http://x/invite/" + name, ExpiresAt: now}},
			"groups":   &groupsView{F: listFilters{Q: name}, Rows: []steward.Group{grp}, CanManage: true, Panel: gpanels[0], NextURL: "/groups?cursor=" + name},
			"webhooks": &webhooksView{Hooks: []steward.Webhook{hook}, Created: &hook},
			"webhook": &webhookView{H: &hook, Rotated: true, NextURL: "/webhooks/" + id + "?cursor=" + name,
				Deliveries: []steward.WebhookDelivery{{ID: id, EventID: id, EventType: steward.WebhookEventType(name), Status: steward.DeliveryFailed,
					Attempts: 8, Error: name, ResponseCode: &code, DurationMS: &ms, LastAttemptAt: &now, NextAttemptAt: &now}}},
			"imports": &importsView{Kinds: []option{{"customers", name, true}}, CanEdit: true, Error: name,
				Fields: []steward.FieldError{{Field: "file", Message: name}},
				Jobs:   []steward.ImportJob{{ID: id, FileName: name, Kind: steward.ImportCustomers, Status: steward.ImportRunning, CreatedAt: now}}},
			"import": &importView{Job: &steward.ImportJob{ID: id, FileName: name, Kind: steward.ImportAssets, Status: steward.ImportFailed,
				DryRun: true, ErrorCount: 3, Errors: []steward.ImportRowError{{Row: 2, Column: name, Message: name}}, CreatedAt: now}, More: 2},
			"error": errorView{Status: 422, Title: name, Message: name, Fields: []steward.FieldError{{Field: "name", Message: name}}, RequestID: name},
		}
		for _, f := range forms {
			pages["form"] = f
			check(t, tm, "form "+f.Kind, name, tm.pages["form"], "layout", pageView{Title: name, User: name, Account: name, SignedIn: true, Body: f})
		}
		for p, body := range pages {
			check(t, tm, p, name, tm.pages[p], "layout", pageView{Title: name, User: name, Account: name, SignedIn: true, Nav_: navigation[:6], Settings: navigation[6:], Nav: "users", Body: body})
		}
		fragments := map[string]any{
			"fleet_results": &fleetView{K: locationsKind, Locations: []steward.Location{loc}, Names: n},
			"picker_options": pickerOptions{Field: "owner_customer_id", Q: name, None: name,
				Options: []ref{{ID: id, Name: name, Archived: true}}},
			"flash":           errorView{Title: name, Message: name, RequestID: name},
			"panel_items":     panel,
			"obj_panel_items": objs[4],
		}
		for _, gp := range gpanels {
			check(t, tm, "group_panel "+gp.Tab, name, tm.base, "group_panel", gp)
		}
		for _, o := range objs {
			fragments["obj_panel"] = o
			check(t, tm, "obj_panel "+o.Tab, name, tm.base, "obj_panel", o)
		}
		for f, data := range fragments {
			check(t, tm, f, name, tm.base, f, data)
		}
	}
}

func check(t *testing.T, _ *templates, what, name string, tpl *template.Template, tname string, data any) {
	t.Helper()
	var b bytes.Buffer
	if err := tpl.ExecuteTemplate(&b, tname, data); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	out := b.String()
	if strings.ContainsAny(name, `<>"&'`) && strings.Contains(out, name) {
		t.Errorf("%s: %q is not escaped", what, name)
	}
	if strings.Contains(out, `<script>alert`) || strings.Contains(out, `href="javascript:`) {
		t.Errorf("%s: a script or a javascript: link got through", what)
	}
}
