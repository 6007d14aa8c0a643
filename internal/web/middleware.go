package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/steward-fleet/steward/internal/steward"
)

type ctxKey int

const (
	infoKey ctxKey = iota
	ifMatchKey
)

// requestInfo is what the outer middleware learns about a request and the inner steps fill
// in, so that the request log names the route and the caller.
type requestInfo struct {
	id      string
	route   string
	actorID string
	account string
	// The client's address (Server.client), worked out once: forwarded when it is the one a
	// trusted proxy named in X-Forwarded-For.
	client      netip.Addr
	forwarded   bool
	clientKnown bool
}

// infoOf returns the request's info; never nil, so code outside the middleware chain (tests)
// works too.
func infoOf(ctx context.Context) *requestInfo {
	if i, ok := ctx.Value(infoKey).(*requestInfo); ok {
		return i
	}
	return &requestInfo{}
}

// maxRequestIDLen bounds an incoming X-Request-Id we adopt.
const maxRequestIDLen = 100

// validRequestID reports whether an incoming X-Request-Id is safe to adopt: it ends up in logs,
// headers and audit rows, so only a short run of [A-Za-z0-9._-] is taken.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// newRequestID returns 128 random bits in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// securityHeaders go on every response, errors and 404s included. The API's policy allows
// nothing at all; the home page replaces it with its own (see home.go).
var securityHeaders = [][2]string{
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
	{"Content-Security-Policy", apiCSP},
}

// apiCSP is the Content-Security-Policy of every API response.
const apiCSP = "default-src 'none'; frame-ancestors 'none'"

// withRequestID gives every request an id (the caller's, when sane), names it in the
// X-Request-Id response header, and sets the security headers.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		h := w.Header()
		h.Set("X-Request-Id", id)
		for _, kv := range securityHeaders {
			h.Set(kv[0], kv[1])
		}
		ctx := context.WithValue(r.Context(), infoKey, &requestInfo{id: id})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// statusWriter records the status and size of a response for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush lets streamed responses (CSV) reach the client as they are written.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// responseStarted reports whether the status line of w has been sent.
func responseStarted(w http.ResponseWriter) bool {
	for {
		if sw, ok := w.(*statusWriter); ok {
			return sw.status != 0
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return false
		}
		w = u.Unwrap()
	}
}

// logRequests writes one structured log line per request, panics included.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		if len(s.opts.TrustedProxies) > 0 {
			// Worked out here, once: the log names the client even of a request refused before
			// any route, and the web interface (ClientAddr) sees the same client as the API.
			s.client(r)
		}
		defer func() {
			info := infoOf(r.Context())
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", logPath(r)),
				slog.Int("status", status),
				slog.Int64("bytes", sw.bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("request_id", info.id),
			}
			if info.forwarded {
				// Behind a trusted proxy: the client it named, and the proxy itself.
				attrs = append(attrs, slog.String("remote", info.client.String()), slog.String("proxy", r.RemoteAddr))
			} else {
				attrs = append(attrs, slog.String("remote", r.RemoteAddr))
			}
			if info.route != "" {
				attrs = append(attrs, slog.String("route", info.route))
			}
			if info.actorID != "" {
				attrs = append(attrs, slog.String("actor_id", info.actorID), slog.String("account_id", info.account))
			}
			s.log.LogAttrs(r.Context(), level, "request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}

// recoverPanics turns a panicking handler into a 500 problem naming the request id, and logs the
// panic with its stack. http.ErrAbortHandler passes through: it is how a handler deliberately
// cuts a response short.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			info := infoOf(r.Context())
			s.log.ErrorContext(r.Context(), "panic", "request_id", info.id, "method", r.Method,
				"path", logPath(r), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if responseStarted(w) {
				panic(http.ErrAbortHandler)
			}
			s.writeError(w, r, fmt.Errorf("panic: %v", v))
		}()
		next.ServeHTTP(w, r)
	})
}

// maxLoggedPath is how much of a request path a log line keeps.
const maxLoggedPath = 256

// logPath returns the request path for a log line, cut short when long: a client must not be
// able to write megabytes into the log with one request.
func logPath(r *http.Request) string {
	return shorten(r.URL.Path, maxLoggedPath)
}

// shorten cuts s to at most n bytes (on a rune boundary), saying how long it was.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:cut], len(s))
}

