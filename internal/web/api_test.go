package web_test

// API scenario tests: the real server (web.New) over the real store, on a real migrated database
// per engine (SQLite always, PostgreSQL when STEWARD_TEST_POSTGRES is set), driven over HTTP
// through httptest exactly as a client of docs/API.md would. This file holds the harness:
// the per-engine environment, a small client and the scenario table runner. The scenarios live in
// api_*_test.go, one file per area.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/store/storetest"
	"github.com/steward-fleet/steward/internal/web"
)

// apiEnv is one running server on one fresh database, with an organization and a key per role.
type apiEnv struct {
	engine     string
	store      *store.Store
	srv        *httptest.Server
	api        *web.Server // the handler srv serves
	accountID  string      // the organization's root account
	adminEmail string      // its Admin, whom every key acts as

	admin *apiClient // admin key
	fleet *apiClient // fleet_admin key
	user  *apiClient // user key (read only)
	tech  *apiClient // technician key
	integ *apiClient // integration key (fleet_admin)
	other *apiClient // admin key of another, unrelated organization

	otherAccountID string

	// spec is the served OpenAPI document, templates its paths; every call a scenario makes must
	// be one of its operations, and every response must match it (see apiClient.do).
	spec      *openapi3.T
	templates []pathTemplate
	// raw is the server's client without the contract check (do runs the check itself).
	raw *http.Client
}

// forEachEngine runs fn once per engine, each on its own environment. The PostgreSQL run skips
// unless STEWARD_TEST_POSTGRES is set.
func forEachEngine(t *testing.T, fn func(t *testing.T, e *apiEnv)) {
	t.Helper()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			fn(t, newAPIEnv(t, engine))
		})
	}
}

// The tests of this package share one migrated database per engine (storetest.Shared): every
// test works in organizations of its own, which the store's tenancy keeps apart.
var orgSeq atomic.Int64

func TestMain(m *testing.M) {
	code := m.Run()
	for _, drop := range benchDrops {
		drop()
	}
	storetest.CloseShared()
	os.Exit(code)
}

// sharedStore returns the engine's shared store, skipping the test when the engine is not
// configured.
func sharedStore(t *testing.T, engine string) *store.Store {
	t.Helper()
	s, _ := storetest.Shared(t, engine)
	return s
}

// newAPIEnv starts a server on the engine's shared database and bootstraps two new
// organizations as the command line would: an organization with its Admin, then API keys for
// that Admin narrowed to each role.
func newAPIEnv(t *testing.T, engine string) *apiEnv {
	t.Helper()
	ctx := context.Background()
	s := sharedStore(t, engine)
	api := web.New(s, nil, web.Options{})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	e := &apiEnv{engine: engine, store: s, srv: srv, api: api}
	// Every request a test sends, through do or straight through srv.Client(), has its response
	// checked against the document; do checks its own with the subtest's t, so it uses raw.
	base := srv.Client().Transport
	e.raw = &http.Client{Transport: base}
	srv.Client().Transport = contractTransport{t: t, e: e, base: base}

	n := orgSeq.Add(1)
	e.adminEmail = fmt.Sprintf("admin-%d@acme.example", n)
	otherEmail := fmt.Sprintf("admin-%d@globex.example", n)
	acc, _, err := s.CreateOrganization(ctx, steward.Organization{Name: "Acme Rentals", Country: "DE",
		Email: e.adminEmail, Password: "correct horse battery"})
	if err != nil {
		t.Fatalf("create organization: %v", err)
	}
	e.accountID = acc.ID
	key := func(email, name string, role steward.Role, integration bool) *apiClient {
		t.Helper()
		k, err := s.CreateAPIKeyForEmail(ctx, email, steward.APIKeyFields{Name: name, Role: role, Integration: integration})
		if err != nil {
			t.Fatalf("create API key %s: %v", name, err)
		}
		if !strings.HasPrefix(k.Key, "stw_") {
			t.Fatalf("API key %q does not begin stw_", k.Key)
		}
		return &apiClient{env: e, key: k.Key, keyID: k.ID, name: name}
	}
	e.admin = key(e.adminEmail, "admin", "", false)
	e.fleet = key(e.adminEmail, "fleet", steward.RoleFleetAdmin, false)
	e.user = key(e.adminEmail, "reader", steward.RoleUser, false)
	e.tech = key(e.adminEmail, "tech", steward.RoleTechnician, false)
	e.integ = key(e.adminEmail, "crm-sync", steward.RoleFleetAdmin, true)

	other, _, err := s.CreateOrganization(ctx, steward.Organization{Name: "Globex", Country: "US",
		Email: otherEmail, Password: "another horse battery"})
	if err != nil {
		t.Fatalf("create second organization: %v", err)
	}
	e.otherAccountID = other.ID
	e.other = key(otherEmail, "globex admin", "", false)

	e.loadOpenAPI(t)
	return e
}

