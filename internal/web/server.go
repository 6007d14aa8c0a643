// Package web is Steward's HTTP layer: the JSON API of docs/API.md, its middleware, and the
// OpenAPI document generated from the same route table that registers the handlers. It speaks
// to the data only through steward.Service and never imports the store.
package web

import (
	"context"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/steward-fleet/steward/internal/ratelimit"
	"github.com/steward-fleet/steward/internal/steward"
)

// DefaultMaxBodyBytes is the largest request body the API reads unless Options says otherwise.
const DefaultMaxBodyBytes = 1 << 20

// The defaults of the command line's rate limits (docs/API.md). Options' zero value turns the
// limits off instead, so a Server in a test or benchmark is unlimited unless it asks.
const (
	DefaultRateLimit       = 1000 // requests per second per API key
	DefaultFailedAuthLimit = 5    // failed authentications per second per client address
)

// The transport limits of the http.Server that HTTPServer builds (docs/API.md).
const (
	MaxHeaderBytes            = 64 << 10 // request headers; more is 431
	MaxPathBytes              = 4 << 10  // the request path; more is 414
	DefaultReadTimeout        = 30 * time.Second
	DefaultReadHeaderTimeout  = 10 * time.Second
	DefaultWriteTimeout       = 30 * time.Second
	DefaultIdleTimeout        = 2 * time.Minute
	DefaultStreamWriteTimeout = 30 * time.Second
)

// Options configure a Server: its limits in one place. The zero value is valid: default body
// limit and timeouts, no rate limits.
type Options struct {
	// MaxBodyBytes is the largest request body accepted (413 beyond); 0 means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxImportBytes is the largest file an import takes (413 beyond); 0 means
	// steward.DefaultMaxImportBytes. Imports are the one body past MaxBodyBytes.
	MaxImportBytes int64
	// ImportQueued, when set, is told the id of each import the API queues (serve wakes its
	// import worker with it).
	ImportQueued func(id string)

	// RateLimit is the requests per second one API key may make, with a burst of RateLimitBurst
	// (0: twice RateLimit); requests to public routes are limited the same
	// way per client address. 0 means no limit.
	RateLimit      float64
	RateLimitBurst int
	// FailedAuthLimit is the failed authentications per second one client address may make,
	// with a burst of FailedAuthBurst (0: four times FailedAuthLimit, so 20 at the default 5);
	// past it, the address gets 429 without its keys being looked up. 0 means no limit.
	FailedAuthLimit float64
	FailedAuthBurst int
	// RateLimitEntries bounds each table of buckets (keys, addresses); 0 means
	// DefaultRateLimitEntries.
	RateLimitEntries int

	// TrustedProxies are the address ranges of reverse proxies in front of the server (see
	// ParseTrustedProxies). Only a request whose connection comes from one of them has its
	// client's address read from X-Forwarded-For (the right-most entry that is not itself a
	// trusted proxy), for the rate limits and the request log; none: the connection's address.
	TrustedProxies []netip.Prefix

	// Timeouts of the http.Server HTTPServer builds; 0 means the Default* constant.
	// WriteTimeout bounds an ordinary response; a streamed export instead gets
	// StreamWriteTimeout for each write, so a stalled reader is cut off but a slow one is not.
	ReadHeaderTimeout  time.Duration
	ReadTimeout        time.Duration
	WriteTimeout       time.Duration
	IdleTimeout        time.Duration
	StreamWriteTimeout time.Duration

	// UI, when set, serves every path outside /api/ that no route claims (the web interface,
	// internal/ui), in place of the home page. It sets its own Content-Security-Policy; the
	// request id, the other security headers, logs and panic recovery stay this server's.
	UI http.Handler

	// PublicURL is the base URL the server's links (invitations, password resets) start with,
	// as ParsePublicURL returns it; "" means the request's own scheme and Host.
	PublicURL string
	// MailLinks mails each invitation and password reset link to its user as well (the server
	// sends mail: serve --smtp-url); the answer still carries the link.
	MailLinks bool
}

