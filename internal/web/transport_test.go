package web

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-fleet/steward/internal/steward"
)

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	fs := newFakeServer(t, Options{})
	for _, tt := range []struct {
		method, path string
		headers      []string
		status       int
		authed       bool
	}{
		{"GET", "/healthz", nil, 200, false},
		{"GET", "/api/v1/openapi.json", nil, 200, false},
		{"GET", "/api/v1/customers", nil, 200, true},
		{"GET", "/api/v1/customers/nope", nil, 404, true},
		{"GET", "/api/v1/nope", nil, 404, false},
		{"GET", "/nope", nil, 404, false},
		{"PUT", "/api/v1/customers", nil, 405, false},
		{"GET", "/api/v1/customers", []string{"Authorization", ""}, 401, false},
		{"POST", "/api/v1/customers", []string{"Authorization", "", "Authorization", "Bearer " + fakeUserKey}, 403, true},
	} {
		rec := fs.do(tt.method, tt.path, "", tt.headers...)
		if rec.Code != tt.status {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, rec.Code, tt.status)
		}
		h := rec.Header()
		for name, want := range map[string]string{
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
			"X-Frame-Options":         "DENY",
			"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		} {
			if got := h.Get(name); got != want {
				t.Errorf("%s %s: %s %q, want %q", tt.method, tt.path, name, got, want)
			}
		}
		if tt.authed && h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s %s: authenticated response with Cache-Control %q", tt.method, tt.path, h.Get("Cache-Control"))
		}
	}
}

func TestHomePage(t *testing.T) {
	fs := newFakeServer(t, Options{})
	rec := fs.do("GET", "/", "", "Authorization", "")
	body := rec.Body.String()
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, want := range []string{`href="/api/v1/openapi.json"`, `href="/healthz"`, "docs/API.md", "Steward"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// Its policy allows its one inline style by hash, and nothing else.
	csp := rec.Header().Get("Content-Security-Policy")
	style := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(body)
	if style == nil {
		t.Fatal("no style")
	}
	sum := sha256.Sum256([]byte(style[1]))
	if !strings.Contains(csp, "style-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") ||
		!strings.HasPrefix(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q does not allow exactly the page's style", csp)
	}
	if strings.Contains(body, "<script") || strings.Contains(body, "style=") {
		t.Error("the page uses something its policy does not allow")
	}
	if rec := fs.do("HEAD", "/", ""); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("HEAD /: %d with %d bytes", rec.Code, rec.Body.Len())
	}
	rec = fs.do("POST", "/", "")
	readProblem(t, rec, 405)
	if rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("Allow %q", rec.Header().Get("Allow"))
	}
	for _, path := range []string{"/favicon.ico", "/index.html", "/a/b/c"} {
		readProblem(t, fs.do("GET", path, ""), 404)
	}
}

func TestLongPathIs414AndLoggedShort(t *testing.T) {
	fs := newFakeServer(t, Options{})
	long := "/api/v1/customers/" + strings.Repeat("x", 900_000)
	p := readProblem(t, fs.do("GET", long, ""), 414)
	if len(p.Detail) > 200 {
		t.Errorf("detail of %d bytes", len(p.Detail))
	}
	for l := range strings.SplitSeq(fs.log.String(), "\n") {
		if len(l) > 2000 {
			t.Errorf("a log line of %d bytes", len(l))
		}
	}
	if !strings.Contains(fs.log.String(), `"status":414`) {
		t.Error("the 414 is not logged")
	}
	// The limit is the path: 4 KiB of path is still a request, and a long query is not the path.
	readProblem(t, fs.do("GET", "/api/v1/customers/"+strings.Repeat("x", MaxPathBytes-len("/api/v1/customers/")), ""), 404)
	if rec := fs.do("GET", "/api/v1/customers?q="+strings.Repeat("x", 5000), ""); rec.Code == 414 {
		t.Error("a long query string counted as a long path")
	}
	// A long unknown path is answered, and named, cut short.
	p = readProblem(t, fs.do("GET", "/"+strings.Repeat("y", 4000), ""), 404)
	if len(p.Detail) > 400 {
		t.Errorf("404 detail of %d bytes", len(p.Detail))
	}
}

