package ui_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store/storetest"
)

// client is a signed-in user without a browser: plain HTTP with the session cookie, and the
// headers htmx sends when asked.
type client struct {
	t    *testing.T
	st   *site
	http *http.Client
}

func newClient(t *testing.T, st *site, email, password string) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, st: st, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	res, body := c.do("POST", "/signin", url.Values{"email": {email}, "password": {password}}, "")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d %s", email, res.StatusCode, body)
	}
	return c
}

// do sends a request; target "" is a plain browser request, else an htmx one aimed at target.
func (c *client) do(method, path string, form url.Values, target string) (*http.Response, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.st.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if target != "" {
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", target)
		req.Header.Set("HX-Current-URL", c.st.base+"/customers")
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

// get fetches path and fails unless the status is want.
func (c *client) get(path, target string, want int) string {
	c.t.Helper()
	res, body := c.do("GET", path, nil, target)
	if res.StatusCode != want {
		c.t.Fatalf("GET %s: %d, want %d\n%s", path, res.StatusCode, want, body)
	}
	return body
}

// post posts a form and fails unless the status is want.
func (c *client) post(path string, form url.Values, target string, want int) (*http.Response, string) {
	c.t.Helper()
	res, body := c.do("POST", path, form, target)
	if res.StatusCode != want {
		c.t.Fatalf("POST %s: %d, want %d\n%s", path, res.StatusCode, want, body)
	}
	return res, body
}

func mustContain(t *testing.T, what, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("%s does not contain %q", what, p)
		}
	}
}

// TestContacts: contacts are added, edited and archived inside the customer window.
func TestContacts(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			c := newClient(t, st, st.email, st.password)
			cu, err := st.s.CreateCustomer(context.Background(), st.admin, steward.CustomerFields{Name: "Kran AG"})
			if err != nil {
				t.Fatal(err)
			}
			base := "/customers/" + cu.ID
			body := c.get(base+"?tab=contacts", "panel", 200)
			mustContain(t, "empty contacts tab", body, "No contacts yet", `id="add-contact"`)
			mustContain(t, "add dialog", c.get(base+"/contacts/new", "dialog-body", 200), `id="save-contact"`, "Add a contact to Kran AG")

			// A bad email is a field error next to its field; the dialog stays.
			_, body = c.post(base+"/contacts", url.Values{"name": {"Jo"}, "email": {"not an email"}}, "dialog-body", 422)
			mustContain(t, "field error", body, `id="e-email"`, `value="Jo"`)
			res, body := c.post(base+"/contacts", url.Values{"name": {"Jo Weber"}, "kind": {"person"}, "title": {"Dispatcher"}, "email": {"jo@kran.example"}}, "dialog-body", 200)
			if res.Header.Get("HX-Retarget") != "#panel" || !strings.Contains(res.Header.Get("HX-Trigger"), "closeDialog") {
				t.Errorf("create answered retarget %q trigger %q", res.Header.Get("HX-Retarget"), res.Header.Get("HX-Trigger"))
			}
			mustContain(t, "contacts tab after add", body, "Jo Weber", "Dispatcher", "jo@kran.example")
			page, err := st.s.Contacts(context.Background(), st.admin, steward.ContactFilter{CustomerID: cu.ID})
			if err != nil || len(page.Data) != 1 {
				t.Fatalf("contacts: %v %v", page, err)
			}
			ct := page.Data[0]
			mustContain(t, "edit dialog", c.get("/contacts/"+ct.ID+"/edit", "dialog-body", 200), `value="Jo Weber"`, `name="version" value="1"`)
			_, body = c.post("/contacts/"+ct.ID, url.Values{"name": {"Johanna Weber"}, "kind": {"department"}, "version": {"1"}}, "dialog-body", 200)
			mustContain(t, "after edit", body, "Johanna Weber", "Department")
			// A stale version says someone else changed it.
			_, body = c.post("/contacts/"+ct.ID, url.Values{"name": {"Old"}, "version": {"1"}}, "dialog-body", 412)
			mustContain(t, "stale edit", body, "Someone else changed this contact", "Request id")

			_, body = c.post("/contacts/"+ct.ID+"/archive", url.Values{"version": {"2"}}, "panel", 200)
			if strings.Contains(body, "Johanna Weber") {
				t.Error("an archived contact is still in the active tab")
			}
			body = c.get(base+"?tab=contacts&contacts=archived", "panel", 200)
			mustContain(t, "archived contacts", body, "Johanna Weber", "badge-archived", "/contacts/"+ct.ID+"/unarchive")
			c.post("/contacts/"+ct.ID+"/unarchive", url.Values{"version": {"3"}}, "panel", 200)

			// Without htmx, the forms work as plain posts.
			res, _ = c.post(base+"/contacts", url.Values{"name": {"Front desk"}}, "", 303)
			if loc := res.Header.Get("Location"); loc != base+"?tab=contacts" {
				t.Errorf("plain post went to %q", loc)
			}
			c.get("/contacts/nope!/edit", "", 404)
		})
	}
}

