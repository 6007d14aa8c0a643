package web_test

// Store-side rules an attacker or an integrator found broken: forged cursors, keys that outlive
// or outrank their maker, audit visibility, filter values, cleared fields in the audit log, and
// a location's move between customers in both customers' histories.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

// forgeCursor rewrites member of an issued cursor to raw JSON, as anyone can: the encoding is
// not secret.
func forgeCursor(t *testing.T, issued, member, raw string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(issued)
	if err != nil {
		t.Fatalf("cursor %q: %v", issued, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("cursor %q: %v", b, err)
	}
	m[member] = json.RawMessage(raw)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(out)
}

func TestAPIForgedCursor(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		c := e.admin.create(t, customersPath, obj{"name": "Cursor One"})
		e.admin.create(t, customersPath, obj{"name": "Cursor Two"})
		e.admin.patch(t, customersPath+"/"+str(c, "id"), obj{"notes": "x"}).want(t, 200)
		lists := map[string]string{
			"customers": customersPath + "?q=cursor&limit=1",
			"audit":     auditPath + "?object_id=" + str(c, "id") + "&limit=1",
		}
		for name, path := range lists {
			issued := e.user.get(t, path).want(t, 200).next()
			if issued == "" {
				t.Fatalf("%s: no next_cursor", name)
			}
			for what, raw := range map[string][2]string{
				"NUL in the key":  {"k", `"Cursor\u0000"`},
				"NUL in the id":   {"i", `"0190a5c4-1b2c-7d3e-8f40-12345678\u0000bc"`},
				"a key object":    {"k", `{"a":1}`},
				"an id not an id": {"i", `"x' OR '1'='1"`},
			} {
				forged := forgeCursor(t, issued, raw[0], raw[1])
				r := e.user.get(t, path+"&cursor="+url.QueryEscape(forged))
				if r.Status != 422 || r.fieldMessage("cursor") == "" {
					t.Errorf("%s, %s: status %d, want 422 naming cursor: %s", name, what, r.Status, r.Raw)
				}
			}
		}
	})
}

// A key made with a key never outlives or outranks it, and expires_at lies within ten years.
func TestAPIKeyMadeByKey(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		week := steward.TimestampOf(time.Now().Add(7 * 24 * time.Hour))
		demo, err := e.store.CreateAPIKeyForEmail(context.Background(), e.adminEmail,
			steward.APIKeyFields{Name: "demo", ExpiresAt: &week})
		if err != nil {
			t.Fatal(err)
		}
		maker := e.withKey(demo.Key)
		rfc := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }
		runScenarios(t, []scenario{
			{name: "no expiry asked: the maker's", as: maker, method: "POST", path: apiKeysPath,
				body: obj{"name": "forever", "role": "admin"}, want: 201, check: func(t *testing.T, r *result) {
					if str(r.obj(), "expires_at") != week.String() || str(r.obj(), "role") != "admin" {
						t.Errorf("expires_at %v role %v, want %s and admin", r.obj()["expires_at"], r.obj()["role"], week)
					}
					// The new key says so itself.
					me := e.withKey(str(r.obj(), "key")).get(t, "/api/v1/me").want(t, 200).obj()
					if str(me, "api_key.expires_at") != week.String() {
						t.Errorf("me.api_key.expires_at %v, want %s", get(me, "api_key.expires_at"), week)
					}
				}},
			{name: "explicit null: the maker's", as: maker, method: "POST", path: apiKeysPath,
				body: `{"name":"null expiry","expires_at":null}`, want: 201, check: func(t *testing.T, r *result) {
					if str(r.obj(), "expires_at") != week.String() {
						t.Errorf("expires_at %v, want %s", r.obj()["expires_at"], week)
					}
				}},
			{name: "later than the maker", as: maker, method: "POST", path: apiKeysPath,
				body: obj{"name": "later", "expires_at": rfc(30 * 24 * time.Hour)}, want: 422, field: "expires_at"},
			{name: "sooner than the maker", as: maker, method: "POST", path: apiKeysPath,
				body: obj{"name": "sooner", "expires_at": rfc(24 * time.Hour)}, want: 201},
			{name: "the year 10000 by offset", as: e.admin, method: "POST", path: apiKeysPath,
				body: obj{"name": "y10k", "expires_at": "9999-12-31T23:59:59-23:59"}, want: 422, field: "expires_at"},
			{name: "eleven years", as: e.admin, method: "POST", path: apiKeysPath,
				body: obj{"name": "long", "expires_at": time.Now().AddDate(11, 0, 0).UTC().Format(time.RFC3339)}, want: 422, field: "expires_at"},
			{name: "not RFC 3339", as: e.admin, method: "POST", path: apiKeysPath,
				body: obj{"name": "bad", "expires_at": "2030-01-01 00:00:00"}, want: 422, field: "expires_at"},
			{name: "a number", as: e.admin, method: "POST", path: apiKeysPath,
				body: obj{"name": "bad", "expires_at": 1893456000}, want: 422, field: "expires_at"},
			{name: "nine years from a key that never expires", as: e.admin, method: "POST", path: apiKeysPath,
				body: obj{"name": "nine", "expires_at": time.Now().AddDate(9, 0, 0).UTC().Format(time.RFC3339)}, want: 201},
			{name: "a narrowed key may not mint", as: e.fleet, method: "POST", path: apiKeysPath,
				body: obj{"name": "up", "role": "admin"}, want: 403},
		})
	})
}

