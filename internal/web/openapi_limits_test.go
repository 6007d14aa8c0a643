package web

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
)

// limitProbe is a way to set one member of a request body: the body type, the JSON around the
// member, and the field name the domain reports.
type limitProbe struct {
	body  reflect.Type
	field string
	wrap  func(member string, value any) map[string]any
}

// probes lists where each struct of fieldLimits is validated: a top-level body, or Address
// inside a customer's body.
func limitProbes(t reflect.Type, member string) (limitProbe, bool) {
	if t == reflect.TypeFor[steward.Address]() {
		return limitProbe{body: reflect.TypeFor[steward.CustomerFields](), field: "address." + member,
			wrap: func(m string, v any) map[string]any {
				return map[string]any{"name": "n", "address": map[string]any{m: v}}
			}}, true
	}
	if !reflect.PointerTo(t).Implements(reflect.TypeFor[normalizer]()) {
		return limitProbe{}, false
	}
	return limitProbe{body: t, field: member, wrap: func(m string, v any) map[string]any {
		body := map[string]any{"name": "n"}
		body[m] = v
		return body
	}}, true
}

// violation normalizes the body and returns the message the domain gives field, or "".
func (p limitProbe) violation(t *testing.T, member string, value any) string {
	t.Helper()
	raw, _ := json.Marshal(p.wrap(member, value))
	v := reflect.New(p.body)
	if err := json.Unmarshal(raw, v.Interface()); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	err := v.Interface().(normalizer).Normalize()
	if err == nil {
		return ""
	}
	se, ok := err.(*steward.Error)
	if !ok {
		t.Fatalf("%s: %v", raw, err)
	}
	for _, f := range se.Fields {
		if f.Field == p.field {
			return f.Message
		}
	}
	return ""
}

// Every limit the document states is the one the domain enforces: a value at the limit passes
// the domain's validation as far as that limit goes, one beyond it is refused naming the limit.
func TestOpenAPILimitsAreTheDomains(t *testing.T) {
	n := 0
	for typ, members := range fieldLimits() {
		for member, l := range members {
			p, ok := limitProbes(typ, member)
			if !ok {
				continue // a response-only limit (a page's maxItems)
			}
			if max, ok := l["maxLength"].(int); ok {
				n++
				if msg := p.violation(t, member, strings.Repeat("a", max)); strings.Contains(msg, "at most") {
					t.Errorf("%v.%s: %d characters refused (%s), the document allows them", typ, member, max, msg)
				}
				// One more is refused; a text limit is named, an id is just not an id.
				msg := p.violation(t, member, strings.Repeat("a", max+1))
				if msg == "" || (strings.Contains(msg, "at most") != strings.Contains(msg, strconv.Itoa(max))) ||
					(!strings.HasSuffix(member, "_id") && !strings.Contains(msg, "at most")) {
					t.Errorf("%v.%s: %d characters give %q, want a refusal naming the limit %d", typ, member, max+1, msg, max)
				}
			}
			if min, ok := l["minimum"].(int); ok {
				max := l["maximum"].(int)
				n++
				for _, v := range []int{min, max} {
					if msg := p.violation(t, member, v); msg != "" && !strings.Contains(msg, "required") {
						t.Errorf("%v.%s = %d refused (%s), the document allows it", typ, member, v, msg)
					}
				}
				for _, v := range []int{min - 1, max + 1} {
					msg := p.violation(t, member, v)
					if !strings.Contains(msg, strconv.Itoa(min)) || !strings.Contains(msg, strconv.Itoa(max)) {
						t.Errorf("%v.%s = %d gives %q, want the range %d to %d", typ, member, v, msg, min, max)
					}
				}
			}
		}
	}
	if n < 30 {
		t.Errorf("only %d limits probed", n)
	}
}

// No text member of a request body is without a maxLength (enumerations aside, which are
// references; a country is checked as a code, a time by its format).
func TestOpenAPIRequestTextIsBounded(t *testing.T) {
	fs := newFakeServer(t, Options{})
	doc := fetchOpenAPI(t, fs)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	checked := 0
	for name, s := range schemas {
		s := s.(map[string]any)
		if s["additionalProperties"] != false { // request bodies refuse unknown members
			continue
		}
		for member, p := range s["properties"].(map[string]any) {
			p := p.(map[string]any)
			isText := p["type"] == "string" || slices.Contains(jsonList(p["type"]), any("string"))
			if !isText || member == "country" || p["format"] == "date-time" {
				continue
			}
			checked++
			if _, ok := p["maxLength"]; !ok {
				t.Errorf("%s.%s: a text member without maxLength", name, member)
			}
		}
	}
	if checked < 40 {
		t.Errorf("only %d text members checked", checked)
	}
}