// TestLocationsAndAssets: the locations and assets pages, their windows and dialogs, the
// pickers (archived customers found by name only) and an asset's movements.
func TestLocationsAndAssets(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			c := newClient(t, st, st.email, st.password)
			ctx := context.Background()
			cu, err := st.s.CreateCustomer(ctx, st.admin, steward.CustomerFields{Name: "Kran AG"})
			if err != nil {
				t.Fatal(err)
			}
			mustContain(t, "empty locations", c.get("/locations", "", 200), "No locations yet", `id="add-location"`)
			mustContain(t, "add location dialog", c.get("/locations/new", "dialog-body", 200), `name="customer_id"`, "Your own location")

			// A latitude that is not a number is a field error; so is a missing longitude.
			_, body := c.post("/locations", url.Values{"name": {"Yard"}, "latitude": {"north"}}, "dialog-body", 422)
			mustContain(t, "bad latitude", body, `id="e-latitude"`, `value="north"`)
			_, body = c.post("/locations", url.Values{"name": {"Yard"}, "latitude": {"52.5"}}, "dialog-body", 422)
			mustContain(t, "missing longitude", body, `id="e-longitude"`)
			res, body := c.post("/locations", url.Values{"name": {"Kran Site North"}, "customer_id": {cu.ID}, "address.city": {"Hamburg"},
				"latitude": {"53,55"}, "longitude": {"9.99"}}, "dialog-body", 200)
			mustContain(t, "location window", body, "Kran Site North", "Kran AG", "53.55, 9.99")
			if res.Header.Get("HX-Retarget") != "#panel" || !strings.HasPrefix(res.Header.Get("HX-Push-Url"), "/locations/") {
				t.Errorf("location saved: retarget %q push %q", res.Header.Get("HX-Retarget"), res.Header.Get("HX-Push-Url"))
			}
			locs, err := st.s.Locations(ctx, st.admin, steward.LocationFilter{})
			if err != nil || len(locs.Data) != 1 {
				t.Fatalf("locations: %v", err)
			}
			loc := locs.Data[0]
			mustContain(t, "locations list", c.get("/locations", "results", 200), "Kran Site North", "Kran AG", "Hamburg")

			// Assets: one at the location owned by nobody, one owned by the customer elsewhere.
			_, body = c.post("/assets", url.Values{"name": {"Crane 1"}, "location_id": {loc.ID}, "year": {"20x5"}}, "dialog-body", 422)
			mustContain(t, "bad year", body, `id="e-year"`, "Kran Site North")
			c.post("/assets", url.Values{"name": {"Crane 1"}, "serial_number": {"CR-1"}, "location_id": {loc.ID}}, "dialog-body", 200)
			_, body = c.post("/assets", url.Values{"name": {"Crane 2"}, "owner_customer_id": {cu.ID}}, "dialog-body", 200)
			mustContain(t, "asset window", body, "Crane 2", "Kran AG", "Not at a location")
			body = c.get("/customers?q=kran", "results", 200)
			mustContain(t, "customer counts", body, `<td class="num">1</td>`, "1 elsewhere")
			mustContain(t, "assets list", c.get("/assets?sort=name", "", 200), "Crane 1", "CR-1", "Kran Site North", "Crane 2")
			mustContain(t, "location's assets", c.get("/locations/"+loc.ID+"?tab=assets", "panel", 200), "Crane 1")

			// Move Crane 2 to the site: the movements tab shows it by name.
			as, err := st.s.Assets(ctx, st.admin, steward.AssetFilter{ListParams: steward.ListParams{Q: "Crane 2"}})
			if err != nil || len(as.Data) != 1 {
				t.Fatalf("assets: %v", err)
			}
			a2 := as.Data[0]
			edit := c.get("/assets/"+a2.ID+"/edit", "dialog-body", 200)
			mustContain(t, "asset edit dialog", edit, `value="`+cu.ID+`"`, "Kran AG")
			c.post("/assets/"+a2.ID, url.Values{"name": {"Crane 2"}, "owner_customer_id": {cu.ID}, "location_id": {loc.ID}, "version": {"1"}}, "dialog-body", 200)
			mustContain(t, "movements", c.get("/assets/"+a2.ID+"?tab=movements", "panel", 200), "Moved by", "Ada Lovelace", "Kran Site North")
			mustContain(t, "asset audit", c.get("/assets/"+a2.ID+"?tab=audit", "panel", 200), "updated", "Crane 2")

			// Archive the customer: the picker does not list it, but finds it by name, with its badge.
			if _, err := st.s.SetCustomerArchived(ctx, st.admin, cu.ID, 0, true); err != nil {
				t.Fatal(err)
			}
			if body = c.get("/pick/customers?field=owner_customer_id&none=Nobody", "opts-owner_customer_id", 200); strings.Contains(body, "Kran AG") {
				t.Error("the picker lists an archived customer without a search")
			}
			mustContain(t, "picker search", c.get("/pick/customers?field=owner_customer_id&pick=kran", "opts-owner_customer_id", 200),
				"Kran AG", "badge-archived", `data-pick="`+cu.ID+`"`)
			mustContain(t, "location picker", c.get("/pick/locations?field=location_id&pick=site", "opts-location_id", 200), "Kran Site North")
			c.get("/pick/users?field=x", "opts-x", 404)
			c.get("/pick/customers?field=a%20b", "opts-x", 422)

			// Archive and unarchive an asset from its window; the list filters follow.
			c.post("/assets/"+a2.ID+"/archive", url.Values{"version": {"2"}}, "panel", 200)
			if body = c.get("/assets", "results", 200); strings.Contains(body, "Crane 2") {
				t.Error("an archived asset is in the active list")
			}
			mustContain(t, "archived assets", c.get("/assets?status=archived", "results", 200), "Crane 2", "badge-archived")
			c.post("/assets/"+a2.ID+"/unarchive", url.Values{"version": {"3"}}, "panel", 200)
			c.post("/locations/"+loc.ID+"/archive", url.Values{"version": {"1"}}, "panel", 200)

			// Bad filters are field errors; a full-page window renders over its list.
			c.get("/assets?sort=bogus", "", 422)
			c.get("/locations?type=dealer", "", 422)
			mustContain(t, "full page window", c.get("/locations/"+loc.ID+"?status=all", "", 200), `id="location-panel"`, "Kran Site North")
			c.get("/assets/"+loc.ID, "", 404)
			c.get("/assets/"+a2.ID+"?tab=contacts", "", 422)
		})
	}
}

