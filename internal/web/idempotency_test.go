package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
)

func TestIdempotentCreateReplaysTheFirstResponse(t *testing.T) {
	fs := newFakeServer(t, Options{})
	body := `{"name":"Acme","type":"dealer"}`
	first := fs.do("POST", "/api/v1/customers", body, "Idempotency-Key", "k1")
	if first.Code != 201 {
		t.Fatalf("first: %d %s", first.Code, first.Body)
	}
	loc := first.Header().Get("Location")
	if !strings.HasPrefix(loc, "/api/v1/customers/customer-") {
		t.Fatalf("Location %q", loc)
	}
	if first.Header().Get("Idempotent-Replayed") != "" {
		t.Error("a first response claims to be a replay")
	}
	if _, ok := fs.svc.idem[fakeIdemKey{"key-admin", "k1"}]; !ok {
		t.Errorf("the claim is not scoped to the caller: %v", fs.svc.idem)
	}

	again := fs.do("POST", "/api/v1/customers", body, "Idempotency-Key", "k1")
	if again.Code != 201 || again.Body.String() != first.Body.String() {
		t.Fatalf("replay: %d %s, want 201 %s", again.Code, again.Body, first.Body)
	}
	if again.Header().Get("Location") != loc || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay headers: Location %q, Idempotent-Replayed %q", again.Header().Get("Location"), again.Header().Get("Idempotent-Replayed"))
	}
	if fs.svc.creates != 1 {
		t.Errorf("%d creates, want 1", fs.svc.creates)
	}

	// Another caller's key of the same name is another request.
	fs.svc.actors["stw_admin2_secret"] = steward.Actor{Type: steward.ActorAPIKey, ID: "key-admin2", UserID: "user-3",
		AccountID: "acc-1", HomeAccount: "acc-1", Role: steward.RoleAdmin}
	other := fs.do("POST", "/api/v1/customers", body, "Authorization", "", "Authorization", "Bearer stw_admin2_secret", "Idempotency-Key", "k1")
	if other.Code != 201 || other.Header().Get("Location") == loc {
		t.Errorf("another caller with the same key: %d, Location %q", other.Code, other.Header().Get("Location"))
	}

	// The same key with another body, or on another path, is refused.
	if rec := fs.do("POST", "/api/v1/customers", `{"name":"Depot"}`, "Idempotency-Key", "k1b"); rec.Code != 201 {
		t.Fatal(rec.Code)
	}
	for _, tt := range []struct{ path, body, key string }{
		{"/api/v1/customers", `{"name":"Acme","type":"oem"}`, "k1"},
		{"/api/v1/customers", `{"type":"dealer","name":"Acme"}`, "k1"},
		{"/api/v1/locations", `{"name":"Depot"}`, "k1b"},
	} {
		p := readProblem(t, fs.do("POST", tt.path, tt.body, "Idempotency-Key", tt.key), 422)
		if !hasFieldError(p, "Idempotency-Key") || p.Type != "https://steward.dev/problems/idempotency-key-reused" {
			t.Errorf("%s %s: %+v", tt.path, tt.body, p)
		}
	}
	if fs.svc.creates != 3 {
		t.Errorf("%d creates, want 3", fs.svc.creates)
	}
}

