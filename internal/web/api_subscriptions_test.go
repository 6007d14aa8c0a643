package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/web"
)

// TestAPISubscriptions: a customer's subscriptions through the API, every response checked
// against the OpenAPI document; hostile bodies 422 naming the field; writes need a Fleet Admin;
// another organization's customer, contact or subscription is a missing one.
func TestAPISubscriptions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		cust := e.admin.create(t, customersPath, obj{"name": "Notified Customer"})
		path := customersPath + "/" + str(cust, "id") + "/subscriptions"
		ct := e.admin.create(t, customersPath+"/"+str(cust, "id")+"/contacts", obj{"name": "Ann", "email": "ann@example.com"})
		bare := e.admin.create(t, customersPath+"/"+str(cust, "id")+"/contacts", obj{"name": "No Mail"})
		theirs := e.other.create(t, customersPath, obj{"name": "Theirs"})
		theirContact := e.other.create(t, customersPath+"/"+str(theirs, "id")+"/contacts", obj{"name": "Z", "email": "z@example.com"})
		var sub obj
		events := []string{"asset.location_changed"}
		runScenarios(t, []scenario{
			{name: "create", as: e.admin, method: "POST", path: path, body: obj{"contact_id": str(ct, "id"), "events": events}, want: 201,
				check: func(t *testing.T, r *result) {
					sub = r.obj()
					if str(sub, "email") != "ann@example.com" || r.Header.Get("ETag") != `"1"` {
						t.Errorf("created %s %v", r.Raw, r.Header)
					}
				}},
			{name: "twice", as: e.admin, method: "POST", path: path, body: obj{"contact_id": str(ct, "id"), "events": events}, want: 409},
			{name: "no subscriber", as: e.admin, method: "POST", path: path, body: obj{"events": events}, want: 422, field: "user_id"},
			{name: "both", as: e.admin, method: "POST", path: path, body: obj{"contact_id": str(ct, "id"), "user_id": str(ct, "id"),
				"events": events}, want: 422, field: "contact_id"},
			{name: "contact without email", as: e.admin, method: "POST", path: path, body: obj{"contact_id": str(bare, "id"),
				"events": events}, want: 422, field: "contact_id"},
			{name: "another organization's contact", as: e.admin, method: "POST", path: path,
				body: obj{"contact_id": str(theirContact, "id"), "events": events}, want: 422, field: "contact_id"},
			{name: "not an event", as: e.admin, method: "POST", path: path, body: obj{"contact_id": str(ct, "id"),
				"events": []string{"customer.created"}}, want: 422, field: "events[0]"},
			{name: "huge id", as: e.admin, method: "POST", path: path, body: obj{"contact_id": strings.Repeat("a", 5000),
				"events": events}, want: 422, field: "contact_id"},
			{name: "invisible id", as: e.admin, method: "POST", path: path, body: obj{"contact_id": str(ct, "id") + "\u200b",
				"events": events}, want: 422, field: "contact_id"},
			{name: "nested", as: e.admin, method: "POST", path: path, body: obj{"contact_id": obj{"id": str(ct, "id")},
				"events": events}, want: 422, field: "contact_id"},
			{name: "unknown member", as: e.admin, method: "POST", path: path, body: obj{"contact_id": str(ct, "id"),
				"events": events, "admin": true}, want: 422, field: "admin"},
			{name: "a User may not subscribe a contact", as: e.user, method: "POST", path: path,
				body: obj{"contact_id": str(ct, "id"), "events": events}, want: 403},
			{name: "other organization lists", as: e.other, method: "GET", path: path, want: 404},
			{name: "other organization creates", as: e.other, method: "POST", path: path,
				body: obj{"contact_id": str(theirContact, "id"), "events": events}, want: 404},
			{name: "list", as: e.user, method: "GET", path: path, want: 200, check: func(t *testing.T, r *result) {
				if d := r.data(t); len(d) != 1 || str(d[0], "id") != str(sub, "id") {
					t.Errorf("list %s", r.Raw)
				}
			}},
		})
		one := path + "/" + str(sub, "id")
		runScenarios(t, []scenario{
			{name: "other organization deletes", as: e.other, method: "DELETE", path: one, want: 404},
			{name: "user deletes", as: e.user, method: "DELETE", path: one, want: 403},
			{name: "stale If-Match", as: e.admin, method: "DELETE", path: one, headers: h{"If-Match", `"7"`}, want: 412},
			{name: "delete", as: e.fleet, method: "DELETE", path: one, headers: h{"If-Match", `"1"`}, want: http.StatusNoContent},
			{name: "gone", as: e.admin, method: "DELETE", path: one, want: 404},
		})
	})
}

// TestAPIMailsLinks: with MailLinks (serve --smtp-url), an invitation and a password reset are
// mailed to the user too, and the answer still carries the link.
func TestAPIMailsLinks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		srv := httptest.NewServer(web.New(e.store, nil, web.Options{MailLinks: true, PublicURL: "https://steward.example.com"}))
		t.Cleanup(srv.Close)
		call := func(path, body string) map[string]any {
			t.Helper()
			req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+e.admin.key)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var out map[string]any
			if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode >= 300 {
				t.Fatalf("%s: %d %v %v", path, res.StatusCode, out, err)
			}
			return out
		}
		email := uniqueEmail("mailed")
		inv := call("/api/v1/users", `{"name":"Mia Mailed","email":"`+email+`","role":"user","fleet_visibility":"all"}`)
		reset := call("/api/v1/users/"+str(inv, "id")+"/password-reset", `{}`)
		a, err := e.store.Authenticate(context.Background(), e.admin.key)
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := e.store.MailMessages(context.Background(), a, 10)
		if err != nil || len(msgs) != 2 {
			t.Fatalf("mail %+v %v", msgs, err)
		}
		if msgs[0].Kind != "password_reset" || msgs[0].To != email || !strings.Contains(msgs[0].Body, str(reset, "reset_url")) ||
			msgs[1].Kind != "invitation" || !strings.Contains(msgs[1].Body, str(inv, "invite_url")) ||
			!strings.HasPrefix(str(inv, "invite_url"), "https://steward.example.com/invite/") {
			t.Errorf("mail %+v, answers %v %v", msgs, inv, reset)
		}
	})
}
