package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/steward-fleet/steward/internal/seed"
	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/web"
)

// The demo organization serve --demo creates in an empty database.
const (
	demoOrg      = "Demo Rentals"
	demoEmail    = "admin@demo-rentals.example"
	demoPassword = "steward-demo"
	demoAssets   = 3000
)

func (e *env) serve(ctx context.Context, args []string) error {
	fs := e.flags("serve")
	db := dbFlag(fs)
	addr := fs.String("addr", ":8080", "address to listen on")
	demo := fs.Bool("demo", false, "fill an empty database with a demo fleet and print how to sign in")
	logFormat := fs.String("log-format", "json", "request log format: json or text")
	rateLimit := fs.Float64("rate-limit", web.DefaultRateLimit, "requests per second one API key may make (burst twice that); 0 turns the limit off")
	rateLimitFailed := fs.Float64("rate-limit-failed", web.DefaultFailedAuthLimit, "failed authentications per second one client address may make (burst four times that); 0 turns the limit off")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	for name, v := range map[string]float64{"--rate-limit": *rateLimit, "--rate-limit-failed": *rateLimitFailed} {
		if !(v >= 0) || math.IsInf(v, 0) {
			return fmt.Errorf("%s must be a number of requests per second, 0 (off) or more", name)
		}
	}
	var logger *slog.Logger
	switch *logFormat {
	case "json":
		logger = slog.New(slog.NewJSONHandler(e.stderr, nil))
	case "text":
		logger = slog.New(slog.NewTextHandler(e.stderr, nil))
	default:
		return fmt.Errorf("--log-format must be json or text")
	}
	if e.getenv("GOGC") == "" {
		// The heap is small and short-lived (a page of JSON per request): collecting less often
		// buys a third more requests per second for a few megabytes (docs/PERFORMANCE.md).
		debug.SetGCPercent(400)
	}
	s, err := e.openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	logger.Info("database ready", "db", s.String(), "schema", store.SchemaVersion())
	var demoKey string
	if *demo {
		if demoKey, err = e.fillDemo(ctx, s, logger); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := web.New(s, logger, web.Options{RateLimit: *rateLimit, FailedAuthLimit: *rateLimitFailed}).HTTPServer()
	go pruneLoop(ctx, s, logger)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("serving", "addr", ln.Addr().String())
	base := "http://" + displayAddr(ln.Addr())
	fmt.Fprintf(e.stdout, "Steward is serving %s\n", base)
	if demoKey != "" {
		fmt.Fprintf(e.stdout, `Demo fleet %q is ready. Sign in as:
  Admin:    %s
  Password: %s
  API key:  %s
  Try:      curl -H "Authorization: Bearer %s" '%s/api/v1/customers?sort=-assets_owned_count&limit=5'
`, demoOrg, demoEmail, demoPassword, demoKey, demoKey, base)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// displayAddr turns a wildcard listen address into one a browser can open.
func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return fmt.Sprintf("localhost:%d", tcp.Port)
}

// pruneLoop drops expired Idempotency-Key records every hour.
func pruneLoop(ctx context.Context, s *store.Store, logger *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := s.PruneIdempotencyKeys(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("pruning idempotency keys", "err", err)
		} else if n > 0 {
			logger.Info("pruned idempotency keys", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// fillDemo builds the demo fleet when the database has no organization yet and returns a fresh
// API key for the demo Admin ("" when the database holds other data and no demo organization).
func (e *env) fillDemo(ctx context.Context, s *store.Store, logger *slog.Logger) (string, error) {
	empty, err := s.Empty(ctx)
	if err != nil {
		return "", err
	}
	if empty {
		res, err := seed.Build(ctx, s, seed.Options{Org: demoOrg, Email: demoEmail, Password: demoPassword,
			Country: "DE", Assets: demoAssets, History: 3, Seed: 2026})
		if err != nil {
			return "", fmt.Errorf("demo: %w", err)
		}
		logger.Info("demo fleet ready", "customers", res.Customers, "locations", res.Locations, "assets", res.Assets,
			"took", res.Took.Round(time.Millisecond).String())
	}
	// A fresh key each start, so the printed one always works; it expires in a week, so
	// restarts do not pile up everlasting Admin keys.
	expires := steward.TimestampOf(time.Now().Add(7 * 24 * time.Hour))
	k, err := s.CreateAPIKeyForEmail(ctx, demoEmail, steward.APIKeyFields{
		Name: "demo " + time.Now().UTC().Format("2006-01-02 15:04:05"), ExpiresAt: &expires})
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		fmt.Fprintln(e.stdout, "The database already holds other data, so --demo added no demo fleet.")
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return k.Key, nil
}
