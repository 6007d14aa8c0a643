package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/web"
)

const usersPath = "/api/v1/users"

// inviteBody is a valid invitation of a new user.
func inviteBody(role string) obj {
	return obj{"name": "Nina New", "email": uniqueEmail("nina"), "role": role, "fleet_visibility": "all"}
}

// acceptInvite sets the invited user's password through the service, as the invitation page does.
func (e *apiEnv) acceptInvite(t *testing.T, inviteURL string) {
	t.Helper()
	token := inviteURL[strings.LastIndex(inviteURL, "/")+1:]
	if _, err := e.store.RedeemUserToken(context.Background(), steward.TokenInvite, token, "a good password"); err != nil {
		t.Fatalf("accept invitation: %v", err)
	}
}

func TestAPIUsers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		var invited obj
		body := inviteBody("technician")
		runScenarios(t, []scenario{
			{name: "invite", as: e.admin, method: "POST", path: usersPath, body: body, want: 201, check: func(t *testing.T, r *result) {
				invited = r.obj()
				requireKeys(t, "invitation", invited, "id", "account_id", "name", "email", "role", "fleet_visibility", "active",
					"invite_pending", "invite_url", "invite_expires_at", "created_at", "updated_at")
				if !strings.HasPrefix(str(invited, "invite_url"), e.srv.URL+"/invite/") || len(str(invited, "invite_url")) != len(e.srv.URL)+8+43 {
					t.Errorf("invite_url = %q", str(invited, "invite_url"))
				}
				if str(invited, "account_id") != e.accountID || get(invited, "invite_pending") != true || get(invited, "active") != true {
					t.Errorf("invited: %s", r.Raw)
				}
				if r.Header.Get("Location") != usersPath+"/"+str(invited, "id") || r.Header.Get("ETag") != `"1"` {
					t.Errorf("Location %q, ETag %q", r.Header.Get("Location"), r.Header.Get("ETag"))
				}
			}},
		})
		id := str(invited, "id")
		userPath := usersPath + "/" + id
		runScenarios(t, []scenario{
			{name: "the same email again", as: e.admin, method: "POST", path: usersPath, body: body, want: 409, field: "email"},
			{name: "another organization's Admin's email", as: e.admin, method: "POST", path: usersPath,
				body: obj{"name": "X", "email": "ADMIN-" + strings.TrimPrefix(e.adminEmailOf(t, e.other), "admin-"), "role": "user", "fleet_visibility": "all"},
				want: 409, field: "email", check: func(t *testing.T, r *result) {
					if strings.Contains(string(r.Raw), e.otherAccountID) || strings.Contains(string(r.Raw), "Globex") {
						t.Errorf("the conflict names the other organization: %s", r.Raw)
					}
				}},
			{name: "role ADMIN", as: e.admin, method: "POST", path: usersPath, body: obj{"name": "X", "email": uniqueEmail("x"), "role": "ADMIN", "fleet_visibility": "all"}, want: 422, field: "role"},
			{name: "fleet_visibility empty", as: e.admin, method: "POST", path: usersPath, body: obj{"name": "X", "email": uniqueEmail("x"), "role": "user", "fleet_visibility": ""}, want: 422, field: "fleet_visibility"},
			{name: "missing fields", as: e.admin, method: "POST", path: usersPath, body: obj{"name": "X"}, want: 422, field: "email"},
			{name: "group_ids naming no group of the account", as: e.admin, method: "POST", path: usersPath, body: obj{"name": "X", "email": uniqueEmail("x"), "role": "user", "fleet_visibility": "groups", "group_ids": []string{"0190c0de-0000-7000-8000-000000000000"}}, want: 422, field: "group_ids[0]"},
			{name: "group_ids: a user invited into a group sees it", as: e.admin, method: "POST", path: usersPath, body: obj{"name": "Scoped", "email": uniqueEmail("scoped"), "role": "user", "fleet_visibility": "groups",
				"group_ids": []string{str(e.admin.create(t, "/api/v1/groups", obj{"name": "Invite group"}), "id")}}, want: 201, check: func(t *testing.T, r *result) {
				g, _ := get(r.obj(), "group_ids").([]any)
				if len(g) != 1 {
					t.Fatalf("group_ids = %v", get(r.obj(), "group_ids"))
				}
				uid := str(r.obj(), "id")
				// PATCH replaces the list; null leaves none.
				p := e.admin.patch(t, usersPath+"/"+uid, obj{"group_ids": nil}).want(t, 200)
				if g, _ := get(p.obj(), "group_ids").([]any); len(g) != 0 {
					t.Errorf("after null: %s", p.Raw)
				}
				p = e.admin.patch(t, usersPath+"/"+uid, obj{"group_ids": []any{g[0], g[0]}}).want(t, 200)
				if g2, _ := get(p.obj(), "group_ids").([]any); len(g2) != 1 {
					t.Errorf("after set: %s", p.Raw)
				}
				if got, _ := get(e.admin.get(t, usersPath+"/"+uid).want(t, 200).obj(), "group_ids").([]any); len(got) != 1 {
					t.Errorf("GET group_ids = %v", got)
				}
			}},
			{name: "malformed JSON", as: e.admin, method: "POST", path: usersPath, body: `{"name":`, want: 400},
			// Refused before the body is read: even a malformed one.
			{name: "fleet admin may not invite", as: e.fleet, method: "POST", path: usersPath, body: `{"name":`, want: 403},
			{name: "technician may not invite", as: e.tech, method: "POST", path: usersPath, body: inviteBody("user"), want: 403},
			{name: "user may not list users", as: e.user, method: "GET", path: usersPath, want: 403},
			{name: "another organization's user is not found", as: e.other, method: "GET", path: userPath, want: 404},
			{name: "nor deactivated", as: e.other, method: "POST", path: userPath + "/deactivate", want: 404},
			{name: "nor reset", as: e.other, method: "POST", path: userPath + "/password-reset", want: 404},
			{name: "nor patched", as: e.other, method: "PATCH", path: userPath, body: obj{"name": "mine"}, want: 404},
			{name: "not an id", as: e.admin, method: "GET", path: usersPath + "/" + strings.Repeat("x", 300), want: 404},
		})

		// The user reads back without the link; the list finds them.
		r := e.admin.get(t, userPath).want(t, 200)
		if has(r.obj(), "invite_url") || r.etag(t) != `"1"` {
			t.Errorf("GET user: %s", r.Raw)
		}
		e.admin.get(t, userPath, "If-None-Match", `"1"`).want(t, 304)
		list := e.admin.get(t, usersPath+"?q=nina&active=true").want(t, 200).data(t)
		if len(list) != 1 || str(list[0], "id") != id {
			t.Errorf("list q=nina: %v", ids(list))
		}
		e.admin.get(t, usersPath+"?active=maybe").want(t, 422)
		if n := len(e.other.get(t, usersPath+"?q=nina").want(t, 200).data(t)); n != 0 {
			t.Errorf("another organization lists %d of our users", n)
		}

		// A new invitation replaces the first link.
		re := e.admin.post(t, userPath+"/invite", nil).want(t, 200).obj()
		if str(re, "invite_url") == str(invited, "invite_url") {
			t.Error("the same link twice")
		}
		e.acceptInvite(t, str(re, "invite_url"))
		e.admin.post(t, userPath+"/invite", nil).want(t, 409)

		// PATCH: merge patch under If-Match; the email is not changed here.
		runScenarios(t, []scenario{
			{name: "stale If-Match", as: e.admin, method: "PATCH", path: userPath, body: obj{"name": "Nina N."}, headers: h{"If-Match", `"1"`}, want: 412},
			{name: "email is not patchable", as: e.admin, method: "PATCH", path: userPath, body: obj{"email": uniqueEmail("y")}, want: 422, field: "email"},
			{name: "role null", as: e.admin, method: "PATCH", path: userPath, body: obj{"role": nil}, want: 422, field: "role"},
			{name: "fleet admin may not patch", as: e.fleet, method: "PATCH", path: userPath, body: obj{"role": "admin"}, want: 403},
			{name: "promote", as: e.admin, method: "PATCH", path: userPath, body: obj{"role": "fleet_admin", "fleet_visibility": "none"}, want: 200,
				check: func(t *testing.T, r *result) {
					o := r.obj()
					if str(o, "role") != "fleet_admin" || str(o, "fleet_visibility") != "none" || str(o, "name") != "Nina New" {
						t.Errorf("patched: %s", r.Raw)
					}
				}},
			// The caller's own user: the admin key acts as the organization's Admin.
			{name: "no self-demotion", as: e.admin, method: "PATCH", path: usersPath + "/" + e.adminID(t), body: obj{"role": "user"}, want: 422, field: "role"},
			{name: "no self-deactivation", as: e.admin, method: "POST", path: usersPath + "/" + e.adminID(t) + "/deactivate", want: 422, field: "id"},
		})

		// Deactivation stops the user's key at once; reactivation brings it back.
		k, err := e.store.CreateAPIKey(context.Background(), steward.SystemActor(e.accountID), id, steward.APIKeyFields{Name: "nina's"})
		if err != nil {
			t.Fatal(err)
		}
		nina := e.withKey(k.Key)
		nina.get(t, customersPath).want(t, 200)
		e.admin.post(t, userPath+"/deactivate", nil).want(t, 200)
		nina.get(t, customersPath).want(t, 401)
		e.admin.post(t, userPath+"/password-reset", nil).want(t, 409)
		e.admin.post(t, userPath+"/reactivate", nil).want(t, 200)
		nina.get(t, customersPath).want(t, 200)
		reset := e.admin.post(t, userPath+"/password-reset", nil).want(t, 200).obj()
		if !strings.HasPrefix(str(reset, "reset_url"), e.srv.URL+"/reset-password/") {
			t.Errorf("reset_url = %q", str(reset, "reset_url"))
		}
		// The last Admin stays: a second Admin can be demoted, the last one cannot.
		adm := e.admin.post(t, usersPath, inviteBody("admin")).want(t, 201).obj()
		e.acceptInvite(t, str(adm, "invite_url"))
		e.admin.patch(t, usersPath+"/"+str(adm, "id"), obj{"role": "user"}).want(t, 200)

		// The audit log names each action on the user.
		events := e.admin.get(t, "/api/v1/audit?object_type=user&object_id="+id).want(t, 200).data(t)
		var actions []string
		for _, ev := range events {
			actions = append(actions, str(ev, "action"))
		}
		if strings.Join(actions, ",") != "password_reset,reactivate,deactivate,update,set_password,invite,create" {
			t.Errorf("audit actions: %v", actions)
		}
		if strings.Contains(string(e.admin.get(t, "/api/v1/audit?object_type=user&object_id="+id).Raw), str(reset, "reset_url")[len(e.srv.URL)+16:]) {
			t.Error("the audit log holds a token")
		}
	})
}

