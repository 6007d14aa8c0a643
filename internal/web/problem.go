package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// problem is an RFC 9457 problem detail: the body of every error response of the API.
type problem struct {
	Type      string               `json:"type"`
	Title     string               `json:"title"`
	Status    int                  `json:"status"`
	Detail    string               `json:"detail"`
	RequestID string               `json:"request_id"`
	Errors    []steward.FieldError `json:"errors"`
}

// problemTypeBase prefixes every problem type; the code (or the error's Kind) follows it.
const problemTypeBase = "https://steward.dev/problems/"

// Error codes only the web layer produces, for statuses no service method returns.
const (
	codeMethodNotAllowed     = "method_not_allowed"     // 405: the path exists, the method does not.
	codeUnsupportedMediaType = "unsupported_media_type" // 415: the body is not JSON.
	codeURITooLong           = "uri_too_long"           // 414: the path is over MaxPathBytes.
	codeHeaderTooLarge       = "headers_too_large"      // 431: the headers are over MaxHeaderBytes.
	codeUnavailable          = "unavailable"            // 503: a dependency (the database) is down.
)

// Kinds the web layer gives its own errors, so clients can tell them apart by problem type.
const (
	kindIdempotencyKeyReused = "idempotency-key-reused"
	kindIdempotencyInFlight  = "idempotency-in-progress"
)

// codeStatus is the one table mapping error codes to HTTP statuses.
var codeStatus = map[string]int{
	steward.EINVALID:         http.StatusUnprocessableEntity,
	steward.EBADREQUEST:      http.StatusBadRequest,
	steward.EUNAUTHORIZED:    http.StatusUnauthorized,
	steward.EFORBIDDEN:       http.StatusForbidden,
	steward.ENOTFOUND:        http.StatusNotFound,
	steward.ECONFLICT:        http.StatusConflict,
	steward.EPRECONDITION:    http.StatusPreconditionFailed,
	steward.ETOOLARGE:        http.StatusRequestEntityTooLarge,
	steward.EINTERNAL:        http.StatusInternalServerError,
	codeMethodNotAllowed:     http.StatusMethodNotAllowed,
	codeUnsupportedMediaType: http.StatusUnsupportedMediaType,
	codeURITooLong:           http.StatusRequestURITooLong,
	codeHeaderTooLarge:       http.StatusRequestHeaderFieldsTooLarge,
	codeTooManyRequests:      http.StatusTooManyRequests,
	codeUnavailable:          http.StatusServiceUnavailable,
}

// kindTitles titles the problem types that refine a code; others take the status text.
var kindTitles = map[string]string{
	"externally-managed":     "Customers are externally managed",
	kindIdempotencyKeyReused: "Idempotency-Key reused with a different request",
	kindIdempotencyInFlight:  "Request with this Idempotency-Key still in progress",
}

// problemFor turns err into the problem a client sees. Internal errors, and codes the table does
// not know, become a 500 that says nothing but "internal error"; hidden reports whether the
// real error was withheld and so must be logged.
func problemFor(err error, requestID string) (p problem, hidden bool) {
	code := steward.ErrorCode(err)
	status, ok := codeStatus[code]
	if !ok {
		code, status = steward.EINTERNAL, http.StatusInternalServerError
	}
	p = problem{
		Type:      problemTypeBase + strings.ReplaceAll(code, "_", "-"),
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    steward.ErrorMessage(err),
		RequestID: requestID,
		Errors:    []steward.FieldError{},
	}
	if code == steward.EINTERNAL {
		p.Detail = "internal error"
		return p, true
	}
	var e *steward.Error
	if errors.As(err, &e) {
		if e.Kind != "" {
			p.Type = problemTypeBase + e.Kind
			if t, ok := kindTitles[e.Kind]; ok {
				p.Title = t
			}
		}
		if len(e.Fields) > 0 {
			p.Errors = e.Fields
		}
	}
	return p, false
}

// writeError answers the request with the problem for err. Withheld internal errors are logged
// with the request id the response names. A response already under way (a streamed CSV) cannot
// turn into a problem any more: the connection is aborted instead, so the client sees a broken
// transfer rather than a complete-looking one.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	info := infoOf(r.Context())
	p, hidden := problemFor(err, info.id)
	if responseStarted(w) {
		s.log.ErrorContext(r.Context(), "response aborted", "request_id", info.id,
			"method", r.Method, "path", logPath(r), "error", err)
		panic(http.ErrAbortHandler)
	}
	switch {
	case hidden && r.Context().Err() != nil && errors.Is(err, context.Canceled):
		s.log.WarnContext(r.Context(), "request canceled by the client", "request_id", info.id,
			"method", r.Method, "path", logPath(r), "error", err)
	case hidden:
		s.log.ErrorContext(r.Context(), "request failed", "request_id", info.id,
			"method", r.Method, "path", logPath(r), "error", err)
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="steward"`)
	}
	body, merr := json.Marshal(p)
	if merr != nil { // cannot happen with these field types; keep the client informed anyway
		body = []byte(`{"type":"` + problemTypeBase + `internal","title":"Internal Server Error","status":500,"detail":"internal error","errors":[]}`)
	}
	h := w.Header()
	h.Del("ETag")
	h.Del("Location")
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_, _ = w.Write(append(body, '\n'))
}

// fallback answers every path that no route claims: 405 with an Allow header when the path
// exists for other methods, 404 otherwise. It asks the mux itself, so the answer follows the
// registered routes exactly.
func (s *Server) fallback(w http.ResponseWriter, r *http.Request) {
	var allow []string
	probe := *r // the mux reads only the method, host and path: a shallow copy will do
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe.Method = m
		if _, pattern := s.mux.Handler(&probe); pattern != "" && pattern != apiFallbackPattern && pattern != rootFallbackPattern {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		s.writeError(w, r, steward.Errorf(steward.ENOTFOUND, "no endpoint %s", shorten(r.URL.Path, maxLoggedPath)))
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	s.writeError(w, r, steward.Errorf(codeMethodNotAllowed, "%s is not allowed on %s; allowed: %s",
		r.Method, shorten(r.URL.Path, maxLoggedPath), strings.Join(allow, ", ")))
}

// StatusOf is the HTTP status of err by its code (the codeStatus table): the API's problems
// and the web interface's pages answer with it. An internal error, or a code the table does not
// know, is 500.
func StatusOf(err error) int {
	if status, ok := codeStatus[steward.ErrorCode(err)]; ok {
		return status
	}
	return http.StatusInternalServerError
}
