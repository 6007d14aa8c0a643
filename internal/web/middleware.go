package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

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

// withRequestID gives every request an id (the caller's, when sane) and names it in the
// X-Request-Id response header.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		h := w.Header()
		h.Set("X-Request-Id", id)
		h.Set("X-Content-Type-Options", "nosniff")
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
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Int64("bytes", sw.bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("request_id", info.id),
				slog.String("remote", r.RemoteAddr),
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
				"path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if responseStarted(w) {
				panic(http.ErrAbortHandler)
			}
			s.writeError(w, r, fmt.Errorf("panic: %v", v))
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody refuses a body larger than max: at once when Content-Length says so, else when the
// handler reads past max (readBody turns the *http.MaxBytesError into a 413 problem).
func (s *Server) limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			s.writeError(w, r, tooLarge(max))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

func tooLarge(max int64) error {
	return steward.Errorf(steward.ETOOLARGE, "the body is larger than the limit of %d bytes", max)
}

// authenticate resolves the request's bearer API key into the caller. Only the Authorization
// header counts: the API never accepts a cookie, so it needs no CSRF protection.
func (s *Server) authenticate(r *http.Request) (*steward.Actor, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, steward.Errorf(steward.EUNAUTHORIZED, "authentication required: send Authorization: Bearer <api key>")
	}
	scheme, key, _ := strings.Cut(h, " ")
	key = strings.TrimSpace(key)
	if !strings.EqualFold(scheme, "Bearer") || key == "" {
		return nil, steward.Errorf(steward.EUNAUTHORIZED, "the Authorization header must be Bearer <api key>")
	}
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