// adminEmailOf is the email of the user a client's key acts as.
func (e *apiEnv) adminEmailOf(t *testing.T, c *apiClient) string {
	t.Helper()
	return str(c.get(t, mePath).want(t, 200).obj(), "user.email")
}

// adminID is the id of the organization's Admin, whom e.admin acts as.
func (e *apiEnv) adminID(t *testing.T) string {
	t.Helper()
	return str(e.admin.get(t, mePath).want(t, 200).obj(), "user.id")
}

// TestAPIInvitePublicURL: with a configured public URL, links start with it, whatever Host the
// request names; without, they follow the request.
func TestAPIInvitePublicURL(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		srv := httptest.NewServer(web.New(e.store, nil, web.Options{PublicURL: "https://steward.example.com"}))
		defer srv.Close()
		b, _ := json.Marshal(inviteBody("user"))
		req, _ := http.NewRequest("POST", srv.URL+usersPath, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+e.admin.key)
		req.Header.Set("Content-Type", "application/json")
		req.Host = "evil.example"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got obj
		if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 201 {
			t.Fatalf("status %d: %v", resp.StatusCode, err)
		}
		if !strings.HasPrefix(str(got, "invite_url"), "https://steward.example.com/invite/") {
			t.Errorf("invite_url = %q", str(got, "invite_url"))
		}
		for _, bad := range []string{"steward.example.com", "ftp://x", "https://x/?a=b", "https://x/#f", "https://u:p@x", "/relative"} {
			if _, err := web.ParsePublicURL(bad); err == nil {
				t.Errorf("ParsePublicURL(%q) accepted", bad)
			}
		}
		if u, err := web.ParsePublicURL("https://x.example/steward/"); err != nil || u != "https://x.example/steward" {
			t.Errorf("ParsePublicURL = %q, %v", u, err)
		}
	})
}

// TestAPIInviteIdempotent: a replay answers the user without the link.
func TestAPIInviteIdempotent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		body := inviteBody("user")
		first := e.admin.post(t, usersPath, body, "Idempotency-Key", "invite-1").want(t, 201).obj()
		again := e.admin.post(t, usersPath, body, "Idempotency-Key", "invite-1").want(t, 201)
		if again.Header.Get("Idempotent-Replayed") != "true" || str(again.obj(), "id") != str(first, "id") || has(again.obj(), "invite_url") {
			t.Errorf("replay: %s %v", again.Raw, again.Header)
		}
	})
}