// withDefaults fills in the defaults of zero fields.
func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxImportBytes <= 0 {
		o.MaxImportBytes = steward.DefaultMaxImportBytes
	}
	if o.RateLimitBurst <= 0 {
		o.RateLimitBurst = max(1, int(2*o.RateLimit))
	}
	if o.FailedAuthBurst <= 0 {
		o.FailedAuthBurst = max(1, int(4*o.FailedAuthLimit))
	}
	o.TrustedProxies = slices.Clone(o.TrustedProxies) // the caller's slice may change later
	def(&o.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&o.ReadTimeout, DefaultReadTimeout)
	def(&o.WriteTimeout, DefaultWriteTimeout)
	def(&o.IdleTimeout, DefaultIdleTimeout)
	def(&o.StreamWriteTimeout, DefaultStreamWriteTimeout)
	return o
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

	// Token buckets; nil when the limit is off.
	keys    *ratelimit.Table[uint64]     // per API key, by a keyed hash of the secret
	anon    *ratelimit.Table[netip.Addr] // requests to public routes, per client address
	failed  *ratelimit.Table[netip.Addr] // failed authentications, per client address
	seed    maphash.Seed
	flights flights // creates running under an Idempotency-Key
}

// New returns a Server serving svc. A nil logger discards logs. It panics when the route table
// is inconsistent (a conflicting pattern, a type the OpenAPI generator cannot describe): that is
// a programming error the package's tests catch.
func New(svc steward.Service, logger *slog.Logger, opts Options) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts = opts.withDefaults()
	s := &Server{svc: svc, log: logger, opts: opts, mux: http.NewServeMux(), seed: maphash.MakeSeed(),
		keys:   ratelimit.New[uint64](opts.RateLimit, opts.RateLimitBurst, opts.RateLimitEntries),
		anon:   ratelimit.New[netip.Addr](opts.RateLimit, opts.RateLimitBurst, opts.RateLimitEntries),
		failed: ratelimit.New[netip.Addr](opts.FailedAuthLimit, opts.FailedAuthBurst, opts.RateLimitEntries),
	}
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
	s.mux.HandleFunc(apiFallbackPattern, s.fallback)
	if opts.UI != nil {
		s.mux.Handle(rootFallbackPattern, opts.UI)
	} else {
		s.mux.HandleFunc("GET /{$}", s.home)
		s.mux.HandleFunc(rootFallbackPattern, s.fallback)
	}
	s.handler = withRequestID(s.logRequests(s.recoverPanics(s.limitRequest(s.mux))))
	return s
}

// The patterns that catch every request no route matches: under /api/, and anywhere else.
const (
	apiFallbackPattern  = "/api/"
	rootFallbackPattern = "/"
)

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// HTTPServer returns the http.Server to serve s with: the timeouts of Options and
// MaxHeaderBytes, and net/http's own complaints logged as warnings.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ReadTimeout:       s.opts.ReadTimeout,
		WriteTimeout:      s.opts.WriteTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// handlerFunc is an API handler: it writes a success response or returns the error that
// becomes the problem response.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// routeHandler runs the steps every route shares, in order: authentication, the rate limits and
// the route's permission (unless public), refusal of unclean path values and of unknown query
// parameters (on /api/ paths), If-Match parsing (where honoured), the body's type and size, and
// finally the handler, whose error becomes the problem response. Nothing of the body is read
// before the caller is known to be allowed to send it.
func (s *Server) routeHandler(rt *route) http.Handler {
	pattern := rt.method + " " + rt.path
	params := pathParams.FindAllStringSubmatch(rt.path, -1)
	limited := rt.path != "/healthz" && rt.path != "/readyz" // probes must always get through
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoOf(r.Context())
		info.route = pattern
		ctx := r.Context()
		if !rt.public {
			a, err := s.authorize(w, r, rt.perm)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			ctx = steward.NewContextWithActor(ctx, a)
		} else if limited {
			if err := s.limitAnonymous(w, r); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		// An id that is not clean text names no object: answer as for any unknown id.
		for _, m := range params {
			if !steward.IsCleanText(r.PathValue(m[1])) {
				s.writeError(w, r, steward.NotFound("object"))
				return
			}
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
		limit := s.opts.MaxBodyBytes
		if rt.multipart {
			limit = s.maxImportBody()
		}
		if err := s.checkBody(r, rt.body != nil, rt.multipart, limit); err != nil {
			s.writeError(w, r, err)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		r = r.WithContext(ctx)
		rw := w
		if r.Method == http.MethodHead {
			rw = &headWriter{ResponseWriter: rw}
		}
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && len(r.Header.Values("If-None-Match")) > 0 {
			rw = &notModifiedWriter{ResponseWriter: rw, ifNoneMatch: r.Header.Values("If-None-Match")}
		}
		if err := rt.handle(rw, r); err != nil {
			s.writeError(rw, r, err)
		}
	})
}
