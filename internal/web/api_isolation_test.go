package web_test

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
)

// The isolation matrix: every route of the route table (web.Server.Routes, so a new route
// cannot escape it) called by every kind of caller, asserting what each may see and do:
//
//   - without a key, every route but the public ones is 401;
//   - another organization's object in the path answers exactly as a missing id does (the same
//     status and problem), never 2xx and never 403 for what the caller could do to its own;
//   - a body or filter naming another organization's object is 422 on that field (lists' and
//     bodies' references), or finds nothing (the audit log's filters);
//   - a write beyond the caller's role is 403 and changes nothing (the account's newest audit
//     event stays the same: every change writes one in its transaction);
//   - no response of any call names another organization's object or its name;
//   - at the end, the other organization's objects and audit log are as they were.
//
// isolationRoutes says, per operation, how to call it: a route missing there fails the test.

// matrixWorld is one organization's objects the matrix points at.
type matrixWorld struct {
	ids map[string]string // by path kind: customers, contacts, locations, assets, api-keys
}

// buildWorld makes a customer with a contact, a location and an asset, as c.
func buildWorld(t *testing.T, c *apiClient, label string) matrixWorld {
	t.Helper()
	// A webhook endpoint first, so the customer's creation queues a delivery to it.
	hook := c.create(t, "/api/v1/webhooks", obj{"url": "https://203.0.113.10/" + strings.ToLower(label), "events": []string{"customer.created"}})
	cust := c.create(t, customersPath, obj{"name": label + " Customer", "external_ref": label + "-C"})
	delivery := c.get(t, "/api/v1/webhooks/"+str(hook, "id")+"/deliveries").want(t, http.StatusOK).data(t)[0]
	custID := str(cust, "id")
	ct := c.create(t, customersPath+"/"+custID+"/contacts", obj{"name": label + " Contact", "email": "contact@" + strings.ToLower(label) + ".example"})
	loc := c.create(t, locationsPath, obj{"name": label + " Site", "customer_id": custID})
	as := c.create(t, assetsPath, obj{"name": label + " Asset", "owner_customer_id": custID, "location_id": str(loc, "id")})
	sub := c.create(t, "/api/v1/accounts", obj{"name": label + " Depot", "email": "depot@" + strings.ToLower(label) + ".example", "country": "DE"})
	group := c.create(t, "/api/v1/groups", obj{"name": label + " Group"})
	user := c.create(t, "/api/v1/users", obj{"name": label + " Person", "email": uniqueEmail(strings.ToLower(label)), "role": "user",
		"fleet_visibility": "all"})
	imp := c.importFile(t, "customers", true, "name\n"+label+" Imported\n").want(t, http.StatusAccepted).obj()
	subscription := c.create(t, customersPath+"/"+custID+"/subscriptions", obj{"user_id": str(user, "id"), "events": []string{"asset.archived"}})
	// The asset is shared with the sub-account: the share is the object of …/shares/{account_id}.
	c.post(t, assetsPath+"/"+str(as, "id")+"/shares", obj{"account_id": str(sub, "id")}).want(t, http.StatusOK)
	return matrixWorld{ids: map[string]string{
		"customers": custID, "contacts": str(ct, "id"), "locations": str(loc, "id"), "assets": str(as, "id"),
		"api-keys": c.keyID, "accounts": str(sub, "id"), "users": str(user, "id"),
		"groups": str(group, "id"), "shares": str(sub, "id"),
		"webhooks": str(hook, "id"), "deliveries": str(delivery, "id"), "imports": str(imp, "id"),
		"subscriptions": str(subscription, "id"),
	}}
}

// isolationRoute says how the matrix calls one operation: a valid body for the caller's own
// objects (a string "{kind}", alone or in a list, stands for the caller's own object of that
// path kind), and the body fields and query parameters that name other objects (by path kind).
type isolationRoute struct {
	body      obj
	bodyRefs  map[string]string
	queryRefs map[string]string
	// refsFind is set when a filter naming an object the caller cannot see finds nothing
	// (200, empty) rather than being refused (422 on the parameter).
	refsFind bool
	// Who may call it, by PRODUCT.md §5, independently of the route table's permission (which
	// must agree): reads are everyone's and writes Admins' and Fleet Admins', unless admin
	// (Admins only) or technician (Technicians too: an asset's location).
	admin, technician bool
}