// addUser adds a user of role to another organization (the store creates Admins only; the
// role is lowered in the database) and returns a client signed in as them.
func addUser(t *testing.T, st *site, role steward.Role) *client {
	t.Helper()
	email := string(role) + "@example.com"
	if _, _, err := st.s.CreateOrganization(context.Background(), steward.Organization{Name: "Other " + string(role), Country: "DE",
		Email: email, AdminName: "Someone", Password: st.password}); err != nil {
		t.Fatal(err)
	}
	driver, dsn, query := "sqlite", "file:"+st.dsn, "UPDATE users SET role = ? WHERE email = ?"
	if st.engine == "postgres" {
		driver, dsn, query = "pgx", st.dsn, "UPDATE users SET role = $1 WHERE email = $2"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query, string(role), email); err != nil {
		t.Fatal(err)
	}
	return newClient(t, st, email, st.password)
}

// TestAuditAndAPIKeys: the audit log page with its filters and CSV export through the
// session, and the API keys page, for Admins only.
func TestAuditAndAPIKeys(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			c := newClient(t, st, st.email, st.password)
			ctx := context.Background()
			cu, err := st.s.CreateCustomer(ctx, st.admin, steward.CustomerFields{Name: "=Hostile \"Quote\" Co"})
			if err != nil {
				t.Fatal(err)
			}
			c.post("/customers/"+cu.ID, url.Values{"name": {"Renamed Co"}, "version": {"1"}}, "dialog-body", 200)

			body := c.get("/audit", "", 200)
			mustContain(t, "audit page", body, "Renamed Co", "Ada Lovelace", "updated", `href="/audit.csv"`, "<time datetime=")
			body = c.get("/audit?action=update&object_type=customer&source=web", "results", 200)
			mustContain(t, "filtered audit", body, "Renamed Co", `hx-swap-oob="true"`, "/audit.csv?action=update")
			if strings.Contains(body, "created") {
				t.Error("the action filter let a create through")
			}
			body = c.get("/audit?object_id="+cu.ID+"&object_name=Renamed+Co", "", 200)
			mustContain(t, "object chip", body, "Object: Renamed Co")
			today := time.Now().UTC().Format("2006-01-02")
			mustContain(t, "date range", c.get("/audit?from="+today+"&to="+today, "results", 200), "Renamed Co")
			if body = c.get("/audit?to=2001-01-01", "results", 200); strings.Contains(body, "Renamed Co") {
				t.Error("the date filter let a later event through")
			}
			c.get("/audit?from=yesterday", "", 422)
			c.get("/audit?source=carrier-pigeon", "", 422)
			c.get("/audit?from=2025-02-02&to=2025-01-01", "", 422)

			res, csvBody := c.do("GET", "/audit.csv?object_type=customer", nil, "")
			if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
				!strings.Contains(res.Header.Get("Content-Disposition"), "audit.csv") {
				t.Fatalf("audit.csv: %d %v", res.StatusCode, res.Header)
			}
			rows, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
			if err != nil || len(rows) != 3 || rows[0][0] != "id" || len(rows[0]) != 15 {
				t.Fatalf("audit.csv rows = %q, %v", rows, err)
			}
			if !strings.Contains(csvBody, `'=Hostile`) {
				t.Errorf("a formula-like cell is not neutralised:\n%s", csvBody)
			}
			// The export answers what the API's does, column for column.
			key, err := st.s.CreateAPIKeyForEmail(ctx, st.email, steward.APIKeyFields{Name: "csv"})
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("GET", st.base+"/api/v1/audit.csv?object_type=customer", nil)
			req.Header.Set("Authorization", "Bearer "+key.Key)
			ares, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			apiBody, _ := io.ReadAll(ares.Body)
			ares.Body.Close()
			if string(apiBody) != csvBody {
				t.Errorf("the UI's export differs from the API's:\nui:  %s\napi: %s", csvBody, apiBody)
			}

			// API keys: create (the secret once), list, revoke.
			body = c.get("/api-keys", "", 200)
			mustContain(t, "keys page", body, `id="add-apikey"`, "csv")
			mustContain(t, "key dialog", c.get("/api-keys/new", "dialog-body", 200), `id="save-apikey"`, "Fleet admin")
			_, body = c.post("/api-keys", url.Values{"name": {""}}, "dialog-body", 422)
			mustContain(t, "key name error", body, `id="e-name"`)
			_, body = c.post("/api-keys", url.Values{"name": {"Old"}, "expires_at": {"2001-01-01"}}, "dialog-body", 422)
			mustContain(t, "key expiry error", body, `id="e-expires_at"`)
			res, body = c.post("/api-keys", url.Values{"name": {"Nightly sync"}, "role": {"user"}}, "dialog-body", 200)
			if res.Header.Get("HX-Retarget") != "#keys" {
				t.Errorf("created key retarget %q", res.Header.Get("HX-Retarget"))
			}
			mustContain(t, "created key", body, `id="new-key"`, "shown only this once", "Nightly sync", `data-copy="#new-key"`)
			keys, err := st.s.APIKeys(ctx, st.admin)
			if err != nil {
				t.Fatal(err)
			}
			var created steward.APIKey
			for _, k := range keys {
				if k.Name == "Nightly sync" {
					created = k
				}
			}
			if created.ID == "" || created.Role != steward.RoleUser || !strings.Contains(body, created.Prefix) {
				t.Fatalf("created key %+v", created)
			}
			if body = c.get("/api-keys", "", 200); strings.Contains(body, `id="new-key"`) {
				t.Error("the secret is shown again")
			}
			_, body = c.post("/api-keys/"+created.ID+"/revoke", url.Values{}, "keys", 200)
			mustContain(t, "revoked key", body, "Revoked")
			c.post("/api-keys/"+created.ID+"/revoke", url.Values{}, "keys", 200) // revoking twice is harmless
			c.post("/api-keys/nope/revoke", url.Values{}, "keys", 404)

			// Others do not see the links and are refused.
			for _, role := range []steward.Role{steward.RoleFleetAdmin, steward.RoleUser} {
				o := addUser(t, st, role)
				body = o.get("/customers", "", 200)
				if strings.Contains(body, `href="/audit"`) || strings.Contains(body, `href="/api-keys"`) {
					t.Errorf("%s sees the admin links", role)
				}
				o.get("/audit", "", 403)
				o.get("/audit.csv", "", 403)
				o.get("/api-keys", "", 403)
				o.get("/api-keys/new", "dialog-body", 403)
				o.post("/api-keys", url.Values{"name": {"x"}}, "dialog-body", 403)
				o.post("/api-keys/"+created.ID+"/revoke", url.Values{}, "keys", 403)
			}
		})
	}
}