// uniqueEmail returns an email no other test uses.
func uniqueEmail(local string) string {
	return fmt.Sprintf("%s-%d@example.com", local, orgSeq.Add(1))
}

// loadOpenAPI reads the server's OpenAPI document, parses and validates it, and compiles its
// paths.
func (e *apiEnv) loadOpenAPI(t *testing.T) {
	t.Helper()
	res, err := http.Get(e.srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	e.spec = parseOpenAPI(t, raw)
	for _, tmpl := range e.spec.Paths.InMatchingOrder() {
		e.templates = append(e.templates, compileTemplate(tmpl))
	}
}

// operation returns the documented path template that method and path call, or "".
func (e *apiEnv) operation(method, path string) string {
	req, err := http.NewRequest(method, e.srv.URL+path, nil)
	if err != nil {
		return ""
	}
	if r, _ := e.route(req); r != nil {
		return r.Path
	}
	return ""
}

// apiClient calls the API with one API key ("" key: no Authorization header).
type apiClient struct {
	env   *apiEnv
	key   string
	keyID string
	name  string
	// undocumented allows calls outside the OpenAPI document (probing unknown paths).
	undocumented bool
}

// anonymous returns a client without credentials.
func (e *apiEnv) anonymous() *apiClient { return &apiClient{env: e, name: "anonymous"} }

// withKey returns a client using a raw Authorization key.
func (e *apiEnv) withKey(key string) *apiClient { return &apiClient{env: e, key: key, name: "custom"} }

// probing returns a copy of c that may call paths the OpenAPI document does not list.
func (c *apiClient) probing() *apiClient {
	cp := *c
	cp.undocumented = true
	return &cp
}

// result is one response: status, headers, the raw body, and the body decoded when it is JSON.
type result struct {
	Status int
	Header http.Header
	Raw    []byte
	JSON   any
}

// h is a header list: name, value, name, value…
type h []string

// do sends one request. body is nil (none), a string or []byte (sent as is), an io.Reader
// (streamed, so without Content-Length) or any other value (sent as JSON). Every response must
// carry X-Request-Id; every error response must be a problem naming its status and request id;
// and the call must be one the OpenAPI document describes.
func (c *apiClient) do(t *testing.T, method, path string, body any, headers ...string) *result {
	t.Helper()
	var rd io.Reader
	var sent []byte // the body sent, for the contract check; nil when none or streamed
	switch b := body.(type) {
	case nil:
	case string:
		sent = []byte(b)
	case []byte:
		sent = b
	case io.Reader:
		rd = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		sent = j
	}
	if sent != nil {
		rd = bytes.NewReader(sent)
	}
	req, err := http.NewRequest(method, c.env.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil && !slices.Contains(headers, "Content-Type") { // a multipart body names its own
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	res, err := c.env.raw.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	r := &result{Status: res.StatusCode, Header: res.Header, Raw: raw}
	ct := res.Header.Get("Content-Type")
	if strings.Contains(ct, "json") && len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.JSON); err != nil {
			t.Errorf("%s %s: %s body is not JSON: %v\n%s", method, path, ct, err, raw)
		}
	}
	rid := res.Header.Get("X-Request-Id")
	if rid == "" {
		t.Errorf("%s %s: %d without X-Request-Id", method, path, res.StatusCode)
	}
	if res.StatusCode >= 400 && method != http.MethodHead { // HEAD has no body to check
		if !strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("%s %s: %d with Content-Type %q, want application/problem+json", method, path, res.StatusCode, ct)
		} else {
			p := r.obj()
			if st, _ := p["status"].(float64); int(st) != res.StatusCode {
				t.Errorf("%s %s: problem status %v, response %d", method, path, p["status"], res.StatusCode)
			}
			if p["request_id"] != rid {
				t.Errorf("%s %s: problem request_id %v, X-Request-Id %q", method, path, p["request_id"], rid)
			}
			for _, k := range []string{"type", "title", "detail"} {
				if s, _ := p[k].(string); s == "" {
					t.Errorf("%s %s: problem without %s: %s", method, path, k, raw)
				}
			}
			if _, ok := p["errors"].([]any); !ok {
				t.Errorf("%s %s: problem errors is not an array: %s", method, path, raw)
			}
		}
	}
	if !c.undocumented && c.env.operation(method, path) == "" {
		t.Errorf("%s %s is not described by /api/v1/openapi.json", method, path)
	}
	c.env.checkContract(t, req, sent, res, raw)
	return r
}

