package web

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
)

// fetchOpenAPI gets the document as a client does: without credentials.
func fetchOpenAPI(t *testing.T, fs *fakeServer) map[string]any {
	t.Helper()
	rec := fs.do("GET", "/api/v1/openapi.json", "", "Authorization", "")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("openapi.json: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	return doc
}

// samplePath turns a pattern path into a request path.
func samplePath(path string) string {
	return pathParams.ReplaceAllString(path, "x1")
}

// The document and the server cannot drift: every registered route is documented, every
// documented operation is served by the route the mux picks for it.
func TestOpenAPIMatchesTheRoutes(t *testing.T) {
	fs := newFakeServer(t, Options{})
	doc := fetchOpenAPI(t, fs)
	paths := doc["paths"].(map[string]any)

	ids := map[string]bool{}
	for _, rt := range fs.srv.routes {
		op, ok := paths[rt.path].(map[string]any)[strings.ToLower(rt.method)].(map[string]any)
		if !ok {
			t.Errorf("%s %s is registered but not documented", rt.method, rt.path)
			continue
		}
		if op["operationId"] != rt.id {
			t.Errorf("%s %s: operationId %v, want %s", rt.method, rt.path, op["operationId"], rt.id)
		}
		if ids[rt.id] {
			t.Errorf("operationId %s is used twice", rt.id)
		}
		ids[rt.id] = true
	}

	n := 0
	for path, item := range paths {
		for method, op := range item.(map[string]any) {
			n++
			m := strings.ToUpper(method)
			req := httptest.NewRequest(m, samplePath(path), nil)
			if _, pattern := fs.srv.mux.Handler(req); pattern != m+" "+path {
				t.Errorf("documented %s %s, but the mux routes it to %q", m, path, pattern)
			}
			// Every {name} of the path is a documented path parameter.
			var documented []string
			for _, p := range jsonList(op.(map[string]any)["parameters"]) {
				if p := p.(map[string]any); p["in"] == "path" {
					documented = append(documented, p["name"].(string))
				}
			}
			var inPath []string
			for _, m := range pathParams.FindAllStringSubmatch(path, -1) {
				inPath = append(inPath, m[1])
			}
			if !slices.Equal(documented, inPath) {
				t.Errorf("%s %s: path parameters %v, want %v", m, path, documented, inPath)
			}
		}
	}
	if n != len(fs.srv.routes) {
		t.Errorf("%d documented operations, %d routes", n, len(fs.srv.routes))
	}
}

func jsonList(v any) []any {
	l, _ := v.([]any)
	return l
}

// Every query parameter the document names is accepted, and any other is refused: the document
// says exactly what the server does.
func TestOpenAPIQueryParametersAreTheAcceptedOnes(t *testing.T) {
	fs := newFakeServer(t, Options{})
	doc := fetchOpenAPI(t, fs)
	paths := doc["paths"].(map[string]any)
	for _, rt := range fs.srv.routes {
		if rt.method != "GET" || !strings.HasPrefix(rt.path, "/api/") {
			continue
		}
		op := paths[rt.path].(map[string]any)["get"].(map[string]any)
		for _, p := range jsonList(op["parameters"]) {
			p := p.(map[string]any)
			if p["in"] != "query" {
				continue
			}
			name := p["name"].(string)
			schema := p["schema"].(map[string]any)
			if ref, ok := schema["$ref"].(string); ok {
				schema = doc["components"].(map[string]any)["schemas"].(map[string]any)[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
			}
			value := "x"
			switch {
			case schema["enum"] != nil:
				value = jsonList(schema["enum"])[0].(string)
			case schema["type"] == "integer":
				value = "1"
			case schema["type"] == "boolean":
				value = "false"
			case schema["format"] == "date-time":
				value = "2024-01-01T00:00:00Z"
			}
			rec := fs.do("GET", samplePath(rt.path)+"?"+name+"="+value, "")
			if rec.Code == 422 && strings.Contains(rec.Body.String(), `"field":"`+name+`"`) {
				t.Errorf("%s %s: documented parameter %s=%s refused: %s", rt.method, rt.path, name, value, rec.Body)
			}
		}
		p := readProblem(t, fs.do("GET", samplePath(rt.path)+"?undocumented=1", ""), 422)
		if !hasFieldError(p, "undocumented") {
			t.Errorf("%s: an undocumented parameter: %v", rt.path, p.Errors)
		}
	}
}

// Every $ref points at something the document defines.
func TestOpenAPIReferencesResolve(t *testing.T) {
	fs := newFakeServer(t, Options{})
	doc := fetchOpenAPI(t, fs)
	var walk func(v any)
	refs := 0
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				refs++
				var node any = doc
				for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					m, _ := node.(map[string]any)
					node = m[part]
				}
				if node == nil {
					t.Errorf("$ref %s resolves to nothing", ref)
				}
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(doc)
	if refs == 0 {
		t.Error("no $ref at all")
	}
}

// The schemas say what the JSON encoder writes: spot checks on the domain's shapes.
func TestOpenAPISchemasFollowTheGoTypes(t *testing.T) {
	fs := newFakeServer(t, Options{})
	doc := fetchOpenAPI(t, fs)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	prop := func(schema, name string) map[string]any {
		t.Helper()
		s, ok := schemas[schema].(map[string]any)
		if !ok {
			t.Fatalf("no schema %s", schema)
		}
		p, ok := s["properties"].(map[string]any)[name].(map[string]any)
		if !ok {
			t.Fatalf("%s has no property %s", schema, name)
		}
		return p
	}
	check := func(schema, name, want string) {
		t.Helper()
		b, _ := json.Marshal(prop(schema, name))
		if string(b) != want {
			t.Errorf("%s.%s = %s, want %s", schema, name, b, want)
		}
	}
	// Embedded structs are flattened; Meta's version is not in the JSON.
	check("Customer", "location_count", `{"format":"int64","type":"integer"}`)
	check("Customer", "name", `{"maxLength":200,"minLength":1,"type":"string"}`)
	check("Customer", "type", `{"$ref":"#/components/schemas/CustomerType"}`)
	check("Customer", "archived_at", `{"format":"date-time","type":["string","null"]}`)
	check("Customer", "created_at", `{"format":"date-time","type":"string"}`)
	check("Customer", "address", `{"$ref":"#/components/schemas/Address"}`)
	if _, ok := schemas["Customer"].(map[string]any)["properties"].(map[string]any)["Version"]; ok {
		t.Error("Customer documents the hidden Version")
	}
	check("Location", "customer_id", `{"maxLength":64,"type":["string","null"]}`)
	check("Location", "latitude", `{"format":"double","maximum":90,"minimum":-90,"type":["number","null"]}`)
	check("Location", "radius_m", `{"format":"int32","maximum":100000,"minimum":1,"type":["integer","null"]}`)
	check("Movement", "old", `{"description":"the id before; null for none","type":["string","null"]}`)
	check("Change", "old", `{"anyOf":[{"type":"string"},{"format":"double","type":"number"},{"type":"boolean"},{"type":"null"}],"description":"the value before; null when it had none"}`)
	check("AuditEvent", "changes", `{"items":{"$ref":"#/components/schemas/Change"},"type":"array"}`)
	check("Me", "api_key", `{"anyOf":[{"$ref":"#/components/schemas/APIKey"},{"type":"null"}]}`)
	check("CustomerPage", "data", `{"items":{"$ref":"#/components/schemas/Customer"},"maxItems":500,"type":"array"}`)
	check("CustomerPage", "next_cursor", `{"type":["string","null"]}`)
	check("Problem", "errors", `{"items":{"$ref":"#/components/schemas/FieldError"},"type":"array"}`)
	// A merge patch may clear an optional member (null), never a required one; an enumeration
	// stays a reference, with null beside it rather than in its values.
	check("CustomerFieldsPatch", "name", `{"maxLength":200,"minLength":1,"type":"string"}`)
	check("CustomerFieldsPatch", "notes", `{"maxLength":10000,"type":["string","null"]}`)
	check("CustomerFieldsPatch", "type", `{"anyOf":[{"$ref":"#/components/schemas/CustomerType"},{"type":"null"}]}`)
	check("AssetFieldsPatch", "year", `{"description":"year of manufacture; the maximum is next year, as of when this document was generated","format":"int32","maximum":`+
		strconv.Itoa(steward.MaxYear())+`,"minimum":1900,"type":["integer","null"]}`)
	check("AccountFieldsPatch", "name", `{"maxLength":200,"minLength":1,"type":"string"}`)
	// A struct in both requests and responses has two forms: the response's requires every
	// member, the request's refuses unknown ones.
	check("Customer", "address", `{"$ref":"#/components/schemas/Address"}`)
	check("CustomerFields", "address", `{"$ref":"#/components/schemas/AddressInput"}`)
	if req := jsonList(schemas["Address"].(map[string]any)["required"]); len(req) != 5 {
		t.Errorf("Address requires %v, want every line", req)
	}
	if schemas["AddressInput"].(map[string]any)["additionalProperties"] != false || schemas["AddressInput"].(map[string]any)["required"] != nil {
		t.Errorf("AddressInput = %v", schemas["AddressInput"])
	}
	check("CustomerFieldsPatch", "address", `{"anyOf":[{"$ref":"#/components/schemas/AddressPatch"},{"type":"null"}]}`)
	check("APIKey", "key", `{"type":"string"}`)
	if req := schemas["APIKey"].(map[string]any)["required"].([]any); slices.Contains(req, any("key")) {
		t.Error("APIKey.key is omitempty, so not required")
	}
	if schemas["CustomerFields"].(map[string]any)["additionalProperties"] != false {
		t.Error("request bodies refuse unknown members, the schema must say so")
	}
	// A create requires name.
	if req := jsonList(schemas["CustomerFields"].(map[string]any)["required"]); !slices.Equal(req, []any{"name"}) {
		t.Errorf("create customer body requires %v", req)
	}

	// The problem type matches what writeError sends.
	got := map[string]bool{}
	for name := range schemas["Problem"].(map[string]any)["properties"].(map[string]any) {
		got[name] = true
	}
	for _, name := range []string{"type", "title", "status", "detail", "request_id", "errors"} {
		if !got[name] {
			t.Errorf("Problem lacks %s", name)
		}
	}
}

// Every enumeration is one shared component holding exactly its domain type's Values(), with no
// null among them (a generated client would make a "<nil>" constant of it); nothing else in the
// document lists enum values but the sort keys and a header's one value.
func TestOpenAPIEnumsAreSharedComponents(t *testing.T) {
	fs := newFakeServer(t, Options{})
	doc := fetchOpenAPI(t, fs)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	want := map[string][]string{}
	add := func(name string, vals []string) { want[name] = vals }
	add("CustomerType", strs(steward.CustomerType("").Values()))
	add("ContactKind", strs(steward.ContactKind("").Values()))
	add("Role", strs(steward.Role("").Values()))
	add("ActorType", strs(steward.ActorType("").Values()))
	add("Source", strs(steward.Source("").Values()))
	add("AccountKind", strs(steward.AccountKind("").Values()))
	add("Status", strs(steward.Status("").Values()))
	add("FleetVisibility", strs(steward.FleetVisibility("").Values()))
	for name, vals := range want {
		s, ok := schemas[name].(map[string]any)
		if !ok {
			t.Errorf("no component %s", name)
			continue
		}
		var got []string
		for _, v := range jsonList(s["enum"]) {
			got = append(got, v.(string)) // a null would panic here: none is allowed
		}
		if !slices.Equal(got, vals) || s["type"] != "string" {
			t.Errorf("%s = %v (type %v), want the string enum %v", name, got, s["type"], vals)
		}
	}
	// Inline enums elsewhere: only the sort parameters and header values.
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if e, ok := v["enum"]; ok {
				for _, x := range jsonList(e) {
					if x == nil {
						t.Errorf("%s: null inside an enum", path)
					}
				}
				component := strings.HasPrefix(path, "/components/schemas/") && strings.Count(path, "/") == 3
				if !component && !strings.Contains(path, "/sort/") && !strings.HasPrefix(path, "/components/headers/") {
					t.Errorf("%s: an inline enum; use the enumeration's component", path)
				}
			}
			for k, c := range v {
				if p, ok := c.(map[string]any); ok && p["name"] != nil && k != "schema" {
					k = fmt.Sprint(p["name"])
				}
				walk(path+"/"+k, c)
			}
		case []any:
			for _, c := range v {
				if p, ok := c.(map[string]any); ok && p["name"] != nil {
					walk(path+"/"+fmt.Sprint(p["name"]), c)
					continue
				}
				walk(path+"/[]", c)
			}
		}
	}
	walk("", doc)
}