// A retry arriving while the first request under its key is still running is answered at once:
// 409 with Retry-After for the same request, 422 for another; once the first is done, the retry
// is its replay.
func TestIdempotencyKeyStillInFlight(t *testing.T) {
	fs := newFakeServer(t, Options{})
	fs.svc.entered, fs.svc.gate = make(chan struct{}), make(chan struct{})
	body := `{"name":"Acme"}`
	first := make(chan *httptest.ResponseRecorder)
	go func() { first <- fs.do("POST", "/api/v1/customers", body, "Idempotency-Key", "k2") }()
	<-fs.svc.entered // the first create is running

	rec := fs.do("POST", "/api/v1/customers", body, "Idempotency-Key", "k2")
	p := readProblem(t, rec, 409)
	if p.Detail != "a request with this Idempotency-Key is still in progress" || rec.Header().Get("Retry-After") != "1" ||
		p.Type != "https://steward.dev/problems/idempotency-in-progress" {
		t.Errorf("in flight: %+v, Retry-After %q", p, rec.Header().Get("Retry-After"))
	}
	p = readProblem(t, fs.do("POST", "/api/v1/customers", `{"name":"Other"}`, "Idempotency-Key", "k2"), 422)
	if p.Type != "https://steward.dev/problems/idempotency-key-reused" {
		t.Errorf("another request while in flight: %+v", p)
	}
	// Another key, or another caller's key of the same name, is not held up (it does not reach
	// the gated create: a location).
	if rec := fs.do("POST", "/api/v1/locations", `{"name":"Depot"}`, "Idempotency-Key", "k2-other"); rec.Code != 201 {
		t.Errorf("another key while k2 is in flight: %d %s", rec.Code, rec.Body)
	}

	close(fs.svc.gate)
	done := <-first
	if done.Code != 201 {
		t.Fatalf("first: %d %s", done.Code, done.Body)
	}
	fs.svc.entered, fs.svc.gate = nil, nil
	again := fs.do("POST", "/api/v1/customers", body, "Idempotency-Key", "k2")
	if again.Code != 201 || again.Body.String() != done.Body.String() || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("after the first finished: %d %s", again.Code, again.Body)
	}
	if fs.svc.creates != 2 { // the customer and the location
		t.Errorf("%d creates, want 2", fs.svc.creates)
	}
}

// A replay answers the first response, not the object as it is now.
func TestIdempotentReplayIsTheFirstResponse(t *testing.T) {
	fs := newFakeServer(t, Options{})
	body := `{"name":"Acme"}`
	first := fs.do("POST", "/api/v1/customers", body, "Idempotency-Key", "k3")
	if first.Code != 201 {
		t.Fatalf("%d %s", first.Code, first.Body)
	}
	if rec := fs.do("PATCH", first.Header().Get("Location"), `{"name":"Acme Renamed"}`); rec.Code != 200 {
		t.Fatalf("patch: %d %s", rec.Code, rec.Body)
	}
	rec := fs.do("POST", "/api/v1/customers", body, "Idempotency-Key", "k3")
	if rec.Code != 201 || rec.Body.String() != first.Body.String() || strings.Contains(rec.Body.String(), "Renamed") {
		t.Fatalf("%d %s, want the first response %s", rec.Code, rec.Body, first.Body)
	}
	if rec.Header().Get("Location") != first.Header().Get("Location") || rec.Header().Get("ETag") != first.Header().Get("ETag") ||
		rec.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("headers %v, first %v", rec.Header(), first.Header())
	}
	if fs.svc.creates != 1 {
		t.Errorf("%d creates, want 1", fs.svc.creates)
	}
}

