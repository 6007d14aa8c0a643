package web_test

import (
	"net/http"
	"strings"
	"testing"
)

const webhooksPath = "/api/v1/webhooks"

// TestAPIWebhooks: the endpoints' life through the API, every response checked against the
// OpenAPI document; hostile bodies answered 422 naming the field; only Admins; another
// organization's endpoint is a missing one.
func TestAPIWebhooks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		var hook obj
		body := obj{"url": "https://203.0.113.9/steward", "events": []string{"customer.created", "asset.location_changed"},
			"description": "ERP"}
		runScenarios(t, []scenario{
			{name: "create", as: e.admin, method: "POST", path: webhooksPath, body: body, want: 201, check: func(t *testing.T, r *result) {
				hook = r.obj()
				requireKeys(t, "webhook", hook, "id", "account_id", "url", "events", "description", "secret", "created_at", "updated_at",
					"secret_rotated_at", "previous_secret_expires_at")
				if !strings.HasPrefix(str(hook, "secret"), "whsec_") || r.Header.Get("Location") != webhooksPath+"/"+str(hook, "id") ||
					r.Header.Get("ETag") != `"1"` || r.Header.Get("Cache-Control") != "no-store" {
					t.Errorf("created: %s %v", r.Raw, r.Header)
				}
			}},
		})
		path := webhooksPath + "/" + str(hook, "id")
		secret := str(hook, "secret")
		noSecret := func(t *testing.T, r *result) {
			if strings.Contains(string(r.Raw), secret[6:]) || strings.Contains(string(r.Raw), `"secret"`) {
				t.Errorf("the secret is shown again: %s", r.Raw)
			}
		}
		long := "https://203.0.113.9/" + strings.Repeat("a", 3000)
		runScenarios(t, []scenario{
			{name: "get", as: e.admin, method: "GET", path: path, want: 200, check: noSecret},
			{name: "list", as: e.admin, method: "GET", path: webhooksPath, want: 200, check: func(t *testing.T, r *result) {
				noSecret(t, r)
				if d := r.data(t); len(d) != 1 || str(d[0], "id") != str(hook, "id") {
					t.Errorf("list: %s", r.Raw)
				}
			}},
			{name: "audit log without the secret", as: e.admin, method: "GET", path: auditPath + "?object_id=" + str(hook, "id"), want: 200,
				check: noSecret},
			{name: "loopback refused", as: e.admin, method: "POST", path: webhooksPath,
				body: obj{"url": "http://127.0.0.1:9/x", "events": []string{"customer.created"}}, want: 422, field: "url"},
			{name: "localhost refused", as: e.admin, method: "POST", path: webhooksPath,
				body: obj{"url": "http://localhost/x", "events": []string{"customer.created"}}, want: 422, field: "url"},
			{name: "link-local refused", as: e.admin, method: "POST", path: webhooksPath,
				body: obj{"url": "http://169.254.169.254/latest/meta-data", "events": []string{"customer.created"}}, want: 422, field: "url"},
			{name: "private IPv6 refused", as: e.admin, method: "POST", path: webhooksPath,
				body: obj{"url": "http://[fd00::1]/", "events": []string{"customer.created"}}, want: 422, field: "url"},
			{name: "huge URL", as: e.admin, method: "POST", path: webhooksPath,
				body: obj{"url": long, "events": []string{"customer.created"}}, want: 422, field: "url"},
			{name: "invalid URL", as: e.admin, method: "POST", path: webhooksPath,
				body: obj{"url": "javascript:alert(1)", "events": []string{"customer.created"}}, want: 422, field: "url"},
			{name: "invisible character in URL", as: e.admin, method: "POST", path: webhooksPath,
				body: obj{"url": "https://203.0.113.9/\u202ehook", "events": []string{"customer.created"}}, want: 422, field: "url"},
			{name: "unknown event type", as: e.admin, method: "POST", path: webhooksPath,
				body: obj{"url": "https://203.0.113.9/", "events": []string{"customer.created", "customer.exploded"}}, want: 422, field: "events[1]"},
			{name: "no event types", as: e.admin, method: "POST", path: webhooksPath,
				body: obj{"url": "https://203.0.113.9/", "events": []string{}}, want: 422, field: "events"},
			{name: "events not a list", as: e.admin, method: "POST", path: webhooksPath,
				body: obj{"url": "https://203.0.113.9/", "events": "customer.created"}, want: 422, field: "events"},
			{name: "nested junk", as: e.admin, method: "POST", path: webhooksPath,
				body: obj{"url": obj{"a": obj{"b": []any{1}}}, "events": []string{"customer.created"}}, want: 422, field: "url"},
			{name: "unknown member", as: e.admin, method: "POST", path: webhooksPath,
				body: obj{"url": "https://203.0.113.9/", "events": []string{"customer.created"}, "secret": "whsec_mine"}, want: 422, field: "secret"},
			{name: "a User may not list", as: e.user, method: "GET", path: webhooksPath, want: 403},
			{name: "a Fleet Admin may not create", as: e.fleet, method: "POST", path: webhooksPath, body: body, want: 403},
			{name: "a User may not read one", as: e.user, method: "GET", path: path, want: 403},
			{name: "another organization's is missing", as: e.other, method: "GET", path: path, want: 404},
			{name: "another organization may not change it", as: e.other, method: "PATCH", path: path, body: obj{"description": "x"}, want: 404},
			{name: "another organization's deliveries", as: e.other, method: "GET", path: path + "/deliveries", want: 404},
			{name: "patch to a private address", as: e.admin, method: "PATCH", path: path, body: obj{"url": "http://10.0.0.8/"}, want: 422, field: "url"},
			{name: "patch clearing events", as: e.admin, method: "PATCH", path: path, body: obj{"events": nil}, want: 422, field: "events"},
			{name: "stale If-Match", as: e.admin, method: "PATCH", path: path, body: obj{"description": "x"}, headers: h{"If-Match", `"9"`}, want: 412},
			{name: "patch", as: e.admin, method: "PATCH", path: path, body: obj{"description": "ERP (prod)", "events": []string{"customer.created"}},
				headers: h{"If-Match", `"1"`}, want: 200, check: func(t *testing.T, r *result) {
					noSecret(t, r)
					if str(r.obj(), "description") != "ERP (prod)" || r.Header.Get("ETag") != `"2"` {
						t.Errorf("patched: %s", r.Raw)
					}
				}},
		})
		// A change queues a delivery; its log reads it; a redelivery is a new delivery.
		e.admin.create(t, customersPath, obj{"name": "Hooked"})
		d := e.admin.get(t, path+"/deliveries").want(t, 200).data(t)
		if len(d) != 1 || str(d[0], "status") != "pending" || str(d[0], "event_type") != "customer.created" {
			t.Fatalf("deliveries: %v", d)
		}
		dpath := path + "/deliveries/" + str(d[0], "id") + "/redeliver"
		runScenarios(t, []scenario{
			{name: "deliveries by status", as: e.admin, method: "GET", path: path + "/deliveries?status=failed", want: 200,
				check: func(t *testing.T, r *result) {
					if len(r.data(t)) != 0 {
						t.Errorf("failed: %s", r.Raw)
					}
				}},
			{name: "deliveries bad status", as: e.admin, method: "GET", path: path + "/deliveries?status=lost", want: 422, field: "status"},
			{name: "deliveries bad cursor", as: e.admin, method: "GET", path: path + "/deliveries?cursor=xyz", want: 422, field: "cursor"},
			{name: "redeliver", as: e.admin, method: "POST", path: dpath, want: 202, check: func(t *testing.T, r *result) {
				if str(r.obj(), "redelivery_of") != str(d[0], "id") || str(r.obj(), "status") != "pending" {
					t.Errorf("redelivery: %s", r.Raw)
				}
			}},
			{name: "redeliver a missing delivery", as: e.admin, method: "POST", path: path + "/deliveries/" + missingID + "/redeliver", want: 404},
			{name: "another organization may not redeliver", as: e.other, method: "POST", path: dpath, want: 404},
			{name: "a User may not redeliver", as: e.user, method: "POST", path: dpath, want: 403},
			{name: "rotate", as: e.admin, method: "POST", path: path + "/rotate-secret", want: 200, check: func(t *testing.T, r *result) {
				s := str(r.obj(), "secret")
				if !strings.HasPrefix(s, "whsec_") || s == secret || get(r.obj(), "previous_secret_expires_at") == nil {
					t.Errorf("rotated: %s", r.Raw)
				}
			}},
			{name: "delete", as: e.admin, method: "DELETE", path: path, want: http.StatusNoContent},
			{name: "deleted", as: e.admin, method: "GET", path: path, want: 404},
		})
	})
}
