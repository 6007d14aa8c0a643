package main

import (
	"flag"
	"math"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/steward-fleet/steward/internal/mail"
	"github.com/steward-fleet/steward/internal/seed"
	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
	"github.com/steward-fleet/steward/internal/ui"
	"github.com/steward-fleet/steward/internal/web"
)

// dbConfig is how a command opens its database: --db (STEWARD_DB), and the store's tuning that
// only the environment sets.
type dbConfig struct {
	cmd string // the command, for its errors
	dsn string
	// sqliteSynchronous is STEWARD_SQLITE_SYNCHRONOUS: FULL (default) or NORMAL.
	sqliteSynchronous string
	// webhookAllowPrivate is serve's --webhook-allow-private.
	webhookAllowPrivate bool
}

// dbFlag adds --db, which every command that opens the database takes, and reads the store's
// environment-only settings; parse fills --db.
func (e *env) dbFlag(fs *flag.FlagSet) *dbConfig {
	c := &dbConfig{cmd: fs.Name(), sqliteSynchronous: e.getenv("STEWARD_SQLITE_SYNCHRONOUS")}
	fs.StringVar(&c.dsn, "db", store.DefaultSQLitePath,
		"the `DSN` of the database: a SQLite file path, or a PostgreSQL URL like postgres://user:password@host:5432/steward?sslmode=require")
	return c
}

// validate checks the settings the environment gave.
func (c *dbConfig) validate() error {
	switch strings.ToUpper(c.sqliteSynchronous) {
	case "", "FULL", "NORMAL":
		return nil
	}
	return usagef(c.cmd, "STEWARD_SQLITE_SYNCHRONOUS=%q: must be FULL or NORMAL", c.sqliteSynchronous)
}

// storeOptions are the store.Options of the configuration.
func (c *dbConfig) storeOptions() store.Options {
	return store.Options{SQLiteSynchronous: c.sqliteSynchronous, WebhookAllowPrivate: c.webhookAllowPrivate}
}

// serveConfig is the whole configuration of `steward serve`: every flag, each also read from
// its STEWARD_* variable (parse), and the environment-only settings, read and checked here and
// nowhere else, then passed to what needs them.
type serveConfig struct {
	db        *dbConfig
	addr      string // "" until validate: defaultAddr, or defaultDemoAddr with demo
	demo      bool
	demoSeed  int64
	adminName string // of the demo Admin
	logFormat string // auto, text or json

	rateLimit       float64 // requests per second per API key; 0: off
	rateLimitFailed float64 // failed authentications per second per client address; 0: off
	trustedProxies  []netip.Prefix

	sessionLifetime    time.Duration // a web session ends this long after sign-in
	sessionIdleTimeout time.Duration // or after this long without a request
	secureCookies      bool          // the session cookie is Secure, with a __Host- name
	publicURL          string        // the base of invitation and reset links; "": the request's
	maxImportMiB       int64         // the largest import file, in MiB
	maxImportBytes     int64         // the same in bytes, set by validate
	smtpURL            string        // where mail is sent; "": kept, to be read in the web interface
	mailFrom           string        // the sender address of every mail
	mailer             *mail.SMTP    // the sender of smtpURL, set by validate (nil without one)

	// gogc is the GOGC variable: when set, the Go runtime's collector follows it, and serve does
	// not tune it.
	gogc string
}

// serveFlags adds serve's flags to fs, bound to the fields of a new configuration.
func (e *env) serveFlags(fs *flag.FlagSet) *serveConfig {
	c := &serveConfig{db: e.dbFlag(fs), gogc: e.getenv("GOGC")}
	fs.StringVar(&c.addr, "addr", "", "the `ADDRESS` to listen on (default "+defaultAddr+", or "+defaultDemoAddr+" with --demo)")
	fs.BoolVar(&c.demo, "demo", false, "fill an empty database with a demo fleet, listen on 127.0.0.1 only, and print how to sign in")
	fs.Int64Var(&c.demoSeed, "seed", demoSeed, "with --demo: the random seed `S` of the demo fleet (the same seed, the same fleet)")
	fs.StringVar(&c.adminName, "admin-name", seed.DefaultAdminName, "with --demo: the demo Admin's `NAME`")
	choiceVar(fs, &c.logFormat, "log-format", "the `FORMAT` of the logs on stderr: text, json, or auto (text on a terminal, JSON otherwise)",
		"auto", "text", "json")
	fs.Float64Var(&c.rateLimit, "rate-limit", web.DefaultRateLimit,
		"`N` requests per second one API key may make (burst twice that); 0 turns the limit off")
	fs.Float64Var(&c.rateLimitFailed, "rate-limit-failed", web.DefaultFailedAuthLimit,
		"`N` failed authentications per second one client address may make (burst four times that); 0 turns the limit off")
	fs.Var((*prefixesFlag)(&c.trustedProxies), "trusted-proxies",
		"the address ranges `CIDRS` of reverse proxies in front of the server, comma-separated (10.0.0.0/8,2001:db8::/32): "+
			"from them, X-Forwarded-For names the client (default: none, the connection's address is the client)")
	fs.DurationVar(&c.sessionLifetime, "session-lifetime", ui.DefaultSessionLifetime,
		"how long a web session lasts after sign-in (`DURATION`, like 24h)")
	fs.DurationVar(&c.sessionIdleTimeout, "session-idle-timeout", ui.DefaultSessionIdleTimeout,
		"how long a web session lasts without a request (`DURATION`, like 2h)")
	fs.BoolVar(&c.secureCookies, "secure-cookies", false,
		"mark the web session cookie Secure with a __Host- name: set it when browsers reach Steward over HTTPS (through a TLS proxy)")
	fs.BoolVar(&c.db.webhookAllowPrivate, "webhook-allow-private", false,
		"let webhook endpoints point to loopback, private and link-local addresses (an installation delivering to its own network)")
	fs.StringVar(&c.publicURL, "public-url", "",
		"the `URL` browsers reach Steward at (https://steward.example.com), the base of invitation and password reset links (default: the request's scheme and Host)")
	fs.StringVar(&c.smtpURL, "smtp-url", "",
		"the SMTP server mail is sent through, `URL` smtp://user:password@host:port (STARTTLS when offered) or smtps://… (implicit TLS); "+
			"without it, notifications are kept and shown on the Mail page")
	fs.StringVar(&c.mailFrom, "mail-from", "Steward <steward@localhost>", "the sender `ADDRESS` of the mail Steward sends")
	fs.Int64Var(&c.maxImportMiB, "max-import-mib", steward.DefaultMaxImportBytes>>20,
		"the largest CSV file an import takes, in `MIB` (the API's other bodies stop at 1 MiB)")
	return c
}