// Events of users, API keys and the account are for Admins: anyone else gets an empty page (and
// an empty export), exactly as for ids that do not exist.
func TestAPIAuditVisibility(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		me := e.admin.get(t, "/api/v1/me").want(t, 200).obj()
		userID := str(me, "user.id")
		made := e.admin.create(t, apiKeysPath, obj{"name": "to revoke", "role": "user"})
		e.admin.del(t, apiKeysPath+"/"+str(made, "id")).want(t, 204)
		c := e.admin.create(t, customersPath, obj{"name": "Seen By All"})
		hidden := map[string]string{
			"the admin key":    auditPath + "?object_id=" + e.admin.keyID,
			"a revoked key":    auditPath + "?object_id=" + str(made, "id"),
			"the admin user":   auditPath + "?object_id=" + userID,
			"the account":      auditPath + "?object_id=" + e.accountID,
			"keys by type":     auditPath + "?object_id=" + str(made, "id") + "&object_type=api_key",
			"the caller's key": auditPath + "?object_id=" + e.user.keyID,
		}
		for what, path := range hidden {
			if n := len(e.admin.get(t, path).want(t, 200).data(t)); n == 0 {
				t.Errorf("admin reads no events of %s", what)
			}
			for _, c := range []*apiClient{e.fleet, e.user, e.tech, e.integ} {
				if items := c.get(t, path).want(t, 200).data(t); len(items) != 0 {
					t.Errorf("%s reads %d events of %s: %v", c.name, len(items), what, items[0])
				}
			}
			csvPath := auditCSVPath + path[len(auditPath):]
			r := e.user.get(t, csvPath).want(t, 200)
			if lines := strings.Count(strings.TrimSpace(string(r.Raw)), "\n"); lines != 0 {
				t.Errorf("user exports %d events of %s:\n%s", lines, what, r.Raw)
			}
			if strings.Contains(string(r.Raw), e.adminEmail) {
				t.Errorf("the export of %s shows the admin's email", what)
			}
		}
		// The fleet's objects stay readable by every role.
		for _, cl := range []*apiClient{e.user, e.tech} {
			if n := len(cl.get(t, auditPath+"?customer_id="+str(c, "id")).want(t, 200).data(t)); n != 1 {
				t.Errorf("%s reads %d events of a customer, want 1", cl.name, n)
			}
		}
	})
}

