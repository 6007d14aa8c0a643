package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// coreEndpoints is API.md's "Endpoints (the core)" table, one row per method and path.
var coreEndpoints = []string{
	"GET /healthz", "GET /readyz",
	"POST /api/v1/customers", "GET /api/v1/customers", "GET /api/v1/customers/{id}", "PATCH /api/v1/customers/{id}",
	"POST /api/v1/customers/{id}/archive", "POST /api/v1/customers/{id}/unarchive", "DELETE /api/v1/customers/{id}",
	"GET /api/v1/customers/{id}/contacts", "POST /api/v1/customers/{id}/contacts",
	"GET /api/v1/contacts", "GET /api/v1/contacts/{id}", "PATCH /api/v1/contacts/{id}", "DELETE /api/v1/contacts/{id}",
	"POST /api/v1/contacts/{id}/archive", "POST /api/v1/contacts/{id}/unarchive",
	"POST /api/v1/locations", "GET /api/v1/locations", "GET /api/v1/locations/{id}", "PATCH /api/v1/locations/{id}",
	"DELETE /api/v1/locations/{id}", "POST /api/v1/locations/{id}/archive", "POST /api/v1/locations/{id}/unarchive",
	"POST /api/v1/assets", "GET /api/v1/assets", "GET /api/v1/assets/{id}", "PATCH /api/v1/assets/{id}",
	"DELETE /api/v1/assets/{id}", "POST /api/v1/assets/{id}/archive", "POST /api/v1/assets/{id}/unarchive",
	"GET /api/v1/assets/{id}/movements",
	"GET /api/v1/audit", "GET /api/v1/audit.csv", "GET /api/v1/me", "GET /api/v1/account", "PATCH /api/v1/account",
	"GET /api/v1/api-keys", "POST /api/v1/api-keys", "DELETE /api/v1/api-keys/{id}",
	"GET /api/v1/openapi.json",
}

func TestAPIOpenAPIDocument(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		r := e.anonymous().get(t, "/api/v1/openapi.json").want(t, 200)
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
		}
		var doc struct {
			OpenAPI string                               `json:"openapi"`
			Info    map[string]any                       `json:"info"`
			Paths   map[string]map[string]map[string]any `json:"paths"`
		}
		if err := json.Unmarshal(r.Raw, &doc); err != nil {
			t.Fatalf("openapi.json is not the expected JSON: %v", err)
		}
		if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
			t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
		}
		if doc.Info["title"] == nil || doc.Info["version"] == nil {
			t.Errorf("info %v", doc.Info)
		}
		for _, ep := range coreEndpoints {
			method, path, _ := strings.Cut(ep, " ")
			op, ok := doc.Paths[path][strings.ToLower(method)]
			if !ok {
				t.Errorf("openapi.json does not describe %s", ep)
				continue
			}
			if _, ok := op["responses"].(map[string]any); !ok {
				t.Errorf("%s: operation without responses", ep)
			}
		}
		// The path parameters of every templated path are declared.
		for path, ops := range doc.Paths {
			if !strings.Contains(path, "{id}") {
				continue
			}
			for method, op := range ops {
				b, _ := json.Marshal(op["parameters"])
				if !strings.Contains(string(b), `"in":"path"`) {
					t.Errorf("%s %s: {id} is not declared as a path parameter", strings.ToUpper(method), path)
				}
			}
		}
	})
}