// mayCall is what PRODUCT.md §5 lets role do with the route.
func (r isolationRoute) mayCall(role steward.Role, method string) bool {
	switch {
	case role == steward.RoleAdmin:
		return true
	case r.admin:
		return false
	case method == http.MethodGet:
		return true
	case role == steward.RoleFleetAdmin:
		return true
	case role == steward.RoleTechnician:
		return r.technician
	}
	return false
}

var isolationRoutes = map[string]isolationRoute{
	"healthz": {}, "readyz": {}, "openapi": {},

	"listCustomers":        {},
	"createCustomer":       {body: obj{"name": "Matrix Customer"}},
	"getCustomer":          {},
	"updateCustomer":       {body: obj{"name": "Matrix Rename"}},
	"deleteCustomer":       {},
	"archiveCustomer":      {},
	"unarchiveCustomer":    {},
	"listCustomerContacts": {},
	"createContact":        {body: obj{"name": "Matrix Contact"}},

	"listContacts":     {queryRefs: map[string]string{"customer_id": "customers"}},
	"getContact":       {},
	"updateContact":    {body: obj{"name": "Matrix Rename"}},
	"deleteContact":    {},
	"archiveContact":   {},
	"unarchiveContact": {},

	"listLocations":     {queryRefs: map[string]string{"customer_id": "customers"}},
	"createLocation":    {body: obj{"name": "Matrix Site"}, bodyRefs: map[string]string{"customer_id": "customers"}},
	"getLocation":       {},
	"updateLocation":    {body: obj{"name": "Matrix Rename"}, bodyRefs: map[string]string{"customer_id": "customers"}},
	"deleteLocation":    {},
	"archiveLocation":   {},
	"unarchiveLocation": {},

	"listAssets": {queryRefs: map[string]string{"owner_customer_id": "customers", "location_id": "locations",
		"location_customer_id": "customers", "group_id": "groups"}},
	"createAsset": {body: obj{"name": "Matrix Asset"},
		bodyRefs: map[string]string{"owner_customer_id": "customers", "location_id": "locations"}},
	"getAsset": {},
	"updateAsset": {body: obj{"name": "Matrix Rename"}, technician: true,
		bodyRefs: map[string]string{"owner_customer_id": "customers", "location_id": "locations"}},
	"deleteAsset":        {},
	"archiveAsset":       {},
	"unarchiveAsset":     {},
	"listAssetMovements": {},

	"listAuditEvents": {refsFind: true, queryRefs: map[string]string{"object_id": "assets", "customer_id": "customers",
		"actor_id": "api-keys"}},
	"exportAuditEvents": {refsFind: true, queryRefs: map[string]string{"object_id": "customers", "customer_id": "customers"}},

	"exportCustomers": {},
	"exportContacts":  {queryRefs: map[string]string{"customer_id": "customers"}},
	"exportLocations": {queryRefs: map[string]string{"customer_id": "customers"}},
	"exportAssets": {queryRefs: map[string]string{"owner_customer_id": "customers", "location_id": "locations",
		"location_customer_id": "customers", "group_id": "groups"}},
	"exportGroups": {},

	"createImport":            {},
	"getImport":               {},
	"getImportErrors":         {},
	"importTemplateCustomers": {}, "importTemplateContacts": {}, "importTemplateLocations": {}, "importTemplateAssets": {},

	"getMe":         {},
	"getAccount":    {},
	"updateAccount": {body: obj{"name": "Matrix Rename"}, admin: true},
	"listAPIKeys":   {admin: true},
	"createAPIKey":  {body: obj{"name": "Matrix key"}, admin: true},
	"getAPIKey":     {admin: true},
	"revokeAPIKey":  {admin: true},

	"listAccounts":     {admin: true, queryRefs: map[string]string{"parent_id": "accounts"}},
	"createAccount":    {body: obj{"name": "Matrix Depot", "email": "matrix@example.com", "country": "DE"}, admin: true},
	"getSubAccount":    {admin: true},
	"updateSubAccount": {body: obj{"name": "Matrix Rename"}, admin: true},
	"deleteSubAccount": {admin: true},

	"listUsers":          {admin: true},
	"inviteUser":         {body: obj{"name": "Matrix Person", "email": "matrix@example.com", "role": "user", "fleet_visibility": "all"}, admin: true},
	"getUser":            {admin: true},
	"updateUser":         {body: obj{"name": "Matrix Rename"}, admin: true},
	"deactivateUser":     {admin: true},
	"reactivateUser":     {admin: true},
	"reinviteUser":       {admin: true},
	"issuePasswordReset": {admin: true},
	"resetUserTwoFactor": {admin: true},

	"listGroups":        {},
	"createGroup":       {body: obj{"name": "Matrix Group"}},
	"getGroup":          {},
	"updateGroup":       {body: obj{"name": "Matrix Rename"}},
	"deleteGroup":       {},
	"archiveGroup":      {},
	"unarchiveGroup":    {},
	"addGroupAssets":    {body: obj{"asset_ids": []string{}}, bodyRefs: map[string]string{"asset_ids": "assets"}},
	"removeGroupAssets": {body: obj{"asset_ids": []string{}}, bodyRefs: map[string]string{"asset_ids": "assets"}},
	"addGroupUsers":     {body: obj{"user_ids": []string{}}, bodyRefs: map[string]string{"user_ids": "users"}},
	"removeGroupUsers":  {body: obj{"user_ids": []string{}}, bodyRefs: map[string]string{"user_ids": "users"}},

	"listAssetShares": {},
	"shareAsset":      {body: obj{"account_id": "{accounts}"}, bodyRefs: map[string]string{"account_id": "accounts"}},
	"unshareAsset":    {},
	"transferAsset":   {body: obj{"account_id": "{accounts}"}, bodyRefs: map[string]string{"account_id": "accounts"}},
	"bulkShareAssets": {body: obj{"asset_ids": []string{"{assets}"}, "account_id": "{accounts}"},
		bodyRefs: map[string]string{"asset_ids": "assets", "account_id": "accounts"}},
	"bulkUnshareAssets": {body: obj{"asset_ids": []string{"{assets}"}, "account_id": "{accounts}"},
		bodyRefs: map[string]string{"asset_ids": "assets", "account_id": "accounts"}},
	"bulkTransferAssets": {body: obj{"asset_ids": []string{"{assets}"}, "account_id": "{accounts}"},
		bodyRefs: map[string]string{"asset_ids": "assets", "account_id": "accounts"}},
	"getSharingSettings": {},
	"updateSharingSettings": {body: obj{"auto_share": "selected", "auto_share_account_ids": []string{"{accounts}"}}, admin: true,
		bodyRefs: map[string]string{"auto_share_account_ids": "accounts", "administrative_account_id": "accounts"}},

	"listCustomerSubscriptions": {},
	"createSubscription": {body: obj{"contact_id": "{contacts}", "events": []string{"asset.location_changed"}},
		bodyRefs: map[string]string{"contact_id": "contacts"}},
	"deleteSubscription": {},

	"listWebhooks":          {admin: true},
	"createWebhook":         {body: obj{"url": "https://203.0.113.10/matrix", "events": []string{"customer.created"}}, admin: true},
	"getWebhook":            {admin: true},
	"updateWebhook":         {body: obj{"description": "Matrix"}, admin: true},
	"deleteWebhook":         {admin: true},
	"rotateWebhookSecret":   {admin: true},
	"listWebhookDeliveries": {admin: true},
	"redeliverWebhook":      {admin: true},
}