func TestLargeHeadersAre431(t *testing.T) {
	fs := newFakeServer(t, Options{})
	readProblem(t, fs.do("GET", "/api/v1/customers", "", "X-Pad", strings.Repeat("p", MaxHeaderBytes)), 431)
	if rec := fs.do("GET", "/api/v1/customers", "", "X-Pad", strings.Repeat("p", 60<<10)); rec.Code != 200 {
		t.Errorf("60 KiB of headers: %d", rec.Code)
	}
	// Through the real server, a header block far over the limit never reaches a handler.
	ts := httptest.NewUnstartedServer(fs.srv)
	ts.Config = fs.srv.HTTPServer()
	ts.Start()
	defer ts.Close()
	for _, n := range []int{MaxHeaderBytes + 100, 200 << 10} {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/customers", nil)
		req.Header.Set("Authorization", "Bearer "+fakeAdminKey)
		req.Header.Set("X-Pad", strings.Repeat("p", n))
		res, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 431 {
			t.Errorf("%d bytes of headers: %d, want 431", n, res.StatusCode)
		}
	}
}

func TestHTTPServerLimits(t *testing.T) {
	srv := New(newFakeService(), nil, Options{}).HTTPServer()
	if srv.ReadHeaderTimeout != 10*time.Second || srv.ReadTimeout != 30*time.Second || srv.WriteTimeout != 30*time.Second ||
		srv.IdleTimeout != 2*time.Minute || srv.MaxHeaderBytes != 64<<10 || srv.ErrorLog == nil {
		t.Errorf("server %+v", srv)
	}
	srv = New(newFakeService(), nil, Options{ReadTimeout: time.Second, WriteTimeout: 2 * time.Second}).HTTPServer()
	if srv.ReadTimeout != time.Second || srv.WriteTimeout != 2*time.Second {
		t.Errorf("options not applied: %v %v", srv.ReadTimeout, srv.WriteTimeout)
	}
}

func TestBodyMustBeJSON(t *testing.T) {
	fs := newFakeServer(t, Options{})
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
		"application/json; charset=latin1", "application/xml", "json", "application/jsonx", ";;"} {
		p := readProblem(t, fs.do("POST", "/api/v1/customers", `{"name":"x"}`, "Content-Type", ct), 415)
		if p.Type != "https://steward.dev/problems/unsupported-media-type" {
			t.Errorf("%s: type %q", ct, p.Type)
		}
	}
	readProblem(t, fs.do("POST", "/api/v1/customers", `{"name":"x"}`, "Content-Type", "application/json", "Content-Type", "text/plain"), 415)
	readProblem(t, fs.do("PATCH", "/api/v1/customers/c1", `{"name":"x"}`, "Content-Type", "text/plain"), 415)
	if fs.svc.creates != 0 {
		t.Fatalf("%d creates ran", fs.svc.creates)
	}
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON; charset=UTF-8",
		"application/merge-patch+json", "application/vnd.steward+json", ""} {
		headers := []string{"Content-Type", ct}
		if ct == "" { // no Content-Type at all: read as JSON
			headers = nil
		}
		if rec := fs.do("POST", "/api/v1/customers", `{"name":"x"}`, headers...); rec.Code != 201 {
			t.Errorf("%q: %d %s", ct, rec.Code, rec.Body)
		}
	}
	// Authorization comes first: a key that may not write learns nothing about its body.
	readProblem(t, fs.do("POST", "/api/v1/customers", `x`, "Authorization", "", "Authorization", "Bearer "+fakeUserKey, "Content-Type", "text/plain"), 403)
	// A route without a body does not care.
	if rec := fs.do("GET", "/api/v1/customers", "", "Content-Type", "text/plain"); rec.Code != 200 {
		t.Errorf("GET with a Content-Type: %d", rec.Code)
	}
}

func TestTwoAuthorizationHeadersAre400(t *testing.T) {
	fs := newFakeServer(t, Options{})
	for _, second := range []string{"Bearer " + fakeAdminKey, "Bearer " + fakeUserKey, "Basic eDp5"} {
		p := readProblem(t, fs.do("GET", "/api/v1/customers", "", "Authorization", "Bearer "+fakeAdminKey, "Authorization", second), 400)
		if !strings.Contains(p.Detail, "one Authorization header") {
			t.Errorf("detail %q", p.Detail)
		}
	}
}

