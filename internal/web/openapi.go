package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/steward-fleet/steward/internal/steward"
)

// serveOpenAPI serves the OpenAPI document generated at start-up.
func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) error {
	writeBody(w, http.StatusOK, s.openapi)
	return nil
}

// openAPIDescription introduces the document; the conventions it names are docs/API.md's.
const openAPIDescription = `Steward's HTTP API. JSON bodies in snake_case; times are RFC 3339 UTC with microseconds.
Authenticate with "Authorization: Bearer <api key>". Errors are application/problem+json with one
"errors" entry per bad field. Single objects carry a strong ETag; PATCH, DELETE, archive and
unarchive honour If-Match (412 when stale). PATCH bodies are JSON Merge Patches (RFC 7396): only
the members sent change, null clears. Creates honour Idempotency-Key. Lists page with limit and
cursor and answer {"data": [...], "next_cursor": "..."|null}; unknown query parameters are 422.`

// openAPIDocument generates the OpenAPI 3.1 document of routes, with JSON Schemas derived from
// the Go types the handlers decode and encode.
func openAPIDocument(routes []route) ([]byte, error) {
	g := &schemaGen{
		components: map[string]any{},
		names:      map[reflect.Type]string{},
		patches:    map[reflect.Type]string{},
		input:      map[reflect.Type]bool{},
	}
	for _, rt := range routes {
		if rt.body != nil {
			g.markInput(reflect.TypeOf(rt.body))
		}
	}
	problemSchema := g.schema(reflect.TypeFor[problem]())

	paths := map[string]map[string]any{}
	var tags []any
	seenTag := map[string]bool{}
	for _, rt := range routes {
		if !seenTag[rt.tag] {
			seenTag[rt.tag] = true
			tags = append(tags, map[string]any{"name": rt.tag})
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = g.operation(rt)
	}
	if g.err != nil {
		return nil, g.err
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Steward API",
			"version":     "1",
			"description": openAPIDescription,
		},
		"tags":     tags,
		"paths":    paths,
		"security": []any{map[string]any{"bearerAuth": []any{}}},
		"components": map[string]any{
			"schemas": g.components,
			"securitySchemes": map[string]any{
				"bearerAuth": map[string]any{"type": "http", "scheme": "bearer",
					"description": "An API key (stw_…), created with `steward apikey create` or POST /api/v1/api-keys."},
			},
			"headers": map[string]any{
				"RequestId": map[string]any{"description": "The request's id, as logged; named in every 5xx body.",
					"schema": map[string]any{"type": "string"}},
			},
			"responses": map[string]any{
				"Problem": map[string]any{
					"description": "An error, as an RFC 9457 problem detail.",
					"headers":     map[string]any{"X-Request-Id": map[string]any{"$ref": "#/components/headers/RequestId"}},
					"content":     map[string]any{"application/problem+json": map[string]any{"schema": problemSchema}},
				},
			},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

// pathParams finds the {name} wildcards of a ServeMux pattern path.
var pathParams = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// operation describes one route.
func (g *schemaGen) operation(rt route) map[string]any {
	op := map[string]any{"operationId": rt.id, "summary": rt.summary, "tags": []any{rt.tag}}
	if rt.public {
		op["security"] = []any{}
	}
	var params []any
	for _, m := range pathParams.FindAllStringSubmatch(rt.path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true,
			"schema": map[string]any{"type": "string"}})
	}
	for _, p := range rt.query {
		s := map[string]any{"type": p.typ}
		if p.format != "" {
			s["format"] = p.format
		}
		if len(p.enum) > 0 {
			s["enum"] = p.enum
		}
		q := map[string]any{"name": p.name, "in": "query", "schema": s}
		if p.description != "" {
			q["description"] = p.description
		}
		params = append(params, q)
	}
	if rt.ifMatch {
		params = append(params, map[string]any{"name": "If-Match", "in": "header", "schema": map[string]any{"type": "string"},
			"description": `The ETag the change is based on ("3"); 412 when the object changed since. * or absent: no check.`})
	}
	if rt.idempotent {
		params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header",
			"schema":      map[string]any{"type": "string", "minLength": 1, "maxLength": maxIdempotencyKeyLen},
			"description": "Printable ASCII, unique per request, scoped to the caller: a retry with the same key and body within 24 h replays the first response (header Idempotent-Replayed: true)."})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}

	if rt.body != nil {
		schema := g.schema(reflect.TypeOf(rt.body))
		if len(rt.required) > 0 {
			schema = map[string]any{"allOf": []any{schema, map[string]any{"required": rt.required}}}
		}
		content := map[string]any{"application/json": map[string]any{"schema": schema}}
		desc := "The object's fields."
		if rt.method == http.MethodPatch {
			schema = g.patchRef(reflect.TypeOf(rt.body))
			content = map[string]any{
				"application/merge-patch+json": map[string]any{"schema": schema},
				"application/json":             map[string]any{"schema": schema},
			}
			desc = "A JSON Merge Patch: only the members sent change, null clears an optional field, nested objects merge line by line."
		}
		op["requestBody"] = map[string]any{"required": true, "description": desc, "content": content}
	}

	status := rt.status
	if status == 0 {
		status = http.StatusOK
	}
	ok := map[string]any{"description": http.StatusText(status)}
	headers := map[string]any{"X-Request-Id": map[string]any{"$ref": "#/components/headers/RequestId"}}
	if status == http.StatusCreated {
		headers["Location"] = map[string]any{"description": "The new object's URL.", "schema": map[string]any{"type": "string"}}
	}
	switch {
	case rt.contentType != "":
		ok["content"] = map[string]any{rt.contentType: map[string]any{"schema": map[string]any{"type": "string"}}}
	case rt.response != nil:
		t := reflect.TypeOf(rt.response)
		if versioned(t) {
			headers["ETag"] = map[string]any{"description": "The strong ETag of the stored version, for If-Match.",
				"schema": map[string]any{"type": "string"}}
		}
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(t)}}
	}
	ok["headers"] = headers
	problemRef := map[string]any{"$ref": "#/components/responses/Problem"}
	responses := map[string]any{strconv.Itoa(status): ok, "default": problemRef}
	if !rt.public {
		responses["401"] = problemRef
		responses["403"] = problemRef
	}
	if strings.Contains(rt.path, "{") {
		responses["404"] = problemRef
	}
	if rt.body != nil || len(rt.query) > 0 || rt.idempotent {
		responses["422"] = problemRef
	}
	if rt.body != nil {
		responses["400"] = problemRef
		responses["413"] = problemRef
	}
	if rt.ifMatch {
		responses["412"] = problemRef
	}
	if rt.idempotent || rt.method == http.MethodDelete {
		responses["409"] = problemRef
	}
	op["responses"] = responses
	return op
}