func TestAPIHealthAndRequestIDs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		ok := func(t *testing.T, r *result) {
			if str(r.obj(), "status") != "ok" {
				t.Errorf("body %s, want {\"status\":\"ok\"}", r.Raw)
			}
		}
		runScenarios(t, []scenario{
			{name: "healthz", as: e.anonymous(), method: "GET", path: "/healthz", want: 200, check: ok},
			{name: "readyz checks the database", as: e.anonymous(), method: "GET", path: "/readyz", want: 200, check: ok},
			{name: "probes may carry cache-busting parameters", as: e.anonymous(), method: "GET", path: "/readyz?t=1", want: 200, check: ok},
			{name: "a client request id is adopted", as: e.admin, method: "GET", path: customersPath, headers: h{"X-Request-Id", "client-id-42"}, want: 200,
				check: func(t *testing.T, r *result) {
					if r.Header.Get("X-Request-Id") != "client-id-42" {
						t.Errorf("X-Request-Id %q, want the client's", r.Header.Get("X-Request-Id"))
					}
				}},
			{name: "an unsafe client request id is replaced", as: e.admin, method: "GET", path: customersPath, headers: h{"X-Request-Id", "bad id\twith spaces"}, want: 200,
				check: func(t *testing.T, r *result) {
					if id := r.Header.Get("X-Request-Id"); id == "" || strings.ContainsAny(id, " \t") {
						t.Errorf("X-Request-Id %q", id)
					}
				}},
			{name: "a problem names the request id", as: e.admin, method: "GET", path: customersPath + "/nope", headers: h{"X-Request-Id", "trace-404"}, want: 404,
				check: func(t *testing.T, r *result) {
					if str(r.obj(), "request_id") != "trace-404" {
						t.Errorf("problem %s", r.Raw)
					}
				}},
			{name: "an unknown API path is a 404 problem", as: e.admin.probing(), method: "GET", path: "/api/v1/widgets", want: 404},
			{name: "a wrong method is 405 with Allow", as: e.admin.probing(), method: "PUT", path: customersPath + "/x", body: obj{"name": "x"}, want: 405,
				check: func(t *testing.T, r *result) {
					allow := r.Header.Get("Allow")
					for _, m := range []string{"GET", "PATCH", "DELETE"} {
						if !strings.Contains(allow, m) {
							t.Errorf("Allow %q lacks %s", allow, m)
						}
					}
				}},
		})
		// Every response so far carried X-Request-Id (the client checks each one), and the
		// ids differ from request to request.
		a := e.anonymous().get(t, "/healthz").Header.Get("X-Request-Id")
		b := e.anonymous().get(t, "/healthz").Header.Get("X-Request-Id")
		if a == b {
			t.Errorf("two requests share the request id %q", a)
		}
		// A successful object response is JSON with a strong ETag.
		c := e.admin.create(t, customersPath, obj{"name": "Header Co"})
		r := e.admin.get(t, customersPath+"/"+str(c, "id")).want(t, http.StatusOK)
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
		}
		r.etag(t)
	})
}

// TestAPISearchShortTerms: API.md defines q as a substring search, whatever its length.
func TestAPISearchShortTerms(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		e.admin.create(t, customersPath, obj{"name": "Hans Müller"})
		e.admin.create(t, assetsPath, obj{"name": "Pump", "serial_number": "AB-42-ZZ"})
		// Every term is a substring match, whatever its length (API.md).
		for path, want := range map[string]int{
			customersPath + "?q=ha":   1, // a prefix
			customersPath + "?q=HÄ":   1, // folded like the name
			customersPath + "?q=mü":   1, // the start of a later word
			customersPath + "?q=l":    1, // one character, inside a word
			customersPath + "?q=mül":  1,
			assetsPath + "?q=pu":      1,
			assetsPath + "?q=42":      1, // inside a serial number
			assetsPath + "?q=42-":     1,
			customersPath + "?q=xq":   0,
			customersPath + "?q=ller": 1,
		} {
			if got := len(e.user.get(t, path).want(t, 200).data(t)); got != want {
				t.Errorf("%s: %d results, want %d", path, got, want)
			}
		}
	})
}

// TestAPIHostileInput sends ids, filters and search terms that are not valid UTF-8 or hold a NUL
// byte. None is the server's fault: an id that cannot exist is 404, a filter that matches
// nothing is an empty list or a 422, and nothing is a 500.
func TestAPIHostileInput(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		c := e.admin.create(t, customersPath, obj{"name": "Hostile Co"})
		for _, p := range []string{customersPath + "/%FF", customersPath + "/a%00b", contactsPath + "/%FF",
			locationsPath + "/%00", assetsPath + "/%C3%28", assetsPath + "/%FF/movements", customersPath + "/%FF/contacts"} {
			if r := e.admin.get(t, p); r.Status != 404 {
				t.Errorf("GET %s: %d, want 404: %s", p, r.Status, r.Raw)
			}
		}
		if r := e.admin.patch(t, customersPath+"/%FF", obj{"name": "x"}); r.Status != 404 {
			t.Errorf("PATCH %s/%%FF: %d, want 404: %s", customersPath, r.Status, r.Raw)
		}
		for _, p := range []string{customersPath + "?q=%00abc", customersPath + "?q=abc%00", customersPath + "?q=%FF%FE%FD",
			contactsPath + "?customer_id=%FF", contactsPath + "?customer_id=%00", locationsPath + "?customer_id=%FF",
			assetsPath + "?owner_customer_id=%00", assetsPath + "?location_id=%FF", assetsPath + "?q=%00%00%00",
			auditPath + "?object_id=%FF", auditPath + "?object_id=%00", auditPath + "?action=%00", auditPath + "?customer_id=%FF",
			customersPath + "/" + str(c, "id") + "/contacts?q=%00xx"} {
			r := e.admin.get(t, p)
			if r.Status != 200 && r.Status != 400 && r.Status != 422 {
				t.Errorf("GET %s: %d, want an empty list, 400 or 422: %s", p, r.Status, r.Raw)
			} else if r.Status == 200 && len(r.data(t)) != 0 {
				t.Errorf("GET %s: %d items", p, len(r.data(t)))
			}
		}
		// A body reference that cannot exist is 422 on its field.
		for _, b := range []string{`{"name":"x","owner_customer_id":"\u0000"}`, `{"name":"x","location_id":"a\u0000b"}`} {
			if r := e.admin.post(t, assetsPath, b); r.Status != 422 {
				t.Errorf("POST %s %s: %d, want 422: %s", assetsPath, b, r.Status, r.Raw)
			}
		}
	})
}

