package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/steward-fleet/steward/internal/seed"
	"github.com/steward-fleet/steward/internal/steward"
	"github.com/steward-fleet/steward/internal/store"
)

// openStore opens the database and brings it to the current schema, as every command does.
func (e *env) openStore(ctx context.Context, db *dbConfig) (*store.Store, error) {
	s, err := openDB(ctx, db)
	if err != nil {
		return nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// openDB opens the database without migrating it.
func openDB(ctx context.Context, db *dbConfig) (*store.Store, error) {
	if err := db.validate(); err != nil {
		return nil, err
	}
	return store.Open(ctx, db.dsn, db.storeOptions())
}

func (e *env) migrate(ctx context.Context, args []string) error {
	fs := e.flags("migrate")
	db := e.dbFlag(fs)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	s, err := openDB(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := s.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: schema at version %d (%d migrations applied)\n", s, store.SchemaVersion(), n)
	return nil
}

func (e *env) init(ctx context.Context, args []string) error {
	fs := e.flags("init")
	db := e.dbFlag(fs)
	org := fs.String("org", "", "the organization's `NAME`")
	email := fs.String("email", "", "the first Admin's `EMAIL`, which signs in")
	password := fs.String("password", "", "the first Admin's `PASSWORD` (at least 8 characters)")
	country := fs.String("country", "", "the organization's country `CC`, ISO 3166-1 alpha-2 like DE")
	adminName := fs.String("admin-name", "", "the first Admin's `NAME`, as the audit log shows it (default: the email)")
	allowDup := fs.Bool("allow-duplicate-name", false,
		"add the organization even when one with the same name exists (names compare case- and accent-insensitively)")
	if err := e.parse(fs, args, "org", "email", "password"); err != nil {
		return err
	}
	s, err := e.openStore(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	acc, u, err := s.CreateOrganization(ctx, steward.Organization{Name: *org, Email: *email, Password: *password,
		Country: *country, AdminName: *adminName, UniqueName: !*allowDup})
	if err != nil {
		err = describe("init", err, flagsOf(fs, nil))
		if hasField(err, "org") {
			return fmt.Errorf("%w\nChoose another --org, or add --allow-duplicate-name to create a second organization with that name", err)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "Created organization %q (account %s) with Admin %s.\n", acc.Name, acc.ID, u.Email)
	fmt.Fprintf(e.stdout, "Next: steward apikey create --email %s --name NAME\n", u.Email)
	return nil
}

// fieldError is a domain error the command line describes by the flags it names.
type fieldError struct {
	msg    string
	fields []string
}

func (f *fieldError) Error() string { return f.msg }

// hasField reports whether err is a described domain error naming that field.
func hasField(err error, field string) bool {
	var f *fieldError
	return errors.As(err, &f) && slices.Contains(f.fields, field)
}

// describe turns a domain error into a message that names, for each bad field, the flag of cmd
// that set it: flags maps the service's field names to the command's flags (flagsOf), so that
// the command line never answers in the API's words (expires_at is --expires). A field no flag
// sets is named as it is. A validation error of fields that flags set is a usage error of cmd
// (exit 2): the value of a flag was wrong. Other errors keep their exit status.
func describe(cmd string, err error, flags map[string]string) error {
	e, ok := err.(*steward.Error)
	if !ok {
		return err
	}
	if len(e.Fields) == 0 {
		return fmt.Errorf("%s", e.Message)
	}
	var parts, names []string
	usage := e.Code == steward.EINVALID
	for _, f := range e.Fields {
		name, ok := flags[f.Field]
		if ok {
			name = "--" + name
		} else {
			name, usage = f.Field, false
		}
		parts = append(parts, name+": "+f.Message)
		names = append(names, f.Field)
	}
	msg := strings.Join(parts, "; ")
	if usage {
		return usagef(cmd, "%s", msg)
	}
	return &fieldError{msg: msg, fields: names}
}

// flagsOf maps the fields the flags of fs set to their flags: a flag sets the field of its name
// (--admin-name sets admin_name), unless other names the flag of a field.
func flagsOf(fs *flag.FlagSet, other map[string]string) map[string]string {
	m := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) { m[strings.ReplaceAll(f.Name, "-", "_")] = f.Name })
	for field, name := range other {
		m[field] = name
	}
	return m
}

// maxExpiry is the longest lifetime a key may be given: API keys expire within 10 years.
const maxExpiry = 3650 * 24 * time.Hour

// parseDuration reads a key's lifetime: Go durations ("720h") plus days ("30d"), positive and at
// most 10 years.
func parseDuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("%q is not a duration like 30d or 720h", s)
	var v time.Duration
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil {
			return 0, bad
		}
		if n > int(maxExpiry/(24*time.Hour)) {
			return 0, fmt.Errorf("%q is more than 10 years (3650d)", s)
		}
		v = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if v, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	if v <= 0 {
		return 0, fmt.Errorf("%q must be more than zero", s)
	}
	if v > maxExpiry {
		return 0, fmt.Errorf("%q is more than 10 years (3650d)", s)
	}
	return v, nil
}

func (e *env) apikeyCreate(ctx context.Context, args []string) error {
	fs := e.flags("apikey create")
	db := e.dbFlag(fs)
	email := fs.String("email", "", "the `EMAIL` of the user the key acts as")
	name := fs.String("name", "", "a `NAME` for the key, to recognise it later")
	role := fs.String("role", "", "the key's `ROLE`: admin, fleet_admin, user or technician; may only lower the user's role (default: the user's)")
	integration := fs.Bool("integration", false, "an integration key: may write customers that are externally managed")
	expires := fs.String("expires", "", "the key's lifetime, a `DURATION` like 90d or 720h, at most 3650d (default: never expires)")
	if err := e.parse(fs, args, "email", "name"); err != nil {
		return err
	}
	f := steward.APIKeyFields{Name: *name, Role: steward.Role(*role), Integration: *integration}
	if *expires != "" {
		d, err := parseDuration(*expires)
		if err != nil {
			return usagef("apikey create", "--expires %v", err)
		}
		t := steward.TimestampOf(time.Now().Add(d))
		f.ExpiresAt = &t
	}
	s, err := e.openStore(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	k, err := s.CreateAPIKeyForEmail(ctx, *email, f)
	if err != nil {
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			return fmt.Errorf("no user has the email %s", *email)
		}
		// The key's lifetime is --expires here, expires_at in the API.
		return describe("apikey create", err, flagsOf(fs, map[string]string{"expires_at": "expires"}))
	}
	fmt.Fprintln(e.stdout, k.Key)
	return nil
}

func (e *env) apikeyRevoke(ctx context.Context, args []string) error {
	fs := e.flags("apikey revoke")
	db := e.dbFlag(fs)
	prefix := fs.String("prefix", "", "the key's `PREFIX` (stw_ and 8 more characters), as apikey list shows it")
	if err := e.parse(fs, args, "prefix"); err != nil {
		return err
	}
	s, err := e.openStore(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.RevokeAPIKeyByPrefix(ctx, *prefix); err != nil {
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			return fmt.Errorf("no API key has the prefix %s", *prefix)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "Revoked API key %s.\n", *prefix)
	return nil
}

// maxSeedAssets bounds dev seed: ten times rental-1M, far beyond any test, and a typo's extra
// zeros end here instead of filling the disk.
const maxSeedAssets = 10_000_000

// maxSeedOrgs bounds dev seed --orgs: each organization's Admin costs a password hash.
const maxSeedOrgs = 100_000

func (e *env) devSeed(ctx context.Context, args []string) error {
	fs := e.flags("dev seed")
	db := e.dbFlag(fs)
	assets := fs.Int("assets", 0, "the number of assets `N`, at least 10 (customers N/10, locations 3N/10, contacts N/4); with --orgs, of each organization")
	orgs := fs.Int("orgs", 0, "make `M` organizations (\"Tenant 0001\"…, or --org with a number), each with its Admin and a fleet of --assets assets, in one load; prints every Admin's email")
	history := fs.Int("history", 0, "`K` past movements per asset, 0 to 100, each with its audit row")
	org := fs.String("org", "", "the organization's `NAME` (default: Rental Fleet N)")
	email := fs.String("email", "", "the Admin's `EMAIL` (default: derived from the organization)")
	adminName := fs.String("admin-name", seed.DefaultAdminName, "the Admin's `NAME`, as the audit log shows it")
	seedN := fs.Int64("seed", 1, "the random seed `S`: the same seed builds the same data")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the seeding to `FILE` (for tuning the loader)")
	if err := e.parse(fs, args, "assets"); err != nil {
		return err
	}
	if *assets < 10 || *assets > maxSeedAssets {
		return usagef("dev seed", "--assets %d: must be between 10 and %d", *assets, maxSeedAssets)
	}
	if *history < 0 || *history > 100 {
		return usagef("dev seed", "--history %d: must be between 0 and 100", *history)
	}
	if *orgs < 0 || *orgs > maxSeedOrgs {
		return usagef("dev seed", "--orgs %d: must be between 1 and %d", *orgs, maxSeedOrgs)
	}
	if *orgs > 0 && *email != "" {
		return usagef("dev seed", "--email: not with --orgs (each Admin's email derives from its organization's name)")
	}
	if *orgs > 0 && *orgs**assets > maxSeedAssets {
		return usagef("dev seed", "--orgs %d × --assets %d: at most %d assets in all", *orgs, *assets, maxSeedAssets)
	}
	if *org == "" && *orgs == 0 {
		*org = fmt.Sprintf("Rental Fleet %d", *assets)
	}
	if *cpuProfile != "" {
		// Before the database is touched, so a bad path changes nothing.
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	s, err := e.openStore(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	opts := seed.Options{Org: *org, Email: *email, AdminName: *adminName, Assets: *assets,
		History: *history, Seed: *seedN,
		Progress: func(format string, args ...any) { fmt.Fprintf(e.stderr, "seed: "+format+"\n", args...) }}
	if *orgs > 0 {
		res, err := seed.BuildTenants(ctx, s, opts, *orgs)
		if err != nil {
			return describe("dev seed", err, flagsOf(fs, nil))
		}
		fmt.Fprintf(e.stderr, "seed: %d organizations: %d customers, %d locations, %d contacts, %d assets, %d audit events in %s\n",
			len(res.Accounts), res.Customers, res.Locations, res.Contacts, res.Assets, res.Audit, res.Took.Round(time.Millisecond))
		for _, a := range res.Admins {
			fmt.Fprintln(e.stdout, a.Email)
		}
		return nil
	}
	res, err := seed.Build(ctx, s, opts)
	if err != nil {
		return describe("dev seed", err, flagsOf(fs, nil))
	}
	fmt.Fprintf(e.stderr, "seed: %q: %d customers, %d locations, %d contacts, %d assets, %d audit events in %s\n",
		res.Account.Name, res.Customers, res.Locations, res.Contacts, res.Assets, res.Audit, res.Took.Round(time.Millisecond))
	fmt.Fprintln(e.stdout, res.Admin.Email)
	return nil
}

func (e *env) apikeyList(ctx context.Context, args []string) error {
	fs := e.flags("apikey list")
	db := e.dbFlag(fs)
	email := fs.String("email", "", "list only the keys of the user with this `EMAIL` (default: every key of the installation)")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if *email != "" && strings.TrimSpace(*email) == "" {
		// A blank filter is a mistake (an unset shell variable?), not a request for every key.
		return usagef("apikey list", "--email is blank; leave it out to list every key")
	}
	s, err := e.openStore(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	keys, err := s.AllAPIKeys(ctx, *email)
	if err != nil {
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			return fmt.Errorf("no user has the email %s", strings.TrimSpace(*email))
		}
		return err
	}
	if len(keys) == 0 {
		// The hint goes to stderr, so a script reading the table still sees only the header.
		fmt.Fprintln(e.stderr, "No API keys yet; create one with: steward apikey create --email EMAIL --name NAME")
	}
	now := e.now()
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PREFIX\tNAME\tUSER\tORGANIZATION\tROLE\tINTEGRATION\tCREATED\tEXPIRES\tLAST USED\tSTATUS")
	for _, k := range keys {
		status := "active"
		switch {
		case k.RevokedAt != nil:
			status = "revoked " + tableTime(k.RevokedAt)
		case k.ExpiresAt != nil && !k.ExpiresAt.After(now):
			status = "expired"
		}
		integration := "no"
		if k.Integration {
			integration = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cell(k.Prefix), cell(k.Name), cell(k.UserEmail),
			cell(k.AccountName), k.Role, integration, tableTime(&k.CreatedAt), orNever(k.ExpiresAt), orNever(k.LastUsedAt), status)
	}
	return tw.Flush()
}

// tableTime renders a time for a table: UTC, to the minute.
func tableTime(t *steward.Timestamp) string {
	return t.UTC().Format("2006-01-02 15:04")
}

func orNever(t *steward.Timestamp) string {
	if t == nil {
		return "never"
	}
	return tableTime(t)
}

// cell makes text safe for one cell of a table on a terminal: tabs, line breaks and other
// control or format characters (which validation refuses, but an old row may hold) are shown
// escaped instead of breaking the columns or steering the terminal; an empty text shows as "-".
func cell(s string) string {
	if s == "" {
		return "-"
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