// The usual calls.
func (c *apiClient) get(t *testing.T, path string, headers ...string) *result {
	t.Helper()
	return c.do(t, http.MethodGet, path, nil, headers...)
}

func (c *apiClient) post(t *testing.T, path string, body any, headers ...string) *result {
	t.Helper()
	return c.do(t, http.MethodPost, path, body, headers...)
}

func (c *apiClient) patch(t *testing.T, path string, body any, headers ...string) *result {
	t.Helper()
	return c.do(t, http.MethodPatch, path, body, headers...)
}

func (c *apiClient) del(t *testing.T, path string, headers ...string) *result {
	t.Helper()
	return c.do(t, http.MethodDelete, path, nil, headers...)
}

// create POSTs body to path, requires 201 with a Location naming the new object, and returns the
// object.
func (c *apiClient) create(t *testing.T, path string, body any, headers ...string) obj {
	t.Helper()
	r := c.post(t, path, body, headers...)
	r.want(t, http.StatusCreated)
	o := r.obj()
	id, _ := o["id"].(string)
	if id == "" {
		t.Fatalf("POST %s: created object without id: %s", path, r.Raw)
	}
	return o
}

// obj is a decoded JSON object.
type obj = map[string]any

// want fails the test at once unless the status is status.
func (r *result) want(t *testing.T, status int) *result {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
	return r
}

// obj returns the body as a JSON object (nil when it is not one).
func (r *result) obj() obj {
	o, _ := r.JSON.(map[string]any)
	return o
}

// data returns the items of a list response.
func (r *result) data(t *testing.T) []obj {
	t.Helper()
	o := r.obj()
	items, ok := o["data"].([]any)
	if !ok {
		t.Fatalf("not a list response (no data array): %s", r.Raw)
	}
	if _, ok := o["next_cursor"]; !ok {
		t.Fatalf("list response without next_cursor: %s", r.Raw)
	}
	out := make([]obj, len(items))
	for i, it := range items {
		out[i], _ = it.(map[string]any)
	}
	return out
}

// next returns the list's next_cursor, "" when it is null.
func (r *result) next() string {
	s, _ := r.obj()["next_cursor"].(string)
	return s
}

// fields returns the errors[].field names of a problem.
func (r *result) fields() []string {
	var out []string
	errs, _ := r.obj()["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok {
			f, _ := m["field"].(string)
			out = append(out, f)
		}
	}
	return out
}

// fieldMessage returns the message of the problem's entry for field.
func (r *result) fieldMessage(field string) string {
	errs, _ := r.obj()["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok && m["field"] == field {
			s, _ := m["message"].(string)
			return s
		}
	}
	return ""
}

// problemType returns the problem's type.
func (r *result) problemType() string {
	s, _ := r.obj()["type"].(string)
	return s
}

// ids returns the id of each item.
func ids(items []obj) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i], _ = it["id"].(string)
	}
	return out
}

// str reads a string member of o ("" when absent or not a string), following dots into
// nested objects.
func str(o obj, path string) string {
	v := get(o, path)
	s, _ := v.(string)
	return s
}

// num reads a number member of o, following dots; -1 when absent.
func num(o obj, path string) float64 {
	if f, ok := get(o, path).(float64); ok {
		return f
	}
	return -1
}