// versioned reports whether t is a stored object whose responses carry an ETag: it embeds Meta.
func versioned(t reflect.Type) bool {
	if t.Kind() != reflect.Struct {
		return false
	}
	for i := range t.NumField() {
		if f := t.Field(i); f.Anonymous && f.Type == reflect.TypeFor[steward.Meta]() {
			return true
		}
	}
	return false
}

// enumValues lists the values of the domain's enumerated string types.
var enumValues = map[reflect.Type][]string{
	reflect.TypeFor[steward.CustomerType](): customerTypeNames(),
	reflect.TypeFor[steward.ContactKind](): {string(steward.ContactPerson), string(steward.ContactDepartment),
		string(steward.ContactCallCentre)},
	reflect.TypeFor[steward.Role](): {string(steward.RoleAdmin), string(steward.RoleFleetAdmin),
		string(steward.RoleUser), string(steward.RoleTechnician)},
	reflect.TypeFor[steward.ActorType](): {string(steward.ActorUser), string(steward.ActorAPIKey),
		string(steward.ActorImport), string(steward.ActorSystem)},
	reflect.TypeFor[steward.Source](): {string(steward.SourceWeb), string(steward.SourceAPI),
		string(steward.SourceImport), string(steward.SourceSystem)},
	reflect.TypeFor[steward.AccountKind](): {string(steward.AccountInternal), string(steward.AccountExternal)},
	reflect.TypeFor[steward.Status](): {string(steward.StatusActive), string(steward.StatusArchived),
		string(steward.StatusAll)},
}

// schemaGen derives JSON Schemas (2020-12, as OpenAPI 3.1 uses) from Go types by reflection,
// following encoding/json: json tags name properties, embedded structs are flattened, pointers
// are nullable, a Timestamp is a date-time string, an interface is any value. Named structs
// become components; a name is taken once.
type schemaGen struct {
	components map[string]any
	names      map[reflect.Type]string // component names of types
	patches    map[reflect.Type]string // component names of types' merge patch forms
	input      map[reflect.Type]bool   // reachable from a request body
	err        error
}

var (
	timestampType  = reflect.TypeFor[steward.Timestamp]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	marshalerType  = reflect.TypeFor[json.Marshaler]()
)

// markInput records the struct types a request body can hold: their schemas refuse unknown
// members (as DecodeJSON does) and require nothing, since a create's required fields are stated
// per operation and a merge patch requires none.
func (g *schemaGen) markInput(t reflect.Type) {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		g.markInput(t.Elem())
	case reflect.Struct:
		if t == timestampType || g.input[t] {
			return
		}
		g.input[t] = true
		for i := range t.NumField() {
			g.markInput(t.Field(i).Type)
		}
	}
}

