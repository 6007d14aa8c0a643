package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

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
unarchive honour If-Match (412 when stale), a single-object GET honours If-None-Match (304).
PATCH bodies are JSON Merge Patches (RFC 7396): only the members sent change, null clears an
optional member. Creates honour Idempotency-Key. Lists page with limit and cursor and answer
{"data": [...], "next_cursor": "..."|null}; unknown query parameters are 422.`

// The names of the headers the document declares, as components/headers keys.
const (
	hdrRequestID          = "X-Request-Id"
	hdrETag               = "ETag"
	hdrLocation           = "Location"
	hdrIdempotentReplayed = "Idempotent-Replayed"
	hdrRetryAfter         = "Retry-After"
	hdrRateLimitLimit     = "RateLimit-Limit"
	hdrRateLimitRemaining = "RateLimit-Remaining"
	hdrRateLimitReset     = "RateLimit-Reset"
)

// openAPIHeaders are the response headers the document declares, each once in
// components/headers.
var openAPIHeaders = map[string]map[string]any{
	hdrRequestID: {"description": "The request's id, as logged; named in every 5xx body.",
		"schema": map[string]any{"type": "string"}},
	hdrETag: {"description": `The strong ETag of the stored version ("3"), for If-Match and If-None-Match.`,
		"schema": map[string]any{"type": "string"}},
	hdrLocation: {"description": "The new object's URL.", "schema": map[string]any{"type": "string"}},
	hdrIdempotentReplayed: {"description": "true when this is the stored response of an earlier request with the same Idempotency-Key.",
		"schema": map[string]any{"type": "string", "enum": []any{"true"}}},
	hdrRetryAfter: {"description": "Seconds to wait before trying again.",
		"schema": map[string]any{"type": "integer", "format": "int32", "minimum": 0}},
	hdrRateLimitLimit: {"description": "The requests the bucket holds when full (the burst).",
		"schema": map[string]any{"type": "integer", "format": "int32", "minimum": 0}},
	hdrRateLimitRemaining: {"description": "The requests left in the bucket now.",
		"schema": map[string]any{"type": "integer", "format": "int32", "minimum": 0}},
	hdrRateLimitReset: {"description": "Seconds until the bucket is full again.",
		"schema": map[string]any{"type": "integer", "format": "int32", "minimum": 0}},
}

// headerRef references a declared header.
func headerRef(name string) map[string]any {
	return map[string]any{"$ref": "#/components/headers/" + name}
}

// headerRefs references the named declared headers, keyed by name.
func headerRefs(names ...string) map[string]any {
	m := make(map[string]any, len(names))
	for _, n := range names {
		m[n] = headerRef(n)
	}
	return m
}

// The error responses, as components/responses: one problem+json body, and the headers each
// kind of refusal carries.
const (
	respProblem     = "Problem"     // any refusal: X-Request-Id
	respConflict    = "Conflict"    // 409: Retry-After when an Idempotency-Key is in flight
	respRateLimited = "RateLimited" // 429: Retry-After and RateLimit-*
	respUnavailable = "Unavailable" // 503: Retry-After
	respNotModified = "NotModified" // 304: no body
)

// problemStatuses are the error statuses the document declares, with the response each uses.
var problemStatuses = map[int]string{
	http.StatusBadRequest:                  respProblem,
	http.StatusUnauthorized:                respProblem,
	http.StatusForbidden:                   respProblem,
	http.StatusNotFound:                    respProblem,
	http.StatusConflict:                    respConflict,
	http.StatusPreconditionFailed:          respProblem,
	http.StatusRequestEntityTooLarge:       respProblem,
	http.StatusRequestURITooLong:           respProblem,
	http.StatusUnsupportedMediaType:        respProblem,
	http.StatusUnprocessableEntity:         respProblem,
	http.StatusTooManyRequests:             respRateLimited,
	http.StatusRequestHeaderFieldsTooLarge: respProblem,
	http.StatusInternalServerError:         respProblem,
	http.StatusServiceUnavailable:          respUnavailable,
}

// openAPIDocument generates the OpenAPI 3.1 document of routes, with JSON Schemas derived from
// the Go types the handlers decode and encode.
func openAPIDocument(routes []route) ([]byte, error) {
	g := newSchemaGen()
	for _, rt := range routes {
		if rt.response != nil {
			g.markOutput(reflect.TypeOf(rt.response))
		}
		if rt.body != nil && rt.method != http.MethodPatch && len(rt.required) > 0 {
			g.required[reflect.TypeOf(rt.body)] = rt.required
		}
	}
	g.markOutput(reflect.TypeFor[problem]())
	problemSchema := g.schema(reflect.TypeFor[problem](), false)

	paths := map[string]map[string]any{}
	var tags []any
	seenTag := map[string]bool{}
	for _, rt := range routes {
		if !seenTag[rt.tag] {
			seenTag[rt.tag] = true
			tags = append(tags, map[string]any{"name": rt.tag, "description": tagDescriptions[rt.tag]})
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = g.operation(rt)
	}
	if g.err != nil {
		return nil, g.err
	}
	problemContent := map[string]any{"application/problem+json": map[string]any{"schema": problemSchema}}
	headers := map[string]any{}
	for name, h := range openAPIHeaders {
		headers[name] = h
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "Steward API",
			"version":     "1",
			"description": openAPIDescription,
			"license":     map[string]any{"name": "See the project's LICENSE file", "identifier": "LicenseRef-Steward"},
		},
		"servers":  []any{map[string]any{"url": "/", "description": "The server that serves this document"}},
		"tags":     tags,
		"paths":    paths,
		"security": []any{map[string]any{"bearerAuth": []any{}}},
		"components": map[string]any{
			"schemas": g.components,
			"securitySchemes": map[string]any{
				"bearerAuth": map[string]any{"type": "http", "scheme": "bearer",
					"description": "An API key (stw_…), created with `steward apikey create` or POST /api/v1/api-keys."},
			},
			"headers": headers,
			"responses": map[string]any{
				respProblem: map[string]any{
					"description": "An error, as an RFC 9457 problem detail.",
					"headers":     headerRefs(hdrRequestID),
					"content":     problemContent,
				},
				respConflict: map[string]any{
					"description": "A conflict: a unique value taken, a delete of a referenced object, or a create with the same Idempotency-Key still in progress (with Retry-After).",
					"headers":     headerRefs(hdrRequestID, hdrRetryAfter),
					"content":     problemContent,
				},
				respRateLimited: map[string]any{
					"description": "Too many requests for this API key or client address; retry after Retry-After seconds.",
					"headers":     headerRefs(hdrRequestID, hdrRetryAfter, hdrRateLimitLimit, hdrRateLimitRemaining, hdrRateLimitReset),
					"content":     problemContent,
				},
				respUnavailable: map[string]any{
					"description": "The server cannot serve now (its database is unreachable); retry later.",
					"headers":     headerRefs(hdrRequestID, hdrRetryAfter),
					"content":     problemContent,
				},
				respNotModified: map[string]any{
					"description": "The object still has the version If-None-Match names; no body.",
					"headers":     headerRefs(hdrRequestID, hdrETag),
				},
			},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

// tagDescriptions describe the route table's tags.
var tagDescriptions = map[string]string{
	"imports":       "CSV imports of customers, contacts, locations and assets: a background job with a dry run; all or nothing.",
	"health":        "Liveness, readiness and this document; no authentication.",
	"customers":     "The companies and people an account sells to, rents to or serves.",
	"contacts":      "Ways to reach a customer.",
	"locations":     "Customers' sites and the account's own places.",
	"assets":        "Machines and devices, where they are and who owns them.",
	"audit":         "The append-only log of changes.",
	"exports":       "Every list as CSV with its filters, in the columns the import reads back (docs/API.md, \"Exports\").",
	"account":       "The caller, the account and its API keys.",
	"accounts":      "The account tree below the caller's account: sub-accounts (Admins only).",
	"users":         "The account's users: invitations, roles, deactivation and password resets (Admins only).",
	"groups":        "Groups of assets and the users who see them (fleet visibility \"groups\").",
	"sharing":       "Assets shared with and transferred to other accounts of the organization, and auto-share.",
	"notifications": "Who is mailed the asset events of a customer's assets: users of the account and the customer's contacts (docs/API.md, \"Notifications\").",
	"webhooks":      "Endpoints that receive the account's change events, signed the Standard Webhooks way, and their delivery log (Admins only).",
}

// pathParams finds the {name} wildcards of a ServeMux pattern path.
var pathParams = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// statuses lists the statuses rt can answer besides its success, following docs/API.md.
func (rt route) statuses() []int {
	// Every request can fail inside (500) or meet an unreachable database (503), and every
	// request meets the transport's limits: an over-long path (414) or headers (431).
	s := []int{http.StatusInternalServerError, http.StatusServiceUnavailable,
		http.StatusRequestURITooLong, http.StatusRequestHeaderFieldsTooLarge}
	if rt.path == "/healthz" || rt.path == "/readyz" {
		slices.Sort(s)
		return s // probes: exempt from rate limits, any query accepted
	}
	// On every API request: a malformed query or two Authorization headers (400), rate limits
	// (429), and query parameters the route does not know (422).
	s = append(s, http.StatusBadRequest, http.StatusTooManyRequests, http.StatusUnprocessableEntity)
	if !rt.public {
		s = append(s, http.StatusUnauthorized, http.StatusForbidden)
	}
	if strings.Contains(rt.path, "{") {
		s = append(s, http.StatusNotFound)
	}
	if rt.body != nil {
		s = append(s, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	if rt.ifMatch {
		s = append(s, http.StatusPreconditionFailed)
	}
	// A unique value taken (create, change), a referenced object (delete of a stored object; an
	// API key's revocation cannot conflict), an Idempotency-Key in flight (create).
	if rt.idempotent || (rt.method == http.MethodDelete && rt.ifMatch) || rt.method == http.MethodPatch || rt.conflict {
		s = append(s, http.StatusConflict)
	}
	slices.Sort(s)
	return s
}

// conditionalGet reports whether rt is a single-object GET that answers If-None-Match with 304.
func (rt route) conditionalGet() bool {
	return rt.method == http.MethodGet && rt.response != nil && versioned(reflect.TypeOf(rt.response))
}

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
		// The server takes an empty value as the parameter left out (limit= is the default page).
		q := map[string]any{"name": p.name, "in": "query", "schema": g.paramSchema(p), "allowEmptyValue": true}
		if p.description != "" {
			q["description"] = p.description
		}
		params = append(params, q)
	}
	if rt.ifMatch {
		params = append(params, map[string]any{"name": "If-Match", "in": "header", "schema": map[string]any{"type": "string"},
			"description": `The ETag the change is based on ("3"); 412 when the object changed since. * or absent: no check.`})
	}
	if rt.conditionalGet() {
		params = append(params, map[string]any{"name": "If-None-Match", "in": "header", "schema": map[string]any{"type": "string"},
			"description": `The ETag of the copy the client holds ("3"); 304 without a body when it is still current.`})
	}
	if rt.idempotent {
		params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header",
			"schema": map[string]any{"type": "string", "minLength": 1, "maxLength": maxIdempotencyKeyLen,
				"pattern": "^[ -~]+$"}, // printable ASCII
			"description": "Printable ASCII, unique per request, scoped to the caller: a retry with the same key and body within 24 h replays the first response (header Idempotent-Replayed: true)."})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}

	if rt.body != nil {
		t := reflect.TypeOf(rt.body)
		var content map[string]any
		desc := "The object's fields."
		if rt.multipart {
			content = map[string]any{"multipart/form-data": map[string]any{"schema": g.multipartSchema(rt),
				"encoding": map[string]any{"file": map[string]any{"contentType": "text/csv, application/octet-stream"}}}}
			desc = "kind and dry_run, then file (the caller's right to import the kind is checked before the file is read)."
		} else if rt.method != http.MethodPatch {
			content = map[string]any{"application/json": map[string]any{"schema": g.schema(t, true)}}
		} else {
			schema := g.patchRef(t, append(slices.Clip(g.required[t]), rt.required...))
			content = map[string]any{
				"application/merge-patch+json": map[string]any{"schema": schema},
				"application/json":             map[string]any{"schema": schema},
			}
			desc = "A JSON Merge Patch: only the members sent change, null clears an optional member, nested objects merge line by line."
		}
		op["requestBody"] = map[string]any{"required": true, "description": desc, "content": content}
	}

	status := rt.status
	if status == 0 {
		status = http.StatusOK
	}
	ok := map[string]any{"description": http.StatusText(status)}
	headers := headerRefs(hdrRequestID)
	if status == http.StatusCreated || status == http.StatusAccepted { // the new object; the queued job
		headers[hdrLocation] = headerRef(hdrLocation)
	}
	if rt.idempotent {
		headers[hdrIdempotentReplayed] = headerRef(hdrIdempotentReplayed)
	}
	switch {
	case rt.contentType != "":
		ok["content"] = map[string]any{rt.contentType: map[string]any{"schema": map[string]any{"type": "string"}}}
	case rt.response != nil:
		t := reflect.TypeOf(rt.response)
		if versioned(t) {
			headers[hdrETag] = headerRef(hdrETag)
		}
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.schema(t, false)}}
	}
	ok["headers"] = headers
	responses := map[string]any{strconv.Itoa(status): ok}
	if rt.conditionalGet() {
		responses[strconv.Itoa(http.StatusNotModified)] = map[string]any{"$ref": "#/components/responses/" + respNotModified}
	}
	for _, st := range rt.statuses() {
		responses[strconv.Itoa(st)] = map[string]any{"$ref": "#/components/responses/" + problemStatuses[st]}
	}
	op["responses"] = responses
	return op
}

// multipartSchema is the schema of a multipart/form-data body (an import's): its fields, the
// file as binary content.
func (g *schemaGen) multipartSchema(rt route) map[string]any {
	return map[string]any{"type": "object", "required": rt.required,
		"properties": map[string]any{
			"kind":    g.schema(reflect.TypeFor[steward.ImportKind](), true),
			"dry_run": map[string]any{"type": "boolean", "description": "true: check every row and write nothing"},
			"file": map[string]any{"type": "string", "contentMediaType": "text/csv",
				"description": fmt.Sprintf("UTF-8 CSV, comma- or semicolon-separated, at most the server's import limit (default %d MiB)",
					steward.DefaultMaxImportBytes>>20)},
		}}
}

// paramSchema is the schema of a query parameter.
func (g *schemaGen) paramSchema(p param) map[string]any {
	if p.of != nil {
		return g.schema(p.of, true)
	}
	s := map[string]any{"type": p.typ}
	if p.format != "" {
		s["format"] = p.format
	}
	if len(p.enum) > 0 {
		s["enum"] = p.enum
	}
	if p.maxLength > 0 {
		s["maxLength"] = p.maxLength
	}
	if p.max > 0 {
		s["minimum"], s["maximum"] = p.min, p.max
	}
	return s
}

// versioned reports whether t is a stored object whose responses carry an ETag: it embeds Meta.
func versioned(t reflect.Type) bool {
	if t.Kind() != reflect.Struct {
		return false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && (f.Type == reflect.TypeFor[steward.Meta]() || versioned(f.Type)) {
			return true
		}
		// A type without Meta that keeps its own version (a user).
		if f.Name == "Version" && f.Type.Kind() == reflect.Int64 && f.Tag.Get("json") == "-" {
			return true
		}
	}
	return false
}