// get reads a member of o, following dots into nested objects.
func get(o obj, path string) any {
	var v any = o
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// has reports whether o has the member (even null).
func has(o obj, key string) bool {
	_, ok := o[key]
	return ok
}

// requireKeys fails unless o has every key (null allowed).
func requireKeys(t *testing.T, what string, o obj, keys ...string) {
	t.Helper()
	var missing []string
	for _, k := range keys {
		if !has(o, k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		got := make([]string, 0, len(o))
		for k := range o {
			got = append(got, k)
		}
		sort.Strings(got)
		t.Errorf("%s lacks %v; has %v", what, missing, got)
	}
}

// timeRE is the API's time format: RFC 3339, UTC, microseconds.
var timeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)

// checkMeta checks the bookkeeping every object has.
func checkMeta(t *testing.T, what string, o obj, archived bool) {
	t.Helper()
	requireKeys(t, what, o, "id", "created_at", "updated_at", "archived_at")
	for _, k := range []string{"created_at", "updated_at"} {
		if !timeRE.MatchString(str(o, k)) {
			t.Errorf("%s %s = %v, want RFC 3339 UTC with microseconds", what, k, o[k])
		}
	}
	if archived {
		if !timeRE.MatchString(str(o, "archived_at")) {
			t.Errorf("%s archived_at = %v, want a time", what, o["archived_at"])
		}
	} else if o["archived_at"] != nil {
		t.Errorf("%s archived_at = %v, want null", what, o["archived_at"])
	}
}

// scenario is one row of an API scenario table.
type scenario struct {
	name    string
	as      *apiClient
	method  string
	path    string
	body    any
	headers h
	want    int
	// field, when set, must be among the problem's errors[].field.
	field string
	// typeSuffix, when set, must end the problem's type.
	typeSuffix string
	check      func(t *testing.T, r *result)
}

// runScenarios runs the rows in order, each as a subtest.
func runScenarios(t *testing.T, rows []scenario) {
	t.Helper()
	for _, sc := range rows {
		t.Run(sc.name, func(t *testing.T) {
			t.Helper()
			r := sc.as.do(t, sc.method, sc.path, sc.body, sc.headers...)
			if r.Status != sc.want {
				t.Fatalf("%s %s as %s: status %d, want %d: %s", sc.method, sc.path, sc.as.name, r.Status, sc.want, r.Raw)
			}
			if sc.field != "" && !slices.Contains(r.fields(), sc.field) {
				t.Errorf("%s %s: errors[].field = %v, want %q among them: %s", sc.method, sc.path, r.fields(), sc.field, r.Raw)
			}
			if sc.typeSuffix != "" && !strings.HasSuffix(r.problemType(), sc.typeSuffix) {
				t.Errorf("%s %s: problem type %q, want it to end %q", sc.method, sc.path, r.problemType(), sc.typeSuffix)
			}
			if sc.check != nil {
				sc.check(t, r)
			}
		})
	}
}

// walk follows next_cursor from path (which must already hold limit and any filters) to the end
// and returns every item, failing on a page larger than limit, a repeated item, or a cursor that
// never ends.
func (c *apiClient) walk(t *testing.T, path string, limit int) []obj {
	t.Helper()
	var all []obj
	seen := map[string]bool{}
	sep := "&"
	if !strings.Contains(path, "?") {
		sep = "?"
	}
	p := path
	for page := 0; ; page++ {
		if page > 1000 {
			t.Fatalf("%s: next_cursor never ends", path)
		}
		r := c.get(t, p).want(t, http.StatusOK)
		items := r.data(t)
		if len(items) > limit {
			t.Errorf("%s: page of %d items with limit %d", p, len(items), limit)
		}
		for _, it := range items {
			key := fmt.Sprint(it["id"], it["at"], it["field"])
			if seen[key] {
				t.Errorf("%s: item %s repeated across pages", path, key)
			}
			seen[key] = true
		}
		all = append(all, items...)
		next := r.next()
		if next == "" {
			if r.obj()["next_cursor"] != nil {
				t.Errorf("%s: next_cursor %v, want a string or null", p, r.obj()["next_cursor"])
			}
			return all
		}
		p = path + sep + "cursor=" + next
	}
}

// etag returns the ETag header, reporting an error when it is not a strong ETag.
func (r *result) etag(t *testing.T) string {
	t.Helper()
	et := r.Header.Get("ETag")
	if et == "" || !strings.HasPrefix(et, `"`) || !strings.HasSuffix(et, `"`) {
		t.Errorf("ETag %q, want a strong ETag", et)
	}
	return et
}

// parallelDo runs fn n times at once and waits.
func parallelDo(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i)
		}()
	}
	wg.Wait()
}
