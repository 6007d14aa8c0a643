package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
)

func TestProblemMapsEveryErrorCode(t *testing.T) {
	tests := []struct {
		err      error
		status   int
		typ      string
		detail   string
		fields   []string
		wwwAuthn bool
	}{
		{steward.Invalid("address.country", "must be an ISO code"), 422, "invalid", "address.country: must be an ISO code", []string{"address.country"}, false},
		{steward.Errorf(steward.EBADREQUEST, "the body is not valid JSON"), 400, "bad-request", "the body is not valid JSON", nil, false},
		{steward.Errorf(steward.EUNAUTHORIZED, "no key"), 401, "unauthorized", "no key", nil, true},
		{steward.Errorf(steward.EFORBIDDEN, "the user role may not do this"), 403, "forbidden", "the user role may not do this", nil, false},
		{steward.NotFound("customer"), 404, "not-found", "customer not found", nil, false},
		{&steward.Error{Code: steward.ECONFLICT, Message: "still referenced",
			Fields: []steward.FieldError{{Field: "locations", Message: "3 locations reference it"}}}, 409, "conflict", "still referenced", []string{"locations"}, false},
		{steward.Errorf(steward.EPRECONDITION, "stale"), 412, "precondition-failed", "stale", nil, false},
		{steward.Errorf(steward.ETOOLARGE, "too big"), 413, "too-large", "too big", nil, false},
		{&steward.Error{Code: steward.EFORBIDDEN, Kind: "externally-managed", Message: "customers are managed by the CRM"}, 403, "externally-managed", "customers are managed by the CRM", nil, false},
		{fmt.Errorf("wrapped: %w", steward.NotFound("asset")), 404, "not-found", "asset not found", nil, false},
		{steward.Errorf("no_such_code", "?"), 500, "internal", "internal error", nil, false},
		{steward.Errorf(steward.EINTERNAL, "the disk is on fire"), 500, "internal", "internal error", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.typ+"/"+tt.err.Error(), func(t *testing.T) {
			fs := newFakeServer(t, Options{})
			r := httptest.NewRequest("GET", "/api/v1/x", nil)
			rec := httptest.NewRecorder()
			withRequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fs.srv.writeError(w, r, tt.err)
			})).ServeHTTP(rec, r)
			p := readProblem(t, rec, tt.status)
			if want := "https://steward.dev/problems/" + tt.typ; p.Type != want {
				t.Errorf("type %q, want %q", p.Type, want)
			}
			if p.Detail != tt.detail {
				t.Errorf("detail %q, want %q", p.Detail, tt.detail)
			}
			if p.Title == "" {
				t.Error("title is empty")
			}
			if len(p.Errors) != len(tt.fields) {
				t.Errorf("errors %v, want fields %v", p.Errors, tt.fields)
			}
			for _, f := range tt.fields {
				if !hasFieldError(p, f) {
					t.Errorf("errors %v lack %q", p.Errors, f)
				}
			}
			if got := rec.Header().Get("WWW-Authenticate"); (got != "") != tt.wwwAuthn || (tt.wwwAuthn && !strings.HasPrefix(got, "Bearer")) {
				t.Errorf("WWW-Authenticate %q", got)
			}
		})
	}
}

func TestInternalErrorIsLoggedNotShown(t *testing.T) {
	fs := newFakeServer(t, Options{})
	r := httptest.NewRequest("GET", "/api/v1/x", nil)
	rec := httptest.NewRecorder()
	withRequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.srv.writeError(w, r, errors.New("pq: password authentication failed for user steward"))
	})).ServeHTTP(rec, r)
	p := readProblem(t, rec, 500)
	if strings.Contains(rec.Body.String(), "password") {
		t.Errorf("the real error leaked to the client: %s", rec.Body)
	}
	if p.Detail != "internal error" {
		t.Errorf("detail %q", p.Detail)
	}
	logs := fs.log.String()
	if !strings.Contains(logs, "password authentication failed") || !strings.Contains(logs, p.RequestID) {
		t.Errorf("the log should hold the real error and request id %s:\n%s", p.RequestID, logs)
	}
}

func TestUnknownAPIPathIs404Problem(t *testing.T) {
	fs := newFakeServer(t, Options{})
	for _, path := range []string{"/api/v1/nope", "/api/v2/customers", "/api/v1/customers/1/nope", "/api/v1/customers/"} {
		p := readProblem(t, fs.do("GET", path, ""), 404)
		if p.Type != "https://steward.dev/problems/not-found" {
			t.Errorf("%s: type %q", path, p.Type)
		}
	}
}

func TestWrongMethodIs405WithAllow(t *testing.T) {
	fs := newFakeServer(t, Options{})
	tests := []struct{ method, path, allow string }{
		{"PUT", "/api/v1/customers", "GET, HEAD, POST"},
		{"DELETE", "/api/v1/customers", "GET, HEAD, POST"},
		{"PUT", "/api/v1/customers/c1", "GET, HEAD, PATCH, DELETE"},
		{"GET", "/api/v1/customers/c1/archive", "POST"},
		{"POST", "/api/v1/audit.csv", "GET, HEAD"},
		{"PATCH", "/api/v1/api-keys/k1", "GET, HEAD, DELETE"},
	}
	for _, tt := range tests {
		rec := fs.do(tt.method, tt.path, "")
		readProblem(t, rec, 405)
		if got := rec.Header().Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.path, got, tt.allow)
		}
	}
}
