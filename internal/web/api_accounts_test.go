package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
)

const accountsPath = "/api/v1/accounts"

func TestAPISubAccounts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		body := func(name string) obj { return obj{"name": name, "email": "office@example.com", "country": "de"} }
		var north, south obj
		runScenarios(t, []scenario{
			{name: "create", as: e.admin, method: "POST", path: accountsPath, body: body("North"), want: 201, check: func(t *testing.T, r *result) {
				north = r.obj()
				requireKeys(t, "account", north, "id", "parent_id", "root_id", "name", "kind", "email", "country", "created_at", "updated_at", "archived_at")
				if str(north, "parent_id") != e.accountID || str(north, "root_id") != e.accountID || str(north, "country") != "DE" ||
					str(north, "kind") != "internal" {
					t.Errorf("created: %s", r.Raw)
				}
				if r.Header.Get("Location") != accountsPath+"/"+str(north, "id") || r.Header.Get("ETag") == "" {
					t.Errorf("Location %q, ETag %q", r.Header.Get("Location"), r.Header.Get("ETag"))
				}
			}},
			{name: "create another", as: e.admin, method: "POST", path: accountsPath, body: obj{"name": "South", "email": "s@example.com",
				"country": "FR", "kind": "external", "external_ref": "CRM-7", "address": obj{"city": "Lyon"}}, want: 201,
				check: func(t *testing.T, r *result) { south = r.obj() }},
			// Hostile and invalid input: 422 naming the field, 400 for broken JSON.
			{name: "missing email and country", as: e.admin, method: "POST", path: accountsPath, body: obj{"name": "X"}, want: 422, field: "country"},
			{name: "upper-case kind", as: e.admin, method: "POST", path: accountsPath,
				body: obj{"name": "X", "email": "a@example.com", "country": "DE", "kind": "INTERNAL"}, want: 422, field: "kind"},
			{name: "unknown country", as: e.admin, method: "POST", path: accountsPath,
				body: obj{"name": "X", "email": "a@example.com", "country": "xx"}, want: 422, field: "country"},
			{name: "zero-width name", as: e.admin, method: "POST", path: accountsPath,
				body: obj{"name": "\u200b", "email": "a@example.com", "country": "DE"}, want: 422, field: "name"},
			{name: "parent_id is not a field", as: e.admin, method: "POST", path: accountsPath,
				body: obj{"name": "X", "email": "a@example.com", "country": "DE", "parent_id": e.otherAccountID}, want: 422, field: "parent_id"},
			{name: "broken JSON", as: e.admin, method: "POST", path: accountsPath, body: `{"name":`, want: 400},
			{name: "duplicate external_ref", as: e.admin, method: "POST", path: accountsPath,
				body: obj{"name": "X", "email": "a@example.com", "country": "DE", "external_ref": "CRM-7"}, want: 409, field: "external_ref"},
			// Roles: Admins only, refused before the body is read.
			{name: "fleet admin may not create", as: e.fleet, method: "POST", path: accountsPath, body: body("no"), want: 403},
			{name: "user may not list", as: e.user, method: "GET", path: accountsPath, want: 403},
			{name: "technician may not list", as: e.tech, method: "GET", path: accountsPath, want: 403},
			{name: "integration key may not create", as: e.integ, method: "POST", path: accountsPath, body: body("no"), want: 403},
		})
		northPath := accountsPath + "/" + str(north, "id")
		southPath := accountsPath + "/" + str(south, "id")

		// A sub-account of North, made by switching in the store (the API does not switch).
		admin, err := e.store.Authenticate(context.Background(), e.admin.key)
		if err != nil {
			t.Fatal(err)
		}
		inNorth, err := e.store.SwitchAccount(context.Background(), admin, str(north, "id"))
		if err != nil {
			t.Fatal(err)
		}
		e.admin.create(t, accountsPath, body("Alpha"))
		if _, err := e.store.CreateSubAccount(context.Background(), inNorth, subAccountFields("North 1")); err != nil {
			t.Fatal(err)
		}

		list := e.admin.walk(t, accountsPath+"?limit=1", 1)
		var names []string
		for _, a := range list {
			names = append(names, str(a, "name"))
		}
		if strings.Join(names, ",") != "Alpha,North,North 1,South" {
			t.Errorf("accounts: %v", names)
		}
		otherSub := e.other.create(t, accountsPath, body("Globex sub"))
		otherPath := accountsPath + "/" + str(otherSub, "id")

		etag := e.admin.get(t, northPath).want(t, 200).etag(t)
		runScenarios(t, []scenario{
			{name: "children of North", as: e.admin, method: "GET", path: accountsPath + "?parent_id=" + str(north, "id"), want: 200,
				check: func(t *testing.T, r *result) {
					if d := r.data(t); len(d) != 1 || str(d[0], "name") != "North 1" || str(d[0], "parent_id") != str(north, "id") {
						t.Errorf("children: %s", r.Raw)
					}
				}},
			{name: "search", as: e.admin, method: "GET", path: accountsPath + "?q=NORTH", want: 200, check: func(t *testing.T, r *result) {
				if d := r.data(t); len(d) != 2 {
					t.Errorf("q=NORTH: %s", r.Raw)
				}
			}},
			{name: "status is not a parameter of accounts", as: e.admin, method: "GET", path: accountsPath + "?status=archived", want: 422, field: "status"},
			{name: "limit over 500", as: e.admin, method: "GET", path: accountsPath + "?limit=501", want: 422, field: "limit"},
			{name: "another org's parent_id", as: e.admin, method: "GET", path: accountsPath + "?parent_id=" + e.otherAccountID, want: 422, field: "parent_id"},
			// Another organization's accounts are 404 on every method, both ways.
			{name: "get another org's sub", as: e.admin, method: "GET", path: otherPath, want: 404},
			{name: "get another org's root", as: e.admin, method: "GET", path: accountsPath + "/" + e.otherAccountID, want: 404},
			{name: "patch another org's sub", as: e.admin, method: "PATCH", path: otherPath, body: obj{"name": "mine"}, want: 404},
			{name: "delete another org's sub", as: e.admin, method: "DELETE", path: otherPath, want: 404},
			{name: "they do not see ours", as: e.other, method: "GET", path: northPath, want: 404},
			// Patch: merge patch, If-Match, 412 when stale, 422 when a required field is cleared.
			{name: "patch", as: e.admin, method: "PATCH", path: northPath, body: obj{"phone": "+49 30 1234"}, headers: h{"If-Match", etag}, want: 200,
				check: func(t *testing.T, r *result) {
					if str(r.obj(), "phone") != "+49 30 1234" || str(r.obj(), "name") != "North" {
						t.Errorf("patched: %s", r.Raw)
					}
				}},
			{name: "stale If-Match", as: e.admin, method: "PATCH", path: northPath, body: obj{"phone": "1"}, headers: h{"If-Match", etag}, want: 412},
			{name: "clear the country", as: e.admin, method: "PATCH", path: northPath, body: obj{"country": nil}, want: 422, field: "country"},
			{name: "move by parent_id", as: e.admin, method: "PATCH", path: northPath, body: obj{"parent_id": str(south, "id")}, want: 422, field: "parent_id"},
			{name: "fleet admin may not patch", as: e.fleet, method: "PATCH", path: northPath, body: obj{"name": "no"}, want: 403},
			// Delete: 409 naming each unmet condition; not a direct child; the account itself.
			{name: "delete with a sub-account", as: e.admin, method: "DELETE", path: northPath, want: 409, field: "accounts",
				check: func(t *testing.T, r *result) {
					if r.fieldMessage("accounts") != "1 sub-account is under it" {
						t.Errorf("message: %s", r.Raw)
					}
				}},
			{name: "delete the caller's own account", as: e.admin, method: "DELETE", path: accountsPath + "/" + e.accountID, want: 409, field: "parent"},
			{name: "fleet admin may not delete", as: e.fleet, method: "DELETE", path: southPath, want: 403},
			{name: "delete", as: e.admin, method: "DELETE", path: southPath, want: 204},
			{name: "deleted", as: e.admin, method: "GET", path: southPath, want: 404},
			{name: "delete again", as: e.admin, method: "DELETE", path: southPath, want: 404},
		})

		// The audit log holds each change, in the parent's log.
		r := e.admin.get(t, "/api/v1/audit?object_type=account&object_id="+str(south, "id")).want(t, 200)
		var actions []string
		for _, ev := range r.data(t) {
			actions = append(actions, str(ev, "action"))
			if str(ev, "account_id") != e.accountID {
				t.Errorf("event in %s, want the parent's log", str(ev, "account_id"))
			}
		}
		if strings.Join(actions, ",") != "delete,create" {
			t.Errorf("South's events: %v", actions)
		}
	})
}

func subAccountFields(name string) steward.SubAccountFields {
	return steward.SubAccountFields{Name: name, Email: "office@example.com", Country: "DE"}
}

// TestAPISubAccountIDsHostile sends ids of every hostile shape: each is a 404, never a 500.
func TestAPISubAccountIDsHostile(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		for i, id := range []string{"x", strings.Repeat("a", 64), strings.Repeat("a", 65), "%00", "%E2%80%8B", "..%2F..%2Fetc",
			"0190a5c4-1b2c-7d3e-8f40-123456789abc"} {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				r := e.admin.get(t, accountsPath+"/"+id)
				if r.Status != 404 && r.Status != 400 {
					t.Errorf("GET %s: %d %s", id, r.Status, r.Raw)
				}
			})
		}
	})
}
