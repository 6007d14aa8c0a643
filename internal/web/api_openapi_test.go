package web_test

// The API tests' contract check: every response any scenario sees is validated against the
// served OpenAPI document by an independent validator (kin-openapi's openapi3filter), so the
// document cannot drift from what the server does without failing a test. apiClient.do calls
// checkContract on every response; there is no way to skip it.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// contractHeaders are the response headers the document must declare wherever the server sends
// them.
var contractHeaders = []string{"X-Request-Id", "ETag", "Location", "Idempotent-Replayed", "Retry-After",
	"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}

// parsedDocs caches the parsed and validated document by its bytes: every server of the tests
// serves the same one, and parsing it per test would cost for nothing.
var parsedDocs sync.Map // string → *openapi3.T

// parseOpenAPI parses and validates a served document as a client's tooling would.
func parseOpenAPI(t *testing.T, raw []byte) *openapi3.T {
	t.Helper()
	if d, ok := parsedDocs.Load(string(raw)); ok {
		return d.(*openapi3.T)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		t.Fatalf("openapi.json does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	parsedDocs.Store(string(raw), doc)
	return doc
}

// pathTemplate matches a request path to a documented path template.
type pathTemplate struct {
	tmpl   string
	re     *regexp.Regexp
	params []string
}

var templateParam = regexp.MustCompile(`\{([^}]+)\}`)

func compileTemplate(tmpl string) pathTemplate {
	pt := pathTemplate{tmpl: tmpl}
	var b strings.Builder
	b.WriteString("^")
	last := 0
	for _, m := range templateParam.FindAllStringSubmatchIndex(tmpl, -1) {
		b.WriteString(regexp.QuoteMeta(tmpl[last:m[0]]))
		b.WriteString(`([^/]+)`)
		pt.params = append(pt.params, tmpl[m[2]:m[3]])
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(tmpl[last:]) + "$")
	pt.re = regexp.MustCompile(b.String())
	return pt
}

// checkContract validates one exchange against the document: the status is declared for the
// operation (explicitly: the document has no default response), every contract header the
// server sent is declared for that status, and openapi3filter accepts the headers, the content
// type and the body. A request the server accepted (2xx) must also be one the document allows.
// reqBody is the request body sent, nil when none or streamed.
func (e *apiEnv) checkContract(t testing.TB, req *http.Request, reqBody []byte, res *http.Response, raw []byte) {
	t.Helper()
	what := req.Method + " " + req.URL.RequestURI()
	route, params := e.route(req)
	if route == nil {
		return // not a documented operation; do reports it unless the client is probing
	}
	ref := route.Operation.Responses.Status(res.StatusCode)
	if ref == nil || ref.Value == nil {
		t.Errorf("%s: status %d is not declared for %s %s in openapi.json", what, res.StatusCode, route.Method, route.Path)
		return
	}
	for _, h := range contractHeaders {
		if res.Header.Get(h) != "" && ref.Value.Headers[h] == nil {
			t.Errorf("%s: %d sends header %s, which openapi.json does not declare for it", what, res.StatusCode, h)
		}
	}
	rvi := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	in := &openapi3filter.ResponseValidationInput{RequestValidationInput: rvi, Status: res.StatusCode,
		Header: res.Header, Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	in.SetBodyBytes(raw)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s: the %d response does not match openapi.json: %v\n%s", what, res.StatusCode, err, clip(raw))
	}
	if res.StatusCode < 300 && (reqBody != nil || req.Body == nil || req.Body == http.NoBody) {
		vreq := req.Clone(context.Background())
		vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
		rvi.Request = vreq
		if err := openapi3filter.ValidateRequest(context.Background(), rvi); err != nil {
			t.Errorf("%s: the server accepted (%d) a request openapi.json refuses: %v", what, res.StatusCode, err)
		}
	}
}

// route finds the documented operation of req and its path parameters. HEAD is served for
// every GET (net/http's ServeMux does so) and follows the GET's description without the body,
// so it is held to the GET operation.
func (e *apiEnv) route(req *http.Request) (*routers.Route, map[string]string) {
	path := req.URL.EscapedPath()
	method := req.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	for _, pt := range e.templates {
		m := pt.re.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		item := e.spec.Paths.Value(pt.tmpl)
		op := item.GetOperation(method)
		if op == nil {
			continue
		}
		params := map[string]string{}
		for i, name := range pt.params {
			v, err := url.PathUnescape(m[i+1])
			if err != nil {
				v = m[i+1]
			}
			params[name] = v
		}
		return &routers.Route{Spec: e.spec, Path: pt.tmpl, PathItem: item, Method: req.Method, Operation: op}, params
	}
	return nil, nil
}

// clip shortens a body for an error message.
func clip(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// The contract check is not toothless: a response the document does not describe fails it.
func TestContractCheckCatchesDrift(t *testing.T) {
	e := newAPIEnv(t, "sqlite")
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/customers/x1", nil)
	for _, tc := range []struct {
		name   string
		status int
		header http.Header
		body   string
		want   string
	}{
		{"undeclared status", http.StatusTeapot, http.Header{"Content-Type": {"application/json"}}, `{}`, "not declared"},
		{"undeclared header", http.StatusOK, http.Header{"Content-Type": {"application/json"}, "Location": {"/x"}},
			`{}`, "does not declare"},
		{"body off the schema", http.StatusOK, http.Header{"Content-Type": {"application/json"}},
			`{"id":"x1","name":5}`, "does not match"},
		{"null where the schema has none", http.StatusNotFound, http.Header{"Content-Type": {"application/problem+json"}},
			`{"type":"t","title":"t","status":404,"detail":"d","request_id":"r","errors":null}`, "does not match"},
		{"wrong content type", http.StatusNotFound, http.Header{"Content-Type": {"text/plain"}}, `nope`, "does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recordingT{TB: t}
			res := &http.Response{StatusCode: tc.status, Header: tc.header}
			e.checkContract(rec, req, nil, res, []byte(tc.body))
			if !strings.Contains(rec.errors(), tc.want) {
				t.Errorf("contract check reported %q, want %q in it", rec.errors(), tc.want)
			}
		})
	}
}

// recordingT collects the errors a check reports instead of failing the test.
type recordingT struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recordingT) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recordingT) Helper() {}

func (r *recordingT) errors() string { return strings.Join(r.errs, "\n") }

// Every member of a merge-patch body that the document makes nullable is one the server lets a
// patch clear with null, and every other member is refused as null (422 naming it): the
// document's nullability is the server's.
func TestMergePatchNullsAreTheDocuments(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		customer := e.admin.create(t, "/api/v1/customers", obj{"name": "Patch Target", "notes": "n"})
		cid := str(customer, "id")
		contact := e.admin.create(t, "/api/v1/customers/"+cid+"/contacts", obj{"name": "Ann"})
		location := e.admin.create(t, "/api/v1/locations", obj{"name": "Depot", "customer_id": cid})
		asset := e.admin.create(t, "/api/v1/assets", obj{"name": "Crane", "year": 2020})
		sub := e.admin.create(t, "/api/v1/accounts", obj{"name": "Sub", "email": "sub@example.com", "country": "DE"})
		user := e.admin.create(t, "/api/v1/users", obj{"name": "Patch Person", "email": uniqueEmail("patch"), "role": "user", "fleet_visibility": "all"})
		group := e.admin.create(t, "/api/v1/groups", obj{"name": "Patch group", "description": "d"})
		hook := e.admin.create(t, "/api/v1/webhooks", obj{"url": "https://203.0.113.1/", "events": []string{"customer.created"}, "description": "d"})
		targets := map[string]string{
			"/api/v1/webhooks/{id}":  "/api/v1/webhooks/" + str(hook, "id"),
			"/api/v1/groups/{id}":    "/api/v1/groups/" + str(group, "id"),
			"/api/v1/customers/{id}": "/api/v1/customers/" + cid,
			"/api/v1/contacts/{id}":  "/api/v1/contacts/" + str(contact, "id"),
			"/api/v1/locations/{id}": "/api/v1/locations/" + str(location, "id"),
			"/api/v1/assets/{id}":    "/api/v1/assets/" + str(asset, "id"),
			"/api/v1/account":        "/api/v1/account",
			"/api/v1/accounts/{id}":  "/api/v1/accounts/" + str(sub, "id"),
			"/api/v1/users/{id}":     "/api/v1/users/" + str(user, "id"),
		}
		patches := 0
		for tmpl, item := range e.spec.Paths.Map() {
			if item.Patch == nil {
				continue
			}
			path, ok := targets[tmpl]
			if !ok {
				t.Errorf("PATCH %s: no object to probe; add one to this test", tmpl)
				continue
			}
			patches++
			schema := item.Patch.RequestBody.Value.Content.Get("application/merge-patch+json").Schema.Value
			for member, prop := range schema.Properties {
				nullable := prop.Value.Type.IncludesNull()
				for _, alt := range prop.Value.AnyOf {
					nullable = nullable || alt.Value.Type.Is("null")
				}
				r := e.admin.patch(t, path, obj{member: nil})
				switch {
				case nullable && r.Status != http.StatusOK:
					t.Errorf("PATCH %s {%q: null}: %d, but the document says null clears it: %s", tmpl, member, r.Status, r.Raw)
				case !nullable && (r.Status != http.StatusUnprocessableEntity || !slices.Contains(r.fields(), member)):
					t.Errorf("PATCH %s {%q: null}: %d, but the document says it cannot be cleared: %s", tmpl, member, r.Status, r.Raw)
				}
			}
		}
		if patches != len(targets) {
			t.Errorf("%d PATCH operations probed, want %d", patches, len(targets))
		}
	})
}