// Every list filter that takes an enum or an id refuses a value it cannot take: 422 naming the
// parameter, an enum's message listing the allowed values.
func TestAPIFilterValues(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		c := e.admin.create(t, customersPath, obj{"name": "Filtered"})
		l := e.admin.create(t, locationsPath, obj{"name": "Filtered Yard", "customer_id": str(c, "id")})
		lists := func(t *testing.T, r *result, values ...string) {
			for _, f := range r.fields() {
				for _, v := range values {
					if !strings.Contains(r.fieldMessage(f), v) {
						t.Errorf("message %q does not list %q", r.fieldMessage(f), v)
					}
				}
			}
		}
		runScenarios(t, []scenario{
			{name: "audit object_type", as: e.admin, method: "GET", path: auditPath + "?object_type=bogus", want: 422, field: "object_type",
				check: func(t *testing.T, r *result) { lists(t, r, "customer", "asset", "api_key") }},
			{name: "audit action", as: e.admin, method: "GET", path: auditPath + "?action=bogus", want: 422, field: "action",
				check: func(t *testing.T, r *result) { lists(t, r, "create", "revoke") }},
			{name: "audit source", as: e.admin, method: "GET", path: auditPath + "?source=bogus", want: 422, field: "source",
				check: func(t *testing.T, r *result) { lists(t, r, "web", "api", "import", "system") }},
			{name: "audit.csv object_type", as: e.admin, method: "GET", path: auditCSVPath + "?object_type=bogus", want: 422, field: "object_type"},
			{name: "audit object_id not an id", as: e.user, method: "GET", path: auditPath + "?object_id=" + url.QueryEscape("a'b"), want: 422, field: "object_id"},
			{name: "audit customer_id not an id", as: e.user, method: "GET", path: auditPath + "?customer_id=a%20b", want: 422, field: "customer_id"},
			{name: "customers type", as: e.user, method: "GET", path: customersPath + "?type=bogus", want: 422, field: "type",
				check: func(t *testing.T, r *result) { lists(t, r, "contractor", "service_provider", "other") }},
			{name: "customers status", as: e.user, method: "GET", path: customersPath + "?status=deleted", want: 422, field: "status",
				check: func(t *testing.T, r *result) { lists(t, r, "active", "archived", "all") }},
			{name: "customers sort dash", as: e.user, method: "GET", path: customersPath + "?sort=-", want: 422, field: "sort"},
			{name: "contacts status", as: e.user, method: "GET", path: customersPath + "/" + str(c, "id") + "/contacts?status=x", want: 422, field: "status"},
			{name: "contacts of a customer that is not there", as: e.user, method: "GET", path: customersPath + "/nope/contacts", want: 404},
			{name: "contacts customer_id unknown", as: e.user, method: "GET", path: contactsPath + "?customer_id=" + str(l, "id"), want: 422, field: "customer_id"},
			{name: "locations customer_id unknown", as: e.user, method: "GET", path: locationsPath + "?customer_id=nope", want: 422, field: "customer_id"},
			{name: "locations customer_id known", as: e.user, method: "GET", path: locationsPath + "?customer_id=" + str(c, "id"), want: 200},
			{name: "assets location_id unknown", as: e.user, method: "GET", path: assetsPath + "?location_id=" + str(c, "id"), want: 422, field: "location_id"},
			{name: "assets owner_customer_id of another org", as: e.other, method: "GET", path: assetsPath + "?owner_customer_id=" + str(c, "id"), want: 422, field: "owner_customer_id"},
			{name: "assets location_customer_id not an id", as: e.user, method: "GET", path: assetsPath + "?location_customer_id=%C3%A9", want: 422, field: "location_customer_id"},
			{name: "several at once", as: e.user, method: "GET", path: customersPath + "?type=x&status=x&sort=x&limit=0", want: 422,
				check: func(t *testing.T, r *result) {
					if got := r.fields(); len(got) != 4 {
						t.Errorf("fields %v, want type, status, sort and limit", got)
					}
				}},
		})
	})
}

