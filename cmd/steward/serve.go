package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/steward-fleet/steward/internal/jobs"
	"github.com/steward-fleet/steward/internal/seed"
	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/ui"
	"github.com/steward-fleet/steward/internal/web"
)

// The demo organization serve --demo creates in an empty database.
const (
	demoOrg      = "Demo Rentals"
	demoEmail    = "admin@demo-rentals.example"
	demoPassword = "steward-demo"
	demoAssets   = 3000
	demoSeed     = 2026
	demoKeyLife  = 7 * 24 * time.Hour
)

// The addresses serve listens on without --addr. The demo prints a password, so it stays on
// this computer unless --addr says otherwise.
const (
	defaultAddr     = ":8080"
	defaultDemoAddr = "127.0.0.1:8080"
)

// listen opens the listening socket; tests replace it to see the address serve asks for.
var listen = net.Listen

func (e *env) serve(ctx context.Context, args []string) error {
	cfg, err := e.loadServeConfig(args)
	if err != nil {
		return err
	}
	return e.runServer(ctx, cfg)
}

// runServer serves until ctx ends, then shuts down gracefully. Nothing it starts outlives it:
// the background loops stop and are waited for before the database closes, whether it returns
// because ctx ended or because serving failed.
func (e *env) runServer(ctx context.Context, cfg *serveConfig) error {
	logger, err := newLogger(e.stderr, cfg.logFormat)
	if err != nil {
		return usagef("serve", "--log-format %q: %v", cfg.logFormat, err)
	}
	if cfg.gogc == "" {
		// The heap is small and short-lived (a page of JSON per request): collecting less often
		// buys a third more requests per second for a few megabytes (docs/PERFORMANCE.md).
		// Restored when serve returns (tests run it in one process, one after another).
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	s, err := e.openStore(ctx, cfg.db)
	if err != nil {
		return err
	}
	defer s.Close()
	logger.Info("database ready", "db", s.String(), "schema", store.SchemaVersion())
	var demoKey, demoAdmin string
	if cfg.demo {
		if demoKey, demoAdmin, err = e.fillDemo(ctx, s, logger, cfg); err != nil {
			return err
		}
	}
	ln, err := listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	if demoKey != "" && !isLoopback(ln.Addr()) {
		logger.Warn("the demo listens beyond this computer: anyone who can reach it can sign in with the printed password",
			"addr", ln.Addr().String())
	}
	imports := jobs.NewImportRunner(s, logger)
	webUI := ui.New(s, logger, cfg.uiOptions(imports.Wake))
	srv := web.New(s, logger, cfg.webOptions(webUI, imports.Wake)).HTTPServer()

	// The background loops run on a context that ends when this function returns, for any
	// reason, and are waited for before the deferred Close of the database.
	loopCtx, stopLoops := context.WithCancel(ctx)
	var loops sync.WaitGroup
	defer func() {
		stopLoops()
		loops.Wait()
	}()
	pruneIdempotencyKeys(loopCtx, s, logger) // the first pass logs before the banner, not over it
	loops.Go(func() { pruneLoop(loopCtx, s, logger, pruneInterval) })
	dispatcher := &jobs.Dispatcher{Outbox: s, Wake: s.WebhookWake(), AllowPrivate: cfg.db.webhookAllowPrivate, Log: logger}
	loops.Go(func() { dispatcher.Run(loopCtx) })
	loops.Go(func() { imports.Run(loopCtx) })
	notifier := &jobs.Notifier{Queue: s, Wake: s.MailWake(), PublicURL: cfg.publicURL, Log: logger}
	if cfg.mailer != nil {
		notifier.Sender = cfg.mailer
	}
	loops.Go(func() { notifier.Run(loopCtx) })

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("serving", "addr", ln.Addr().String())
	// The banner comes after every startup log line, so it is the last thing on the screen
	// until the first request.
	base := "http://" + displayAddr(ln.Addr())
	fmt.Fprintf(e.stdout, "Steward is serving %s\n", base)
	if demoKey != "" {
		fmt.Fprint(e.stdout, demoBanner(base, demoAdmin, demoKey, isLoopback(ln.Addr())))
	}
	select {
	case err := <-errc:
		_ = srv.Close() // connections already accepted end too
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// Requests still running past the timeout have their connections closed; a handler that
		// still does not return then fails on the closed database.
		_ = srv.Close()
		<-errc
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// shutdownTimeout is how long serve waits for requests in flight when it stops.
const shutdownTimeout = 20 * time.Second

// pruneInterval is how often serve drops expired Idempotency-Key records and the webhook
// deliveries and events past their retention.
const pruneInterval = time.Hour

// displayAddr turns a wildcard listen address into one a browser can open.
func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return fmt.Sprintf("localhost:%d", tcp.Port)
}

// pruneLoop drops expired Idempotency-Key records every interval until ctx ends (serve prunes
// once at start).
func pruneLoop(ctx context.Context, s *store.Store, logger *slog.Logger, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		pruneWebhookHistory(ctx, s, logger)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pruneIdempotencyKeys(ctx, s, logger)
	}
}

// pruneWebhookHistory drops the webhook deliveries and events past their retention once.
func pruneWebhookHistory(ctx context.Context, s *store.Store, logger *slog.Logger) {
	d, e, err := s.PruneWebhookHistory(ctx)
	if err != nil && ctx.Err() == nil {
		logger.Warn("pruning webhook history", "err", err)
	} else if d+e > 0 {
		logger.Info("pruned webhook history", "deliveries", d, "events", e)
	}
}

// pruneIdempotencyKeys drops expired Idempotency-Key records once.
func pruneIdempotencyKeys(ctx context.Context, s *store.Store, logger *slog.Logger) {
	if n, err := s.PruneIdempotencyKeys(ctx); err != nil && ctx.Err() == nil {
		logger.Warn("pruning idempotency keys", "err", err)
	} else if n > 0 {
		logger.Info("pruned idempotency keys", "count", n)
	}
}

// isLoopback reports whether a listening address only accepts connections from this computer.
func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// demoBanner is what serve --demo prints once it serves: who to sign in as, a key and a
// request to try.
func demoBanner(base, adminName, key string, loopback bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, `
Demo fleet %q is ready. Sign in as %s:
  Email:    %s
  Password: %s
  API key:  %s (valid for %d days)
  Try:      curl -H "Authorization: Bearer %s" '%s/api/v1/customers?sort=-assets_owned_count&limit=5'
`, demoOrg, adminName, demoEmail, demoPassword, key, int(demoKeyLife.Hours()/24), key, base)
	if loopback {
		b.WriteString("Only this computer can connect; add --addr :8080 to serve the demo to your network.\n")
	}
	return b.String()
}