func TestFailedCreateReleasesTheKey(t *testing.T) {
	fs := newFakeServer(t, Options{})
	// Invalid fields: 422, and the key is free for the corrected request.
	p := readProblem(t, fs.do("POST", "/api/v1/customers", `{"name":"","email":"nope"}`, "Idempotency-Key", "k4"), 422)
	if !hasFieldError(p, "name") || !hasFieldError(p, "email") {
		t.Errorf("errors %v", p.Errors)
	}
	if rec := fs.do("POST", "/api/v1/customers", `{"name":"Acme"}`, "Idempotency-Key", "k4"); rec.Code != 201 {
		t.Fatalf("retry with the fixed body: %d %s", rec.Code, rec.Body)
	}

	// A conflict, then a retry of the same body once the conflict is gone.
	fs.svc.createErr = steward.Errorf(steward.ECONFLICT, "external_ref is taken")
	readProblem(t, fs.do("POST", "/api/v1/assets", `{"name":"Digger"}`, "Idempotency-Key", "k5"), 409)
	fs.svc.createErr = nil
	if rec := fs.do("POST", "/api/v1/assets", `{"name":"Digger"}`, "Idempotency-Key", "k5"); rec.Code != 201 || rec.Header().Get("Idempotent-Replayed") != "" {
		t.Fatalf("retry after the conflict: %d %s", rec.Code, rec.Body)
	}

	// A panic inside the create leaves the key free too (neither recorded nor held in flight).
	readProblem(t, fs.do("POST", "/api/v1/customers", `{"name":"panic"}`, "Idempotency-Key", "k6"), 500)
	if _, ok := fs.svc.idem[fakeIdemKey{"key-admin", "k6"}]; ok {
		t.Error("the claim of a panicked create was kept")
	}
	if rec := fs.do("POST", "/api/v1/customers", `{"name":"Acme"}`, "Idempotency-Key", "k6"); rec.Code != 201 || rec.Header().Get("Idempotent-Replayed") != "" {
		t.Errorf("retry after the panic: %d %s", rec.Code, rec.Body)
	}

	// A malformed body is refused before anything is claimed.
	readProblem(t, fs.do("POST", "/api/v1/customers", `{"name":`, "Idempotency-Key", "k7"), 400)
	if _, ok := fs.svc.idem[fakeIdemKey{"key-admin", "k7"}]; ok {
		t.Error("a malformed body took a claim")
	}
}

func TestIdempotencyKeyFormat(t *testing.T) {
	fs := newFakeServer(t, Options{})
	for _, headers := range [][]string{
		{"Idempotency-Key", ""},
		{"Idempotency-Key", strings.Repeat("k", 256)},
		{"Idempotency-Key", "caf\u00e9"},
		{"Idempotency-Key", "a\x01b"},
		{"Idempotency-Key", "a", "Idempotency-Key", "b"},
	} {
		p := readProblem(t, fs.do("POST", "/api/v1/customers", `{"name":"Acme"}`, headers...), 422)
		if !hasFieldError(p, "Idempotency-Key") {
			t.Errorf("%q: errors %v", headers, p.Errors)
		}
	}
	if fs.svc.creates != 0 {
		t.Errorf("%d creates with refused keys", fs.svc.creates)
	}
	for _, key := range []string{"k", strings.Repeat("k", 255), "8f14e45f-ceea-467f-a0e6-000000000001", "with space ~!"} {
		if rec := fs.do("POST", "/api/v1/customers", `{"name":"Acme"}`, "Idempotency-Key", key); rec.Code != 201 {
			t.Errorf("key %q: %d %s", key, rec.Code, rec.Body)
		}
	}
}