// Every integer and number in the document says its format (int32, int64, double), so a
// generated client neither overflows a count nor rounds a coordinate.
func TestOpenAPINumbersHaveFormats(t *testing.T) {
	fs := newFakeServer(t, Options{})
	doc := fetchOpenAPI(t, fs)
	seen := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			types := jsonList(v["type"])
			if s, ok := v["type"].(string); ok {
				types = []any{s}
			}
			if slices.Contains(types, any("integer")) || slices.Contains(types, any("number")) {
				seen++
				f, _ := v["format"].(string)
				if !slices.Contains([]string{"int32", "int64", "double"}, f) {
					t.Errorf("%s: %v without an int32, int64 or double format", path, v)
				}
			}
			for k, c := range v {
				walk(path+"/"+k, c)
			}
		case []any:
			for i, c := range v {
				walk(path+"/"+strconv.Itoa(i), c)
			}
		}
	}
	walk("", doc)
	if seen < 20 {
		t.Errorf("only %d numbers seen", seen)
	}
}

// Statuses and headers as docs/API.md has them, spot-checked per kind of route.
func TestOpenAPIDeclaresStatusesAndHeaders(t *testing.T) {
	fs := newFakeServer(t, Options{})
	doc := fetchOpenAPI(t, fs)
	paths := doc["paths"].(map[string]any)
	responses := func(path, method string) map[string]any {
		t.Helper()
		return paths[path].(map[string]any)[method].(map[string]any)["responses"].(map[string]any)
	}
	statuses := func(path, method string) []string {
		var out []string
		for code := range responses(path, method) {
			out = append(out, code)
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		path, method string
		want         []string
	}{
		{"/healthz", "get", []string{"200", "414", "431", "500", "503"}},
		{"/api/v1/openapi.json", "get", []string{"200", "400", "414", "422", "429", "431", "500", "503"}},
		{"/api/v1/customers", "get", []string{"200", "400", "401", "403", "414", "422", "429", "431", "500", "503"}},
		{"/api/v1/customers", "post", []string{"201", "400", "401", "403", "409", "413", "414", "415", "422", "429", "431", "500", "503"}},
		{"/api/v1/customers/{id}", "get", []string{"200", "304", "400", "401", "403", "404", "414", "422", "429", "431", "500", "503"}},
		{"/api/v1/customers/{id}", "patch", []string{"200", "400", "401", "403", "404", "409", "412", "413", "414", "415", "422", "429", "431", "500", "503"}},
		{"/api/v1/customers/{id}", "delete", []string{"204", "400", "401", "403", "404", "409", "412", "414", "422", "429", "431", "500", "503"}},
		{"/api/v1/customers/{id}/archive", "post", []string{"200", "400", "401", "403", "404", "412", "414", "422", "429", "431", "500", "503"}},
		{"/api/v1/api-keys/{id}", "delete", []string{"204", "400", "401", "403", "404", "414", "422", "429", "431", "500", "503"}},
	} {
		if got := statuses(tc.path, tc.method); !slices.Equal(got, tc.want) {
			t.Errorf("%s %s declares %v, want %v", tc.method, tc.path, got, tc.want)
		}
	}
	headers := func(resp map[string]any) []string {
		if ref, ok := resp["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/components/responses/")
			resp = doc["components"].(map[string]any)["responses"].(map[string]any)[name].(map[string]any)
		}
		var out []string
		for h := range resp["headers"].(map[string]any) {
			out = append(out, h)
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		path, method, status string
		want                 []string
	}{
		{"/api/v1/customers", "post", "201", []string{"ETag", "Idempotent-Replayed", "Location", "X-Request-Id"}},
		{"/api/v1/api-keys", "post", "201", []string{"Idempotent-Replayed", "Location", "X-Request-Id"}},
		{"/api/v1/customers", "get", "200", []string{"X-Request-Id"}},
		{"/api/v1/customers/{id}", "get", "200", []string{"ETag", "X-Request-Id"}},
		{"/api/v1/customers/{id}", "get", "304", []string{"ETag", "X-Request-Id"}},
		{"/api/v1/customers", "get", "429", []string{"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After", "X-Request-Id"}},
		{"/api/v1/customers", "post", "409", []string{"Retry-After", "X-Request-Id"}},
		{"/api/v1/customers", "get", "503", []string{"Retry-After", "X-Request-Id"}},
		{"/api/v1/customers", "get", "422", []string{"X-Request-Id"}},
	} {
		if got := headers(responses(tc.path, tc.method)[tc.status].(map[string]any)); !slices.Equal(got, tc.want) {
			t.Errorf("%s %s %s declares headers %v, want %v", tc.method, tc.path, tc.status, got, tc.want)
		}
	}
}