// limitRequest refuses a request path over MaxPathBytes (414) and request headers over
// MaxHeaderBytes (431) before any route sees them. net/http itself refuses header blocks much
// larger than that (with a plain 431) before the handler runs; see HTTPServer.
func (s *Server) limitRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.RequestURI
		if path == "" {
			path = r.URL.EscapedPath()
		}
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		if len(path) > MaxPathBytes {
			s.writeError(w, r, steward.Errorf(codeURITooLong, "the request path is %d bytes; the limit is %d", len(path), MaxPathBytes))
			return
		}
		if n := headerBytes(r.Header); n > MaxHeaderBytes {
			s.writeError(w, r, steward.Errorf(codeHeaderTooLarge, "the request headers are %d bytes; the limit is %d", n, MaxHeaderBytes))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// headerBytes is the size of the header lines as sent ("Name: value\r\n").
func headerBytes(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// checkBody refuses, before a byte of it is read, a body over the limit (by its Content-Length;
// a body without one is cut off while read) and, where the route takes a body, one whose
// Content-Type is not JSON.
//
// A body without a Content-Type is read as JSON: it claims to be nothing else, many clients
// send none, and it opens no cross-site door, since no browser attaches the Authorization header
// the API requires to a cross-origin request without asking first.
func (s *Server) checkBody(r *http.Request, takesBody, multipart bool, limit int64) error {
	if r.ContentLength > limit {
		return tooLarge(limit)
	}
	vals := r.Header.Values("Content-Type")
	if multipart {
		if len(vals) != 1 || !isMultipartForm(vals[0]) {
			return steward.Errorf(codeUnsupportedMediaType, "an import's body is multipart/form-data (with a boundary), with the fields kind, dry_run and file")
		}
		return nil
	}
	if !takesBody || r.ContentLength == 0 {
		return nil
	}
	switch {
	case len(vals) == 0:
		return nil
	case len(vals) > 1:
		return steward.Errorf(codeUnsupportedMediaType, "send one Content-Type header, not %d", len(vals))
	}
	mt, params, err := mime.ParseMediaType(vals[0])
	if err != nil || !isJSONMediaType(mt) {
		return steward.Errorf(codeUnsupportedMediaType, "the body must be JSON (Content-Type: application/json or application/merge-patch+json), not %q", shorten(vals[0], 100))
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return steward.Errorf(codeUnsupportedMediaType, "JSON bodies are UTF-8; charset %q is not accepted", shorten(cs, 50))
	}
	return nil
}

// isJSONMediaType reports whether mt (lower-case, as mime.ParseMediaType returns it) is JSON:
// application/json or any application/…+json type, such as application/merge-patch+json.
func isJSONMediaType(mt string) bool {
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

func tooLarge(max int64) error {
	return steward.Errorf(steward.ETOOLARGE, "the body is larger than the limit of %d bytes", max)
}

// bearerKey reads the API key of the Authorization header. Only that header counts: the API
// never accepts a cookie, so it needs no CSRF protection.
func bearerKey(r *http.Request) (string, error) {
	vals := r.Header.Values("Authorization")
	switch {
	case len(vals) > 1:
		return "", steward.Errorf(steward.EBADREQUEST, "send one Authorization header, not %d", len(vals))
	case len(vals) == 0 || vals[0] == "":
		return "", steward.Errorf(steward.EUNAUTHORIZED, "authentication required: send Authorization: Bearer <api key>")
	}
	scheme, key, _ := strings.Cut(vals[0], " ")
	key = strings.TrimSpace(key)
	if !strings.EqualFold(scheme, "Bearer") || key == "" {
		return "", steward.Errorf(steward.EUNAUTHORIZED, "the Authorization header must be Bearer <api key>")
	}
	return key, nil
}

// authorize authenticates the request and checks that the caller may do perm, with the rate
// limits around it:
//
//   - an address that used up its failed authentications gets 429 before its key is looked up;
//   - a key that used up its requests gets 429 before it is looked up again (its bucket is found
//     by a keyed hash of the secret, so the 429 costs no database round trip);
//   - a failed authentication takes a token from the address's bucket (the one that takes the
//     last token is still a 401); the address's next request needing a key is then 429 before
//     any lookup.
//
// A key that may not do perm gets 403 here, before anything of the body is read.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, perm steward.Permission) (*steward.Actor, error) {
	now := time.Now()
	addr := s.clientAddr(r)
	if s.failed != nil {
		if lim := s.failed.Get(addr, now, false); lim != nil && lim.TokensAt(now) < 1 {
			return nil, tooManyRequests(w, lim, now, "too many failed authentications from this address")
		}
	}
	key, err := bearerKey(r)
	var lim *rate.Limiter
	var hash uint64
	if err == nil && s.keys != nil {
		hash = maphash.String(s.seed, key)
		if lim = s.keys.Get(hash, now, false); lim != nil && !lim.AllowN(now, 1) {
			return nil, tooManyRequests(w, lim, now, "this API key is over its rate limit")
		}
	}
	var a *steward.Actor
	if err == nil {
		a, err = s.authenticate(r, key)
	}
	if err != nil {
		if steward.ErrorCode(err) == steward.EUNAUTHORIZED && s.failed != nil {
			if fl := s.failed.Get(addr, now, true); !fl.AllowN(now, 1) {
				return nil, tooManyRequests(w, fl, now, "too many failed authentications from this address")
			}
		}
		return nil, err
	}
	if s.keys != nil {
		if lim == nil {
			// The key's first request (or the first since its bucket was swept): racing requests
			// of the same key share the bucket the first one makes, so each takes its token too.
			lim = s.keys.Get(hash, now, true)
			if !lim.AllowN(now, 1) {
				return nil, tooManyRequests(w, lim, now, "this API key is over its rate limit")
			}
		}
		setRateHeaders(w.Header(), lim, now)
	}
	info := infoOf(r.Context())
	info.actorID, info.account = a.ID, a.AccountID
	w.Header().Set("Cache-Control", "no-store")
	if err := a.Require(perm); err != nil {
		return nil, err
	}
	return a, nil
}

// limitAnonymous applies the request rate limit to a request of a public route, per client
// address.
func (s *Server) limitAnonymous(w http.ResponseWriter, r *http.Request) error {
	if s.anon == nil {
		return nil
	}
	now := time.Now()
	lim := s.anon.Get(s.clientAddr(r), now, true)
	if !lim.AllowN(now, 1) {
		return tooManyRequests(w, lim, now, "too many requests from this address")
	}
	setRateHeaders(w.Header(), lim, now)
	return nil
}

// authenticate resolves an API key into the caller.
func (s *Server) authenticate(r *http.Request, key string) (*steward.Actor, error) {
	a, err := s.svc.Authenticate(r.Context(), key)
	if err != nil {
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			return nil, steward.Errorf(steward.EUNAUTHORIZED, "the API key is not valid")
		}
		return nil, err
	}
	if a == nil {
		return nil, fmt.Errorf("authenticate returned no actor and no error")
	}
	actor := *a
	actor.Source = steward.SourceAPI
	actor.RequestID = infoOf(r.Context()).id
	return &actor, nil
}

// actorOf returns the authenticated caller of an API request.
func actorOf(r *http.Request) *steward.Actor { return steward.ActorFromContext(r.Context()) }

// headWriter marks the response to a HEAD request: writeBody sends the headers of the response
// and skips encoding its body, and the CSV export does not walk the log (net/http would drop
// the bytes anyway; building them is the waste).
type headWriter struct{ http.ResponseWriter }

// Unwrap gives http.ResponseController the underlying writer.
func (w *headWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// isHead reports whether w answers a HEAD request.
func isHead(w http.ResponseWriter) bool {
	for {
		if _, ok := w.(*headWriter); ok {
			return true
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return false
		}
		w = u.Unwrap()
	}
}

// notModifiedWriter answers a GET with If-None-Match: a 200 whose ETag matches becomes a 304
// with the ETag and no body (RFC 9110 §13.1.2: weak comparison, a list, or "*" for any current
// representation). Responses without an ETag (lists) and every other status pass unchanged.
type notModifiedWriter struct {
	http.ResponseWriter
	ifNoneMatch []string
	suppressed  bool
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *notModifiedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *notModifiedWriter) WriteHeader(code int) {
	h := w.Header()
	if code == http.StatusOK && h.Get("ETag") != "" && etagMatches(w.ifNoneMatch, h.Get("ETag")) {
		w.suppressed = true
		h.Del("Content-Type")
		h.Del("Content-Length")
		code = http.StatusNotModified
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *notModifiedWriter) Write(b []byte) (int, error) {
	if w.suppressed {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// etagMatches reports whether the If-None-Match field values match etag by weak comparison.
func etagMatches(fields []string, etag string) bool {
	opaque := strings.TrimPrefix(etag, "W/")
	for _, f := range fields {
		for _, t := range strings.Split(f, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == opaque {
				return true
			}
		}
	}
	return false
}
