// Package web is Steward's HTTP layer: the JSON API of docs/API.md, its middleware, and the
// OpenAPI document generated from the same route table that registers the handlers. It speaks
// to the data only through steward.Service and never imports the store.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/steward-fleet/steward/internal/steward"
)

// DefaultMaxBodyBytes is the largest request body the API reads unless Options says otherwise.
const DefaultMaxBodyBytes = 1 << 20

// Options tune a Server. The zero value is valid.
type Options struct {
	// MaxBodyBytes is the largest request body accepted (413 beyond); 0 means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// Server is Steward's HTTP handler: every route of routes.go behind the middleware chain.
type Server struct {
	svc     steward.Service
	log     *slog.Logger
	opts    Options
	routes  []route
	mux     *http.ServeMux
	handler http.Handler
	openapi []byte
	flights flights // creates running under an Idempotency-Key
}

// New returns a Server serving svc. A nil logger discards logs. It panics when the route table
// is inconsistent (a conflicting pattern, a type the OpenAPI generator cannot describe): that is
// a programming error the package's tests catch.
func New(svc steward.Service, logger *slog.Logger, opts Options) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	s := &Server{svc: svc, log: logger, opts: opts, mux: http.NewServeMux()}
	s.routes = s.routeTable()
	doc, err := openAPIDocument(s.routes)
	if err != nil {
		panic(fmt.Sprintf("web: openapi: %v", err))
	}
	s.openapi = doc
	for i := range s.routes {
		rt := &s.routes[i]
		s.mux.Handle(rt.method+" "+rt.path, s.routeHandler(rt))
	}
	s.mux.HandleFunc(apiFallbackPattern, s.apiFallback)
	s.handler = withRequestID(s.logRequests(s.recoverPanics(s.mux)))
	return s
}

// apiFallbackPattern catches every /api/ request no route matches.
const apiFallbackPattern = "/api/"

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// handlerFunc is an API handler: it writes a success response or returns the error that
// becomes the problem response.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// routeHandler runs the steps every route shares, in order: the body limit, authentication
// (unless public), refusal of unknown query parameters (on /api/ paths), If-Match parsing (where
// honoured), and finally the handler, whose error becomes the problem response.
func (s *Server) routeHandler(rt *route) http.Handler {
	pattern := rt.method + " " + rt.path
	params := pathParams.FindAllStringSubmatch(rt.path, -1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoOf(r.Context())
		info.route = pattern
		ctx := r.Context()
		// An id that is not clean text names no object: answer as for any unknown id.
		for _, m := range params {
			if !cleanValue(r.PathValue(m[1])) {
				s.writeError(w, r, steward.NotFound("object"))
				return
			}
		}
		if !rt.public {
			a, err := s.authenticate(r)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			info.actorID, info.account = a.ID, a.AccountID
			ctx = steward.NewContextWithActor(ctx, a)
			w.Header().Set("Cache-Control", "no-store")
		}
		// Probes (health checks) may carry cache-busting parameters; the API refuses typos.
		if !rt.public || strings.HasPrefix(rt.path, "/api/") {
			if err := checkQuery(r, rt.query); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		if rt.ifMatch {
			v, err := parseIfMatch(r.Header)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			ctx = context.WithValue(ctx, ifMatchKey, v)
		}
		r = r.WithContext(ctx)
		if err := rt.handle(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
	return s.limitBody(s.opts.MaxBodyBytes, h)
}