// ownBody is spec's body with each "{kind}" standing for the caller's own object of that kind.
func ownBody(body obj, own matrixWorld) obj {
	if body == nil {
		return nil
	}
	sub := func(v string) string {
		if k, ok := strings.CutPrefix(v, "{"); ok {
			if id, ok := own.ids[strings.TrimSuffix(k, "}")]; ok {
				return id
			}
		}
		return v
	}
	out := obj{}
	for k, v := range body {
		switch v := v.(type) {
		case string:
			out[k] = sub(v)
		case []string:
			ids := make([]string, len(v))
			for i, x := range v {
				ids[i] = sub(x)
			}
			out[k] = ids
		default:
			out[k] = v
		}
	}
	return out
}

// missingID is a well-formed id nothing has.
const missingID = "0190c0de-0000-7000-8000-000000000000"

func TestAPIIsolationMatrix(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		own := buildWorld(t, e.admin, "Acme")
		foreign := buildWorld(t, e.other, "Globex")
		foreignIDs := make([]string, 0, len(foreign.ids)+1)
		for _, id := range foreign.ids {
			foreignIDs = append(foreignIDs, id)
		}
		foreignIDs = append(foreignIDs, e.otherAccountID)
		snapshot := snapshotWorld(t, e.other, foreign)

		type matrixActor struct {
			c    *apiClient
			role steward.Role
			// blind callers see no asset of their own account (fleet visibility none, or groups
			// holding none of them): its assets answer as missing ones.
			blind bool
		}
		actors := []matrixActor{
			{c: e.admin, role: steward.RoleAdmin}, {c: e.fleet, role: steward.RoleFleetAdmin}, {c: e.user, role: steward.RoleUser},
			{c: e.tech, role: steward.RoleTechnician}, {c: e.integ, role: steward.RoleFleetAdmin},
		}
		// Users of the account who see part of the fleet, by an API key of their own.
		adminActor, err := e.store.Authenticate(context.Background(), e.admin.key)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []struct {
			role steward.Role
			vis  steward.FleetVisibility
		}{{steward.RoleFleetAdmin, steward.FleetVisibilityGroups}, {steward.RoleUser, steward.FleetVisibilityNone},
			{steward.RoleTechnician, steward.FleetVisibilityGroups}} {
			email := uniqueEmail("scoped-" + string(v.role))
			if _, _, err := e.store.InviteUser(context.Background(), adminActor, steward.UserFields{Name: "Scoped " + string(v.role),
				Email: email, Role: v.role, FleetVisibility: v.vis}); err != nil {
				t.Fatal(err)
			}
			k, err := e.store.CreateAPIKeyForEmail(context.Background(), email, steward.APIKeyFields{Name: "scoped"})
			if err != nil {
				t.Fatal(err)
			}
			actors = append(actors, matrixActor{c: &apiClient{env: e, key: k.Key, keyID: k.ID, name: "scoped " + string(v.role) + " (" + string(v.vis) + ")"},
				role: v.role, blind: true})
		}
		// The scoped users' group holds none of the world's assets.
		e.admin.post(t, "/api/v1/groups", obj{"name": "Elsewhere"}).want(t, http.StatusCreated)
		requests := 0
		call := func(t *testing.T, c *apiClient, method, path string, body obj) *result {
			t.Helper()
			requests++
			var b any
			if body != nil {
				b = body
			}
			r := c.do(t, method, path, b)
			if c != e.other {
				for _, id := range foreignIDs {
					if bytes.Contains(r.Raw, []byte(id)) {
						t.Errorf("%s %s as %s names another organization's object %s: %s", method, path, c.name, id, r.Raw)
					}
				}
				if bytes.Contains(r.Raw, []byte("Globex")) {
					t.Errorf("%s %s as %s names another organization: %s", method, path, c.name, r.Raw)
				}
			}
			return r
		}
		newest := func(t *testing.T) string {
			t.Helper()
			d := e.admin.get(t, auditPath+"?limit=1").want(t, http.StatusOK).data(t)
			if len(d) == 0 {
				return ""
			}
			return str(d[0], "id")
		}

		routes := e.api.Routes()
		for _, rt := range routes {
			spec, ok := isolationRoutes[rt.ID]
			if !ok {
				t.Errorf("%s %s (%s) is not in the isolation matrix: add it to isolationRoutes", rt.Method, rt.Path, rt.ID)
				continue
			}
			kinds := pathKinds(rt.Path)
			fill := func(w map[string]string) (string, bool) {
				p := rt.Path
				for _, k := range kinds {
					id, ok := w[k.kind]
					if !ok {
						return "", false
					}
					p = strings.Replace(p, "{"+k.param+"}", id, 1)
				}
				return p, true
			}
			spec.body = ownBody(spec.body, own)
			ownPath, ok := fill(own.ids)
			if !ok {
				t.Errorf("%s %s: the matrix has no object for its path parameters %v: add the kind to buildWorld", rt.Method, rt.Path, kinds)
				continue
			}
			t.Run(rt.ID, func(t *testing.T) {
				if rt.Public {
					call(t, e.anonymous(), rt.Method, ownPath, nil).want(t, http.StatusOK)
					return
				}
				if r := call(t, e.anonymous(), rt.Method, ownPath, spec.body); r.Status != http.StatusUnauthorized {
					t.Errorf("%s %s without a key: %d, want 401", rt.Method, ownPath, r.Status)
				}
				for _, a := range actors {
					may := (&steward.Actor{Role: a.role, Integration: a.c == e.integ}).Can(rt.Perm)
					if want := spec.mayCall(a.role, rt.Method); may != want {
						t.Errorf("%s %s: the route table lets the %s role call it: %v; PRODUCT.md §5: %v", rt.Method, rt.Path, a.role, may, want)
					}
					if len(kinds) > 0 {
						foreignPath, _ := fill(foreign.ids)
						missing := map[string]string{}
						for _, k := range kinds {
							missing[k.kind] = missingID
						}
						missingPath, _ := fill(missing)
						rf := call(t, a.c, rt.Method, foreignPath, spec.body)
						rm := call(t, a.c, rt.Method, missingPath, spec.body)
						if rf.Status != rm.Status || rf.problemType() != rm.problemType() ||
							!slices.Equal(rf.fields(), rm.fields()) {
							t.Errorf("%s as %s: another organization's object answers %d %s %v, a missing one %d %s %v",
								rt.Method+" "+rt.Path, a.c.name, rf.Status, rf.problemType(), rf.fields(), rm.Status, rm.problemType(), rm.fields())
						}
						if rf.Status < 400 {
							t.Errorf("%s %s as %s: %d for another organization's object: %s", rt.Method, foreignPath, a.c.name, rf.Status, rf.Raw)
						}
						if may && rf.Status == http.StatusForbidden {
							t.Errorf("%s %s as %s: 403 for another organization's object, want 404", rt.Method, foreignPath, a.c.name)
						}
						if a.blind && slices.ContainsFunc(kinds, func(k pathParam) bool { return k.kind == "assets" }) && rt.Method == http.MethodGet {
							// An asset of the account outside the caller's scope is as missing.
							ro := call(t, a.c, rt.Method, ownPath, nil)
							rm := call(t, a.c, rt.Method, missingPath, nil)
							if ro.Status != rm.Status || ro.Status < 400 {
								t.Errorf("%s as %s: an asset outside its scope answers %d, a missing one %d", rt.Path, a.c.name, ro.Status, rm.Status)
							}
						}
					}
					if a.blind && rt.ID == "listAssets" {
						if r := call(t, a.c, rt.Method, ownPath+"?status=all", nil); len(r.data(t)) != 0 {
							t.Errorf("%s lists %d assets outside its scope", a.c.name, len(r.data(t)))
						}
					}
					if a.blind && rt.ID == "exportAssets" {
						if r := call(t, a.c, rt.Method, ownPath+"?status=all", nil); r.Status != http.StatusOK || bytes.Count(r.Raw, []byte("\n")) != 1 {
							t.Errorf("%s exports assets outside its scope: %d %s", a.c.name, r.Status, r.Raw)
						}
					}
					if !may {
						before := newest(t)
						r := call(t, a.c, rt.Method, ownPath, spec.body)
						if r.Status != http.StatusForbidden {
							t.Errorf("%s %s as %s (%s): %d, want 403: %s", rt.Method, ownPath, a.c.name, a.role, r.Status, r.Raw)
						}
						if after := newest(t); after != before {
							t.Errorf("%s %s as %s (%s) was refused but changed the account (audit event %s)", rt.Method, ownPath, a.c.name, a.role, after)
						}
						continue
					}
					// A blind caller does not see the asset or group in the path: that answers first.
					pathHidden := a.blind && slices.ContainsFunc(kinds, func(k pathParam) bool { return k.kind == "assets" || k.kind == "groups" })
					for field, kind := range spec.bodyRefs {
						body := obj{}
						for k, v := range spec.body {
							body[k] = v
						}
						body[field] = foreign.ids[kind]
						wantField := field
						if strings.HasSuffix(field, "_ids") {
							// A member list: the one id is refused by its index.
							body[field], wantField = []string{foreign.ids[kind]}, field+"[0]"
						}
						before := newest(t)
						r := call(t, a.c, rt.Method, ownPath, body)
						if r.Status == http.StatusForbidden && rt.ID == "updateAsset" && a.role == steward.RoleTechnician {
							continue // a technician may change the location only: refused whatever the id
						}
						if pathHidden {
							if r.Status != http.StatusNotFound {
								t.Errorf("%s %s as %s: %d, want 404 for what it does not see", rt.Method, ownPath, a.c.name, r.Status)
							}
						} else if r.Status != http.StatusUnprocessableEntity || !slices.Contains(r.fields(), wantField) {
							t.Errorf("%s %s as %s with %s of another organization: %d %v, want 422 on it: %s",
								rt.Method, ownPath, a.c.name, field, r.Status, r.fields(), r.Raw)
						}
						if after := newest(t); after != before {
							t.Errorf("%s %s as %s with %s of another organization changed the account", rt.Method, ownPath, a.c.name, field)
						}
					}
					for param, kind := range spec.queryRefs {
						r := call(t, a.c, rt.Method, ownPath+"?"+param+"="+foreign.ids[kind], nil)
						if ro := call(t, a.c, rt.Method, ownPath+"?"+param+"="+own.ids[kind], nil); ro.Status == http.StatusForbidden {
							// The filter is beyond the role (the account-wide audit log): so is another's.
							if r.Status != http.StatusForbidden {
								t.Errorf("%s?%s= another organization's as %s: %d, own 403", ownPath, param, a.c.name, r.Status)
							}
							continue
						}
						switch {
						case spec.refsFind && r.Status == http.StatusOK:
							if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") && len(r.data(t)) != 0 {
								t.Errorf("%s?%s= another organization's: %d rows: %s", ownPath, param, len(r.data(t)), r.Raw)
							}
							if strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") && bytes.Count(r.Raw, []byte("\n")) > 1 {
								t.Errorf("%s?%s= another organization's: rows: %s", ownPath, param, r.Raw)
							}
						case !spec.refsFind && r.Status == http.StatusUnprocessableEntity && slices.Contains(r.fields(), param):
						default:
							t.Errorf("%s?%s= another organization's as %s: %d %v: %s", ownPath, param, a.c.name, r.Status, r.fields(), r.Raw)
						}
					}
					if rt.Method == http.MethodGet {
						// Lists and reads of the caller's own: only leak checks (in call).
						call(t, a.c, rt.Method, ownPath, nil)
					}
				}
			})
		}
		if got := snapshotWorld(t, e.other, foreign); !slices.Equal(got, snapshot) {
			t.Errorf("another organization's objects changed:\nbefore %q\nafter  %q", snapshot, got)
		}
		t.Logf("isolation matrix: %d routes × %d callers (and no caller): %d requests", len(routes), len(actors), requests)
	})
}

// pathParam is one path parameter and the kind of object it names.
type pathParam struct{ param, kind string }

// pathKinds returns a route's path parameters, each named by the path segment before it
// ("/api/v1/customers/{id}/contacts": id is a customers id).
func pathKinds(path string) []pathParam {
	segs := strings.Split(path, "/")
	var out []pathParam
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && i > 0 {
			out = append(out, pathParam{param: strings.Trim(s, "{}"), kind: segs[i-1]})
		}
	}
	return out
}

// snapshotWorld reads, as its own organization's Admin, each object of w (but its API key, whose
// last use moves) and its account's newest audit event.
func snapshotWorld(t *testing.T, c *apiClient, w matrixWorld) []string {
	t.Helper()
	var out []string
	for _, kind := range []string{"customers", "contacts", "locations", "assets"} {
		out = append(out, string(c.get(t, "/api/v1/"+kind+"/"+w.ids[kind]).want(t, http.StatusOK).Raw))
	}
	d := c.get(t, auditPath+"?limit=1").want(t, http.StatusOK).data(t)
	return append(out, str(d[0], "id"))
}