func strs[T ~string](vals []T) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return out
}

// The endpoints of docs/API.md's core table, as the contract fixes them.
var coreEndpoints = []string{
	"GET /healthz", "GET /readyz",
	"POST /api/v1/customers", "GET /api/v1/customers", "GET /api/v1/customers/{id}",
	"PATCH /api/v1/customers/{id}", "POST /api/v1/customers/{id}/archive", "POST /api/v1/customers/{id}/unarchive",
	"DELETE /api/v1/customers/{id}", "GET /api/v1/customers/{id}/contacts", "POST /api/v1/customers/{id}/contacts",
	"GET /api/v1/contacts", "GET /api/v1/contacts/{id}", "PATCH /api/v1/contacts/{id}", "DELETE /api/v1/contacts/{id}",
	"POST /api/v1/contacts/{id}/archive", "POST /api/v1/contacts/{id}/unarchive",
	"POST /api/v1/locations", "GET /api/v1/locations", "GET /api/v1/locations/{id}", "PATCH /api/v1/locations/{id}",
	"DELETE /api/v1/locations/{id}", "POST /api/v1/locations/{id}/archive", "POST /api/v1/locations/{id}/unarchive",
	"POST /api/v1/assets", "GET /api/v1/assets", "GET /api/v1/assets/{id}", "PATCH /api/v1/assets/{id}",
	"DELETE /api/v1/assets/{id}", "POST /api/v1/assets/{id}/archive", "POST /api/v1/assets/{id}/unarchive",
	"GET /api/v1/assets/{id}/movements",
	"GET /api/v1/audit", "GET /api/v1/audit.csv",
	"GET /api/v1/me", "GET /api/v1/account", "PATCH /api/v1/account",
	"GET /api/v1/api-keys", "POST /api/v1/api-keys", "DELETE /api/v1/api-keys/{id}",
	"GET /api/v1/openapi.json",
	"GET /api/v1/groups", "POST /api/v1/groups", "GET /api/v1/groups/{id}", "PATCH /api/v1/groups/{id}",
	"DELETE /api/v1/groups/{id}", "POST /api/v1/groups/{id}/archive", "POST /api/v1/groups/{id}/unarchive",
	"POST /api/v1/groups/{id}/assets", "DELETE /api/v1/groups/{id}/assets",
	"POST /api/v1/groups/{id}/users", "DELETE /api/v1/groups/{id}/users",
}