func TestIfNoneMatch(t *testing.T) {
	fs := newFakeServer(t, Options{})
	rec := fs.do("POST", "/api/v1/customers", `{"name":"Acme"}`)
	path := rec.Header().Get("Location")
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	for _, inm := range []string{etag, "W/" + etag, `"99", ` + etag, `"98",W/` + etag + ` , "97"`, "*"} {
		rec := fs.do("GET", path, "", "If-None-Match", inm)
		if rec.Code != 304 || rec.Body.Len() != 0 || rec.Header().Get("ETag") != etag || rec.Header().Get("Content-Type") != "" {
			t.Errorf("If-None-Match %s: %d ETag %q Content-Type %q body %q", inm, rec.Code, rec.Header().Get("ETag"),
				rec.Header().Get("Content-Type"), rec.Body)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("304 without the usual headers: %v", rec.Header())
		}
	}
	rec = fs.do("GET", path, "", "If-None-Match", `"99"`, "If-None-Match", etag)
	if rec.Code != 304 {
		t.Errorf("If-None-Match over two header lines: %d", rec.Code)
	}
	for _, inm := range []string{`"99"`, `W/"99"`, strings.Trim(etag, `"`), `""`, ","} {
		if rec := fs.do("GET", path, "", "If-None-Match", inm); rec.Code != 200 || rec.Body.Len() == 0 {
			t.Errorf("If-None-Match %s: %d", inm, rec.Code)
		}
	}
	readProblem(t, fs.do("GET", "/api/v1/customers/nope", "", "If-None-Match", "*"), 404)
	if rec := fs.do("GET", "/api/v1/customers", "", "If-None-Match", "*"); rec.Code != 200 {
		t.Errorf("a list with If-None-Match *: %d", rec.Code)
	}
	// Only reads: a change with If-None-Match is not turned into a 304.
	if rec := fs.do("PATCH", path, `{"name":"Acme 2"}`, "If-None-Match", "*"); rec.Code != 200 {
		t.Errorf("PATCH with If-None-Match: %d", rec.Code)
	}
}

// endlessAudit serves an audit log that never ends and counts the events taken from it.
type endlessAudit struct {
	*fakeService
	served atomic.Int64
	done   chan error
}

func (e *endlessAudit) EachAuditEvent(ctx context.Context, a *steward.Actor, f steward.AuditFilter, fn func(*steward.AuditEvent) error) error {
	ev := auditEvents()[0]
	ev.Changes = []steward.Change{{Field: "notes", New: strings.Repeat("n", 2000)}}
	var err error
	for err == nil {
		e.served.Add(1)
		err = fn(&ev)
	}
	if e.done != nil {
		e.done <- err
	}
	return err
}

func TestHeadBuildsNoBody(t *testing.T) {
	svc := &endlessAudit{fakeService: newFakeService()}
	srv := New(svc, nil, Options{})
	do := func(method, path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("Authorization", "Bearer "+fakeAdminKey)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}
	rec := do("HEAD", "/api/v1/audit.csv")
	if rec.Code != 200 || rec.Body.Len() != 0 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Errorf("HEAD audit.csv: %d %q %d bytes", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
	}
	if n := svc.served.Load(); n > 1 {
		t.Errorf("HEAD walked %d events, want at most 1", n)
	}
	if rec := do("HEAD", "/api/v1/audit.csv?source=nope"); rec.Code != 422 {
		t.Errorf("HEAD with a bad filter: %d", rec.Code)
	}
	svc.fakeService.customers["c1"] = &steward.Customer{ID: "c1", CustomerFields: steward.CustomerFields{Name: "A"}, Meta: steward.Meta{Version: 4}}
	rec = do("HEAD", "/api/v1/customers/c1")
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("ETag") != `"4"` || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("HEAD customer: %d %v %d bytes", rec.Code, rec.Header(), rec.Body.Len())
	}
	if rec := do("HEAD", "/api/v1/customers"); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("HEAD customers: %d %d bytes", rec.Code, rec.Body.Len())
	}
}

