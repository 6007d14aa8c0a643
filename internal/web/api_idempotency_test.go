package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
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

		// Concurrent retries: exactly one object, and every answer is either the 201 with the
		// same body or the documented 409 for a request still in flight.
		before := countCustomers(t)
		const n2 = 6
		type answer struct {
			status int
			body   []byte
		}
		answers := make([]answer, n2)
		var mu sync.Mutex
		var errs []error
		parallelDo(n2, func(i int) {
			req, _ := http.NewRequest("POST", e.srv.URL+customersPath, strings.NewReader(`{"name":"Raced"}`))
			req.Header.Set("Authorization", "Bearer "+e.admin.key)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", "raced")
			res, err := e.srv.Client().Do(req)
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
		for _, a := range answers {
			switch a.status {
			case 201:
				if created != nil && !bytes.Equal(created, a.body) {
					t.Errorf("two different 201 bodies for one Idempotency-Key:\n%s\n%s", created, a.body)
				}
				created = a.body
			case 409:
				if !strings.Contains(string(a.body), "idempotency") {
					t.Errorf("409 that is not the in-flight problem: %s", a.body)
				}
			default:
				t.Errorf("concurrent retry answered %d: %s", a.status, a.body)
			}
		}
		if created == nil {
			t.Error("no concurrent retry answered 201")
		}
		if got := countCustomers(t); got != before+1 {
			t.Errorf("concurrent retries created %d customers, want 1", got-before)
		}

		// A claim still in flight (as a first request that has not finished leaves it) is
		// answered 409 with Retry-After. The claim is made directly in the store with the
		// request's hash as the server computes it (method, path, body).
		body3 := `{"name":"In Flight"}`
		sum := sha256.Sum256([]byte("POST\x00" + customersPath + "\x00" + body3))
		if _, err := e.store.ClaimIdempotencyKey(context.Background(), steward.Idempotency{Scope: e.admin.keyID, Key: "in-flight"},
			hex.EncodeToString(sum[:])); err != nil {
			t.Fatal(err)
		}
		r := e.admin.post(t, customersPath, body3, "Idempotency-Key", "in-flight").want(t, 409)
		if r.Header.Get("Retry-After") == "" {
			t.Error("in-flight 409 without Retry-After")
		}
		e.admin.post(t, customersPath, `{"name":"Not the same"}`, "Idempotency-Key", "in-flight").want(t, 422)
	})
}