func TestRouteTableCoversTheContract(t *testing.T) {
	fs := newFakeServer(t, Options{})
	byPattern := map[string]route{}
	for _, rt := range fs.srv.routes {
		byPattern[rt.method+" "+rt.path] = rt
	}
	for _, e := range coreEndpoints {
		if _, ok := byPattern[e]; !ok {
			t.Errorf("%s is in API.md but not served", e)
		}
	}
	for pattern, rt := range byPattern {
		// Changes to stored objects honour If-Match; API keys have no version, and a group's
		// members and an asset's shares are sets that adding and removing change in any order
		// (no lost update).
		members := strings.HasSuffix(rt.path, "/{id}/assets") || strings.HasSuffix(rt.path, "/{id}/users") ||
			strings.HasSuffix(rt.path, "/shares/{account_id}")
		change := (rt.method == "PATCH" || rt.method == "DELETE" ||
			strings.HasSuffix(rt.path, "/archive") || strings.HasSuffix(rt.path, "/unarchive")) && !members
		if change && !strings.HasPrefix(rt.path, "/api/v1/api-keys") && !rt.ifMatch {
			t.Errorf("%s does not honour If-Match", pattern)
		}
		if rt.public != (pattern == "GET /healthz" || pattern == "GET /readyz" || pattern == "GET /api/v1/openapi.json") {
			t.Errorf("%s: public = %v", pattern, rt.public)
		}
		if rt.idempotent != (rt.status == 201) {
			t.Errorf("%s: a create must honour Idempotency-Key, and only a create", pattern)
		}
	}
}

// TestOpenAPITagsAreDescribed: every tag of the route table has a description (the linter in CI
// refuses an empty one).
func TestOpenAPITagsAreDescribed(t *testing.T) {
	fs := newFakeServer(t, Options{})
	for _, rt := range fs.srv.routes {
		if tagDescriptions[rt.tag] == "" {
			t.Errorf("%s %s: tag %q has no description in tagDescriptions", rt.method, rt.path, rt.tag)
		}
	}
}