func (g *schemaGen) fail(format string, args ...any) map[string]any {
	if g.err == nil {
		g.err = fmt.Errorf(format, args...)
	}
	return map[string]any{}
}

// schema returns the schema of t: a reference for a named struct, else inline.
func (g *schemaGen) schema(t reflect.Type) map[string]any {
	if t.Kind() == reflect.Pointer {
		return nullable(g.schema(t.Elem()))
	}
	switch t {
	case timestampType:
		return map[string]any{"type": "string", "format": "date-time"}
	case rawMessageType:
		return map[string]any{}
	}
	if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
		return g.fail("%v has its own JSON encoding; describe it in openapi.go", t)
	}
	switch t.Kind() {
	case reflect.String:
		s := map[string]any{"type": "string"}
		if e, ok := enumValues[t]; ok {
			s["enum"] = e
		}
		return s
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return map[string]any{"type": "integer"}
	case reflect.Int64, reflect.Uint, reflect.Uint64:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return g.fail("%v: only maps with string keys encode as JSON objects", t)
		}
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		return g.ref(t)
	}
	return g.fail("%v: kind %v has no JSON form", t, t.Kind())
}

// ref returns a reference to t's component, generating it the first time.
func (g *schemaGen) ref(t reflect.Type) map[string]any {
	name, ok := g.names[t]
	if !ok {
		name = schemaName(t)
		if _, taken := g.components[name]; taken {
			return g.fail("schema name %s taken twice (by %v)", name, t)
		}
		g.names[t] = name
		g.components[name] = map[string]any{} // a placeholder, so recursive types terminate
		g.components[name] = g.object(t)
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// patchRef returns a reference to the JSON Merge Patch form of struct type t (component
// <Name>Patch): the same members, each of them nullable (null clears it), nested structs in
// their patch form too.
func (g *schemaGen) patchRef(t reflect.Type) map[string]any {
	name, ok := g.patches[t]
	if !ok {
		name = schemaName(t) + "Patch"
		if _, taken := g.components[name]; taken {
			return g.fail("schema name %s taken twice (the patch of %v)", name, t)
		}
		g.patches[t] = name
		g.components[name] = map[string]any{}
		props := map[string]any{}
		g.patchFields(t, props)
		g.components[name] = map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func (g *schemaGen) patchFields(t reflect.Type, props map[string]any) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			g.patchFields(ft, props)
			continue
		}
		if name == "" {
			name = f.Name
		}
		if ft.Kind() == reflect.Struct && ft.Name() != "" && ft != timestampType {
			props[name] = nullable(g.patchRef(ft))
		} else {
			props[name] = nullable(g.schema(f.Type))
		}
	}
}

// object is the schema of a struct type.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	input := g.input[t]
	g.fields(t, input, props, &required)
	s := map[string]any{"type": "object", "properties": props}
	if input {
		s["additionalProperties"] = false
	}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// fields adds t's JSON members to props, flattening embedded structs as encoding/json does.
// In an output type every member without omitempty is always present, so required.
func (g *schemaGen) fields(t reflect.Type, input bool, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(ft, input, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, dup := props[name]; dup {
			g.fail("%v: member %q appears twice", t, name)
			continue
		}
		props[name] = g.schema(f.Type)
		optional := false
		for o := range strings.SplitSeq(opts, ",") {
			optional = optional || o == "omitempty" || o == "omitzero"
		}
		if !input && !optional {
			*required = append(*required, name)
		}
	}
}

// nullable lets s also be null.
func nullable(s map[string]any) map[string]any {
	if len(s) == 0 { // any value: null included
		return s
	}
	if typ, ok := s["type"].(string); ok {
		n := make(map[string]any, len(s))
		for k, v := range s {
			n[k] = v
		}
		n["type"] = []any{typ, "null"}
		if e, ok := s["enum"].([]string); ok {
			vals := make([]any, 0, len(e)+1)
			for _, v := range e {
				vals = append(vals, v)
			}
			n["enum"] = append(vals, nil)
		}
		return n
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

// schemaName names t's component: its Go name, capitalised; an instance of a generic type is
// named by its type arguments then the generic's name (Page[Customer] is CustomerPage).
func schemaName(t reflect.Type) string {
	n := t.Name()
	if i := strings.IndexByte(n, '['); i >= 0 {
		var b strings.Builder
		for arg := range strings.SplitSeq(n[i+1:len(n)-1], ",") {
			b.WriteString(arg[strings.LastIndexByte(arg, '.')+1:])
		}
		n = b.String() + n[:i]
	}
	r := []rune(n)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