// TestAPIConcurrentDuplicates: of simultaneous creates with one external reference or serial
// number, one wins and the others are the same 409 a sequential duplicate gets.
func TestAPIConcurrentDuplicates(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		for _, c := range []struct{ path, body, field string }{
			{customersPath, `{"name":"Race","external_ref":"RACE-REF"}`, "external_ref"},
			{locationsPath, `{"name":"Race","external_ref":"RACE-REF"}`, "external_ref"},
			{assetsPath, `{"name":"Race","serial_number":"RACE-1"}`, "serial_number"},
			{assetsPath, `{"name":"Race","external_ref":"RACE-REF"}`, "external_ref"},
		} {
			const n = 6
			status := make([]int, n)
			bodies := make([][]byte, n)
			parallelDo(n, func(i int) {
				req, _ := http.NewRequest("POST", e.srv.URL+c.path, strings.NewReader(c.body))
				req.Header.Set("Authorization", "Bearer "+e.admin.key)
				req.Header.Set("Content-Type", "application/json")
				res, err := e.srv.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				defer res.Body.Close()
				bodies[i], _ = io.ReadAll(res.Body)
				status[i] = res.StatusCode
			})
			created := 0
			for i := range n {
				switch status[i] {
				case 201:
					created++
				case 409:
					var p struct {
						Errors []struct{ Field string } `json:"errors"`
					}
					_ = json.Unmarshal(bodies[i], &p)
					if len(p.Errors) != 1 || p.Errors[0].Field != c.field {
						t.Errorf("POST %s %s: a racing duplicate's 409 does not name %s: %s", c.path, c.body, c.field, bodies[i])
					}
				default:
					t.Errorf("POST %s %s: %d %s", c.path, c.body, status[i], bodies[i])
				}
			}
			if created != 1 {
				t.Errorf("POST %s %s: %d of %d simultaneous duplicates created, want 1", c.path, c.body, created, n)
			}
		}
	})
}

// TestAPISearchRanked: without sort, a search lists the names that start with the term first,
// then the other matches newest first, and pages through all of them once; a term of only
// combining marks is a 422 on q, and so is a sorted search too broad to sort (tested in store).
func TestAPISearchRanked(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		for _, n := range []string{"Crane B", "Mobile crane", "Crane A", "Tower crane", "Cranes Ltd spare"} {
			e.admin.create(t, assetsPath, obj{"name": n})
		}
		var got []string
		for path := assetsPath + "?q=crane&limit=2"; path != ""; {
			r := e.user.get(t, path).want(t, 200)
			for _, o := range r.data(t) {
				got = append(got, str(o, "name"))
			}
			path = ""
			if next := r.next(); next != "" {
				path = assetsPath + "?q=crane&limit=2&cursor=" + url.QueryEscape(next)
			}
		}
		want := []string{"Crane A", "Crane B", "Cranes Ltd spare", "Tower crane", "Mobile crane"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("ranked: %q, want %q", got, want)
		}
		r := e.user.get(t, assetsPath+"?q="+url.QueryEscape("\u0301")).want(t, 422)
		if f := r.fields(); len(f) != 1 || f[0] != "q" {
			t.Errorf("fields %v, want [q]", f)
		}
	})
}
