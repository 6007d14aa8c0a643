package web_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/steward-fleet/steward/internal/web"
)

func TestAPIIdempotencyKey(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		countCustomers := func(t *testing.T) int {
			t.Helper()
			return len(e.admin.get(t, customersPath+"?status=all&limit=500").want(t, 200).data(t))
		}
		body := `{"name":"Once Only GmbH","type":"dealer"}`
		first := e.admin.post(t, customersPath, body, "Idempotency-Key", "create-once-1").want(t, 201)
		n := countCustomers(t)

		runScenarios(t, []scenario{
			{name: "the same key and body answer the first response", as: e.admin, method: "POST", path: customersPath, body: body,
				headers: h{"Idempotency-Key", "create-once-1"}, want: 201, check: func(t *testing.T, r *result) {
					if !bytes.Equal(r.Raw, first.Raw) {
						t.Errorf("replayed body differs:\n%s\n%s", r.Raw, first.Raw)
					}
					if r.Header.Get("Location") != first.Header.Get("Location") {
						t.Errorf("replayed Location %q, first %q", r.Header.Get("Location"), first.Header.Get("Location"))
					}
					if r.Header.Get("ETag") != first.Header.Get("ETag") {
						t.Errorf("replayed ETag %q, first %q: the replay is to answer as the first response did", r.Header.Get("ETag"), first.Header.Get("ETag"))
					}
					if got := countCustomers(t); got != n {
						t.Errorf("a replay created a customer: %d, was %d", got, n)
					}
				}},
			{name: "the same key with another body is 422", as: e.admin, method: "POST", path: customersPath, body: `{"name":"Other GmbH"}`,
				headers: h{"Idempotency-Key", "create-once-1"}, want: 422, field: "Idempotency-Key"},
			{name: "the same key on another endpoint is 422", as: e.admin, method: "POST", path: locationsPath, body: body,
				headers: h{"Idempotency-Key", "create-once-1"}, want: 422},
			{name: "the key is scoped to the caller", as: e.fleet, method: "POST", path: customersPath, body: body,
				headers: h{"Idempotency-Key", "create-once-1"}, want: 201, check: func(t *testing.T, r *result) {
					if str(r.obj(), "id") == str(first.obj(), "id") {
						t.Error("another key's request was answered with the first key's object")
					}
				}},
			{name: "another key value creates again", as: e.admin, method: "POST", path: customersPath, body: body,
				headers: h{"Idempotency-Key", "create-once-2"}, want: 201},
			{name: "an empty key is refused", as: e.admin, method: "POST", path: customersPath, body: body,
				headers: h{"Idempotency-Key", ""}, want: 422},
			{name: "a key given twice is refused", as: e.admin, method: "POST", path: customersPath, body: body,
				headers: h{"Idempotency-Key", "a", "Idempotency-Key", "b"}, want: 422},
			{name: "a key over 255 characters is refused", as: e.admin, method: "POST", path: customersPath, body: body,
				headers: h{"Idempotency-Key", strings.Repeat("k", 256)}, want: 422},
		})
		if got := countCustomers(t); got != n+2 {
			t.Errorf("customers after the scenarios: %d, want %d", got, n+2)
		}

		// A failed create does not use up the key: the corrected request creates.
		e.admin.post(t, customersPath, `{"name":""}`, "Idempotency-Key", "fix-and-retry").want(t, 422)
		e.admin.post(t, customersPath, `{"name":"Fixed"}`, "Idempotency-Key", "fix-and-retry").want(t, 201)
		e.admin.post(t, customersPath, `{"name":"Fixed"}`, "Idempotency-Key", "fix-and-retry").want(t, 201)
		if got := countCustomers(t); got != n+3 {
			t.Errorf("customers after a fixed retry: %d, want %d", got, n+3)
		}

		// Every create honours the key.
		cID := str(first.obj(), "id")
		for _, c := range []struct{ path, body string }{
			{customersPath + "/" + cID + "/contacts", `{"name":"Idem Contact"}`},
			{locationsPath, `{"name":"Idem Yard"}`},
			{assetsPath, `{"name":"Idem Asset","serial_number":"IDEM-1"}`},
		} {
			key := "every-create " + c.path
			a := e.admin.post(t, c.path, c.body, "Idempotency-Key", key).want(t, 201)
			b := e.admin.post(t, c.path, c.body, "Idempotency-Key", key).want(t, 201)
			if !bytes.Equal(a.Raw, b.Raw) || a.Header.Get("Location") != b.Header.Get("Location") {
				t.Errorf("%s: replay differs:\n%s\n%s", c.path, a.Raw, b.Raw)
			}
			listPath := c.path
			if strings.HasPrefix(c.path, customersPath) {
				listPath = contactsPath
			}
			if n := len(e.admin.get(t, listPath+"?q=idem").want(t, 200).data(t)); n != 1 {
				t.Errorf("%s: %d objects after a replayed create, want 1", c.path, n)
			}
		}

		// An API key create replays without its secret, which is never stored: the same key,
		// its prefix, no "key".
		k1 := e.admin.post(t, apiKeysPath, `{"name":"idem key"}`, "Idempotency-Key", "idem-api-key").want(t, 201)
		k2 := e.admin.post(t, apiKeysPath, `{"name":"idem key"}`, "Idempotency-Key", "idem-api-key").want(t, 201)
		secret := str(k1.obj(), "key")
		if !strings.HasPrefix(secret, "stw_") || str(k2.obj(), "id") != str(k1.obj(), "id") ||
			str(k2.obj(), "prefix") != str(k1.obj(), "prefix") || strings.Contains(string(k2.Raw), `"key"`) ||
			strings.Contains(string(k2.Raw), secret) || k2.Header.Get("Location") != k1.Header.Get("Location") ||
			k2.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("API key replay: %s (first %s)", k2.Raw, k1.Raw)
		}

		// Concurrent retries, in this server and in a second one over the same database (as
		// another process would be): exactly one object, and every answer is either the 201 with
		// the one body or the documented 409 for a request still in flight.
		before := countCustomers(t)
		second := httptest.NewServer(web.New(e.store, nil, web.Options{}))
		defer second.Close()
		const racers = 16
		type answer struct {
			status int
			body   []byte
		}
		answers := make([]answer, racers)
		var mu sync.Mutex
		var errs []error
		parallelDo(racers, func(i int) {
			base := e.srv.URL
			if i%2 == 1 {
				base = second.URL
			}
			req, _ := http.NewRequest("POST", base+customersPath, strings.NewReader(`{"name":"Raced"}`))
			req.Header.Set("Authorization", "Bearer "+e.admin.key)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", "raced")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			answers[i] = answer{res.StatusCode, b}
		})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		var created []byte
		statuses := map[int]int{}
		for _, a := range answers {
			statuses[a.status]++
			switch a.status {
			case 201:
				if created != nil && !bytes.Equal(created, a.body) {
					t.Errorf("two different 201 bodies for one Idempotency-Key:\n%s\n%s", created, a.body)
				}
				created = a.body
			case 409:
				if !strings.Contains(string(a.body), "idempotency-in-progress") {
					t.Errorf("409 that is not the in-flight problem: %s", a.body)
				}
			default:
				t.Errorf("concurrent retry answered %d: %s", a.status, a.body)
			}
		}
		t.Logf("%d racers answered %v (status: count)", racers, statuses)
		if created == nil {
			t.Error("no concurrent retry answered 201")
		}
		if got := countCustomers(t); got != before+1 {
			t.Errorf("concurrent retries created %d customers, want 1", got-before)
		}
		// Once the race is over, the key answers the same response on either server.
		for _, base := range []string{e.srv.URL, second.URL} {
			req, _ := http.NewRequest("POST", base+customersPath, strings.NewReader(`{"name":"Raced"}`))
			req.Header.Set("Authorization", "Bearer "+e.admin.key)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", "raced")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 201 || !bytes.Equal(b, created) || res.Header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("after the race: %d %s (replayed %q)", res.StatusCode, b, res.Header.Get("Idempotent-Replayed"))
			}
		}

		// A replay is the first response, whatever became of the object since: renamed, then
		// deleted.
		orig := e.admin.post(t, customersPath, `{"name":"Before"}`, "Idempotency-Key", "changed-since").want(t, 201)
		loc := orig.Header.Get("Location")
		e.admin.patch(t, loc, `{"name":"After"}`).want(t, 200)
		r := e.admin.post(t, customersPath, `{"name":"Before"}`, "Idempotency-Key", "changed-since").want(t, 201)
		if !bytes.Equal(r.Raw, orig.Raw) || r.Header.Get("ETag") != orig.Header.Get("ETag") || r.Header.Get("Location") != loc {
			t.Errorf("replay after a rename: %s (ETag %s), want the first %s (ETag %s)", r.Raw, r.Header.Get("ETag"), orig.Raw, orig.Header.Get("ETag"))
		}
		e.admin.del(t, loc).want(t, 204)
		r = e.admin.post(t, customersPath, `{"name":"Before"}`, "Idempotency-Key", "changed-since").want(t, 201)
		if !bytes.Equal(r.Raw, orig.Raw) {
			t.Errorf("replay after a delete: %s, want the first %s", r.Raw, orig.Raw)
		}
	})
}