// The query limits the document states are the server's: for every operation with them, q at
// its maxLength and limit at its minimum and maximum are served, one past them is 422 naming
// the parameter.
func TestQueryLimitsAreTheDocuments(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		customer := e.admin.create(t, "/api/v1/customers", obj{"name": "Query Target"})
		asset := e.admin.create(t, "/api/v1/assets", obj{"name": "Query Crane"})
		ids := map[string]string{
			"/api/v1/customers/{id}/contacts": "/api/v1/customers/" + str(customer, "id") + "/contacts",
			"/api/v1/assets/{id}/movements":   "/api/v1/assets/" + str(asset, "id") + "/movements",
		}
		probed := map[string]int{}
		for tmpl, item := range e.spec.Paths.Map() {
			if item.Get == nil {
				continue
			}
			path := tmpl
			if strings.Contains(tmpl, "{") {
				if path = ids[tmpl]; path == "" {
					continue
				}
			}
			for _, p := range item.Get.Parameters {
				s := p.Value.Schema.Value
				if p.Value.In != "query" {
					continue
				}
				var ok, bad []string
				switch {
				case s.MaxLength != nil && p.Value.Name == "q":
					n := int(*s.MaxLength)
					ok, bad = []string{strings.Repeat("q", n)}, []string{strings.Repeat("q", n+1)}
				case s.Min != nil && s.Max != nil:
					lo, hi := int(*s.Min), int(*s.Max)
					ok, bad = []string{fmt.Sprint(lo), fmt.Sprint(hi)}, []string{fmt.Sprint(lo - 1), fmt.Sprint(hi + 1)}
				default:
					continue
				}
				probed[p.Value.Name]++
				for _, v := range ok {
					e.admin.get(t, path+"?"+p.Value.Name+"="+v).want(t, http.StatusOK)
				}
				for _, v := range bad {
					r := e.admin.get(t, path+"?"+p.Value.Name+"="+v).want(t, http.StatusUnprocessableEntity)
					if !slices.Contains(r.fields(), p.Value.Name) {
						t.Errorf("GET %s?%s=%.10s…: errors %v, want %s", tmpl, p.Value.Name, v, r.fields(), p.Value.Name)
					}
				}
			}
		}
		if probed["q"] < 5 || probed["limit"] < 7 {
			t.Errorf("probed %v, want q on every searchable list and limit on every paged one", probed)
		}
	})
}

// HEAD follows the GET operation's description, without a body.
func TestHeadFollowsTheGetDescription(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *apiEnv) {
		c := e.admin.create(t, "/api/v1/customers", obj{"name": "Head Target"})
		r := e.admin.do(t, http.MethodHead, "/api/v1/customers/"+str(c, "id"), nil).want(t, http.StatusOK)
		if len(r.Raw) != 0 || r.etag(t) == "" {
			t.Errorf("HEAD: body %q, ETag %q", r.Raw, r.Header.Get("ETag"))
		}
		e.admin.do(t, http.MethodHead, "/api/v1/customers/nonesuch", nil).want(t, http.StatusNotFound)
		e.admin.do(t, http.MethodHead, "/api/v1/customers?limit=1", nil).want(t, http.StatusOK)
	})
}