// A cleared field reads the same in the object and in its audit entry: the object's
// representation ("" for text, null for references and numbers) wins, on both sides of a change.
func TestAPIClearedFieldsInAudit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		owner := e.admin.create(t, customersPath, obj{"name": "Owner"})
		site := e.admin.create(t, locationsPath, obj{"name": "Site"})
		cust := e.admin.create(t, customersPath, obj{"name": "Cleared Co"})
		type clearable struct {
			field string // dotted
			value any    // a value to set first
		}
		kinds := []struct {
			path   string // where the object lives, under which PATCH goes
			create func() obj
			fields []clearable
		}{
			{customersPath, func() obj { return e.admin.create(t, customersPath, obj{"name": "Clear Me"}) }, []clearable{
				{"email", "a@example.com"}, {"phone", "+49 30 1234"}, {"website", "https://example.com"},
				{"external_ref", "CL-1"}, {"notes", "some notes"}, {"address.street", "Main 1"},
				{"address.postal_code", "10115"}, {"address.city", "Berlin"}, {"address.region", "BE"},
				{"address.country", "DE"}}},
			{contactsPath, func() obj {
				return e.admin.create(t, customersPath+"/"+str(cust, "id")+"/contacts", obj{"name": "Clear Me"})
			}, []clearable{
				{"email", "c@example.com"}, {"phone", "+49 30 99"}, {"title", "Buyer"}, {"external_ref", "CT-1"}}},
			{locationsPath, func() obj { return e.admin.create(t, locationsPath, obj{"name": "Clear Me"}) }, []clearable{
				{"external_ref", "L-1"}, {"customer_id", str(owner, "id")}, {"radius_m", 250.0}, {"address.city", "Köln"}}},
			{assetsPath, func() obj { return e.admin.create(t, assetsPath, obj{"name": "Clear Me"}) }, []clearable{
				{"serial_number", "SN-CLR-1"}, {"external_ref", "A-1"}, {"make", "Cat"}, {"model", "320"},
				{"category", "Excavator"}, {"year", 2020.0}, {"owner_customer_id", str(owner, "id")},
				{"location_id", str(site, "id")}}},
		}
		// patchBody sets a dotted field to v ("address.city" → {"address":{"city":v}}).
		patchBody := func(field string, v any) obj {
			if top, sub, ok := strings.Cut(field, "."); ok {
				return obj{top: obj{sub: v}}
			}
			return obj{field: v}
		}
		for _, k := range kinds {
			o := k.create()
			path := k.path + "/" + str(o, "id")
			for _, f := range k.fields {
				before := get(e.admin.get(t, path).want(t, 200).obj(), f.field)
				set := e.admin.patch(t, path, patchBody(f.field, f.value)).want(t, 200).obj()
				cleared := e.admin.patch(t, path, `{`+jsonMember(patchBody(f.field, nil))+`}`).want(t, 200).obj()
				shown := get(cleared, f.field)
				events := e.admin.get(t, auditPath+"?object_id="+str(o, "id")+"&limit=2").want(t, 200).data(t)
				if len(events) != 2 {
					t.Fatalf("%s %s: %d events", k.path, f.field, len(events))
				}
				clr, setEv := change(events[0], f.field), change(events[1], f.field)
				if clr == nil || setEv == nil {
					t.Errorf("%s %s: no change in %v / %v", k.path, f.field, events[0]["changes"], events[1]["changes"])
					continue
				}
				if clr["new"] != shown || clr["old"] != get(set, f.field) {
					t.Errorf("%s %s cleared: the object shows %#v, the audit old %#v new %#v", k.path, f.field, shown, clr["old"], clr["new"])
				}
				if setEv["old"] != before || setEv["new"] != get(set, f.field) {
					t.Errorf("%s %s set: the object showed %#v, the audit old %#v new %#v", k.path, f.field, before, setEv["old"], setEv["new"])
				}
			}
		}
	})
}

// jsonMember renders a one-member object's member (with nulls kept) for a raw PATCH body.
func jsonMember(o obj) string {
	b, _ := json.Marshal(o)
	return string(b[1 : len(b)-1])
}

// A location moving to another customer shows in both customers' histories (and their exports).
func TestAPILocationMoveInBothHistories(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		from := e.admin.create(t, customersPath, obj{"name": "Leaving Co"})
		to := e.admin.create(t, customersPath, obj{"name": "Arriving Co"})
		l := e.admin.create(t, locationsPath, obj{"name": "Moving Depot", "customer_id": str(from, "id")})
		e.admin.patch(t, locationsPath+"/"+str(l, "id"), obj{"customer_id": str(to, "id")}).want(t, 200)
		for _, c := range []obj{from, to} {
			events := e.user.get(t, auditPath+"?customer_id="+str(c, "id")+"&object_type=location&action=update").want(t, 200).data(t)
			if len(events) != 1 {
				t.Fatalf("%s: %d location updates in its history, want the move", str(c, "name"), len(events))
			}
			ch := change(events[0], "customer_id")
			if ch == nil || ch["old"] != str(from, "id") || ch["new"] != str(to, "id") ||
				ch["old_label"] != "Leaving Co" || ch["new_label"] != "Arriving Co" {
				t.Errorf("%s: move change %v", str(c, "name"), ch)
			}
			r := e.user.get(t, auditCSVPath+"?customer_id="+str(c, "id")).want(t, 200)
			if !strings.Contains(string(r.Raw), "Moving Depot") || strings.Count(string(r.Raw), ",update,location,") != 1 {
				t.Errorf("%s: the export does not show the move once:\n%s", str(c, "name"), r.Raw)
			}
		}
		// Paging through the old customer's history meets every event once.
		all := e.user.walk(t, auditPath+"?customer_id="+str(from, "id")+"&limit=1", 1)
		if len(all) != 3 {
			t.Errorf("old customer's history: %d events, want its creation, the location's and the move", len(all))
		}
		// Moving on to no customer: the customer left finds it.
		e.admin.patch(t, locationsPath+"/"+str(l, "id"), `{"customer_id":null}`).want(t, 200)
		if n := len(e.user.get(t, auditPath+"?customer_id="+str(to, "id")+"&object_id="+str(l, "id")).want(t, 200).data(t)); n != 2 {
			t.Errorf("the customer a location left for none finds %d of its events, want 2", n)
		}
	})
}