// fillDemo builds the demo fleet when the database has no organization yet and returns a fresh
// API key for the demo Admin and the Admin's name ("" when the database holds other data and no
// demo organization).
func (e *env) fillDemo(ctx context.Context, s *store.Store, logger *slog.Logger, cfg *serveConfig) (key, admin string, err error) {
	empty, err := s.Empty(ctx)
	if err != nil {
		return "", "", err
	}
	if empty {
		res, err := seed.Build(ctx, s, seed.Options{Org: demoOrg, Email: demoEmail, Password: demoPassword,
			AdminName: cfg.adminName, Country: "DE", Assets: demoAssets, History: 3, Seed: cfg.demoSeed})
		if err != nil {
			return "", "", fmt.Errorf("demo: %w", describe("serve", err, map[string]string{"admin_name": "admin-name"}))
		}
		logger.Info("demo fleet ready", "customers", res.Customers, "locations", res.Locations, "assets", res.Assets,
			"took", res.Took.Round(time.Millisecond).String())
	}
	// A fresh key each start, so the printed one always works; it expires in a week, so
	// restarts do not pile up everlasting Admin keys.
	expires := steward.TimestampOf(time.Now().Add(demoKeyLife))
	k, err := s.CreateAPIKeyForEmail(ctx, demoEmail, steward.APIKeyFields{
		Name: "demo " + time.Now().UTC().Format("2006-01-02 15:04:05"), ExpiresAt: &expires})
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		fmt.Fprintln(e.stdout, "The database already holds other data, so --demo added no demo fleet.")
		return "", "", nil
	}
	if err != nil {
		return "", "", err
	}
	// The Admin's name as stored: a demo built earlier keeps the name it was built with.
	a, err := s.Authenticate(ctx, k.Key)
	if err != nil {
		return "", "", err
	}
	me, err := s.Me(ctx, a)
	if err != nil {
		return "", "", err
	}
	return k.Key, me.User.Name, nil
}

// newLogger returns the logger of serve on w in the given format: "json" (one object a line,
// for log collectors), "text" (slog's key=value lines, with a short local time, for people), or
// "auto": text when w is a terminal, JSON otherwise.
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "auto":
		format = "json"
		if isTerminal(w) {
			format = "text"
		}
	case "json", "text":
	default:
		return nil, fmt.Errorf("must be auto, text or json")
	}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 && a.Value.Kind() == slog.KindTime {
			return slog.String(slog.TimeKey, a.Value.Time().Format("15:04:05.000"))
		}
		return a
	}})), nil
}

// isTerminal reports whether w is a terminal (a character device), where people read the logs.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