// loadServeConfig reads serve's configuration from args and the environment and checks it.
func (e *env) loadServeConfig(args []string) (*serveConfig, error) {
	fs := e.flags("serve")
	c := e.serveFlags(fs)
	if err := e.parse(fs, args); err != nil {
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// validate checks the values together and fills in the defaults that depend on others. Its
// errors name the flag.
func (c *serveConfig) validate() error {
	for _, r := range []struct {
		name string
		v    float64
	}{{"rate-limit", c.rateLimit}, {"rate-limit-failed", c.rateLimitFailed}} {
		if !(r.v >= 0) || math.IsInf(r.v, 0) {
			return usagef("serve", "--%s must be a number of requests per second, 0 (off) or more", r.name)
		}
	}
	if c.maxImportMiB < 1 || c.maxImportMiB > 1<<20 {
		return usagef("serve", "--max-import-mib must be between 1 and %d (MiB)", 1<<20)
	}
	c.maxImportBytes = c.maxImportMiB << 20
	if c.sessionLifetime <= 0 || c.sessionIdleTimeout <= 0 {
		return usagef("serve", "--session-lifetime and --session-idle-timeout must be positive durations, like 24h or 30m")
	}
	if strings.TrimSpace(c.addr) == "" && c.addr != "" {
		return usagef("serve", "--addr is blank; leave it out to listen on %s", defaultAddr)
	}
	if c.publicURL != "" {
		u, err := web.ParsePublicURL(c.publicURL)
		if err != nil {
			return usagef("serve", "--public-url %v", err)
		}
		c.publicURL = u
	}
	if c.smtpURL != "" {
		m, err := mail.New(c.smtpURL, c.mailFrom)
		if err != nil {
			return usagef("serve", "--smtp-url %v", err)
		}
		c.mailer = m
	}
	if c.addr == "" {
		c.addr = defaultAddr
		if c.demo {
			c.addr = defaultDemoAddr
		}
	}
	return c.db.validate()
}

// webOptions are the web.Options of the configuration, serving the web interface userInterface.
func (c *serveConfig) webOptions(userInterface http.Handler, importQueued func(string)) web.Options {
	return web.Options{RateLimit: c.rateLimit, FailedAuthLimit: c.rateLimitFailed, TrustedProxies: c.trustedProxies,
		UI: userInterface, PublicURL: c.publicURL, MailLinks: c.mailer != nil, MaxImportBytes: c.maxImportBytes, ImportQueued: importQueued}
}

// uiOptions are the ui.Options of the configuration.
func (c *serveConfig) uiOptions(importQueued func(string)) ui.Options {
	return ui.Options{SessionLifetime: c.sessionLifetime, SessionIdleTimeout: c.sessionIdleTimeout, Secure: c.secureCookies,
		PublicURL: c.publicURL, MailLinks: c.mailer != nil, MaxImportBytes: c.maxImportBytes, ImportQueued: importQueued}
}

// prefixesFlag is a flag of address ranges (web.ParseTrustedProxies); its error names the entry.
type prefixesFlag []netip.Prefix

func (p *prefixesFlag) String() string {
	if p == nil {
		return ""
	}
	s := make([]string, len(*p))
	for i, r := range *p {
		s[i] = r.String()
	}
	return strings.Join(s, ",")
}

func (p *prefixesFlag) Set(v string) error {
	ranges, err := web.ParseTrustedProxies(v)
	if err != nil {
		return err
	}
	*p = ranges
	return nil
}
