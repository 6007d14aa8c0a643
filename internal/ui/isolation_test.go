package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// The web interface's isolation matrix, as the API's (internal/web/api_isolation_test.go): every
// route of the interface's route table, called without a session and as users of every role:
//
//   - without a session, no page or form answers with content: sign-in first;
//   - another organization's object in the path answers exactly as a missing id does, never
//     with a page of it;
//   - a form naming another organization's customer or location is refused on that field, and
//     changes nothing;
//   - a form beyond the user's role is 403 and changes nothing;
//   - no page names another organization's objects (which are all called "Globex …").

// uiRoute says how the matrix calls one route: a valid form for the caller's own objects, the
// form fields and query parameters that name other objects (by path kind), and who may post it.
type uiRoute struct {
	form      url.Values
	formRefs  map[string]string
	queryRefs map[string]string
	query     string // sent with every call
	// admin: Admins only (reads included); technician: Technicians may post it too; editor: a
	// form to create or change (a read that needs the right to write).
	// anyone: every signed-in user may post it (their own password).
	admin, technician, editor, anyone bool
	redirect                          bool // answers a signed-in GET with a redirect
	// refStatus is the answer to a form naming another organization's object when it is not
	// 422 (switching accounts: the account is not found).
	refStatus int
}

var uiRoutes = map[string]uiRoute{
	"GET /signin": {}, "POST /signin": {}, "POST /signout": {},
	"GET /{$}":                         {redirect: true},
	"GET /customers":                   {},
	"GET /customers/new":               {editor: true},
	"POST /customers":                  {form: url.Values{"name": {"Matrix Customer"}}},
	"GET /customers/{id}":              {},
	"GET /customers/{id}/edit":         {editor: true},
	"POST /customers/{id}":             {form: url.Values{"name": {"Matrix Rename"}, "version": {"1"}}},
	"POST /customers/{id}/archive":     {form: url.Values{"version": {"1"}}},
	"POST /customers/{id}/unarchive":   {form: url.Values{"version": {"1"}}},
	"GET /customers/{id}/contacts/new": {editor: true},
	"POST /customers/{id}/contacts":    {form: url.Values{"name": {"Matrix Contact"}}},
	"GET /contacts/{id}/edit":          {editor: true},
	"POST /contacts/{id}":              {form: url.Values{"name": {"Matrix Rename"}, "version": {"1"}}},
	"POST /contacts/{id}/archive":      {form: url.Values{"version": {"1"}}},
	"POST /contacts/{id}/unarchive":    {form: url.Values{"version": {"1"}}},
	"GET /locations":                   {},
	"GET /locations/new":               {editor: true, queryRefs: map[string]string{"customer_id": "customers"}},
	"POST /locations":                  {form: url.Values{"name": {"Matrix Site"}}, formRefs: map[string]string{"customer_id": "customers"}},
	"GET /locations/{id}":              {},
	"GET /locations/{id}/edit":         {editor: true},
	"POST /locations/{id}": {form: url.Values{"name": {"Matrix Rename"}, "version": {"1"}},
		formRefs: map[string]string{"customer_id": "customers"}},
	"POST /locations/{id}/archive":   {form: url.Values{"version": {"1"}}},
	"POST /locations/{id}/unarchive": {form: url.Values{"version": {"1"}}},
	"GET /assets":                    {},
	"GET /assets/new":                {editor: true, queryRefs: map[string]string{"location_id": "locations"}},
	"POST /assets": {form: url.Values{"name": {"Matrix Asset"}},
		formRefs: map[string]string{"owner_customer_id": "customers", "location_id": "locations"}},
	"GET /assets/{id}":      {},
	"GET /assets/{id}/edit": {editor: true, technician: true},
	"POST /assets/{id}": {form: url.Values{"name": {"Matrix Rename"}, "version": {"1"}}, technician: true,
		formRefs: map[string]string{"owner_customer_id": "customers", "location_id": "locations"}},
	"POST /assets/{id}/archive":                    {form: url.Values{"version": {"1"}}},
	"POST /assets/{id}/unarchive":                  {form: url.Values{"version": {"1"}}},
	"GET /pick/{kind}":                             {query: "field=customer_id&pick=globex"},
	"POST /assets/{id}/shares":                     {form: url.Values{}, formRefs: map[string]string{"account_id": "accounts"}},
	"POST /assets/{id}/shares/{account_id}/delete": {},
	"GET /assets/{id}/transfer":                    {editor: true},
	"POST /assets/{id}/transfer":                   {form: url.Values{}, formRefs: map[string]string{"account_id": "accounts"}},
	"GET /assets/bulk":                             {editor: true},
	"POST /assets/bulk": {form: url.Values{"action": {"share"}},
		formRefs: map[string]string{"account_id": "accounts", "asset_ids": "assets"}},
	"POST /accounts/sharing": {form: url.Values{"auto_share": {"selected"}}, admin: true,
		formRefs: map[string]string{"administrative_account_id": "accounts", "auto_share_account_ids": "accounts"}},
	"GET /groups":                     {},
	"GET /groups/new":                 {editor: true},
	"POST /groups":                    {form: url.Values{"name": {"Matrix Group"}}},
	"GET /groups/{id}":                {},
	"GET /groups/{id}/edit":           {editor: true},
	"POST /groups/{id}":               {form: url.Values{"name": {"Matrix Rename"}, "version": {"1"}}},
	"POST /groups/{id}/archive":       {form: url.Values{"version": {"1"}}},
	"POST /groups/{id}/unarchive":     {form: url.Values{"version": {"1"}}},
	"POST /groups/{id}/delete":        {form: url.Values{"version": {"1"}}},
	"GET /groups/{id}/assets/new":     {editor: true},
	"POST /groups/{id}/assets":        {form: url.Values{}, formRefs: map[string]string{"asset_ids": "assets"}},
	"POST /groups/{id}/assets/remove": {form: url.Values{}, formRefs: map[string]string{"asset_ids": "assets"}},
	// Choosing a user to add lists the account's users: Admins only.
	"GET /groups/{id}/users/new":        {editor: true, admin: true},
	"POST /groups/{id}/users":           {form: url.Values{}, formRefs: map[string]string{"user_ids": "users"}},
	"POST /groups/{id}/users/remove":    {form: url.Values{}, formRefs: map[string]string{"user_ids": "users"}},
	"GET /audit":                        {admin: true},
	"GET /audit.csv":                    {admin: true},
	"GET /customers.csv":                {},
	"GET /locations.csv":                {queryRefs: map[string]string{"customer_id": "customers"}},
	"GET /assets.csv":                   {queryRefs: map[string]string{"owner_customer_id": "customers", "location_id": "locations"}},
	"GET /groups.csv":                   {},
	"GET /api-keys":                     {admin: true},
	"GET /api-keys/new":                 {editor: true, admin: true},
	"POST /api-keys":                    {form: url.Values{"name": {"Matrix key"}}, admin: true},
	"POST /api-keys/{id}/revoke":        {admin: true},
	"GET /webhooks":                     {admin: true},
	"GET /webhooks/new":                 {editor: true, admin: true},
	"POST /webhooks":                    {form: url.Values{"url": {"https://203.0.113.10/matrix"}, "events": {"customer.created"}}, admin: true},
	"GET /webhooks/{id}":                {admin: true},
	"POST /webhooks/{id}/rotate-secret": {admin: true},
	"POST /webhooks/{id}/delete":        {admin: true},
	"POST /webhooks/{id}/deliveries/{delivery_id}/redeliver": {admin: true},
	"GET /imports":                         {},
	"POST /imports":                        {form: url.Values{}},
	"GET /imports/{id}":                    {},
	"GET /imports/{id}/errors.csv":         {},
	"GET /imports/templates/customers.csv": {}, "GET /imports/templates/contacts.csv": {},
	"GET /imports/templates/locations.csv": {}, "GET /imports/templates/assets.csv": {},
	"POST /account/switch":       {form: url.Values{}, formRefs: map[string]string{"account_id": "accounts"}, refStatus: http.StatusNotFound, admin: true},
	"GET /accounts":              {admin: true},
	"GET /accounts/new":          {admin: true, editor: true},
	"POST /accounts":             {form: url.Values{"name": {"Matrix Depot"}, "email": {"m@example.com"}, "country": {"DE"}}, admin: true},
	"POST /accounts/{id}/delete": {admin: true},
	"GET /users":                 {admin: true},
	"GET /users/new":             {admin: true, editor: true},
	"POST /users": {form: url.Values{"name": {"Matrix Person"}, "email": {"matrix@example.com"}, "role": {"user"},
		"fleet_visibility": {"all"}}, admin: true},
	"GET /users/{id}/edit": {admin: true, editor: true},
	"POST /users/{id}": {form: url.Values{"name": {"Matrix Rename"}, "role": {"user"}, "fleet_visibility": {"groups"}, "version": {"1"}},
		formRefs: map[string]string{"group_ids": "groups"}, admin: true},
	"POST /users/{id}/deactivate":     {admin: true},
	"POST /users/{id}/reactivate":     {admin: true},
	"POST /users/{id}/invite":         {admin: true},
	"POST /users/{id}/password-reset": {admin: true},
	"GET /account/password":           {},
	"POST /account/password": {form: url.Values{"current_password": {"wrong"}, "new_password": {"another horse battery"},
		"confirm": {"another horse battery"}}, anyone: true},
	"GET /account/two-factor":           {},
	"POST /account/two-factor":          {form: url.Values{"code": {"000000"}}, anyone: true},
	"POST /account/two-factor/disable":  {form: url.Values{"code": {"wrong"}}, anyone: true},
	"POST /users/{id}/two-factor-reset": {admin: true},
	"GET /signin/two-factor":            {}, "POST /signin/two-factor": {},
	"GET /mail": {admin: true}, "GET /unsubscribe": {}, "POST /unsubscribe": {form: url.Values{}},
	"GET /invite/{token}": {}, "POST /invite/{token}": {}, "GET /reset-password/{token}": {}, "POST /reset-password/{token}": {},
}