// TestCustomerArchiveVersion: archiving a customer checks the version its window showed, as
// every other form does; a version that is not a number is refused, not taken as "any".
func TestCustomerArchiveVersion(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			c := newClient(t, st, st.email, st.password)
			cu, err := st.s.CreateCustomer(context.Background(), st.admin, steward.CustomerFields{Name: "Kran AG"})
			if err != nil {
				t.Fatal(err)
			}
			base := "/customers/" + cu.ID
			_, body := c.post(base+"/archive", url.Values{"version": {"x"}}, "panel", 422)
			mustContain(t, "garbled version", body, "must be the version the form was opened with")
			_, body = c.post(base+"/archive", url.Values{"version": {"7"}}, "panel", 412)
			mustContain(t, "stale version", body, "Someone else changed this customer")
			if got, err := st.s.Customer(context.Background(), st.admin, cu.ID); err != nil || got.ArchivedAt != nil {
				t.Fatalf("after refused archives: %v, archived %v", err, got.ArchivedAt)
			}
			_, body = c.post(base+"/archive", url.Values{"version": {"1"}}, "panel", 200)
			mustContain(t, "archived", body, "badge-archived")
		})
	}
}

// TestWindowTabLoadMore: a window's list tab shows its first 50 rows (an Audit log tab 20
// events) and a Load more that brings the next ones, with the filters of the list behind the
// window kept.
func TestWindowTabLoadMore(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			st := startSite(t, engine)
			c := newClient(t, st, st.email, st.password)
			ctx := context.Background()
			cu, err := st.s.CreateCustomer(ctx, st.admin, steward.CustomerFields{Name: "Kran AG"})
			if err != nil {
				t.Fatal(err)
			}
			var first *steward.Location
			for i := range 51 {
				l, err := st.s.CreateLocation(ctx, st.admin, steward.LocationFields{Name: fmt.Sprintf("Site %02d", i), CustomerID: &cu.ID})
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					first = l
				}
				if _, err := st.s.CreateAsset(ctx, st.admin, steward.AssetFields{Name: fmt.Sprintf("Crane %02d", i), LocationID: &first.ID}); err != nil {
					t.Fatal(err)
				}
			}
			for _, tab := range []struct{ path, item string }{
				{"/customers/" + cu.ID + "?tab=locations&q=Kran", "Site "},
				{"/locations/" + first.ID + "?tab=assets&q=Site", "Crane "},
			} {
				body := c.get(tab.path, "panel", 200)
				if n := strings.Count(body, tab.item); n != 50 {
					t.Errorf("%s: %d rows, want the first 50", tab.path, n)
				}
				i := strings.Index(body, `id="tab-more"`)
				j := strings.Index(body[max(i, 0):], `href="`)
				if i < 0 || j < 0 {
					t.Fatalf("%s: no Load more", tab.path)
				}
				more := body[i+j+len(`href="`):]
				more = strings.ReplaceAll(more[:strings.IndexByte(more, '"')], "&amp;", "&")
				if !strings.Contains(more, "more=") || !strings.Contains(more, "q=") {
					t.Errorf("%s: Load more %q lacks the cursor or the list's filters", tab.path, more)
				}
				body = c.get(more, "tab-more", 200)
				if n := strings.Count(body, tab.item); n != 1 || strings.Contains(body, `id="tab-more"`) || strings.Contains(body, "panel-head") {
					t.Errorf("%s: the next rows are %d, want the last 1, alone and without a further Load more:\n%s", tab.path, n, body)
				}
			}
			// The Audit log tab pages fewer events: 52 touch the customer (its create and 51
			// locations').
			body := c.get("/customers/"+cu.ID+"?tab=audit", "panel", 200)
			if n := strings.Count(body, "<time datetime="); n != 20 || !strings.Contains(body, `id="tab-more"`) {
				t.Errorf("the audit tab shows %d events (want 20) and a Load more: %v", n, strings.Contains(body, `id="tab-more"`))
			}
			c.get("/customers/"+cu.ID+"?tab=locations&more=%01", "panel", 422)
		})
	}
}