// Every create the route table marks idempotent honours the key, and answers with the Location
// of the created object.
func TestEveryCreateHonoursIdempotencyKey(t *testing.T) {
	fs := newFakeServer(t, Options{})
	prefix := map[string]string{
		"/api/v1/customers":               "/api/v1/customers/customer-",
		"/api/v1/customers/{id}/contacts": "/api/v1/contacts/contact-",
		"/api/v1/locations":               "/api/v1/locations/location-",
		"/api/v1/assets":                  "/api/v1/assets/asset-",
		"/api/v1/api-keys":                "/api/v1/api-keys/api_key-",
		"/api/v1/accounts":                "/api/v1/accounts/account-",
		"/api/v1/users":                   "/api/v1/users/user-",
		"/api/v1/groups":                  "/api/v1/groups/group-",
		"/api/v1/webhooks":                "/api/v1/webhooks/webhook-",
		// A subscription has no URL of its own (it is listed under its customer).
		"/api/v1/customers/{id}/subscriptions": "",
	}
	// The body of each create: a name is enough but for an invitation and a webhook.
	bodies := map[string]string{"/api/v1/users": `{"name":"x","email":"x@example.com","role":"user","fleet_visibility":"all"}`,
		"/api/v1/webhooks":                     `{"url":"https://203.0.113.1/","events":["customer.created"]}`,
		"/api/v1/customers/{id}/subscriptions": `{"contact_id":"01a23770-9119-7339-87fd-0d2c4e921684","events":["asset.archived"]}`}
	n := 0
	for _, rt := range fs.srv.routes {
		if !rt.idempotent {
			continue
		}
		n++
		path := strings.ReplaceAll(rt.path, "{id}", "c1")
		before := fs.svc.creates
		body := `{"name":"x"}`
		if b, ok := bodies[rt.path]; ok {
			body = b
		}
		first := fs.do(rt.method, path, body, "Idempotency-Key", "every "+rt.id)
		again := fs.do(rt.method, path, body, "Idempotency-Key", "every "+rt.id)
		if first.Code != 201 || again.Code != 201 || again.Header().Get("Idempotent-Replayed") != "true" {
			t.Errorf("%s: %d then %d (replayed %q)", rt.id, first.Code, again.Code, again.Header().Get("Idempotent-Replayed"))
			continue
		}
		if fs.svc.creates != before+1 {
			t.Errorf("%s: %d creates, want 1", rt.id, fs.svc.creates-before)
		}
		loc := first.Header().Get("Location")
		if !strings.HasPrefix(loc, prefix[rt.path]) || again.Header().Get("Location") != loc {
			t.Errorf("%s: Location %q then %q, want %s…", rt.id, loc, again.Header().Get("Location"), prefix[rt.path])
		}
	}
	if n != len(prefix) {
		t.Errorf("%d routes honour Idempotency-Key, want %d", n, len(prefix))
	}
	// An archive is not a create: it takes no claim.
	claims := len(fs.svc.idem)
	fs.do("POST", "/api/v1/customers/c1/archive", "", "Idempotency-Key", "archive")
	if len(fs.svc.idem) != claims {
		t.Error("an archive claimed an Idempotency-Key")
	}
}

// The secret of a new API key is shown once: the idempotency record keeps the response without
// it, so it is never stored in the clear.
func TestAPIKeySecretIsNotStoredForReplay(t *testing.T) {
	fs := newFakeServer(t, Options{})
	first := fs.do("POST", "/api/v1/api-keys", `{"name":"ci"}`, "Idempotency-Key", "key-1")
	if first.Code != http.StatusCreated || !strings.Contains(first.Body.String(), `"key":"stw_`) {
		t.Fatalf("create: %d %s", first.Code, first.Body)
	}
	for _, r := range fs.svc.idem {
		if strings.Contains(string(r.Body), "_secret") {
			t.Errorf("the idempotency record holds the secret: %s", r.Body)
		}
	}
	again := fs.do("POST", "/api/v1/api-keys", `{"name":"ci"}`, "Idempotency-Key", "key-1")
	if again.Code != 201 || strings.Contains(again.Body.String(), `"key"`) || !strings.Contains(again.Body.String(), `"prefix":"stw_`) {
		t.Errorf("replay: %d %s", again.Code, again.Body)
	}
	list := fs.do("GET", "/api/v1/api-keys", "")
	if list.Code != 200 || strings.Contains(list.Body.String(), "_secret") || !strings.HasPrefix(list.Body.String(), `{"data":[{`) {
		t.Errorf("list: %d %s", list.Code, list.Body)
	}
	id := strings.TrimPrefix(first.Header().Get("Location"), "/api/v1/api-keys/")
	if get := fs.do("GET", "/api/v1/api-keys/"+id, ""); get.Code != 200 || strings.Contains(get.Body.String(), "_secret") {
		t.Errorf("get: %d %s", get.Code, get.Body)
	}
	readProblem(t, fs.do("GET", "/api/v1/api-keys/nope", ""), 404)
}