// mayCall is what PRODUCT.md §5 lets role do with the route.
func (r uiRoute) mayCall(role steward.Role, method string) bool {
	switch {
	case role == steward.RoleAdmin:
		return true
	case r.admin:
		return false
	case r.anyone, method == http.MethodGet && !r.editor:
		return true
	case role == steward.RoleFleetAdmin:
		return true
	case role == steward.RoleTechnician:
		return r.technician
	}
	return false
}

// A Technician moves an asset in the dialog of its own (the location alone): TestTechnicianMovesAnAsset.

// uiWorld is one organization's objects, by path kind.
type uiWorld map[string]string

func buildUIWorld(t *testing.T, st *site, a *steward.Actor, label string) uiWorld {
	t.Helper()
	ctx := context.Background()
	// A webhook endpoint first, so the customer's creation queues a delivery to it.
	hook, err := st.s.CreateWebhook(ctx, a, steward.WebhookFields{URL: "https://203.0.113.10/" + strings.ToLower(label),
		Events: []steward.WebhookEventType{"customer.created"}})
	if err != nil {
		t.Fatal(err)
	}
	cu, err := st.s.CreateCustomer(ctx, a, steward.CustomerFields{Name: label + " Customer"})
	if err != nil {
		t.Fatal(err)
	}
	deliveries, err := st.s.WebhookDeliveries(ctx, a, hook.ID, steward.DeliveryFilter{})
	if err != nil || len(deliveries.Data) != 1 {
		t.Fatalf("the world's delivery: %v %v", deliveries, err)
	}
	ct, err := st.s.CreateContact(ctx, a, cu.ID, steward.ContactFields{Name: label + " Contact"})
	if err != nil {
		t.Fatal(err)
	}
	loc, err := st.s.CreateLocation(ctx, a, steward.LocationFields{Name: label + " Site", CustomerID: &cu.ID})
	if err != nil {
		t.Fatal(err)
	}
	as, err := st.s.CreateAsset(ctx, a, steward.AssetFields{Name: label + " Asset", OwnerCustomerID: &cu.ID, LocationID: &loc.ID})
	if err != nil {
		t.Fatal(err)
	}
	k, err := st.s.CreateAPIKey(ctx, a, a.UserID, steward.APIKeyFields{Name: label + " key"})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := st.s.CreateSubAccount(ctx, a, steward.SubAccountFields{Name: label + " Depot", Email: "depot@example.com", Country: "DE"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := st.s.CreateGroup(ctx, a, steward.GroupFields{Name: label + " Group", Description: label + " machines"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.s.AddGroupAssets(ctx, a, g.ID, []string{as.ID}); err != nil {
		t.Fatal(err)
	}
	person, _, err := st.s.InviteUser(ctx, a, steward.UserFields{Name: label + " Person", Email: strings.ToLower(label) + "-" + a.AccountID + "@example.com",
		Role: steward.RoleUser, FleetVisibility: steward.FleetVisibilityGroups, GroupIDs: []string{g.ID}})
	if err != nil {
		t.Fatal(err)
	}
	// The asset is shared with the sub-account: the share is the object of …/shares/{account_id}.
	if _, err := st.s.ShareAsset(ctx, a, as.ID, sub.ID); err != nil {
		t.Fatal(err)
	}
	imp, err := st.s.CreateImport(ctx, a, steward.NewImport{Kind: steward.ImportCustomers, DryRun: true, FileName: label + ".csv",
		File: strings.NewReader("name\n" + label + " Imported\n")})
	if err != nil {
		t.Fatal(err)
	}
	return uiWorld{"customers": cu.ID, "contacts": ct.ID, "locations": loc.ID, "assets": as.ID, "api-keys": k.ID,
		"accounts": sub.ID, "users": person.ID, "groups": g.ID, "kind": "customers", "shares": sub.ID,
		"webhooks": hook.ID, "deliveries": deliveries.Data[0].ID, "imports": imp.ID}
}

// fill puts w's objects into pattern's path parameters; false when w has none of a kind.
func (w uiWorld) fill(pattern string) (string, bool) {
	_, path, _ := strings.Cut(pattern, " ")
	path = strings.TrimSuffix(path, "{$}")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") {
			continue
		}
		kind := segs[i-1]
		if s == "{kind}" {
			kind = "kind"
		}
		id, ok := w[kind]
		if !ok {
			return "", false
		}
		segs[i] = id
	}
	return strings.Join(segs, "/"), true
}

func TestUIIsolationMatrix(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			ctx := context.Background()
			own := buildUIWorld(t, st, st.admin, "Acme")
			otherAcc, otherUser, err := st.s.CreateOrganization(ctx, steward.Organization{Name: "Globex", Country: "US",
				Email: "globex@example.com", AdminName: "Globex Admin", Password: st.password})
			if err != nil {
				t.Fatal(err)
			}
			other := steward.SystemActor(otherAcc.ID)
			other.UserID = otherUser.ID
			foreign := buildUIWorld(t, st, other, "Globex")
			missing := uiWorld{"kind": "customers"}
			for _, k := range []string{"customers", "contacts", "locations", "assets", "api-keys", "accounts", "users", "groups", "shares",
				"webhooks", "deliveries", "imports"} {
				missing[k] = "0190c0de-0000-7000-8000-000000000000"
			}
			versions := func() []int64 {
				var out []int64
				cu, err1 := st.s.Customer(ctx, other, foreign["customers"])
				lo, err2 := st.s.Location(ctx, other, foreign["locations"])
				as, err3 := st.s.Asset(ctx, other, foreign["assets"])
				ct, err4 := st.s.Contact(ctx, other, foreign["contacts"])
				for _, err := range []error{err1, err2, err3, err4} {
					if err != nil {
						t.Fatal(err)
					}
				}
				return append(out, cu.Version, lo.Version, as.Version, ct.Version)
			}
			before := versions()

			// One signed-in client per role, each in an organization of its own (made by addUser)
			// with the same objects; the Admin works in Acme.
			type caller struct {
				c     *client
				role  steward.Role
				world uiWorld
				actor *steward.Actor
			}
			callers := []caller{{c: newClient(t, st, st.email, st.password), role: steward.RoleAdmin, world: own, actor: st.admin}}
			for _, role := range []steward.Role{steward.RoleFleetAdmin, steward.RoleUser, steward.RoleTechnician} {
				email := string(role) + "@example.com"
				c := addUser(t, st, role)
				u, err := st.s.SignIn(ctx, email, st.password)
				if err != nil {
					t.Fatal(err)
				}
				sys := steward.SystemActor(u.AccountID)
				sys.UserID = u.ID
				callers = append(callers, caller{c: c, role: role, world: buildUIWorld(t, st, sys, "Acme"), actor: sys})
			}
			newest := func(a *steward.Actor) string {
				p, err := st.s.AuditEvents(ctx, steward.SystemActor(a.AccountID), steward.AuditFilter{Limit: 1})
				if err != nil || len(p.Data) == 0 {
					t.Fatalf("audit: %v", err)
				}
				return p.Data[0].ID
			}
			anon := &client{t: t, st: st, http: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			}}}
			requests := 0
			call := func(c *client, method, path string, form url.Values) (*http.Response, string) {
				t.Helper()
				requests++
				if method == http.MethodGet {
					form = nil
				} else if form == nil {
					form = url.Values{}
				}
				res, body := c.do(method, path, form, "")
				if strings.Contains(body, "Globex") {
					t.Errorf("%s %s names another organization:\n%s", method, path, body)
				}
				return res, body
			}

			routes := st.ui.Routes()
			for _, rt := range routes {
				spec, ok := uiRoutes[rt.Pattern]
				if !ok {
					t.Errorf("%s is not in the isolation matrix: add it to uiRoutes", rt.Pattern)
					continue
				}
				if rt.Public {
					continue
				}
				method, _, _ := strings.Cut(rt.Pattern, " ")
				withQuery := func(p string) string {
					if spec.query != "" {
						return p + "?" + spec.query
					}
					return p
				}
				ownPath, ok := own.fill(rt.Pattern)
				if !ok {
					t.Errorf("%s: the matrix has no object for its path: add the kind to buildUIWorld", rt.Pattern)
					continue
				}
				t.Run(rt.Pattern, func(t *testing.T) {
					if res, body := call(anon, method, withQuery(ownPath), spec.form); res.StatusCode != http.StatusSeeOther ||
						!strings.HasPrefix(res.Header.Get("Location"), "/signin") {
						t.Errorf("%s without a session: %d (Location %q), want a redirect to sign in\n%s", rt.Pattern, res.StatusCode, res.Header.Get("Location"), body)
					}
					for _, cl := range callers {
						may := spec.mayCall(cl.role, method)
						path, _ := cl.world.fill(rt.Pattern)
						if strings.Contains(rt.Pattern, "{id}") {
							fp, _ := foreign.fill(rt.Pattern)
							mp, _ := missing.fill(rt.Pattern)
							rf, _ := call(cl.c, method, withQuery(fp), spec.form)
							rm, _ := call(cl.c, method, withQuery(mp), spec.form)
							if rf.StatusCode != rm.StatusCode {
								t.Errorf("%s as %s: another organization's object %d, a missing one %d", rt.Pattern, cl.role, rf.StatusCode, rm.StatusCode)
							}
							if rf.StatusCode < 400 {
								t.Errorf("%s as %s: %d for another organization's object", rt.Pattern, cl.role, rf.StatusCode)
							}
						}
						if !may {
							mark := newest(cl.actor)
							res, body := call(cl.c, method, withQuery(path), spec.form)
							if res.StatusCode != http.StatusForbidden {
								t.Errorf("%s as %s: %d, want 403\n%s", rt.Pattern, cl.role, res.StatusCode, body)
							}
							if newest(cl.actor) != mark {
								t.Errorf("%s as %s was refused but changed the account", rt.Pattern, cl.role)
							}
							continue
						}
						for field, kind := range spec.formRefs {
							form := url.Values{}
							for k, v := range spec.form {
								form[k] = v
							}
							form.Set(field, foreign[kind])
							mark := newest(cl.actor)
							res, body := call(cl.c, method, path, form)
							forbiddenField := cl.role == steward.RoleTechnician && rt.Pattern == "POST /assets/{id}"
							wantRef := http.StatusUnprocessableEntity
							if spec.refStatus != 0 {
								wantRef = spec.refStatus
							}
							if res.StatusCode != wantRef && !(forbiddenField && res.StatusCode == http.StatusForbidden) {
								t.Errorf("%s as %s with %s of another organization: %d, want 422\n%s", rt.Pattern, cl.role, field, res.StatusCode, body)
							}
							if newest(cl.actor) != mark {
								t.Errorf("%s as %s with %s of another organization changed the account", rt.Pattern, cl.role, field)
							}
						}
						for param, kind := range spec.queryRefs {
							call(cl.c, method, path+"?"+param+"="+foreign[kind], nil)
						}
						if method == http.MethodGet {
							want := http.StatusOK
							if spec.redirect {
								want = http.StatusSeeOther
							}
							if res, body := call(cl.c, method, withQuery(path), nil); res.StatusCode != want {
								t.Errorf("%s as %s: %d\n%s", rt.Pattern, cl.role, res.StatusCode, body)
							}
						}
					}
				})
			}
			if after := versions(); !equalInts(after, before) {
				t.Errorf("another organization's objects changed: versions %v, were %v", after, before)
			}
			t.Logf("isolation matrix: %d routes × %d roles (and no session): %d requests", len(routes), len(callers), requests)
		})
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
