package web

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/steward-fleet/steward/internal/steward"
)

func TestRequestIDOnEveryResponse(t *testing.T) {
	fs := newFakeServer(t, Options{})
	generated := regexp.MustCompile(`^[0-9a-f]{32}$`)
	tests := []struct {
		name, incoming string
		adopted        bool
	}{
		{"none", "", false},
		{"sane", "abc-123_X.y", true},
		{"longest sane", strings.Repeat("a", 100), true},
		{"too long", strings.Repeat("a", 101), false},
		{"bad characters", "abc def", false},
		{"markup", "<script>", false},
	}
	for _, tt := range tests {
		for _, path := range []string{"/healthz", "/api/v1/customers", "/api/v1/nope"} {
			var rec *httptest.ResponseRecorder
			if tt.incoming == "" {
				rec = fs.do("GET", path, "")
			} else {
				rec = fs.do("GET", path, "", "X-Request-Id", tt.incoming)
			}
			got := rec.Header().Get("X-Request-Id")
			if tt.adopted && got != tt.incoming {
				t.Errorf("%s %s: X-Request-Id %q, want the incoming %q", tt.name, path, got, tt.incoming)
			}
			if !tt.adopted && !generated.MatchString(got) {
				t.Errorf("%s %s: X-Request-Id %q, want a generated id", tt.name, path, got)
			}
		}
	}
	a, b := fs.do("GET", "/healthz", ""), fs.do("GET", "/healthz", "")
	if a.Header().Get("X-Request-Id") == b.Header().Get("X-Request-Id") {
		t.Error("two requests got the same generated id")
	}
}

func TestRequestIsLogged(t *testing.T) {
	fs := newFakeServer(t, Options{})
	fs.do("GET", "/api/v1/customers?limit=5", "", "X-Request-Id", "req-log-1")
	var line map[string]any
	for l := range strings.SplitSeq(strings.TrimSpace(fs.log.String()), "\n") {
		if strings.Contains(l, `"request_id":"req-log-1"`) && strings.Contains(l, `"msg":"request"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if line == nil {
		t.Fatalf("no request log line for req-log-1:\n%s", fs.log)
	}
	want := map[string]any{"method": "GET", "path": "/api/v1/customers", "status": float64(200),
		"route": "GET /api/v1/customers", "actor_id": "key-admin", "account_id": "acc-1"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log %s = %v, want %v", k, line[k], v)
		}
	}
	for _, k := range []string{"bytes", "duration", "remote"} {
		if _, ok := line[k]; !ok {
			t.Errorf("log line lacks %s: %v", k, line)
		}
	}
}

func TestBodyOverLimitIs413(t *testing.T) {
	fs := newFakeServer(t, Options{MaxBodyBytes: 100})
	body := `{"name":"` + strings.Repeat("a", 100) + `"}`
	// Content-Length says it.
	readProblem(t, fs.do("POST", "/api/v1/customers", body), 413)
	// A chunked body without a length is cut off while read.
	req := httptest.NewRequest("POST", "/api/v1/customers", io.MultiReader(strings.NewReader(body)))
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+fakeAdminKey)
	rec := httptest.NewRecorder()
	fs.srv.ServeHTTP(rec, req)
	readProblem(t, rec, 413)
	readProblem(t, fs.do("PATCH", "/api/v1/customers/c1", body), 413)
	if fs.svc.creates != 0 {
		t.Errorf("%d creates ran for refused bodies", fs.svc.creates)
	}
}

func TestDefaultBodyLimitIsOneMiB(t *testing.T) {
	fs := newFakeServer(t, Options{})
	pad := func(n int) string { // a JSON object of exactly n bytes
		return `{"notes":"` + strings.Repeat("a", n-len(`{"notes":""}`)) + `"}`
	}
	readProblem(t, fs.do("POST", "/api/v1/customers", pad(1<<20+1)), 413)
	rec := fs.do("POST", "/api/v1/customers", pad(1<<20))
	if rec.Code == 413 {
		t.Fatalf("a body of exactly 1 MiB was refused as too large")
	}
}

func TestAuthentication(t *testing.T) {
	fs := newFakeServer(t, Options{})
	refused := []struct {
		name    string
		headers []string
	}{
		{"no credentials", []string{"Authorization", ""}},
		{"unknown key", []string{"Authorization", "", "Authorization", "Bearer stw_nope"}},
		{"empty key", []string{"Authorization", "", "Authorization", "Bearer "}},
		{"basic scheme", []string{"Authorization", "", "Authorization", "Basic " + fakeAdminKey}},
		{"bare key", []string{"Authorization", "", "Authorization", fakeAdminKey}},
		{"cookie only", []string{"Authorization", "", "Cookie", "session=" + fakeAdminKey}},
	}
	for _, tt := range refused {
		rec := fs.do("GET", "/api/v1/customers", "", tt.headers...)
		p := readProblem(t, rec, 401)
		if !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: WWW-Authenticate %q", tt.name, rec.Header().Get("WWW-Authenticate"))
		}
		if p.Type != "https://steward.dev/problems/unauthorized" {
			t.Errorf("%s: type %q", tt.name, p.Type)
		}
	}
	// Creates are refused before anything is read or claimed.
	readProblem(t, fs.do("POST", "/api/v1/customers", `{"name":"x"}`, "Authorization", "", "Idempotency-Key", "k"), 401)
	if fs.svc.creates != 0 || len(fs.svc.idem) != 0 {
		t.Error("an unauthenticated create reached the service")
	}

	rec := fs.do("GET", "/api/v1/customers", "", "Authorization", "", "Authorization", "bearer "+fakeAdminKey, "X-Request-Id", "req-auth-1")
	if rec.Code != 200 {
		t.Fatalf("a valid key (lower-case scheme): status %d %s", rec.Code, rec.Body)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on an authenticated response", cc)
	}
	a := fs.svc.lastActor
	if a == nil || a.ID != "key-admin" || a.Source != steward.SourceAPI || a.RequestID != "req-auth-1" {
		t.Errorf("the service saw actor %+v, want key-admin from the API with request id req-auth-1", a)
	}
}

func TestPanicIs500NamingTheRequest(t *testing.T) {
	fs := newFakeServer(t, Options{})
	rec := fs.do("GET", "/api/v1/customers/panic", "")
	p := readProblem(t, rec, 500)
	if p.Detail != "internal error" || strings.Contains(rec.Body.String(), "asked to panic") {
		t.Errorf("panic body: %s", rec.Body)
	}
	logs := fs.log.String()
	if !strings.Contains(logs, "the fake was asked to panic") || !strings.Contains(logs, p.RequestID) {
		t.Errorf("the panic and its request id %s should be logged:\n%s", p.RequestID, logs)
	}
	if rec := fs.do("GET", "/healthz", ""); rec.Code != 200 {
		t.Errorf("after a panic, /healthz answers %d", rec.Code)
	}
}

func TestHealth(t *testing.T) {
	fs := newFakeServer(t, Options{})
	for _, path := range []string{"/healthz", "/readyz"} {
		rec := fs.do("GET", path, "", "Authorization", "")
		if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"status":"ok"}` {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
	}
	fs.svc.pingErr = io.ErrUnexpectedEOF
	p := readProblem(t, fs.do("GET", "/readyz", "", "Authorization", ""), 503)
	if strings.Contains(p.Detail, "EOF") {
		t.Errorf("readyz leaked the error: %q", p.Detail)
	}
	if rec := fs.do("GET", "/healthz", "", "Authorization", ""); rec.Code != 200 {
		t.Errorf("healthz with the database down: %d", rec.Code)
	}
}