func TestStalledExportReaderIsCutOff(t *testing.T) {
	svc := &endlessAudit{fakeService: newFakeService(), done: make(chan error, 1)}
	s := New(svc, nil, Options{StreamWriteTimeout: 300 * time.Millisecond})
	hs := s.HTTPServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	defer hs.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096)
	}
	fmt.Fprintf(conn, "GET /api/v1/audit.csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", fakeAdminKey)
	// Read the status line, then stop reading.
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(line, "200") {
		t.Fatalf("status line %q %v", line, err)
	}
	start := time.Now()
	select {
	case err := <-svc.done:
		t.Logf("a stalled reader was cut off %v after the response began, %d events (about %d MB) in",
			time.Since(start).Round(time.Millisecond), svc.served.Load(), svc.served.Load()*2200>>20)
		if err == nil {
			t.Error("the export ended without an error")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the export to a stalled reader still runs after 20 s")
	}
}

// slowAudit serves a finite audit log slowly, as a large export from a busy database would.
type slowAudit struct {
	*fakeService
	events int
	pause  time.Duration
}

func (s *slowAudit) EachAuditEvent(ctx context.Context, a *steward.Actor, f steward.AuditFilter, fn func(*steward.AuditEvent) error) error {
	ev := auditEvents()[0]
	for range s.events {
		time.Sleep(s.pause)
		if err := fn(&ev); err != nil {
			return err
		}
	}
	return nil
}

func TestLongExportOutlivesTheWriteTimeout(t *testing.T) {
	svc := &slowAudit{fakeService: newFakeService(), events: 60, pause: 15 * time.Millisecond}
	s := New(svc, nil, Options{WriteTimeout: 200 * time.Millisecond, StreamWriteTimeout: 5 * time.Second})
	ts := httptest.NewUnstartedServer(s)
	ts.Config = s.HTTPServer()
	ts.Start()
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/audit.csv", nil)
	req.Header.Set("Authorization", "Bearer "+fakeAdminKey)
	start := time.Now()
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("the export broke after %v: %v", time.Since(start), err)
	}
	if lines := strings.Count(string(body), "\n"); res.StatusCode != 200 || lines != 61 {
		t.Errorf("%d with %d lines, want 200 with 61", res.StatusCode, lines)
	}
	if took := time.Since(start); took < 400*time.Millisecond {
		t.Errorf("the export took %v: too fast to outlive the write timeout", took)
	}
}

// watchedBody records whether anything read it.
type watchedBody struct {
	io.Reader
	read atomic.Bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.read.Store(true)
	return b.Reader.Read(p)
}

func TestForbiddenWritesReadNothing(t *testing.T) {
	fs := newFakeServer(t, Options{})
	for _, tt := range []struct{ method, path string }{
		{"POST", "/api/v1/customers"},
		{"PATCH", "/api/v1/customers/c1"},
		{"POST", "/api/v1/customers/c1/contacts"},
		{"POST", "/api/v1/locations"},
		{"PATCH", "/api/v1/assets/a1"},
		{"POST", "/api/v1/api-keys"},
		{"PATCH", "/api/v1/account"},
		{"DELETE", "/api/v1/customers/c1"},
	} {
		body := &watchedBody{Reader: strings.NewReader(`{"name":"x","unknown":` + strings.Repeat("1", 1000) + `}`)}
		req := httptest.NewRequest(tt.method, tt.path, body)
		req.Header.Set("Authorization", "Bearer "+fakeUserKey)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		fs.srv.ServeHTTP(rec, req)
		readProblem(t, rec, 403)
		if body.read.Load() {
			t.Errorf("%s %s: the body of a forbidden request was read", tt.method, tt.path)
		}
	}
	// The same requests from a key that may write are read.
	body := &watchedBody{Reader: strings.NewReader(`{"name":"x"}`)}
	req := httptest.NewRequest("POST", "/api/v1/customers", body)
	req.Header.Set("Authorization", "Bearer "+fakeAdminKey)
	rec := httptest.NewRecorder()
	fs.srv.ServeHTTP(rec, req)
	if rec.Code != 201 || !body.read.Load() {
		t.Errorf("admin create: %d, read %v", rec.Code, body.read.Load())
	}
}
